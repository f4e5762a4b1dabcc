/**
 * `rmq send` delivery-time flags and `rmq recall` against an embedded cluster, in this process:
 * the SendResult line carries the recall handle, recall before the time works, the flags exclude each
 * other and bad values are one clear line; `rmq broker` / `rmq dev` refuse a bad timer precision.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import { rmq as rmqInProcess } from '../helpers/cli.js';
import type { CliResult } from '../helpers/cli.js';

let cluster: EmbeddedCluster;
const rmq = (...args: string[]): Promise<CliResult> => rmqInProcess(args, { NAMESRV_ADDR: '' });

before(async () => {
  cluster = await startEmbeddedCluster({ brokers: [{ timerPrecisionMs: 100, recallMessageEnable: true }] });
});
after(async () => {
  await cluster.stop();
});

describe('rmq send timer flags, rmq recall', () => {
  it('--deliver-after-ms prints the recall handle; rmq recall takes it back', async () => {
    const ns = cluster.namesrvAddress;
    const r = await rmq(
      'send',
      '--namesrv',
      ns,
      '--topic',
      'CliTimer',
      '--body',
      'x',
      '--deliver-after-ms',
      '5000',
    );
    assert.equal(r.code, 0, r.stderr);
    const m =
      /^SendResult \[sendStatus=SEND_OK, msgId=([0-9A-F]{32}), .*, recallHandle=([A-Za-z0-9_=-]+)\]$/.exec(
        r.stdout.trim(),
      );
    assert.ok(m, r.stdout);
    const recalled = await rmq('recall', '--namesrv', ns, '--topic', 'CliTimer', '--handle', m[2]!);
    assert.equal(recalled.code, 0, recalled.stderr);
    assert.equal(recalled.stdout, `Recalled: topic=CliTimer, msgId=${m[1]}\n`);
    const plain = await rmq(
      'send',
      '--namesrv',
      ns,
      '--topic',
      'CliTimer',
      '--body',
      'x',
      '--delay-level',
      '1',
    );
    assert.doesNotMatch(plain.stdout, /recallHandle/);
  });

  it('refuses two delivery times, bad values, past times and bad handles with one line', async () => {
    const ns = cluster.namesrvAddress;
    const base = ['send', '--namesrv', ns, '--topic', 'CliTimer', '--body', 'x'];
    const cases: [string[], RegExp][] = [
      [
        ['--delay-level', '2', '--deliver-after-ms', '10'],
        /at most one of --delay-level, --deliver-after-ms/,
      ],
      [['--deliver-after-ms', 'soon'], /--deliver-after-ms must be a whole number/],
      [['--deliver-at-ms', '1000'], /in the past/],
    ];
    for (const [flags, want] of cases) {
      const out = await rmq(...base, ...flags).then(
        (res) => res.stderr,
        (e: unknown) => String((e as Error).message),
      );
      assert.match(out, want);
    }
    const bad = await rmq('recall', '--namesrv', ns, '--topic', 'CliTimer', '--handle', 'nope!').then(
      (res) => res.stderr,
      (e: unknown) => String((e as Error).message),
    );
    assert.match(bad, /recall handle is invalid/);
  });

  it("rmq broker / rmq dev: --timer-precision-ms must be one of Java's slot widths", async () => {
    for (const cmd of [['broker', '--namesrv', '127.0.0.1:1'], ['dev']]) {
      const out = await rmq(...cmd, '--timer-precision-ms', '300').then(
        (res) => res.stderr,
        (e: unknown) => String((e as Error).message),
      );
      assert.match(out, /--timer-precision-ms must be one of 100, 200, 500, 1000, got 300/);
    }
  });
});
