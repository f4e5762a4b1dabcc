import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ClientInstance,
  ClientInstanceRegistry,
  MQClientAPI,
  Producer,
  TopicPublishInfo,
  clampDefaultRoute,
  resolveClientConfig,
  sendRequestCode,
  topicRouteDataEquals,
} from '../../src/client/index.js';
import { instanceCore } from '../../src/client/client-instance.js';
import {
  ClientErrorCode,
  MQClientError,
  RemotingConnectError,
  RemotingTimeoutError,
} from '../../src/common/errors.js';
import { decodeHeartbeatData } from '../../src/protocol/body/heartbeat.js';
import { RequestCode } from '../../src/protocol/codes/index.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import { FakeRemoting, makeRoute, routeResponse, sendOk, topicNotExist } from './client-fake-remoting.js';

const A = '10.0.0.1:10911';
const B = '10.0.0.2:10911';

function instanceWith(
  fake: FakeRemoting,
  extra: Parameters<typeof resolveClientConfig>[0] = {},
): ClientInstance {
  const config = resolveClientConfig({
    nameServer: 'ns1:9876;ns2:9876',
    clientIP: '10.0.0.9',
    instanceName: 'i',
    ...extra,
  });
  return new ClientInstance(config, { remoting: fake.asInstanceRemoting() });
}

describe('MQClientAPI', () => {
  it('request codes by message kind (reference §8.1)', () => {
    const k = (sendSmartMsg: boolean, batch: boolean, reply: boolean) =>
      sendRequestCode({ sendSmartMsg, batch, reply });
    assert.deepEqual(k(true, false, false), { code: 310, v2: true });
    assert.deepEqual(k(false, false, false), { code: 10, v2: false });
    assert.deepEqual(k(false, true, false), { code: 320, v2: true });
    assert.deepEqual(k(true, true, false), { code: 320, v2: true });
    assert.deepEqual(k(true, false, true), { code: 325, v2: true });
    assert.deepEqual(k(false, false, true), { code: 324, v2: false });
  });

  it('sticks to one name server and moves to the next after a failure', async () => {
    const fake = new FakeRemoting();
    let down = 'ns1:9876';
    fake.handler = (c) => {
      if (c.addr === down) throw new RemotingConnectError(c.addr);
      return routeResponse(makeRoute([['a', A, 1]]));
    };
    const api = new MQClientAPI(fake, { nameServerAddresses: ['ns1:9876', 'ns2:9876'], random: () => 0 });
    assert.equal(api.currentNameServer(), 'ns1:9876');
    await api.getTopicRouteInfoFromNameServer('T', 1000);
    assert.deepEqual(
      fake.calls.map((c) => c.addr),
      ['ns1:9876', 'ns2:9876'],
    );
    assert.equal(api.currentNameServer(), 'ns2:9876');
    await api.getTopicRouteInfoFromNameServer('T', 1000);
    assert.equal(fake.calls[2]?.addr, 'ns2:9876');
    // a timeout rotates too, but is not retried within the call
    down = '';
    fake.handler = (c) => {
      throw new RemotingTimeoutError(c.addr, 5);
    };
    await assert.rejects(api.getTopicRouteInfoFromNameServer('T', 1000), RemotingTimeoutError);
    assert.equal(api.currentNameServer(), 'ns1:9876');
  });

  it('no name server -> code 10004; TOPIC_NOT_EXIST -> MQClientError code 17', async () => {
    const fake = new FakeRemoting();
    fake.handler = () => topicNotExist('T');
    await assert.rejects(new MQClientAPI(fake).getTopicRouteInfoFromNameServer('T', 100), (e: unknown) => {
      return e instanceof MQClientError && e.code === ClientErrorCode.NO_NAME_SERVER_EXCEPTION;
    });
    const api = new MQClientAPI(fake, { nameServerAddresses: ['n:1'] });
    await assert.rejects(
      api.getTopicRouteInfoFromNameServer('T', 100),
      (e: unknown) => e instanceof MQClientError && e.code === 17,
    );
    void createRequest;
  });
});

