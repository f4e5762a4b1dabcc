/**
 * `rmq recall`: recalls a pending timer message by the recall handle its send printed (5.3.2+
 * RECALL_MESSAGE to the broker the handle names) and prints the recalled message id. A refusal (the
 * message was already delivered, recall disabled on the broker, a bad handle) is one line, exit 1.
 */
import { Producer } from '../../client/index.js';
import { RocketMQError } from '../../common/errors.js';
import { parseFlags } from '../args.js';
import { CliError } from '../cli-error.js';
import { oneLine, topicFlag } from '../message-flags.js';
import { decodeRecallHandle } from '../../protocol/message/index.js';
import { NAMESRV_FLAG } from '../flags.js';
import { CLIENT_TLS_FLAGS, clientTlsFromFlags, withTls } from '../tls-flags.js';
import { ACL_CLIENT_FLAGS, credentialsFromFlags } from '../acl-flags.js';
import { processIo } from '../io.js';
import type { CliIo } from '../io.js';

export const description = 'Recall a pending timer message by its recall handle';

const USAGE = 'rmq recall --namesrv ADDR --topic T --handle H [--group G]';

const FLAGS = {
  namesrv: NAMESRV_FLAG,
  topic: { type: 'string', value: 'TOPIC', description: 'Topic the message was sent to (required)' },
  handle: { type: 'string', value: 'H', description: 'recallHandle printed by `rmq send` (required)' },
  group: { type: 'string', value: 'G', default: 'rmq_cli_producer', description: 'Producer group' },
  ...CLIENT_TLS_FLAGS,
  ...ACL_CLIENT_FLAGS,
} as const;

export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  const flags = parseFlags(argv, USAGE, description, FLAGS, io.stdout);
  if (flags === undefined) return 0;
  const topic = topicFlag(flags.topic);
  if (flags.handle === undefined || flags.handle === '')
    throw new CliError('--handle is required (see --help)');
  try {
    decodeRecallHandle(flags.handle);
  } catch (err) {
    throw new CliError(`--handle: ${oneLine(err)}`);
  }
  const nameServer = flags.namesrv ?? io.env.NAMESRV_ADDR;
  if (nameServer === undefined || nameServer.trim() === '') {
    throw new CliError('--namesrv is required (or set NAMESRV_ADDR), e.g. --namesrv 127.0.0.1:9876');
  }
  const credentials = credentialsFromFlags(flags, io.env);
  const tls = clientTlsFromFlags(flags);
  let producer: Producer;
  try {
    producer = new Producer({
      producerGroup: flags.group ?? 'rmq_cli_producer',
      nameServer,
      ...withTls(tls),
      ...(credentials && { credentials }),
    });
  } catch (err) {
    if (err instanceof RocketMQError) throw new CliError(oneLine(err));
    throw err;
  }
  await producer.start();
  try {
    const msgId = await producer.recall(topic, flags.handle);
    io.stdout.write(`Recalled: topic=${topic}, msgId=${msgId}\n`);
    return 0;
  } catch (err) {
    throw new CliError(oneLine(err), 1);
  } finally {
    await producer.shutdown();
  }
}
