/**
 * @own-process (scripts/run-tests.mjs): sets $HOME while ali-ons loads; ali-ons keeps a
 * process-wide inner producer.
 * Interop with the npm package ali-ons (an independent Node.js RocketMQ client speaking the old
 * protocol): (a) its producer → our name server and broker → its push consumer; (b) our producer →
 * its push consumer; (c) its producer → our pull consumer. Bodies, tags, keys and user properties
 * must come out identical.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Producer } from '../../src/client/producer/producer.js';
import { PullConsumer } from '../../src/client/consumer/index.js';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import { createTopic, waitFor } from './consumer-helpers.js';

// Minimal shapes of the ali-ons objects used here (the package ships no types).
interface OnsMessage {
  topic: string;
  body: Buffer;
  tags: string | undefined;
  keys: string | undefined;
  msgId: string;
  properties: Record<string, string>;
}
/** An outgoing ali-ons message: its `keys` setter takes a list. */
interface OnsOutgoingMessage {
  properties: Record<string, string>;
  keys: string[];
}
interface OnsMessageCtor {
  new (topic: string, tags: string, body: Buffer | string): OnsOutgoingMessage;
}
interface OnsClient {
  ready(): Promise<void>;
  close(): Promise<void>;
  on(event: 'error', listener: (err: Error) => void): void;
}
interface OnsProducer extends OnsClient {
  send(msg: OnsOutgoingMessage): Promise<{ sendStatus: string; msgId: string; queueOffset: number }>;
}
interface OnsConsumer extends OnsClient {
  subscribe(topic: string, subExpression: string, handler: (msg: OnsMessage) => Promise<void>): void;
}
interface OnsModule {
  Producer: new (options: Record<string, unknown>) => OnsProducer;
  Consumer: new (options: Record<string, unknown>) => OnsConsumer;
  Message: OnsMessageCtor;
}

const TOPIC_FROM_ONS = 'InteropFromOns';
const TOPIC_FROM_US = 'InteropFromUs';
const COUNT = 12;

interface Expected {
  body: Buffer;
  tags: string;
  keys: string;
  props: Record<string, string>;
}

function expectedMessage(prefix: string, i: number): Expected {
  // Every fourth body is over 4 KiB: both producers compress it.
  const body =
    i % 4 === 0 ? Buffer.from(`${prefix}-${i}-`.repeat(800)) : Buffer.from(`${prefix} message ${i} ✓`);
  return {
    body,
    tags: i % 2 ? 'TagOdd' : 'TagEven',
    keys: `${prefix}-k${i} shared`,
    props: { seq: String(i), origin: prefix },
  };
}

