/**
 * `rmq bench`: a producer benchmark in the manner of RocketMQ's example/benchmark/Producer — Java's
 * per-second "Send TPS: … Max RT(ms): … Average RT(ms): … Send Failed: … Response Failed: …" lines,
 * then a summary from a log-bucketed histogram (p50 / p90 / p99 / p99.9 / max) and the client's CPU
 * per message; `--json` prints one JSON document instead, `--plot FILE.html` writes a self-contained
 * page of throughput, latency percentiles and client CPU over time. `--consume` runs the consumer
 * benchmark instead (bench-consume.ts).
 */
import { writeFile } from 'node:fs/promises';
import { Producer } from '../../client/index.js';
import { RocketMQError } from '../../common/errors.js';
import { checkTopic } from '../../protocol/message/validators.js';
import { intFlag, parseFlags } from '../args.js';
import { CliError } from '../cli-error.js';
import { credentialsFromFlags } from '../acl-flags.js';
import { compressOptions } from '../compress-flag.js';
import { processIo } from '../io.js';
import type { CliIo } from '../io.js';
import { oneLine } from '../message-flags.js';
import { clientTlsFromFlags, withTls } from '../tls-flags.js';
import { BENCH_MODES, runBench } from './bench-driver.js';
import type { BenchMode, BenchPlan } from './bench-driver.js';
import { runConsumeBench } from './bench-consume.js';
import {
  BENCH_FLAGS,
  BENCH_USAGE,
  CONSUMER_ONLY_FLAGS,
  durationMillis,
  refuseFlags,
  serializeTypeOf,
} from './bench-flags.js';
import type { BenchFlags } from './bench-flags.js';
import { plotPage } from './bench-plot.js';
import { intervalLine, summarize, summaryLines } from './bench-report.js';

export const description =
  'Benchmark a producer, or with --consume a push consumer (Java benchmark lines, latency percentiles, --json, --plot)';

function planOf(flags: BenchFlags, mode: BenchMode): BenchPlan {
  const { threads, window } = flags;
  if (threads !== undefined && window !== undefined) {
    throw new CliError('give --threads (sync, batch) or --window (async, oneway), not both');
  }
  const perSender = mode === 'sync' || mode === 'batch';
  if (perSender && window !== undefined)
    throw new CliError(`--window is for async/oneway; ${mode} takes --threads`);
  if (!perSender && threads !== undefined)
    throw new CliError(`--threads is for sync/batch; ${mode} takes --window`);
  const concurrency = perSender
    ? intFlag('threads', threads, 64, 1, 100_000)
    : intFlag('window', window, 128, 1, 1_000_000);
  const topic = flags.topic as string;
  try {
    checkTopic(topic);
  } catch (err) {
    throw new CliError(`--topic: ${oneLine(err)}`);
  }
  return {
    topic,
    mode,
    size: intFlag('size', flags.size, 128, 1, 4 * 1024 * 1024),
    concurrency,
    durationMs: durationMillis(flags.duration, 10_000),
    batchSize: intFlag('batch-size', flags['batch-size'], 32, 1, 10_000),
    tag: flags.tag,
    timeoutMillis: intFlag('timeout', flags.timeout, 3000, 1, 3_600_000),
  };
}

export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  const flags = parseFlags(argv, BENCH_USAGE, description, BENCH_FLAGS, io.stdout);
  if (flags === undefined) return 0;
  if (flags.consume === true) return runConsumeBench(flags, io);
  refuseFlags(flags, CONSUMER_ONLY_FLAGS, 'for the consumer benchmark: add --consume');
  const mode = (flags.mode ?? 'async') as BenchMode;
  if (!BENCH_MODES.includes(mode)) {
    throw new CliError(`--mode must be sync, async, oneway or batch, got "${flags.mode}"`);
  }
  const plan = planOf(flags, mode);
  const autoBatch = flags['auto-batch'] === true;
  if (autoBatch && (mode === 'oneway' || mode === 'batch')) {
    throw new CliError(`--auto-batch batches sync and async sends; ${mode} sends are never auto-batched`);
  }
  const nameServer = flags.namesrv ?? io.env.NAMESRV_ADDR;
  if (nameServer === undefined || nameServer.trim() === '') {
    throw new CliError('--namesrv is required (or set NAMESRV_ADDR), e.g. --namesrv 127.0.0.1:9876');
  }
  const credentials = credentialsFromFlags(flags, io.env);
  let producer: Producer;
  try {
    producer = new Producer({
      producerGroup: flags.group ?? 'benchmark_producer',
      nameServer,
      sendMsgTimeout: plan.timeoutMillis,
      autoBatch,
      ...serializeTypeOf(flags['serialize-type']),
      ...withTls(clientTlsFromFlags(flags)),
      ...compressOptions(flags.compress),
      ...(credentials && { credentials }),
    });
  } catch (err) {
    if (err instanceof RocketMQError) throw new CliError(oneLine(err));
    throw err;
  }
  await producer.start();
  let outcome;
  try {
    // One send first: the route lookup and the connection are not part of the measurement.
    await producer.send({ topic: plan.topic, body: 'warm-up' }, plan.timeoutMillis).catch((err: unknown) => {
      throw new CliError(`the first send failed: ${oneLine(err)}`, 1);
    });
    const totals = { sendFailed: 0, responseFailed: 0 };
    outcome = await runBench(producer, plan, (interval, total) => {
      totals.sendFailed += interval.sendFailed;
      totals.responseFailed += interval.responseFailed;
      if (flags.json !== true) io.stdout.write(`${intervalLine(interval, total, totals)}\n`);
    });
  } finally {
    await producer.shutdown();
  }
  const summary = summarize(plan, outcome, { autoBatch, compress: flags.compress });
  if (flags.json === true) io.stdout.write(`${JSON.stringify(summary)}\n`);
  else io.stdout.write(`${summaryLines(summary).join('\n')}\n`);
  if (flags.plot !== undefined) {
    await writeFile(flags.plot, plotPage(summary));
    if (flags.json !== true) io.stdout.write(`Plot written to ${flags.plot}\n`);
  }
  return summary.stored === 0 ? 1 : 0;
}
