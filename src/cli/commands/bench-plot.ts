/**
 * `rmq bench --plot FILE.html`: one self-contained page (inline SVG, no script, no external asset)
 * with three charts over time — throughput (msg/s), latency percentiles of each second (p50, p90,
 * p99, p99.9, max; ms, log scale) and the client's CPU (% of one core) — and the run's summary.
 */
import type { BenchSummary } from './bench-report.js';

interface Series {
  readonly name: string;
  readonly color: string;
  readonly values: readonly number[];
}

const W = 760;
const H = 240;
const M = { left: 64, right: 120, top: 16, bottom: 32 };

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function niceNumber(v: number): string {
  if (v === 0) return '0';
  if (Math.abs(v) >= 1000) return `${Math.round(v / 100) / 10}k`;
  if (Math.abs(v) >= 10) return String(Math.round(v));
  return String(Math.round(v * 100) / 100);
}

/** One line chart; `log` plots log10 of the values (latencies span decades). */
function chart(title: string, xs: readonly number[], series: readonly Series[], log = false): string {
  const all = series.flatMap((s) => s.values).filter((v) => Number.isFinite(v));
  const floor = log ? Math.max(1e-3, Math.min(...all.filter((v) => v > 0), 1)) : 0;
  const tf = (v: number): number => (log ? Math.log10(Math.max(v, floor)) : v);
  const yMin = log ? tf(floor) : 0;
  const yMax = Math.max(yMin + (log ? 1 : 1e-9), ...all.map(tf));
  const xMax = Math.max(1, ...xs);
  const px = (x: number): number => M.left + (x / xMax) * (W - M.left - M.right);
  const py = (v: number): number => H - M.bottom - ((tf(v) - yMin) / (yMax - yMin)) * (H - M.top - M.bottom);
  const ticks = Array.from({ length: 5 }, (_, i) => yMin + ((yMax - yMin) * i) / 4);
  const grid = ticks
    .map((t) => {
      const y = H - M.bottom - ((t - yMin) / (yMax - yMin)) * (H - M.top - M.bottom);
      const label = niceNumber(log ? 10 ** t : t);
      return `<line x1="${M.left}" x2="${W - M.right}" y1="${y}" y2="${y}" stroke="#ddd"/><text x="${M.left - 6}" y="${y + 4}" text-anchor="end">${label}</text>`;
    })
    .join('');
  const lines = series
    .map((s, i) => {
      const points = s.values.map((v, j) => `${px(xs[j] ?? 0).toFixed(1)},${py(v).toFixed(1)}`).join(' ');
      return (
        `<polyline fill="none" stroke="${s.color}" stroke-width="1.8" points="${points}"/>` +
        `<text x="${W - M.right + 8}" y="${M.top + 14 + i * 16}" fill="${s.color}">${esc(s.name)}</text>`
      );
    })
    .join('');
  return (
    `<h2>${esc(title)}</h2><svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-size="11" font-family="sans-serif">` +
    `${grid}<line x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}" stroke="#888"/>` +
    `<text x="${(W - M.right + M.left) / 2}" y="${H - 6}" text-anchor="middle">seconds</text>${lines}</svg>`
  );
}

export function plotPage(s: BenchSummary): string {
  const xs = s.intervals.map((i) => i.atSeconds);
  const pick = (f: (i: BenchSummary['intervals'][number]) => number): number[] => s.intervals.map(f);
  const l = s.latencyMs;
  const title = `rmq bench: ${s.mode}${s.autoBatch ? ' auto-batch' : ''}, ${s.size} B, ${s.concurrency} in flight`;
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:sans-serif;margin:24px;color:#222}h2{font-size:15px;margin:18px 0 4px}td{padding:2px 10px}</style>
</head><body><h1 style="font-size:18px">${esc(title)}</h1>
<table><tr><td>Send TPS</td><td>${s.tps}</td><td>stored</td><td>${s.stored}</td><td>failed</td><td>${s.sendFailed + s.responseFailed}</td></tr>
<tr><td>p50 / p90 / p99 / p99.9 / max (ms)</td><td colspan="5">${[l.p50, l.p90, l.p99, l.p999, l.max].map((v) => v.toFixed(3)).join(' / ')}</td></tr>
<tr><td>client CPU</td><td colspan="5">${s.cpuPercent.toFixed(1)} % of a core, ${s.cpuMicrosPerMessage.toFixed(2)} µs/msg, peak RSS ${(s.peakRssBytes / 1048576).toFixed(1)} MiB</td></tr></table>
${chart('Throughput (msg/s)', xs, [{ name: 'Send TPS', color: '#1f77b4', values: pick((i) => i.tps) }])}
${chart(
  'Latency per second (ms, log scale)',
  xs,
  [
    { name: 'p50', color: '#2ca02c', values: pick((i) => i.p50Ms) },
    { name: 'p90', color: '#1f77b4', values: pick((i) => i.p90Ms) },
    { name: 'p99', color: '#ff7f0e', values: pick((i) => i.p99Ms) },
    { name: 'p99.9', color: '#d62728', values: pick((i) => i.p999Ms) },
    { name: 'max', color: '#7f7f7f', values: pick((i) => i.maxMs) },
  ],
  true,
)}
${chart('Client CPU (% of one core)', xs, [{ name: 'CPU', color: '#9467bd', values: pick((i) => i.cpuPercent) }])}
</body></html>
`;
}
