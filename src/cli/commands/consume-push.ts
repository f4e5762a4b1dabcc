/**
 * `rmq consume --push`: consumes a topic with a PushConsumer of the group (rebalanced with the
 * group's other members, retries through the retry topic, offsets committed) and prints one line per
 * delivery. Stops after --count messages consumed, after --timeout seconds without a delivery, or on
 * SIGINT / SIGTERM (offsets committed). --fail-first N answers RECONSUME_LATER to the first N
 * deliveries of each message, to watch retries.
 */
import os from 'node:os';
import path from 'node:path';
import { PushConsumer } from '../../client/consumer/push/push-consumer.js';
import type { ConsumedMessage } from '../../client/consumer/push/consume-service.js';
import type { PushConsumerOptions } from '../../client/consumer/push/push-consumer-options.js';
import type { SubscriptionExpression } from '../../client/consumer/shared/subscription.js';
import { RocketMQError } from '../../common/errors.js';
import { groupFlag, topicFlag } from '../message-flags.js';
import { intFlag, parseFlags } from '../args.js';
import { CliError } from '../cli-error.js';
import { NAMESRV_FLAG } from '../flags.js';
import { ACL_CLIENT_FLAGS, credentialsFromFlags } from '../acl-flags.js';
import { nameServersFrom } from './cluster.js';
import { CLIENT_TLS_FLAGS, clientTlsFromFlags, withTls } from '../tls-flags.js';
import { processIo } from '../io.js';
import { onStopSignals } from '../signals.js';
import { PushHealth, subscribeOnceCreated, topicExists } from './push-health.js';
import type { CliIo } from '../io.js';
import { bodyPreview } from './consume.js';
import { jsonLine } from '../json-lines.js';

export const description = 'Consume a topic with a push consumer of the group (rebalance, retries, offsets)';

const USAGE =
  'rmq consume --push --namesrv NS --topic T --group G [--tag EXPR | --sql EXPR] [--broadcast [--offset-dir DIR] [--instance-name NAME]] [--orderly] [--from first|last|timestamp:MS] [--count N] [--timeout SECONDS] [--fail-first N] [--json]';

const FLAGS = {
  namesrv: NAMESRV_FLAG,
  topic: { type: 'string', value: 'TOPIC', description: 'Topic to consume (required)' },
  group: { type: 'string', value: 'GROUP', description: 'Consumer group (required)' },
  tag: { type: 'string', value: 'EXPR', description: 'Tag filter, e.g. "TagA || TagB" (default *)' },
  sql: { type: 'string', value: 'EXPR', description: 'SQL92 filter on message properties, e.g. "a > 5"' },
  broadcast: { type: 'boolean', description: 'Broadcasting: every member gets every message' },
  'offset-dir': {
    type: 'string',
    value: 'DIR',
    description: 'Broadcasting: directory of the local offset files (default <tmpdir>/rmq-offsets)',
  },
  'instance-name': {
    type: 'string',
    value: 'NAME',
    description:
      'Client id ip@NAME; broadcasting keeps offsets in --offset-dir/ip@NAME/GROUP (default DEFAULT, as Java: the same every run; give each consumer of a group on one host its own)',
  },
  orderly: { type: 'boolean', description: 'Orderly consumption (one batch at a time per queue)' },
  from: {
    type: 'string',
    value: 'WHERE',
    default: 'last',
    description: 'Where a group with no offset starts: first, last or timestamp:MS',
  },
  count: { type: 'string', value: 'N', description: 'Stop after N messages consumed' },
  timeout: { type: 'string', value: 'SECONDS', description: 'Stop once nothing arrived for this long' },
  'fail-first': {
    type: 'string',
    value: 'N',
    default: '0',
    description: 'Answer "reconsume later" to the first N deliveries of each message',
  },
  'body-chars': {
    type: 'string',
    value: 'N',
    default: '80',
    description: 'Characters of the body to print (0 = none)',
  },
  json: {
    type: 'boolean',
    description:
      'One JSON object per delivery (NDJSON), as rmq consume --json, with "reconsumeLater": true on a delivery answered so',
  },
  ...CLIENT_TLS_FLAGS,
  ...ACL_CLIENT_FLAGS,
} as const;

/** One delivery: queue, offset, keys, tags, reconsume times, body. */
export function formatDeliveryLine(m: ConsumedMessage, bodyChars: number, later: boolean): string {
  return [
    `${m.brokerName ?? '?'}:${m.queueId}`,
    `offset=${m.queueOffset}`,
    `keys=${m.keys ?? '-'}`,
    `tags=${m.tags ?? '-'}`,
    `reconsumeTimes=${m.reconsumeTimes}`,
    `body=${bodyPreview(m.body, bodyChars)}`,
    ...(later ? ['-> RECONSUME_LATER'] : []),
  ].join(' ');
}

