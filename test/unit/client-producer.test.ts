import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { afterEach, describe, it } from 'node:test';
import {
  ClientInstance,
  MessageQueue,
  Producer,
  resolveClientConfig,
  SendResult,
  SendStatus,
} from '../../src/client/index.js';
import { instanceCore } from '../../src/client/client-instance.js';
import type { ProducerOptions, SendMessageContext } from '../../src/client/index.js';
import {
  ClientErrorCode,
  IllegalStateError,
  MQBrokerError,
  MQClientError,
  RemotingConnectError,
  RemotingTimeoutError,
  RemotingTooMuchRequestError,
} from '../../src/common/errors.js';
import { RequestCode, ResponseCode } from '../../src/protocol/codes/index.js';
import { decodeProperties, Message } from '../../src/protocol/message/index.js';
import {
  FakeRemoting,
  errorResponse,
  makeRoute,
  routeResponse,
  sendOk,
  topicNotExist,
} from './client-fake-remoting.js';
import type { Call } from './client-fake-remoting.js';

const NS = '127.0.0.1:9876';
const A = '10.0.0.1:10911';
const B = '10.0.0.2:10911';
const producers: Producer[] = [];

afterEach(async () => {
  for (const p of producers.splice(0)) await p.shutdown().catch(() => undefined);
});

interface Setup {
  fake: FakeRemoting;
  producer: Producer;
  sends: () => Call[];
}

/** Producer over a fake transport; `send` answers broker requests (default: SEND_OK on the asked queue). */
async function setup(
  options: Partial<ProducerOptions> = {},
  send?: (call: Call) => ReturnType<FakeRemoting['handler']>,
  routes: Record<string, ReturnType<typeof makeRoute>> = {
    T: makeRoute([
      ['broker-a', A, 2],
      ['broker-b', B, 2],
    ]),
  },
): Promise<Setup> {
  const fake = new FakeRemoting();
  fake.handler = (call) => {
    const { code, extFields } = call.request;
    if (code === RequestCode.GET_ROUTEINFO_BY_TOPIC) {
      const r = routes[extFields?.topic ?? ''];
      return r ? routeResponse(r) : topicNotExist(extFields?.topic ?? '');
    }
    if (code === RequestCode.HEART_BEAT || code === RequestCode.UNREGISTER_CLIENT) return sendOk(0, 0n);
    if (send) return send(call);
    return sendOk(Number(extFields?.e ?? extFields?.queueId ?? 0));
  };
  const client = resolveClientConfig({
    nameServer: NS,
    clientIP: '10.0.0.9',
    instanceName: 'unit',
    ...(options.namespace !== undefined && { namespace: options.namespace }),
  });
  const instance = new ClientInstance(client, { remoting: fake.asInstanceRemoting() });
  // The fake's clock drives the send budget: a hanging call moves it, no real time passes.
  const producer = new Producer({
    producerGroup: 'PG',
    nameServer: NS,
    clientInstance: instance,
    clock: fake.clock,
    ...options,
  });
  producers.push(producer);
  await producer.start();
  const sends = (): Call[] => fake.calls.filter((c) => [10, 310, 320, 324, 325].includes(c.request.code));
  return { fake, producer, sends };
}

const brokerOf = (c: Call): string => (c.addr === A ? 'broker-a' : 'broker-b');

