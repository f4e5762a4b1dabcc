/**
 * Sends aimed at one queue over a fake transport: the retry rules of a fixed queue per mode (Java
 * sendKernelImpl and onExceptionImpl without publish info), selector results, the topic check and
 * the namespace applied to the queue's topic.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { ClientInstance, MessageQueue, Producer, resolveClientConfig } from '../../src/client/index.js';
import type { ProducerOptions } from '../../src/client/index.js';
import { QueueSelectionError, QueueTargetError } from '../../src/client/producer/ordered/queue-errors.js';
import {
  hashQueueIndex,
  selectMessageQueueByMachineRoom,
} from '../../src/client/producer/ordered/selectors.js';
import {
  ClientErrorCode,
  MQBrokerError,
  MQClientError,
  RemotingConnectError,
  RemotingTimeoutError,
} from '../../src/common/errors.js';
import { RequestCode, ResponseCode } from '../../src/protocol/codes/index.js';
import { decodeProperties, Message } from '../../src/protocol/message/index.js';
import {
  errorResponse,
  FakeRemoting,
  makeRoute,
  routeResponse,
  sendOk,
  topicNotExist,
} from './client-fake-remoting.js';
import type { Call, Handler } from './client-fake-remoting.js';

const NS = '127.0.0.1:9876';
const A = '10.0.0.1:10911';
const B = '10.0.0.2:10911';
const producers: Producer[] = [];

afterEach(async () => {
  for (const p of producers.splice(0)) await p.shutdown().catch(() => undefined);
});

async function setup(
  options: Partial<ProducerOptions> = {},
  send?: Handler,
): Promise<{ fake: FakeRemoting; producer: Producer; sends: () => Call[] }> {
  const fake = new FakeRemoting();
  const route = makeRoute([
    ['broker-a', A, 2],
    ['broker-b', B, 2],
  ]);
  fake.handler = (call) => {
    const { code, extFields } = call.request;
    if (code === RequestCode.GET_ROUTEINFO_BY_TOPIC) {
      const topic = extFields?.topic ?? '';
      return topic === 'T' || topic === 'ns1%T' ? routeResponse(route) : topicNotExist(topic);
    }
    if (code === RequestCode.HEART_BEAT || code === RequestCode.UNREGISTER_CLIENT) return sendOk(0, 0n);
    if (send) return send(call);
    return sendOk(Number(extFields?.e ?? 0));
  };
  const client = resolveClientConfig({
    nameServer: NS,
    clientIP: '10.0.0.9',
    instanceName: 'unit',
    ...(options.namespace !== undefined && { namespace: options.namespace }),
  });
  const instance = new ClientInstance(client, { remoting: fake.asInstanceRemoting() });
  const producer = new Producer({
    producerGroup: 'PG',
    nameServer: NS,
    clientInstance: instance,
    clock: fake.clock,
    ...options,
  });
  producers.push(producer);
  await producer.start();
  const sends = (): Call[] => fake.calls.filter((c) => [10, 310, 320].includes(c.request.code));
  return { fake, producer, sends };
}

const target = (c: Call | undefined): string => `${c?.addr}#${c?.request.extFields?.e}`;
const qB1 = new MessageQueue('T', 'broker-b', 1);

describe('send to a given queue', () => {
  it('sync: a retriable broker code is not retried, not even on the same queue', async () => {
    const { producer, sends } = await setup({}, () => errorResponse(ResponseCode.SYSTEM_ERROR, 'boom'));
    await assert.rejects(producer.sendToQueue({ topic: 'T', body: 'x' }, qB1), MQBrokerError);
    assert.deepEqual(sends().map(target), [`${B}#1`]);
  });

  it('sync and oneway: a connect failure is the error as is, after one attempt', async () => {
    const { producer, sends } = await setup({}, (call) => {
      throw new RemotingConnectError(call.addr);
    });
    await assert.rejects(producer.sendToQueue({ topic: 'T', body: 'x' }, qB1), RemotingConnectError);
    await assert.rejects(producer.sendToQueueOneway({ topic: 'T', body: 'x' }, qB1), RemotingConnectError);
    assert.deepEqual(
      sends().map((c) => [target(c), c.mode]),
      [
        [`${B}#1`, 'sync'],
        [`${B}#1`, 'oneway'],
      ],
    );
  });

  it('async: unanswered transport failures are retried to the same queue only, then the last error', async () => {
    const { producer, sends } = await setup({ retryTimesWhenSendAsyncFailed: 2 }, (call) => {
      throw new RemotingConnectError(call.addr);
    });
    await assert.rejects(producer.sendToQueueAsync({ topic: 'T', body: 'x' }, qB1), RemotingConnectError);
    const calls = sends();
    assert.deepEqual(calls.map(target), [`${B}#1`, `${B}#1`, `${B}#1`]);
    // Each retry carries the same message.
    assert.equal(new Set(calls.map((c) => decodeProperties(c.request.extFields?.i ?? '').UNIQ_KEY)).size, 1);
  });

  it('async: a timeout that used the budget is final; a broker answer is final; success after a retry', async () => {
    const hang = await setup({ sendMsgTimeout: 100 }, () => 'hang');
    await assert.rejects(
      hang.producer.sendToQueueAsync({ topic: 'T', body: 'x' }, qB1),
      RemotingTimeoutError,
    );
    assert.equal(hang.sends().length, 1);
    const answered = await setup({}, () => errorResponse(ResponseCode.SYSTEM_ERROR, 'x'));
    await assert.rejects(answered.producer.sendToQueueAsync({ topic: 'T', body: 'x' }, qB1), MQBrokerError);
    assert.equal(answered.sends().length, 1);
    let n = 0;
    const flaky = await setup({}, (call) => {
      if (n++ === 0) throw new RemotingConnectError(call.addr);
      return sendOk(Number(call.request.extFields?.e));
    });
    const result = await new Promise<unknown>((resolve, reject) =>
      flaky.producer.sendToQueueAsync({ topic: 'T', body: 'x' }, qB1, {
        onSuccess: resolve,
        onException: reject,
      }),
    );
    assert.deepEqual(flaky.sends().map(target), [`${B}#1`, `${B}#1`]);
    assert.ok(qB1.equals((result as { messageQueue: MessageQueue }).messageQueue));
  });

  it("topic mismatch and a malformed queue are refused before anything is sent (Java's message)", async () => {
    const { producer, sends } = await setup();
    await assert.rejects(
      producer.sendToQueue({ topic: 'Other', body: 'x' }, qB1),
      (err: unknown) =>
        err instanceof QueueTargetError && /message's topic not equal mq's topic/.test(err.message),
    );
    await assert.rejects(
      producer.sendToQueue({ topic: 'T', body: 'x' }, {
        topic: 'T',
        brokerName: 'broker-a',
        queueId: -1,
      } as MessageQueue),
      QueueTargetError,
    );
    assert.equal(sends().length, 0);
  });

  it('a broker without a master address in the route: "The broker[...] not exist" (10003), after a route refresh', async () => {
    const { producer, sends, fake } = await setup();
    const before = fake.callsWithCode(RequestCode.GET_ROUTEINFO_BY_TOPIC).length;
    await assert.rejects(
      producer.sendToQueue({ topic: 'T', body: 'x' }, new MessageQueue('T', 'broker-zz', 0)),
      (err: unknown) =>
        err instanceof MQClientError && err.code === ClientErrorCode.BROKER_NOT_EXIST_EXCEPTION,
    );
    assert.equal(sends().length, 0);
    assert.equal(fake.callsWithCode(RequestCode.GET_ROUTEINFO_BY_TOPIC).length, before + 1);
  });

  it('namespace: the queue of the user topic goes out with the namespaced topic; the result is unwrapped', async () => {
    const { producer, sends } = await setup({ namespace: 'ns1' });
    const [queue] = (await producer.fetchPublishMessageQueues('T')).slice(3);
    assert.equal(queue?.topic, 'T');
    const result = await producer.sendToQueue({ topic: 'T', body: 'x' }, queue as MessageQueue);
    assert.equal(sends()[0]?.request.extFields?.b, 'ns1%T');
    assert.equal(result.messageQueue.topic, 'T');
    assert.equal(result.messageQueue.queueId, queue?.queueId);
  });
});

describe('selector sends', () => {
  it('the selector sees the writable queues and the message without the namespace; its choice is used', async () => {
    const { producer, sends } = await setup({ namespace: 'ns1' });
    let seen: string[] = [];
    let topic = '';
    await producer.sendWithSelector(
      { topic: 'T', body: 'x' },
      (queues, message, arg) => {
        seen = queues.map((q) => `${q.topic}/${q.brokerName}/${q.queueId}`);
        topic = message.topic;
        return queues[arg as number];
      },
      2,
    );
    assert.deepEqual(seen, ['T/broker-a/0', 'T/broker-a/1', 'T/broker-b/0', 'T/broker-b/1']);
    assert.equal(topic, 'T');
    assert.deepEqual(sends().map(target), [`${B}#0`]);
  });

  it('a selector that throws, returns nothing or a queue outside the route: QueueSelectionError, nothing sent', async () => {
    const { producer, sends } = await setup();
    const cases: [Parameters<Producer['sendWithSelector']>[1], string][] = [
      [
        () => {
          throw new Error('mine');
        },
        'threw',
      ],
      [() => undefined, 'returned-nothing'],
      [selectMessageQueueByMachineRoom(), 'returned-nothing'],
      [() => new MessageQueue('T', 'broker-a', 9), 'not-in-route'],
      [() => new MessageQueue('U', 'broker-a', 0), 'not-in-route'],
    ];
    for (const [selector, reason] of cases) {
      await assert.rejects(
        producer.sendWithSelector({ topic: 'T', body: 'x' }, selector, 1),
        (err: unknown) => err instanceof QueueSelectionError && err.reason === reason && !err.retriable,
      );
      await assert.rejects(
        producer.sendWithSelectorAsync({ topic: 'T', body: 'x' }, selector, 1),
        QueueSelectionError,
      );
    }
    assert.equal(sends().length, 0);
  });

  it('sendOrderly: the hash queue of the key and __SHARDINGKEY on the wire, in every mode', async () => {
    const { producer, sends } = await setup();
    const keys = ['order-1', 'order-2', 'user:42', 'a'];
    for (const key of keys) {
      await producer.sendOrderly(new Message('T', 'x'), key);
      await producer.sendOrderlyAsync(new Message('T', 'x'), key);
      await producer.sendOrderlyOneway(new Message('T', 'x'), key);
    }
    const all = ['broker-a#0', 'broker-a#1', 'broker-b#0', 'broker-b#1'];
    const calls = sends();
    keys.forEach((key, i) => {
      const expected = all[hashQueueIndex(key, 4)]?.replace('broker-a', A).replace('broker-b', B);
      for (const c of calls.slice(i * 3, i * 3 + 3)) {
        assert.equal(target(c), expected, key);
        assert.equal(decodeProperties(c.request.extFields?.i ?? '').__SHARDINGKEY, key);
      }
    });
    await assert.rejects(
      producer.sendOrderly(new Message('T', 'x'), ''),
      /sharding key must be a non-empty string/,
    );
  });
});
