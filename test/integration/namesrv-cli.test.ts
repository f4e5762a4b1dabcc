/**
 * `rmq namesrv` as a child process (the built binary): prints one ready line with the bound address,
 * answers requests, and exits 0 on SIGTERM / SIGINT. Flag errors run in this process.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { RemotingClient } from '../../src/transport/index.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import { RequestCode } from '../../src/protocol/codes/request-code.js';
import { ResponseCode } from '../../src/protocol/codes/response-code.js';
import { rmq, spawnRmq } from '../helpers/cli.js';

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  it(`rmq namesrv --port 0 serves and stops cleanly on ${signal}`, async () => {
    const child = spawnRmq(['namesrv', '--port', '0']);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const client = new RemotingClient();
    try {
      let out = '';
      const address = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ready line; stdout=${out}`)), 20_000);
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const m = /^name server listening on (127\.0\.0\.1:\d+)\n/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
        child.on('exit', () => reject(new Error(`exited early; stdout=${out}`)));
      });
      const r = await client.invokeSync(
        address,
        createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { extFields: { topic: 'Nope' } }),
        5000,
      );
      assert.equal(r.code, ResponseCode.TOPIC_NOT_EXIST);
      child.kill(signal);
      assert.equal(await exited, 0);
      assert.equal(out, `name server listening on ${address}\n`);
    } finally {
      await client.shutdown();
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
}

it('rmq namesrv refuses a bad port with one line and exit code 2', async () => {
  const { code, stderr } = await rmq(['namesrv', '--port', '70000']);
  assert.equal(code, 2);
  assert.match(stderr, /--port must be between 0 and 65535, got 70000/);
});
