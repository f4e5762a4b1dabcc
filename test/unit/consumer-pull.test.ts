import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { IllegalArgumentError, MQBrokerError, MQClientError } from '../../src/common/errors.js';
import type { RemotingCommand } from '../../src/protocol/command/remoting-command.js';
import { createResponse } from '../../src/protocol/command/remoting-command.js';
import { encodeMessageRecord, MessageSysFlag } from '../../src/protocol/message/index.js';
import type { RemotingInvoker } from '../../src/client/mq-client-api.js';
import { MessageQueue } from '../../src/client/message-queue.js';
import {
  ConsumerAPI,
  PullConsumerMember,
  queueTarget,
  toOffset,
  PullStatus,
  PullSysFlag,
  buildPullSysFlag,
  buildSubscriptionData,
  processPullResult,
  processPullResponse,
  pullStatusOfCode,
  resolvePullConsumerConfig,
  subscribeQueuesFromRoute,
  tagMatches,
} from '../../src/client/consumer/index.js';

const P = (pairs: Record<string, string>): string =>
  Object.entries(pairs)
    .map(([k, v]) => `${k}\u0001${v}\u0002`)
    .join('');

function record(queueOffset: bigint, props: Record<string, string>, body: Buffer, sysFlag = 0): Buffer {
  return encodeMessageRecord({
    topic: 'T',
    queueId: 1,
    flag: 0,
    queueOffset,
    physicalOffset: 1000n + queueOffset,
    sysFlag,
    bornTimestamp: 1_700_000_000_000,
    bornHost: { ip: '10.0.0.1', port: 5555 },
    storeTimestamp: 1_700_000_000_123,
    storeHost: { ip: '127.0.0.1', port: 10911 },
    reconsumeTimes: 2,
    preparedTransactionOffset: 0n,
    body,
    properties: P(props),
  });
}

describe('subscription', () => {
  it('builds tags and Java hash codes', () => {
    const s = buildSubscriptionData('T', ' TagA ||TagB||  || TagA', 42);
    assert.deepEqual(s.tagsSet, ['TagA', 'TagB']);
    // "TagA".hashCode() = 2598919, "TagB".hashCode() = 2598920 (Java)
    assert.deepEqual(s.codeSet, [2598919, 2598920]);
    assert.equal(s.subString, ' TagA ||TagB||  || TagA');
    assert.equal(s.subVersion, 42);
    assert.equal(s.expressionType, 'TAG');
  });
  it('treats *, empty and undefined as all', () => {
    for (const e of ['*', '', undefined]) {
      const s = buildSubscriptionData('T', e);
      assert.equal(s.subString, '*');
      assert.deepEqual(s.tagsSet, []);
      assert.equal(tagMatches(s, undefined), true);
    }
  });
  it('rejects an expression without tags', () => {
    assert.throws(() => buildSubscriptionData('T', ' || '), IllegalArgumentError);
  });
  it('matches tags exactly on the client', () => {
    const s = buildSubscriptionData('T', 'A||B');
    assert.equal(tagMatches(s, 'A'), true);
    assert.equal(tagMatches(s, 'C'), false);
    assert.equal(tagMatches(s, undefined), false);
  });
});

describe('pull status and flags', () => {
  it('maps response codes like Java', () => {
    assert.equal(pullStatusOfCode(0), PullStatus.FOUND);
    assert.equal(pullStatusOfCode(19), PullStatus.NO_NEW_MSG);
    assert.equal(pullStatusOfCode(20), PullStatus.NO_MATCHED_MSG);
    assert.equal(pullStatusOfCode(21), PullStatus.OFFSET_ILLEGAL);
    assert.equal(pullStatusOfCode(1), undefined);
  });
  it('builds sysFlag bits', () => {
    assert.equal(buildPullSysFlag({ suspend: true, subscription: true }), 6);
    assert.equal(buildPullSysFlag({ commitOffset: true, suspend: true, subscription: true }), 7);
    assert.equal(buildPullSysFlag({}), 0);
    assert.equal(PullSysFlag.CLASS_FILTER, 8);
  });
});

