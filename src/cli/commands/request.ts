/**
 * `rmq request`: sends one request message (request-reply) and prints the reply's body on one line.
 * No reply within --timeout-ms: one line on stderr, exit 1.
 */
import { Producer } from '../../client/index.js';
import { RequestTimeoutError, RocketMQError } from '../../common/errors.js';
import { silentLogger } from '../../common/logger.js';
import { intFlag, parseFlags } from '../args.js';
import { CliError } from '../cli-error.js';
import { checkBodyFlags, oneLine, readBody, topicFlag } from '../message-flags.js';
import { NAMESRV_FLAG } from '../flags.js';
import { CLIENT_TLS_FLAGS, clientTlsFromFlags, withTls } from '../tls-flags.js';
import { ACL_CLIENT_FLAGS, credentialsFromFlags } from '../acl-flags.js';
import { processIo } from '../io.js';
import type { CliIo } from '../io.js';
import { nameServersFrom } from './cluster.js';

export const description = 'Send a request message and print the reply body (request-reply)';

const USAGE =
  'rmq request --namesrv ADDR --topic T (--body TEXT | --file PATH) [--timeout-ms MS] [--group G]';

const FLAGS = {
  namesrv: NAMESRV_FLAG,
  topic: { type: 'string', value: 'TOPIC', description: 'Topic the replier reads (required)' },
  body: { type: 'string', value: 'TEXT', description: 'Request body text' },
  file: { type: 'string', value: 'PATH', description: 'Read the request body from a file' },
  'timeout-ms': {
    type: 'string',
    value: 'MS',
    default: '3000',
    description: 'How long to wait for the reply (sending included)',
  },
  group: { type: 'string', value: 'G', default: 'rmq_cli_requester', description: 'Producer group' },
  ...CLIENT_TLS_FLAGS,
  ...ACL_CLIENT_FLAGS,
} as const;

/** The body as one line: the text itself, or JSON-quoted when it has line breaks or control characters. */
export function oneLineBody(body: Buffer): string {
  const text = body.toString('utf8');
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f\u2028\u2029]/.test(text) ? JSON.stringify(text) : text;
}

export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  const flags = parseFlags(argv, USAGE, description, FLAGS, io.stdout);
  if (flags === undefined) return 0;
  const topic = topicFlag(flags.topic);
  checkBodyFlags(flags);
  const timeout = intFlag('timeout-ms', flags['timeout-ms'], 3000, 1, 3_600_000);
  const nameServer = nameServersFrom(flags.namesrv, io.env);
  const credentials = credentialsFromFlags(flags, io.env);
  const tls = clientTlsFromFlags(flags);
  const body = await readBody(flags, io.stdin);
  let producer: Producer;
  try {
    producer = new Producer({
      producerGroup: flags.group ?? 'rmq_cli_requester',
      nameServer,
      logger: silentLogger,
      ...withTls(tls),
      ...(credentials && { credentials }),
    });
  } catch (err) {
    if (err instanceof RocketMQError) throw new CliError(oneLine(err));
    throw err;
  }
  await producer.start();
  try {
    const reply = await producer.request({ topic, body }, timeout);
    io.stdout.write(`${oneLineBody(reply.body)}\n`);
    return 0;
  } catch (err) {
    if (err instanceof RequestTimeoutError) {
      throw new CliError(
        `no reply within ${timeout} ms to the request on ${topic} (is a replier running?)`,
        1,
      );
    }
    throw new CliError(oneLine(err), 1);
  } finally {
    await producer.shutdown({ timeoutMillis: 0 });
  }
}
