/**
 * Request-reply over one embedded cluster: our requester (Producer.request) and our replier (a pull
 * consumer reading the requests, createReplyMessage, a producer sending the reply with
 * SEND_REPLY_MESSAGE_V2, the broker pushing it to the requester's connection).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { instanceCore } from '../../src/client/client-instance.js';
import { PullConsumer } from '../../src/client/consumer/index.js';
import type { PulledMessage } from '../../src/client/consumer/index.js';
import { Producer } from '../../src/client/producer/producer.js';
import { createReplyMessage } from '../../src/client/request-reply/index.js';
import { MQBrokerError, MQClientError, RequestTimeoutError } from '../../src/common/errors.js';
import type { Logger } from '../../src/common/logger.js';
import { encodeHeartbeatData } from '../../src/protocol/body/index.js';
import { RequestCode, ResponseCode } from '../../src/protocol/codes/index.js';
import { createRequest, createResponse } from '../../src/protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../src/protocol/command/remoting-command.js';
import { ReplyMessageRequestHeader, SendMessageRequestHeader } from '../../src/protocol/headers/index.js';
import { Message, MessageConst, MessageSysFlag } from '../../src/protocol/message/index.js';
import type { MessageExt } from '../../src/protocol/message/index.js';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import { handlerTable, registerHandlerTable } from '../../src/transport/handler-table.js';
import { RemotingClient } from '../../src/transport/remoting-client.js';
import { send, sendRequest } from '../helpers/broker-client.js';
import { createTopic, waitFor } from './consumer-helpers.js';
import { readStored } from './producer-helpers.js';

const TOPIC = 'RequestReplyTopic';
const REPLY_TOPIC = 'DefaultCluster_REPLY_TOPIC';
/** Printed by `java test/fixtures/java/ReplyPushOrder.java`. */
const JAVA_PUSH_EXT_FIELDS_ORDER =
  'queueId,flag,sysFlag,reconsumeTimes,storeTimestamp,unitMode,defaultTopic,bornHost,defaultTopicQueueNums,producerGroup,topic,bornTimestamp,storeHost,properties'.split(
    ',',
  );
