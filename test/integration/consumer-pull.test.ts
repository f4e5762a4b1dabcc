import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Producer } from '../../src/client/producer/producer.js';
import type { SendResult } from '../../src/client/producer/send-result.js';
import { MessageQueue } from '../../src/client/message-queue.js';
import { PullConsumer, PullStatus } from '../../src/client/consumer/index.js';
import type { PulledMessage } from '../../src/client/consumer/index.js';
import { MQClientError } from '../../src/common/errors.js';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import { createTopic, waitFor } from './consumer-helpers.js';

const TOPIC = 'ConsumerPullTopic';

describe('PullConsumer against the embedded cluster', () => {
  let cluster: EmbeddedCluster;
  let producer: Producer;
  const consumers: PullConsumer[] = [];
  const sent: { result: SendResult; tags: string; keys: string; body: Buffer; n: number }[] = [];

  const newConsumer = async (
    group: string,
    extra: Partial<ConstructorParameters<typeof PullConsumer>[0]> = {},
  ): Promise<PullConsumer> => {
    const c = new PullConsumer({ nameServer: cluster.namesrvAddress, consumerGroup: group, ...extra });
    consumers.push(c);
    await c.start();
    return c;
  };

  before(async () => {
    cluster = await startEmbeddedCluster({ brokers: 2 });
    await createTopic(cluster, TOPIC, 2);
    producer = new Producer({ nameServer: cluster.namesrvAddress, producerGroup: 'consumer_test_pg' });
    await producer.start();
    for (let n = 0; n < 20; n++) {
      const tags = n % 2 === 0 ? 'TagA' : 'TagB';
      const keys = `key-${n} other`;
      // Every fifth body is large enough to be compressed by the producer.
      const body = n % 5 === 0 ? Buffer.from(`big-${n}-`.repeat(1000)) : Buffer.from(`message ${n}`);
      const result = await producer.send({
        topic: TOPIC,
        body,
        tags,
        keys: [`key-${n}`, 'other'],
        properties: { n: String(n) },
      });
      sent.push({ result, tags, keys, body, n });
    }
  });

  after(async () => {
    for (const c of consumers) await c.shutdown();
    await producer?.shutdown();
    await cluster?.stop();
  });

  it('lists the readable queues of every broker', async () => {
    const c = await newConsumer('cg_queues');
    const queues = await c.fetchMessageQueues(TOPIC);
    assert.deepEqual(
      queues.map((q) => q.key()),
      [`${TOPIC}@broker-a@0`, `${TOPIC}@broker-a@1`, `${TOPIC}@broker-b@0`, `${TOPIC}@broker-b@1`],
    );
    await assert.rejects(
      c.fetchMessageQueues('NoSuchTopicHere'),
      (e: unknown) => e instanceof MQClientError && e.code === 10005,
    );
  });

  it('reads every message back with its fields (pollAll)', async () => {
    const c = await newConsumer('cg_all');
    const got = await c.pollAll(TOPIC);
    assert.equal(got.length, sent.length);
    const byId = new Map<string, PulledMessage>(got.map((m) => [m.msgId, m]));
    for (const s of sent) {
      const m = byId.get(s.result.msgId);
      assert.ok(m, `message ${s.n} missing`);
      assert.deepEqual(m.body, s.body);
      assert.equal(m.tags, s.tags);
      assert.equal(m.keys, s.keys);
      assert.equal(m.properties.n, String(s.n));
      assert.equal(m.offsetMsgId, s.result.offsetMsgId);
      assert.equal(m.queueId, s.result.messageQueue.queueId);
      assert.equal(m.brokerName, s.result.messageQueue.brokerName);
      assert.equal(m.queueOffset, s.result.queueOffset);
      assert.equal(m.topic, TOPIC);
      assert.equal(m.reconsumeTimes, 0);
      assert.ok(m.storeTimestamp >= m.bornTimestamp - 1000);
      assert.equal(m.storeHost.ip, '127.0.0.1');
      assert.ok(m.properties.MAX_OFFSET !== undefined && m.properties.MIN_OFFSET === '0');
    }
  });

  it('filters by tag on the broker and the client', async () => {
    const c = await newConsumer('cg_tags');
    const got = await c.pollAll(TOPIC, { subExpression: 'TagB' });
    assert.deepEqual(
      got.map((m) => Number(m.properties.n)).sort((a, b) => a - b),
      sent.filter((s) => s.tags === 'TagB').map((s) => s.n),
    );
    const mq = new MessageQueue(TOPIC, 'broker-a', 0);
    const max = await c.maxOffset(mq);
    // A tag no message has: the broker scans and answers NO_MATCHED_MSG with the next offset.
    const r = await c.pull(mq, 'TagZ', 0n, 32);
    assert.equal(r.pullStatus, PullStatus.NO_MATCHED_MSG);
    assert.equal(r.nextBeginOffset, max);
  });

  it('reports NO_NEW_MSG and OFFSET_ILLEGAL with the broker offsets', async () => {
    const c = await newConsumer('cg_status');
    const mq = new MessageQueue(TOPIC, 'broker-b', 1);
    const max = await c.maxOffset(mq);
    assert.ok(max > 0n);
    assert.equal(await c.minOffset(mq), 0n);
    const none = await c.pull(mq, '*', max, 32);
    assert.equal(none.pullStatus, PullStatus.NO_NEW_MSG);
    assert.equal(none.nextBeginOffset, max);
    const bad = await c.pull(mq, '*', max + 10n, 32);
    assert.equal(bad.pullStatus, PullStatus.OFFSET_ILLEGAL);
    assert.equal(bad.nextBeginOffset, max);
    assert.equal(bad.maxOffset, max);
    const first = await c.pull(mq, '*', 0n, 2);
    assert.equal(first.pullStatus, PullStatus.FOUND);
    assert.deepEqual(
      first.msgFoundList.map((m) => m.queueOffset),
      [0n, 1n],
    );
    assert.equal(first.nextBeginOffset, 2n);
    await assert.rejects(c.pull(mq, '*', -1n, 2), /non-negative/);
  });

  it('commits offsets and resumes from them (pullFromStored, poll with commit)', async () => {
    const group = 'cg_commit';
    const c1 = await newConsumer(group, { consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
    const mq = new MessageQueue(TOPIC, 'broker-a', 1);
    await c1.commitOffset(mq, 3n);
    assert.equal(await c1.fetchConsumeOffset(mq), 3n);
    const r = await c1.pullFromStored(mq, '*', 2, { commit: true });
    assert.deepEqual(
      r.msgFoundList.map((m) => m.queueOffset),
      [3n, 4n],
    );
    assert.equal(await c1.fetchConsumeOffset(mq), 5n);
    await c1.shutdown();

    // poll with commit: read 3 messages, stop, and a new consumer of the group continues after them.
    const c2 = await newConsumer('cg_commit2', { consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
    const firstPart: PulledMessage[] = [];
    for await (const m of c2.poll(TOPIC, { commit: true, maxMessages: 3 })) firstPart.push(m);
    assert.equal(firstPart.length, 3);
    await c2.shutdown();
    const c3 = await newConsumer('cg_commit2');
    const rest = await c3.pollAll(TOPIC, { from: 'stored', commit: true });
    const ids = new Set([...firstPart, ...rest].map((m) => m.msgId));
    assert.equal(firstPart.length + rest.length, sent.length);
    assert.equal(ids.size, sent.length);
    assert.equal((await c3.pollAll(TOPIC, { from: 'stored' })).length, 0);
  });

  it('finds messages by offset id and by time', async () => {
    const c = await newConsumer('cg_view');
    const s = sent[7];
    assert.ok(s);
    const m = await c.viewMessage(s.result.offsetMsgId);
    assert.equal(m.msgId, s.result.msgId);
    assert.deepEqual(m.body, s.body);
    const mq = s.result.messageQueue;
    const early = await c.searchOffset(mq, Date.now() - 3_600_000);
    assert.equal(early, 0n);
    const late = await c.searchOffset(mq, Date.now() + 3_600_000);
    assert.equal(late, await c.maxOffset(mq));
    await assert.rejects(
      c.viewMessage('nothex'),
      (e: unknown) => e instanceof MQClientError && e.code === 208,
    );
  });

  it('long-polls: a blocking pull returns when a message arrives', async () => {
    const c = await newConsumer('cg_block', {
      brokerSuspendMaxTimeMillis: 8000,
      consumerTimeoutMillisWhenSuspend: 12000,
    });
    const mq = new MessageQueue(TOPIC, 'broker-a', 0);
    const max = await c.maxOffset(mq);
    const pending = c.pull(mq, '*', max, 32, { block: true });
    // Send to exactly that queue until the held pull answers (the first send normally suffices).
    let answered = false;
    void pending.then(
      () => (answered = true),
      () => (answered = true),
    );
    await waitFor(
      'held pull answered',
      async () => {
        if (answered) return true;
        await producer.send({ topic: TOPIC, body: 'wake up', tags: 'TagW' }, 3000).catch(() => undefined);
        return answered ? true : undefined;
      },
      8000,
    ).catch(() => undefined);
    const r = await pending;
    assert.equal(r.pullStatus, PullStatus.FOUND);
    assert.equal(r.msgFoundList[0]?.body.toString(), 'wake up');
  });

  it('announces itself in heartbeats as CONSUME_ACTIVELY', async () => {
    const c = await newConsumer('cg_heartbeat');
    await c.subscribe(TOPIC, 'TagA || TagB');
    const info = await waitFor('consumer group on broker-a', () =>
      cluster.brokers[0]?.clients.consumerGroup('cg_heartbeat'),
    );
    assert.equal(info.consumeType, 'CONSUME_ACTIVELY');
    assert.equal(info.subscriptions.get(TOPIC)?.subString, 'TagA || TagB');
    assert.deepEqual(cluster.brokers[0]?.clients.consumerIds('cg_heartbeat'), [c.clientInstance?.clientId]);
    await c.shutdown();
    await waitFor('consumer gone', () =>
      (cluster.brokers[0]?.clients.consumerIds('cg_heartbeat').length ?? 0) === 0 ? true : undefined,
    );
  });
});
