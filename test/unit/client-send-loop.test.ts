/**
 * The one send loop across modes, over a fake transport and a fake clock: what the hooks see, the
 * fault items every attempt leaves, the route refresh after a connect failure within what is left of
 * the budget, and the request an async retry re-aims at its new queue.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { ClientInstance, Producer, resolveClientConfig } from '../../src/client/index.js';
import type { ProducerOptions, SendMessageContext } from '../../src/client/index.js';
import { producerCore } from '../../src/client/producer/producer.js';
import { MQBrokerError, RemotingConnectError } from '../../src/common/errors.js';
import { RequestCode, ResponseCode } from '../../src/protocol/codes/index.js';
import { FakeRemoting, errorResponse, makeRoute, routeResponse, sendOk } from './client-fake-remoting.js';
import type { Call } from './client-fake-remoting.js';

const A = '10.0.0.1:10911';
const B = '10.0.0.2:10911';
const producers: Producer[] = [];

afterEach(async () => {
  for (const p of producers.splice(0)) await p.shutdown().catch(() => undefined);
});

async function setup(
  send: (call: Call, fake: FakeRemoting) => ReturnType<FakeRemoting['handler']>,
  options: Partial<ProducerOptions> = {},
): Promise<{ producer: Producer; fake: FakeRemoting; hooks: string[] }> {
  const fake = new FakeRemoting();
  fake.handler = (call) => {
    if (call.request.code === RequestCode.GET_ROUTEINFO_BY_TOPIC) {
      return routeResponse(
        makeRoute([
          ['broker-a', A, 1],
          ['broker-b', B, 1],
        ]),
      );
    }
    if (call.request.code === RequestCode.HEART_BEAT || call.request.code === RequestCode.UNREGISTER_CLIENT)
      return sendOk(0);
    return send(call, fake);
  };
  const client = resolveClientConfig({ nameServer: 'ns:9876', clientIP: '10.0.0.9', instanceName: 'loop' });
  const instance = new ClientInstance(client, { remoting: fake.asInstanceRemoting() });
  const producer = new Producer({
    producerGroup: 'PG',
    clientInstance: instance,
    clock: fake.clock,
    sendLatencyFaultEnable: true,
    ...options,
  });
  producers.push(producer);
  await producer.start();
  const hooks: string[] = [];
  producer.registerSendMessageHook({
    hookName: 'record',
    sendMessageBefore: (c: SendMessageContext) => hooks.push(`before:${c.mq.brokerName}`),
    sendMessageAfter: (c: SendMessageContext) =>
      hooks.push(`after:${c.sendResult?.sendStatus ?? (c.exception as Error)?.constructor.name}`),
  });
  return { producer, fake, hooks };
}

const sends = (fake: FakeRemoting): Call[] => fake.callsWithCode(RequestCode.SEND_MESSAGE_V2);
const brokerOf = (c: Call | undefined): string => (c?.addr === A ? 'broker-a' : 'broker-b');

describe('one send loop', () => {
  it('sync: hooks before and after every attempt; both brokers get a fault item', async () => {
    let n = 0;
    const { producer, fake, hooks } = await setup((call) => {
      if (n++ === 0) throw new RemotingConnectError(call.addr);
      return sendOk(0);
    });
    await producer.send({ topic: 'T', body: 'x' });
    const [first, second] = sends(fake).map(brokerOf);
    assert.deepEqual(hooks, [
      `before:${first}`,
      'after:RemotingConnectError',
      `before:${second}`,
      'after:SEND_OK',
    ]);
    const items = producerCore(producer).faultStrategy.latencyFaultTolerance.faultItems();
    assert.deepEqual(items.map((i) => i.name).sort(), ['broker-a', 'broker-b']);
    assert.ok(items.some((i) => i.name === first && i.startTimestamp > fake.clock.now()));
  });

  it('async: hooks once per call, the after phase with the final error once retries are used up', async () => {
    const { producer, fake, hooks } = await setup(
      (call) => {
        throw new RemotingConnectError(call.addr);
      },
      { retryTimesWhenSendAsyncFailed: 2 },
    );
    await assert.rejects(producer.sendAsync({ topic: 'T', body: 'x' }), RemotingConnectError);
    assert.equal(sends(fake).length, 3);
    assert.equal(hooks.length, 2);
    assert.match(hooks[0] ?? '', /^before:broker-/);
    assert.equal(hooks[1], 'after:RemotingConnectError');
  });

  it('async: a retry re-aims the first request (queue, broker name, born time) and keeps its properties', async () => {
    let n = 0;
    const { producer, fake } = await setup((call, f) => {
      f.clock.t += 5;
      if (n++ === 0) throw new RemotingConnectError(call.addr);
      return sendOk(0);
    });
    const r = await producer.sendAsync({ topic: 'T', body: 'x', tags: 'tag' });
    const [first, retry] = sends(fake);
    assert.notEqual(first?.addr, retry?.addr);
    assert.equal(retry?.request.extFields?.n, brokerOf(retry));
    assert.equal(retry?.request.extFields?.e, '0');
    assert.equal(retry?.request.extFields?.i, first?.request.extFields?.i);
    assert.equal(r.messageQueue.brokerName, brokerOf(retry));
    assert.ok(Number(retry?.request.extFields?.g) >= Number(first?.request.extFields?.g));
  });

  it('async: a broker answer is final, even a retriable code; the after hook sees it', async () => {
    const { producer, fake, hooks } = await setup(() => errorResponse(ResponseCode.SYSTEM_BUSY, 'busy'));
    await assert.rejects(producer.sendAsync({ topic: 'T', body: 'x' }), MQBrokerError);
    assert.equal(sends(fake).length, 1);
    assert.equal(hooks[1], 'after:MQBrokerError');
  });

  it('a connect failure refreshes the route with what is left of the budget', async () => {
    let n = 0;
    const { producer, fake } = await setup(
      (call, f) => {
        f.clock.t += 400;
        if (n++ === 0) throw new RemotingConnectError(call.addr);
        return sendOk(0);
      },
      { sendMsgTimeout: 1000 },
    );
    fake.calls.length = 0;
    await producer.send({ topic: 'T', body: 'x' });
    // the first lookup of T (mqClientApiTimeout), then the refresh after the connect failure with
    // what the fake clock leaves of the budget (600 ms). The name-server call takes its own deadline
    // from the real clock (as Java's does), so a busy machine may show a millisecond or two less.
    const lookups = fake.callsWithCode(RequestCode.GET_ROUTEINFO_BY_TOPIC);
    assert.deepEqual(
      lookups.map((c) => c.request.extFields?.topic),
      ['T', 'T'],
    );
    const [first, refresh] = lookups.map((c) => c.timeout);
    assert.ok(first! <= 3000 && first! > 2900, `first lookup ${first}`);
    assert.ok(refresh! <= 600 && refresh! > 500, `refresh ${refresh}`);
    assert.deepEqual(
      sends(fake).map((c) => c.timeout),
      [1000, 600],
    );
  });
});
