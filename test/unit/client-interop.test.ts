/**
 * Our client's requests against what real Apache RocketMQ servers accept, and its reading of their
 * answers: the SEND_MESSAGE_V2 request compared field by field with the frame captured against a 4.9.8
 * broker (both header forms), the captured 4.9.8 send / route / TOPIC_NOT_EXIST answers fed back in,
 * 5.x-shaped routes and send answers, and the 5.x retry codes (SYSTEM_BUSY, GO_AWAY).
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import {
  ClientInstance,
  MessageQueue,
  Producer,
  resolveClientConfig,
  SendStatus,
} from '../../src/client/index.js';
import type { ProducerOptions } from '../../src/client/index.js';
import { instanceCore } from '../../src/client/client-instance.js';
import { MQClientError } from '../../src/common/errors.js';
import { MQVersion, RequestCode, ResponseCode, SerializeType } from '../../src/protocol/codes/index.js';
import { createResponse } from '../../src/protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../src/protocol/command/remoting-command.js';
import { decodeFrame, encodeFrame } from '../../src/protocol/frame/frame-codec.js';
import { decodeProperties, Message } from '../../src/protocol/message/index.js';
import { loadCaptures } from '../helpers/captures.js';
import type { CapturedFrame } from '../helpers/captures.js';
import {
  FakeRemoting,
  errorResponse,
  makeRoute,
  routeResponse,
  sendOk,
  topicNotExist,
} from './client-fake-remoting.js';
import type { Call, Handler } from './client-fake-remoting.js';

const NS = '127.0.0.1:9876';
const A = '127.0.0.1:10911';
const B = '127.0.0.2:10911';
const producers: Producer[] = [];
afterEach(async () => {
  for (const p of producers.splice(0)) await p.shutdown().catch(() => undefined);
});

const captures = loadCaptures();
function capture(section: string, kind: 'REQUEST' | 'RESPONSE', serializeType: number): CapturedFrame {
  const c = captures.find(
    (f) => f.name.includes(section) && f.kind === kind && f.serializeType === serializeType,
  );
  assert.ok(c, `capture ${section} ${kind} ${serializeType} present`);
  return c;
}

async function startProducer(
  brokerHandler: Handler,
  routeBody?: Buffer,
  options: Partial<ProducerOptions> = {},
): Promise<{ fake: FakeRemoting; producer: Producer; sends: () => Call[] }> {
  const fake = new FakeRemoting();
  fake.handler = (call) => {
    const { code, extFields } = call.request;
    if (code === RequestCode.GET_ROUTEINFO_BY_TOPIC) {
      if (extFields?.topic !== 'TopicTest') return topicNotExist(extFields?.topic ?? '');
      if (routeBody) return createResponse(ResponseCode.SUCCESS, { body: routeBody });
      return routeResponse(
        makeRoute([
          ['broker-a', A, 4],
          ['broker-b', B, 4],
        ]),
      );
    }
    if (code === RequestCode.HEART_BEAT || code === RequestCode.UNREGISTER_CLIENT) return createResponse(0);
    return brokerHandler(call);
  };
  const client = resolveClientConfig({ nameServer: NS, clientIP: '172.17.0.1', instanceName: 'interop' });
  const instance = new ClientInstance(client, { remoting: fake.asInstanceRemoting() });
  const producer = new Producer({
    producerGroup: 'oracle_capture_pg',
    nameServer: NS,
    clientInstance: instance,
    clock: fake.clock,
    ...options,
  });
  producers.push(producer);
  await producer.start();
  const sends = (): Call[] => fake.callsWithCode(RequestCode.SEND_MESSAGE_V2);
  return { fake, producer, sends };
}

/** What each V2 letter must look like (Java parses d,e,f,h,j with Integer.parseInt, g with Long.parseLong). */
const V2_VALUE: Record<string, RegExp> = {
  a: /^oracle_capture_pg$/,
  b: /^TopicTest$/,
  c: /^TBW102$/,
  d: /^4$/,
  e: /^[0-3]$/,
  f: /^0$/,
  g: /^\d{13}$/,
  h: /^0$/,
  // eslint-disable-next-line no-control-regex -- the property separators U+0001 / U+0002
  i: /^(?:[^\u0001\u0002]+\u0001[^\u0001\u0002]*\u0002)+$/,
  j: /^0$/,
  k: /^false$/,
  m: /^false$/,
  n: /^broker-[ab]$/,
};