describe('TopicPublishInfo from routes', () => {
  it('writable queues of masters only, brokers sorted; orderTopicConf wins', () => {
    const route = makeRoute([
      ['b', B, 2],
      ['a', A, 1],
      ['c', '10.0.0.3:1', 3],
      ['d', '10.0.0.4:1', 1],
    ]);
    (route.queueDatas[2] as { perm: number }).perm = 4; // c read-only
    route.brokerDatas[3]?.brokerAddrs.delete(0); // d has no master
    route.brokerDatas[3]?.brokerAddrs.set(1, '10.0.0.4:2');
    const info = TopicPublishInfo.fromRouteData('T', route);
    assert.deepEqual(
      info.messageQueueList.map((q) => q.key()),
      ['T@a@0', 'T@b@0', 'T@b@1'],
    );
    assert.equal(info.orderTopic, false);
    assert.equal(info.writeQueueNumsOf('b'), 2);
    assert.equal(info.writeQueueNumsOf('c'), -1);
    const ordered = TopicPublishInfo.fromRouteData('T', { ...route, orderTopicConf: 'b:2;a:1' });
    assert.deepEqual(
      ordered.messageQueueList.map((q) => q.key()),
      ['T@b@0', 'T@b@1', 'T@a@0'],
    );
    assert.equal(ordered.orderTopic, true);
    assert.equal(new TopicPublishInfo().ok(), false);
  });

  it('TBW102 clamp and route comparison', () => {
    const r = makeRoute([
      ['a', A, 8],
      ['b', B, 2],
    ]);
    const c = clampDefaultRoute(r, 4);
    assert.deepEqual(
      c.queueDatas.map((q) => [q.readQueueNums, q.writeQueueNums]),
      [
        [4, 4],
        [2, 2],
      ],
    );
    assert.equal(r.queueDatas[0]?.writeQueueNums, 8);
    assert.equal(
      topicRouteDataEquals(
        r,
        makeRoute([
          ['b', B, 2],
          ['a', A, 8],
        ]),
      ),
      true,
    );
    assert.equal(
      topicRouteDataEquals(
        r,
        makeRoute([
          ['a', '10.0.0.1:20911', 8],
          ['b', B, 2],
        ]),
      ),
      false,
    );
    assert.equal(topicRouteDataEquals(undefined, r), false);
  });
});