const JAVA_PUSH_PROPERTIES_ORDER =
  'PUSH_REPLY_TIME,MSG_TYPE,REPLY_TO_CLIENT,UNIQ_KEY,WAIT,TTL,CORRELATION_ID'.split(',');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('request-reply against the embedded cluster', () => {
  let cluster: EmbeddedCluster;
  let requester: Producer;
  let replier: Producer;
  let consumer: PullConsumer;
  const warnings: string[] = [];
  const capture: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (_obj: unknown, msg?: string) => void warnings.push(msg ?? ''),
    error: () => undefined,
  };
  const table = () => instanceCore(requester.instance).requestFutures;

  /** Reads the next request on TOPIC from the group's committed offsets, and commits past it. */
  const nextRequest = async (): Promise<PulledMessage> => {
    let request: PulledMessage | undefined;
    const options = { from: 'stored', commit: true, maxMessages: 1, idleTimeoutMillis: 5000 } as const;
    for await (const m of consumer.poll(TOPIC, { ...options, pollIntervalMillis: 10 })) request = m;
    if (request === undefined) throw new Error('no request arrived');
    return request;
  };

  before(async () => {
    // A tiny reply pool (Java's defaults: 16 + 2 x cores running, 10000 queued) for the overload test.
    cluster = await startEmbeddedCluster({
      brokers: [{ processReplyMessageThreadPoolNums: 2, replyThreadPoolQueueCapacity: 1 }],
    });
    await createTopic(cluster, TOPIC, 2);
    const nameServer = cluster.namesrvAddress;
    requester = new Producer({ producerGroup: 'rr-requester', nameServer, logger: capture });
    replier = new Producer({ producerGroup: 'rr-replier', nameServer });
    consumer = new PullConsumer({ consumerGroup: 'rr-replier-group', nameServer });
    await Promise.all([requester.start(), replier.start(), consumer.start()]);
    for (const mq of await consumer.fetchMessageQueues(TOPIC)) await consumer.commitOffset(mq, 0n);
  });

  after(async () => {
    await Promise.all([requester.shutdown(), replier.shutdown(), consumer.shutdown()]);
    await cluster.stop();
  });

  it('round trip: the request carries Java properties, the reply comes back pushed and is stored', async () => {
    const replied = (async () => {
      const request = await nextRequest();
      const result = await replier.send(createReplyMessage(request, `pong:${request.body.toString()}`));
      return { request, result };
    })();
    const reply: MessageExt = await requester.request({ topic: TOPIC, body: 'ping' }, 5000);
    const { request, result } = await replied;
    assert.equal(reply.body.toString(), 'pong:ping');
    const p = request.properties;
    assert.match(p[MessageConst.PROPERTY_CORRELATION_ID] ?? '', UUID);
    assert.equal(p[MessageConst.PROPERTY_MESSAGE_REPLY_TO_CLIENT], requester.instance.clientId);
    assert.equal(p[MessageConst.PROPERTY_MESSAGE_TTL], '5000');
    assert.equal(p[MessageConst.PROPERTY_CLUSTER], 'DefaultCluster');
    const r = reply.properties;
    assert.equal(r[MessageConst.PROPERTY_CORRELATION_ID], p[MessageConst.PROPERTY_CORRELATION_ID]);
    assert.equal(r[MessageConst.PROPERTY_MESSAGE_TYPE], 'reply');
    assert.match(r[MessageConst.PROPERTY_PUSH_REPLY_TIME] ?? '', /^\d{13}$/);
    assert.match(r[MessageConst.PROPERTY_REPLY_MESSAGE_ARRIVE_TIME] ?? '', /^\d{13}$/);
    assert.equal(reply.topic, REPLY_TOPIC);
    assert.equal(table().size, 0);
    // storeReplyMessageEnable: the broker also stored it and answered with the stored position.
    assert.equal(result.messageQueue.topic, REPLY_TOPIC);
    const stored = await readStored(cluster.brokers[0]!, REPLY_TOPIC, 0, result.queueOffset);
    assert.equal(stored.body.toString(), 'pong:ping');
    assert.equal(
      stored.properties[MessageConst.PROPERTY_CORRELATION_ID],
      r[MessageConst.PROPERTY_CORRELATION_ID],
    );
    assert.equal(stored.properties[MessageConst.PROPERTY_PUSH_REPLY_TIME], undefined);
  });

  it('callback form: onSuccess once with the reply; a large body travels compressed both ways', async () => {
    const big = 'x'.repeat(10_000);
    const replied = nextRequest().then((request) =>
      replier.send(createReplyMessage(request, Buffer.concat([request.body, Buffer.from('!')]))),
    );
    const calls: (MessageExt | Error)[] = [];
    await new Promise<void>((resolve) => {
      requester.request(
        { topic: TOPIC, body: big },
        {
          onSuccess: (m) => (calls.push(m), resolve()),
          onException: (e) => (calls.push(e as Error), resolve()),
        },
        5000,
      );
    });
    await replied;
    assert.equal(calls.length, 1);
    assert.equal((calls[0] as MessageExt).body.toString(), `${big}!`);
    assert.equal(table().size, 0);
  });

  it('to a given queue and by selector: the request lands on the chosen queue, the reply comes back', async () => {
    const queues = await requester.fetchPublishMessageQueues(TOPIC);
    const target = queues[1]!;
    const answer = () =>
      nextRequest().then(async (request) => {
        await replier.send(createReplyMessage(request, `q${request.queueId}:${request.body.toString()}`));
      });
    let replied = answer();
    const toQueue = await requester.requestToQueue({ topic: TOPIC, body: 'fixed' }, target, 5000);
    await replied;
    assert.equal(toQueue.body.toString(), `q${target.queueId}:fixed`);
    replied = answer();
    const picked: number[] = [];
    const viaSelector = await new Promise<MessageExt>((resolve, reject) => {
      requester.requestWithSelector(
        { topic: TOPIC, body: 'sel' },
        (mqs, _msg, arg) => (picked.push(mqs.length), mqs[arg as number]!),
        0,
        { onSuccess: resolve, onException: reject },
        5000,
      );
    });
    await replied;
    assert.deepEqual(picked, [queues.length]);
    assert.equal(viaSelector.body.toString(), `q${queues[0]!.queueId}:sel`);
    assert.equal(table().size, 0);
  });

  it('no reply: RequestTimeoutError (10006) at the timeout, nothing left in the table; a late reply is dropped', async () => {
    const started = Date.now();
    await assert.rejects(requester.request({ topic: TOPIC, body: 'late' }, 300), (err: unknown) => {
      assert.ok(err instanceof RequestTimeoutError);
      assert.equal(err.code, 10006);
      assert.match(err.message, /wait reply message timeout, 300 ms/);
      return true;
    });
    assert.ok(Date.now() - started >= 290);
    assert.equal(table().size, 0);
    const request = await nextRequest();
    assert.equal(request.body.toString(), 'late');
    const before = warnings.length;
    // The requester is still connected: the broker pushes, the client answers SUCCESS and drops it.
    const result = await replier.send(createReplyMessage(request, 'too late'));
    assert.equal(result.sendStatus, 'SEND_OK');
    await waitFor('the late reply warning', () =>
      warnings.slice(before).some((w) => w.includes('matches no waiting request')) ? true : undefined,
    );
    assert.equal(table().size, 0);
  });

  it('a reply for a client that is gone: SYSTEM_ERROR with Java remark, stored anyway', async () => {
    const client = new RemotingClient();
    try {
      const addr = cluster.brokers[0]!.address;
      const properties = {
        MSG_TYPE: 'reply',
        CORRELATION_ID: 'c-1',
        REPLY_TO_CLIENT: '10.0.0.9@gone',
        TTL: '3000',
        WAIT: 'true',
      };
      const gone = await send(client, addr, { topic: REPLY_TOPIC, code: 325, properties });
      assert.equal(gone.code, ResponseCode.SYSTEM_ERROR);
      assert.equal(gone.remark, 'push reply message fail, channel of <10.0.0.9@gone> not found.');
      assert.match(gone.extFields?.msgId ?? '', /^[0-9A-F]{32}$/);
      assert.equal(gone.extFields?.queueId, '0');
      const { REPLY_TO_CLIENT: _, ...anonymous } = properties;
      const noTarget = await send(client, addr, { topic: REPLY_TOPIC, code: 325, properties: anonymous });
      assert.equal(noTarget.code, ResponseCode.SYSTEM_ERROR);
      assert.equal(noTarget.remark, 'reply message properties[REPLY_TO_CLIENT] is null');
      assert.equal(noTarget.extFields?.MSG_REGION, 'DefaultRegion');
      // Through the producer: Java's send loop retries SYSTEM_ERROR, then reports the broker's answer.
      await assert.rejects(
        replier.send(createReplyMessage({ properties: { ...properties, CLUSTER: 'DefaultCluster' } }, 'x')),
        (err: unknown) =>
          err instanceof MQClientError &&
          err.code === ResponseCode.SYSTEM_ERROR &&
          err.cause instanceof MQBrokerError &&
          err.message.includes('channel of <10.0.0.9@gone> not found.'),
      );
    } finally {
      await client.shutdown();
    }
  });

  it('the push frame has the fields, key orders and body a Java 4.9.8 broker writes', async () => {
    // A raw client stands in for the requester: a producer heartbeat, then it records the push.
    const client = new RemotingClient();
    const pushes: RemotingCommand[] = [];
    try {
      registerHandlerTable(
        client,
        handlerTable([
          [
            RequestCode.PUSH_REPLY_MESSAGE_TO_CLIENT,
            (request) => (pushes.push(request), createResponse(ResponseCode.SUCCESS)),
          ],
        ]),
      );
      const addr = cluster.brokers[0]!.address;
      const clientID = '10.1.2.3@raw-requester';
      const body = encodeHeartbeatData({
        clientID,
        producerDataSet: [{ groupName: 'raw-group' }],
        consumerDataSet: [],
      });
      const hb = await client.invokeSync(addr, createRequest(RequestCode.HEART_BEAT, { body }), 3000);
      assert.equal(hb.code, ResponseCode.SUCCESS);
      const properties = {
        WAIT: 'true',
        MSG_TYPE: 'reply',
        CORRELATION_ID: 'corr-1',
        REPLY_TO_CLIENT: clientID,
        TTL: '3000',
        UNIQ_KEY: 'AC1100010000000000000000000000AA',
      };
      const answer = await send(client, addr, {
        topic: REPLY_TOPIC,
        code: RequestCode.SEND_REPLY_MESSAGE_V2,
        queueId: 0,
        properties,
        body: 'reply-body',
        flag: 7,
        reconsumeTimes: 0,
      });
      assert.equal(answer.code, ResponseCode.SUCCESS);
      const push = pushes[0]!;
      assert.equal(pushes.length, 1);
      assert.equal(push.code, 326);
      assert.deepEqual(Object.keys(push.extFields ?? {}), JAVA_PUSH_EXT_FIELDS_ORDER);
      const h = ReplyMessageRequestHeader.decode(push.extFields);
      assert.equal(h.producerGroup, 'PG_TEST');
      assert.equal(h.topic, REPLY_TOPIC);
      assert.equal(h.defaultTopic, 'TBW102');
      assert.equal(h.defaultTopicQueueNums, 4);
      assert.equal(h.queueId, 0);
      assert.equal(h.sysFlag, 0);
      assert.equal(h.flag, 7);
      assert.equal(h.reconsumeTimes, 0);
      assert.equal(h.unitMode, false);
      assert.equal(h.storeHost, addr);
      assert.match(h.bornHost, /^127\.0\.0\.1:\d+$/);
      assert.ok(Math.abs(h.storeTimestamp - Date.now()) < 10_000);
      const pushed = h.properties ?? '';
      assert.deepEqual(
        pushed.split('\u0002').map((kv) => kv.split('\u0001')[0]),
        JAVA_PUSH_PROPERTIES_ORDER,
      );
      assert.ok(!pushed.endsWith('\u0002'), '4.9.8 writes no trailing separator');
      assert.deepEqual(push.body, Buffer.from('reply-body'));
      // The request header form (V1, SEND_REPLY_MESSAGE 324), and storeReplyMessageEnable off: pushed,
      // not stored, answered with Java's placeholders msgId "0" and queueOffset 0.
      const broker = cluster.brokers[0]!;
      const maxBefore = broker.store.getMaxOffsetInQueue(REPLY_TOPIC, 0);
      (broker.options as { storeReplyMessageEnable: boolean }).storeReplyMessageEnable = false;
      try {
        const v1 = sendRequest({ topic: REPLY_TOPIC, queueId: 0, properties, body: 'v1-body' });
        const v1Fields = SendMessageRequestHeader.decode(v1.extFields, { v2: true });
        const v1Request = createRequest(RequestCode.SEND_REPLY_MESSAGE, {
          extFields: SendMessageRequestHeader.encode(v1Fields, { v2: false }),
          body: Buffer.from('v1-body'),
        });
        const notStored = await client.invokeSync(addr, v1Request, 3000);
        assert.equal(notStored.code, ResponseCode.SUCCESS);
        assert.equal(notStored.extFields?.msgId, '0');
        assert.equal(notStored.extFields?.queueOffset, '0');
        assert.equal(notStored.extFields?.queueId, '0');
      } finally {
        (broker.options as { storeReplyMessageEnable: boolean }).storeReplyMessageEnable = true;
      }
      assert.equal(pushes.length, 2);
      assert.deepEqual(pushes[1]!.body, Buffer.from('v1-body'));
      assert.equal(broker.store.getMaxOffsetInQueue(REPLY_TOPIC, 0), maxBefore);
    } finally {
      await client.shutdown();
    }
  });

  it('a reply is stored with sysFlag 0 but its compression bits; a delayed or timed reply goes through the schedule or the timer wheel', async () => {
    const client = new RemotingClient();
    try {
      const broker = cluster.brokers[0]!;
      const addr = broker.address;
      // No requester connected: the push fails (SYSTEM_ERROR) but the reply is stored anyway.
      const properties = { WAIT: 'true', MSG_TYPE: 'reply', CORRELATION_ID: 'c', REPLY_TO_CLIENT: 'gone@1' };
      const compressedZstd = MessageSysFlag.COMPRESSED | MessageSysFlag.COMPRESSION_ZSTD_TYPE;
      const sysFlag = MessageSysFlag.TRANSACTION_PREPARED_TYPE | compressedZstd;
      const r = await send(client, addr, {
        topic: REPLY_TOPIC,
        code: RequestCode.SEND_REPLY_MESSAGE_V2,
        queueId: 0,
        sysFlag,
        properties,
      });
      assert.equal(r.code, ResponseCode.SYSTEM_ERROR);
      const stored = await readStored(broker, REPLY_TOPIC, 0, BigInt(r.extFields!.queueOffset!));
      assert.equal(stored.sysFlag, compressedZstd, 'no half message in an ordinary topic');
      const scheduleMax = broker.store.getMaxOffsetInQueue('SCHEDULE_TOPIC_XXXX', 0);
      const delayed = await send(client, addr, {
        topic: REPLY_TOPIC,
        code: RequestCode.SEND_REPLY_MESSAGE_V2,
        queueId: 0,
        properties: { ...properties, DELAY: '1' },
      });
      assert.equal(delayed.code, ResponseCode.SYSTEM_ERROR);
      assert.equal(broker.store.getMaxOffsetInQueue('SCHEDULE_TOPIC_XXXX', 0), scheduleMax + 1n);
      const held = await readStored(broker, 'SCHEDULE_TOPIC_XXXX', 0, scheduleMax);
      assert.equal(held.properties.REAL_TOPIC, REPLY_TOPIC);
      // A 5.x timer on a reply goes to the timer wheel like a send's (not straight to the reply topic).
      const wheelMax = broker.store.getMaxOffsetInQueue('rmq_sys_wheel_timer', 0);
      const timed = await send(client, addr, {
        topic: REPLY_TOPIC,
        code: RequestCode.SEND_REPLY_MESSAGE_V2,
        queueId: 0,
        properties: { ...properties, TIMER_DELAY_MS: '60000' },
      });
      assert.equal(timed.code, ResponseCode.SYSTEM_ERROR);
      assert.equal(broker.store.getMaxOffsetInQueue('rmq_sys_wheel_timer', 0), wheelMax + 1n);
    } finally {
      await client.shutdown();
    }
  });

  it('replies beyond the reply pool and its queue are refused SYSTEM_BUSY [OVERLOAD], the others complete', async () => {
    const client = new RemotingClient();
    const held: (() => void)[] = [];
    try {
      // The requester holds every push until released: the replies occupy the pool meanwhile.
      registerHandlerTable(
        client,
        handlerTable([
          [
            RequestCode.PUSH_REPLY_MESSAGE_TO_CLIENT,
            () => new Promise((resolve) => held.push(() => resolve(createResponse(ResponseCode.SUCCESS)))),
          ],
        ]),
      );
      const addr = cluster.brokers[0]!.address;
      const clientID = '10.1.2.3@slow-requester';
      const body = encodeHeartbeatData({
        clientID,
        producerDataSet: [{ groupName: 'slow' }],
        consumerDataSet: [],
      });
      await client.invokeSync(addr, createRequest(RequestCode.HEART_BEAT, { body }), 3000);
      const properties = { WAIT: 'true', MSG_TYPE: 'reply', CORRELATION_ID: 'c', REPLY_TO_CLIENT: clientID };
      const reply = () =>
        send(client, addr, {
          topic: REPLY_TOPIC,
          code: RequestCode.SEND_REPLY_MESSAGE_V2,
          queueId: 0,
          properties,
        });
      const running = [reply(), reply(), reply()]; // 2 running, 1 queued
      await waitFor('two pushes held', async () => (held.length === 2 ? true : undefined));
      const refused = await Promise.all([reply(), reply()]);
      for (const r of refused) {
        assert.equal(r.code, ResponseCode.SYSTEM_BUSY);
        assert.equal(r.remark, '[OVERLOAD]system busy, start flow control for a while');
        // The pool refused before the reply processor ran: no preSend fields (Java's executor refusal).
        assert.equal(r.extFields, undefined);
      }
      held.splice(0).forEach((release) => release());
      await waitFor('the queued push', async () => (held.length === 1 ? true : undefined));
      held.splice(0).forEach((release) => release());
      for (const r of await Promise.all(running)) assert.equal(r.code, ResponseCode.SUCCESS);
    } finally {
      held.forEach((release) => release());
      await client.shutdown();
    }
  });

  it('a refused request changes nothing: no properties set, nothing waiting', async () => {
    const message = new Message(TOPIC, '');
    await assert.rejects(requester.request(message, 1000), MQClientError);
    assert.deepEqual({ ...message.properties }, { WAIT: 'true' });
    await assert.rejects(requester.request({ topic: TOPIC, body: 'x' }, 0), /positive integer/);
    assert.equal(table().size, 0);
  });
});
