/**
 * Ordered sends against one embedded cluster of two brokers (name server with orderMessageEnable):
 * a sharding key stays on one queue and reads back in send order, across brokers, after a route
 * change and across a broker restart; `rmq topic create --order` and ORDER_TOPIC_CONFIG; sends to a
 * queue in three modes; async and split batches; the CLI's --queue-id / --sharding-key.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Producer } from '../../src/client/index.js';
import type { SendResult, MessageQueue } from '../../src/client/index.js';
import { BatchRuleError } from '../../src/client/producer/message-batch.js';
import { producerCore } from '../../src/client/producer/producer.js';
import { BatchSendError, QueueTargetError } from '../../src/client/producer/ordered/queue-errors.js';
import { hashQueueIndex } from '../../src/client/producer/ordered/selectors.js';
import { MQClientAPI } from '../../src/client/mq-client-api.js';
import { RequestCode } from '../../src/protocol/codes/index.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import { PutKVConfigRequestHeader } from '../../src/protocol/headers/index.js';
import { freshHashSetOrder } from '../../src/protocol/java/hash-map.js';
import { decodeMessageRecord, Message, messageExtFromRecord } from '../../src/protocol/message/index.js';
import type { MessageExt } from '../../src/protocol/message/index.js';
import type { Broker } from '../../src/server/broker/broker.js';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import { RemotingClient } from '../../src/transport/remoting-client.js';
import { rmq as rmqInProcess } from '../helpers/cli.js';
import { mergeOrderConf } from '../../src/cli/commands/order-conf.js';
import { makeTopicConfig } from '../../src/protocol/body/topic-config.js';
import { createTopic, routeBrokers, waitFor } from './producer-helpers.js';

let cluster: EmbeddedCluster;
let producer: Producer;
const KEYS = ['order-1', 'order-2', 'user:42', 'ORDER_20240101_000123', 'a', 'zz'];
const rmq = (...args: string[]) => rmqInProcess(args, { NAMESRV_ADDR: '' });

before(async () => {
  cluster = await startEmbeddedCluster({
    brokers: [{ registerIntervalMillis: 300 }, { registerIntervalMillis: 300 }],
    orderMessageEnable: true,
  });
  await createTopic(cluster, 'OrdT', 4);
  producer = new Producer({ producerGroup: 'PG_ORDERED', nameServer: cluster.namesrvAddress });
  await producer.start();
});

after(async () => {
  await producer.shutdown().catch(() => undefined);
  await cluster.stop();
});

function brokerNamed(name: string): Broker {
  return cluster.brokers.find((b) => b.brokerName === name) as Broker;
}

/** Every message of one queue from `from` on, once at least `atLeast` are there. */
async function readQueue(mq: MessageQueue, atLeast: number, from = 0n): Promise<MessageExt[]> {
  return waitFor(`${atLeast} messages in ${String(mq)}`, async () => {
    const r = await brokerNamed(mq.brokerName).store.getMessage('t', mq.topic, mq.queueId, from, 1024);
    const all = r.messages.map((raw) =>
      messageExtFromRecord(decodeMessageRecord(raw), { decompress: false }),
    );
    return all.length >= atLeast ? all : undefined;
  });
}

/** Sends `rounds` messages per key, round after round, cycling through the three modes. */
async function sendRounds(topic: string, rounds: number, tag: string): Promise<Map<string, SendResult[]>> {
  const results = new Map<string, SendResult[]>(KEYS.map((k) => [k, []]));
  for (let round = 0; round < rounds; round++) {
    for (const key of KEYS) {
      const msg = new Message(topic, `${key}#${tag}${round}`);
      if (round % 3 === 2) await producer.sendOrderlyOneway(msg, key);
      else {
        const r = await (round % 3 === 0
          ? producer.sendOrderly(msg, key)
          : producer.sendOrderlyAsync(msg, key));
        results.get(key)?.push(r);
      }
    }
  }
  return results;
}

/** Each key's messages are all in the queue Java's hash picks, in send order. */
async function checkKeys(topic: string, rounds: number, tag: string, queues: MessageQueue[]): Promise<void> {
  for (const key of KEYS) {
    const mq = queues[hashQueueIndex(key, queues.length)] as MessageQueue;
    assert.equal(mq.topic, topic);
    // Oneway sends resolve once written: wait until the broker stored all of them.
    const bodies = await waitFor(`${rounds} messages of ${key}`, async () => {
      const mine = (await readQueue(mq, 0))
        .filter((m) => m.properties.__SHARDINGKEY === key && m.body.toString().startsWith(`${key}#${tag}`))
        .map((m) => m.body.toString());
      return mine.length >= rounds ? mine : undefined;
    });
    assert.deepEqual(
      bodies,
      Array.from({ length: rounds }, (_, r) => `${key}#${tag}${r}`),
      `${key} in ${String(mq)}`,
    );
  }
}

