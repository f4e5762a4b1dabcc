/**
 * `rmq bench --consume --plot FILE.html`: one self-contained page (inline SVG, no script, no external
 * asset) with four charts over time — consume TPS, the born-to-consume and the store-to-consume
 * latency percentiles of each second (p50, p90, p99, p99.9, max; ms, log scale) and the client's CPU
 * (% of one core) — and the run's summary.
 */
import { chart, esc, page, percentileSeries } from './bench-chart.js';
import type { LatencyFigures } from './bench-histogram.js';
import type { ConsumeBenchSummary } from './bench-consume-report.js';
import { consumeSetupText } from './bench-consume-report.js';

const figures = (l: LatencyFigures): string =>
  [l.p50, l.p90, l.p99, l.p999, l.max].map((v) => v.toFixed(3)).join(' / ');

/** The HTML page of a consumer benchmark run. */
export function consumePlotPage(s: ConsumeBenchSummary): string {
  const xs = s.intervals.map((i) => i.atSeconds);
  return page(
    `rmq bench --consume: ${s.topic} (${consumeSetupText(s)})`,
    [
      ['Consume TPS', String(s.tps), 'consumed', String(s.consumed), 'failed', String(s.failed)],
      ['B2C p50 / p90 / p99 / p99.9 / max (ms)', figures(s.b2cMs)],
      ['S2C p50 / p90 / p99 / p99.9 / max (ms)', figures(s.s2cMs)],
      [
        'client CPU',
        esc(
          `${s.cpuPercent.toFixed(1)} % of a core, ${s.cpuMicrosPerMessage.toFixed(2)} µs/msg, ` +
            `peak RSS ${(s.peakRssBytes / 1048576).toFixed(1)} MiB`,
        ),
      ],
    ],
    [
      chart('Throughput (msg/s)', xs, [
        { name: 'Consume TPS', color: '#1f77b4', values: s.intervals.map((i) => i.tps) },
      ]),
      chart(
        'Born to consume (B2C) per second (ms, log scale)',
        xs,
        percentileSeries(s.intervals.map((i) => i.b2c)),
        true,
      ),
      chart(
        'Store to consume (S2C) per second (ms, log scale)',
        xs,
        percentileSeries(s.intervals.map((i) => i.s2c)),
        true,
      ),
      chart('Client CPU (% of one core)', xs, [
        { name: 'CPU', color: '#9467bd', values: s.intervals.map((i) => i.cpuPercent) },
      ]),
    ],
  );
}
