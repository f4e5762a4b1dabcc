/**
 * What `rmq bench --consume` measures, as Java's benchmark Consumer does: for each delivery, the time
 * from the message's born timestamp (the producer's clock) to its consumption, B2C, and from its store
 * timestamp (the broker's clock) to its consumption, S2C. Both come from millisecond wall clocks on up
 * to three machines, so they are whole milliseconds and only as good as the clocks' agreement; a
 * negative difference (a clock ahead of ours) is counted as 0, as the histogram does.
 *
 * Deliveries are counted as Java counts them: TPS and the latencies cover every delivery, "Consume
 * Fail" the deliveries answered with reconsume later (--fail-rate). Each `closeInterval()` closes one
 * second: its counts, its latency percentiles and the process's CPU time and resident memory.
 */
import { performance } from 'node:perf_hooks';
import { LatencyHistogram, figuresOf } from './bench-histogram.js';
import type { LatencyFigures } from './bench-histogram.js';

/** One second of a consumer benchmark. */
export interface ConsumeInterval {
  /** Seconds since the start at the interval's end. */
  readonly atSeconds: number;
  /** Deliveries per second over the interval. */
  readonly tps: number;
  /** Deliveries answered with reconsume later in the interval. */
  readonly failed: number;
  /** Born-to-consume latency of the interval's deliveries. */
  readonly b2c: LatencyFigures;
  /** Store-to-consume latency of the interval's deliveries. */
  readonly s2c: LatencyFigures;
  /** Process CPU (user + system) over the interval, % of one core. */
  readonly cpuPercent: number;
  readonly rssBytes: number;
}

/** The whole run. */
export interface ConsumeOutcome {
  readonly intervals: ConsumeInterval[];
  readonly b2c: LatencyHistogram;
  readonly s2c: LatencyHistogram;
  /** Every delivery, failed ones included. */
  readonly received: number;
  readonly failed: number;
  readonly elapsedMs: number;
  readonly cpuMicros: number;
  readonly peakRssBytes: number;
}

/** Injectable clocks: `monotonic` for intervals (ms), `wall` for the message timestamps (ms since the epoch). */
export interface MeterClocks {
  readonly monotonic: () => number;
  readonly wall: () => number;
}

const SYSTEM_CLOCKS: MeterClocks = { monotonic: () => performance.now(), wall: () => Date.now() };

/** Counts deliveries and their latencies, one interval per second, for the whole run. */
export class ConsumeMeter {
  readonly #clocks: MeterClocks;
  readonly #start: number;
  readonly #cpuStart = process.cpuUsage();
  #since: number;
  #cpu = process.cpuUsage();
  #b2c = new LatencyHistogram();
  #s2c = new LatencyHistogram();
  #received = 0;
  #failed = 0;
  #stoppedAt: number | undefined;
  readonly #totalB2c = new LatencyHistogram();
  readonly #totalS2c = new LatencyHistogram();
  readonly #intervals: ConsumeInterval[] = [];
  #totalReceived = 0;
  #totalFailed = 0;
  #peakRssBytes = 0;

  constructor(clocks: MeterClocks = SYSTEM_CLOCKS) {
    this.#clocks = clocks;
    this.#start = clocks.monotonic();
    this.#since = this.#start;
  }

  /** Counts one delivery of a message born and stored at these times (ms since the epoch). */
  record(bornTimestamp: number, storeTimestamp: number, failed = false): void {
    const now = this.#clocks.wall();
    this.#b2c.record((now - bornTimestamp) * 1000);
    this.#s2c.record((now - storeTimestamp) * 1000);
    this.#received++;
    if (failed) this.#failed++;
  }

  /** Closes the current second and starts the next; returns what it saw. */
  closeInterval(): ConsumeInterval {
    const now = this.#clocks.monotonic();
    const cpu = process.cpuUsage(this.#cpu);
    const cpuMicros = cpu.user + cpu.system;
    const seconds = Math.max(1e-3, (now - this.#since) / 1000);
    const interval: ConsumeInterval = {
      atSeconds: Math.round((now - this.#start) / 10) / 100,
      tps: Math.round(this.#received / seconds),
      failed: this.#failed,
      b2c: figuresOf(this.#b2c),
      s2c: figuresOf(this.#s2c),
      cpuPercent: Math.round(cpuMicros / seconds / 100) / 100,
      rssBytes: process.memoryUsage.rss(),
    };
    this.#totalB2c.add(this.#b2c);
    this.#totalS2c.add(this.#s2c);
    this.#totalReceived += this.#received;
    this.#totalFailed += this.#failed;
    this.#peakRssBytes = Math.max(this.#peakRssBytes, interval.rssBytes);
    this.#intervals.push(interval);
    this.#b2c = new LatencyHistogram();
    this.#s2c = new LatencyHistogram();
    this.#received = 0;
    this.#failed = 0;
    this.#since = now;
    this.#cpu = process.cpuUsage();
    return interval;
  }

  /**
   * Marks the end of the measured time (the stop was asked for): deliveries still counted after it
   * (the consumer finishing what it holds) do not stretch the run's duration.
   */
  stop(): void {
    this.#stoppedAt ??= this.#clocks.monotonic();
  }

  /** Closes the last interval and returns the run. */
  finish(): ConsumeOutcome {
    this.stop();
    this.closeInterval();
    const cpu = process.cpuUsage(this.#cpuStart);
    return {
      intervals: this.#intervals,
      b2c: this.#totalB2c,
      s2c: this.#totalS2c,
      received: this.#totalReceived,
      failed: this.#totalFailed,
      elapsedMs: (this.#stoppedAt ?? this.#clocks.monotonic()) - this.#start,
      cpuMicros: cpu.user + cpu.system,
      peakRssBytes: this.#peakRssBytes,
    };
  }
}
