/**
 * `rmq send` end to end against an embedded cluster in this process: in-process runs (`rmq`) and,
 * for the sync send and an unreachable name server, the built binary in a child process.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import { Readable } from 'node:stream';
import { rmq as rmqInProcess, rmqBinary, spawnRmq } from '../helpers/cli.js';
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
  it('a run ended by a failed send says how many were stored, in every mode', async () => {
    const ns = cluster.namesrvAddress;
    // Half the sends to this topic refused BUSY: an ordered run stops at its first refusal.
    const busy = cluster
      .broker(0)
      .inject({ kind: 'busy', codes: ['SEND_MESSAGE_V2'], topics: ['StopAtBusy'], fraction: 0.5 });
    try {
      for (const mode of ['sync', 'async', 'oneway']) {
        const r = await rmq(
          'send',
          '--namesrv',
          ns,
          '--topic',
          'StopAtBusy',
          '--body',
          'x',
          '--count',
          '20',
          '--sharding-key',
          'k',
          '--mode',
          mode,
        );
        if (mode === 'oneway') {
          // Nothing answers a oneway send: every one is written.
          assert.equal(r.code, 0, r.stderr);
          continue;
        }
        assert.equal(r.code, 1, `${mode}: ${r.stderr}`);
        const m = /^rmq: (\d+) of 20 stored, stopped at the first failure: .+\n$/.exec(r.stderr);
        assert.ok(m, `${mode}: ${r.stderr}`);
        assert.equal(
          r.stdout.split('\n').filter((l) => l !== '').length,
          Number(m[1]),
          `${mode}: ${r.stdout}`,
        );
      }
      const all = cluster
        .broker(0)
        .inject({ kind: 'busy', codes: ['SEND_MESSAGE_V2'], topics: ['StopAtBusy'] });
      const sync = await rmq('send', '--namesrv', ns, '--topic', 'StopAtBusy', '--body', 'x', '--count', '3');
      all.remove();
      assert.equal(sync.code, 1);
      assert.match(sync.stderr, /^rmq: 0 of 3 stored, stopped at the first failure: .+\n$/);
    } finally {
      busy.remove();
    }
  });

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

  it('--json prints one object per line; --file - reads stdin', async () => {
    const r = await rmqInProcess(
      [
        'send',
        '--namesrv',
        cluster.namesrvAddress,
        '--topic',
        'CliT',
        '--file',
        '-',
        '--json',
        '--count',
        '2',
      ],
      ENV,
      Readable.from([Buffer.from('from '), Buffer.from('stdin')]),
    );
    assert.equal(r.code, 0, r.stderr);
    const results = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(results.length, 2);
    for (const res of results) {
      assert.equal(res.sendStatus, 'SEND_OK');
      assert.match(String(res.msgId), /^[0-9A-F]{32}$/);
      assert.match(String(res.queueOffset), /^\d+$/); // a bigint, printed as a string
      assert.deepEqual(Object.keys(res.messageQueue as object).sort(), ['brokerName', 'queueId', 'topic']);
    }
    const consumed = await rmq(
      'consume',
      '--namesrv',
      cluster.namesrvAddress,
      '--topic',
      'CliT',
      '--group',
      'cli_json_g',
      '--from-beginning',
      '--json',
      '--timeout',
      '1',
    );
    assert.equal(consumed.code, 0, consumed.stderr);
    const ids = new Set(results.map((res) => res.msgId));
    const mine = consumed.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((m) => ids.has(m.msgId));
    assert.equal(mine.length, 2);
    for (const m of mine) {
      assert.equal(m.body, 'from stdin');
      assert.equal(m.bodyEncoding, 'utf8');
      assert.equal(typeof m.queueOffset, 'string');
    }
  });

  it('SIGINT during an async send: no new sends, in-flight ones finish, every fate printed', async () => {
    const child = spawnRmq([
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
      '1000000',
    ]);
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (stdout.includes('\n')) resolve();
      }),
    );
    child.kill('SIGINT');
    assert.equal(await exited, 130, stderr);
    const m = /^rmq: interrupted: sent (\d+), acknowledged (\d+), failed (\d+)\n$/.exec(stderr);
    assert.ok(m, stderr);
    const [sent, acked, failed] = [Number(m[1]), Number(m[2]), Number(m[3])];
    assert.equal(sent, acked + failed);
    assert.ok(sent < 1_000_000);
    assert.equal(stdout.trim().split('\n').length, acked);
  });

  it('empty, too large and unreadable bodies are usage errors (exit 2) before any connection', async () => {
    const ns = '127.0.0.1:1'; // never contacted
    const empty = await rmq('send', '--namesrv', ns, '--topic', 'CliT', '--body', '');
    assert.deepEqual(
      [empty.code, empty.stderr],
      [2, 'rmq: the message body from --body is empty (RocketMQ refuses empty bodies)\n'],
    );
    const big = await rmqInProcess(
      ['send', '--namesrv', ns, '--topic', 'CliT', '--file', '-'],
      ENV,
      Readable.from([Buffer.alloc(4 * 1024 * 1024), Buffer.alloc(1)]),
    );
    assert.equal(big.code, 2);
    assert.match(big.stderr, /^rmq: the message body from stdin is over the 4194304-byte limit/);
    const negative = await rmq('send', '--namesrv', ns, '--topic', 'CliT', '--body', 'x', '--count', '-1');
    assert.deepEqual(
      [negative.code, negative.stderr],
      [2, 'rmq: --count must be between 1 and 1000000, got -1\n'],
    );
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
