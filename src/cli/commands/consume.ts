/**
 * `rmq consume`: reads a topic with the pull consumer and prints one line per message; commits the
 * group's offsets as it goes, so a second run continues where the first stopped. Stops after
 * --count messages, when --timeout seconds pass with nothing new, or on Ctrl-C. --tag filters by
 * tag, --sql by message properties (SQL92, checked before connecting).
 */
import { MessageSelector, PullConsumer } from '../../client/consumer/index.js';
import type { PulledMessage, SubscriptionExpression } from '../../client/consumer/index.js';
import { parseSql92, Sql92SyntaxError } from '../../protocol/filter/index.js';
import { silentLogger } from '../../common/logger.js';
import { groupFlag, topicFlag } from '../message-flags.js';
import { intFlag, parseFlags } from '../args.js';
import { CliError } from '../cli-error.js';
import { NAMESRV_FLAG } from '../flags.js';
import { ACL_CLIENT_FLAGS, credentialsFromFlags } from '../acl-flags.js';
import { nameServersFrom } from './cluster.js';
import { CLIENT_TLS_FLAGS, clientTlsFromFlags, withTls } from '../tls-flags.js';
import { processIo } from '../io.js';
import { jsonLine } from '../json-lines.js';
import { onStopSignals } from '../signals.js';
import { ConsumeProgress } from './consume-progress.js';
import type { CliIo } from '../io.js';

export const description = 'Read messages from a topic (pull consumer) and commit the group offsets';

const USAGE =
  'rmq consume --namesrv ADDR --topic TOPIC [--group G] [--from-beginning] [--count N] [--timeout SECONDS] [--tag EXPR | --sql EXPR]\n' +
  '       rmq consume --push ... (push consumer: rmq consume --push --help)';

export const DEFAULT_CLI_GROUP = 'rmq-cli-consumer';

const FLAGS = {
  namesrv: NAMESRV_FLAG,
  topic: { type: 'string', value: 'TOPIC', description: 'Topic to read (required)' },
  group: {
    type: 'string',
    value: 'GROUP',
    default: DEFAULT_CLI_GROUP,
    description: 'Consumer group whose offsets are used and committed',
  },
  'from-beginning': {
    type: 'boolean',
    description: "Start at each queue's first message instead of the group offset",
  },
  count: { type: 'string', value: 'N', description: 'Stop after N messages' },
  timeout: {
    type: 'string',
    value: 'SECONDS',
    default: '5',
    description: 'Stop once nothing new arrived for this long',
  },
  tag: { type: 'string', value: 'EXPR', description: 'Tag filter, e.g. "TagA || TagB" (default *)' },
  sql: {
    type: 'string',
    value: 'EXPR',
    description:
      'SQL92 filter on message properties, e.g. "a > 5 AND region = \'eu\'" (broker needs enablePropertyFilter)',
  },
  'no-commit': { type: 'boolean', description: 'Do not commit offsets' },
  'body-chars': {
    type: 'string',
    value: 'N',
    default: '80',
    description: 'Characters of the body to print (0 = none)',
  },
  json: { type: 'boolean', description: 'One JSON object per message (NDJSON) instead of text lines' },
  ...CLIENT_TLS_FLAGS,
  ...ACL_CLIENT_FLAGS,
} as const;

function printable(s: string): boolean {
  // eslint-disable-next-line no-control-regex
  return !/[\u0000-\u0008\u000e-\u001f\ufffd]/.test(s);
}

/** Body preview: quoted text when it is readable UTF-8, else the first bytes in hex. */
export function bodyPreview(body: Buffer, maxChars: number): string {
  if (maxChars === 0) return `(${body.length} bytes)`;
  const text = body.toString('utf8');
  if (printable(text)) {
    const cut = [...text];
    return cut.length > maxChars
      ? `${JSON.stringify(cut.slice(0, maxChars).join(''))}...`
      : JSON.stringify(text);
  }
  const bytes = Math.max(1, Math.floor(maxChars / 2));
  return `0x${body.subarray(0, bytes).toString('hex')}${body.length > bytes ? '...' : ''} (${body.length} bytes)`;
}

export function formatMessageLine(m: PulledMessage, bodyChars: number): string {
  return [
    `${m.brokerName ?? '?'}:${m.queueId}`,
    `offset=${m.queueOffset}`,
    `msgId=${m.msgId}`,
    `tags=${m.tags ?? '-'}`,
    `keys=${m.keys ?? '-'}`,
    `body=${bodyPreview(m.body, bodyChars)}`,
  ].join(' ');
}

/** --tag or --sql (checked here, so a mistake is reported before connecting). */
export function subscriptionFromFlags(
  tag: string | undefined,
  sql: string | undefined,
): SubscriptionExpression {
  if (sql === undefined) return tag ?? '*';
  if (tag !== undefined) throw new CliError('--tag and --sql cannot be used together: choose one filter');
  try {
    parseSql92(sql);
  } catch (err) {
    if (err instanceof Sql92SyntaxError) throw new CliError(`--sql: ${err.message}`);
    throw err;
  }
  return MessageSelector.bySql(sql);
}

export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  // `--push` switches to the push consumer (consume-push.ts), with its own flags.
  if (argv.includes('--push')) {
    const push = await import('./consume-push.js');
    return push.run(
      argv.filter((a) => a !== '--push'),
      io,
    );
  }
  const flags = parseFlags(argv, USAGE, description, FLAGS, io.stdout);
  if (flags === undefined) return 0;
  const topic = topicFlag(flags.topic);
  const group = groupFlag(flags.group ?? DEFAULT_CLI_GROUP);
  const nameServer = nameServersFrom(flags.namesrv, io.env);
  const count = flags.count === undefined ? undefined : intFlag('count', flags.count, 0, 1);
  const idleSeconds = intFlag('timeout', flags.timeout, 5, 0, 86_400);
  const bodyChars = intFlag('body-chars', flags['body-chars'], 80, 0, 1_000_000);

  const subExpression = subscriptionFromFlags(flags.tag, flags.sql);

  const credentials = credentialsFromFlags(flags, io.env);
  const consumer = new PullConsumer({
    nameServer,
    ...(credentials && { credentials }),
    consumerGroup: group,
    consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
    logger: silentLogger,
    ...withTls(clientTlsFromFlags(flags)),
  });
  const abort = new AbortController();
  // A first Ctrl-C stops after the message in hand and commits; a second one exits at once.
  const signals = onStopSignals(() => abort.abort());
  const progress = new ConsumeProgress(io.stderr, io.stdout);
  let n = 0;
  try {
    await consumer.start();
    for await (const m of consumer.poll(topic, {
      subExpression,
      from: flags['from-beginning'] ? 'beginning' : 'stored',
      commit: flags['no-commit'] !== true,
      idleTimeoutMillis: idleSeconds * 1000,
      ...(count !== undefined && { maxMessages: count }),
      signal: abort.signal,
    })) {
      io.stdout.write(flags.json ? jsonLine(m) : `${formatMessageLine(m, bodyChars)}\n`);
      progress.count(++n);
    }
  } finally {
    progress.finish();
    signals.dispose();
    await consumer.shutdown();
  }
  io.stderr.write(`${n} message${n === 1 ? '' : 's'} consumed from ${topic}\n`);
  // Stopped by Ctrl-C / SIGTERM (offsets committed): 130, as rmq send cut short.
  return signals.stopping ? 130 : 0;
}