describe('interop with ali-ons', () => {
  let cluster: EmbeddedCluster;
  let ons: OnsModule;
  let onsInnerProducer: {
    defaultProducer?: OnsClient;
    getDefaultProducer(o: Record<string, unknown>): Promise<OnsClient>;
  };
  let home: string;
  const savedHome = process.env.HOME;
  const onsErrors: Error[] = [];
  const received = new Map<string, OnsMessage>();
  let onsProducer: OnsProducer | undefined;
  let onsConsumer: OnsConsumer | undefined;
  let ourProducer: Producer | undefined;
  let ourConsumer: PullConsumer | undefined;
  const onsSent: { msgId: string; expected: Expected }[] = [];

  const quietLogger = { info() {}, debug() {}, warn() {}, error: (e: unknown) => onsErrors.push(e as Error) };
  const onsOptions = (): Record<string, unknown> => ({
    nameSrv: cluster.namesrvAddress,
    httpclient: {},
    logger: quietLogger,
    instanceName: `interop${process.pid}`,
    pollNameServerInteval: 500,
    heartbeatBrokerInterval: 1000,
    rebalanceInterval: 500,
    persistConsumerOffsetInterval: 1000,
  });

  before(async () => {
    // ali-ons derives a (broadcast-only) offset directory from $HOME when loaded: keep it in a temp dir.
    home = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'rmq-ons-home-'));
    process.env.HOME = home;
    const require = createRequire(import.meta.url);
    ons = require('ali-ons') as OnsModule;
    onsInnerProducer = require('ali-ons/lib/producer/mq_producer') as typeof onsInnerProducer;

    cluster = await startEmbeddedCluster({ brokers: 1 });
    await createTopic(cluster, TOPIC_FROM_ONS, 4);
    await createTopic(cluster, TOPIC_FROM_US, 4);
  });

  after(async () => {
    await onsConsumer?.close().catch(() => undefined);
    await onsProducer?.close().catch(() => undefined);
    // The consumer created ali-ons' process-wide inner producer; it holds the client open.
    await onsInnerProducer?.defaultProducer?.close().catch(() => undefined);
    await ourConsumer?.shutdown();
    await ourProducer?.shutdown();
    await cluster?.stop();
    process.env.HOME = savedHome;
    if (home) await fs.promises.rm(home, { recursive: true, force: true });
  });

  it('(a, b) ali-ons and our producer send, the ali-ons push consumer receives everything', async () => {
    // ali-ons' process-wide inner producer reports the consumer's errors; listen before it is used.
    const inner = await onsInnerProducer.getDefaultProducer(onsOptions());
    inner.on('error', (e) => onsErrors.push(e));
    onsProducer = new ons.Producer({ ...onsOptions(), producerGroup: 'interop_ons_pg' });
    onsProducer.on('error', (e) => onsErrors.push(e));
    await onsProducer.ready();
    for (let i = 0; i < COUNT; i++) {
      const e = expectedMessage('ons', i);
      const msg = new ons.Message(TOPIC_FROM_ONS, e.tags, e.body);
      msg.keys = e.keys.split(' ');
      Object.assign(msg.properties, e.props);
      const result: { sendStatus: string; msgId: string } = await onsProducer.send(msg);
      assert.equal(result.sendStatus, 'SEND_OK');
      onsSent.push({ msgId: result.msgId, expected: e });
    }

    ourProducer = new Producer({ nameServer: cluster.namesrvAddress, producerGroup: 'interop_our_pg' });
    await ourProducer.start();
    const ourSent = new Map<string, Expected>();
    for (let i = 0; i < COUNT; i++) {
      const e = expectedMessage('ours', i);
      const r = await ourProducer.send({
        topic: TOPIC_FROM_US,
        body: e.body,
        tags: e.tags,
        keys: e.keys.split(' '),
        properties: e.props,
      });
      ourSent.set(r.offsetMsgId, e);
    }

    onsConsumer = new ons.Consumer({
      ...onsOptions(),
      consumerGroup: 'interop_ons_cg',
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    });
    // "No route" errors for the %RETRY% topic are expected until the broker creates it.
    onsConsumer.on('error', (e) => onsErrors.push(e));
    onsConsumer.subscribe(TOPIC_FROM_ONS, '*', async (msg) => {
      received.set(msg.msgId, msg);
    });
    onsConsumer.subscribe(TOPIC_FROM_US, '*', async (msg) => {
      received.set(msg.msgId, msg);
    });
    await onsConsumer.ready();
    await waitFor(
      `ali-ons consumer to receive ${2 * COUNT} messages`,
      () => (received.size >= 2 * COUNT ? true : undefined),
      30_000,
    ).catch((err: unknown) => {
      throw new Error(
        `${String(err)}; got ${received.size}; ali-ons errors: ${onsErrors.map((e) => e.message).join(' | ')}`,
      );
    });
    assert.equal(received.size, 2 * COUNT);

    for (const { msgId, expected } of onsSent) {
      const m = received.get(msgId);
      assert.ok(m, `ali-ons message ${msgId} not received`);
      assert.equal(m.topic, TOPIC_FROM_ONS);
      assert.deepEqual(m.body, expected.body);
      assert.equal(m.tags, expected.tags);
      assert.equal(m.keys, expected.keys);
      assert.equal(m.properties.seq, expected.props.seq);
      assert.equal(m.properties.origin, expected.props.origin);
    }
    for (const [offsetMsgId, expected] of ourSent) {
      const m = received.get(offsetMsgId);
      assert.ok(m, `our message ${offsetMsgId} not received`);
      assert.equal(m.topic, TOPIC_FROM_US);
      assert.deepEqual(m.body, expected.body);
      assert.equal(m.tags, expected.tags);
      assert.equal(m.keys, expected.keys);
      assert.equal(m.properties.seq, expected.props.seq);
      assert.equal(m.properties.origin, expected.props.origin);
      assert.match(m.properties.UNIQ_KEY ?? '', /^[0-9A-F]{32}$/);
    }
  });

  it('(c) our pull consumer reads what ali-ons sent', async () => {
    assert.equal(onsSent.length, COUNT, 'needs the messages of the previous test');
    ourConsumer = new PullConsumer({ nameServer: cluster.namesrvAddress, consumerGroup: 'interop_our_cg' });
    await ourConsumer.start();
    const got = await ourConsumer.pollAll(TOPIC_FROM_ONS);
    assert.equal(got.length, COUNT);
    const byOffsetId = new Map(got.map((m) => [m.offsetMsgId, m]));
    for (const { msgId, expected } of onsSent) {
      const m = byOffsetId.get(msgId);
      assert.ok(m, `message ${msgId} missing`);
      assert.deepEqual(m.body, expected.body);
      assert.equal(m.tags, expected.tags);
      assert.equal(m.keys, expected.keys);
      assert.deepEqual(m.keyList, expected.keys.split(' '));
      assert.equal(m.properties.seq, expected.props.seq);
      assert.equal(m.properties.origin, expected.props.origin);
      // ali-ons sets no UNIQ_KEY, so the message id is the offset id.
      assert.equal(m.msgId, msgId);
    }
    const odd = await ourConsumer.pollAll(TOPIC_FROM_ONS, { subExpression: 'TagOdd' });
    assert.deepEqual(
      odd.map((m) => Number(m.properties.seq)).sort((a, b) => a - b),
      [1, 3, 5, 7, 9, 11],
    );
  });
});