describe('processPullResponse / processPullResult', () => {
  const header = { suggestWhichBrokerId: '1', nextBeginOffset: '12', minOffset: '0', maxOffset: '20' };
  it('decodes FOUND bodies, filters tags, adds MIN/MAX_OFFSET, transactionId and broker name', () => {
    const compressed = deflateSync(Buffer.from('hello zipped'));
    const body = Buffer.concat([
      record(
        10n,
        { TAGS: 'A', KEYS: 'k1 k2', UNIQ_KEY: 'ABC', TRAN_MSG: 'true', color: 'red' },
        Buffer.from('one'),
      ),
      record(11n, { TAGS: 'B' }, Buffer.from('two')),
      record(12n, { TAGS: 'A' }, compressed, MessageSysFlag.COMPRESSED),
    ]);
    const response: RemotingCommand = { ...createResponse(0), extFields: header, body };
    const raw = processPullResponse(response, '127.0.0.1:1');
    assert.equal(raw.status, 'FOUND');
    assert.equal(raw.nextBeginOffset, 12n);
    assert.equal(raw.suggestWhichBrokerId, 1);
    const result = processPullResult(raw, buildSubscriptionData('T', 'A'), { brokerName: 'b1' });
    assert.equal(result.pullStatus, 'FOUND');
    assert.equal(result.maxOffset, 20n);
    assert.deepEqual(
      result.msgFoundList.map((m) => [m.queueOffset, m.body.toString()]),
      [
        [10n, 'one'],
        [12n, 'hello zipped'],
      ],
    );
    const [m] = result.msgFoundList;
    assert.ok(m);
    assert.equal(m.msgId, 'ABC');
    assert.equal(m.offsetMsgId, '7F00000100002A9F00000000000003F2');
    assert.equal(m.transactionId, 'ABC');
    assert.equal(m.keys, 'k1 k2');
    assert.deepEqual(m.keyList, ['k1', 'k2']);
    assert.equal(m.properties.color, 'red');
    assert.equal(m.properties.MIN_OFFSET, '0');
    assert.equal(m.properties.MAX_OFFSET, '20');
    assert.equal(m.brokerName, 'b1');
    assert.equal(m.reconsumeTimes, 2);
    assert.deepEqual(m.bornHost, { ip: '10.0.0.1', port: 5555 });
    assert.equal(m.storeTimestamp, 1_700_000_000_123);
    assert.equal(result.msgFoundList[1]?.sysFlag ?? -1, 0);
  });
  it('keeps statuses without bodies', () => {
    for (const [code, status] of [
      [19, 'NO_NEW_MSG'],
      [20, 'NO_MATCHED_MSG'],
      [21, 'OFFSET_ILLEGAL'],
    ] as const) {
      const raw = processPullResponse({ ...createResponse(code), extFields: header }, 'x:1');
      const r = processPullResult(raw, buildSubscriptionData('T', '*'), { brokerName: 'b' });
      assert.equal(r.pullStatus, status);
      assert.equal(r.nextBeginOffset, 12n);
      assert.deepEqual(r.msgFoundList, []);
    }
  });
  it('turns other codes into MQBrokerError with the code', () => {
    assert.throws(
      () => processPullResponse({ ...createResponse(26), remark: 'no group' }, 'h:1'),
      (e: unknown) => e instanceof MQBrokerError && e.code === 26 && e.message.includes('no group'),
    );
  });
});

class FakeInvoker implements RemotingInvoker {
  readonly calls: { addr: string; request: RemotingCommand; timeout: number; oneway?: boolean }[] = [];
  constructor(private readonly answer: (r: RemotingCommand) => RemotingCommand) {}
  invokeSync(addr: string, request: RemotingCommand, timeout: number): Promise<RemotingCommand> {
    this.calls.push({ addr, request, timeout });
    return Promise.resolve(this.answer(request));
  }
  invokeAsync(addr: string, request: RemotingCommand, timeout: number): Promise<RemotingCommand> {
    return this.invokeSync(addr, request, timeout);
  }
  invokeOneway(addr: string, request: RemotingCommand, timeout: number): Promise<void> {
    this.calls.push({ addr, request, timeout, oneway: true });
    return Promise.resolve();
  }
}