describe('Producer sync send', () => {
  it('sends SEND_MESSAGE_V2 with the V2 header and returns a SendResult', async () => {
    const { producer, sends } = await setup();
    const msg = new Message('T', 'hello', { tags: 'TagA', keys: ['k1', 'k2'], properties: { a: '1' } });
    const result = await producer.send(msg);
    const [call] = sends();
    assert.ok(call);
    assert.equal(call.request.code, RequestCode.SEND_MESSAGE_V2);
    const h = call.request.extFields ?? {};
    assert.equal(h.a, 'PG');
    assert.equal(h.b, 'T');
    assert.equal(h.c, 'TBW102');
    assert.equal(h.d, '4');
    assert.equal(h.f, '0');
    assert.equal(h.h, '0');
    assert.equal(h.j, '0');
    assert.equal(h.k, 'false');
    assert.equal(h.m, 'false');
    assert.equal(h.n, brokerOf(call));
    assert.equal(call.request.body?.toString(), 'hello');
    const props = decodeProperties(h.i ?? '');
    assert.equal(props.TAGS, 'TagA');
    assert.equal(props.KEYS, 'k1 k2');
    assert.equal(props.WAIT, 'true');
    assert.equal(props.a, '1');
    assert.match(props.UNIQ_KEY ?? '', /^[0-9A-F]{32}$/);
    assert.equal(msg.getProperty('UNIQ_KEY'), props.UNIQ_KEY);
    assert.ok(result instanceof SendResult);
    assert.equal(result.sendStatus, SendStatus.SEND_OK);
    assert.equal(result.msgId, props.UNIQ_KEY);
    assert.equal(result.offsetMsgId, '0A00000100002A9F0000000000000400');
    assert.equal(result.queueOffset, 7n);
    assert.equal(result.messageQueue.brokerName, brokerOf(call));
    assert.equal(result.messageQueue.queueId, Number(h.e));
    assert.equal(
      result.toString(),
      `SendResult [sendStatus=SEND_OK, msgId=${props.UNIQ_KEY}, offsetMsgId=0A00000100002A9F0000000000000400, ` +
        `messageQueue=MessageQueue [topic=T, brokerName=${brokerOf(call)}, queueId=${h.e}], queueOffset=7, ` +
        'regionId=DefaultRegion, traceOn=true]',
    );
  });

  it('sendSmartMsg=false sends SEND_MESSAGE with Java field names', async () => {
    const { producer, sends } = await setup({ sendSmartMsg: false });
    await producer.send({ topic: 'T', body: 'x' });
    const h = sends()[0]?.request.extFields ?? {};
    assert.equal(sends()[0]?.request.code, RequestCode.SEND_MESSAGE);
    assert.equal(h.producerGroup, 'PG');
    assert.equal(h.topic, 'T');
    assert.equal(h.defaultTopic, 'TBW102');
    assert.equal(h.batch, 'false');
    assert.equal(h.a, undefined);
  });

  it('retries a retriable broker code on the other broker, keeping UNIQ_KEY', async () => {
    let first: string | undefined;
    const { producer, sends } = await setup({}, (call) => {
      first ??= call.addr;
      return call.addr === first
        ? errorResponse(ResponseCode.SYSTEM_ERROR, 'boom')
        : sendOk(Number(call.request.extFields?.e));
    });
    const result = await producer.send({ topic: 'T', body: 'x' });
    const calls = sends();
    assert.equal(calls.length, 2);
    assert.notEqual(calls[0]?.addr, calls[1]?.addr);
    const k0 = decodeProperties(calls[0]?.request.extFields?.i ?? '').UNIQ_KEY;
    const k1 = decodeProperties(calls[1]?.request.extFields?.i ?? '').UNIQ_KEY;
    assert.ok(k0);
    assert.equal(k0, k1);
    assert.equal(result.msgId, k0);
    assert.equal(result.messageQueue.brokerName, brokerOf(calls[1] as Call));
  });

  for (const code of [17, 14, 1, 16, 204, 205]) {
    it(`broker code ${code} is retried`, async () => {
      let n = 0;
      const { producer, sends } = await setup({}, () => (n++ === 0 ? errorResponse(code, 'x') : sendOk(0)));
      await producer.send({ topic: 'T', body: 'x' });
      assert.equal(sends().length, 2);
    });
  }

  it('a non-retriable broker code fails at once with MQBrokerError', async () => {
    const { producer, sends } = await setup({}, () => errorResponse(ResponseCode.MESSAGE_ILLEGAL, 'bad'));
    await assert.rejects(producer.send({ topic: 'T', body: 'x' }), (err: unknown) => {
      assert.ok(err instanceof MQBrokerError);
      assert.equal(err.code, 13);
      assert.equal(err.remark, 'bad');
      return true;
    });
    assert.equal(sends().length, 1);
  });

  it('after 1 + retryTimesWhenSendFailed connect failures: "Send [3] times" with code 10001 and a route refresh', async () => {
    const { producer, sends, fake } = await setup({}, (call) => {
      throw new RemotingConnectError(call.addr);
    });
    await assert.rejects(producer.send({ topic: 'T', body: 'x' }), (err: unknown) => {
      assert.ok(err instanceof MQClientError);
      assert.equal(err.code, ClientErrorCode.CONNECT_BROKER_EXCEPTION);
      assert.match(
        err.message,
        /^Send \[3\] times, still failed, cost \[\d+\]ms, Topic: T, BrokersSent: \[broker-., broker-., broker-.\]/,
      );
      assert.ok(err.cause instanceof RemotingConnectError);
      return true;
    });
    const brokers = sends().map(brokerOf);
    assert.equal(brokers.length, 3);
    assert.notEqual(brokers[0], brokers[1]);
    assert.notEqual(brokers[1], brokers[2]);
    // one lookup at first use + one refresh per connect failure
    assert.equal(fake.callsWithCode(RequestCode.GET_ROUTEINFO_BY_TOPIC).length, 4);
  });

  it('one timeout budget: a hanging broker uses it all, then "sendDefaultImpl call timeout"', async () => {
    const { producer, sends, fake } = await setup({ sendMsgTimeout: 200 }, () => 'hang');
    // The timeout is reported 1 ms after the deadline (a timer never fires early): the next attempt
    // finds the budget overrun (Java: timeout < costTime) and the call ends without another request.
    fake.timeoutLateness = 1;
    const t0 = fake.clock.now();
    await assert.rejects(producer.send({ topic: 'T', body: 'x' }), (err: unknown) => {
      assert.ok(err instanceof RemotingTooMuchRequestError, String(err));
      assert.match(
        err.message,
        /^sendDefaultImpl call timeout: 201ms of the 200ms budget used after 1 attempt/,
      );
      assert.ok(err.cause instanceof RemotingTimeoutError);
      return true;
    });
    assert.deepEqual(
      sends().map((c) => [c.timeout, c.at - t0]),
      [[200, 0]],
    );
  });

  it('the route lookup counts against the budget', async () => {
    const { producer, sends, fake } = await setup({ sendMsgTimeout: 200 }, () => 'hang');
    const answer = fake.handler;
    fake.handler = (call) => {
      if (call.request.code === RequestCode.GET_ROUTEINFO_BY_TOPIC) fake.clock.t += 30;
      return answer(call);
    };
    fake.timeoutLateness = 1;
    await assert.rejects(producer.send({ topic: 'T', body: 'x' }), RemotingTooMuchRequestError);
    assert.deepEqual(
      sends().map((c) => c.timeout),
      [170],
    );
  });

  it('a timeout reported exactly at the deadline: the remaining attempts get 0 ms, then "Send [3] times"', async () => {
    // Java: costTime == timeout is not "timeout < costTime", so sendKernelImpl runs with 0 ms left and
    // the invocation itself times out; the last error decides the code (ACCESS_BROKER_TIMEOUT).
    const { producer, sends, fake } = await setup({ sendMsgTimeout: 200 }, () => 'hang');
    await assert.rejects(producer.send({ topic: 'T', body: 'x' }), (err: unknown) => {
      assert.ok(err instanceof MQClientError, String(err));
      assert.equal(err.code, ClientErrorCode.ACCESS_BROKER_TIMEOUT);
      assert.match(err.message, /^Send \[3\] times, still failed, cost \[200\]ms, Topic: T, BrokersSent: \[/);
      assert.ok(err.cause instanceof RemotingTimeoutError);
      return true;
    });
    const calls = sends();
    assert.deepEqual(
      calls.map((c) => c.timeout),
      [200, 0, 0],
    );
    assert.notEqual(calls[0]?.addr, calls[1]?.addr);
    assert.notEqual(calls[1]?.addr, calls[2]?.addr);
    assert.equal(fake.clock.now() - (calls[0]?.at ?? 0), 200);
  });

  it('a before-hook that overruns the budget: "sendKernelImpl call timeout", then "sendDefaultImpl call timeout"', async () => {
    const { producer, sends, fake } = await setup({ sendMsgTimeout: 200 });
    const seen: unknown[] = [];
    producer.registerSendMessageHook({
      hookName: 'slow',
      sendMessageBefore: () => {
        fake.clock.t += 201;
      },
      sendMessageAfter: (c) => seen.push(c.exception),
    });
    await assert.rejects(producer.send({ topic: 'T', body: 'x' }), (err: unknown) => {
      assert.ok(err instanceof RemotingTooMuchRequestError, String(err));
      assert.match(
        err.message,
        /^sendDefaultImpl call timeout: 201ms of the 200ms budget used after 1 attempt/,
      );
      return true;
    });
    assert.equal(sends().length, 0);
    assert.equal(seen.length, 1);
    assert.ok(seen[0] instanceof RemotingTooMuchRequestError);
    assert.equal((seen[0] as Error).message, 'sendKernelImpl call timeout');
  });

  it('sendMsgMaxTimeoutPerRequest caps every attempt but the last, which gets the rest of the budget', async () => {
    let n = 0;
    const { producer, sends } = await setup({ sendMsgTimeout: 2000, sendMsgMaxTimeoutPerRequest: 100 }, () =>
      n++ < 2 ? 'hang' : sendOk(0),
    );
    const result = await producer.send({ topic: 'T', body: 'x' });
    assert.equal(result.sendStatus, 'SEND_OK');
    assert.deepEqual(
      sends().map((c) => c.timeout),
      [100, 100, 1800],
    );
  });

  it('FLUSH_DISK_TIMEOUT is a result; retried elsewhere only with retryAnotherBrokerWhenNotStoreOK', async () => {
    const s1 = await setup({}, () => sendOk(0, 1n, ResponseCode.FLUSH_DISK_TIMEOUT));
    assert.equal((await s1.producer.send({ topic: 'T', body: 'x' })).sendStatus, 'FLUSH_DISK_TIMEOUT');
    assert.equal(s1.sends().length, 1);
    const s2 = await setup({ retryAnotherBrokerWhenNotStoreOK: true }, () =>
      sendOk(0, 1n, ResponseCode.SLAVE_NOT_AVAILABLE),
    );
    assert.equal((await s2.producer.send({ topic: 'T', body: 'x' })).sendStatus, 'SLAVE_NOT_AVAILABLE');
    assert.equal(s2.sends().length, 3);
    const s3 = await setup({}, () => sendOk(0, 1n, ResponseCode.FLUSH_SLAVE_TIMEOUT));
    assert.equal((await s3.producer.send({ topic: 'T', body: 'x' })).sendStatus, 'FLUSH_SLAVE_TIMEOUT');
  });

  it('compresses bodies of at least 4096 bytes with zlib (sysFlag 0x301), the caller body untouched', async () => {
    const { producer, sends } = await setup();
    const body = Buffer.alloc(5000, 'abcdefgh');
    const msg = new Message('T', body);
    await producer.send(msg);
    const call = sends()[0] as Call;
    assert.equal(call.request.extFields?.f, String(0x301));
    assert.deepEqual(inflateSync(call.request.body as Buffer), body);
    assert.equal(call.request.body?.subarray(0, 2).toString('hex'), '785e');
    assert.equal(msg.body, body);
    await producer.send(new Message('T', Buffer.alloc(4095, 1)));
    assert.equal(sends()[1]?.request.extFields?.f, '0');
  });

  it('TRAN_MSG=true sets the prepared sysFlag; %RETRY% topics move reconsume fields into the header', async () => {
    const { producer, sends } = await setup({}, undefined, {
      '%RETRY%G': makeRoute([['broker-a', A, 1]]),
      T: makeRoute([['broker-a', A, 1]]),
    });
    const tx = new Message('T', 'x');
    tx.putProperty('TRAN_MSG', 'true');
    await producer.send(tx);
    assert.equal(sends()[0]?.request.extFields?.f, '4');
    const retry = new Message('%RETRY%G', 'x');
    retry.putProperty('RECONSUME_TIME', '3');
    retry.putProperty('MAX_RECONSUME_TIMES', '16');
    await producer.send(retry);
    const h = sends()[1]?.request.extFields ?? {};
    assert.equal(h.j, '3');
    assert.equal(h.l, '16');
    assert.equal(decodeProperties(h.i ?? '').RECONSUME_TIME, '3');
    assert.equal(retry.getProperty('RECONSUME_TIME'), undefined);
  });

  it('namespace: topic and group wrapped on the wire, INSTANCE_ID set, result topic unwrapped', async () => {
    const { producer, sends } = await setup({ namespace: 'ns1' }, undefined, {
      'ns1%T': makeRoute([['broker-a', A, 1]]),
    });
    const result = await producer.send({ topic: 'T', body: 'x' });
    const h = sends()[0]?.request.extFields ?? {};
    assert.equal(h.a, 'ns1%PG');
    assert.equal(h.b, 'ns1%T');
    assert.equal(decodeProperties(h.i ?? '').INSTANCE_ID, 'ns1');
    assert.equal(result.messageQueue.topic, 'T');
  });

  it('TBW102 fallback: unknown topic uses the template route clamped to defaultTopicQueueNums', async () => {
    const { producer, sends, fake } = await setup({ defaultTopicQueueNums: 3 }, undefined, {
      TBW102: makeRoute([['broker-a', A, 8]]),
    });
    const queues = new Set<number>();
    for (let i = 0; i < 6; i++)
      queues.add((await producer.send({ topic: 'NewTopic', body: 'x' })).messageQueue.queueId);
    assert.deepEqual([...queues].sort(), [0, 1, 2]);
    assert.equal(sends()[0]?.request.extFields?.b, 'NewTopic');
    const lookups = fake
      .callsWithCode(RequestCode.GET_ROUTEINFO_BY_TOPIC)
      .map((c) => c.request.extFields?.topic);
    assert.deepEqual(lookups.slice(0, 2), ['NewTopic', 'TBW102']);
  });

  it('no route and no template: "No route info of this topic" with code 10005', async () => {
    const { producer } = await setup({}, undefined, {});
    await assert.rejects(producer.send({ topic: 'Nope', body: 'x' }), (err: unknown) => {
      assert.ok(err instanceof MQClientError);
      assert.equal(err.code, ClientErrorCode.NOT_FOUND_TOPIC_EXCEPTION);
      assert.match(err.message, /^No route info of this topic: Nope/);
      return true;
    });
  });

  it('concurrent first sends share one route lookup', async () => {
    const { producer, fake } = await setup();
    await Promise.all([1, 2, 3, 4].map(() => producer.send({ topic: 'T', body: 'x' })));
    assert.equal(
      fake.callsWithCode(RequestCode.GET_ROUTEINFO_BY_TOPIC).filter((c) => c.request.extFields?.topic === 'T')
        .length,
      1,
    );
  });
});

describe('Producer hooks', () => {
  it('send hooks see before/after with the context; after carries the exception on failure', async () => {
    const seen: string[] = [];
    let ctx: SendMessageContext | undefined;
    let fail = false;
    const { producer } = await setup({ retryTimesWhenSendFailed: 0 }, (call) =>
      fail ? errorResponse(ResponseCode.MESSAGE_ILLEGAL, 'no') : sendOk(Number(call.request.extFields?.e)),
    );
    producer.registerSendMessageHook({
      hookName: 'h',
      sendMessageBefore: (c) => {
        seen.push(`before:${c.mq.topic}:${c.communicationMode}:${c.msgType}`);
        c.props.set('x', 1);
      },
      sendMessageAfter: (c) => {
        seen.push(
          `after:${c.sendResult?.sendStatus ?? 'none'}:${c.exception instanceof MQBrokerError ? 'err' : 'ok'}`,
        );
        ctx = c;
        throw new Error('hooks must not break sends');
      },
    });
    const msg = new Message('T', 'x', { delayTimeLevel: 2 });
    await producer.send(msg);
    assert.deepEqual(seen, ['before:T:SYNC:Delay_Msg', 'after:SEND_OK:ok']);
    assert.equal(ctx?.producerGroup, 'PG');
    assert.equal(ctx?.message, msg);
    assert.equal(ctx?.bornHost, '10.0.0.9');
    assert.ok(ctx?.brokerAddr === A || ctx?.brokerAddr === B);
    assert.equal(ctx?.props.get('x'), 1);
    fail = true;
    await assert.rejects(producer.send({ topic: 'T', body: 'x' }), MQBrokerError);
    assert.deepEqual(seen.slice(2), ['before:T:SYNC:Normal_Msg', 'after:none:err']);
  });

  it('a check-forbidden hook vetoes the send', async () => {
    const { producer, sends } = await setup();
    producer.registerCheckForbiddenHook({
      hookName: 'deny',
      checkForbidden: (c) => {
        if (c.message.tags === 'secret')
          throw new Error(`forbidden on ${c.mq.brokerName} by group ${c.group}`);
      },
    });
    await assert.rejects(
      producer.send({ topic: 'T', body: 'x', tags: 'secret' }),
      /forbidden on broker-. by group PG/,
    );
    assert.equal(sends().length, 0);
    await producer.send({ topic: 'T', body: 'x', tags: 'public' });
    assert.equal(sends().length, 1);
  });
});

describe('Producer async and oneway', () => {
  it('promise and callback forms', async () => {
    const { producer, sends } = await setup();
    const r = await producer.sendAsync({ topic: 'T', body: 'x' });
    assert.equal(r.sendStatus, 'SEND_OK');
    assert.equal(sends()[0]?.mode, 'async');
    const viaCallback = await new Promise<SendResult>((resolve, reject) =>
      producer.sendAsync({ topic: 'T', body: 'y' }, { onSuccess: resolve, onException: reject }),
    );
    assert.ok(viaCallback.messageQueue instanceof MessageQueue);
  });

  it('transport failures are retried on another broker from the completion path', async () => {
    let first: string | undefined;
    const { producer, sends } = await setup({}, (call) => {
      first ??= call.addr;
      if (call.addr === first) throw new RemotingConnectError(call.addr);
      return sendOk(Number(call.request.extFields?.e));
    });
    const r = await producer.sendAsync({ topic: 'T', body: 'x' });
    const calls = sends();
    assert.equal(calls.length, 2);
    assert.notEqual(calls[1]?.addr, first);
    assert.equal(calls[1]?.request.extFields?.n, r.messageQueue.brokerName);
    assert.equal(calls[0]?.request.extFields?.i, calls[1]?.request.extFields?.i);
  });

  it('async gives up after retryTimesWhenSendAsyncFailed retries; broker errors are not retried', async () => {
    const s1 = await setup({ retryTimesWhenSendAsyncFailed: 1 }, (call) => {
      throw new RemotingConnectError(call.addr);
    });
    const err = await new Promise<unknown>((resolve) =>
      s1.producer.sendAsync(
        { topic: 'T', body: 'x' },
        { onSuccess: () => resolve(undefined), onException: resolve },
      ),
    );
    assert.ok(err instanceof RemotingConnectError);
    assert.equal(s1.sends().length, 2);
    const s2 = await setup({}, () => errorResponse(ResponseCode.SYSTEM_ERROR, 'x'));
    await assert.rejects(s2.producer.sendAsync({ topic: 'T', body: 'x' }), MQBrokerError);
    assert.equal(s2.sends().length, 1);
  });

  it('async retries share the one budget: a retry gets what is left, none once it is used up', async () => {
    let n = 0;
    const s1: Setup = await setup({ sendMsgTimeout: 1000 }, (call) => {
      if (n++ > 0) return sendOk(Number(call.request.extFields?.e));
      s1.fake.clock.t += 100;
      throw new RemotingConnectError(call.addr);
    });
    assert.equal((await s1.producer.sendAsync({ topic: 'T', body: 'x' })).sendStatus, 'SEND_OK');
    assert.deepEqual(
      s1.sends().map((c) => c.timeout),
      [1000, 900],
    );
    const s2 = await setup({ sendMsgTimeout: 1000 }, () => 'hang');
    await assert.rejects(s2.producer.sendAsync({ topic: 'T', body: 'x' }), RemotingTimeoutError);
    assert.deepEqual(
      s2.sends().map((c) => c.timeout),
      [1000],
    );
  });

  it('oneway: one request with the oneway mode, no retry', async () => {
    const s1 = await setup();
    assert.equal(await s1.producer.sendOneway({ topic: 'T', body: 'x' }), undefined);
    assert.equal(s1.sends()[0]?.mode, 'oneway');
    const s2 = await setup({}, (call) => {
      throw new RemotingConnectError(call.addr);
    });
    await assert.rejects(
      s2.producer.sendOneway({ topic: 'T', body: 'x' }),
      /^MQClientError|Send \[1\] times/,
    );
    assert.equal(s2.sends().length, 1);
  });
});

describe('Producer batch', () => {
  it('sends SEND_BATCH_MESSAGE with the V2 header and joined msgIds', async () => {
    const { producer, sends } = await setup({ sendSmartMsg: false });
    const msgs = [new Message('T', 'm1', { tags: 'A' }), new Message('T', 'm2')];
    const r = await producer.sendBatch(msgs);
    const call = sends()[0] as Call;
    assert.equal(call.request.code, RequestCode.SEND_BATCH_MESSAGE);
    assert.equal(call.request.extFields?.m, 'true');
    assert.equal(call.request.extFields?.f, '0');
    const ids = msgs.map((m) => m.getProperty('UNIQ_KEY'));
    assert.equal(r.msgId, ids.join(','));
    // entry 1: TOTALSIZE, magic 0, crc 0, flag 0, body length 2, "m1"
    assert.equal(call.request.body?.subarray(16, 22).toString('hex'), '000000026d31');
  });

  it('refuses mixed topics, delay levels and retry topics', async () => {
    const { producer } = await setup();
    await assert.rejects(
      producer.sendBatch([new Message('T', 'a'), new Message('U', 'b')]),
      /should be the same/,
    );
    await assert.rejects(
      producer.sendBatch([new Message('T', 'a', { delayTimeLevel: 1 })]),
      /TimeDelayLevel/,
    );
    await assert.rejects(producer.sendBatch([new Message('%RETRY%G', 'a')]), /Retry Group/);
    await assert.rejects(producer.sendBatch([]), /empty/);
  });
});

describe('Producer lifecycle', () => {
  it('state errors: before start, start twice, after shutdown; shutdown unregisters', async () => {
    const fake = new FakeRemoting();
    fake.handler = () => sendOk(0);
    const client = resolveClientConfig({ nameServer: NS, clientIP: '10.0.0.9', instanceName: 'life' });
    const instance = new ClientInstance(client, { remoting: fake.asInstanceRemoting() });
    const p = new Producer({ producerGroup: 'PG', nameServer: NS, clientInstance: instance });
    await assert.rejects(
      p.send({ topic: 'T', body: 'x' }),
      (e: unknown) =>
        e instanceof IllegalStateError && /CREATE_JUST \(call start\(\) first\)/.test(e.message),
    );
    await p.start();
    await assert.rejects(
      p.start(),
      (e: unknown) => e instanceof IllegalStateError && /RUNNING/.test(e.message),
    );
    instanceCore(instance).brokerAddresses.set('broker-a', new Map([[0, A]]));
    await p.shutdown();
    assert.equal(p.state, 'SHUTDOWN_ALREADY');
    const unreg = fake.callsWithCode(RequestCode.UNREGISTER_CLIENT);
    assert.equal(unreg.length, 1);
    assert.equal(unreg[0]?.request.extFields?.producerGroup, 'PG');
    assert.equal(unreg[0]?.request.extFields?.clientID, '10.0.0.9@life');
    assert.equal(fake.shutdownCalled, true);
    await assert.rejects(p.sendOneway({ topic: 'T', body: 'x' }), /SHUTDOWN_ALREADY/);
    await p.shutdown();
  });

  it('two producers of one group cannot share an instance', async () => {
    const fake = new FakeRemoting();
    const client = resolveClientConfig({ nameServer: NS, clientIP: '10.0.0.9', instanceName: 'dup' });
    const instance = new ClientInstance(client, { remoting: fake.asInstanceRemoting() });
    const p1 = new Producer({ producerGroup: 'PG', clientInstance: instance });
    const p2 = new Producer({ producerGroup: 'PG', clientInstance: instance });
    await p1.start();
    await assert.rejects(p2.start(), /has been created before/);
    await p1.shutdown();
    assert.equal(instance.state, 'SHUTDOWN_ALREADY');
  });
});