describe('ClientInstance', () => {
  it('route updates fill the broker table; heartbeats go to masters with CLIENT_INNER_PRODUCER', async () => {
    const fake = new FakeRemoting();
    const route = makeRoute([
      ['a', A, 1],
      ['b', B, 1],
    ]);
    route.brokerDatas[0]?.brokerAddrs.set(1, '10.0.0.1:10921');
    fake.handler = (c) =>
      c.request.code === RequestCode.GET_ROUTEINFO_BY_TOPIC ? routeResponse(route) : sendOk(0);
    const instance = instanceWith(fake);
    const producer = new Producer({ producerGroup: 'PG', clientInstance: instance });
    await producer.start();
    try {
      await producer.fetchPublishMessageQueues('T');
      assert.equal(instance.findBrokerAddressInPublish('a'), A);
      assert.deepEqual(instance.findBrokerAddressInSubscribe('a', 1, true), {
        brokerAddr: '10.0.0.1:10921',
        slave: true,
        brokerVersion: 0,
      });
      fake.calls.length = 0;
      await instance.sendHeartbeatToAllBrokers();
      const beats = fake.callsWithCode(RequestCode.HEART_BEAT);
      assert.deepEqual(beats.map((b) => b.addr).sort(), [A, B]);
      const data = decodeHeartbeatData(beats[0]?.request.body as Buffer);
      assert.equal(data.clientID, '10.0.0.9@i');
      assert.deepEqual(
        data.producerDataSet.map((p) => p.groupName),
        ['PG', 'CLIENT_INNER_PRODUCER'],
      );
      assert.deepEqual(data.consumerDataSet, []);
      assert.equal(
        beats[0]?.request.body?.toString(),
        '{"clientID":"10.0.0.9@i","consumerDataSet":[],"producerDataSet":[{"groupName":"PG"},{"groupName":"CLIENT_INNER_PRODUCER"}]}',
      );
    } finally {
      await producer.shutdown();
    }
  });

  it('cleans broker addresses no route mentions any more', () => {
    const instance = instanceCore(instanceWith(new FakeRemoting()));
    instance.topicRouteTable.set('T', makeRoute([['a', A, 1]]));
    instance.brokerAddresses.set('a', new Map([[0, A]]));
    instance.brokerAddresses.set('b', new Map([[0, B]]));
    instance.cleanOfflineBroker();
    assert.deepEqual([...instance.brokerAddresses.brokerNames()], ['a']);
  });

  it('a changed route (broker on a new port) replaces the address; unchanged routes are not re-applied', async () => {
    const fake = new FakeRemoting();
    let addr = A;
    fake.handler = () => routeResponse(makeRoute([['a', addr, 1]]));
    const instance = instanceWith(fake);
    const producer = new Producer({ producerGroup: 'PG', clientInstance: instance });
    await producer.start();
    try {
      await producer.fetchPublishMessageQueues('T');
      assert.equal(await instance.updateTopicRouteInfoFromNameServer('T'), false);
      addr = '10.0.0.1:20911';
      assert.equal(await instance.updateTopicRouteInfoFromNameServer('T'), true);
      assert.equal(instance.findBrokerAddressInPublish('a'), '10.0.0.1:20911');
    } finally {
      await producer.shutdown();
    }
  });

  it('the periodic refresh runs on unref timers and stops at shutdown; failures never escape', async () => {
    const fake = new FakeRemoting();
    let lookups = 0;
    fake.handler = (c) => {
      if (c.request.code === RequestCode.GET_ROUTEINFO_BY_TOPIC) {
        lookups++;
        throw new RemotingConnectError(c.addr);
      }
      return sendOk(0);
    };
    const instance = instanceWith(fake, { pollNameServerInterval: 20, heartbeatBrokerInterval: 20 });
    const producer = new Producer({ producerGroup: 'PG', clientInstance: instance });
    await producer.start();
    for (let i = 0; i < 100 && lookups < 2; i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(lookups >= 2, `expected periodic lookups, got ${lookups}`);
    await producer.shutdown();
    assert.equal(instance.state, 'SHUTDOWN_ALREADY');
    const after = lookups;
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(lookups, after);
  });

  it('registry shares one instance per client id and forgets it at shutdown', async () => {
    const registry = new ClientInstanceRegistry();
    const opts = { nameServer: '127.0.0.1:1', clientIP: '10.0.0.9', instanceName: 'shared' };
    const p1 = new Producer({ producerGroup: 'G1', registry, ...opts });
    const p2 = new Producer({ producerGroup: 'G2', registry, ...opts });
    const p3 = new Producer({ producerGroup: 'G3', registry, ...opts, instanceName: 'other' });
    await p1.start();
    await p2.start();
    await p3.start();
    assert.equal(p1.instance, p2.instance);
    assert.notEqual(p1.instance, p3.instance);
    assert.equal(registry.size, 2);
    assert.equal(p1.instance.clientId, '10.0.0.9@shared');
    await p1.shutdown();
    assert.equal(p2.instance.state, 'RUNNING');
    await p2.shutdown();
    assert.equal(registry.size, 1);
    await registry.shutdownAll();
    assert.equal(registry.size, 0);
  });

  it('the DEFAULT instance name becomes pid#nanotime at start', async () => {
    const p = new Producer({ producerGroup: 'G', nameServer: '127.0.0.1:1', clientIP: '10.0.0.9' });
    await p.start();
    try {
      assert.match(p.instance.clientId, new RegExp(`^10\\.0\\.0\\.9@${process.pid}#\\d+$`));
    } finally {
      await p.shutdown();
    }
  });
});