describe('ordered sends by sharding key', () => {
  it('one queue per key across two brokers (the queue Java picks), read back in send order', async () => {
    const queues = await producer.fetchPublishMessageQueues('OrdT');
    assert.equal(queues.length, 8);
    assert.equal(new Set(queues.map((q) => q.brokerName)).size, 2);
    const results = await sendRounds('OrdT', 6, 'x');
    for (const [key, rs] of results) {
      const expected = queues[hashQueueIndex(key, queues.length)] as MessageQueue;
      for (const r of rs) assert.ok(expected.equals(r.messageQueue), `${key}: ${String(r.messageQueue)}`);
    }
    // Two brokers are really used by these keys.
    assert.equal(new Set(KEYS.map((k) => queues[hashQueueIndex(k, 8)]?.brokerName)).size, 2);
    await checkKeys('OrdT', 6, 'x', queues);
  });

  it('after a route change (the topic added on a second broker) keys move to their new queue and stay there', async () => {
    await createTopic(cluster, 'OrdR', 2, [brokerNamed('broker-a')]);
    await sendRounds('OrdR', 3, 'before');
    await checkKeys('OrdR', 3, 'before', await producer.fetchPublishMessageQueues('OrdR'));
    await createTopic(cluster, 'OrdR', 2);
    await producerCore(producer).instance.updateTopicRouteInfoFromNameServer('OrdR');
    const queues = await producer.fetchPublishMessageQueues('OrdR');
    assert.equal(queues.length, 4);
    await sendRounds('OrdR', 3, 'after');
    await checkKeys('OrdR', 3, 'after', queues);
  });
});

describe('ordered topics (orderTopicConf)', () => {
  it('rmq topic create --order: order flag on both brokers and ORDER_TOPIC_CONFIG in the route, followed by clients', async () => {
    const r = await rmq(
      'topic',
      'create',
      '--namesrv',
      cluster.namesrvAddress,
      '--topic',
      'OrdC',
      '--queues',
      '2',
      '--order',
    );
    assert.equal(r.code, 0, r.stderr);
    const conf = freshHashSetOrder(['broker-a', 'broker-b'])
      .map((b) => `${b}:2`)
      .join(';');
    assert.match(r.stdout, new RegExp(`set order conf of OrdC on .*: ${conf}\\n`));
    for (const b of cluster.brokers) assert.equal(b.topics.isOrderTopic('OrdC'), true);
    const remoting = new RemotingClient();
    try {
      const api = new MQClientAPI(remoting, { nameServerAddresses: [cluster.namesrvAddress] });
      const route = await api.getTopicRouteInfoFromNameServer('OrdC', 3000);
      assert.equal(route.orderTopicConf, conf);
    } finally {
      await remoting.shutdown();
    }
    // --broker: that broker's entry merged into the existing value.
    for (const [name, queues] of [
      ['broker-b', '3'],
      ['broker-a', '1'],
    ] as const) {
      const one = await rmq(
        'topic',
        'create',
        '--namesrv',
        cluster.namesrvAddress,
        '--topic',
        'OrdB',
        '--broker',
        brokerNamed(name).address,
        '--queues',
        queues,
        '--order',
      );
      assert.equal(one.code, 0, one.stderr);
    }
    assert.match(
      (await rmq('route', '--namesrv', cluster.namesrvAddress, '--topic', 'OrdB')).stdout,
      new RegExp(`"orderTopicConf":\\s*"${mergeOrderConf('broker-b:3', 'broker-a', 1)}"`),
    );
    const queues = await producer.fetchPublishMessageQueues('OrdC');
    assert.deepEqual(
      queues.map((q) => `${q.brokerName}:${q.queueId}`),
      conf.split(';').flatMap((e) => [0, 1].map((i) => `${e.split(':')[0]}:${i}`)),
    );
  });

  it('a topic named in ORDER_TOPIC_CONFIG becomes ordered at the next registration; order and queues survive a restart', async () => {
    await createTopic(cluster, 'OrdK', 4, [brokerNamed('broker-a')]);
    const remoting = new RemotingClient();
    try {
      const put = createRequest(RequestCode.PUT_KV_CONFIG, {
        extFields: PutKVConfigRequestHeader.encode({
          namespace: 'ORDER_TOPIC_CONFIG',
          key: 'OrdK',
          value: 'broker-a:4',
        }),
      });
      assert.equal((await remoting.invokeSync(cluster.namesrvAddress, put, 3000)).code, 0);
    } finally {
      await remoting.shutdown();
    }
    await waitFor(
      'OrdK ordered on broker-a',
      () => brokerNamed('broker-a').topics.isOrderTopic('OrdK') || undefined,
    );
    await producerCore(producer).instance.updateTopicRouteInfoFromNameServer('OrdK');
    const before = await sendRounds('OrdK', 3, 'r1_');
    await cluster.stopBroker(0);
    await cluster.startBroker(0);
    assert.equal(brokerNamed('broker-a').topics.isOrderTopic('OrdK'), true, 'order flag persisted');
    await producerCore(producer).instance.updateTopicRouteInfoFromNameServer('OrdK');
    const queues = await producer.fetchPublishMessageQueues('OrdK');
    assert.deepEqual(
      queues.map((q) => q.queueId),
      [0, 1, 2, 3],
    );
    // The restarted broker registered before startBroker resolved: the sends go through at once.
    const afterRestart = await sendRounds('OrdK', 3, 'r2_');
    for (const key of KEYS) {
      const mq = before.get(key)?.[0]?.messageQueue as MessageQueue;
      for (const r of afterRestart.get(key) ?? []) assert.ok(mq.equals(r.messageQueue), key);
    }
    await checkKeys('OrdK', 3, 'r1_', queues);
    await checkKeys('OrdK', 3, 'r2_', queues);
  });
});

