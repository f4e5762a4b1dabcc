/**
 * Route registry semantics (Java RouteInfoManager 4.9.8 + the 5.x registration extras) and the
 * iteration orders of the tables. Vectors marked [J] were printed by Java 17's HashMap / HashSet
 * filled the way the name server fills them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RouteRegistry } from '../../src/server/namesrv/route-registry.js';
import type { BrokerRegistration } from '../../src/server/namesrv/route-registry.js';
import {
  allTopics,
  clusterInfo,
  pickupTopicRouteData,
  systemTopics,
  topicsByCluster,
} from '../../src/server/namesrv/route-queries.js';
import { changeWritePerm, deleteTopic } from '../../src/server/namesrv/route-admin.js';
import { JavaHashMap, grownCapacity, tableSizeFor } from '../../src/protocol/java/hash-map.js';
import { makeTopicConfig } from '../../src/protocol/body/topic-config.js';
import type { TopicConfig } from '../../src/protocol/body/topic-config.js';
import { encodeTopicRouteData } from '../../src/protocol/body/route.js';
import { encodeClusterInfo } from '../../src/protocol/body/cluster-info.js';
import { NameServerRequestError } from '../../src/server/namesrv/limits.js';
import type { RemotingChannel } from '../../src/transport/types.js';

function reg(over: Partial<BrokerRegistration> & { topics?: TopicConfig[] } = {}): BrokerRegistration {
  const { topics, ...rest } = over;
  return {
    clusterName: 'DefaultCluster',
    brokerAddr: '127.0.0.1:10911',
    brokerName: 'broker-a',
    brokerId: 0,
    haServerAddr: '127.0.0.1:10912',
    dataVersion: { timestamp: 1700000000000, counter: 1 },
    topicConfigs: topics ?? [makeTopicConfig('TopicTest', { readQueueNums: 4, writeQueueNums: 4 })],
    ...rest,
  };
}

function fakeChannel(remoteAddress: string): RemotingChannel & { closedWith?: string | undefined } {
  const ch = {
    remoteAddress,
    localAddress: '127.0.0.1:9876',
    id: Math.floor(Math.random() * 1e9),
    closed: false,
    closedWith: undefined as string | undefined,
    invoke: () => Promise.reject(new Error('not used')),
    invokeOneway: () => Promise.resolve(),
    send: () => Promise.resolve(),
    close(reason?: string) {
      ch.closed = true;
      ch.closedWith = reason ?? '';
    },
  };
  return ch;
}

test('JavaHashMap capacity follows HashMap growth and never shrinks', () => {
  assert.equal(tableSizeFor(1024), 1024);
  assert.equal(tableSizeFor(100), 128);
  assert.equal(grownCapacity(16, 12), 16);
  assert.equal(grownCapacity(16, 13), 32);
  const m = new JavaHashMap<number>();
  for (let i = 0; i < 20; i++) m.set(`b${i}-x`, i);
  assert.equal(m.javaCapacity, 32);
  for (let i = 0; i < 20; i++) if (i % 4 !== 0) m.delete(`b${i}-x`);
  assert.equal(m.javaCapacity, 32);
  assert.deepEqual(m.javaKeys(), ['b8-x', 'b16-x', 'b4-x', 'b12-x', 'b0-x']); // [J]
});

test('a topic on three brokers: queueDatas and brokerDatas in Java HashMap order [J]', () => {
  const r = new RouteRegistry();
  for (const [i, name] of ['broker-c', 'broker-a', 'broker-b'].entries()) {
    r.registerBroker(reg({ brokerName: name, brokerAddr: `127.0.0.1:${10911 + i * 100}` }));
  }
  const route = pickupTopicRouteData(r, 'TopicTest')!;
  assert.deepEqual(
    route.queueDatas.map((q) => q.brokerName),
    ['broker-b', 'broker-c', 'broker-a'],
  );
  assert.deepEqual(
    route.brokerDatas.map((b) => b.brokerName),
    ['broker-b', 'broker-c', 'broker-a'],
  );
});

test('queueDatas keep the grown map order while brokerDatas use a fresh set [J]', () => {
  const r = new RouteRegistry();
  for (let i = 0; i < 20; i++)
    r.registerBroker(reg({ brokerName: `b${i}-x`, brokerAddr: `127.0.0.1:${20000 + i}` }));
  for (let i = 0; i < 20; i++) {
    if (i % 4 !== 0) r.unregisterBroker('DefaultCluster', `127.0.0.1:${20000 + i}`, `b${i}-x`, 0);
  }
  const route = pickupTopicRouteData(r, 'TopicTest')!;
  assert.deepEqual(
    route.queueDatas.map((q) => q.brokerName),
    ['b8-x', 'b16-x', 'b4-x', 'b12-x', 'b0-x'],
  );
  assert.deepEqual(
    route.brokerDatas.map((b) => b.brokerName),
    ['b4-x', 'b12-x', 'b0-x', 'b8-x', 'b16-x'],
  );
});

test('topic list is a fresh HashSet of the 1024-slot topic table [J]', () => {
  const topics = [
    'TopicTest',
    'TBW102',
    'SELF_TEST_TOPIC',
    'DefaultCluster',
    'broker-a',
    'BenchmarkTest',
    'OFFSET_MOVED_EVENT',
    'RMQ_SYS_TRANS_HALF_TOPIC',
    'SCHEDULE_TOPIC_XXXX',
    '%RETRY%group1',
    'DefaultCluster_REPLY_TOPIC',
    'rmq_sys_REVIVE_LOG_DefaultCluster',
    'RMQ_SYS_TRACE_TOPIC',
    'TRANS_CHECK_MAX_TIME_TOPIC',
  ];
  const r = new RouteRegistry();
  r.registerBroker(reg({ topics: topics.map((t) => makeTopicConfig(t)) }));
  assert.deepEqual(allTopics(r), [
    'RMQ_SYS_TRANS_HALF_TOPIC',
    'TRANS_CHECK_MAX_TIME_TOPIC',
    'BenchmarkTest',
    'OFFSET_MOVED_EVENT',
    'TBW102',
    'rmq_sys_REVIVE_LOG_DefaultCluster',
    'SELF_TEST_TOPIC',
    'DefaultCluster',
    'SCHEDULE_TOPIC_XXXX',
    'RMQ_SYS_TRACE_TOPIC',
    'DefaultCluster_REPLY_TOPIC',
    '%RETRY%group1',
    'TopicTest',
    'broker-a',
  ]);
  assert.deepEqual(topicsByCluster(r, 'DefaultCluster').length, topics.length);
  assert.deepEqual(topicsByCluster(r, 'NoSuchCluster'), []);
});

test('cluster info: 128-slot broker table, 32-slot cluster table, ids ascending [J]', () => {
  const r = new RouteRegistry();
  const brokers: [string, string][] = [
    ['broker-b', 'ClusterB'],
    ['broker-a', 'DefaultCluster'],
    ['broker-c', 'c2'],
    ['bk1', 'DefaultCluster'],
  ];
  brokers.forEach(([name, cluster], i) =>
    r.registerBroker(reg({ brokerName: name, clusterName: cluster, brokerAddr: `10.0.0.${i + 1}:10911` })),
  );
  r.registerBroker(reg({ brokerName: 'broker-a', brokerId: 10, brokerAddr: '10.0.1.1:10911' }));
  r.registerBroker(reg({ brokerName: 'broker-a', brokerId: 2, brokerAddr: '10.0.1.2:10911' }));
  const info = clusterInfo(r);
  assert.deepEqual([...info.brokerAddrTable.keys()], ['bk1', 'broker-b', 'broker-c', 'broker-a']);
  assert.deepEqual([...info.clusterAddrTable.keys()], ['ClusterB', 'DefaultCluster', 'c2']);
  assert.equal(
    encodeClusterInfo({
      brokerAddrTable: new Map([['broker-a', info.brokerAddrTable.get('broker-a')!]]),
      clusterAddrTable: new Map(),
    }).toString(),
    '{"brokerAddrTable":{"broker-a":{"brokerAddrs":{0:"10.0.0.2:10911",2:"10.0.1.2:10911",10:"10.0.1.1:10911"},' +
      '"brokerName":"broker-a","cluster":"DefaultCluster"}},"clusterAddrTable":{}}',
  );
});

test('slave registration: master address and HA address returned once the master is live', () => {
  const r = new RouteRegistry();
  const slave = reg({ brokerId: 1, brokerAddr: '127.0.0.1:10921', haServerAddr: '127.0.0.1:10922' });
  assert.deepEqual(r.registerBroker(slave), {});
  // A slave (4.x broker: no enableActingMaster) never writes the topic table.
  assert.equal(pickupTopicRouteData(r, 'TopicTest'), undefined);
  r.registerBroker(reg());
  assert.deepEqual(r.registerBroker(slave), {
    masterAddr: '127.0.0.1:10911',
    haServerAddr: '127.0.0.1:10912',
  });
  const route = pickupTopicRouteData(r, 'TopicTest')!;
  assert.equal(
    encodeTopicRouteData(route, { standardJson: true }).toString(),
    '{"brokerDatas":[{"brokerAddrs":{"0":"127.0.0.1:10911","1":"127.0.0.1:10921"},"brokerName":"broker-a","cluster":"DefaultCluster"}],' +
      '"filterServerTable":{},"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}',
  );
});

test('a slave promoted on the same address replaces its old id', () => {
  const r = new RouteRegistry();
  r.registerBroker(reg({ brokerId: 1 }));
  r.registerBroker(reg({ brokerId: 0 }));
  assert.deepEqual([...r.brokerAddrTable.get('broker-a')!.brokerAddrs], [[0, '127.0.0.1:10911']]);
});

test('topic table re-applied only when the data version changes', () => {
  const r = new RouteRegistry();
  r.registerBroker(reg());
  r.registerBroker(reg({ topics: [makeTopicConfig('TopicTest', { readQueueNums: 8, writeQueueNums: 8 })] }));
  assert.equal(pickupTopicRouteData(r, 'TopicTest')!.queueDatas[0]!.writeQueueNums, 4);
  r.registerBroker(
    reg({
      dataVersion: { timestamp: 1700000000001, counter: 2 },
      topics: [makeTopicConfig('TopicTest', { readQueueNums: 8, writeQueueNums: 8 })],
    }),
  );
  assert.equal(pickupTopicRouteData(r, 'TopicTest')!.queueDatas[0]!.writeQueueNums, 8);
  assert.equal(
    r.isBrokerTopicConfigChanged('127.0.0.1:10911', { timestamp: 1700000000001, counter: 2 }),
    false,
  );
  assert.equal(
    r.isBrokerTopicConfigChanged('127.0.0.1:10911', { timestamp: 1700000000001, counter: 3 }),
    true,
  );
});

test('unregister: last address of a broker name removes it from clusters and topics', () => {
  const r = new RouteRegistry();
  r.registerBroker(reg());
  r.registerBroker(reg({ brokerName: 'broker-b', brokerAddr: '127.0.0.1:11911' }));
  r.unregisterBroker('DefaultCluster', '127.0.0.1:10911', 'broker-a', 0);
  const route = pickupTopicRouteData(r, 'TopicTest')!;
  assert.deepEqual(
    route.brokerDatas.map((b) => b.brokerName),
    ['broker-b'],
  );
  r.unregisterBroker('DefaultCluster', '127.0.0.1:11911', 'broker-b', 0);
  assert.equal(pickupTopicRouteData(r, 'TopicTest'), undefined);
  assert.equal(r.clusterAddrTable.size, 0);
  assert.equal(r.brokerLiveTable.size, 0);
});

test('a closed channel removes the broker registered over it; other channels change nothing', () => {
  const r = new RouteRegistry();
  const ch = fakeChannel('127.0.0.1:50001');
  r.registerBroker(reg({ channel: ch }));
  assert.equal(r.onChannelDestroy(fakeChannel('127.0.0.1:50002'), '127.0.0.1:50002'), undefined);
  assert.ok(pickupTopicRouteData(r, 'TopicTest'));
  assert.equal(r.onChannelDestroy(ch, ch.remoteAddress), '127.0.0.1:10911');
  assert.equal(pickupTopicRouteData(r, 'TopicTest'), undefined);
  assert.equal(r.brokerAddrTable.size, 0);
});

test('expiry uses the per-broker timeout when a 5.x broker sends one', () => {
  let now = 1_000_000;
  const r = new RouteRegistry({ brokerExpiryMillis: 120_000, now: () => now });
  r.registerBroker(reg());
  r.registerBroker(
    reg({ brokerName: 'broker-b', brokerAddr: '127.0.0.1:11911', heartbeatTimeoutMillis: 10_000 }),
  );
  now += 10_001;
  assert.deepEqual(
    r.expiredBrokers().map(([a]) => a),
    ['127.0.0.1:11911'],
  );
  r.touchBroker('127.0.0.1:11911');
  assert.deepEqual(r.expiredBrokers(), []);
  now += 120_000;
  assert.equal(r.expiredBrokers().length, 2);
});

test('delete topic per cluster, wipe and add write permission', () => {
  const r = new RouteRegistry();
  r.registerBroker(reg());
  r.registerBroker(reg({ brokerName: 'broker-b', brokerAddr: '127.0.0.1:11911', clusterName: 'Other' }));
  assert.equal(changeWritePerm(r, 'broker-a', true), 1);
  assert.equal(
    pickupTopicRouteData(r, 'TopicTest')!.queueDatas.find((q) => q.brokerName === 'broker-a')!.perm,
    4,
  );
  assert.equal(changeWritePerm(r, 'broker-a', false), 1);
  assert.equal(
    pickupTopicRouteData(r, 'TopicTest')!.queueDatas.find((q) => q.brokerName === 'broker-a')!.perm,
    6,
  );
  deleteTopic(r, 'TopicTest', 'Other');
  assert.deepEqual(
    pickupTopicRouteData(r, 'TopicTest')!.queueDatas.map((q) => q.brokerName),
    ['broker-a'],
  );
  deleteTopic(r, 'TopicTest');
  assert.equal(pickupTopicRouteData(r, 'TopicTest'), undefined);
});

test('5.x acting master: a lone read-only slave is shown under id 0', () => {
  const r = new RouteRegistry();
  r.registerBroker(reg({ brokerId: 1, brokerAddr: '127.0.0.1:10921', enableActingMaster: true }));
  const route = pickupTopicRouteData(r, 'TopicTest')!;
  assert.equal(route.queueDatas[0]!.perm, 4); // write permission stripped for the prime slave
  assert.deepEqual([...route.brokerDatas[0]!.brokerAddrs], [[0, '127.0.0.1:10921']]);
  // the stored table still has the slave under its own id
  assert.deepEqual([...r.brokerAddrTable.get('broker-a')!.brokerAddrs], [[1, '127.0.0.1:10921']]);
});

test('system topic list: cluster and broker names plus one broker address', () => {
  const r = new RouteRegistry();
  r.registerBroker(reg());
  const sys = systemTopics(r);
  assert.deepEqual(new Set(sys.topics), new Set(['DefaultCluster', 'broker-a']));
  assert.equal(sys.brokerAddr, '127.0.0.1:10911');
});

test('limits refuse growth before changing anything', () => {
  const r = new RouteRegistry({
    limits: { maxBrokerNames: 1, maxTopics: 2, maxTopicsPerBroker: 3, maxClusters: 1 },
  });
  r.registerBroker(reg());
  assert.throws(
    () => r.registerBroker(reg({ brokerName: 'broker-b', brokerAddr: '1.1.1.1:1' })),
    NameServerRequestError,
  );
  assert.throws(() => r.registerBroker(reg({ clusterName: 'C2' })), /too many clusters/);
  const many = ['A', 'B', 'C', 'D'].map((t) => makeTopicConfig(t));
  assert.throws(
    () => r.registerBroker(reg({ topics: many, dataVersion: { timestamp: 2, counter: 2 } })),
    /4 topics/,
  );
  assert.throws(
    () => r.registerBroker(reg({ topics: many.slice(0, 2), dataVersion: { timestamp: 2, counter: 2 } })),
    /exceed 2 topics/,
  );
  assert.deepEqual(allTopics(r), ['TopicTest']);
  assert.equal(r.brokerAddrTable.size, 1);
});
