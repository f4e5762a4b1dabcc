/**
 * `rmq send`: send messages with the producer and print one SendResult per line (oneway: one line
 * per message written). Flags map onto the same validated ProducerOptions the API uses.
 */
import { Producer } from '../../client/index.js';
import { RocketMQError } from '../../common/errors.js';
import { Message, MessageConst } from '../../protocol/message/index.js';
import { intFlag, parseFlags } from '../args.js';
import { CliError } from '../cli-error.js';
import { checkBodyFlags, oneLine, readBody, topicFlag } from '../message-flags.js';
import { COMPRESS_FLAG, compressOptions } from '../compress-flag.js';
import { NAMESRV_FLAG } from '../flags.js';
import { CLIENT_TLS_FLAGS, clientTlsFromFlags, withTls } from '../tls-flags.js';
import { ACL_CLIENT_FLAGS, credentialsFromFlags } from '../acl-flags.js';
import { processIo } from '../io.js';
import { jsonLine } from '../json-lines.js';
import { onStopSignals } from '../signals.js';
import { SendTally } from './send-tally.js';
import type { SendResult } from '../../client/index.js';
import { checkTargetFlags, senderFor } from './send-target.js';
import { TIMING_FLAGS, timingOf } from './send-timing.js';
import type { CliIo } from '../io.js';
import { parseTransactionFlags, runTransactionalSend, TRANSACTION_FLAGS } from './send-transaction.js';

export const description = 'Send messages (sync, async or oneway) and print each SendResult';

const USAGE =
  'rmq send --namesrv ADDR --topic T [--tag TAG] [--keys K] (--body TEXT | --file PATH) [--mode sync|async|oneway] [--count N] [--group G] [--queue-id N [--broker-name B] | --sharding-key K] [--compress zlib|lz4|zstd] [--delay-level L | --deliver-after-ms MS | --deliver-at-ms EPOCH_MS] [--transaction commit|rollback|unknown [--check-answer commit|rollback|unknown] [--stay-ms MS]]';

const FLAGS = {
  namesrv: NAMESRV_FLAG,
  topic: { type: 'string', value: 'TOPIC', description: 'Topic to send to (required)' },
  tag: { type: 'string', value: 'TAG', description: 'Message tag' },
  keys: { type: 'string', value: 'K', description: 'Message key(s), space separated' },
  body: { type: 'string', value: 'TEXT', description: 'Message body text' },
  file: { type: 'string', value: 'PATH', description: 'Read the message body from a file' },
  mode: { type: 'string', value: 'MODE', default: 'sync', description: 'sync, async or oneway' },
  count: { type: 'string', value: 'N', default: '1', description: 'Number of messages to send' },
  group: { type: 'string', value: 'G', default: 'rmq_cli_producer', description: 'Producer group' },
  'queue-id': { type: 'string', value: 'N', description: 'Send to this queue only (no retry elsewhere)' },
  'broker-name': { type: 'string', value: 'B', description: 'Broker of --queue-id when several have it' },
  'sharding-key': {
    type: 'string',
    value: 'K',
    description: "Ordered send: the key's queue (Java's hash selector), __SHARDINGKEY set",
  },
  compress: COMPRESS_FLAG,
  timeout: {
    type: 'string',
    value: 'MS',
    default: '3000',
    description: 'Send timeout per message (all retries)',
  },
  json: { type: 'boolean', description: 'One JSON object per line instead of the SendResult text' },
  ...CLIENT_TLS_FLAGS,
  ...ACL_CLIENT_FLAGS,
  ...TRANSACTION_FLAGS,
  ...TIMING_FLAGS,
} as const;

const MODES = ['sync', 'async', 'oneway'] as const;
type Mode = (typeof MODES)[number];

/**
 * Async sends in flight at once. Starting all of a large --count together made every send share
 * one start time: the later ones spent their whole timeout queued behind the others (or waiting for
 * a transport permit) and failed without being sent.
 */
export const ASYNC_WINDOW = 1024;

/**
 * Runs `task` `count` times with at most `window` runs in flight; every run happens even after a
 * failure, unless stopAtFirstFailure (ordered sends to one queue: a send after a failed one would
 * leave a gap in the sequence). `stopped()` true (a signal) starts no more runs and lets the ones in
 * flight finish. Resolves with the number of failures and the first error.
 */
export async function runWindowed(
  count: number,
  window: number,
  task: (index: number) => Promise<void>,
  options: { stopAtFirstFailure?: boolean; stopped?: () => boolean } = {},
): Promise<{ failed: number; firstError: unknown }> {
  let next = 0;
  let failed = 0;
  let firstError: unknown;
  const stopped = options.stopped ?? (() => false);
  const worker = async (): Promise<void> => {
    while (next < count && !stopped()) {
      const index = next++;
      try {
        await task(index);
      } catch (err) {
        if (failed++ === 0) firstError = err;
        if (options.stopAtFirstFailure === true) next = count;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, count) }, worker));
  return { failed, firstError };
}