describe('sends to a queue and batches', () => {
  it('sync, async (promise and callback) and oneway to one queue; batch to a queue, sync and async', async () => {
    const [, , , q] = await producer.fetchPublishMessageQueues('OrdT');
    const mq = q as MessageQueue;
    const start = brokerNamed(mq.brokerName).store.getMaxOffsetInQueue('OrdT', mq.queueId);
    const r1 = await producer.sendToQueue(new Message('OrdT', 'q-sync'), mq);
    const r2 = await producer.sendToQueueAsync(new Message('OrdT', 'q-async'), mq);
    const r3 = await new Promise<SendResult>((resolve, reject) =>
      producer.sendToQueueAsync(new Message('OrdT', 'q-callback'), mq, {
        onSuccess: resolve,
        onException: reject,
      }),
    );
    await producer.sendToQueueOneway(new Message('OrdT', 'q-oneway'), mq);
    const b1 = await producer.sendBatchToQueue(
      [new Message('OrdT', 'b1-0'), new Message('OrdT', 'b1-1')],
      mq,
    );
    const b2 = await producer.sendBatchToQueueAsync(
      [new Message('OrdT', 'b2-0'), new Message('OrdT', 'b2-1')],
      mq,
    );
    for (const r of [r1, r2, r3, b1, b2]) assert.ok(mq.equals(r.messageQueue));
    assert.deepEqual(
      [r1, r2, r3].map((r) => r.queueOffset),
      [start, start + 1n, start + 2n],
    );
    const stored = await readQueue(mq, 8, start);
    assert.deepEqual(
      stored.map((m) => m.body.toString()),
      ['q-sync', 'q-async', 'q-callback', 'q-oneway', 'b1-0', 'b1-1', 'b2-0', 'b2-1'],
    );
    await assert.rejects(producer.sendToQueue(new Message('OrdR', 'x'), mq), QueueTargetError);
  });

  it('async batch (promise and callback) and the batch rules as typed errors in every form', async () => {
    const r = await producer.sendBatchAsync([new Message('OrdT', 'ab-0'), new Message('OrdT', 'ab-1')]);
    assert.equal(r.msgId.split(',').length, 2);
    const viaCallback = await new Promise<SendResult>((resolve, reject) =>
      producer.sendBatchAsync([new Message('OrdT', 'cb-0')], { onSuccess: resolve, onException: reject }),
    );
    assert.equal(viaCallback.sendStatus, 'SEND_OK');
    const timer = (name: string, value: string): Message => {
      const m = new Message('OrdT', 't');
      m.putProperty(name, value);
      return m;
    };
    const bad: [Message[], RegExp][] = [
      [
        [new Message('OrdT', 'x'), new Message('OrdR', 'y')],
        /topic of the messages in one batch should be the same/,
      ],
      [[new Message('OrdT', 'x', { delayTimeLevel: 2 })], /TimeDelayLevel is not supported/],
      [[timer('TIMER_DELIVER_MS', String(Date.now() + 60_000))], /TIMER_DELIVER_MS/],
      [[timer('TIMER_DELAY_SEC', '10')], /TIMER_DELAY_SEC/],
      [[timer('TIMER_DELAY_MS', '10000')], /TIMER_DELAY_MS/],
      [[timer('__STARTDELIVERTIME', String(Date.now() + 60_000))], /__STARTDELIVERTIME/],
      [[new Message('%RETRY%G1', 'x')], /Retry Group is not supported/],
      [[new Message('OrdT', 'x'), new Message('OrdT', 'y', { waitStoreMsgOK: false })], /waitStoreMsgOK/],
    ];
    for (const [messages, pattern] of bad) {
      const typed = (err: unknown): boolean => err instanceof BatchRuleError && pattern.test(err.message);
      await assert.rejects(producer.sendBatchAsync(messages), typed);
      await assert.rejects(producer.sendBatch(messages), typed);
      await assert.rejects(producer.sendBatches(messages), typed);
      const viaCb = await new Promise<unknown>((resolve) =>
        producer.sendBatchAsync(messages, { onSuccess: resolve, onException: resolve }),
      );
      assert.ok(typed(viaCb), String(viaCb));
    }
  });

  it('sendBatches: a long list cut under the size limit, one result per sub-batch, every message stored once', async () => {
    const messages = Array.from({ length: 40 }, (_, i) => new Message('OrdT', Buffer.alloc(6_000, i % 256)));
    const results = await producer.sendBatches(messages, { maxBatchBytes: 50 * 1024 });
    assert.equal(results.length, 5); // 8 messages of ~6 KB per 50 KiB batch
    assert.deepEqual(
      results.flatMap((r) => r.msgId.split(',')),
      messages.map((m) => m.getProperty('UNIQ_KEY')),
    );
    await assert.rejects(producer.sendBatches(messages, { maxBatchBytes: 8 * 1024 * 1024 }), /maxBatchBytes/);
    // A read-only topic: no writable queue in its route, the first sub-batch fails.
    for (const b of cluster.brokers) {
      b.topics.update(makeTopicConfig('OrdRO', { readQueueNums: 1, writeQueueNums: 1, perm: 4 }));
    }
    await waitFor(
      'route of OrdRO',
      async () => (await routeBrokers(cluster.namesrvAddress, 'OrdRO'))?.length === 2 || undefined,
    );
    await assert.rejects(
      producer.sendBatches([new Message('OrdRO', 'x')], { timeoutMillis: 500 }),
      (err: unknown) => err instanceof BatchSendError && err.results.length === 0 && err.failedBatch === 0,
    );
  });
});

