/**
 * `rmq bench --consume`: a consumer benchmark in the manner of RocketMQ's example/benchmark/Consumer —
 * a PushConsumer of a fresh group (benchmark_consumer_<random> unless --group) whose handler only
 * measures, Java's per-second "Consume TPS / AVG(B2C) / AVG(S2C) / MAX(B2C) / MAX(S2C) / Consume Fail"
 * lines, then a summary with the percentiles of both latencies; `--json` one JSON document,
 * `--plot FILE.html` a page of the run over time. It runs for --duration seconds, or as Java's does
 * until SIGINT / SIGTERM; either way the consumer shuts down cleanly (offsets committed) before the
 * summary is printed.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConsumeResult } from '../../client/consumer/push/consume-service.js';
import { PushConsumer } from '../../client/consumer/push/push-consumer.js';
import type { SubscriptionExpression } from '../../client/consumer/shared/subscription.js';
import { RocketMQError } from '../../common/errors.js';
import { silentLogger } from '../../common/logger.js';
import { credentialsFromFlags } from '../acl-flags.js';
import { intFlag } from '../args.js';
import { CliError } from '../cli-error.js';
import type { CliIo } from '../io.js';
import { groupFlag, oneLine, topicFlag } from '../message-flags.js';
import { clientTlsFromFlags, withTls } from '../tls-flags.js';
import { PRODUCER_ONLY_FLAGS, durationMillis, refuseFlags, serializeTypeOf } from './bench-flags.js';
import type { BenchFlags } from './bench-flags.js';
import { ConsumeMeter } from './bench-consume-meter.js';
import { consumePlotPage } from './bench-consume-plot.js';
import {
  consumeIntervalLine,
  consumeStartLine,
  consumeSummaryLines,
  summarizeConsume,
  type ConsumeSetup,
} from './bench-consume-report.js';
import { nameServersFrom } from './cluster.js';
import { subscribeOnceCreated, topicExists } from './push-health.js';
import { startFrom } from './consume-push.js';
import { subscriptionFromFlags } from './consume.js';

/** Java's benchmark group prefix, with a random suffix so each run starts as a new group. */
export function defaultConsumerGroup(): string {
  return `benchmark_consumer_${randomBytes(4).toString('hex')}`;
}

function failRateOf(raw: string | undefined): number {
  if (raw === undefined) return 0;
  const rate = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(rate) || rate < 0 || rate > 1) {
    throw new CliError(`--fail-rate must be a fraction between 0 and 1, got "${raw}"`);
  }
  return rate;
}

function setupOf(flags: BenchFlags): ConsumeSetup {
  if (flags.tag !== undefined && flags.sql !== undefined) {
    throw new CliError('give --tag or --sql, not both (a subscription has one filter)');
  }
  const topic = topicFlag(flags.topic);
  const group = groupFlag(flags.group ?? defaultConsumerGroup());
  const sql = flags.sql !== undefined;
  const expression = flags.sql ?? flags.tag ?? '*';
  if (expression.trim() === '') throw new CliError(`--${sql ? 'sql' : 'tag'} must not be empty`);
  subscriptionFromFlags(flags.tag, flags.sql); // a bad SQL92 expression exits 2 before anything connects
  return {
    topic,
    group,
    expression,
    sql,
    broadcast: flags.broadcast === true,
    orderly: flags.orderly === true,
    threads: intFlag('threads', flags.threads, 20, 1, 1000),
    failRate: failRateOf(flags['fail-rate']),
  };
}

