/**
 * The name server over loopback: broker registration in every body form, slaves, data versions,
 * unregistration, expiry (short timers), removal on connection close, KV configuration, admin
 * requests, and refusal of bad input without disturbing other clients.
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { NameServer } from '../../src/server/namesrv/index.js';
import type { NameServerOptions } from '../../src/server/namesrv/index.js';
import { RemotingClient } from '../../src/transport/index.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../src/protocol/command/remoting-command.js';
import { RequestCode } from '../../src/protocol/codes/request-code.js';
import { ResponseCode } from '../../src/protocol/codes/response-code.js';
import { RegisterBrokerRequestHeader } from '../../src/protocol/headers/namesrv.js';
import {
  bodyCrc32,
  encodeRegisterBrokerBody,
  encodeRegisterBrokerBodyCompressed,
} from '../../src/protocol/body/register-broker.js';
import type { RegisterBrokerBody } from '../../src/protocol/body/register-broker.js';
import { makeTopicConfig } from '../../src/protocol/body/topic-config.js';
import { decodeTopicRouteData, encodeTopicRouteData } from '../../src/protocol/body/route.js';
import { decodeTopicList } from '../../src/protocol/body/topic-list.js';
import { decodeKVTable } from '../../src/protocol/body/kv-table.js';
import { registerBodyDecodeStats } from '../../src/server/namesrv/register-body.js';

const TIMEOUT = 3000;

interface BrokerSpec {
  name?: string;
  addr?: string;
  cluster?: string;
  id?: number;
  topics?: [string, number][];
  counter?: number;
}

function registerBody(spec: BrokerSpec): RegisterBrokerBody {
  const topics = spec.topics ?? [['TopicTest', 4]];
  return {
    filterServerList: [],
    topicConfigSerializeWrapper: {
      dataVersion: { timestamp: 1700000000000, counter: spec.counter ?? 1 },
      topicConfigTable: new Map(
        topics.map(([t, n]) => [t, makeTopicConfig(t, { readQueueNums: n, writeQueueNums: n })] as const),
      ),
    },
  };
}

function registerRequest(
  spec: BrokerSpec,
  body: Buffer | undefined = encodeRegisterBrokerBody(registerBody(spec)),
  extra: Record<string, string> = {},
): RemotingCommand {
  return createRequest(RequestCode.REGISTER_BROKER, {
    extFields: {
      ...RegisterBrokerRequestHeader.encode({
        brokerName: spec.name ?? 'broker-a',
        brokerAddr: spec.addr ?? '127.0.0.1:10911',
        clusterName: spec.cluster ?? 'DefaultCluster',
        haServerAddr: '127.0.0.1:10912',
        brokerId: spec.id ?? 0,
        compressed: false,
        bodyCrc32: 0,
      }),
      ...extra,
    },
    ...(body !== undefined && { body }),
  });
}

async function startServer(options: NameServerOptions = {}): Promise<NameServer> {
  const server = new NameServer({ port: 0, ...options });
  await server.start();
  return server;
}

/** Polls `check` every 20 ms for at most 5 s. */
async function eventually(check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (let i = 0; i < 250; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`timed out waiting for: ${what}`);
}

