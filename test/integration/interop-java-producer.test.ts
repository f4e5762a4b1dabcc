/**
 * A Java DefaultMQProducer (5.3.3 / 4.9.8) against our name server and broker, request by request as
 * the Java code sends them: TBW102 route lookup, SEND_MESSAGE_V2 with one-letter keys a..n (n =
 * bname, 5.x) to a new topic, the new topic's route appearing on the name server, a batch
 * (m=true, MessageDecoder.encodeMessages body), a oneway send, heartbeat and UNREGISTER_CLIENT.
 * Answers are checked for what processSendResponse reads: msgId / queueId / queueOffset (@CFNotNull)
 * and the MSG_REGION / TRACE_ON extFields it dereferences without a null check on extFields.
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
import { decodeTopicRouteData } from '../../src/protocol/body/route.js';
import { encodeBatch } from '../../src/protocol/message/batch.js';
import { decodeMessageRecords } from '../../src/protocol/message/record.js';
import { newClient } from '../helpers/broker-client.js';

const TIMEOUT = 5000;
const TOPIC = 'JavaProducedTopic';
/** MessageDecoder.messageProperties2String: name \u0001 value \u0002, trailing separator included. */
const props = (p: Record<string, string>): string =>
  Object.entries(p)
    .map(([k, v]) => `${k}\u0001${v}\u0002`)
    .join('');

describe('Java producer against our name server and broker', () => {
  let cluster: EmbeddedCluster;
  let client: RemotingClient;
  let broker: string;
  const v533 = (code: number, extFields: Record<string, string>, body?: Buffer): RemotingCommand =>
    createRequest(code, { version: MQVersion.V5_3_3, extFields, ...(body && { body }) });
  const sendHeader = (queueId: number, extra: Record<string, string> = {}): Record<string, string> => ({
    a: 'JavaPG',
    b: TOPIC,
    c: 'TBW102',
    d: '4',
    e: String(queueId),
    f: '0',
    g: String(Date.now()),
    h: '0',
    i: props({ UNIQ_KEY: 'AC110001000078308DB1000000000000', WAIT: 'true', TAGS: 'TagA' }),
    j: '0',
    k: 'false',
    n: 'broker-a',
    ...extra,
  });

  before(async () => {
    cluster = await startEmbeddedCluster();
    client = newClient();
    broker = cluster.brokers[0]!.address;
  });

  after(async () => {
    await client.shutdown();
    await cluster.stop();
  });

  it('TBW102 route, first send to a new topic, then the topic route appears', async () => {
    const ns = cluster.namesrvAddress;
    const miss = await client.invokeSync(
      ns,
      v533(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: TOPIC }),
      TIMEOUT,
    );
    assert.equal(miss.code, ResponseCode.TOPIC_NOT_EXIST);
    const tbw = await client.invokeSync(
      ns,
      v533(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'TBW102' }),
      TIMEOUT,
    );
    assert.equal(tbw.code, ResponseCode.SUCCESS);
    assert.equal(decodeTopicRouteData(tbw.body!).brokerDatas[0]?.brokerAddrs.get(0), broker);

    const hb =
      '{"clientID":"127.0.0.1@java","consumerDataSet":[],"heartbeatFingerprint":0,' +
      '"producerDataSet":[{"groupName":"JavaPG"},{"groupName":"CLIENT_INNER_PRODUCER"}],"withoutSub":false}';
    assert.equal(
      (await client.invokeSync(broker, v533(RequestCode.HEART_BEAT, {}, Buffer.from(hb)), TIMEOUT)).code,
      ResponseCode.SUCCESS,
    );
    const r = await client.invokeSync(
      broker,
      v533(RequestCode.SEND_MESSAGE_V2, sendHeader(1), Buffer.from('hello')),
      TIMEOUT,
    );
    assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
    assert.match(r.extFields?.msgId ?? '', /^[0-9A-F]{32}$/);
    assert.equal(r.extFields?.queueId, '1');
    assert.equal(r.extFields?.queueOffset, '0');
    assert.equal(r.extFields?.MSG_REGION, 'DefaultRegion');
    assert.ok(r.extFields?.TRACE_ON === 'true' || r.extFields?.TRACE_ON === 'false');

    let route: RemotingCommand | undefined;
    for (let i = 0; i < 100; i++) {
      route = await client.invokeSync(
        ns,
        v533(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: TOPIC }),
        TIMEOUT,
      );
      if (route.code === ResponseCode.SUCCESS) break;
      await new Promise((res) => setTimeout(res, 20));
    }
    assert.equal(route?.code, ResponseCode.SUCCESS);
    assert.deepEqual(
      decodeTopicRouteData(route!.body!).queueDatas.map((q) => [q.brokerName, q.writeQueueNums]),
      [['broker-a', 4]],
    );
  });

  it('batch (m=true) and oneway sends are stored; properties keep their trailing separator', async () => {
    const body = encodeBatch([
      { body: 'b0', properties: { UNIQ_KEY: 'AC11000100007830000000000000B000', TAGS: 'TagB' } },
      { body: 'b1', properties: { UNIQ_KEY: 'AC11000100007830000000000000B001', TAGS: 'TagB' } },
    ]);
    const r = await client.invokeSync(
      broker,
      v533(RequestCode.SEND_BATCH_MESSAGE, sendHeader(2, { i: props({ WAIT: 'true' }), m: 'true' }), body),
      TIMEOUT,
    );
    assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
    assert.equal(r.extFields?.queueOffset, '0');
    assert.equal(r.extFields?.msgId?.split(',').length, 2);

    const oneway = v533(RequestCode.SEND_MESSAGE_V2, sendHeader(3), Buffer.from('ow'));
    await client.invokeOneway(broker, oneway, TIMEOUT);
    const store = cluster.brokers[0]!.store;
    for (let i = 0; i < 100 && store.getMaxOffsetInQueue(TOPIC, 3) === 0n; i++)
      await new Promise((res) => setTimeout(res, 20));
    assert.equal(store.getMaxOffsetInQueue(TOPIC, 3), 1n);

    const got = await store.getMessage('g', TOPIC, 2, 0n, 8);
    const recs = decodeMessageRecords(Buffer.concat(got.messages));
    assert.deepEqual(
      recs.map((m) => m.body.toString()),
      ['b0', 'b1'],
    );
    // Java string2messageProperties splits on \u0002 then \u0001: a trailing \u0002 is harmless, but
    // every pair must be complete.
    for (const m of recs) {
      for (const pair of m.properties.split('\u0002').filter((p) => p !== ''))
        assert.equal(pair.split('\u0001').length, 2, JSON.stringify(pair));
    }
  });

  it('UNREGISTER_CLIENT at shutdown', async () => {
    const r = await client.invokeSync(
      broker,
      v533(RequestCode.UNREGISTER_CLIENT, { clientID: '127.0.0.1@java', producerGroup: 'JavaPG' }),
      TIMEOUT,
    );
    assert.equal(r.code, ResponseCode.SUCCESS);
    assert.equal(cluster.brokers[0]!.clients.producers.has('JavaPG'), false);
  });
});