export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  const flags = parseFlags(argv, USAGE, description, FLAGS, io.stdout);
  if (flags === undefined) return 0;
  const topic = topicFlag(flags.topic);
  checkBodyFlags(flags);
  const mode = (flags.mode ?? 'sync') as Mode;
  if (!MODES.includes(mode)) throw new CliError(`--mode must be sync, async or oneway, got "${flags.mode}"`);
  checkTargetFlags(flags);
  const tx = parseTransactionFlags(flags, mode);
  if (tx !== undefined && (flags['queue-id'] !== undefined || flags['sharding-key'] !== undefined)) {
    throw new CliError('--transaction sends by the default queue choice: drop --queue-id / --sharding-key');
  }
  const count = intFlag('count', flags.count, 1, 1, 1_000_000);
  const timing = timingOf(flags);
  const timeout = intFlag('timeout', flags.timeout, 3000, 1, 3_600_000);
  const nameServer = flags.namesrv ?? io.env.NAMESRV_ADDR;
  if (nameServer === undefined || nameServer.trim() === '') {
    throw new CliError('--namesrv is required (or set NAMESRV_ADDR), e.g. --namesrv 127.0.0.1:9876');
  }
  const body = await readBody(flags, io.stdin);
  const credentials = credentialsFromFlags(flags, io.env);
  const make = (): Message =>
    new Message(topic, body, {
      ...(flags.tag !== undefined && { tags: flags.tag }),
      ...(flags.keys !== undefined && { keys: flags.keys.split(' ').filter((k) => k.length > 0) }),
      ...timing,
    });
  const group = flags.group ?? 'rmq_cli_producer';
  const clientOptions = {
    ...withTls(clientTlsFromFlags(flags)),
    ...compressOptions(flags.compress),
    ...(credentials && { credentials }),
  };
  if (tx !== undefined) {
    return runTransactionalSend({ tx, group, nameServer, timeout, count, make, clientOptions }, io);
  }
  let producer: Producer;
  try {
    producer = new Producer({
      producerGroup: group,
      nameServer,
      sendMsgTimeout: timeout,
      ...clientOptions,
    });
  } catch (err) {
    if (err instanceof RocketMQError) throw new CliError(oneLine(err));
    throw err;
  }
  await producer.start();
  // From here a first Ctrl-C / SIGTERM starts no new send and waits for those in flight (each bounded by
  // --timeout); a second one exits at once.
  const signals = onStopSignals();
  const tally = new SendTally(count, io.stderr, io.stdout, mode === 'oneway' ? 'written' : 'acknowledged');
  const print = (r: SendResult): void => {
    io.stdout.write(flags.json ? jsonLine(r) : `${r.toString()}\n`);
  };
  try {
    let sender;
    try {
      sender = await senderFor(producer, topic, flags);
    } catch (err) {
      if (err instanceof CliError) throw err;
      throw new CliError(oneLine(err), 1);
    }
    if (mode === 'async') {
      // To one queue (a key's or a given one) the sends go one after the other: their order is the point.
      const fixedQueue = flags['queue-id'] !== undefined || flags['sharding-key'] !== undefined;
      // A failed send ends them (as in sync mode): the next ones would leave a gap in the sequence.
      const window = fixedQueue ? 1 : ASYNC_WINDOW;
      const send = async (): Promise<void> => {
        tally.sent++;
        try {
          const r = await sender.async(make());
          tally.acknowledged++;
          print(r);
        } catch (err) {
          tally.failed++;
          throw err;
        }
      };
      const { failed, firstError } = await runWindowed(count, window, send, {
        stopAtFirstFailure: fixedQueue,
        stopped: () => signals.stopping,
      });
      if (signals.stopping) return interrupted(tally, io);
      if (failed > 0 && fixedQueue) throw stoppedAtFailure(tally, count, firstError);
      if (failed > 0) throw new CliError(`${failed} of ${count} sends failed: ${oneLine(firstError)}`, 1);
      return 0;
    }
    for (let i = 0; i < count && !signals.stopping; i++) {
      const msg = make();
      tally.sent++;
      try {
        if (mode === 'oneway') {
          await sender.oneway(msg);
          const msgId = msg.getProperty(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX) ?? '';
          io.stdout.write(
            flags.json
              ? jsonLine({ status: 'WRITTEN', topic, msgId })
              : `Oneway message written: topic=${topic}, msgId=${msgId}\n`,
          );
        } else {
          print(await sender.sync(msg));
        }
        tally.acknowledged++;
      } catch (err) {
        tally.failed++;
        // Sync and oneway sends go one after the other and end at the first failure, in every case.
        throw count > 1 ? stoppedAtFailure(tally, count, err) : new CliError(oneLine(err), 1);
      }
    }
    return signals.stopping ? interrupted(tally, io) : 0;
  } finally {
    tally.finish();
    signals.dispose();
    await producer.shutdown();
  }
}

/** A run that ended at its first failed send: how many of its messages were stored (or written). */
function stoppedAtFailure(tally: SendTally, count: number, err: unknown): CliError {
  return new CliError(
    `${tally.acknowledged} of ${count} ${tally.ackWord === 'written' ? 'written' : 'stored'}, stopped at the first failure: ${oneLine(err)}`,
    1,
  );
}

/** The fate of every message of a run a signal cut short; exit 130 as shells expect after Ctrl-C. */
function interrupted(tally: SendTally, io: CliIo): number {
  tally.finish();
  io.stderr.write(`rmq: interrupted: ${tally.summary()}\n`);
  return 130;
}
