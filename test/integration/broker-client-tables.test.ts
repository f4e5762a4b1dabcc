/**
 * The broker's client tables stay bounded (client-table-limits.ts): a heartbeat naming too many
 * groups or subscriptions, or one that would take the subscription-group table past its cap, is
 * refused whole (no group, consumer or retry topic kept); order locks are kept only for queues the
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

function consumer(groupName: string, subscriptions = 1): ConsumerData {
  return {
    groupName,
    consumeType: 'CONSUME_PASSIVELY',
    messageModel: 'CLUSTERING',
    consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
    subscriptionDataSet: Array.from({ length: subscriptions }, (_, i) => ({
      topic: `T${i}`,
      subString: '*',
      tagsSet: [],
      codeSet: [],
      subVersion: 1,
      expressionType: 'TAG',
      classFilterMode: false,
    })),
    unitMode: false,
  };
}

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

  it('HEART_BEAT beyond the group, subscription or table caps is refused whole', async () => {
    const baseline = await bench.held();
    const groups = (prefix: string, n: number) =>
      Array.from({ length: n }, (_, i) => consumer(`${prefix}${i}`));
    assertRefused(
      await bench.call(RequestCode.HEART_BEAT, {}, heartbeat(groups('HB_A', 5))),
      ResponseCode.INVALID_PARAMETER,
      'heartbeat consumerDataSet has 5 groups, more than 4 (maxHeartbeatGroups)',
    );
    assertRefused(
      await bench.call(RequestCode.HEART_BEAT, {}, heartbeat([consumer('HB_OK'), consumer('HB_S', 4)])),
      ResponseCode.INVALID_PARAMETER,
      'heartbeat group HB_S has 4 subscriptions, more than 3 (maxSubscriptionsPerGroup)',
    );
    // Far over the cap: the body is not even parsed to its end.
    const far = await bench.call(RequestCode.HEART_BEAT, {}, heartbeat(groups('HB_F', 50)));
    assertRefused(far, ResponseCode.SYSTEM_ERROR, /array of more than 5 items/);
    assert.deepEqual(await bench.held(), baseline, 'nothing of a refused heartbeat is kept');

    // Four groups fit (with their retry topics); four more would pass the table cap of 6.
    const ok = await bench.call(RequestCode.HEART_BEAT, {}, heartbeat(groups('HB_B', 4)));
    assert.equal(ok.code, ResponseCode.SUCCESS, ok.remark);
    const before4 = await bench.held();
    assert.equal(before4.groups.filter((g) => g.startsWith('HB_B')).length, 4);
    assert.equal(before4.topics.filter((t) => t.startsWith('%RETRY%HB_B')).length, 4);
    assertRefused(
      await bench.call(RequestCode.HEART_BEAT, {}, heartbeat(groups('HB_C', 4), 'c2')),
      ResponseCode.SYSTEM_ERROR,
      /^the broker (keeps|tracks) .*\(maxSubscriptionGroups\)/,
    );
    assert.deepEqual(await bench.held(), before4, 'nothing of the refused heartbeat is kept');
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