describe('SEND_MESSAGE_V2 against the 4.9.8 capture', () => {
  for (const [form, type] of [
    ['JSON', SerializeType.JSON],
    ['ROCKETMQ', SerializeType.ROCKETMQ],
  ] as const) {
    it(`${form} header: the captured field set plus n (bname), same value forms, same top-level fields`, async () => {
      const captured = decodeFrame(
        capture(
          `SEND_MESSAGE_V2 (code 310) topicTopicTest queueId0 -> broker 127.0.0.1:10911, ${form} header`,
          'REQUEST',
          type,
        ).bytes,
      );
      const { producer, sends } = await startProducer((call) => sendOk(Number(call.request.extFields?.e)));
      await producer.send(new Message('TopicTest', 'hello', { tags: 'TagCap', keys: 'capture-0' }));
      const ours = decodeFrame(encodeFrame(sends()[0]!.request, type));
      assert.equal(ours.code, captured.code);
      assert.equal(ours.language, captured.language);
      assert.equal(ours.version, captured.version);
      assert.equal(ours.version, MQVersion.V4_9_8);
      assert.equal(ours.flag, captured.flag);
      assert.equal(ours.remark, captured.remark);
      const ext = ours.extFields ?? {};
      const capturedKeys = Object.keys(captured.extFields ?? {}).sort();
      assert.deepEqual(Object.keys(ext).sort(), [...capturedKeys, 'n'].sort());
      for (const [k, v] of Object.entries(ext))
        assert.match(v, V2_VALUE[k]!, `field ${k}=${JSON.stringify(v)}`);
      for (const [k, v] of Object.entries(captured.extFields ?? {})) {
        // e (queue id) is picked at random, g is the clock, i holds a fresh UNIQ_KEY.
        if (!['e', 'g', 'i'].includes(k)) assert.equal(ext[k], v, `field ${k}`);
      }
      const ourProps = decodeProperties(ext.i!);
      const capturedProps = decodeProperties(captured.extFields!.i!);
      assert.deepEqual(Object.keys(ourProps).sort(), Object.keys(capturedProps).sort());
      assert.equal(ourProps.WAIT, 'true');
      assert.equal(ourProps.TAGS, 'TagCap');
      assert.equal(ourProps.KEYS, 'capture-0');
      assert.match(ourProps.UNIQ_KEY!, /^[0-9A-F]{32}$/);
      assert.ok(ext.i!.endsWith('\u0002'), 'trailing separator as messageProperties2String');
      assert.equal(ours.body?.toString(), 'hello');
    });

    it(`${form} header: the captured 4.9.8 answer becomes the SendResult`, async () => {
      const answer = decodeFrame(
        capture(
          `SEND_MESSAGE_V2 (code 310) topicTopicTest queueId0 -> broker 127.0.0.1:10911, ${form} header`,
          'RESPONSE',
          type,
        ).bytes,
      );
      const { producer, sends } = await startProducer(() => answer);
      const result = await producer.send(new Message('TopicTest', 'x'));
      const uniq = decodeProperties(sends()[0]!.request.extFields!.i!).UNIQ_KEY;
      assert.equal(result.sendStatus, SendStatus.SEND_OK);
      assert.equal(result.msgId, uniq);
      assert.equal(result.offsetMsgId, answer.extFields!.msgId);
      assert.equal(result.queueOffset, BigInt(answer.extFields!.queueOffset!));
      assert.equal(result.messageQueue.queueId, 0);
      assert.equal(result.regionId, 'DefaultRegion');
      assert.equal(result.traceOn, true);
      assert.equal(result.transactionId, undefined);
    });
  }
});

describe('name server answers as captured from 4.9.8 and as 5.3.3 writes them', () => {
  it('the captured route (standard JSON, version 409) gives 4 writable queues on broker-a', async () => {
    const route = decodeFrame(
      capture(
        'GET_ROUTEINFO_BY_TOPIC (code 105) topicTopicTest -> namesrv 127.0.0.1:9876, JSON header',
        'RESPONSE',
        0,
      ).bytes,
    );
    const { producer, sends } = await startProducer(
      (c) => sendOk(Number(c.request.extFields?.e)),
      route.body,
    );
    for (let i = 0; i < 4; i++) await producer.send(new Message('TopicTest', `m${i}`));
    assert.deepEqual(
      sends().map((c) => c.addr),
      [A, A, A, A],
    );
    assert.deepEqual(
      sends()
        .map((c) => Number(c.request.extFields?.e))
        .sort(),
      [0, 1, 2, 3],
    );
  });

  it('TOPIC_NOT_EXIST (code 17, remark with a newline): MQClientError code 17, first remark line', async () => {
    const answer = decodeFrame(capture('NoSuchTopic_oracle', 'RESPONSE', 0).bytes);
    assert.equal(answer.code, ResponseCode.TOPIC_NOT_EXIST);
    const client = resolveClientConfig({ nameServer: NS, clientIP: '172.17.0.1', instanceName: 'interop' });
    const fake = new FakeRemoting();
    fake.handler = () => answer;
    const instance = new ClientInstance(client, { remoting: fake.asInstanceRemoting() });
    await assert.rejects(
      instanceCore(instance).api.getTopicRouteInfoFromNameServer('NoSuchTopic_oracle', 1000),
      (e) => {
        assert.ok(e instanceof MQClientError);
        assert.equal(e.code, 17);
        assert.equal(
          e.message,
          'CODE: 17  DESC: No topic route info in name server for the topic: NoSuchTopic_oracle',
        );
        return true;
      },
    );
    assert.equal(await instance.updateTopicRouteInfoFromNameServer('NoSuchTopic_oracle'), false);
  });

  it('a 5.3.3 route (enableActingMaster, zoneName, a slave) is used: masters only, slaves ignored', async () => {
    const body = Buffer.from(
      '{"brokerDatas":[{"brokerAddrs":{"0":"127.0.0.1:10911","1":"127.0.0.1:10921"},"brokerName":"broker-a",' +
        '"cluster":"DefaultCluster","enableActingMaster":false,"zoneName":"zone-1"},{"brokerAddrs":{"1":"127.0.0.2:10921"},' +
        '"brokerName":"broker-b","cluster":"DefaultCluster","enableActingMaster":true}],"filterServerTable":{},' +
        '"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":2,"topicSysFlag":0,"writeQueueNums":2},' +
        '{"brokerName":"broker-b","perm":4,"readQueueNums":2,"topicSysFlag":0,"writeQueueNums":2}]}',
    );
    const { producer, sends, fake } = await startProducer(
      (c) => sendOk(Number(c.request.extFields?.e)),
      body,
    );
    await producer.send(new Message('TopicTest', 'a'));
    await producer.send(new Message('TopicTest', 'b'));
    assert.deepEqual(
      sends().map((c) => [c.addr, c.request.extFields?.n]),
      [
        [A, 'broker-a'],
        [A, 'broker-a'],
      ],
    );
    await producer.instance.sendHeartbeatToAllBrokers();
    assert.deepEqual(
      fake.callsWithCode(RequestCode.HEART_BEAT).map((c) => c.addr),
      [A],
    );
  });
});

