/**
 * Lifecycle and argument edge cases of the producer and the pull consumer over a fake transport: a
 * failed start leaves nothing running, bad timeouts fail fast instead of waiting forever, and what
 * the producer hands out cannot change its own routing state.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientInstance, MessageQueue, Producer, resolveClientConfig } from '../../src/client/index.js';
import { PullConsumer } from '../../src/client/consumer/index.js';
import { instanceCore } from '../../src/client/client-instance.js';
import { producerCore } from '../../src/client/producer/producer.js';
import { IllegalArgumentError, IllegalStateError, MQClientError } from '../../src/common/errors.js';
import { RequestCode } from '../../src/protocol/codes/index.js';
import { FakeRemoting, makeRoute, routeResponse, sendOk, topicNotExist } from './client-fake-remoting.js';

const NS = '127.0.0.1:9876';
const A = '10.0.0.1:10911';

/** Fake transport knowing the routes given; heartbeats and unregistrations succeed, sends answer OK. */
function fakeWith(routes: Record<string, ReturnType<typeof makeRoute>>, hang = false): FakeRemoting {
  const fake = new FakeRemoting();
  fake.handler = (call) => {
    const { code, extFields } = call.request;
    if (code === RequestCode.GET_ROUTEINFO_BY_TOPIC) {
      const r = routes[extFields?.topic ?? ''];
      return r ? routeResponse(r) : topicNotExist(extFields?.topic ?? '');
    }
    if (hang) return 'hang';
    return sendOk(0, 0n);
  };
  return fake;
}

function instanceOver(fake: FakeRemoting, namespace?: string): ClientInstance {
  const client = resolveClientConfig({
    nameServer: NS,
    clientIP: '10.0.0.9',
    instanceName: 'lc',
    ...(namespace !== undefined && { namespace }),
  });
  return new ClientInstance(client, { remoting: fake.asInstanceRemoting() });
}

describe('PullConsumer start failure', () => {
  it('a registerTopics failure leaves the consumer START_FAILED and its instance shut down', async () => {
    const fake = fakeWith({});
    const instance = instanceOver(fake);
    const consumer = new PullConsumer({
      consumerGroup: 'CG',
      nameServer: NS,
      clientInstance: instance,
      registerTopics: ['Missing'],
    });
    await assert.rejects(
      consumer.start(),
      (e: unknown) =>
        e instanceof MQClientError && /Can not find Message Queue for this topic, Missing/.test(e.message),
    );
    assert.equal(consumer.state, 'START_FAILED');
    assert.equal(instance.state, 'SHUTDOWN_ALREADY');
    assert.equal(fake.shutdownCalled, true);
    assert.equal(instanceCore(instance).prepareHeartbeatData().consumerDataSet.length, 0);
    await assert.rejects(consumer.fetchMessageQueues('Missing'), /START_FAILED/);
    await assert.rejects(consumer.start(), /START_FAILED/);
    await consumer.shutdown();
  });

  it('a failed start leaves a shared instance running for its other members', async () => {
    const fake = fakeWith({ T: makeRoute([['broker-a', A, 2]]) });
    const instance = instanceOver(fake);
    const producer = new Producer({ producerGroup: 'PG', nameServer: NS, clientInstance: instance });
    await producer.start();
    const consumer = new PullConsumer({
      consumerGroup: 'CG',
      nameServer: NS,
      clientInstance: instance,
      registerTopics: ['Missing'],
    });
    await assert.rejects(consumer.start(), MQClientError);
    assert.equal(consumer.state, 'START_FAILED');
    assert.equal(instance.state, 'RUNNING');
    assert.equal((await producer.send({ topic: 'T', body: 'x' })).sendStatus, 'SEND_OK');
    await producer.shutdown();
    assert.equal(instance.state, 'SHUTDOWN_ALREADY');
  });
});

