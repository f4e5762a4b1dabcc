/**
 * Broker tables without a network: topic auto-creation rules and system topics, Java texts built from
 * topic configs, tag filters, client channel expiry and consumer-change notices, order locks, options.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { TopicConfigManager } from '../../src/server/broker/core/topic-config-manager.js';
import { permToString, topicConfigToString } from '../../src/server/broker/core/topic-config.js';
import {
  buildTagFilter,
  pullStatusToCode,
  tagsCodeFilter,
} from '../../src/server/broker/pull/pull-requests.js';
import { ClientManager } from '../../src/server/broker/core/client-manager.js';
import { ConsumerOffsetManager, SubscriptionGroupManager } from '../../src/server/broker/core/groups.js';
import { RebalanceLockManager } from '../../src/server/broker/core/rebalance-locks.js';
import { RequestRefusedError } from '../../src/common/errors.js';
import { ResponseCode } from '../../src/protocol/codes/response-code.js';
import { parseDelayLevels, resolveBrokerOptions } from '../../src/server/broker/core/broker-config.js';
import { IllegalArgumentError } from '../../src/common/errors.js';
import type { RemotingChannel } from '../../src/transport/types.js';

function manager(autoCreateTopicEnable = true, changes: string[] = []): TopicConfigManager {
  return new TopicConfigManager({
    brokerName: 'broker-a',
    clusterName: 'DefaultCluster',
    autoCreateTopicEnable,
    defaultTopicQueueNums: 8,
    clusterTopicEnable: true,
    brokerTopicEnable: true,
    onChanged: (c) => changes.push(c?.topicName ?? '(deleted)'),
  });
}

describe('TopicConfigManager', () => {
  it('creates the 4.9.8 system topics with their queue counts and perms', () => {
    const m = manager();
    const t = (name: string): [number, number, number] | undefined => {
      const c = m.select(name);
      return c && [c.readQueueNums, c.writeQueueNums, c.perm];
    };
    assert.deepEqual(t('TBW102'), [8, 8, 7]);
    assert.deepEqual(t('SELF_TEST_TOPIC'), [1, 1, 6]);
    assert.deepEqual(t('BenchmarkTest'), [1024, 1024, 6]);
    assert.deepEqual(t('DefaultCluster'), [16, 16, 7]);
    assert.deepEqual(t('broker-a'), [1, 1, 7]);
    assert.deepEqual(t('OFFSET_MOVED_EVENT'), [1, 1, 6]);
    assert.deepEqual(t('SCHEDULE_TOPIC_XXXX'), [18, 18, 6]);
    assert.deepEqual(t('DefaultCluster_REPLY_TOPIC'), [1, 1, 6]);
    assert.equal(m.table.size, 8);
    assert.ok(m.isSystemTopic('broker-a') && m.isSystemTopic('rmq_sys_x') && !m.isSystemTopic('TopicTest'));
    assert.equal(manager(false).select('TBW102'), undefined);
  });

  it('auto-creates min(requested, template write queues) queues without INHERIT', () => {
    const changes: string[] = [];
    const m = manager(true, changes);
    const before = m.dataVersion.counter;
    assert.deepEqual(
      [m.createInSendMessage('T4', 'TBW102', 4, 0)].map((c) => [
        c?.readQueueNums,
        c?.writeQueueNums,
        c?.perm,
      ]),
      [[4, 4, 6]],
    );
    assert.equal(m.createInSendMessage('T16', 'TBW102', 16, 0)?.writeQueueNums, 8);
    assert.equal(m.createInSendMessage('TNeg', 'TBW102', -3, 0)?.writeQueueNums, 0);
    assert.equal(m.createInSendMessage('TX', 'SELF_TEST_TOPIC', 4, 0), undefined, 'template without INHERIT');
    assert.equal(m.createInSendMessage('TY', 'NoSuchTopic', 4, 0), undefined);
    assert.deepEqual(changes, ['T4', 'T16', 'TNeg']);
    assert.equal(m.dataVersion.counter, before + 3);
    assert.equal(
      m.createInSendMessage('T4', 'TBW102', 1, 0)?.writeQueueNums,
      4,
      'existing topic returned as is',
    );
  });

  it('retry topics, updates and deletes bump the data version', () => {
    const m = manager();
    const c = m.createInSendMessageBack('%RETRY%G', 1, 6, 0);
    assert.deepEqual([c.readQueueNums, c.perm], [1, 6]);
    const v = m.dataVersion.counter;
    assert.equal(m.delete('%RETRY%G'), true);
    assert.equal(m.delete('%RETRY%G'), false);
    assert.equal(m.dataVersion.counter, v + 1);
  });

  it('formats TopicConfig and perms like Java', () => {
    assert.deepEqual(
      [permToString(7), permToString(6), permToString(4), permToString(0)],
      ['RWX', 'RW-', 'R--', '---'],
    );
    const m = manager();
    assert.equal(
      topicConfigToString(m.select('TBW102')!),
      'TopicConfig [topicName=TBW102, readQueueNums=8, writeQueueNums=8, perm=RWX, topicFilterType=SINGLE_TAG, topicSysFlag=0, order=false]',
    );
  });
});

describe('tag filter', () => {
  it('matches by Java hash of each tag; * and empty match everything', () => {
    assert.equal(buildTagFilter('*').codes, undefined);
    assert.equal(buildTagFilter('  ').codes, undefined);
    assert.equal(buildTagFilter(undefined).codes, undefined);
    const f = tagsCodeFilter(buildTagFilter('TagA || TagB ||'))!;
    assert.equal(f(2598919n), true); // TagA
    assert.equal(f(2598920n), true); // TagB
    assert.equal(f(0n), false);
    const cn = tagsCodeFilter(buildTagFilter('tag-中文'))!;
    assert.equal(cn(BigInt.asIntN(64, 0xffffffffcb82680dn)), true, 'negative hash, sign-extended tags code');
  });

  it('maps store statuses to pull codes', () => {
    assert.equal(pullStatusToCode('FOUND', 0n), 0);
    assert.equal(pullStatusToCode('NO_MESSAGE_IN_QUEUE', 0n), 19);
    assert.equal(pullStatusToCode('NO_MESSAGE_IN_QUEUE', 3n), 21);
    assert.equal(pullStatusToCode('OFFSET_OVERFLOW_ONE', 3n), 19);
    assert.equal(pullStatusToCode('OFFSET_OVERFLOW_BADLY', 3n), 21);
    assert.equal(pullStatusToCode('OFFSET_TOO_SMALL', 3n), 21);
    assert.equal(pullStatusToCode('NO_MATCHED_MESSAGE', 3n), 20);
    assert.equal(pullStatusToCode('OFFSET_FOUND_NULL', 3n), 19);
  });
});

function fakeChannel(id: number): RemotingChannel & { closedWith?: string | undefined } {
  const ch = {
    id,
    remoteAddress: `10.0.0.${id}:1234`,
    localAddress: '127.0.0.1:10911',
    closed: false,
    closedWith: undefined as string | undefined,
    invoke: () => Promise.reject(new Error('unused')),
    invokeOneway: () => Promise.resolve(),
    send: () => Promise.resolve(),
    close(reason?: string) {
      ch.closed = true;
      ch.closedWith = reason;
    },
  };
  return ch;
}

describe('ClientManager', () => {
  const consumer = (topics: string[], subVersion = 1) => ({
    groupName: 'G',
    consumeType: 'CONSUME_PASSIVELY',
    messageModel: 'CLUSTERING',
    consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
    unitMode: false,
    subscriptionDataSet: topics.map((topic) => ({
      topic,
      subString: '*',
      tagsSet: [],
      codeSet: [],
      subVersion,
      expressionType: 'TAG',
      classFilterMode: false,
    })),
  });

  it('notifies the group when members or subscriptions change, and expires silent channels', () => {
    let now = 1000;
    const notices: [string, number[]][] = [];
    const m = new ClientManager({
      channelExpiredTimeoutMillis: 120_000,
      now: () => now,
      onConsumerIdsChanged: (g, chs) => notices.push([g, chs.map((c) => c.id)]),
    });
    const a = fakeChannel(1);
    const b = fakeChannel(2);
    const info = (ch: RemotingChannel, id: string) => ({
      channel: ch,
      clientId: id,
      language: 'JAVA',
      version: 409,
    });
    assert.equal(m.registerConsumer(consumer(['T']), info(a, 'ca'), true), true);
    assert.equal(
      m.registerConsumer(consumer(['T']), info(a, 'ca'), true),
      false,
      'same heartbeat: no change',
    );
    assert.equal(m.registerConsumer(consumer(['T']), info(b, 'cb'), true), true);
    assert.equal(m.registerConsumer(consumer(['T', 'U']), info(b, 'cb'), true), true, 'new topic');
    assert.deepEqual(m.consumerIds('G'), ['ca', 'cb']);
    m.registerProducer('PG', info(a, 'ca'));
    assert.deepEqual(notices, [
      ['G', [1]],
      ['G', [1, 2]],
      ['G', [1, 2]],
    ]);

    now += 100_000;
    m.registerConsumer(consumer(['T', 'U']), info(b, 'cb'), true); // b stays fresh
    now += 30_000;
    assert.equal(m.scanNotActive(), 2, 'a as consumer and as producer');
    assert.equal(a.closed, true);
    assert.equal(b.closed, false);
    assert.deepEqual(m.consumerIds('G'), ['cb']);
    assert.equal(m.producers.size, 0);

    m.onChannelClosed(b);
    assert.equal(m.consumerGroup('G'), undefined);
    assert.deepEqual(notices.at(-1), ['G', []]);
  });
});

describe('RebalanceLockManager', () => {
  it('gives a queue to one client until it unlocks or the lock ages out', () => {
    let now = 0;
    const locks = new RebalanceLockManager(60_000, Infinity, () => now);
    const mq = { topic: 'T', brokerName: 'b', queueId: 0 };
    assert.equal(locks.tryLockBatch('G', [mq], 'c1').length, 1);
    assert.equal(locks.tryLockBatch('G', [mq], 'c2').length, 0);
    assert.equal(locks.tryLockBatch('OtherGroup', [mq], 'c2').length, 1, 'locks are per group');
    now = 59_000;
    assert.equal(locks.tryLockBatch('G', [mq], 'c1').length, 1, 'renewed');
    now = 119_001;
    assert.equal(locks.tryLockBatch('G', [mq], 'c2').length, 1, 'expired');
    locks.unlockBatch('G', [mq], 'c1');
    assert.equal(locks.tryLockBatch('G', [mq], 'c1').length, 0, 'only the holder unlocks');
  });

  it('stores only queues the broker serves, purges expired locks and refuses a batch beyond the cap', () => {
    let now = 0;
    const locks = new RebalanceLockManager(60_000, 3, () => now);
    const mqs = (n: number, from = 0) =>
      Array.from({ length: n }, (_, i) => ({ topic: 'T', brokerName: 'b', queueId: from + i }));
    const served = (mq: { queueId: number }) => mq.queueId < 100;
    // Queues the broker does not serve are answered locked, as Java answers a free queue, and not kept.
    assert.equal(locks.tryLockBatch('G', mqs(1000, 100), 'c1', served).length, 1000);
    assert.equal(locks.size, 0);
    assert.equal(locks.tryLockBatch('G', mqs(2), 'c1', served).length, 2);
    assert.equal(locks.size, 2);
    // Two more would pass the cap of 3: refused whole, nothing applied.
    assert.throws(
      () => locks.tryLockBatch('H', mqs(2), 'c2', served),
      (err: unknown) =>
        err instanceof RequestRefusedError &&
        err.code === ResponseCode.SYSTEM_BUSY &&
        /maxRebalanceLocks/.test(err.message),
    );
    assert.equal(locks.size, 2);
    assert.equal(locks.tryLockBatch('G', mqs(2), 'c1', served).length, 2, 'renewals need no room');
    // Once expired, the locks are purged (periodically, or when the table is full).
    now = 60_001;
    assert.equal(locks.tryLockBatch('H', mqs(3), 'c2', served).length, 3);
    assert.equal(locks.size, 3);
    now = 200_000;
    assert.equal(locks.purgeExpired(), 3);
    assert.equal(locks.size, 0);
  });
});

describe('SubscriptionGroupManager', () => {
  it('refuses new groups beyond maxSubscriptionGroups, a batch whole', () => {
    const groups = new SubscriptionGroupManager(true, 3);
    groups.find('G1');
    assert.throws(
      () => groups.lookupAll(['G1', 'G2', 'G3', 'G4', 'G2']),
      (err: unknown) => err instanceof RequestRefusedError && /maxSubscriptionGroups/.test(err.message),
    );
    assert.equal(groups.table.size, 1);
    assert.equal(groups.lookupAll(['G1', 'G2', 'G3', 'G2']).length, 4, 'a repeated name counts once');
    groups.find('G2');
    groups.find('G3');
    assert.equal(groups.lookup('G1')?.groupName, 'G1', 'known groups stay readable');
    assert.throws(() => groups.lookup('G4'), /maxSubscriptionGroups/);
    assert.throws(() => groups.put({ ...groups.lookup('G1')!, groupName: 'G4' }), /maxSubscriptionGroups/);
    assert.equal(groups.table.size, 3);
  });
});

describe('ConsumerOffsetManager', () => {
  it("deleteGroup drops that group's offsets and last pull positions only", () => {
    const committed = new Map<string, bigint>();
    const deletedGroups: string[] = [];
    const offsets = new ConsumerOffsetManager({
      commitOffset: (g, t, q, o) => void committed.set(`${t}@${g}@${q}`, o),
      queryOffset: (g, t, q) => committed.get(`${t}@${g}@${q}`) ?? -1n,
      deleteOffsetsOfGroup: (g) => void deletedGroups.push(g),
    });
    // A topic named like the group, a group whose name holds the deleted one's: both stay.
    offsets.commitPullOffset('G', 'T', 0, 5n);
    offsets.commitPullOffset('GG', 'T', 0, 6n);
    offsets.commitPullOffset('X', 'G', 0, 7n);
    offsets.commitPullOffset('G', 'G', 1, 8n);
    offsets.deleteGroup('G');
    assert.deepEqual(deletedGroups, ['G']);
    assert.equal(offsets.queryPullOffset('G', 'T', 0), -1n);
    assert.equal(offsets.queryPullOffset('G', 'G', 1), -1n);
    assert.equal(offsets.queryPullOffset('GG', 'T', 0), 6n);
    assert.equal(offsets.queryPullOffset('X', 'G', 0), 7n);
  });
});

describe('broker options', () => {
  it('fills defaults and refuses bad values', () => {
    const o = resolveBrokerOptions({ namesrvAddrs: ['127.0.0.1:9876'], port: 0 });
    assert.deepEqual(
      [
        o.host,
        o.brokerName,
        o.clusterName,
        o.brokerId,
        o.flushDiskType,
        o.defaultTopicQueueNums,
        o.registerIntervalMillis,
        o.maxMessageSize,
      ],
      ['127.0.0.1', 'broker-a', 'DefaultCluster', 0, 'ASYNC_FLUSH', 8, 30_000, 4 * 1024 * 1024],
    );
    assert.throws(() => resolveBrokerOptions({ port: 70000 }), IllegalArgumentError);
    assert.throws(() => resolveBrokerOptions({ brokerName: 'bad name' }), IllegalArgumentError);
    assert.throws(() => resolveBrokerOptions({ flushDiskType: 'SOMETIMES' as never }), IllegalArgumentError);
    // Java BrokerConfig: processReplyMessageThreadPoolNums 16 + 2 x cores, replyThreadPoolQueueCapacity 10000.
    assert.equal(o.processReplyMessageThreadPoolNums, 16 + 2 * os.availableParallelism());
    assert.equal(o.replyThreadPoolQueueCapacity, 10_000);
    assert.throws(
      () => resolveBrokerOptions({ processReplyMessageThreadPoolNums: 0 }),
      /processReplyMessageThreadPoolNums/,
    );
    assert.throws(
      () => resolveBrokerOptions({ replyThreadPoolQueueCapacity: 1.5 }),
      /replyThreadPoolQueueCapacity/,
    );
    assert.deepEqual(parseDelayLevels('1s 5s 1m 2h 1d'), [1000, 5000, 60_000, 7_200_000, 86_400_000]);
    assert.equal(parseDelayLevels(o.messageDelayLevel).length, 18);
    assert.throws(() => parseDelayLevels('1s 5x'), IllegalArgumentError);
  });

  it('auto-creates subscription groups with Java defaults only when enabled', () => {
    const g = new SubscriptionGroupManager(true).find('G');
    assert.deepEqual([g?.retryQueueNums, g?.retryMaxTimes, g?.consumeEnable], [1, 16, true]);
    assert.equal(new SubscriptionGroupManager(false).find('G'), undefined);
  });
});