/** `--from first|last|timestamp:MS` as the push consumer options of where a group with no offset starts. */
export function startFrom(raw: string): Pick<PushConsumerOptions, 'consumeFromWhere' | 'consumeTimestamp'> {
  if (raw === 'first') return { consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' };
  if (raw === 'last') return { consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET' };
  const m = /^timestamp:(\d{1,15})$/.exec(raw);
  if (m) return { consumeFromWhere: 'CONSUME_FROM_TIMESTAMP', consumeTimestamp: Number(m[1]) };
  throw new CliError(`--from must be first, last or timestamp:MS (ms since the epoch), got ${raw}`);
}

export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  const flags = parseFlags(argv, USAGE, description, FLAGS, io.stdout);
  if (flags === undefined) return 0;
  const topic = topicFlag(flags.topic);
  const group = groupFlag(flags.group);
  if (flags.tag !== undefined && flags.sql !== undefined) throw new CliError('give --tag or --sql, not both');
  const expression: SubscriptionExpression =
    flags.sql !== undefined ? { type: 'SQL92', expression: flags.sql } : (flags.tag ?? '*');
  const count = flags.count === undefined ? undefined : intFlag('count', flags.count, 0, 1);
  const idleSeconds =
    flags.timeout === undefined ? undefined : intFlag('timeout', flags.timeout, 0, 1, 86_400);
  const failFirst = intFlag('fail-first', flags['fail-first'], 0, 0, 1_000_000);
  const bodyChars = intFlag('body-chars', flags['body-chars'], 80, 0, 1_000_000);
  const credentials = credentialsFromFlags(flags, io.env);
  const nameServer = nameServersFrom(flags.namesrv, io.env);
  const tls = clientTlsFromFlags(flags);
  const health = new PushHealth();
  const abort = new AbortController();
  let consumer: PushConsumer;
  try {
    consumer = new PushConsumer({
      nameServer,
      ...(credentials && { credentials }),
      consumerGroup: group,
      ...(flags['instance-name'] !== undefined && { instanceName: flags['instance-name'] }),
      ...startFrom(flags.from ?? 'last'),
      ...(flags.broadcast && {
        messageModel: 'BROADCASTING' as const,
        offsetStoreDir: flags['offset-dir'] ?? path.join(os.tmpdir(), 'rmq-offsets'),
      }),
      ...(flags.orderly && { orderly: true }),
      consumeThreadMax: 1,
      signal: abort.signal,
      logger: health.logger,
      ...withTls(tls),
    });
    await consumer.subscribe(topic, expression);
  } catch (err) {
    if (err instanceof RocketMQError) throw new CliError(err.message);
    throw err;
  }
  health.watch(consumer);
  // Options are checked (exit 2) before this first connection (an unreachable name server: exit 1).
  const routed = (): Promise<boolean> => topicExists(nameServer, topic, tls, credentials);
  let topicRouted = await routed();
  if (!topicRouted) {
    io.stderr.write(`topic ${topic} does not exist yet: consuming it as soon as it does\n`);
  }
  // The first Ctrl-C / SIGTERM ends the loop (offsets committed); a second one exits at once.
  const signals = onStopSignals(() => abort.abort());
  let loopDone = (): void => undefined;
  const loopEnded = new Promise<void>((resolve) => (loopDone = resolve));
  const deliveries = new Map<string, number>();
  const messages = consumer.messages();
  const held = (): number => consumer.assignedQueues().filter((q) => q.topic === topic).length;
  let consumed = 0;
  let failure: string | undefined;
  let created: Promise<unknown> = Promise.resolve();
  try {
    await consumer.start();
    if (!topicRouted) {
      created = subscribeOnceCreated(routed, () => consumer.subscribe(topic, expression), loopEnded).then(
        (now) => (topicRouted ||= now),
        () => undefined,
      );
    }
    // A broker that refused the heartbeat (ACL, or not reachable) assigns nothing: say so now.
    if (topicRouted && health.refused(0, held())) failure = health.verdict(0, 0);
    for (; failure === undefined;) {
      let idle: NodeJS.Timeout | undefined;
      const next = await Promise.race([
        messages.next(),
        new Promise<'idle'>((resolve) => {
          if (idleSeconds !== undefined) idle = setTimeout(() => resolve('idle'), idleSeconds * 1000);
        }),
      ]);
      clearTimeout(idle);
      if (next === 'idle' || next.done === true) break;
      const m = next.value;
      const seen = deliveries.get(m.msgId) ?? 0;
      deliveries.set(m.msgId, seen + 1);
      const later = seen < failFirst;
      io.stdout.write(
        flags.json
          ? jsonLine(later ? { ...(JSON.parse(jsonLine(m)) as object), reconsumeLater: true } : m)
          : `${formatDeliveryLine(m, bodyChars, later)}\n`,
      );
      if (later) {
        messages.nack();
        continue;
      }
      consumed++;
      if (count !== undefined && consumed >= count) {
        messages.ack();
        break;
      }
    }
    failure ??= topicRouted
      ? health.verdict(deliveries.size, held())
      : deliveries.size === 0
        ? `topic ${topic} does not exist (no route on ${nameServer.join(';')})`
        : undefined;
  } finally {
    loopDone();
    health.stop();
    signals.dispose();
    await created;
    await messages.return();
  }
  if (failure !== undefined) throw new CliError(`consuming ${topic}: ${failure}`, 1);
  io.stderr.write(`${consumed} message${consumed === 1 ? '' : 's'} consumed from ${topic}\n`);
  // Stopped by Ctrl-C / SIGTERM (offsets committed): 130, as rmq send cut short.
  return signals.stopping ? 130 : 0;
}
