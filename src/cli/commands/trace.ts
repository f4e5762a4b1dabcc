/**
 * `rmq trace`: the message trace of one message (Java mqadmin QueryMsgTraceById): the Pub and
 * EndTransaction records of its producer and the consume records of each consumer group, read from the
 * trace topic (scanned: see client/consumer/pull/message-trace-reader.ts).
 */
import { PullConsumer } from '../../client/consumer/index.js';
import { formatMessageTrace, readMessageTrace } from '../../client/consumer/pull/message-trace-reader.js';
import { ClientErrorCode, MQClientError } from '../../common/errors.js';
import { silentLogger } from '../../common/logger.js';
import { checkTopic, SystemTopic } from '../../protocol/message/validators.js';
import { parseFlags } from '../args.js';
import { CliError } from '../cli-error.js';
import { NAMESRV_FLAG } from '../flags.js';
import { ACL_CLIENT_FLAGS, credentialsFromFlags } from '../acl-flags.js';
import { nameServersFrom } from './cluster.js';
import { CLIENT_TLS_FLAGS, clientTlsFromFlags, withTls } from '../tls-flags.js';
import { processIo } from '../io.js';
import type { CliIo } from '../io.js';

export const description = 'Print the message trace of a message (producer and consumer records)';

const USAGE = 'rmq trace --namesrv ADDR --msg-id ID [--trace-topic RMQ_SYS_TRACE_TOPIC] [--json]';

const FLAGS = {
  namesrv: NAMESRV_FLAG,
  'msg-id': { type: 'string', value: 'ID', description: 'Message id (UNIQ_KEY, as send printed it)' },
  'trace-topic': {
    type: 'string',
    value: 'TOPIC',
    default: SystemTopic.RMQ_SYS_TRACE_TOPIC,
    description: 'Topic the traces were written to (customizedTraceTopic)',
  },
  json: { type: 'boolean', description: 'One JSON object per trace record' },
  ...CLIENT_TLS_FLAGS,
  ...ACL_CLIENT_FLAGS,
} as const;

export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  const flags = parseFlags(argv, USAGE, description, FLAGS, io.stdout);
  if (flags === undefined) return 0;
  const msgId = flags['msg-id']?.trim();
  if (msgId === undefined || msgId === '') throw new CliError('--msg-id is required (see --help)');
  const traceTopic = flags['trace-topic'] ?? SystemTopic.RMQ_SYS_TRACE_TOPIC;
  try {
    checkTopic(traceTopic);
  } catch (err) {
    throw new CliError(`--trace-topic: ${(err as Error).message}`);
  }
  const credentials = credentialsFromFlags(flags, io.env);
  const consumer = new PullConsumer({
    nameServer: nameServersFrom(flags.namesrv, io.env),
    ...(credentials && { credentials }),
    consumerGroup: 'rmq-cli-trace',
    logger: silentLogger,
    ...withTls(clientTlsFromFlags(flags)),
  });
  await consumer.start();
  try {
    const views = await readMessageTrace(consumer, msgId, { traceTopic }).catch((err: unknown) => {
      if (err instanceof MQClientError && err.code === ClientErrorCode.NOT_FOUND_TOPIC_EXCEPTION) return [];
      throw err;
    });
    if (views.length === 0) {
      io.stderr.write(`rmq trace: no trace of ${msgId} in ${traceTopic}\n`);
      return 1;
    }
    if (flags.json) {
      for (const v of views) {
        const { context, ...rest } = v;
        io.stdout.write(`${JSON.stringify({ ...rest, bean: context.traceBeans[0] })}\n`);
      }
    } else {
      io.stdout.write(`${formatMessageTrace(views)}\n`);
    }
    return 0;
  } finally {
    await consumer.shutdown();
  }
}