describe('5.x send answers', () => {
  it('transactionId, recallHandle and batchUniqId of a 5.3.3 answer; FLUSH_SLAVE_TIMEOUT is a result', async () => {
    const answer = createResponse(ResponseCode.FLUSH_SLAVE_TIMEOUT, {
      extFields: {
        msgId: '7F00000100002A9F000000000F1ADBEA',
        queueId: '1',
        queueOffset: '60',
        transactionId: 'AC110001000078308DB1000000000000',
        recallHandle: 'handle-1',
        MSG_REGION: '',
        TRACE_ON: 'false',
      },
    });
    const { producer } = await startProducer(() => answer, undefined, { retryTimesWhenSendFailed: 0 });
    const result = await producer.send(new Message('TopicTest', 'x'));
    assert.equal(result.sendStatus, SendStatus.FLUSH_SLAVE_TIMEOUT);
    assert.equal(result.transactionId, 'AC110001000078308DB1000000000000');
    assert.equal(result.recallHandle, 'handle-1');
    assert.equal(result.regionId, 'DefaultRegion');
    assert.equal(result.traceOn, false);
    assert.equal(
      result.messageQueue.toString(),
      new MessageQueue('TopicTest', result.messageQueue.brokerName, 1).toString(),
    );
  });

  for (const [name, code] of [
    ['SYSTEM_BUSY', ResponseCode.SYSTEM_BUSY],
    ['GO_AWAY', ResponseCode.GO_AWAY],
  ] as const) {
    it(`${name} (${code}) is retried on the other broker, as the 5.x retryResponseCodes`, async () => {
      let n = 0;
      const { producer, sends } = await startProducer((c) =>
        n++ === 0
          ? errorResponse(code, '[PC_SYNCHRONIZED]broker busy')
          : sendOk(Number(c.request.extFields?.e)),
      );
      const result = await producer.send(new Message('TopicTest', 'x'));
      assert.equal(result.sendStatus, SendStatus.SEND_OK);
      const [first, second] = sends();
      assert.notEqual(first!.addr, second!.addr);
      assert.equal(first!.request.extFields?.i, second!.request.extFields?.i);
    });
  }

  it('a non-retriable broker error keeps the broker remark and code (MQBrokerError)', async () => {
    const { producer, sends } = await startProducer(() =>
      errorResponse(
        ResponseCode.MESSAGE_ILLEGAL,
        'the message is illegal, maybe msg body or properties length not matched.',
      ),
    );
    await assert.rejects(
      producer.send(new Message('TopicTest', 'x')),
      (e: RemotingCommand & Error & { code: number }) => {
        assert.equal(e.code, ResponseCode.MESSAGE_ILLEGAL);
        assert.match(e.message, /the message is illegal/);
        return true;
      },
    );
    assert.equal(sends().length, 1);
  });
});

describe('TRACE_ON as Java reads it', () => {
  it('anything but exactly "false" is on', async () => {
    const { processSendResponse } = await import('../../src/client/producer/producer-api.js');
    const { createResponse } = await import('../../src/protocol/command/remoting-command.js');
    const answer = (trace: string | undefined): boolean =>
      processSendResponse(
        createResponse(0, {
          extFields: {
            msgId: '7F00000100002A9F000000000F1ADB08',
            queueId: '0',
            queueOffset: '1',
            ...(trace !== undefined && { TRACE_ON: trace }),
          },
        }),
        { msgId: 'X', topic: 'T', brokerName: 'b', brokerAddr: '127.0.0.1:1' },
      ).traceOn;
    assert.equal(answer('false'), false);
    assert.equal(answer('true'), true);
    assert.equal(answer('FALSE'), true);
    assert.equal(answer('no'), true);
    assert.equal(answer(undefined), true);
  });
});
