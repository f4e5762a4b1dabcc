/**
 * Producer.request and replies over a fake transport: the request's path (route, heartbeat, then the
 * async send, as Java's prepareSendRequest), how a reply message is sent (SEND_REPLY_MESSAGE_V2 with
 * the V2 header, or SEND_REPLY_MESSAGE with V1 keys when sendSmartMsg is off), and the error forms.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { ClientInstance, Producer, createReplyMessage, resolveClientConfig } from '../../src/client/index.js';
import type { ProducerOptions } from '../../src/client/index.js';
import { instanceCore } from '../../src/client/client-instance.js';
import { IllegalStateError, MQBrokerError, MQClientError } from '../../src/common/errors.js';
import { RequestCode, ResponseCode } from '../../src/protocol/codes/index.js';
import { Message, MessageConst, decodeProperties } from '../../src/protocol/message/index.js';
import type { MessageExt } from '../../src/protocol/message/index.js';
import {
  FakeRemoting,
  errorResponse,
  makeRoute,
  routeResponse,
  sendOk,
  topicNotExist,
} from './client-fake-remoting.js';

const NS = '127.0.0.1:9876';
const A = '10.0.0.1:10911';
const producers: Producer[] = [];

afterEach(async () => {
  for (const p of producers.splice(0)) await p.shutdown().catch(() => undefined);
});

async function setup(options: Partial<ProducerOptions> = {}, sendAnswer = () => sendOk(0)) {
  const fake = new FakeRemoting();
  const routes: Record<string, ReturnType<typeof makeRoute>> = {
    T: makeRoute([['broker-a', A, 1]]),
    DefaultCluster_REPLY_TOPIC: makeRoute([['broker-a', A, 1]]),
  };
  fake.handler = (call) => {
    const { code, extFields } = call.request;
    if (code === RequestCode.GET_ROUTEINFO_BY_TOPIC) {
      const r = routes[extFields?.topic ?? ''];
      return r ? routeResponse(r) : topicNotExist(extFields?.topic ?? '');
    }
    if (code === RequestCode.HEART_BEAT || code === RequestCode.UNREGISTER_CLIENT) return sendOk(0, 0n);
    return sendAnswer();
  };
  const client = resolveClientConfig({ nameServer: NS, clientIP: '10.0.0.9', instanceName: 'rr' });
  const instance = new ClientInstance(client, { remoting: fake.asInstanceRemoting() });
  const producer = new Producer({
    producerGroup: 'PG',
    nameServer: NS,
    clientInstance: instance,
    ...options,
  });
  producers.push(producer);
  await producer.start();
  return { fake, producer, table: instanceCore(instance).requestFutures };
}

const settle = () => new Promise((r) => setTimeout(r, 5));

describe('Producer.request over a fake transport', () => {
  it('route, then a heartbeat, then SEND_MESSAGE_V2 carrying the request properties; the reply resolves it', async () => {
    const { fake, producer, table } = await setup();
    fake.calls.length = 0;
    const pending = producer.request({ topic: 'T', body: 'ping' }, 4000);
    await settle();
    const codes = fake.calls.map((c) => c.request.code);
    const send = codes.indexOf(RequestCode.SEND_MESSAGE_V2);
    assert.ok(codes.indexOf(RequestCode.GET_ROUTEINFO_BY_TOPIC) < codes.indexOf(RequestCode.HEART_BEAT));
    assert.ok(codes.indexOf(RequestCode.HEART_BEAT) < send);
    const props = decodeProperties(fake.calls[send]!.request.extFields?.i ?? '');
    assert.equal(props.REPLY_TO_CLIENT, '10.0.0.9@rr');
    assert.equal(props.TTL, '4000');
    const id = props.CORRELATION_ID!;
    assert.equal(table.size, 1);
    table.complete(id, {
      properties: { CORRELATION_ID: id },
      body: Buffer.from('pong'),
    } as unknown as MessageExt);
    assert.equal((await pending).body.toString(), 'pong');
    assert.equal(table.size, 0);
  });

  it('a second request to a routed topic sends no extra heartbeat', async () => {
    const { fake, producer, table } = await setup();
    void producer.request({ topic: 'T', body: '1' }, 4000).catch(() => undefined);
    await settle();
    const heartbeats = fake.callsWithCode(RequestCode.HEART_BEAT).length;
    void producer.request({ topic: 'T', body: '2' }, 4000).catch(() => undefined);
    await settle();
    assert.equal(fake.callsWithCode(RequestCode.HEART_BEAT).length, heartbeats);
    assert.equal(table.size, 2);
  });

  it('a refused send: Promise → MQClientError with the cause; callback → the broker error as is', async () => {
    const { producer, table } = await setup({ retryTimesWhenSendAsyncFailed: 0 }, () =>
      errorResponse(ResponseCode.NO_PERMISSION, 'no'),
    );
    await assert.rejects(producer.request({ topic: 'T', body: 'x' }, 2000), (err: unknown) => {
      assert.ok(err instanceof MQClientError);
      assert.equal(err.message, 'send request message to <T> fail');
      assert.ok(err.cause instanceof MQBrokerError);
      return true;
    });
    const seen = await new Promise<unknown>((resolve) =>
      producer.request({ topic: 'T', body: 'x' }, { onSuccess: resolve, onException: resolve }, 2000),
    );
    assert.ok(seen instanceof MQBrokerError);
    assert.equal(seen.code, ResponseCode.NO_PERMISSION);
    assert.equal(table.size, 0);
  });

  it('before start(): IllegalStateError, the message untouched', async () => {
    const producer = new Producer({ producerGroup: 'PG2', nameServer: NS });
    const message = new Message('T', 'x');
    await assert.rejects(producer.request(message, 1000), IllegalStateError);
    assert.equal(message.getProperty(MessageConst.PROPERTY_CORRELATION_ID), undefined);
  });
});

describe('sending a reply (Java MQClientAPIImpl.sendMessage with MSG_TYPE=reply)', () => {
  const request = {
    properties: {
      CLUSTER: 'DefaultCluster',
      CORRELATION_ID: 'c',
      REPLY_TO_CLIENT: '10.0.0.8@req',
      TTL: '3000',
    },
  };

  it('SEND_REPLY_MESSAGE_V2 with the V2 header by default', async () => {
    const { fake, producer } = await setup();
    await producer.send(createReplyMessage(request, 'answer'));
    const [call] = fake.callsWithCode(RequestCode.SEND_REPLY_MESSAGE_V2);
    assert.ok(call);
    assert.equal(call.request.extFields?.b, 'DefaultCluster_REPLY_TOPIC');
    assert.equal(decodeProperties(call.request.extFields?.i ?? '').MSG_TYPE, 'reply');
    assert.equal(call.request.body?.toString(), 'answer');
  });

  it('SEND_REPLY_MESSAGE with the V1 field names when sendSmartMsg is off', async () => {
    const { fake, producer } = await setup({ sendSmartMsg: false });
    await producer.send(createReplyMessage(request, 'answer'));
    const [call] = fake.callsWithCode(RequestCode.SEND_REPLY_MESSAGE);
    assert.ok(call);
    assert.equal(call.request.extFields?.topic, 'DefaultCluster_REPLY_TOPIC');
    assert.equal(decodeProperties(call.request.extFields?.properties ?? '').CORRELATION_ID, 'c');
  });
});
