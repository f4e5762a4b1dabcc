/**
 * Route registry: late unregisters from old broker instances and addresses registered under two
 * broker names must not remove live brokers nor leave routes that never expire.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RouteRegistry } from '../../src/server/namesrv/route-registry.js';
import type { BrokerRegistration } from '../../src/server/namesrv/route-registry.js';
import { pickupTopicRouteData } from '../../src/server/namesrv/route-queries.js';
import { makeTopicConfig } from '../../src/protocol/body/topic-config.js';
import type { RemotingChannel } from '../../src/transport/types.js';

function reg(over: Partial<BrokerRegistration> = {}): BrokerRegistration {
  return {
    clusterName: 'DefaultCluster',
    brokerAddr: '10.0.0.1:10911',
    brokerName: 'broker-a',
    brokerId: 0,
    haServerAddr: '10.0.0.1:10912',
    dataVersion: { timestamp: 1700000000000, counter: 1 },
    topicConfigs: [makeTopicConfig('TopicTest', { readQueueNums: 4, writeQueueNums: 4 })],
    ...over,
  };
}

let nextId = 1;
function channel(remoteAddress: string): RemotingChannel {
  return {
    remoteAddress,
    localAddress: '127.0.0.1:9876',
    id: nextId++,
    closed: false,
    invoke: () => Promise.reject(new Error('not used')),
    invokeOneway: () => Promise.resolve(),
    send: () => Promise.resolve(),
    close() {},
  } as unknown as RemotingChannel;
}

const routeAddrs = (r: RouteRegistry): string[] =>
  (pickupTopicRouteData(r, 'TopicTest')?.brokerDatas ?? []).flatMap((b) => [...b.brokerAddrs.values()]);

test('a late unregister from the old address does not remove the broker that moved', () => {
  const r = new RouteRegistry();
  r.registerBroker(reg({ brokerAddr: '10.0.0.1:10911' }));
  r.registerBroker(
    reg({ brokerAddr: '10.0.0.2:10911', dataVersion: { timestamp: 1700000000001, counter: 1 } }),
  );
  r.unregisterBroker('DefaultCluster', '10.0.0.1:10911', 'broker-a', 0);
  assert.deepEqual(routeAddrs(r), ['10.0.0.2:10911']);
  assert.deepEqual([...r.brokerLiveTable.keys()], ['10.0.0.2:10911']);
});

test('a late unregister of a dead broker keeps the liveness of the broker now on its address', () => {
  const r = new RouteRegistry();
  r.registerBroker(reg({ brokerName: 'broker-a', brokerAddr: '10.0.0.1:10911' }));
  r.registerBroker(reg({ brokerName: 'broker-b', brokerAddr: '10.0.0.1:10911' }));
  r.unregisterBroker('DefaultCluster', '10.0.0.1:10911', 'broker-a', 0);
  assert.equal(r.brokerLiveTable.get('10.0.0.1:10911')?.brokerName, 'broker-b');
  assert.deepEqual([...r.brokerAddrTable.keys()], ['broker-b']);
  assert.deepEqual(routeAddrs(r), ['10.0.0.1:10911']);
});

test('closing the connection of an address held by two broker names removes both', () => {
  const r = new RouteRegistry();
  const ch = channel('10.0.0.1:40000');
  r.registerBroker(reg({ brokerName: 'broker-a', brokerAddr: '10.0.0.1:10911', channel: ch }));
  r.registerBroker(reg({ brokerName: 'broker-b', brokerAddr: '10.0.0.1:10911', channel: ch }));
  assert.equal(r.onChannelDestroy(ch, ch.remoteAddress), '10.0.0.1:10911');
  assert.equal(r.brokerAddrTable.size, 0);
  assert.equal(r.clusterAddrTable.size, 0);
  assert.equal(pickupTopicRouteData(r, 'TopicTest'), undefined);
});