describe('name server over loopback', () => {
  let server: NameServer;
  let client: RemotingClient;
  const call = (code: number, extFields?: Record<string, string>, body?: Buffer): Promise<RemotingCommand> =>
    client.invokeSync(
      server.address,
      createRequest(code, { ...(extFields && { extFields }), ...(body && { body }) }),
      TIMEOUT,
    );
  const route = (topic: string): Promise<RemotingCommand> =>
    call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic });

  before(async () => {
    client = new RemotingClient();
  });
  after(async () => {
    await client.shutdown();
  });
  afterEach(async () => {
    await server?.shutdown();
  });

  it('registers in the JSON, compressed (4.9 and 5.x) and CRC-checked forms', async () => {
    server = await startServer();
    const json = registerRequest({ topics: [['A', 4]] });
    const r1 = await client.invokeSync(server.address, json, TIMEOUT);
    assert.equal(r1.code, 0);
    assert.notEqual(r1.extFields, undefined); // Java writes the (empty) response header
    assert.deepEqual({ ...r1.extFields }, {});
    assert.equal(r1.body, undefined);

    for (const v5 of [false, true]) {
      const body = encodeRegisterBrokerBodyCompressed(
        registerBody({ name: `broker-z${v5 ? 5 : 4}`, topics: [['B', 2]] }),
        { v5 },
      );
      const request = registerRequest(
        { name: `broker-z${v5 ? 5 : 4}`, addr: `127.0.0.1:2000${v5 ? 5 : 4}` },
        body,
        {
          compressed: 'true',
          bodyCrc32: String(bodyCrc32(body)),
          ...(v5 && { enableActingMaster: 'false' }),
        },
      );
      const r = await client.invokeSync(server.address, request, TIMEOUT);
      assert.equal(r.code, 0, r.remark);
    }
    // 5.x JSON form: stateVersion, attributes, mapping fields, zone name, enableActingMaster.
    const v5json = encodeRegisterBrokerBody(registerBody({ name: 'broker-j5', topics: [['B', 2]] }), {
      v5: true,
    });
    const r5 = await client.invokeSync(
      server.address,
      registerRequest({ name: 'broker-j5', addr: '127.0.0.1:20006' }, v5json, {
        enableActingMaster: 'false',
        __ZONE_NAME: 'zone-1',
      }),
      TIMEOUT,
    );
    assert.equal(r5.code, 0, r5.remark);
    assert.equal(server.routeInfo.brokerAddrTable.get('broker-j5')!.zoneName, 'zone-1');
    const b = decodeTopicRouteData((await route('B')).body!);
    assert.deepEqual(b.queueDatas.map((q) => q.brokerName).sort(), ['broker-j5', 'broker-z4', 'broker-z5']);

    const body = encodeRegisterBrokerBody(registerBody({}));
    const bad = await client.invokeSync(
      server.address,
      registerRequest({}, body, { bodyCrc32: '12345' }),
      TIMEOUT,
    );
    assert.equal(bad.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(bad.remark, 'crc32 not match');
  });

  it('a slave learns its master; ORDER_TOPIC_CONFIG comes back to the broker; routes list both ids', async () => {
    server = await startServer({ orderMessageEnable: true });
    await call(RequestCode.PUT_KV_CONFIG, {
      namespace: 'ORDER_TOPIC_CONFIG',
      key: 'TopicTest',
      value: 'broker-a:4',
    });
    const master = await client.invokeSync(server.address, registerRequest({}), TIMEOUT);
    assert.equal(master.body!.toString(), '{"table":{"TopicTest":"broker-a:4"}}');
    const slave = await client.invokeSync(
      server.address,
      registerRequest({ id: 1, addr: '127.0.0.1:10921' }),
      TIMEOUT,
    );
    assert.deepEqual(
      { ...slave.extFields },
      { haServerAddr: '127.0.0.1:10912', masterAddr: '127.0.0.1:10911' },
    );
    const r = await route('TopicTest');
    assert.equal(
      r.body!.toString(),
      '{"brokerDatas":[{"brokerAddrs":{"0":"127.0.0.1:10911","1":"127.0.0.1:10921"},"brokerName":"broker-a","cluster":"DefaultCluster"}],' +
        '"filterServerTable":{},"orderTopicConf":"broker-a:4","queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}',
    );
  });

  it('QUERY_DATA_VERSION reports changes and returns the stored version', async () => {
    server = await startServer();
    await client.invokeSync(server.address, registerRequest({ counter: 7 }), TIMEOUT);
    const header = {
      brokerName: 'broker-a',
      brokerAddr: '127.0.0.1:10911',
      clusterName: 'DefaultCluster',
      brokerId: '0',
    };
    const same = await call(
      RequestCode.QUERY_DATA_VERSION,
      header,
      Buffer.from('{"counter":7,"timestamp":1700000000000}'),
    );
    assert.deepEqual({ ...same.extFields }, { changed: 'false' });
    assert.equal(same.body!.toString(), '{"counter":7,"timestamp":1700000000000}');
    const changed = await call(
      RequestCode.QUERY_DATA_VERSION,
      header,
      Buffer.from('{"counter":8,"timestamp":1700000000000}'),
    );
    assert.deepEqual({ ...changed.extFields }, { changed: 'true' });
  });

  it('UNREGISTER_BROKER removes the broker and its topics', async () => {
    server = await startServer();
    await client.invokeSync(server.address, registerRequest({}), TIMEOUT);
    assert.equal((await route('TopicTest')).code, 0);
    const r = await call(RequestCode.UNREGISTER_BROKER, {
      brokerName: 'broker-a',
      brokerAddr: '127.0.0.1:10911',
      clusterName: 'DefaultCluster',
      brokerId: '0',
    });
    assert.equal(r.code, 0);
    const gone = await route('TopicTest');
    assert.equal(gone.code, ResponseCode.TOPIC_NOT_EXIST);
    assert.equal(
      gone.remark,
      'No topic route info in name server for the topic: TopicTest\nSee http://rocketmq.apache.org/docs/faq/ for further details.',
    );
  });

  it('a broker that stops registering expires; its connection is closed', async () => {
    server = await startServer({ brokerExpiryMillis: 150, scanIntervalMillis: 30 });
    const broker = new RemotingClient();
    let closed = false;
    broker.addChannelEventListener({ onChannelClose: () => (closed = true) });
    try {
      await broker.invokeSync(server.address, registerRequest({}), TIMEOUT);
      assert.equal((await route('TopicTest')).code, 0);
      await eventually(
        async () => (await route('TopicTest')).code === ResponseCode.TOPIC_NOT_EXIST,
        'expiry',
      );
      assert.equal(server.routeInfo.brokerLiveTable.size, 0);
      await eventually(() => closed, 'broker connection closed by the name server');
    } finally {
      await broker.shutdown();
    }
  });

  it('a broker whose connection closes is dropped at once; other clients are not', async () => {
    server = await startServer();
    const brokerA = new RemotingClient();
    const brokerB = new RemotingClient();
    try {
      await brokerA.invokeSync(server.address, registerRequest({}), TIMEOUT);
      await brokerB.invokeSync(
        server.address,
        registerRequest({ name: 'broker-b', addr: '127.0.0.1:11911' }),
        TIMEOUT,
      );
      assert.equal(decodeTopicRouteData((await route('TopicTest')).body!).brokerDatas.length, 2);
      await brokerA.shutdown();
      await eventually(
        async () => decodeTopicRouteData((await route('TopicTest')).body!).brokerDatas.length === 1,
        'broker-a dropped',
      );
      assert.deepEqual([...server.routeInfo.brokerAddrTable.keys()], ['broker-b']);
    } finally {
      await brokerA.shutdown();
      await brokerB.shutdown();
    }
  });

  it('KV configuration: put, get, list, delete, not found', async () => {
    server = await startServer();
    assert.equal(
      (await call(RequestCode.PUT_KV_CONFIG, { namespace: 'NS', key: 'k1', value: 'v1' })).code,
      0,
    );
    await call(RequestCode.PUT_KV_CONFIG, { namespace: 'NS', key: 'k2', value: 'v2' });
    const got = await call(RequestCode.GET_KV_CONFIG, { namespace: 'NS', key: 'k1' });
    assert.deepEqual({ ...got.extFields }, { value: 'v1' });
    const list = await call(RequestCode.GET_KVLIST_BY_NAMESPACE, { namespace: 'NS' });
    assert.deepEqual(
      [...decodeKVTable(list.body!).table],
      [
        ['k1', 'v1'],
        ['k2', 'v2'],
      ],
    );
    await call(RequestCode.DELETE_KV_CONFIG, { namespace: 'NS', key: 'k1' });
    const missing = await call(RequestCode.GET_KV_CONFIG, { namespace: 'NS', key: 'k1' });
    assert.equal(missing.code, ResponseCode.QUERY_NOT_FOUND);
    assert.equal(missing.remark, 'No config item, Namespace: NS Key: k1');
    const noNs = await call(RequestCode.GET_KVLIST_BY_NAMESPACE, { namespace: 'NONE' });
    assert.equal(noNs.remark, 'No config item, Namespace: NONE');
    const nullKey = await call(RequestCode.PUT_KV_CONFIG, { namespace: 'NS', value: 'x' });
    assert.equal(nullKey.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(nullKey.remark, 'namespace or key is null');
  });

  it('admin requests: topic lists, write permission, delete and register topic', async () => {
    server = await startServer();
    await client.invokeSync(
      server.address,
      registerRequest({
        topics: [
          ['T1', 4],
          ['T2', 8],
        ],
      }),
      TIMEOUT,
    );
    await client.invokeSync(
      server.address,
      registerRequest({ name: 'broker-b', addr: '127.0.0.1:11911', cluster: 'C2', topics: [['T3', 1]] }),
      TIMEOUT,
    );
    const all = decodeTopicList((await call(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER)).body!);
    assert.deepEqual(all.topicList.sort(), ['T1', 'T2', 'T3']);
    const c2 = decodeTopicList((await call(RequestCode.GET_TOPICS_BY_CLUSTER, { cluster: 'C2' })).body!);
    assert.deepEqual(c2.topicList, ['T3']);

    const wipe = await call(RequestCode.WIPE_WRITE_PERM_OF_BROKER, { brokerName: 'broker-a' });
    assert.deepEqual({ ...wipe.extFields }, { wipeTopicCount: '2' });
    assert.equal(decodeTopicRouteData((await route('T1')).body!).queueDatas[0]!.perm, 4);
    const add = await call(RequestCode.ADD_WRITE_PERM_OF_BROKER, { brokerName: 'broker-a' });
    assert.deepEqual({ ...add.extFields }, { addTopicCount: '2' });
    assert.equal(decodeTopicRouteData((await route('T1')).body!).queueDatas[0]!.perm, 6);

    assert.equal((await call(RequestCode.DELETE_TOPIC_IN_NAMESRV, { topic: 'T2' })).code, 0);
    assert.equal((await route('T2')).code, ResponseCode.TOPIC_NOT_EXIST);

    const routeBody = encodeTopicRouteData(
      {
        queueDatas: [
          { brokerName: 'broker-b', readQueueNums: 2, writeQueueNums: 2, perm: 6, topicSysFlag: 0 },
        ],
        brokerDatas: [],
        filterServerTable: new Map(),
      },
      { standardJson: true },
    );
    assert.equal((await call(RequestCode.REGISTER_TOPIC_IN_NAMESRV, { topic: 'T9' }, routeBody)).code, 0);
    assert.deepEqual(
      decodeTopicRouteData((await route('T9')).body!).queueDatas.map((q) => [q.brokerName, q.writeQueueNums]),
      [['broker-b', 2]],
    );
  });

  it('unknown request codes are answered REQUEST_CODE_NOT_SUPPORTED', async () => {
    server = await startServer();
    const r = await call(9999);
    assert.equal(r.code, ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
    assert.equal(r.remark, ' request type 9999 not supported');
  });

  it('a large compressed registration is decoded over several turns, its mapping entries unparsed', async () => {
    server = await startServer();
    const topics = 2500;
    const lp = (s: string): Buffer[] => {
      const len = Buffer.alloc(4);
      len.writeInt32BE(Buffer.byteLength(s));
      return [len, Buffer.from(s)];
    };
    const int32 = (n: number): Buffer => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
    const parts = [...lp('{"timestamp":1,"counter":1,"stateVersion":0}'), int32(topics)];
    for (let i = 0; i < topics; i++) parts.push(...lp(`Topic${i} 4 4 6 SINGLE_TAG {}`));
    // Mapping entries the name server does not keep: not even parsed, so garbage passes.
    parts.push(...lp('[]'), int32(2), ...lp('{"topic":"x"}'), ...lp('not json'));
    const body = deflateSync(Buffer.concat(parts));
    const pausesBefore = registerBodyDecodeStats.pauses;
    const r = await client.invokeSync(
      server.address,
      registerRequest({}, body, { compressed: 'true' }),
      TIMEOUT,
    );
    assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
    assert.equal(server.routeInfo.topicQueueTable.size, topics);
    // One turn given back to the event loop per DECODE_STEP_ENTRIES (1000) topics.
    assert.equal(registerBodyDecodeStats.pauses - pausesBefore, 2);
  });

  it('bad registrations are refused with a clear remark and the server keeps serving', async () => {
    server = await startServer({ limits: { maxTopicsPerBroker: 3, maxRegisterBodyBytes: 4096 } });
    const bomb = encodeRegisterBrokerBodyCompressed({
      ...registerBody({}),
      filterServerList: ['x'.repeat(100_000)],
    });
    await client.invokeSync(server.address, registerRequest({}), TIMEOUT);
    const other = new RemotingClient();
    try {
      const cases: [RemotingCommand, RegExp][] = [
        [
          createRequest(RequestCode.REGISTER_BROKER, { extFields: { brokerAddr: '1.2.3.4:5' } }),
          /brokerName/,
        ],
        [
          registerRequest({}, Buffer.from('{"topicConfigSerializeWrapper":')),
          /Failed to decode RegisterBrokerBody/,
        ],
        [registerRequest({}, Buffer.from('not a zlib stream'), { compressed: 'true' }), /Failed to decode/],
        [registerRequest({ name: 'bad name' }), /brokerName "bad name"/],
        [registerRequest({}, bomb, { compressed: 'true' }), /Failed to decode RegisterBrokerBody/],
        [registerRequest({ addr: 'nowhere' }), /brokerAddr "nowhere" is not a host:port/],
        [registerRequest({ id: -1 }), /brokerId -1/],
        // A bad topic entry no longer refuses the registration: namesrv-registration-entries.test.ts.
        [
          registerRequest({
            topics: [
              ['a', 1],
              ['b', 1],
              ['c', 1],
              ['d', 1],
            ],
          }),
          /4 topics .*limit of 3/,
        ],
        [registerRequest({}, undefined, { brokerId: 'zero' }), /brokerId/],
        [
          createRequest(RequestCode.QUERY_DATA_VERSION, {
            extFields: { brokerName: 'a', brokerAddr: 'b', clusterName: 'c', brokerId: '0' },
          }),
          /DataVersion body/,
        ],
        [createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { extFields: {} }), /topic/],
      ];
      for (const [request, remark] of cases) {
        const r = await client.invokeSync(server.address, request, TIMEOUT);
        assert.equal(
          r.code,
          ResponseCode.SYSTEM_ERROR,
          `${request.code} ${JSON.stringify(request.extFields)}`,
        );
        assert.match(r.remark ?? '', remark);
      }
      // Nothing of the refused registrations was stored; both connections still work.
      assert.deepEqual([...server.routeInfo.brokerAddrTable.keys()], ['broker-a']);
      assert.equal((await route('TopicTest')).code, 0);
      const r = await other.invokeSync(
        server.address,
        createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { extFields: { topic: 'TopicTest' } }),
        TIMEOUT,
      );
      assert.equal(r.code, 0);
    } finally {
      await other.shutdown();
    }
  });
});
