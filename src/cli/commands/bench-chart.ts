/**
 * The drawing shared by the `rmq bench` pages (producer and consumer): an SVG line chart with a
 * legend, linear or log scale, and HTML escaping. One self-contained chart: inline SVG, no script.
 */
/** One line of a chart. */
export interface Series {
  readonly name: string;
  readonly color: string;
  readonly values: readonly number[];
}

const W = 760;
const H = 240;
const M = { left: 64, right: 120, top: 16, bottom: 32 };

/** Escapes text for HTML content and attribute values. */
export const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function niceNumber(v: number): string {
  if (v === 0) return '0';
  if (Math.abs(v) >= 1000) return `${Math.round(v / 100) / 10}k`;
  if (Math.abs(v) >= 10) return String(Math.round(v));
  return String(Math.round(v * 100) / 100);
}

/** One line chart with its title; `log` plots log10 of the values (latencies span decades). */
export function chart(title: string, xs: readonly number[], series: readonly Series[], log = false): string {
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

/** Latency percentiles of one second, ms. */
export interface PercentileRow {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

/** The five lines of a latency chart (p50, p90, p99, p99.9, max), one point per second. */
export function percentileSeries(rows: readonly PercentileRow[]): Series[] {
  return [
    { name: 'p50', color: '#2ca02c', values: rows.map((r) => r.p50) },
    { name: 'p90', color: '#1f77b4', values: rows.map((r) => r.p90) },
    { name: 'p99', color: '#ff7f0e', values: rows.map((r) => r.p99) },
    { name: 'p99.9', color: '#d62728', values: rows.map((r) => r.p999) },
    { name: 'max', color: '#7f7f7f', values: rows.map((r) => r.max) },
  ];
}

/** A whole page: `title`, a summary table (rows of cells, already HTML) and the charts. */
export function page(
  title: string,
  table: readonly (readonly string[])[],
  charts: readonly string[],
): string {
  const rows = table.map((cells) => `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:sans-serif;margin:24px;color:#222}h2{font-size:15px;margin:18px 0 4px}td{padding:2px 10px}</style>
</head><body><h1 style="font-size:18px">${esc(title)}</h1>
<table>${rows}</table>
${charts.join('\n')}
</body></html>
`;
}