describe('ConsumerAPI', () => {
  it('sends PULL_MESSAGE with the header fields in order', async () => {
    const fake = new FakeInvoker(() => ({
      ...createResponse(19),
      extFields: { suggestWhichBrokerId: '0', nextBeginOffset: '5', minOffset: '0', maxOffset: '5' },
    }));
    const api = new ConsumerAPI(fake);
    const r = await api.pullMessage(
      'h:1',
      {
        consumerGroup: 'G',
        topic: 'T',
        queueId: 3,
        queueOffset: 5n,
        maxMsgNums: 32,
        sysFlag: 6,
        commitOffset: 0n,
        suspendTimeoutMillis: 20000,
        subscription: '*',
        subVersion: 0,
        expressionType: 'TAG',
        bname: 'b',
      },
      1234,
    );
    assert.equal(r.status, 'NO_NEW_MSG');
    const call = fake.calls[0];
    assert.ok(call);
    assert.equal(call.request.code, 11);
    assert.equal(call.timeout, 1234);
    assert.deepEqual(Object.entries(call.request.extFields ?? {}), [
      ['consumerGroup', 'G'],
      ['topic', 'T'],
      ['queueId', '3'],
      ['queueOffset', '5'],
      ['maxMsgNums', '32'],
      ['sysFlag', '6'],
      ['commitOffset', '0'],
      ['suspendTimeoutMillis', '20000'],
      ['subscription', '*'],
      ['subVersion', '0'],
      ['expressionType', 'TAG'],
      ['bname', 'b'],
    ]);
  });
  it('queries and updates consumer offsets', async () => {
    let code = 0;
    const fake = new FakeInvoker((req) =>
      req.code === 14 ? { ...createResponse(code), extFields: { offset: '77' } } : createResponse(code),
    );
    const api = new ConsumerAPI(fake);
    const q = { topic: 'T', queueId: 2, brokerName: 'b' };
    assert.equal(await api.queryConsumerOffset('h:1', 'G', q, 100), 77n);
    code = 22;
    assert.equal(await api.queryConsumerOffset('h:1', 'G', q, 100), undefined);
    code = 0;
    await api.updateConsumerOffset('h:1', 'G', q, 9007199254740993n, 100);
    const upd = fake.calls.at(-1);
    assert.equal(upd?.request.code, 15);
    assert.deepEqual(upd?.request.extFields, {
      consumerGroup: 'G',
      topic: 'T',
      queueId: '2',
      commitOffset: '9007199254740993',
      bname: 'b',
    });
    code = 1;
    await assert.rejects(api.updateConsumerOffset('h:1', 'G', q, 1n, 100), MQBrokerError);
    await api.updateConsumerOffset('h:1', 'G', q, 1n, 100, true);
    assert.equal(fake.calls.at(-1)?.oneway, true);
  });
  it('reads min/max/search offsets and views records', async () => {
    const rec = record(4n, { TAGS: 'X' }, Buffer.from('v'));
    const fake = new FakeInvoker((req) => {
      if (req.code === 33) return { ...createResponse(0), body: rec };
      return { ...createResponse(0), extFields: { offset: String(req.code) } };
    });
    const api = new ConsumerAPI(fake);
    const q = { topic: 'T', queueId: 0 };
    assert.equal(await api.getMaxOffset('h:1', q, 1), 30n);
    assert.equal(await api.getMinOffset('h:1', q, 1), 31n);
    assert.equal(await api.searchOffset('h:1', q, 1_700_000_000_000, 1), 29n);
    assert.equal(fake.calls.at(-1)?.request.extFields?.timestamp, '1700000000000');
    // A fraction (Date.now() / 1 from a computation) is dropped; a non-finite time is refused.
    assert.equal(await api.searchOffset('h:1', q, 1_700_000_000_000.75, 1), 29n);
    assert.equal(fake.calls.at(-1)?.request.extFields?.timestamp, '1700000000000');
    const sent = fake.calls.length;
    for (const bad of [NaN, Infinity, -Infinity]) {
      await assert.rejects(api.searchOffset('h:1', q, bad, 1), IllegalArgumentError);
    }
    assert.equal(fake.calls.length, sent, 'nothing is sent for a non-finite time');
    const viewed = await api.viewMessage('h:1', 1004n, 1);
    assert.equal(viewed.queueOffset, 4n);
    assert.equal(fake.calls.at(-1)?.request.extFields?.offset, '1004');
  });
});

