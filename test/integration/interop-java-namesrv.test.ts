/**
 * Java brokers and tools against our name server: requests replayed as the Apache RocketMQ 4.9.8 /
 * 5.3.3 Java code builds them (header fields as RemotingCommand.makeCustomHeaderToNet writes them,
 * bodies as fastjson prints the Java beans), answers checked for what the Java caller parses.
 *
 * - 5.3.3 broker REGISTER_BROKER (TopicConfigAndMappingSerializeWrapper body, enableActingMaster,
 *   compressed=false, bodyCrc32), then a 5.3.3 client's GET_ROUTEINFO_BY_TOPIC.
 * - 4.9.8 broker REGISTER_BROKER (plain TopicConfigSerializeWrapper body).
 * - 5.3.3 GET_BROKER_MEMBER_GROUP (BrokerOuterAPI.getBrokerMemberGroup) and the compatible form
 *   GET_ROUTEINFO_BY_TOPIC rmq_sys_SYNC_BROKER_MEMBER_<name> (compatibleWithOldNameSrv, the default).
 * - mqadmin getNamesrvConfig / updateNamesrvConfig (GET_NAMESRV_CONFIG / UPDATE_NAMESRV_CONFIG).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NameServer } from '../../src/server/namesrv/index.js';
import { RemotingClient } from '../../src/transport/index.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../src/protocol/command/remoting-command.js';
import { RequestCode } from '../../src/protocol/codes/request-code.js';
import { ResponseCode } from '../../src/protocol/codes/response-code.js';
import { MQVersion } from '../../src/protocol/codes/misc.js';
import { bodyCrc32 } from '../../src/protocol/body/register-broker.js';
import { decodeTopicRouteData } from '../../src/protocol/body/route.js';

const TIMEOUT = 3000;

/** fastjson output of a 5.3.3 RegisterBrokerBody (TopicConfigAndMappingSerializeWrapper, no compression). */
function body533(brokerName: string): Buffer {
  const topic = (name: string, perm: number, n: number): string =>
    `"${name}":{"attributes":{},"order":false,"perm":${perm},"readQueueNums":${n},"topicFilterType":"SINGLE_TAG","topicName":"${name}","topicSysFlag":0,"writeQueueNums":${n}}`;
  return Buffer.from(
    '{"filterServerList":[],"topicConfigSerializeWrapper":{' +
      '"dataVersion":{"counter":5,"stateVersion":0,"timestamp":1717000000000},' +
      '"mappingDataVersion":{"counter":0,"stateVersion":0,"timestamp":1717000000001},' +
      `"topicConfigTable":{${topic('TBW102', 7, 8)},${topic(`Java53Topic-${brokerName}`, 6, 4)},` +
      // TopicConfigManager: one per broker, PERM_INHERIT (1), 1 queue.
      `${topic(`rmq_sys_SYNC_BROKER_MEMBER_${brokerName}`, 1, 1)}},` +
      '"topicQueueMappingDetailMap":{},"topicQueueMappingInfoMap":{}}}',
  );
}

/** fastjson output of a 4.9.8 RegisterBrokerBody. */
function body498(): Buffer {
  return Buffer.from(
    '{"filterServerList":[],"topicConfigSerializeWrapper":{"dataVersion":{"counter":2,"timestamp":1717000000000},' +
      '"topicConfigTable":{"Java49Topic":{"order":false,"perm":6,"readQueueNums":2,"topicFilterType":"SINGLE_TAG",' +
      '"topicName":"Java49Topic","topicSysFlag":0,"writeQueueNums":2}}}}',
  );
}

function register(
  brokerName: string,
  addr: string,
  body: Buffer,
  version: number,
  extra: Record<string, string>,
): RemotingCommand {
  return createRequest(RequestCode.REGISTER_BROKER, {
    version,
    extFields: {
      brokerAddr: addr,
      brokerId: '0',
      brokerName,
      clusterName: 'JavaCluster',
      haServerAddr: addr.replace(/:\d+$/, ':10912'),
      ...extra,
      bodyCrc32: String(bodyCrc32(body)),
    },
    body,
  });
}

