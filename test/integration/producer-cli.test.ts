/** `rmq send` end to end: a child process against an embedded cluster in this process. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';

let cluster: EmbeddedCluster;

function rmq(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', ...args],
      { timeout: 60_000, env: { ...process.env, NAMESRV_ADDR: '' } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

before(async () => {
  cluster = await startEmbeddedCluster({ brokers: 1 });
});
after(async () => {
  await cluster.stop();
});

describe('rmq send', () => {
  it('sync: one SendResult line per message', async () => {
    const r = await rmq(
      'send',
      '--namesrv',
      cluster.namesrvAddress,
      '--topic',
      'CliT',
      '--tag',
      'A',
      '--body',
      'hi',
      '--count',
      '2',
    );
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 2);
    for (const l of lines)
      assert.match(
        l,
        /^SendResult \[sendStatus=SEND_OK, msgId=[0-9A-F]{32}, .*topic=CliT, brokerName=broker-a/,
      );
  });

  it('oneway and async', async () => {
    const one = await rmq(
      'send',
      '--namesrv',
      cluster.namesrvAddress,
      '--topic',
      'CliT',
      '--body',
      'x',
      '--mode',
      'oneway',
      '--count',
      '3',
    );
    assert.equal(one.code, 0, one.stderr);
    assert.equal(
      one.stdout
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('Oneway message written: topic=CliT, msgId=')).length,
      3,
    );
    const as = await rmq(
      'send',
      '--namesrv',
      cluster.namesrvAddress,
      '--topic',
      'CliT',
      '--body',
      'x',
      '--mode',
      'async',
      '--count',
      '2',
    );
    assert.equal(as.code, 0, as.stderr);
    assert.equal(as.stdout.trim().split('\n').length, 2);
  });

  it('unreachable name server and bad flags: one line, non-zero exit', async () => {
    const down = await rmq('send', '--namesrv', '127.0.0.1:1', '--topic', 'CliT', '--body', 'x');
    assert.equal(down.code, 1);
    assert.equal(down.stderr.trim().split('\n').length, 1);
    assert.match(
      down.stderr,
      /^rmq: Failed to get the route of topic CliT from the name server \[127\.0\.0\.1:1\]/,
    );
    const bad = await rmq('send', '--namesrv', cluster.namesrvAddress, '--topic', 'CliT');
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr, 'rmq: give exactly one of --body TEXT or --file PATH\n');
    const mode = await rmq(
      'send',
      '--namesrv',
      cluster.namesrvAddress,
      '--topic',
      'CliT',
      '--body',
      'x',
      '--mode',
      'fast',
    );
    assert.equal(mode.code, 2);
    assert.equal(mode.stderr.trim().split('\n').length, 1);
  });
});
