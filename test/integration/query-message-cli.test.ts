/**
 * Finding messages by key or message id through the client (PullConsumer.queryMessage, as Java's
 * MQAdminImpl.queryMessage: every broker of the topic, answers merged and checked) and `rmq query`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Producer } from '../../src/client/index.js';
import { PullConsumer } from '../../src/client/consumer/index.js';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import { rmq } from '../helpers/cli.js';
import { waitFor } from './consumer-helpers.js';

describe('query by key / message id (client and rmq query)', () => {
  let cluster: EmbeddedCluster;
  let consumer: PullConsumer;
  const TOPIC = 'QueryCli';
  const sent: { msgId: string; broker: string }[] = [];

  before(async () => {
    cluster = await startEmbeddedCluster({ brokers: 2 });
    const nameServer = cluster.namesrvAddress;
    const created = await rmq([
      'topic',
      'create',
      '--namesrv',
      nameServer,
      '--topic',
      TOPIC,
      '--queues',
      '1',
    ]);
    assert.equal(created.code, 0, created.stderr);
    // Each broker registers the new topic with the name server soon after: wait for both in the route.
    await waitFor('both brokers in the route', async () => {
      const r = await rmq(['route', '--namesrv', nameServer, '--topic', TOPIC]);
      return r.code === 0 && r.stdout.includes('broker-a') && r.stdout.includes('broker-b')
        ? true
        : undefined;
    });
    const producer = new Producer({ producerGroup: 'PG_query', nameServer });
    await producer.start();
    try {
      // Round robin over both brokers' queues: the key's messages are on both.
      for (let i = 0; i < 8; i++) {
        const r = await producer.send({
          topic: TOPIC,
          body: `order ${i}`,
          keys: [`order-${i}`, 'customer-7'],
        });
        sent.push({ msgId: r.msgId, broker: r.messageQueue.brokerName });
      }
    } finally {
      await producer.shutdown();
    }
    assert.equal(new Set(sent.map((s) => s.broker)).size, 2, 'sent to both brokers');
    consumer = new PullConsumer({ consumerGroup: 'CG_query', nameServer });
    await consumer.start();
  });

  after(async () => {
    await consumer?.shutdown();
    await cluster?.stop();
  });

  it('PullConsumer.queryMessage finds by key on every broker, and by message id the one message', async () => {
    const all = await consumer.queryMessage(TOPIC, 'customer-7');
    assert.deepEqual(all.map((m) => m.body.toString()).sort(), sent.map((_, i) => `order ${i}`).sort());
    const one = await consumer.queryMessage(TOPIC, 'order-3');
    assert.deepEqual(
      one.map((m) => m.msgId),
      [sent[3]!.msgId],
    );
    const byId = await consumer.queryMessage(TOPIC, sent[5]!.msgId, { uniqueKey: true });
    assert.deepEqual(
      byId.map((m) => m.body.toString()),
      ['order 5'],
    );
    assert.equal(byId[0]!.brokerName, sent[5]!.broker);
    assert.deepEqual(await consumer.queryMessage(TOPIC, 'no-such-key'), []);
    assert.deepEqual(await consumer.queryMessage(TOPIC, 'customer-7', { end: 1 }), []);
  });

  it('rmq query --key / --msg-id prints the messages as rmq consume does', async () => {
    const ns = cluster.namesrvAddress;
    const byKey = await rmq(['query', '--namesrv', ns, '--topic', TOPIC, '--key', 'order-2']);
    assert.equal(byKey.code, 0, byKey.stderr);
    assert.match(
      byKey.stdout,
      new RegExp(
        `^broker-[ab]:\\d+ offset=\\d+ msgId=${sent[2]!.msgId} tags=- keys=order-2 customer-7 body="order 2"\\n$`,
      ),
    );
    assert.match(byKey.stderr, /^1 message of QueryCli with key order-2\n$/);
    const byId = await rmq([
      'query',
      '--namesrv',
      ns,
      '--topic',
      TOPIC,
      '--msg-id',
      sent[6]!.msgId,
      '--json',
    ]);
    assert.equal(byId.code, 0, byId.stderr);
    assert.equal(JSON.parse(byId.stdout).msgId, sent[6]!.msgId);
    const none = await rmq(['query', '--namesrv', ns, '--topic', TOPIC, '--key', 'nothing']);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^0 messages of QueryCli with key nothing\n$/);
    const both = await rmq(['query', '--namesrv', ns, '--topic', TOPIC, '--key', 'a', '--msg-id', 'b']);
    assert.notEqual(both.code, 0);
    assert.match(both.stderr, /exactly one of --key and --msg-id/);
  });
});
