/**
 * `rmq demo`: the newcomer path (`npm start`). Starts an embedded name server and broker, sends
 * messages in the three modes of the Java producer (sync, async, oneway), reads every one of them
 * back with the pull consumer, prints a short report and exits 0 — or 1 if anything went missing.
 * Without --store it runs on a temporary store removed at exit (--keep keeps it), so that repeated
 * `npm start`s leave nothing behind; a --store is kept (--clean removes what the run created there).
 * On a store that already holds the topic, it reads back only what this run sent (from the offsets
 * the queues had before its sends).
 */
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { parseFlags, intFlag } from '../args.js';
import { Producer } from '../../client/producer/producer.js';
import type { SendResult } from '../../client/producer/send-result.js';
import { PullConsumer } from '../../client/consumer/pull/pull-consumer.js';
import { ClientErrorCode, MQClientError } from '../../common/errors.js';
import { pollMessages } from '../../client/consumer/pull/poll.js';
import type { PulledMessage } from '../../client/consumer/shared/pull-result.js';
import { startEmbeddedCluster } from '../../server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../server/embedded-cluster.js';
import { processIo } from '../io.js';
import { CliError } from '../cli-error.js';
import { rmqCommand } from '../rmq-command.js';
import { storeDirFlag } from '../store-flag.js';
import type { CliIo } from '../io.js';

export const description = 'Start an embedded cluster, send in sync/async/oneway modes, read everything back';

const FLAGS = {
  store: {
    type: 'string',
    value: 'DIR',
    description: 'Store directory, kept (default: a new temp directory, removed at exit unless --keep)',
  },
  count: { type: 'string', value: 'N', default: '3', description: 'Messages per send mode' },
  topic: { type: 'string', value: 'TOPIC', default: 'DemoTopic', description: 'Topic to use' },
  clean: { type: 'boolean', description: 'Delete what this run created in --store when done' },
  keep: { type: 'boolean', description: 'Keep the temporary store (without --store) to restart on it' },
} as const;

type Mode = 'sync' | 'async' | 'oneway';

interface SentMessage {
  mode: Mode;
  key: string;
  body: string;
  result?: SendResult;
}

/** Writes one line of the report. */
type Line = (text?: string) => void;

