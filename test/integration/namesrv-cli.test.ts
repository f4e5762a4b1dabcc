/**
 * `rmq namesrv` as a child process (the built binary): prints one ready line with the bound address,
 * answers requests, and exits 0 on SIGTERM / SIGINT. Flag errors run in this process.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { RemotingClient } from '../../src/transport/index.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import { RequestCode } from '../../src/protocol/codes/request-code.js';
import { ResponseCode } from '../../src/protocol/codes/response-code.js';
import { rmq, spawnRmq } from '../helpers/cli.js';

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  it(`rmq namesrv --port 0 serves and stops cleanly on ${signal}`, async () => {
    // SIGINT's run also bounds its connections to one (--max-connections).
    const bounded = signal === 'SIGINT';
    const child = spawnRmq(['namesrv', '--port', '0', ...(bounded ? ['--max-connections', '1'] : [])]);
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
      if (bounded) {
        // The client holds the one connection (and has spoken): a second one is refused.
        const [host, port] = [address.split(':')[0]!, Number(address.split(':')[1])];
        const second = net.connect({ host, port });
        second.on('error', () => undefined);
        const closed = await Promise.race([
          new Promise<boolean>((resolve) => second.once('close', () => resolve(true))),
          new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2000)),
        ]);
        second.destroy();
        assert.equal(closed, true, 'a second connection is closed at once');
        const again = await client.invokeSync(
          address,
          createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { extFields: { topic: 'Nope' } }),
          5000,
        );
        assert.equal(again.code, ResponseCode.TOPIC_NOT_EXIST, 'the first connection is still served');
      }
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
  const bound = await rmq(['namesrv', '--max-connections', '0']);
  assert.equal(bound.code, 2);
  assert.match(bound.stderr, /--max-connections must be between 1 and \d+, got 0/);
  const broker = await rmq(['broker', '--namesrv', '127.0.0.1:9876', '--max-connections', 'many']);
  assert.equal(broker.code, 2);
  assert.match(broker.stderr, /--max-connections must be a whole number, got "many"/);
});
