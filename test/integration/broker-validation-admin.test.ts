/**
 * Issue 10 defect 3, bookkeeping and admin paths: consumer offsets (query / update), topic admin
 * (create / delete), subscription-group admin, heartbeats, rebalance locks and offset lookups refuse
 * bad names and numbers, with Java's codes and remarks where Java checks and INVALID_PARAMETER with
 * what to change where it does not; nothing of a refused request is kept or saved.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeHeartbeatData } from '../../src/protocol/body/heartbeat.js';
import type { ConsumerData } from '../../src/protocol/body/heartbeat.js';
import { encodeLockBatchRequestBody } from '../../src/protocol/body/lock-batch.js';
import { RequestCode } from '../../src/protocol/codes/request-code.js';
import { ResponseCode } from '../../src/protocol/codes/response-code.js';
import { sendRequest } from '../helpers/broker-client.js';
import { BAD_NAMES, ValidationBroker, assertRefused, holdsNoBadName } from '../helpers/broker-validation.js';
import type { HeldNames } from '../helpers/broker-validation.js';
import { consumerData } from '../helpers/heartbeats.js';

const INVALID = ResponseCode.INVALID_PARAMETER;
const ILLEGAL = 'The specified topic contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$';
const TOPIC_REMARK: Record<string, string> = {
  'a b': ILLEGAL,
  'a/b': ILLEGAL,
  'x\u0000y': ILLEGAL,
  ['z'.repeat(10_001)]: 'The specified topic is longer than topic max length.',
  '': 'The specified topic is blank.',
};

const consumer = (groupName: string, topic = 'GoodTopic'): ConsumerData => consumerData(groupName, [topic]);

describe('broker validation: offsets, admin, heartbeats, locks', () => {
  let bench: ValidationBroker;
  let baseline: HeldNames;
  const offsets = (code: number, fields: Record<string, string>) =>
    bench.call(code, { consumerGroup: 'CG_OK', topic: 'GoodTopic', queueId: '0', ...fields });
  const createTopic = (fields: Record<string, string>) =>
    bench.call(RequestCode.UPDATE_AND_CREATE_TOPIC, {
      topic: 'AdminTopic',
      defaultTopic: 'TBW102',
      readQueueNums: '4',
      writeQueueNums: '4',
      perm: '6',
      topicFilterType: 'SINGLE_TAG',
      order: 'false',
      ...fields,
    });
  const group = (json: Record<string, unknown>) =>
    bench.call(
      RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP,
      {},
      Buffer.from(JSON.stringify({ groupName: 'AdminGroup', ...json })),
    );

  before(async () => {
    bench = await ValidationBroker.start();
    const seed = sendRequest({ topic: 'GoodTopic', body: 'seed' });
    assert.equal((await bench.call(seed.code, seed.extFields, seed.body)).code, ResponseCode.SUCCESS);
    baseline = await bench.held();
  });
  after(async () => {
    const saved = await bench.stop();
    assert.ok(holdsNoBadName(saved.topics), `topics.json: ${saved.topics.join(', ')}`);
    assert.deepEqual(saved.offsets, [], 'no refused request committed an offset');
    assert.deepEqual(saved.queueDirs, ['GoodTopic']);
  });

  it('UPDATE_CONSUMER_OFFSET: 5.x group / topic answers, then queue id and offset', async () => {
    for (const [label, name] of BAD_NAMES) {
      const byGroup = await offsets(RequestCode.UPDATE_CONSUMER_OFFSET, {
        consumerGroup: name,
        commitOffset: '1',
      });
      assertRefused(byGroup, ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST, `Group ${name} not exist!`, label);
      const byTopic = await offsets(RequestCode.UPDATE_CONSUMER_OFFSET, { topic: name, commitOffset: '1' });
      assertRefused(byTopic, ResponseCode.TOPIC_NOT_EXIST, `Topic ${name} not exist!`, label);
    }
    const numbers: [Record<string, string>, RegExp][] = [
      [
        { queueId: '-1', commitOffset: '1' },
        /^queueId -1 is out of range: topic\[GoodTopic\] has queues 0 to 3/,
      ],
      [{ queueId: '4', commitOffset: '1' }, /^queueId 4 is out of range/],
      [{ commitOffset: '-1' }, /^commitOffset -1 is negative: commit an offset of 0 or more$/],
    ];
    for (const [fields, remark] of numbers) {
      assertRefused(await offsets(RequestCode.UPDATE_CONSUMER_OFFSET, fields), INVALID, remark);
    }
    const huge = await offsets(RequestCode.UPDATE_CONSUMER_OFFSET, {
      queueId: '2147483648',
      commitOffset: '1',
    });
    assert.notEqual(huge.code, ResponseCode.SUCCESS);
    assert.deepEqual(await bench.held(), baseline);
  });

  it('QUERY_CONSUMER_OFFSET and the offset lookups refuse names and queue ids that can have no answer', async () => {
    for (const [label, name] of BAD_NAMES) {
      const q = await offsets(RequestCode.QUERY_CONSUMER_OFFSET, { consumerGroup: name });
      assertRefused(q, INVALID, /^consumerGroup: the specified group/, label);
      assertRefused(
        await offsets(RequestCode.QUERY_CONSUMER_OFFSET, { topic: name }),
        INVALID,
        /^topic: The specified topic/,
      );
      for (const code of [
        RequestCode.GET_MAX_OFFSET,
        RequestCode.GET_MIN_OFFSET,
        RequestCode.GET_EARLIEST_MSG_STORETIME,
      ]) {
        assertRefused(
          await bench.call(code, { topic: name, queueId: '0' }),
          INVALID,
          /^topic: /,
          `${code} ${label}`,
        );
      }
      const search = await bench.call(RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, {
        topic: name,
        queueId: '0',
        timestamp: '0',
      });
      assertRefused(search, INVALID, /^topic: /);
    }
    assertRefused(
      await offsets(RequestCode.QUERY_CONSUMER_OFFSET, { queueId: '-1' }),
      INVALID,
      /^queueId -1 is out of range/,
    );
    assertRefused(
      await bench.call(RequestCode.GET_MAX_OFFSET, { topic: 'GoodTopic', queueId: '-1' }),
      INVALID,
    );
    assert.equal((await bench.call(RequestCode.GET_MAX_OFFSET, { topic: 'Nope', queueId: '0' })).code, 0);
  });

  it('UPDATE_AND_CREATE_TOPIC and DELETE_TOPIC_IN_BROKER: names (4.9.8 SYSTEM_ERROR), numbers INVALID_PARAMETER', async () => {
    for (const [label, topic] of BAD_NAMES) {
      assertRefused(await createTopic({ topic }), ResponseCode.SYSTEM_ERROR, TOPIC_REMARK[topic], label);
      const del = await bench.call(RequestCode.DELETE_TOPIC_IN_BROKER, { topic });
      assertRefused(del, ResponseCode.SYSTEM_ERROR, TOPIC_REMARK[topic], label);
    }
    const numbers: [Record<string, string>, RegExp][] = [
      [{ readQueueNums: '-1' }, /^readQueueNums -1 is out of range: set readQueueNums between 0 and 1024$/],
      [{ writeQueueNums: '-1' }, /^writeQueueNums -1 is out of range/],
      [{ readQueueNums: '1025' }, /^readQueueNums 1025 is out of range/],
      [{ writeQueueNums: '2147483647' }, /^writeQueueNums 2147483647 is out of range/],
      [{ perm: '8' }, /^perm 8 is out of range: set perm between 0 and 7$/],
      [{ perm: '-1' }, /^perm -1 is out of range/],
      [{ topicSysFlag: '4' }, /^topicSysFlag 4 is invalid/],
    ];
    for (const [fields, remark] of numbers) assertRefused(await createTopic(fields), INVALID, remark);
    assert.notEqual((await createTopic({ readQueueNums: '2147483648' })).code, ResponseCode.SUCCESS);
    assert.deepEqual(await bench.held(), baseline);
    // 0 queues are accepted, as Java accepts them (updateTopic -w 0 stops writes while reads drain).
    assert.equal(
      (await createTopic({ topic: 'DrainedTopic', writeQueueNums: '0' })).code,
      ResponseCode.SUCCESS,
    );
    assert.equal(
      (await createTopic({ topic: 'DrainedTopic', readQueueNums: '0', writeQueueNums: '0' })).code,
      ResponseCode.SUCCESS,
    );
    assert.equal((await bench.call(RequestCode.DELETE_TOPIC_IN_BROKER, { topic: 'DrainedTopic' })).code, 0);
    assert.deepEqual(await bench.held(), baseline);
  });

  it('subscription-group admin refuses bad group names and numbers', async () => {
    for (const body of [undefined, Buffer.alloc(0)]) {
      assertRefused(
        await bench.call(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, {}, body),
        ResponseCode.SYSTEM_ERROR,
        'UPDATE_AND_CREATE_SUBSCRIPTIONGROUP needs a body: the SubscriptionGroupConfig JSON to store',
      );
    }
    for (const [label, groupName] of BAD_NAMES) {
      assertRefused(await group({ groupName }), INVALID, /^groupName: the specified group/, label);
      const del = await bench.call(RequestCode.DELETE_SUBSCRIPTIONGROUP, { groupName });
      assertRefused(del, INVALID, /^groupName: the specified group/, label);
    }
    const numbers: [Record<string, unknown>, RegExp][] = [
      [{ retryQueueNums: -1 }, /^retryQueueNums -1 is out of range: set retryQueueNums between 0 and 1024$/],
      [{ retryQueueNums: 2147483647 }, /^retryQueueNums 2147483647 is out of range/],
      [{ retryMaxTimes: -1 }, /^retryMaxTimes -1 is out of range/],
      [{ brokerId: -1 }, /^brokerId -1 is out of range/],
    ];
    for (const [json, remark] of numbers) assertRefused(await group(json), INVALID, remark);
    assert.deepEqual(await bench.held(), baseline);
  });

  it('HEART_BEAT is refused whole when one group is bad', async () => {
    for (const [label, name] of BAD_NAMES) {
      const cases: [Parameters<typeof encodeHeartbeatData>[0], RegExp][] = [
        [
          { clientID: 'c1', producerDataSet: [], consumerDataSet: [consumer('CG_HB'), consumer(name)] },
          /^heartbeat consumerDataSet\.groupName: the specified group/,
        ],
        [
          { clientID: 'c1', producerDataSet: [{ groupName: name }], consumerDataSet: [consumer('CG_HB')] },
          /^heartbeat producerDataSet\.groupName: the specified group/,
        ],
      ];
      for (const [data, remark] of cases) {
        assertRefused(
          await bench.call(RequestCode.HEART_BEAT, {}, encodeHeartbeatData(data)),
          INVALID,
          remark,
          label,
        );
      }
    }
    // Nothing of the refused heartbeats was applied: no consumer, producer, group or retry topic.
    assert.deepEqual(await bench.held(), baseline);
  });

  it('HEART_BEAT takes subscriptions to any topic name, as Java (a long group subscribes to its %RETRY% topic)', async () => {
    // Java's subscribe() checks no topic name, and the %RETRY% topic of a group of 121-255 characters
    // is longer than a topic may be: refusing the heartbeat stopped every consumer of the client.
    const longGroup = `CG_LONG_${'g'.repeat(150)}`;
    const data = {
      clientID: 'c-any-topic',
      producerDataSet: [{ groupName: 'PG_ANY_TOPIC' }],
      consumerDataSet: [
        consumer('CG_ANY_TOPIC', 'orders.v2'),
        consumerData(longGroup, ['GoodTopic', `%RETRY%${longGroup}`]),
      ],
    };
    const r = await bench.call(RequestCode.HEART_BEAT, {}, encodeHeartbeatData(data));
    assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
    for (const group of ['CG_ANY_TOPIC', longGroup]) {
      const list = await bench.call(RequestCode.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup: group });
      assert.equal(list.code, ResponseCode.SUCCESS, `${group}: ${list.remark ?? ''}`);
      assert.match(list.body!.toString(), /c-any-topic/);
    }
    const held = await bench.held();
    assert.ok(held.producers.includes('PG_ANY_TOPIC'));
    assert.ok(held.consumers.includes(longGroup));
    // The long group has no retry topic (it would be too long to be one); the short one has its own.
    assert.ok(held.topics.includes('%RETRY%CG_ANY_TOPIC'));
    assert.ok(!held.topics.some((t) => t.includes('CG_LONG_')));
    const unregister = async (group: string, producer = false) =>
      bench.call(RequestCode.UNREGISTER_CLIENT, {
        clientID: 'c-any-topic',
        ...(producer ? { producerGroup: group } : { consumerGroup: group }),
      });
    for (const group of ['CG_ANY_TOPIC', longGroup]) await unregister(group);
    await unregister('PG_ANY_TOPIC', true);
    const after = await bench.held();
    assert.ok(!after.consumers.includes(longGroup) && !after.producers.includes('PG_ANY_TOPIC'));
    baseline = after; // the groups and the retry topic stay, as in Java
  });

  it('LOCK_BATCH_MQ / UNLOCK_BATCH_MQ refuse bad groups, topics and queue ids', async () => {
    const body = (consumerGroup: string, topic: string, queueId = 0) =>
      encodeLockBatchRequestBody({
        consumerGroup,
        clientId: 'c1',
        mqSet: [{ topic, brokerName: 'broker-a', queueId }],
      });
    for (const code of [RequestCode.LOCK_BATCH_MQ, RequestCode.UNLOCK_BATCH_MQ]) {
      for (const [label, name] of BAD_NAMES) {
        assertRefused(
          await bench.call(code, {}, body(name, 'GoodTopic')),
          INVALID,
          /^consumerGroup: /,
          label,
        );
        assertRefused(await bench.call(code, {}, body('CG_LOCK', name)), INVALID, /^mqSet\.topic: /, label);
      }
      assertRefused(
        await bench.call(code, {}, body('CG_LOCK', 'GoodTopic', -1)),
        INVALID,
        /^mqSet\.queueId -1/,
      );
    }
    const locked = await bench.call(RequestCode.LOCK_BATCH_MQ, {}, body('CG_LOCK', 'GoodTopic'));
    assert.equal(locked.code, ResponseCode.SUCCESS);
  });
});