describe('timeouts that are not numbers fail fast', () => {
  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, -1]) {
    it(`producer send/sendAsync/sendBatch with timeout ${bad}`, async () => {
      const fake = fakeWith({ T: makeRoute([['broker-a', A, 2]]) }, true);
      const producer = new Producer({
        producerGroup: 'PG',
        nameServer: NS,
        clientInstance: instanceOver(fake),
      });
      await producer.start();
      const isArg = (e: unknown): boolean => e instanceof IllegalArgumentError && /timeout/.test(e.message);
      await assert.rejects(producer.send({ topic: 'T', body: 'x' }, bad), isArg);
      await assert.rejects(producer.sendAsync({ topic: 'T', body: 'x' }, bad), isArg);
      await assert.rejects(producer.sendBatch([{ topic: 'T', body: 'x' }], bad), isArg);
      const viaCallback = await new Promise<unknown>((resolve) =>
        producer.sendAsync({ topic: 'T', body: 'x' }, { onSuccess: resolve, onException: resolve }, bad),
      );
      assert.ok(isArg(viaCallback));
      assert.equal(fake.callsWithCode(RequestCode.SEND_MESSAGE_V2).length, 0);
      await producer.shutdown();
    });
  }

  it('pull consumer pull with a NaN timeout or suspend time', async () => {
    const fake = fakeWith({ T: makeRoute([['broker-a', A, 2]]) }, true);
    const consumer = new PullConsumer({
      consumerGroup: 'CG',
      nameServer: NS,
      clientInstance: instanceOver(fake),
    });
    await consumer.start();
    const mq = new MessageQueue('T', 'broker-a', 0);
    await assert.rejects(consumer.pull(mq, '*', 0n, 1, { timeoutMillis: Number.NaN }), IllegalArgumentError);
    await assert.rejects(consumer.pull(mq, '*', 0n, 1, { suspendMillis: Number.NaN }), IllegalArgumentError);
    assert.equal(fake.callsWithCode(RequestCode.PULL_MESSAGE).length, 0);
    await consumer.shutdown();
  });
});

describe('fetchPublishMessageQueues', () => {
  it('returns copies without the namespace; changing them leaves the producer alone', async () => {
    const fake = fakeWith({ 'ns%T': makeRoute([['broker-a', A, 2]]) });
    const producer = new Producer({
      producerGroup: 'PG',
      nameServer: NS,
      namespace: 'ns',
      clientInstance: instanceOver(fake, 'ns'),
    });
    await producer.start();
    const queues = await producer.fetchPublishMessageQueues('T');
    assert.deepEqual(
      queues.map((q) => q.toString()),
      [0, 1].map((i) => `MessageQueue [topic=T, brokerName=broker-a, queueId=${i}]`),
    );
    queues.length = 0;
    assert.equal(producerCore(producer).publishInfos.get('ns%T')?.messageQueueList.length, 2);
    const r = await producer.send({ topic: 'T', body: 'x' });
    assert.equal(r.messageQueue.topic, 'T');
    await producer.shutdown();
  });
});

describe('producer shutdown', () => {
  it('shutdown twice and a send after it: a state error, no hang', async () => {
    const fake = fakeWith({ T: makeRoute([['broker-a', A, 2]]) });
    const producer = new Producer({
      producerGroup: 'PG',
      nameServer: NS,
      clientInstance: instanceOver(fake),
    });
    await producer.start();
    await Promise.all([producer.shutdown(), producer.shutdown()]);
    await producer.shutdown();
    await assert.rejects(producer.send({ topic: 'T', body: 'x' }), IllegalStateError);
  });
});

describe('async send hooks', () => {
  it('the after-hook sees a failure that is not a transport error (the transport was shut down)', async () => {
    const fake = fakeWith({ T: makeRoute([['broker-a', A, 2]]) });
    const producer = new Producer({
      producerGroup: 'PG',
      nameServer: NS,
      clientInstance: instanceOver(fake),
    });
    await producer.start();
    const seen: string[] = [];
    producer.registerSendMessageHook({
      hookName: 'h',
      sendMessageBefore: () => seen.push('before'),
      sendMessageAfter: (c) => seen.push(`after ${String((c.exception as Error | undefined)?.message)}`),
    });
    const inner = fake.handler;
    fake.handler = (call) => {
      if (call.request.code === RequestCode.SEND_MESSAGE_V2)
        throw new IllegalStateError('remoting client is shut down');
      return inner(call);
    };
    await assert.rejects(producer.sendAsync({ topic: 'T', body: 'x' }), IllegalStateError);
    assert.deepEqual(seen, ['before', 'after remoting client is shut down']);
    await producer.shutdown();
  });
});
