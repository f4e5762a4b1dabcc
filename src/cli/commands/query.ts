/**
 * `rmq query`: messages of a topic by key (Java mqadmin queryMsgByKey) or by message id
 * (queryMsgByUniqueKey), from every broker of the topic (QUERY_MESSAGE; see
 * client/consumer/pull/query-messages.ts). Prints one line per message as `rmq consume` does.
 */
import { PullConsumer } from '../../client/consumer/index.js';
import { ClientErrorCode, MQClientError } from '../../common/errors.js';
import { silentLogger } from '../../common/logger.js';
import { topicFlag } from '../message-flags.js';
import { intFlag, parseFlags } from '../args.js';
import { CliError } from '../cli-error.js';
import { NAMESRV_FLAG } from '../flags.js';
import { ACL_CLIENT_FLAGS, credentialsFromFlags } from '../acl-flags.js';
import { nameServersFrom } from './cluster.js';
import { CLIENT_TLS_FLAGS, clientTlsFromFlags, withTls } from '../tls-flags.js';
import { processIo } from '../io.js';
import { jsonLine } from '../json-lines.js';
import { formatMessageLine } from './consume.js';
import type { CliIo } from '../io.js';

export const description = 'Find messages of a topic by key or by message id (QUERY_MESSAGE)';

const USAGE =
  'rmq query --namesrv ADDR --topic TOPIC (--key KEY | --msg-id ID) [--max N] [--begin MS] [--end MS] [--json]';

const FLAGS = {
  namesrv: NAMESRV_FLAG,
  topic: { type: 'string', value: 'TOPIC', description: 'Topic of the messages (required)' },
  key: { type: 'string', value: 'KEY', description: 'One of the message keys (KEYS)' },
  'msg-id': { type: 'string', value: 'ID', description: 'Message id (UNIQ_KEY, as send printed it)' },
  max: {
    type: 'string',
    value: 'N',
    default: '32',
    description: 'Messages per broker at most, the newest (brokers cap it at 64)',
  },
  begin: { type: 'string', value: 'MS', description: 'Stored at or after this time (ms since epoch)' },
  end: { type: 'string', value: 'MS', description: 'Stored at or before this time (ms since epoch)' },
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

export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  const flags = parseFlags(argv, USAGE, description, FLAGS, io.stdout);
  if (flags === undefined) return 0;
  const topic = topicFlag(flags.topic);
  const key = flags.key?.trim();
  const msgId = flags['msg-id']?.trim();
  if ((key === undefined || key === '') === (msgId === undefined || msgId === '')) {
    throw new CliError('give exactly one of --key and --msg-id (see --help)');
  }
  const maxNum = intFlag('max', flags.max, 32, 1, 64);
  const begin = flags.begin === undefined ? undefined : intFlag('begin', flags.begin, 0, 0);
  const end = flags.end === undefined ? undefined : intFlag('end', flags.end, 0, 0);
  const bodyChars = intFlag('body-chars', flags['body-chars'], 80, 0, 1_000_000);
  const credentials = credentialsFromFlags(flags, io.env);
  const consumer = new PullConsumer({
    nameServer: nameServersFrom(flags.namesrv, io.env),
    ...(credentials && { credentials }),
    consumerGroup: 'rmq-cli-query',
    logger: silentLogger,
    ...withTls(clientTlsFromFlags(flags)),
  });
  await consumer.start();
  try {
    const unique = msgId !== undefined && msgId !== '';
    const found = await consumer
      .queryMessage(topic, unique ? msgId : key!, {
        maxNum,
        uniqueKey: unique,
        ...(begin !== undefined && { begin }),
        ...(end !== undefined && { end }),
      })
      .catch((err: unknown) => {
        if (err instanceof MQClientError && err.code === ClientErrorCode.NOT_FOUND_TOPIC_EXCEPTION) return [];
        throw err;
      });
    for (const m of found) io.stdout.write(flags.json ? jsonLine(m) : `${formatMessageLine(m, bodyChars)}\n`);
    const what = unique ? `message id ${msgId}` : `key ${key}`;
    io.stderr.write(`${found.length} message${found.length === 1 ? '' : 's'} of ${topic} with ${what}\n`);
    return found.length === 0 ? 1 : 0;
  } finally {
    await consumer.shutdown();
  }
}