describe('Java brokers and tools against our name server', () => {
  let ns: NameServer;
  let client: RemotingClient;
  let addr: string;
  const call = (r: RemotingCommand): Promise<RemotingCommand> => client.invokeSync(addr, r, TIMEOUT);

  before(async () => {
    ns = new NameServer({ port: 0 });
    await ns.start();
    addr = ns.address;
    client = new RemotingClient({ connectTimeoutMillis: 3000 });
  });

  after(async () => {
    await client.shutdown();
    await ns.shutdown();
  });

  it('5.3.3 broker registration is accepted and routes reach a 5.3.3 client as standard JSON', async () => {
    const r = await call(
      register('broker-53', '127.0.0.1:30911', body533('broker-53'), MQVersion.V5_3_3, {
        compressed: 'false',
        enableActingMaster: 'false',
      }),
    );
    assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
    // RegisterBrokerResponseHeader fields are @CFNullable: a master gets none of them.
    assert.equal(r.extFields?.masterAddr, undefined);
    const route = await call(
      createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, {
        version: MQVersion.V5_3_3,
        extFields: { topic: 'Java53Topic-broker-53' },
      }),
    );
    assert.equal(route.code, ResponseCode.SUCCESS);
    const text = route.body!.toString();
    assert.match(text, /"brokerAddrs":\{"0":"127\.0\.0\.1:30911"\}/);
    const data = decodeTopicRouteData(route.body!);
    assert.deepEqual(
      data.queueDatas.map((q) => [q.brokerName, q.readQueueNums, q.writeQueueNums, q.perm]),
      [['broker-53', 4, 4, 6]],
    );
  });

  it('4.9.8 broker registration is accepted; a 4.9.8 client reads the route', async () => {
    const r = await call(
      register('broker-49', '127.0.0.1:40911', body498(), MQVersion.V4_9_8, { compressed: 'false' }),
    );
    assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
    const route = await call(
      createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, {
        version: MQVersion.V4_9_8,
        extFields: { topic: 'Java49Topic' },
      }),
    );
    assert.equal(route.code, ResponseCode.SUCCESS);
    assert.equal(decodeTopicRouteData(route.body!).brokerDatas[0]?.brokerAddrs.get(0), '127.0.0.1:40911');
  });

  it('GET_BROKER_MEMBER_GROUP answers GetBrokerMemberGroupResponseBody', async () => {
    const r = await call(
      createRequest(RequestCode.GET_BROKER_MEMBER_GROUP, {
        version: MQVersion.V5_3_3,
        extFields: { brokerName: 'broker-53', clusterName: 'JavaCluster' },
      }),
    );
    assert.equal(r.code, ResponseCode.SUCCESS);
    assert.equal(
      r.body?.toString(),
      '{"brokerMemberGroup":{"brokerAddrs":{0:"127.0.0.1:30911"},"brokerName":"broker-53","cluster":"JavaCluster"}}',
    );
    const unknown = await call(
      createRequest(RequestCode.GET_BROKER_MEMBER_GROUP, {
        version: MQVersion.V5_3_3,
        extFields: { brokerName: 'nobody', clusterName: 'JavaCluster' },
      }),
    );
    assert.equal(unknown.code, ResponseCode.SUCCESS);
    assert.equal(
      unknown.body?.toString(),
      '{"brokerMemberGroup":{"brokerAddrs":{},"brokerName":"nobody","cluster":"JavaCluster"}}',
    );
  });

  it('the compatible member-group lookup (SYNC_BROKER_MEMBER_ route) lists the group', async () => {
    const r = await call(
      createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, {
        version: MQVersion.V5_3_3,
        extFields: { topic: 'rmq_sys_SYNC_BROKER_MEMBER_broker-53' },
      }),
    );
    // getBrokerMemberGroupCompatible copies the BrokerData whose name and cluster match.
    assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
    const b = decodeTopicRouteData(r.body!).brokerDatas[0];
    assert.deepEqual(
      [b?.brokerName, b?.cluster, b?.brokerAddrs.get(0)],
      ['broker-53', 'JavaCluster', '127.0.0.1:30911'],
    );
  });

  it('GET_NAMESRV_CONFIG returns Properties text; UPDATE_NAMESRV_CONFIG applies and refuses black-listed keys', async () => {
    const get = async (): Promise<string> => {
      const r = await call(createRequest(RequestCode.GET_NAMESRV_CONFIG));
      assert.equal(r.code, ResponseCode.SUCCESS);
      return r.body!.toString();
    };
    assert.match(await get(), /^orderMessageEnable=false$/m);
    assert.match(await get(), new RegExp(`^listenPort=${ns.port}$`, 'm'));
    const up = await call(
      createRequest(RequestCode.UPDATE_NAMESRV_CONFIG, { body: Buffer.from('orderMessageEnable=true\n') }),
    );
    assert.equal(up.code, ResponseCode.SUCCESS);
    assert.match(await get(), /^orderMessageEnable=true$/m);
    const bad = await call(
      createRequest(RequestCode.UPDATE_NAMESRV_CONFIG, { body: Buffer.from('kvConfigPath=/tmp/x\n') }),
    );
    assert.equal(bad.code, ResponseCode.NO_PERMISSION);
    assert.equal(bad.remark, 'Can not update config in black list.');
  });
});