/** Resolves after `durationMs` (never without one) or at SIGINT / SIGTERM, whichever comes first. */
function stopSignal(durationMs: number | undefined): { stopped: Promise<void>; dispose: () => void } {
  let timer: NodeJS.Timeout | undefined;
  let onSignal = (): void => undefined;
  const stopped = new Promise<void>((resolve) => {
    onSignal = () => resolve();
    if (durationMs !== undefined) timer = setTimeout(resolve, durationMs);
  });
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    stopped,
    dispose: () => {
      clearTimeout(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** `rmq bench --consume ...`: the flags are parsed already (bench.ts). */
export async function runConsumeBench(flags: BenchFlags, io: CliIo): Promise<number> {
  refuseFlags(flags, PRODUCER_ONLY_FLAGS, 'for the producer benchmark; --consume does not read them');
  const setup = setupOf(flags);
  const durationMs = flags.duration === undefined ? undefined : durationMillis(flags.duration, 0);
  const from = startFrom(flags.from ?? 'last');
  const nameServer = nameServersFrom(flags.namesrv, io.env);
  const credentials = credentialsFromFlags(flags, io.env);
  const expression: SubscriptionExpression = setup.sql
    ? { type: 'SQL92', expression: setup.expression }
    : setup.expression;
  const routed = (): Promise<boolean> =>
    topicExists(nameServer, setup.topic, clientTlsFromFlags(flags), credentials);
  const exists = await routed();
  if (!exists) {
    io.stderr.write(
      `topic ${setup.topic} does not exist yet: consuming it as soon as it does (created by its first send when the broker auto-creates topics)\n`,
    );
  }
  const meter = new ConsumeMeter(); // the run starts with the consumer, start() included
  const { failRate } = setup;
  let consumer: PushConsumer;
  try {
    consumer = new PushConsumer({
      nameServer,
      ...serializeTypeOf(flags['serialize-type']),
      ...(credentials && { credentials }),
      consumerGroup: setup.group,
      ...from,
      ...(setup.broadcast && {
        messageModel: 'BROADCASTING' as const,
        offsetStoreDir: path.join(os.tmpdir(), 'rmq-offsets'),
      }),
      ...(setup.orderly && { orderly: true }),
      consumeThreadMin: setup.threads,
      consumeThreadMax: setup.threads,
      logger: silentLogger,
      ...withTls(clientTlsFromFlags(flags)),
      handler: (m) => {
        const failed = failRate > 0 && Math.random() < failRate;
        meter.record(m.bornTimestamp, m.storeTimestamp, failed);
        return failed ? ConsumeResult.RECONSUME_LATER : ConsumeResult.CONSUME_SUCCESS;
      },
    });
    await consumer.subscribe(setup.topic, expression);
  } catch (err) {
    if (err instanceof RocketMQError) throw new CliError(oneLine(err));
    throw err;
  }
  const stop = stopSignal(durationMs);
  // The seconds tick from the start on: start() already pulls and consumes (its rebalance), and with
  // a backlog the event loop is busy consuming before start() returns.
  if (flags.json !== true) io.stdout.write(`${consumeStartLine(setup)}\n`);
  const ticker = setInterval(() => {
    const interval = meter.closeInterval();
    if (flags.json !== true) io.stdout.write(`${consumeIntervalLine(interval)}\n`);
  }, 1000);
  try {
    await consumer.start().catch((err: unknown) => {
      throw new CliError(`the consumer did not start: ${oneLine(err)}`, 1);
    });
    const created = exists
      ? Promise.resolve(false)
      : subscribeOnceCreated(routed, () => consumer.subscribe(setup.topic, expression), stop.stopped).then(
          (now) => now && io.stderr.write(`topic ${setup.topic} exists now: consuming it\n`),
          (err: unknown) => io.stderr.write(`could not subscribe ${setup.topic} again: ${oneLine(err)}\n`),
        );
    await stop.stopped;
    meter.stop();
    await created;
  } finally {
    clearInterval(ticker);
    stop.dispose();
    // Handlers in flight finish and the offsets are committed before the figures are final.
    await consumer.shutdown();
  }
  const summary = summarizeConsume(setup, meter.finish());
  if (flags.json === true) io.stdout.write(`${JSON.stringify(summary)}\n`);
  else io.stdout.write(`${consumeSummaryLines(summary).join('\n')}\n`);
  if (flags.plot !== undefined) {
    await writeFile(flags.plot, consumePlotPage(summary));
    if (flags.json !== true) io.stdout.write(`Plot written to ${flags.plot}\n`);
  }
  return 0;
}
