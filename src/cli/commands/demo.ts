/**
 * `rmq demo`: the newcomer path (`npm start`). Starts an embedded name server and broker, sends
 * messages in the three modes of the Java producer (sync, async, oneway), reads every one of them
 * back with the pull consumer, prints a short report and exits 0 — or 1 if anything went missing.
 */
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { parseFlags, intFlag } from '../args.js';
import { Producer } from '../../client/producer/producer.js';
import type { SendResult } from '../../client/producer/send-result.js';
import { PullConsumer } from '../../client/consumer/pull/pull-consumer.js';
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
    description: 'Store directory (default: a new temp directory, kept)',
  },
  count: { type: 'string', value: 'N', default: '3', description: 'Messages per send mode' },
  topic: { type: 'string', value: 'TOPIC', default: 'DemoTopic', description: 'Topic to use' },
  clean: { type: 'boolean', description: 'Delete the store when done' },
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

async function readBack(namesrv: string, topic: string, expected: number): Promise<PulledMessage[]> {
  const consumer = new PullConsumer({ consumerGroup: 'demo-consumer', nameServer: namesrv });
  await consumer.start();
  try {
    const received: PulledMessage[] = [];
    // Oneway sends are not acknowledged, so give the broker a moment if they are still arriving.
    for await (const msg of pollMessages(consumer, topic, {
      from: 'beginning',
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
    line(`Topic ${topic} does not exist yet: the first send creates it from the TBW102 default route.`);
    const sent = await sendAll(producer, topic, count, line);
    await producer.shutdown();
    producer = undefined;

    line();
    line(`Reading ${topic} back from the beginning with a pull consumer (group demo-consumer):`);
    const received = await readBack(cluster.namesrvAddress, topic, sent.length);
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
    line(`  data     ${cluster.storePaths[0]} (commit log, consume queues, config)`);
    if (!flags.clean) {
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
    if (flags.clean) await removeCreated(storeRoot, before, line);
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
