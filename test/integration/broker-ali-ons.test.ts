/**
 * @own-process (scripts/run-tests.mjs): ali-ons keeps process-wide state and loops running after
 * close(), and the file ends its process with process.exit.
 * Interop: the npm ali-ons 3.12 producer and push consumer (a Node port of the Java client) against
 * our name server and broker — route lookup, heartbeat, rebalance, long-polling pulls, offset commits,
 * and a failed message coming back through CONSUMER_SEND_MSG_BACK and the retry topic.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import { RequestCode } from '../../src/protocol/codes/request-code.js';
import { createTopic, newClient, request } from '../helpers/broker-client.js';

const require = createRequire(import.meta.url);

interface OnsMessage {
  body: Buffer;
  tags: string;
  reconsumeTimes: number;
  msgId: string;
}
interface OnsClient {
  ready(): Promise<void>;
  close(): Promise<void>;
  on(event: string, fn: (err: Error) => void): void;
}
interface OnsProducer extends OnsClient {
  send(msg: unknown): Promise<{ sendStatus: string; msgId: string }>;
}
interface OnsConsumer extends OnsClient {
  subscribe(topic: string, expr: string, handler: (msg: OnsMessage) => Promise<void>): void;
}
// ali-ons is CommonJS without types.
const ons = require('ali-ons') as {
  Producer: new (options: Record<string, unknown>) => OnsProducer;
  Consumer: new (options: Record<string, unknown>) => OnsConsumer;
  Message: new (topic: string, tags: string, body: string) => unknown;
};

let cluster: EmbeddedCluster;
const clients: OnsClient[] = [];

before(async () => {
  cluster = await startEmbeddedCluster({
    brokers: [{ messageDelayLevel: Array.from({ length: 18 }, () => '1s').join(' ') }],
  });
});

after(async () => {
  for (const c of clients.reverse()) await c.close().catch(() => undefined);
  await cluster.stop();
  // ali-ons 3.12 leaves its schedule loops (30 s sleeps) and pull loops running after close();
  // end the file's process once the results are out instead of waiting for them.
  setTimeout(() => process.exit(), 2000).unref();
});

const common = (): Record<string, unknown> => ({
  nameSrv: cluster.namesrvAddress,
  httpclient: {},
  logger: { info() {}, warn() {}, error() {}, debug() {} },
  instanceName: `ons-${process.pid}-${Math.random().toString(36).slice(2)}`,
});

describe('ali-ons interop', () => {
  it('produces, consumes with a push consumer, and redelivers a failed message', async () => {
    // ali-ons has no TBW102 fallback (it throws on a topic without route): create the topic first,
    // as an Aliyun console would, and wait until the name server routes it.
    const admin = newClient();
    try {
      const created = await createTopic(admin, cluster.brokers[0]!.address, 'OnsTopic', 4);
      assert.equal(created.code, 0);
      for (let i = 0; i < 100; i++) {
        const route = await request(admin, cluster.namesrvAddress, RequestCode.GET_ROUTEINFO_BY_TOPIC, {
          topic: 'OnsTopic',
        });
        if (route.code === 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      await admin.shutdown();
    }
    const producer = new ons.Producer({ ...common(), producerGroup: 'ONS_PG' });
    producer.on('error', () => undefined);
    clients.push(producer);
    await producer.ready();
    const sent: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await producer.send(new ons.Message('OnsTopic', i % 2 ? 'odd' : 'even', `ons-${i}`));
      assert.equal(r.sendStatus, 'SEND_OK');
      sent.push(`ons-${i}`);
    }

    const consumer = new ons.Consumer({
      ...common(),
      consumerGroup: 'ONS_CG',
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      pullTimeDelayMillsWhenException: 200,
    });
    consumer.on('error', () => undefined);
    clients.push(consumer);
    const received: string[] = [];
    let failedOnce = false;
    let redelivered: OnsMessage | undefined;
    const done = new Promise<void>((resolve) => {
      consumer.subscribe('OnsTopic', '*', async (msg) => {
        const body = msg.body.toString();
        if (body === 'ons-3' && !failedOnce) {
          failedOnce = true;
          throw new Error('fail once');
        }
        if (body === 'ons-3') redelivered = msg;
        received.push(body);
        if (sent.every((s) => received.includes(s))) resolve();
      });
    });
    await consumer.ready();
    await Promise.race([
      done,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`timeout, got ${received.join(',')}`)), 60_000),
      ),
    ]);
    assert.deepEqual([...new Set(received)].sort(), sent);
    assert.ok(failedOnce);
    assert.equal(redelivered?.reconsumeTimes, 1, 'came back through %RETRY%ONS_CG');
    assert.ok(cluster.brokers[0]!.topics.select('%RETRY%ONS_CG'));
  });
});
