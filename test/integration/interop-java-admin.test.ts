/**
 * mqadmin (4.9.8 tools, DefaultMQAdminExtImpl + MQClientAPIImpl) against our broker: the requests of
 * updateTopic, clusterList (-m), brokerStatus, topicStatus, consumerProgress, consumerConnection,
 * producerConnection, topicList -c, getBrokerConfig and consumerStatus, with Java's header names;
 * answers checked for the fields those commands read and the way they parse them.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { RemotingClient } from '../../src/transport/index.js';
import { createRequest, createResponse } from '../../src/protocol/command/remoting-command.js';
import { RequestCode } from '../../src/protocol/codes/request-code.js';
import { ResponseCode } from '../../src/protocol/codes/response-code.js';
import { decodeKVTable } from '../../src/protocol/body/kv-table.js';
import { parseFastjsonObject } from '../../src/protocol/json/fastjson-parse.js';
import { newClient, pull, send } from '../helpers/broker-client.js';

const TIMEOUT = 5000;
const TOPIC = 'AdminStatsTopic';
const GROUP = 'AdminStatsGroup';

describe('mqadmin against our broker', () => {
  let cluster: EmbeddedCluster;
  let client: RemotingClient;
  let addr: string;
  const call = (code: number, extFields: Record<string, string> = {}, body?: Buffer) =>
    client.invokeSync(addr, createRequest(code, { extFields, ...(body && { body }) }), TIMEOUT);

  before(async () => {
    cluster = await startEmbeddedCluster();
    client = newClient();
    // The consumer side of this client answers GET_CONSUMER_RUNNING_INFO as a Java client would.
    client.registerProcessor(RequestCode.GET_CONSUMER_RUNNING_INFO, {
      processRequest: (_ctx, req) =>
        createResponse(ResponseCode.SUCCESS, {
          body: Buffer.from(`{"jstack":"${req.extFields?.jstackEnable}","mqTable":{},"properties":{}}`),
        }),
    });
    addr = cluster.brokers[0]!.address;
  });

  after(async () => {
    await client.shutdown();
    await cluster.stop();
  });

  it('updateTopic: UPDATE_AND_CREATE_TOPIC as the 4.9.8 tool sends it', async () => {
    const r = await call(RequestCode.UPDATE_AND_CREATE_TOPIC, {
      topic: TOPIC,
      defaultTopic: 'TBW102',
      readQueueNums: '2',
      writeQueueNums: '2',
      perm: '6',
      topicFilterType: 'SINGLE_TAG',
      topicSysFlag: '0',
      order: 'false',
    });
    assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
    for (const [queueId, n] of [
      [0, 3],
      [1, 1],
    ] as const) {
      for (let i = 0; i < n; i++) {
        const s = await send(client, addr, { topic: TOPIC, queueId, body: `q${queueId}-${i}` });
        assert.equal(s.code, ResponseCode.SUCCESS);
      }
    }
  });

  it('clusterList / brokerStatus: runtime info has every key the tool parses', async () => {
    const r = await call(RequestCode.GET_BROKER_RUNTIME_INFO);
    assert.equal(r.code, ResponseCode.SUCCESS);
    const t = decodeKVTable(r.body!).table;
    // printClusterBaseInfo: split(" ")[0] then Double.parseDouble.
    // 4.9.8 tools read getTransferedTps, 5.x ones getTransferredTps and brokerActive.
    for (const k of ['putTps', 'getTransferedTps', 'getTransferredTps'])
      assert.match(t.get(k) ?? '', /^-?\d+\.\d+( -?\d+\.\d+){2}$/, k);
    assert.equal(t.get('brokerActive'), 'true');
    for (const k of [
      'sendThreadPoolQueueSize',
      'pullThreadPoolQueueSize',
      'sendThreadPoolQueueHeadWaitTimeMills',
      'pullThreadPoolQueueHeadWaitTimeMills',
      'pageCacheLockTimeMills',
      'earliestMessageTimeStamp',
    ])
      assert.match(t.get(k) ?? '', /^-?\d+$/, k);
    assert.match(t.get('commitLogDiskRatio') ?? '', /^-?\d+(\.\d+)?(E-?\d+)?$/);
    assert.equal(t.get('brokerVersionDesc'), 'V4_9_8');
    // printClusterMoreStats: Long.parseLong on all six.
    for (const what of ['Put', 'Get'])
      for (const when of ['YesterdayMorning', 'TodayMorning', 'TodayNow'])
        assert.match(t.get(`msg${what}Total${when}`) ?? '', /^\d+$/, `msg${what}Total${when}`);
    assert.ok(Number(t.get('msgPutTotalTodayNow')) >= 4);
  });

  it('topicStatus: GET_TOPIC_STATS_INFO answers TopicStatsTable with MessageQueue keys', async () => {
    const r = await call(RequestCode.GET_TOPIC_STATS_INFO, { topic: TOPIC });
    assert.equal(r.code, ResponseCode.SUCCESS);
    assert.match(
      r.body!.toString(),
      new RegExp(
        `^\\{"offsetTable":\\{\\{"brokerName":"broker-a","queueId":0,"topic":"${TOPIC}"\\}:\\{"lastUpdateTimestamp":\\d{13},"maxOffset":3,"minOffset":0\\},` +
          `\\{"brokerName":"broker-a","queueId":1,"topic":"${TOPIC}"\\}:\\{"lastUpdateTimestamp":\\d{13},"maxOffset":1,"minOffset":0\\}\\}\\}$`,
      ),
    );
    const missing = await call(RequestCode.GET_TOPIC_STATS_INFO, { topic: 'NoSuchTopic' });
    assert.equal(missing.code, ResponseCode.TOPIC_NOT_EXIST);
  });

  it('consumerProgress: GET_CONSUME_STATS over the topics the group committed on', async () => {
    await call(RequestCode.UPDATE_CONSUMER_OFFSET, {
      consumerGroup: GROUP,
      topic: TOPIC,
      queueId: '0',
      commitOffset: '2',
    });
    // The group has pulled queue 0 to its end (5.x pullOffset: what 5.x mqadmin shows as in flight).
    const pulled = await pull(client, addr, { topic: TOPIC, queueId: 0, offset: 0n, group: GROUP });
    assert.equal(pulled.code, ResponseCode.SUCCESS);
    const r = await call(RequestCode.GET_CONSUME_STATS, { consumerGroup: GROUP });
    assert.equal(r.code, ResponseCode.SUCCESS);
    assert.match(
      r.body!.toString(),
      new RegExp(
        `^\\{"consumeTps":0\\.0,"offsetTable":\\{\\{"brokerName":"broker-a","queueId":0,"topic":"${TOPIC}"\\}:\\{"brokerOffset":3,"consumerOffset":2,"lastTimestamp":\\d{13},"pullOffset":3\\},` +
          `\\{"brokerName":"broker-a","queueId":1,"topic":"${TOPIC}"\\}:\\{"brokerOffset":1,"consumerOffset":0,"lastTimestamp":0,"pullOffset":0\\}\\}\\}$`,
      ),
    );
  });

  it('consumerConnection / producerConnection / topicList -c / consumerStatus after a heartbeat', async () => {
    const hb =
      `{"clientID":"127.0.0.1@admin","consumerDataSet":[{"consumeFromWhere":"CONSUME_FROM_FIRST_OFFSET",` +
      `"consumeType":"CONSUME_PASSIVELY","groupName":"${GROUP}","messageModel":"CLUSTERING","subscriptionDataSet":` +
      `[{"classFilterMode":false,"codeSet":[],"expressionType":"TAG","subString":"*","subVersion":7,"tagsSet":[],"topic":"${TOPIC}"}],` +
      `"unitMode":false}],"producerDataSet":[{"groupName":"AdminPG"}]}`;
    assert.equal((await call(RequestCode.HEART_BEAT, {}, Buffer.from(hb))).code, ResponseCode.SUCCESS);

    const cc = await call(RequestCode.GET_CONSUMER_CONNECTION_LIST, { consumerGroup: GROUP });
    assert.equal(cc.code, ResponseCode.SUCCESS);
    const ccText = cc.body!.toString();
    assert.match(
      ccText,
      /^\{"connectionSet":\[\{"clientAddr":"127\.0\.0\.1:\d+","clientId":"127\.0\.0\.1@admin","language":"JAVA","version":409\}\],/,
    );
    const ccJson = parseFastjsonObject(cc.body!);
    assert.equal(ccJson.get('consumeType'), 'CONSUME_PASSIVELY');
    assert.equal(ccJson.get('consumeFromWhere'), 'CONSUME_FROM_FIRST_OFFSET');
    assert.equal(ccJson.get('messageModel'), 'CLUSTERING');
    assert.ok((ccJson.get('subscriptionTable') as Map<string, unknown>).has(TOPIC));
    const off = await call(RequestCode.GET_CONSUMER_CONNECTION_LIST, { consumerGroup: 'Nobody' });
    assert.equal(off.code, ResponseCode.CONSUMER_NOT_ONLINE);

    const pc = await call(RequestCode.GET_PRODUCER_CONNECTION_LIST, { producerGroup: 'AdminPG' });
    assert.equal(pc.code, ResponseCode.SUCCESS);
    assert.match(
      pc.body!.toString(),
      /^\{"connectionSet":\[\{"clientAddr":"127\.0\.0\.1:\d+","clientId":"127\.0\.0\.1@admin","language":"JAVA","version":409\}\]\}$/,
    );

    const who = await call(RequestCode.QUERY_TOPIC_CONSUME_BY_WHO, { topic: TOPIC });
    assert.equal(who.body?.toString(), `{"groupList":["${GROUP}"]}`);

    const running = await call(RequestCode.GET_CONSUMER_RUNNING_INFO, {
      consumerGroup: GROUP,
      clientId: '127.0.0.1@admin',
      jstackEnable: 'false',
    });
    assert.equal(running.code, ResponseCode.SUCCESS, running.remark);
    assert.equal(running.body?.toString(), '{"jstack":"false","mqTable":{},"properties":{}}');
    const gone = await call(RequestCode.GET_CONSUMER_RUNNING_INFO, { consumerGroup: GROUP, clientId: 'x@y' });
    assert.equal(gone.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(gone.remark, `The Consumer <${GROUP}> <x@y> not online`);
  });

  it('getBrokerConfig: GET_BROKER_CONFIG body is Properties text, header carries a version', async () => {
    const r = await call(RequestCode.GET_BROKER_CONFIG);
    assert.equal(r.code, ResponseCode.SUCCESS);
    const text = r.body!.toString();
    assert.match(text, /^brokerName=broker-a$/m);
    assert.match(text, /^brokerClusterName=DefaultCluster$/m);
    assert.match(text, new RegExp(`^listenPort=${cluster.brokers[0]!.port}$`, 'm'));
    assert.match(r.extFields?.version ?? '', /^\{"counter":0,"timestamp":\d+\}$/);
  });

  it('updateSubGroup / deleteSubGroup: SubscriptionGroupConfig body; the setting takes effect on pulls', async () => {
    const config =
      '{"brokerId":0,"consumeBroadcastEnable":true,"consumeEnable":false,"consumeFromMinEnable":false,' +
      '"groupName":"AdminSubGroup","notifyConsumerIdsChangedEnable":true,"retryMaxTimes":3,"retryQueueNums":1,' +
      '"whichBrokerWhenConsumeSlowly":1}';
    const up = await call(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, {}, Buffer.from(config));
    assert.equal(up.code, ResponseCode.SUCCESS);
    const all = await call(RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG);
    assert.equal(all.code, ResponseCode.SUCCESS);
    assert.ok(all.body!.toString().includes(`"AdminSubGroup":${config}`), all.body!.toString());
    assert.match(
      all.body!.toString(),
      /^\{"dataVersion":\{"counter":\d+,"timestamp":\d+\},"subscriptionGroupTable":\{/,
    );
    const pull = await call(RequestCode.PULL_MESSAGE, {
      consumerGroup: 'AdminSubGroup',
      topic: TOPIC,
      queueId: '0',
      queueOffset: '0',
      maxMsgNums: '1',
      sysFlag: '4',
      commitOffset: '0',
      suspendTimeoutMillis: '0',
      subscription: '*',
      subVersion: '0',
    });
    assert.equal(pull.code, ResponseCode.NO_PERMISSION);
    const del = await call(RequestCode.DELETE_SUBSCRIPTIONGROUP, { groupName: 'AdminSubGroup' });
    assert.equal(del.code, ResponseCode.SUCCESS);
    const after = await call(RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG);
    assert.ok(!after.body!.toString().includes('"AdminSubGroup"'));
  });
  it('getTopicConfig (5.x GET_TOPIC_CONFIG): the TopicConfig as fastjson writes it; TOPIC_NOT_EXIST for an unknown topic', async () => {
    const r = await call(RequestCode.GET_TOPIC_CONFIG, { topic: TOPIC, lo: 'false' });
    assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
    assert.equal(
      r.body!.toString(),
      `{"attributes":{},"order":false,"perm":6,"readQueueNums":2,"topicFilterType":"SINGLE_TAG",` +
        `"topicName":"${TOPIC}","topicSysFlag":0,"writeQueueNums":2}`,
    );
    const missing = await call(RequestCode.GET_TOPIC_CONFIG, { topic: 'NoSuchTopic' });
    assert.equal(missing.code, ResponseCode.TOPIC_NOT_EXIST);
    assert.equal(missing.remark, 'No topic in this broker. topic: NoSuchTopic');
  });

  it('cloneGroupOffset: the destination group gets the source group offsets, topic by topic', async () => {
    const commit = async (group: string, queueId: number, offset: number) => {
      const r = await call(RequestCode.UPDATE_CONSUMER_OFFSET, {
        consumerGroup: group,
        topic: TOPIC,
        queueId: String(queueId),
        commitOffset: String(offset),
      });
      assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
    };
    const query = async (group: string, queueId: number) => {
      const r = await call(RequestCode.QUERY_CONSUMER_OFFSET, {
        consumerGroup: group,
        topic: TOPIC,
        queueId: String(queueId),
        setZeroIfNotFound: 'false',
      });
      return r.code === ResponseCode.SUCCESS ? r.extFields?.offset : `code ${r.code}`;
    };
    await commit('CloneSrc', 0, 2);
    await commit('CloneSrc', 1, 1);
    await commit('CloneDest', 1, 0);
    // No topic: every topic the source has offsets on; offline: whatever the source's consumers subscribe.
    const r = await call(RequestCode.CLONE_GROUP_OFFSET, {
      srcGroup: 'CloneSrc',
      destGroup: 'CloneDest',
      offline: 'true',
    });
    assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
    assert.deepEqual([await query('CloneDest', 0), await query('CloneDest', 1)], ['2', '1']);
    // A source with no offsets there changes nothing; a bad group name is refused and changes nothing.
    const none = await call(RequestCode.CLONE_GROUP_OFFSET, {
      srcGroup: 'NoOffsets',
      destGroup: 'CloneDest',
      topic: TOPIC,
    });
    assert.equal(none.code, ResponseCode.SUCCESS);
    const bad = await call(RequestCode.CLONE_GROUP_OFFSET, { srcGroup: 'CloneSrc', destGroup: 'bad name' });
    assert.equal(bad.code, ResponseCode.INVALID_PARAMETER);
    assert.deepEqual([await query('CloneDest', 0), await query('CloneDest', 1)], ['2', '1']);
  });
});
