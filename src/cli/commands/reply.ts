/**
 * `rmq reply`: answers the requests sent to a topic (request-reply): reads them with a pull consumer
 * of --group, replies to each with --prefix + its body (createReplyMessage, sent by a producer of the
 * same group name) and prints one line per request answered. Runs until --max-messages requests were
 * read, or Ctrl-C.
 *
 * Where it starts: from the group's committed offsets. A group with none yet starts at the end of each
 * queue (its offsets are committed there before the "ready" line on stderr), so every request sent
 * after that line is answered and older ones, whose requesters stopped waiting long ago, are not.
 * "None yet" is asked with setZeroIfNotFound=false (else a broker answers 0 for a queue that still
 * starts at 0); a 4.x broker ignores that field, so there a new group answers from the queue's start.
 */
import type { MessageQueue } from '../../client/index.js';
import { Producer, createReplyMessage, getReplyToClient } from '../../client/index.js';
import { ClientErrorCode, MQClientError } from '../../common/errors.js';
import { PullConsumer } from '../../client/consumer/index.js';
import type { PulledMessage } from '../../client/consumer/index.js';
import { silentLogger } from '../../common/logger.js';
import { MessageConst } from '../../protocol/message/index.js';
import { intFlag, parseFlags } from '../args.js';
import { CliError } from '../cli-error.js';
import { groupFlag, oneLine, topicFlag } from '../message-flags.js';
import { NAMESRV_FLAG } from '../flags.js';
import { CLIENT_TLS_FLAGS, clientTlsFromFlags, withTls } from '../tls-flags.js';
import { ACL_CLIENT_FLAGS, credentialsFromFlags } from '../acl-flags.js';
import { processIo } from '../io.js';
import type { CliIo } from '../io.js';
import { nameServersFrom } from './cluster.js';
import { oneLineBody } from './request.js';

export const description = 'Answer the requests on a topic with PREFIX + request body (request-reply)';

const USAGE = 'rmq reply --namesrv ADDR --topic T --group G [--prefix TEXT] [--max-messages N]';

const FLAGS = {
  namesrv: NAMESRV_FLAG,
  topic: { type: 'string', value: 'TOPIC', description: 'Topic the requests are sent to (required)' },
  group: {
    type: 'string',
    value: 'G',
    description: 'Consumer group reading the requests, also the producer group of the replies (required)',
  },
  prefix: { type: 'string', value: 'TEXT', default: '', description: 'Text put before each request body' },
  'max-messages': { type: 'string', value: 'N', description: 'Stop after reading N requests' },
  ...CLIENT_TLS_FLAGS,
  ...ACL_CLIENT_FLAGS,
} as const;

/**
 * A new group starts at the end of every queue: commit those offsets now. A topic that does not exist
 * yet (a dev broker creates it with the first request) is waited for, polling the route every second;
 * everything in it was then sent after the replier started, so it is read from the start.
 */
async function startAtEndIfNew(
  consumer: PullConsumer,
  topic: string,
  signal: AbortSignal,
  ready: (note: string) => void,
): Promise<void> {
  let queues: MessageQueue[];
  try {
    queues = await consumer.fetchMessageQueues(topic);
  } catch (err) {
    if (!(err instanceof MQClientError) || err.code !== ClientErrorCode.NOT_FOUND_TOPIC_EXCEPTION) throw err;
    ready(' (the topic does not exist yet: answering from its first request)');
    while (!signal.aborted) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      if (
        await consumer.fetchMessageQueues(topic).then(
          () => true,
          () => false,
        )
      )
        return;
    }
    return;
  }
  for (const mq of queues) {
    if ((await consumer.fetchConsumeOffset(mq, true, { zeroIfNotFound: false })) < 0n) {
      await consumer.commitOffset(mq, await consumer.maxOffset(mq));
    }
  }
  ready('');
}

export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  const flags = parseFlags(argv, USAGE, description, FLAGS, io.stdout);
  if (flags === undefined) return 0;
  const topic = topicFlag(flags.topic);
  const group = groupFlag(flags.group);
  const max =
    flags['max-messages'] === undefined ? undefined : intFlag('max-messages', flags['max-messages'], 0, 1);
  const prefix = Buffer.from(flags.prefix ?? '', 'utf8');
  const nameServer = nameServersFrom(flags.namesrv, io.env);
  const credentials = credentialsFromFlags(flags, io.env);
  // The consumer and the producer connect alike: the same TLS settings, signed as the same account.
  const connection = { ...withTls(clientTlsFromFlags(flags)), ...(credentials && { credentials }) };
  const consumer = new PullConsumer({
    nameServer,
    consumerGroup: group,
    logger: silentLogger,
    ...connection,
  });
  const producer = new Producer({ nameServer, producerGroup: group, logger: silentLogger, ...connection });
  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let answered = 0;
  try {
    await consumer.start();
    await producer.start();
    try {
      await startAtEndIfNew(consumer, topic, abort.signal, (note) =>
        io.stderr.write(`replying to requests on ${topic} as group ${group}${note} (Ctrl-C to stop)\n`),
      );
    } catch (err) {
      throw new CliError(`cannot read ${topic}: ${oneLine(err)}`, 1);
    }
    for await (const request of consumer.poll(topic, {
      from: 'stored',
      commit: true,
      idleTimeoutMillis: Number.MAX_SAFE_INTEGER,
      pollIntervalMillis: 20,
      signal: abort.signal,
      ...(max !== undefined && { maxMessages: max }),
    })) {
      if (await answer(producer, request, prefix, io)) answered++;
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await Promise.allSettled([producer.shutdown(), consumer.shutdown()]);
  }
  io.stderr.write(`${answered} request${answered === 1 ? '' : 's'} answered\n`);
  return 0;
}

/** Replies to one request; a message that is not a request, or a reply that fails, is reported on stderr. */
async function answer(
  producer: Producer,
  request: PulledMessage,
  prefix: Buffer,
  io: CliIo,
): Promise<boolean> {
  const correlationId = request.properties[MessageConst.PROPERTY_CORRELATION_ID];
  const replyTo = getReplyToClient(request);
  if (correlationId === undefined || replyTo === undefined) {
    io.stderr.write(`skipped ${request.msgId}: not a request (no CORRELATION_ID / REPLY_TO_CLIENT)\n`);
    return false;
  }
  const body = Buffer.concat([prefix, request.body]);
  try {
    await producer.send(createReplyMessage(request, body));
  } catch (err) {
    io.stderr.write(`reply to ${correlationId} (${replyTo}) failed: ${oneLine(err)}\n`);
    return false;
  }
  io.stdout.write(`replied correlationId=${correlationId} to=${replyTo} body=${oneLineBody(body)}\n`);
  return true;
}