function preview(body: Buffer): string {
  const text = body.toString('utf8');
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

async function sendAll(producer: Producer, topic: string, count: number, line: Line): Promise<SentMessage[]> {
  const sent: SentMessage[] = [];
  const make = (mode: Mode, i: number): SentMessage => ({
    mode,
    key: `demo-${mode}-${i}`,
    body: `Hello RocketMQ from rocketmq-ts (${mode} #${i})`,
  });
  const toMessage = (m: SentMessage) => ({
    topic,
    body: m.body,
    tags: m.mode,
    keys: m.key,
    properties: { sentBy: 'rmq demo' },
  });

  line(`Sync sends (await each SendResult):`);
  for (let i = 0; i < count; i++) {
    const m = make('sync', i);
    m.result = await producer.send(toMessage(m));
    line(`  ${m.result.toString()}`);
    sent.push(m);
  }

  line(`Async sends (${count} in flight at once):`);
  const asyncBatch = Array.from({ length: count }, (_, i) => make('async', i));
  const results = await Promise.all(asyncBatch.map((m) => producer.sendAsync(toMessage(m))));
  asyncBatch.forEach((m, i) => {
    m.result = results[i]!; // Promise.all answers one result per message, in order
    line(`  ${m.result.toString()}`);
    sent.push(m);
  });

  line(`Oneway sends (no result; resolved once written to the socket):`);
  for (let i = 0; i < count; i++) {
    const m = make('oneway', i);
    await producer.sendOneway(toMessage(m));
    line(`  written: key=${m.key}`);
    sent.push(m);
  }
  return sent;
}

const DEMO_GROUP = 'demo-consumer';

/**
 * Where the read-back starts. A new topic holds only this run's messages: from the beginning. A topic
 * an earlier run on this store filled: the group's offsets are moved to the end of every queue before
 * the sends, and the read-back starts there. Returns how many messages the topic held before.
 */
async function prepareReadBack(
  namesrv: string,
  topic: string,
): Promise<{ from: 'beginning' | 'stored'; earlier: bigint }> {
  const consumer = new PullConsumer({ consumerGroup: DEMO_GROUP, nameServer: namesrv });
  await consumer.start();
  try {
    let queues;
    try {
      queues = await consumer.fetchMessageQueues(topic);
    } catch (err) {
      if (err instanceof MQClientError && err.code === ClientErrorCode.NOT_FOUND_TOPIC_EXCEPTION) {
        return { from: 'beginning', earlier: 0n };
      }
      throw err;
    }
    let earlier = 0n;
    for (const mq of queues) {
      const end = await consumer.maxOffset(mq);
      earlier += end - (await consumer.minOffset(mq));
      await consumer.commitOffset(mq, end);
    }
    return { from: 'stored', earlier };
  } finally {
    await consumer.shutdown();
  }
}

async function readBack(
  namesrv: string,
  topic: string,
  expected: number,
  from: 'beginning' | 'stored',
): Promise<PulledMessage[]> {
  const consumer = new PullConsumer({ consumerGroup: DEMO_GROUP, nameServer: namesrv });
  await consumer.start();
  try {
    const received: PulledMessage[] = [];
    // Oneway sends are not acknowledged, so give the broker a moment if they are still arriving.
    for await (const msg of pollMessages(consumer, topic, {
      from,
      commit: true,
      maxMessages: expected,
      idleTimeoutMillis: 3000,
    })) {
      received.push(msg);
    }
    return received;
  } finally {
    await consumer.shutdown();
  }
}

export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  const line: Line = (text = '') => {
    io.stdout.write(`${text}\n`);
  };
  const flags = parseFlags(argv, 'rmq demo [options]', description, FLAGS, io.stdout);
  if (!flags) return 0;
  const count = intFlag('count', flags.count, 3, 1, 10000);
  if (flags.keep && flags.clean) throw new CliError('give --keep or --clean, not both');
  if (flags.keep && flags.store !== undefined)
    throw new CliError('--keep is for the temporary store: a --store is kept');
  const topic = flags.topic ?? 'DemoTopic';
  // --clean removes only what this run created: a --store directory may hold the user's own files, or
  // the store of an earlier run that the user wants to keep. (Listed before storeDirFlag creates it;
  // a path that is no directory is left to storeDirFlag to explain.)
  const before =
    flags.store === undefined
      ? undefined
      : await entriesOf(path.resolve(flags.store)).catch((err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOTDIR') return undefined;
          throw new CliError(`--store: cannot list ${flags.store}: ${err.message}`);
        });
  const given = flags.store === undefined ? undefined : storeDirFlag('store', flags.store);
  const storeRoot = given ?? (await fs.promises.mkdtemp(path.join(os.tmpdir(), 'rocketmq-ts-demo-')));
  // What is removed at exit: a temporary store unless --keep; with --clean what this run created.
  const remove = given === undefined ? !flags.keep : flags.clean === true;

  const started = Date.now();
  let cluster: EmbeddedCluster | undefined;
  let producer: Producer | undefined;
  try {
    cluster = await startEmbeddedCluster({ brokers: 1, storeRoot, keepStore: true });
    const broker = cluster.brokers[0]!;
    line(`rocketmq-ts demo`);
    line(`  name server  ${cluster.namesrvAddress}`);
    line(`  broker       ${broker.brokerName} at ${broker.address} (cluster DefaultCluster)`);
    line(`  store        ${cluster.storePaths[0]}`);
    line();

    producer = new Producer({ producerGroup: 'demo-producer', nameServer: cluster.namesrvAddress });
    await producer.start();
    const { from, earlier } = await prepareReadBack(cluster.namesrvAddress, topic);
    if (from === 'beginning') {
      line(`Topic ${topic} does not exist yet: the first send creates it from the TBW102 default route.`);
    } else {
      line(
        `Topic ${topic} exists on this store (${earlier} message${earlier === 1n ? '' : 's'} from earlier runs): this run reads back what it sends.`,
      );
    }
    const sent = await sendAll(producer, topic, count, line);
    await producer.shutdown();
    producer = undefined;

    line();
    line(
      `Reading ${topic} back ${from === 'beginning' ? 'from the beginning' : "from where this run's sends start"} with a pull consumer (group ${DEMO_GROUP}):`,
    );
    const received = await readBack(cluster.namesrvAddress, topic, sent.length, from);
    for (const msg of received) {
      line(
        `  queue ${msg.queueId} offset ${msg.queueOffset}  tags=${msg.tags} keys=${msg.keys}  "${preview(msg.body)}"`,
      );
    }

    const byKey = new Map(received.map((m) => [m.keys, m]));
    const missing = sent.filter((m) => byKey.get(m.key)?.body.toString('utf8') !== m.body);
    line();
    line(`Summary`);
    for (const mode of ['sync', 'async', 'oneway'] as const) {
      const ofMode = sent.filter((m) => m.mode === mode);
      const back = ofMode.filter((m) => !missing.includes(m)).length;
      line(`  ${mode.padEnd(7)} sent ${ofMode.length}, read back ${back}`);
    }
    line(`  time     ${Date.now() - started} ms`);
    if (remove) {
      line(
        given === undefined
          ? `  data     a temporary store, removed at exit (--keep keeps it, --store DIR uses DIR)`
          : `  data     what this run created in ${given} is removed at exit (--clean)`,
      );
    } else {
      line(`  data     ${cluster.storePaths[0]} (commit log, consume queues, config)`);
      const rmq = rmqCommand(io.env);
      line(`  restart on this store:  ${rmq} dev --store ${cluster.storePaths[0]}`);
      line(
        `  then read it again:     ${rmq} consume --namesrv 127.0.0.1:9876 --topic ${topic} --from-beginning`,
      );
    }
    if (missing.length > 0) {
      line(`  MISSING: ${missing.map((m) => m.key).join(', ')}`);
      return 1;
    }
    line(`  all ${sent.length} messages read back intact`);
    return 0;
  } finally {
    if (producer) await producer.shutdown().catch(() => undefined);
    if (cluster) await cluster.stop();
    if (remove) await removeCreated(storeRoot, given === undefined ? undefined : before, line);
  }
}

/** The names in `dir`, or undefined when it does not exist yet (then everything in it is ours). */
async function entriesOf(dir: string): Promise<Set<string> | undefined> {
  try {
    return new Set(await fs.promises.readdir(dir));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function removeCreated(root: string, before: Set<string> | undefined, line: Line): Promise<void> {
  if (before === undefined) {
    await fs.promises.rm(root, { recursive: true, force: true });
    return;
  }
  for (const name of await fs.promises.readdir(root)) {
    if (!before.has(name)) await fs.promises.rm(path.join(root, name), { recursive: true, force: true });
  }
  const kept = [...before].filter((name) => fs.existsSync(path.join(root, name)));
  if (kept.length > 0) line(`  --clean kept what was in ${root} before this run: ${kept.join(', ')}`);
}
