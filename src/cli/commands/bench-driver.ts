/**
 * The load loop of `rmq bench`: keeps `concurrency` sends in flight (sync: that many senders each
 * waiting for its answer, Java's threads; async and oneway: that many sends outstanding; batch: that
 * many sendBatch calls of `batchSize` messages) until the duration is over, then waits for the ones
 * still out. Each second it closes an interval: messages stored, failures, the interval's latency
 * histogram and the process's CPU time and resident memory.
 *
 * Failures are counted as Java's benchmark producer counts them: an error the broker answered
 * (MQBrokerError) is a "Response Failed", any other a "Send Failed".
 */
import { performance } from 'node:perf_hooks';
import type { Producer } from '../../client/index.js';
import { MQBrokerError } from '../../common/errors.js';
import { Message } from '../../protocol/message/index.js';
import { LatencyHistogram } from './bench-histogram.js';

export const BENCH_MODES = ['sync', 'async', 'oneway', 'batch'] as const;
export type BenchMode = (typeof BENCH_MODES)[number];

export interface BenchPlan {
  readonly topic: string;
  readonly mode: BenchMode;
  /** Body bytes of each message. */
  readonly size: number;
  readonly concurrency: number;
  readonly durationMs: number;
  readonly batchSize: number;
  readonly tag: string | undefined;
  readonly timeoutMillis: number;
}

export interface BenchInterval {
  /** Seconds since the start at the interval's end. */
  readonly atSeconds: number;
  readonly tps: number;
  readonly sendFailed: number;
  readonly responseFailed: number;
  /** Latency of the interval's sends, ms. */
  readonly avgMs: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
  /** Process CPU (user + system) over the interval, % of one core. */
  readonly cpuPercent: number;
  readonly rssBytes: number;
}

export interface BenchOutcome {
  readonly intervals: BenchInterval[];
  readonly latency: LatencyHistogram;
  readonly stored: number;
  readonly sendFailed: number;
  readonly responseFailed: number;
  readonly elapsedMs: number;
  readonly cpuMicros: number;
  readonly peakRssBytes: number;
}

/** A body of `size` printable random bytes (Java's benchmark sends random letters). */
export function benchBody(size: number): Buffer {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i++) out[i] = chars.charCodeAt(Math.floor(Math.random() * chars.length));
  return out;
}

function senderFor(producer: Producer, plan: BenchPlan): () => Promise<number> {
  const body = benchBody(plan.size);
  const make = (): Message => new Message(plan.topic, body, plan.tag === undefined ? {} : { tags: plan.tag });
  const timeout = plan.timeoutMillis;
  switch (plan.mode) {
    case 'sync':
      return async () => (await producer.send(make(), timeout), 1);
    case 'async':
      return async () => (await producer.sendAsync(make(), timeout), 1);
    case 'oneway':
      return async () => (await producer.sendOneway(make()), 1);
    case 'batch':
      return async () => {
        const list = Array.from({ length: plan.batchSize }, make);
        await producer.sendBatch(list, timeout);
        return list.length;
      };
  }
}

/** A run's last interval shorter than this is counted in the totals but not reported on its own. */
const MIN_TAIL_MS = 500;

class IntervalMeter {
  latency = new LatencyHistogram();
  stored = 0;
  sendFailed = 0;
  responseFailed = 0;
  #since = performance.now();
  #cpu = process.cpuUsage();

  /** Milliseconds since this interval began. */
  get elapsedMs(): number {
    return performance.now() - this.#since;
  }

  close(start: number): { interval: BenchInterval; cpuMicros: number } {
    const now = performance.now();
    const cpu = process.cpuUsage(this.#cpu);
    const cpuMicros = cpu.user + cpu.system;
    const seconds = Math.max(1e-3, (now - this.#since) / 1000);
    const h = this.latency;
    const interval: BenchInterval = {
      atSeconds: Math.round((now - start) / 10) / 100,
      tps: Math.round(this.stored / seconds),
      sendFailed: this.sendFailed,
      responseFailed: this.responseFailed,
      avgMs: h.mean / 1000,
      p50Ms: h.percentile(50) / 1000,
      p90Ms: h.percentile(90) / 1000,
      p99Ms: h.percentile(99) / 1000,
      p999Ms: h.percentile(99.9) / 1000,
      maxMs: h.max / 1000,
      cpuPercent: Math.round(cpuMicros / seconds / 100) / 100,
      rssBytes: process.memoryUsage.rss(),
    };
    return { interval, cpuMicros };
  }
}

/** Runs the plan; `onInterval` sees each second's figures as it closes. */
export async function runBench(
  producer: Producer,
  plan: BenchPlan,
  onInterval: (interval: BenchInterval, total: LatencyHistogram) => void,
): Promise<BenchOutcome> {
  const one = senderFor(producer, plan);
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const total = new LatencyHistogram();
  const intervals: BenchInterval[] = [];
  let meter = new IntervalMeter();
  let stored = 0;
  let sendFailed = 0;
  let responseFailed = 0;
  let peakRssBytes = 0;
  /**
   * Closes the current interval into the totals and, unless it is the run's tail of less than
   * MIN_TAIL_MS after a whole interval, reports it: a tail of a few milliseconds reported its TPS
   * scaled up to a second (a fake per-second line, and a point on top of the previous one in --plot).
   */
  const closeInterval = (tail = false): void => {
    const report = !tail || intervals.length === 0 || meter.elapsedMs >= MIN_TAIL_MS;
    const { interval } = meter.close(start);
    total.add(meter.latency);
    stored += meter.stored;
    sendFailed += meter.sendFailed;
    responseFailed += meter.responseFailed;
    peakRssBytes = Math.max(peakRssBytes, interval.rssBytes);
    meter = new IntervalMeter();
    if (!report) return;
    intervals.push(interval);
    onInterval(interval, total);
  };
  const ticker = setInterval(() => closeInterval(), 1000);
  const deadline = start + plan.durationMs;
  let inFlight = 0;
  await new Promise<void>((resolve) => {
    // One clock read per send in the steady state: the read that ends a send starts the next one
    // (each read costs ~50 ns on some VMs, and the benchmark measures the client's CPU per message).
    const launch = (now: number): void => {
      let t0 = now;
      while (inFlight < plan.concurrency && t0 < deadline) {
        inFlight++;
        const begin = t0;
        one().then(
          (n) => {
            const end = performance.now();
            meter.stored += n;
            meter.latency.record((end - begin) * 1000);
            done(end);
          },
          (err: unknown) => {
            if (err instanceof MQBrokerError) meter.responseFailed++;
            else meter.sendFailed++;
            done(performance.now());
          },
        );
        if (inFlight < plan.concurrency) t0 = performance.now();
      }
      if (inFlight === 0) resolve();
    };
    const done = (now: number): void => {
      inFlight--;
      launch(now);
    };
    launch(performance.now());
  });
  clearInterval(ticker);
  const elapsedMs = performance.now() - start;
  closeInterval(true);
  const cpu = process.cpuUsage(cpuStart);
  return {
    intervals,
    latency: total,
    stored,
    sendFailed,
    responseFailed,
    elapsedMs,
    cpuMicros: cpu.user + cpu.system,
    peakRssBytes,
  };
}
