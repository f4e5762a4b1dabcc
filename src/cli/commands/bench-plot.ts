/**
 * `rmq bench --plot FILE.html`: one self-contained page (inline SVG, no script, no external asset)
 * with three charts over time — throughput (msg/s), latency percentiles of each second (p50, p90,
 * p99, p99.9, max; ms, log scale) and the client's CPU (% of one core) — and the run's summary.
 */
import { chart, esc, page, percentileSeries } from './bench-chart.js';
import type { BenchSummary } from './bench-report.js';

export function plotPage(s: BenchSummary): string {
  const xs = s.intervals.map((i) => i.atSeconds);
  const pick = (f: (i: BenchSummary['intervals'][number]) => number): number[] => s.intervals.map(f);
  const l = s.latencyMs;
  const title = `rmq bench: ${s.mode}${s.autoBatch ? ' auto-batch' : ''}, ${s.size} B, ${s.concurrency} in flight`;
  const rows = s.intervals.map((i) => ({
    p50: i.p50Ms,
    p90: i.p90Ms,
    p99: i.p99Ms,
    p999: i.p999Ms,
    max: i.maxMs,
  }));
  return page(
    title,
    [
      [
        'Send TPS',
        String(s.tps),
        'stored',
        String(s.stored),
        'failed',
        String(s.sendFailed + s.responseFailed),
      ],
      [
        'p50 / p90 / p99 / p99.9 / max (ms)',
        [l.p50, l.p90, l.p99, l.p999, l.max].map((v) => v.toFixed(3)).join(' / '),
      ],
      [
        'client CPU',
        esc(
          `${s.cpuPercent.toFixed(1)} % of a core, ${s.cpuMicrosPerMessage.toFixed(2)} µs/msg, ` +
            `peak RSS ${(s.peakRssBytes / 1048576).toFixed(1)} MiB`,
        ),
      ],
    ],
    [
      chart('Throughput (msg/s)', xs, [{ name: 'Send TPS', color: '#1f77b4', values: pick((i) => i.tps) }]),
      chart('Latency per second (ms, log scale)', xs, percentileSeries(rows), true),
      chart('Client CPU (% of one core)', xs, [
        { name: 'CPU', color: '#9467bd', values: pick((i) => i.cpuPercent) },
      ]),
    ],
  );
}
