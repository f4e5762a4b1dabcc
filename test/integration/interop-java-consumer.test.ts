/**
 * Java consumers against our broker: the requests DefaultMQPushConsumer, DefaultLitePullConsumer and
 * DefaultMQPullConsumer (4.9.8 / 5.3.3) send, replayed with Java's header field names (raw extFields,
 * as makeCustomHeaderToNet writes them) and fastjson bodies, answers checked for what the Java code
 * parses: MQClientAPIImpl.processPullResponse (the four @CFNotNull PullMessageResponseHeader fields),
 * RemoteBrokerOffsetStore.readOffset (QUERY_NOT_FOUND -> OffsetNotFoundException in 5.x), rebalance's
 * ConsumerListBody, and long polling as the push consumer uses it (SUSPEND without SUBSCRIPTION:
 * the subscription comes from the heartbeat).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { RemotingClient } from '../../src/transport/index.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../src/protocol/command/remoting-command.js';
import { RequestCode } from '../../src/protocol/codes/request-code.js';
import { ResponseCode } from '../../src/protocol/codes/response-code.js';
import { MQVersion } from '../../src/protocol/codes/misc.js';
import { decodeMessageRecords } from '../../src/protocol/message/record.js';
import { newClient, send } from '../helpers/broker-client.js';

const TIMEOUT = 5000;
const TOPIC = 'JavaConsumeTopic';
const GROUP = 'JavaPushGroup';

/** HeartbeatData as fastjson prints it for a 4.9.8 push consumer (retry subscription included). */
function heartbeat(clientId: string, group: string, v5: boolean, subVersion: number): Buffer {
  const sub = (topic: string): string =>
    `{"classFilterMode":false,"codeSet":[],"expressionType":"TAG","subString":"*","subVersion":${subVersion},"tagsSet":[],"topic":"${topic}"}`;
  return Buffer.from(
    `{"clientID":"${clientId}","consumerDataSet":[{"consumeFromWhere":"CONSUME_FROM_LAST_OFFSET",` +
      `"consumeType":"CONSUME_PASSIVELY","groupName":"${group}","messageModel":"CLUSTERING",` +
      `"subscriptionDataSet":[${sub(TOPIC)},${sub(`%RETRY%${group}`)}],"unitMode":false}],` +
      (v5 ? '"heartbeatFingerprint":0,' : '') +
      `"producerDataSet":[{"groupName":"CLIENT_INNER_PRODUCER"}]` +
      (v5 ? ',"withoutSub":false}' : '}'),
  );
}