describe('rmq send --queue-id / --sharding-key', () => {
  it('--queue-id with --broker-name, and the SendResult line shows queue id and offset', async () => {
    const r = await rmq(
      'send',
      '--namesrv',
      cluster.namesrvAddress,
      '--topic',
      'OrdT',
      '--body',
      'cli',
      '--queue-id',
      '2',
      '--broker-name',
      'broker-b',
      '--count',
      '2',
    );
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 2);
    for (const line of lines) assert.match(line, /brokerName=broker-b, queueId=2\], queueOffset=\d+/);
  });

  it("--sharding-key puts every message on the key's queue; bad combinations are one clear line", async () => {
    const queues = await producer.fetchPublishMessageQueues('OrdT');
    const expected = queues[hashQueueIndex('order-1', queues.length)] as MessageQueue;
    for (const mode of ['sync', 'async']) {
      const r = await rmq(
        'send',
        '--namesrv',
        cluster.namesrvAddress,
        '--topic',
        'OrdT',
        '--body',
        'k',
        '--sharding-key',
        'order-1',
        '--count',
        '3',
        '--mode',
        mode,
      );
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trim().split('\n');
      for (const line of lines) {
        assert.ok(line.includes(`brokerName=${expected.brokerName}, queueId=${expected.queueId}]`), line);
      }
      // One after the other, also in async mode: consecutive offsets in output order.
      const offsets = lines.map((line) => Number(/queueOffset=(\d+)/.exec(line)?.[1]));
      assert.deepEqual(
        offsets,
        [0, 1, 2].map((i) => (offsets[0] as number) + i),
      );
    }
    const ambiguous = await rmq(
      'send',
      '--namesrv',
      cluster.namesrvAddress,
      '--topic',
      'OrdT',
      '--body',
      'x',
      '--queue-id',
      '1',
    );
    assert.equal(ambiguous.code, 1);
    assert.match(ambiguous.stderr, /exists on several brokers .*--broker-name/);
    const both = await rmq(
      'send',
      '--namesrv',
      cluster.namesrvAddress,
      '--topic',
      'OrdT',
      '--body',
      'x',
      '--queue-id',
      '1',
      '--sharding-key',
      'k',
    );
    assert.notEqual(both.code, 0);
    assert.match(both.stderr, /either --queue-id or --sharding-key/);
    const missing = await rmq(
      'send',
      '--namesrv',
      cluster.namesrvAddress,
      '--topic',
      'OrdT',
      '--body',
      'x',
      '--queue-id',
      '9',
      '--broker-name',
      'broker-a',
    );
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no writable queue 9 on broker-a/);
  });
});
