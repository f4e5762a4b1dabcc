/**
 * What `rmq bench` prints: each second the line of Java's benchmark Producer (example/benchmark/
 * Producer.java doPrintStats: "Current Time: yyyy-MM-dd HH:mm:ss,SSS | Send TPS: … | Max RT(ms): … |
 * Average RT(ms): %7.3f | Send Failed: … | Response Failed: …", Max RT and the failures counted since
 * the start as Java's; TPS and Average RT over the last second, where Java averages its last ten
 * seconds), then its "[Complete] …" line and a summary of the whole run's histogram; or, with --json,
 * one JSON document for machines.
 */
import type { BenchInterval, BenchOutcome, BenchPlan } from './bench-driver.js';
import { figuresOf } from './bench-histogram.js';
import type { LatencyFigures, LatencyHistogram } from './bench-histogram.js';

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** Java UtilAll.timeMillisToHumanString2: local time "yyyy-MM-dd HH:mm:ss,SSS". */
export function humanTime(date: Date): string {
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())},${pad(date.getMilliseconds(), 3)}`
  );
}

/** Java's %7.3f. */
const f73 = (v: number): string => v.toFixed(3).padStart(7, ' ');

export interface RunningTotals {
  sendFailed: number;
  responseFailed: number;
}

export function intervalLine(
  interval: BenchInterval,
  total: LatencyHistogram,
  totals: RunningTotals,
  now = new Date(),
): string {
  return (
    `Current Time: ${humanTime(now)} | Send TPS: ${interval.tps} | Max RT(ms): ${Math.floor(total.max / 1000)} | ` +
    `Average RT(ms): ${f73(interval.avgMs)} | Send Failed: ${totals.sendFailed} | Response Failed: ${totals.responseFailed}`
  );
}

export interface BenchSummary {
  readonly mode: string;
  readonly size: number;
  readonly concurrency: number;
  readonly autoBatch: boolean;
  readonly compress: string | undefined;
  readonly durationSeconds: number;
  readonly sendTotal: number;
  readonly stored: number;
  readonly sendFailed: number;
  readonly responseFailed: number;
  readonly tps: number;
  /** Latency over the whole run, ms (sends; batch mode: whole batches). */
  readonly latencyMs: LatencyFigures;
  /** Client CPU: % of one core over the run, and µs per stored message. */
  readonly cpuPercent: number;
  readonly cpuMicrosPerMessage: number;
  readonly peakRssBytes: number;
  readonly intervals: BenchInterval[];
}

export function summarize(
  plan: BenchPlan,
  outcome: BenchOutcome,
  extra: { autoBatch: boolean; compress: string | undefined },
): BenchSummary {
  const h = outcome.latency;
  const seconds = outcome.elapsedMs / 1000;
  return {
    mode: plan.mode,
    size: plan.size,
    concurrency: plan.concurrency,
    autoBatch: extra.autoBatch,
    compress: extra.compress,
    durationSeconds: Math.round(seconds * 1000) / 1000,
    sendTotal: outcome.stored + outcome.sendFailed + outcome.responseFailed,
    stored: outcome.stored,
    sendFailed: outcome.sendFailed,
    responseFailed: outcome.responseFailed,
    tps: Math.round(outcome.stored / seconds),
    latencyMs: figuresOf(h),
    cpuPercent: Math.round(outcome.cpuMicros / seconds / 100) / 100,
    cpuMicrosPerMessage:
      outcome.stored === 0 ? 0 : Math.round((outcome.cpuMicros / outcome.stored) * 100) / 100,
    peakRssBytes: outcome.peakRssBytes,
    intervals: outcome.intervals,
  };
}

/** The closing lines: Java's "[Complete]" line, then the histogram's percentiles and the client CPU. */
export function summaryLines(s: BenchSummary): string[] {
  const l = s.latencyMs;
  return [
    `[Complete] Send Total: ${s.sendTotal} | Send TPS: ${s.tps} | Max RT(ms): ${Math.floor(l.max)} | ` +
      `Average RT(ms): ${f73(l.avg)} | Send Failed: ${s.sendFailed} | Response Failed: ${s.responseFailed}`,
    `Latency(ms): p50 ${l.p50.toFixed(3)} | p90 ${l.p90.toFixed(3)} | p99 ${l.p99.toFixed(3)} | ` +
      `p99.9 ${l.p999.toFixed(3)} | max ${l.max.toFixed(3)} (${s.mode}${s.autoBatch ? ', auto-batch' : ''}, ` +
      `${s.size} B, ${s.concurrency} in flight, ${s.durationSeconds} s)`,
    `Client CPU: ${s.cpuPercent.toFixed(1)} % of a core | ${s.cpuMicrosPerMessage.toFixed(2)} us/msg | ` +
      `peak RSS ${(s.peakRssBytes / 1048576).toFixed(1)} MiB`,
  ];
}
