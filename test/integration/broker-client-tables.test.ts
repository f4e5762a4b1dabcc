/**
 * The broker's client tables stay bounded (client-table-limits.ts): a heartbeat naming too many
 * groups or subscriptions is refused whole (no group, consumer or retry topic kept); one whose new
 * groups do not fit under the subscription-group cap keeps its known groups and skips the new ones
 * beyond the cap; order locks are kept only for queues the
 * broker serves and are capped. A broker with small limits stands in for the defaults.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeHeartbeatData } from '../../src/protocol/body/heartbeat.js';
import type { ConsumerData } from '../../src/protocol/body/heartbeat.js';
import {
  decodeLockBatchResponseBody,
  encodeLockBatchRequestBody,
} from '../../src/protocol/body/lock-batch.js';
import { RequestCode } from '../../src/protocol/codes/request-code.js';
import { ResponseCode } from '../../src/protocol/codes/response-code.js';
import { ValidationBroker, assertRefused } from '../helpers/broker-validation.js';
import { consumerData } from '../helpers/heartbeats.js';

const consumer = (groupName: string, subscriptions = 1): ConsumerData =>
  consumerData(
    groupName,
    Array.from({ length: subscriptions }, (_, i) => `T${i}`),
    'CONSUME_PASSIVELY',
  );

const heartbeat = (groups: ConsumerData[], clientID = 'c1') =>
  encodeHeartbeatData({ clientID, producerDataSet: [], consumerDataSet: groups });

describe('broker client tables: caps', () => {
  let bench: ValidationBroker;
  before(async () => {
    bench = await ValidationBroker.start({
      maxHeartbeatGroups: 4,
      maxSubscriptionsPerGroup: 3,
      maxSubscriptionGroups: 6,
      maxRebalanceLocks: 8,
    });
  });
  after(async () => {
    await bench.stop();
  });

  it('HEART_BEAT beyond the group or subscription caps is refused whole, naming the cap', async () => {
    const baseline = await bench.held();
    const groups = (prefix: string, n: number) =>
      Array.from({ length: n }, (_, i) => consumer(`${prefix}${i}`));
    // Parsing stops at the first group or subscription beyond the cap; the remark names the option.
    assertRefused(
      await bench.call(RequestCode.HEART_BEAT, {}, heartbeat(groups('HB_A', 5))),
      ResponseCode.INVALID_PARAMETER,
      'heartbeat consumerDataSet has more than 4 groups (maxHeartbeatGroups)',
    );
    assertRefused(
      await bench.call(RequestCode.HEART_BEAT, {}, heartbeat(groups('HB_F', 50))),
      ResponseCode.INVALID_PARAMETER,
      'heartbeat consumerDataSet has more than 4 groups (maxHeartbeatGroups)',
    );
    const producers = encodeHeartbeatData({
      clientID: 'c1',
      producerDataSet: Array.from({ length: 50 }, (_, i) => ({ groupName: `HB_P${i}` })),
      consumerDataSet: [],
    });
    assertRefused(
      await bench.call(RequestCode.HEART_BEAT, {}, producers),
      ResponseCode.INVALID_PARAMETER,
      'heartbeat producerDataSet has more than 4 groups (maxHeartbeatGroups)',
    );
    for (const subs of [4, 40]) {
      assertRefused(
        await bench.call(RequestCode.HEART_BEAT, {}, heartbeat([consumer('HB_OK'), consumer('HB_S', subs)])),
        ResponseCode.INVALID_PARAMETER,
        'heartbeat group has more than 3 subscriptions (maxSubscriptionsPerGroup)',
      );
    }
    assert.deepEqual(await bench.held(), baseline, 'nothing of a refused heartbeat is kept');
  });

  it('HEART_BEAT at the subscription-group cap keeps the known groups and skips only new ones', async () => {
    const groups = (prefix: string, n: number) =>
      Array.from({ length: n }, (_, i) => consumer(`${prefix}${i}`));
    // Four groups fit (with their retry topics); the table cap is 6.
    const ok = await bench.call(RequestCode.HEART_BEAT, {}, heartbeat(groups('HB_B', 4)));
    assert.equal(ok.code, ResponseCode.SUCCESS, ok.remark);
    const before4 = await bench.held();
    assert.equal(before4.groups.filter((g) => g.startsWith('HB_B')).length, 4);
    assert.equal(before4.topics.filter((t) => t.startsWith('%RETRY%HB_B')).length, 4);
    // A client with a known group and three new ones: the known one and two new ones are kept, the
    // third is skipped; the heartbeat succeeds. Its subscription's 12 tags are not capped.
    const tagged = consumer('HB_B0');
    tagged.subscriptionDataSet[0]!.tagsSet = Array.from({ length: 12 }, (_, i) => `tag${i}`);
    tagged.subscriptionDataSet[0]!.subString = tagged.subscriptionDataSet[0]!.tagsSet.join(' || ');
    const mixed = await bench.call(
      RequestCode.HEART_BEAT,
      {},
      heartbeat([tagged, ...groups('HB_C', 3)], 'c2'),
    );
    assert.equal(mixed.code, ResponseCode.SUCCESS, mixed.remark);
    const after = await bench.held();
    const names = (list: string[], prefix: string) => list.filter((g) => g.startsWith(prefix));
    assert.deepEqual(names(after.groups, 'HB_'), [...names(before4.groups, 'HB_'), 'HB_C0', 'HB_C1']);
    assert.deepEqual(names(after.consumers, 'HB_'), [...names(before4.consumers, 'HB_'), 'HB_C0', 'HB_C1']);
    assert.deepEqual(names(after.topics, '%RETRY%HB_C'), ['%RETRY%HB_C0', '%RETRY%HB_C1']);
    assert.deepEqual(bench.broker.clients.consumerIds('HB_B0'), ['c2'], 'the known group was refreshed');
    // Known groups keep beating.
    const again = await bench.call(RequestCode.HEART_BEAT, {}, heartbeat(groups('HB_B', 4)));
    assert.equal(again.code, ResponseCode.SUCCESS, again.remark);
  });

  it('LOCK_BATCH_MQ keeps locks only for queues the broker serves, at most maxRebalanceLocks', async () => {
    const create = await bench.call(RequestCode.UPDATE_AND_CREATE_TOPIC, {
      topic: 'LockTopic',
      defaultTopic: 'TBW102',
      readQueueNums: '4',
      writeQueueNums: '4',
      perm: '6',
      topicFilterType: 'SINGLE_TAG',
      topicSysFlag: '0',
      order: 'false',
    });
    assert.equal(create.code, ResponseCode.SUCCESS, create.remark);
    const brokerName = bench.broker.brokerName;
    const lock = (
      group: string,
      clientId: string,
      mqSet: { topic: string; brokerName: string; queueId: number }[],
    ) =>
      bench.call(
        RequestCode.LOCK_BATCH_MQ,
        {},
        encodeLockBatchRequestBody({ consumerGroup: group, clientId, mqSet }),
      );
    const locked = async (r: Awaited<ReturnType<typeof lock>>) => {
      assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
      return decodeLockBatchResponseBody(r.body!).lockOKMQSet.length;
    };
    const queues = (topic: string, n: number, name = brokerName) =>
      Array.from({ length: n }, (_, queueId) => ({ topic, brokerName: name, queueId }));
    // Queues that do not exist here (no topic, queue id past the count, another broker) are answered as
    // Java answers a free queue, but not kept: another client gets them too.
    const ghosts = [
      ...queues('NoSuchTopic', 50),
      ...queues('LockTopic', 50).slice(4),
      ...queues('LockTopic', 4, 'other'),
    ];
    assert.equal(await locked(await lock('LG', 'c1', ghosts)), ghosts.length);
    assert.equal(await locked(await lock('LG', 'c2', ghosts)), ghosts.length);
    // Real queues: held by c1, refused to c2.
    assert.equal(await locked(await lock('LG', 'c1', queues('LockTopic', 4))), 4);
    assert.equal(await locked(await lock('LG', 'c2', queues('LockTopic', 4))), 0);
    assert.equal(await locked(await lock('LG2', 'c1', queues('LockTopic', 4))), 4);
    // The cap (8) is reached: a third group is refused whole, the holders keep renewing.
    assertRefused(
      await lock('LG3', 'c1', queues('LockTopic', 1)),
      ResponseCode.SYSTEM_BUSY,
      /maxRebalanceLocks/,
    );
    assert.equal(await locked(await lock('LG', 'c1', queues('LockTopic', 4))), 4);
  });
});
