/**
 * What `rmq bench --consume` prints: each second the line of Java's benchmark Consumer (example/
 * benchmark/Consumer.java, 5.x: "Current Time: yyyy-MM-dd HH:mm:ss,SSS | Consume TPS: … | AVG(B2C)
 * RT(ms): %7.3f | AVG(S2C) RT(ms): %7.3f | MAX(B2C) RT(ms): … | MAX(S2C) RT(ms): … | Consume Fail: …",
 * the maxima and failures since the previous line as Java's; TPS and averages over the last second,
 * where Java averages its last ten), then a "[Complete] …" line and the percentiles of both latencies
 * over the run; or, with --json, one JSON document for machines.
 */
import type { ConsumeInterval, ConsumeOutcome } from './bench-consume-meter.js';
import { figuresOf } from './bench-histogram.js';
import type { LatencyFigures } from './bench-histogram.js';
import { humanTime } from './bench-report.js';

/** Java's %7.3f. */
const f73 = (v: number): string => v.toFixed(3).padStart(7, ' ');

/** The per-second line. */
export function consumeIntervalLine(interval: ConsumeInterval, now = new Date()): string {
  return (
    `Current Time: ${humanTime(now)} | Consume TPS: ${interval.tps} | ` +
    `AVG(B2C) RT(ms): ${f73(interval.b2c.avg)} | AVG(S2C) RT(ms): ${f73(interval.s2c.avg)} | ` +
    `MAX(B2C) RT(ms): ${Math.floor(interval.b2c.max)} | MAX(S2C) RT(ms): ${Math.floor(interval.s2c.max)} | ` +
    `Consume Fail: ${interval.failed}`
  );
}

/** How the consumer was set up, for the summary. */
export interface ConsumeSetup {
  readonly topic: string;
  readonly group: string;
  /** The tag expression, or the SQL92 expression with sql true. */
  readonly expression: string;
  readonly sql: boolean;
  readonly broadcast: boolean;
  readonly orderly: boolean;
  readonly threads: number;
  readonly failRate: number;
}

/** The first line, Java's "topic: …, threadCount …, group: …" in our terms. */
export function consumeStartLine(s: ConsumeSetup): string {
  return (
    `topic: ${s.topic}, threadCount: ${s.threads}, group: ${s.group}, filterType: ${s.sql ? 'SQL92' : 'TAG'}, ` +
    `expression: ${s.expression}, messageModel: ${s.broadcast ? 'BROADCASTING' : 'CLUSTERING'}, ` +
    `orderly: ${s.orderly}, failRate: ${s.failRate}`
  );
}

/** The run as `--json` prints it and the summary lines and the page read it. */
export interface ConsumeBenchSummary extends ConsumeSetup {
  readonly kind: 'consume';
  readonly durationSeconds: number;
  /** Deliveries, failed ones included. */
  readonly received: number;
  /** Deliveries answered with success. */
  readonly consumed: number;
  /** Deliveries answered with reconsume later. */
  readonly failed: number;
  /** Deliveries per second over the run. */
  readonly tps: number;
  /** Born-to-consume latency over the run, ms. */
  readonly b2cMs: LatencyFigures;
  /** Store-to-consume latency over the run, ms. */
  readonly s2cMs: LatencyFigures;
  /** Client CPU: % of one core over the run, and µs per delivery. */
  readonly cpuPercent: number;
  readonly cpuMicrosPerMessage: number;
  readonly peakRssBytes: number;
  readonly intervals: ConsumeInterval[];
}

/** The run's summary: counts, TPS over the measured time, both latencies' figures, client CPU. */
export function summarizeConsume(setup: ConsumeSetup, outcome: ConsumeOutcome): ConsumeBenchSummary {
  const seconds = Math.max(1e-3, outcome.elapsedMs / 1000);
  return {
    kind: 'consume',
    ...setup,
    durationSeconds: Math.round(seconds * 1000) / 1000,
    received: outcome.received,
    consumed: outcome.received - outcome.failed,
    failed: outcome.failed,
    tps: Math.round(outcome.received / seconds),
    b2cMs: figuresOf(outcome.b2c),
    s2cMs: figuresOf(outcome.s2c),
    cpuPercent: Math.round(outcome.cpuMicros / seconds / 100) / 100,
    cpuMicrosPerMessage:
      outcome.received === 0 ? 0 : Math.round((outcome.cpuMicros / outcome.received) * 100) / 100,
    peakRssBytes: outcome.peakRssBytes,
    intervals: outcome.intervals,
  };
}

/** "clustering, orderly, 20 threads, tag TagA, group G, 10 s": what the run was. */
export function consumeSetupText(s: ConsumeBenchSummary): string {
  const filter = s.sql ? `sql ${s.expression}` : `tag ${s.expression}`;
  return [
    s.broadcast ? 'broadcasting' : 'clustering',
    ...(s.orderly ? ['orderly'] : []),
    `${s.threads} thread${s.threads === 1 ? '' : 's'}`,
    filter,
    ...(s.failRate > 0 ? [`fail rate ${s.failRate}`] : []),
    `group ${s.group}`,
    `${s.durationSeconds} s`,
  ].join(', ');
}

const percentiles = (l: LatencyFigures): string =>
  `p50 ${l.p50.toFixed(3)} | p90 ${l.p90.toFixed(3)} | p99 ${l.p99.toFixed(3)} | ` +
  `p99.9 ${l.p999.toFixed(3)} | max ${l.max.toFixed(3)}`;

/** The closing lines: a "[Complete]" line, the percentiles of both latencies and the client CPU. */
export function consumeSummaryLines(s: ConsumeBenchSummary): string[] {
  return [
    `[Complete] Consume Total: ${s.received} | Consume TPS: ${s.tps} | ` +
      `AVG(B2C) RT(ms): ${f73(s.b2cMs.avg)} | AVG(S2C) RT(ms): ${f73(s.s2cMs.avg)} | ` +
      `MAX(B2C) RT(ms): ${Math.floor(s.b2cMs.max)} | MAX(S2C) RT(ms): ${Math.floor(s.s2cMs.max)} | ` +
      `Consume Fail: ${s.failed}`,
    `B2C latency(ms): ${percentiles(s.b2cMs)} (born to consume)`,
    `S2C latency(ms): ${percentiles(s.s2cMs)} (store to consume)`,
    `Consumed ${s.consumed} of ${s.received} deliveries from ${s.topic} (${consumeSetupText(s)})`,
    `Client CPU: ${s.cpuPercent.toFixed(1)} % of a core | ${s.cpuMicrosPerMessage.toFixed(2)} us/msg | ` +
      `peak RSS ${(s.peakRssBytes / 1048576).toFixed(1)} MiB`,
  ];
}