describe('Java consumers against our broker', () => {
  let cluster: EmbeddedCluster;
  let client: RemotingClient;
  let addr: string;
  const call = (
    code: number,
    extFields: Record<string, string>,
    init: { body?: Buffer; version?: number } = {},
  ) =>
    client.invokeSync(
      addr,
      createRequest(code, {
        extFields,
        version: init.version ?? MQVersion.V4_9_8,
        ...(init.body && { body: init.body }),
      }),
      TIMEOUT,
    );

  before(async () => {
    cluster = await startEmbeddedCluster({ brokers: [{ messageDelayLevel: '1s 1s 1s 1s' }] });
    client = newClient();
    addr = cluster.brokers[0]!.address;
    for (let i = 0; i < 3; i++) {
      const r = await send(client, addr, {
        topic: TOPIC,
        queueId: 0,
        body: `m${i}`,
        properties: { TAGS: 'A' },
      });
      assert.equal(r.code, ResponseCode.SUCCESS);
    }
  });

  after(async () => {
    await client.shutdown();
    await cluster.stop();
  });

  it('5.3.3 heartbeat (fingerprint keys) registers the group; no heartbeat-v2 flags are promised', async () => {
    const r = await call(
      RequestCode.HEART_BEAT,
      {},
      { body: heartbeat('127.0.0.1@53', GROUP, true, 1), version: MQVersion.V5_3_3 },
    );
    assert.equal(r.code, ResponseCode.SUCCESS);
    // sendHeartbeatV2 reads IS_SUPPORT_HEART_BEAT_V2 with Boolean.parseBoolean: absent = false, so a
    // client with useHeartbeatV2 keeps sending full heartbeats (subscriptions included).
    assert.equal(r.extFields?.IS_SUPPORT_HEART_BEAT_V2, undefined);
    const list = await call(RequestCode.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup: GROUP });
    assert.equal(list.code, ResponseCode.SUCCESS);
    assert.equal(list.body?.toString(), '{"consumerIdList":["127.0.0.1@53"]}');
    // The retry topic exists now (Java creates it on heartbeat) and is routed.
    assert.ok(cluster.brokers[0]!.topics.select(`%RETRY%${GROUP}`));
  });

  it('initial offset: QUERY_CONSUMER_OFFSET then GET_MAX_OFFSET (CONSUME_FROM_LAST_OFFSET)', async () => {
    const q = await call(RequestCode.QUERY_CONSUMER_OFFSET, {
      consumerGroup: GROUP,
      topic: TOPIC,
      queueId: '0',
      bname: 'broker-a',
    });
    // Queue 0 still starts at 0: Java answers offset 0 so a new group reads from the start.
    assert.equal(q.code, ResponseCode.SUCCESS);
    assert.equal(q.extFields?.offset, '0');
    const max = await call(RequestCode.GET_MAX_OFFSET, { topic: TOPIC, queueId: '0', bname: 'broker-a' });
    assert.equal(max.code, ResponseCode.SUCCESS);
    assert.equal(max.extFields?.offset, '3');
    const min = await call(RequestCode.GET_MIN_OFFSET, { topic: TOPIC, queueId: '0' });
    assert.equal(min.extFields?.offset, '0');
    const search = await call(RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, {
      topic: TOPIC,
      queueId: '0',
      timestamp: '0',
    });
    assert.equal(search.code, ResponseCode.SUCCESS);
    assert.equal(search.extFields?.offset, '0');
  });

  it('push-consumer pull (SUSPEND, subscription from the heartbeat) decodes as Java expects', async () => {
    const pull = (
      offset: number,
      sysFlag: number,
      extra: Record<string, string> = {},
    ): Promise<RemotingCommand> =>
      call(
        RequestCode.PULL_MESSAGE,
        {
          consumerGroup: GROUP,
          topic: TOPIC,
          queueId: '0',
          queueOffset: String(offset),
          maxMsgNums: '32',
          sysFlag: String(sysFlag),
          commitOffset: '0',
          suspendTimeoutMillis: '15000',
          subVersion: '1',
          expressionType: 'TAG',
          ...extra,
        },
        { version: MQVersion.V5_3_3 },
      );
    const r = await pull(0, 0x2, { maxMsgBytes: '2147483647', bname: 'broker-a' });
    assert.equal(r.code, ResponseCode.SUCCESS);
    for (const k of ['suggestWhichBrokerId', 'nextBeginOffset', 'minOffset', 'maxOffset'])
      assert.match(r.extFields?.[k] ?? '', /^-?\d+$/, k);
    assert.equal(r.extFields?.suggestWhichBrokerId, '0');
    assert.equal(r.extFields?.nextBeginOffset, '3');
    const msgs = decodeMessageRecords(r.body!);
    assert.deepEqual(
      msgs.map((m) => [m.queueOffset, m.body.toString()]),
      [
        [0n, 'm0'],
        [1n, 'm1'],
        [2n, 'm2'],
      ],
    );
    // A newer subscription version than the heartbeat's: Java answers SUBSCRIPTION_NOT_LATEST.
    const stale = await pull(3, 0x2, { subVersion: '2' });
    assert.equal(stale.code, ResponseCode.SUBSCRIPTION_NOT_LATEST);
    // Long polling: held, then woken by a send; COMMIT_OFFSET (3) commits 3 on the way.
    const held = pull(3, 0x3, { commitOffset: '3' });
    await new Promise((r2) => setTimeout(r2, 100));
    assert.equal(
      (await send(client, addr, { topic: TOPIC, queueId: 0, body: 'late' })).code,
      ResponseCode.SUCCESS,
    );
    const woke = await held;
    assert.equal(woke.code, ResponseCode.SUCCESS);
    assert.equal(decodeMessageRecords(woke.body!)[0]?.body.toString(), 'late');
    const q = await call(RequestCode.QUERY_CONSUMER_OFFSET, {
      consumerGroup: GROUP,
      topic: TOPIC,
      queueId: '0',
    });
    assert.equal(q.extFields?.offset, '3');
  });

  it('lite pull: 4.9.8 PULL_MESSAGE and 5.3.3 LITE_PULL_MESSAGE (SUSPEND|SUBSCRIPTION|LITE_PULL), offset persist', async () => {
    const litePull = (code: number, version: number): Promise<RemotingCommand> =>
      call(
        code,
        {
          consumerGroup: 'JavaLiteGroup',
          topic: TOPIC,
          queueId: '0',
          queueOffset: '1',
          maxMsgNums: '10',
          sysFlag: String(0x2 | 0x4 | 0x10),
          commitOffset: '0',
          suspendTimeoutMillis: '20000',
          subscription: 'A || B',
          subVersion: '0',
          expressionType: 'TAG',
        },
        { version },
      );
    for (const [code, version] of [
      [RequestCode.PULL_MESSAGE, MQVersion.V4_9_8],
      // 5.x MQClientAPIImpl.pullMessage switches to LITE_PULL_MESSAGE when the LITE_PULL flag is set.
      [RequestCode.LITE_PULL_MESSAGE, MQVersion.V5_3_3],
    ] as const) {
      const r = await litePull(code, version);
      assert.equal(r.code, ResponseCode.SUCCESS, `${code}: ${r.remark}`);
      assert.deepEqual(
        decodeMessageRecords(r.body!).map((m) => m.body.toString()),
        // 'late' carries no tag: filtered out by 'A || B' as in Java.
        ['m1', 'm2'],
      );
    }
    await client.invokeOneway(
      addr,
      createRequest(RequestCode.UPDATE_CONSUMER_OFFSET, {
        extFields: { consumerGroup: 'JavaLiteGroup', topic: TOPIC, queueId: '0', commitOffset: '4' },
      }),
      TIMEOUT,
    );
    let offset: string | undefined;
    for (let i = 0; i < 50 && offset !== '4'; i++) {
      offset = (
        await call(RequestCode.QUERY_CONSUMER_OFFSET, {
          consumerGroup: 'JavaLiteGroup',
          topic: TOPIC,
          queueId: '0',
        })
      ).extFields?.offset;
      if (offset !== '4') await new Promise((r2) => setTimeout(r2, 20));
    }
    assert.equal(offset, '4');
  });

  it('no committed offset: 0 on a queue starting at 0, QUERY_NOT_FOUND with setZeroIfNotFound=false', async () => {
    // Java 4.9.8 answers 0 for a queue whose first message is still there (and for an empty one).
    const q = await call(RequestCode.QUERY_CONSUMER_OFFSET, {
      consumerGroup: 'Fresh',
      topic: `%RETRY%${GROUP}`,
      queueId: '0',
    });
    assert.equal(q.code, ResponseCode.SUCCESS);
    assert.equal(q.extFields?.offset, '0');
    // 5.x header field: the 5.x client maps QUERY_NOT_FOUND to OffsetNotFoundException (readOffset -1).
    const nf = await call(
      RequestCode.QUERY_CONSUMER_OFFSET,
      { consumerGroup: 'Fresh', topic: TOPIC, queueId: '0', setZeroIfNotFound: 'false' },
      { version: MQVersion.V5_3_3 },
    );
    assert.equal(nf.code, ResponseCode.QUERY_NOT_FOUND);
  });

  it('orderly consumer LOCK_BATCH_MQ (5.x body with onlyThisBroker) and UNLOCK_BATCH_MQ', async () => {
    const body = Buffer.from(
      `{"clientId":"127.0.0.1@53","consumerGroup":"${GROUP}","mqSet":[{"brokerName":"broker-a","queueId":0,"topic":"${TOPIC}"}],"onlyThisBroker":false}`,
    );
    const r = await call(RequestCode.LOCK_BATCH_MQ, {}, { body, version: MQVersion.V5_3_3 });
    assert.equal(r.code, ResponseCode.SUCCESS);
    assert.equal(
      r.body?.toString(),
      `{"lockOKMQSet":[{"brokerName":"broker-a","queueId":0,"topic":"${TOPIC}"}]}`,
    );
    const u = await call(RequestCode.UNLOCK_BATCH_MQ, {}, { body, version: MQVersion.V5_3_3 });
    assert.equal(u.code, ResponseCode.SUCCESS);
  });

  it('UNREGISTER_CLIENT at shutdown empties the group (GET_CONSUMER_LIST_BY_GROUP then fails)', async () => {
    const r = await call(RequestCode.UNREGISTER_CLIENT, { clientID: '127.0.0.1@53', consumerGroup: GROUP });
    assert.equal(r.code, ResponseCode.SUCCESS);
    const list = await call(RequestCode.GET_CONSUMER_LIST_BY_GROUP, { consumerGroup: GROUP });
    assert.equal(list.code, ResponseCode.SYSTEM_ERROR);
  });
});
