/**
 * The pure parts of `rmq bench --consume`: the meter (fake clocks: B2C and S2C from the message
 * timestamps, per-second TPS, failures, totals, the measured time ending at the stop), Java's
 * per-second line and the summary lines, and the percentile series of the charts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { percentileSeries } from '../../src/cli/commands/bench-chart.js';
import { ConsumeMeter } from '../../src/cli/commands/bench-consume-meter.js';
import type { ConsumeInterval } from '../../src/cli/commands/bench-consume-meter.js';
import type { LatencyFigures } from '../../src/cli/commands/bench-histogram.js';
import { consumePlotPage } from '../../src/cli/commands/bench-consume-plot.js';
import {
  consumeIntervalLine,
  consumeStartLine,
  consumeSummaryLines,
  summarizeConsume,
} from '../../src/cli/commands/bench-consume-report.js';
import type { ConsumeSetup } from '../../src/cli/commands/bench-consume-report.js';

function fakeClocks(): {
  monotonic: number;
  wall: number;
  clocks: { monotonic: () => number; wall: () => number };
} {
  const state = {
    monotonic: 0,
    wall: 1_700_000_000_000,
    clocks: { monotonic: () => state.monotonic, wall: () => state.wall },
  };
  return state;
}

const SETUP: ConsumeSetup = {
  topic: 'T',
  group: 'G',
  expression: '*',
  sql: false,
  broadcast: false,
  orderly: false,
  threads: 20,
  failRate: 0,
};

const figures = (over: Partial<LatencyFigures>): LatencyFigures => ({
  min: 0,
  avg: 0,
  p50: 0,
  p90: 0,
  p99: 0,
  p999: 0,
  max: 0,
  ...over,
});

describe('ConsumeMeter', () => {
  it('measures B2C from the born and S2C from the store timestamp, per second and in total', () => {
    const t = fakeClocks();
    const meter = new ConsumeMeter(t.clocks);
    // Born 12 ms and stored 5 ms before consumption; born 30 ms and stored 20 ms before.
    meter.record(t.wall - 12, t.wall - 5);
    meter.record(t.wall - 30, t.wall - 20, true);
    t.monotonic = 1000;
    const first = meter.closeInterval();
    assert.equal(first.atSeconds, 1);
    assert.equal(first.tps, 2);
    assert.equal(first.failed, 1);
    assert.equal(first.b2c.min, 12);
    assert.equal(first.b2c.max, 30);
    assert.equal(first.b2c.avg, 21);
    assert.equal(first.s2c.max, 20);
    assert.equal(first.s2c.avg, 12.5);

    // A second that half passes with 3 deliveries: 6 per second.
    meter.record(t.wall - 1, t.wall);
    meter.record(t.wall - 1, t.wall);
    meter.record(t.wall - 1, t.wall + 3); // the broker's clock ahead of ours: counted as 0
    t.monotonic = 1500;
    const second = meter.closeInterval();
    assert.equal(second.tps, 6);
    assert.equal(second.failed, 0);
    assert.equal(second.b2c.max, 1, 'the interval has its own maximum, as Java resets it each line');
    assert.equal(second.s2c.min, 0);

    t.monotonic = 2000;
    meter.stop();
    t.monotonic = 2600; // the shutdown: a delivery still counted, the time not
    meter.record(t.wall - 2, t.wall - 1);
    const outcome = meter.finish();
    assert.equal(outcome.received, 6);
    assert.equal(outcome.failed, 1);
    assert.equal(outcome.elapsedMs, 2000);
    assert.equal(outcome.intervals.length, 3);
    assert.equal(outcome.b2c.count, 6);
    assert.equal(outcome.b2c.max, 30_000, 'µs in the histogram');

    const s = summarizeConsume(SETUP, outcome);
    assert.equal(s.kind, 'consume');
    assert.equal(s.received, 6);
    assert.equal(s.consumed, 5);
    assert.equal(s.tps, 3);
    assert.equal(s.durationSeconds, 2);
    assert.equal(s.b2cMs.max, 30);
    assert.ok(s.b2cMs.p50 <= s.b2cMs.p99 && s.b2cMs.p99 <= s.b2cMs.max);
    assert.equal(s.s2cMs.min, 0);
  });

  it('an empty second has zero figures, not NaN', () => {
    const t = fakeClocks();
    const meter = new ConsumeMeter(t.clocks);
    t.monotonic = 1000;
    const i = meter.closeInterval();
    assert.equal(i.tps, 0);
    assert.deepEqual(i.b2c, figures({}));
    const s = summarizeConsume(SETUP, meter.finish());
    assert.equal(s.cpuMicrosPerMessage, 0);
    assert.doesNotMatch(consumeSummaryLines(s).join('\n'), /NaN|Infinity/);
    assert.doesNotMatch(consumePlotPage(s), /NaN|Infinity/);
  });
});

describe('consume bench lines', () => {
  const interval: ConsumeInterval = {
    atSeconds: 3,
    tps: 41250,
    failed: 2,
    b2c: figures({ avg: 3.25, max: 17.9 }),
    s2c: figures({ avg: 1.5, max: 12 }),
    cpuPercent: 55.5,
    rssBytes: 1,
  };

  it("formats Java's benchmark Consumer line (local time, %7.3f averages, whole-ms maxima)", () => {
    const at = new Date(2026, 0, 2, 3, 4, 5, 67);
    assert.equal(
      consumeIntervalLine(interval, at),
      'Current Time: 2026-01-02 03:04:05,067 | Consume TPS: 41250 | AVG(B2C) RT(ms):   3.250 | ' +
        'AVG(S2C) RT(ms):   1.500 | MAX(B2C) RT(ms): 17 | MAX(S2C) RT(ms): 12 | Consume Fail: 2',
    );
  });

  it("starts with Java's setup line", () => {
    assert.equal(
      consumeStartLine({ ...SETUP, expression: 'a > 1', sql: true, broadcast: true, threads: 4 }),
      'topic: T, threadCount: 4, group: G, filterType: SQL92, expression: a > 1, messageModel: BROADCASTING, orderly: false, failRate: 0',
    );
  });

  it('summarizes with counts, both percentile rows, the setup and the client CPU', () => {
    const lines = consumeSummaryLines({
      ...SETUP,
      expression: 'a > 5',
      sql: true,
      orderly: true,
      threads: 1,
      failRate: 0.25,
      kind: 'consume',
      durationSeconds: 10.002,
      received: 1000,
      consumed: 750,
      failed: 250,
      tps: 100,
      b2cMs: { min: 1, avg: 2.5, p50: 2, p90: 3, p99: 4, p999: 5, max: 6.75 },
      s2cMs: { min: 0, avg: 1.25, p50: 1, p90: 1.5, p99: 2, p999: 2.5, max: 3 },
      cpuPercent: 12.34,
      cpuMicrosPerMessage: 123.456,
      peakRssBytes: 64 * 1048576,
      intervals: [interval],
    });
    assert.deepEqual(lines, [
      '[Complete] Consume Total: 1000 | Consume TPS: 100 | AVG(B2C) RT(ms):   2.500 | AVG(S2C) RT(ms):   1.250 | ' +
        'MAX(B2C) RT(ms): 6 | MAX(S2C) RT(ms): 3 | Consume Fail: 250',
      'B2C latency(ms): p50 2.000 | p90 3.000 | p99 4.000 | p99.9 5.000 | max 6.750 (born to consume)',
      'S2C latency(ms): p50 1.000 | p90 1.500 | p99 2.000 | p99.9 2.500 | max 3.000 (store to consume)',
      'Consumed 750 of 1000 deliveries from T (clustering, orderly, 1 thread, sql a > 5, fail rate 0.25, group G, 10.002 s)',
      'Client CPU: 12.3 % of a core | 123.46 us/msg | peak RSS 64.0 MiB',
    ]);
  });
});

describe('bench charts', () => {
  it('percentileSeries draws p50, p90, p99, p99.9 and max, one point per second', () => {
    const series = percentileSeries([
      { p50: 1, p90: 2, p99: 3, p999: 4, max: 5 },
      { p50: 6, p90: 7, p99: 8, p999: 9, max: 10 },
    ]);
    assert.deepEqual(
      series.map((s) => [s.name, ...s.values]),
      [
        ['p50', 1, 6],
        ['p90', 2, 7],
        ['p99', 3, 8],
        ['p99.9', 4, 9],
        ['max', 5, 10],
      ],
    );
    assert.equal(new Set(series.map((s) => s.color)).size, 5);
  });

  it('the consumer page escapes what the user typed (topic, group, expression)', () => {
    const meter = new ConsumeMeter(fakeClocks().clocks);
    const s = summarizeConsume(
      { ...SETUP, group: 'g<b>', expression: 'a < 5 && b = "x"', sql: true },
      meter.finish(),
    );
    const html = consumePlotPage(s);
    assert.doesNotMatch(html, /g<b>|a < 5/);
    assert.match(html, /group g&lt;b&gt;/);
    assert.match(html, /sql a &lt; 5 &amp;&amp; b = &quot;x&quot;/);
  });
});
