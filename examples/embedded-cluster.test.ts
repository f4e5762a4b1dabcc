/**
 * Testing your own code against a real name server and broker, in-process, in a `node:test` file: no
 * Docker, no Java. Stop a broker to test failover.
 * Run: `node --import tsx --test examples/embedded-cluster.test.ts` (no `rmq dev` needed).
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { Producer, PullConsumer, pollMessages, startEmbeddedCluster } from 'rocketmq-ts';
import type { EmbeddedCluster } from 'rocketmq-ts';

/** The code under test: publishes an order event. */
async function publishOrderCreated(producer: Producer, orderId: string, topic = 'Orders'): Promise<string> {
  const r = await producer.send({ topic, body: JSON.stringify({ orderId }), tags: 'created', keys: orderId });
  return r.msgId;
}

let cluster: EmbeddedCluster;
let producer: Producer;

before(async () => {
  cluster = await startEmbeddedCluster({ brokers: 2 }); // free ports, temp stores
  producer = new Producer({ producerGroup: 'orders-test', nameServer: cluster.namesrvAddress });
  await producer.start();
});
after(async () => {
  await producer.shutdown();
  await cluster.stop(); // removes the temp stores
});

it('publishes an event a consumer can read', async () => {
  const msgId = await publishOrderCreated(producer, 'order-1');
  const consumer = new PullConsumer({
    consumerGroup: 'orders-test-reader',
    nameServer: cluster.namesrvAddress,
  });
  await consumer.start();
  try {
    const seen = [];
    for await (const m of pollMessages(consumer, 'Orders', { from: 'beginning', idleTimeoutMillis: 500 }))
      seen.push(m);
    const mine = seen.find((m) => m.msgId === msgId);
    assert.ok(mine);
    assert.deepEqual(JSON.parse(mine.body.toString()), { orderId: 'order-1' });
  } finally {
    await consumer.shutdown();
  }
});

it('still publishes when one broker is down', async () => {
  await cluster.stopBroker(0);
  try {
    // A topic new to the cluster is created on the broker still up (topic auto-creation is on).
    for (let i = 0; i < 5; i++)
      assert.ok(await publishOrderCreated(producer, `order-failover-${i}`, 'OrdersFailover'));
  } finally {
    await cluster.startBroker(0);
  }
});