describe('options and queues', () => {
  it('validates options', () => {
    assert.throws(() => resolvePullConsumerConfig({ consumerGroup: 'DEFAULT_CONSUMER' }), MQClientError);
    assert.throws(() => resolvePullConsumerConfig({ consumerGroup: 'a b' }), MQClientError);
    assert.throws(
      () =>
        resolvePullConsumerConfig({
          consumerGroup: 'G',
          brokerSuspendMaxTimeMillis: 5000,
          consumerTimeoutMillisWhenSuspend: 5000,
        }),
      IllegalArgumentError,
    );
    assert.throws(
      () =>
        resolvePullConsumerConfig({
          consumerGroup: 'G',
          consumeFromWhere: 'NOWHERE' as 'CONSUME_FROM_LAST_OFFSET',
        }),
      IllegalArgumentError,
    );
    const c = resolvePullConsumerConfig({ consumerGroup: 'G', nameServer: '127.0.0.1:9876' });
    assert.equal(c.consumeFromWhere, 'CONSUME_FROM_LAST_OFFSET');
    assert.equal(c.brokerSuspendMaxTimeMillis, 20000);
    assert.equal(c.consumerTimeoutMillisWhenSuspend, 30000);
    assert.equal(c.consumerPullTimeoutMillis, 10000);
  });
  it('lists readable queues per broker', () => {
    const queues = subscribeQueuesFromRoute('T', {
      queueDatas: [
        { brokerName: 'b2', readQueueNums: 2, writeQueueNums: 8, perm: 6, topicSysFlag: 0 },
        { brokerName: 'b1', readQueueNums: 1, writeQueueNums: 1, perm: 4, topicSysFlag: 0 },
        { brokerName: 'b3', readQueueNums: 4, writeQueueNums: 4, perm: 2, topicSysFlag: 0 },
      ],
      brokerDatas: [],
      filterServerTable: new Map(),
    });
    assert.deepEqual(
      queues.map((q) => q.key()),
      ['T@b1@0', 'T@b2@0', 'T@b2@1'],
    );
  });
});

describe('routing helpers and heartbeat entry', () => {
  it('wraps the namespace into the wire topic and key', () => {
    const t = queueTarget('ns1', new MessageQueue('T', 'b', 3));
    assert.deepEqual(t, { topic: 'ns1%T', queueId: 3, brokerName: 'b', key: 'ns1%T@b@3' });
    assert.equal(queueTarget(undefined, new MessageQueue('T', 'b', 0)).topic, 'T');
    assert.throws(() => queueTarget(undefined, {} as MessageQueue), IllegalArgumentError);
  });
  it('checks offsets', () => {
    assert.equal(toOffset('offset', 5), 5n);
    assert.equal(toOffset('offset', 2n ** 62n), 2n ** 62n);
    assert.throws(() => toOffset('offset', -1n), IllegalArgumentError);
    assert.throws(() => toOffset('offset', 1.5), IllegalArgumentError);
  });
  it('announces CONSUME_ACTIVELY with its subscriptions', () => {
    const m = new PullConsumerMember('G', 'CONSUME_FROM_FIRST_OFFSET', false);
    m.subscribe('T', 'A || B');
    const first = m.consumerData().subscriptionDataSet[0];
    m.subscribe('T', 'A || B');
    assert.equal(m.consumerData().subscriptionDataSet[0], first, 'same expression keeps its subVersion');
    assert.equal(m.isSubscribeTopicNeedUpdate('T'), true);
    m.updateTopicSubscribeInfo('T', {
      queueDatas: [{ brokerName: 'b', readQueueNums: 2, writeQueueNums: 2, perm: 6, topicSysFlag: 0 }],
      brokerDatas: [],
      filterServerTable: new Map(),
    });
    assert.equal(m.isSubscribeTopicNeedUpdate('T'), false);
    assert.deepEqual([...m.subscribedTopics()], ['T']);
    const data = m.consumerData();
    assert.deepEqual(
      { ...data, subscriptionDataSet: data.subscriptionDataSet.map((s) => ({ ...s, subVersion: 0 })) },
      {
        groupName: 'G',
        consumeType: 'CONSUME_ACTIVELY',
        messageModel: 'CLUSTERING',
        consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
        unitMode: false,
        subscriptionDataSet: [
          {
            topic: 'T',
            subString: 'A || B',
            tagsSet: ['A', 'B'],
            codeSet: [65, 66],
            subVersion: 0,
            expressionType: 'TAG',
            classFilterMode: false,
          },
        ],
      },
    );
  });
});
