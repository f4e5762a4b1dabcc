/**
 * `rmq send` end to end against an embedded cluster in this process: in-process runs (`rmq`) and,
 * for the sync send and an unreachable name server, the built binary in a child process.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import { rmq as rmqInProcess, rmqBinary } from '../helpers/cli.js';
import type { CliResult } from '../helpers/cli.js';

let cluster: EmbeddedCluster;

const ENV = { NAMESRV_ADDR: '' };
/** `rmq ...` in this process. */
const rmq = (...args: string[]): Promise<CliResult> => rmqInProcess(args, ENV);
/** `rmq ...` as the built binary in a child process. */
const rmqProcess = (...args: string[]): Promise<CliResult> => rmqBinary(args, ENV);

before(async () => {
  cluster = await startEmbeddedCluster({ brokers: 1 });
});
after(async () => {
  await cluster.stop();
});

describe('rmq send', () => {
  it('sync: one SendResult line per message', async () => {
    const r = await rmqProcess(
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
    const down = await rmqProcess('send', '--namesrv', '127.0.0.1:1', '--topic', 'CliT', '--body', 'x');
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
