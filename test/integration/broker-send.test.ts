/**
 * The broker's send path over loopback: SEND_MESSAGE (V1), SEND_MESSAGE_V2, SEND_BATCH_MESSAGE, topic
 * auto-creation and registration, the recorded Java request frames, every validation failure with
 * Java's code and remark, retry / DLQ topics, and hostile input (malformed batches, oversize bodies,
 * garbage frames) that must never crash the broker or corrupt the store.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { RemotingClient } from '../../src/transport/index.js';
import { RequestCode } from '../../src/protocol/codes/request-code.js';
import { ResponseCode } from '../../src/protocol/codes/response-code.js';
import { decodeFrame } from '../../src/protocol/frame/frame-codec.js';
import { decodeOffsetMessageId } from '../../src/protocol/message/message-id.js';
import { decodeProperties } from '../../src/protocol/message/properties.js';
import { grownCapacity, javaHashMapKeyOrder } from '../../src/protocol/java/hash-map.js';
import { GetRouteInfoRequestHeader } from '../../src/protocol/headers/namesrv.js';
import { decodeTopicRouteData } from '../../src/protocol/body/route.js';
import { loadCaptures } from '../helpers/captures.js';
import { newClient, pull, pullAll, records, request, send, sendBatch } from '../helpers/broker-client.js';

let cluster: EmbeddedCluster;
let client: RemotingClient;
let addr: string;

before(async () => {
  cluster = await startEmbeddedCluster({
    brokers: [{ maxMessageSize: 64 * 1024, rejectTransactionMessage: true }],
  });
  client = newClient();
  addr = cluster.brokers[0]!.address;
});

after(async () => {
  await client.shutdown();
  await cluster.stop();
});

function msgIdOffsets(msgId: string): bigint[] {
  return msgId.split(',').map((id) => {
    const d = decodeOffsetMessageId(id);
    assert.equal(d.address, addr, 'msgId names our broker');
    return d.commitLogOffset;
  });
}

describe('broker send', () => {
  it('SEND_MESSAGE_V2 auto-creates a topic with 4 queues and answers like Java', async () => {
    const r = await send(client, addr, {
      topic: 'AutoTopic',
      queueId: 2,
      properties: { TAGS: 'TagA', KEYS: 'k1', UNIQ_KEY: 'AABB', WAIT: 'true' },
      body: 'hello',
    });
    assert.equal(r.code, ResponseCode.SUCCESS);
    assert.equal(r.flag & 1, 1);
    // 4.9.8's keys (Java HashMap order), then 5.x's transactionId: the message's UNIQ_KEY.
    assert.deepEqual(Object.keys(r.extFields ?? {}), [
      'queueId',
      'TRACE_ON',
      'MSG_REGION',
      'msgId',
      'queueOffset',
      'transactionId',
    ]);
    assert.equal(r.extFields?.transactionId, 'AABB');
    assert.equal(r.extFields?.queueId, '2');
    assert.equal(r.extFields?.queueOffset, '0');
    assert.equal(r.extFields?.TRACE_ON, 'true');
    assert.equal(r.extFields?.MSG_REGION, 'DefaultRegion');
    const [phys] = msgIdOffsets(r.extFields?.msgId ?? '');
    const config = cluster.brokers[0]!.topics.select('AutoTopic');
    assert.equal(config?.readQueueNums, 4);
    assert.equal(config?.writeQueueNums, 4);
    assert.equal(config?.perm, 6);

    const p = await pull(client, addr, { topic: 'AutoTopic', queueId: 2, offset: 0n });
    assert.equal(p.code, ResponseCode.SUCCESS);
    const [rec] = records(p);
    assert.equal(rec?.body.toString(), 'hello');
    assert.equal(rec?.physicalOffset, phys);
    assert.equal(rec?.storeHost.port, cluster.brokers[0]!.port);
    // 4.9.x stores CLUSTER and drops WAIT from the stored string; the store adds its record
    // checksum in Java 5.x's __CRC32# format (ten digits).
    const stored: Record<string, string> = { ...decodeProperties(rec?.properties ?? '') };
    assert.match(stored['__CRC32#'] ?? '', /^\d{10}$/);
    delete stored['__CRC32#'];
    assert.deepEqual(stored, {
      TAGS: 'TagA',
      KEYS: 'k1',
      UNIQ_KEY: 'AABB',
      CLUSTER: 'DefaultCluster',
    });
  });

  /**
   * Sends `properties` and checks the stored string: `order` (the keys a 4.9.8 broker writes, in its
   * order) with their values and CLUSTER, then the store's checksum entry (see the test above).
   */
  async function assertStoredOrder(
    topic: string,
    properties: Record<string, string>,
    order: string[],
  ): Promise<void> {
    const values: Record<string, string> = { ...properties, CLUSTER: 'DefaultCluster' };
    const r = await send(client, addr, { topic, queueId: 0, properties, body: 'x' });
    assert.equal(r.code, ResponseCode.SUCCESS);
    const [rec] = records(await pull(client, addr, { topic, queueId: 0, offset: 0n }));
    const expected = order.map((k) => `${k}\u0001${values[k]}`);
    assert.match(
      rec?.properties ?? '',
      new RegExp(`^${expected.join('\u0002')}\u0002__CRC32#\u0001\\d{10}\u0002$`),
    );
  }
  const elevenProperties = (): Record<string, string> =>
    Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`P${i}`, `v-P${i}`]));

  it('stores properties in the order of Java’s map, whose table grew with WAIT in it', async () => {
    // 4.9.8 parses the properties into a new HashMap(), puts CLUSTER, removes WAIT and serializes that
    // same map: 13 keys grew its table to 32 buckets, and the 12 left keep the 32-bucket order.
    const properties = { ...elevenProperties(), WAIT: 'true' };
    const history = [...Object.keys(properties), 'CLUSTER'];
    const order = (capacity: number): string[] =>
      javaHashMapKeyOrder(history, capacity).filter((k) => k !== 'WAIT');
    assert.notDeepEqual(order(32), order(16), 'the two table sizes must order these keys differently');
    await assertStoredOrder('PropertyOrderTopic', properties, order(grownCapacity(16, history.length)));
  });

  it('without WAIT, the same 11 properties keep the 16-bucket order (no key Java never had)', async () => {
    const properties = elevenProperties();
    const history = [...Object.keys(properties), 'CLUSTER'];
    await assertStoredOrder(
      'PropertyOrderNoWait',
      properties,
      javaHashMapKeyOrder(history, grownCapacity(16, history.length)),
    );
  });

  it('a delayed message is delivered with the schedule record’s properties, as Java delivers it', async () => {
    // 4.9.8: WAIT goes back into the map after the first string, the delay rewrite adds REAL_TOPIC and
    // REAL_QID and serializes again, and messageTimeup copies that string before it clears DELAY.
    const r = await send(client, addr, {
      topic: 'DelayedProps',
      queueId: 1,
      properties: { TAGS: 'TagD', UNIQ_KEY: 'D1', WAIT: 'true', DELAY: '1' },
      body: 'later',
    });
    assert.equal(r.code, ResponseCode.SUCCESS);
    let delivered: ReturnType<typeof records> = [];
    for (let i = 0; i < 60 && delivered.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      delivered = await pullAll(client, addr, 'DelayedProps', 1);
    }
    assert.equal(delivered.length, 1, 'delivered after level 1 (1 s)');
    const props: Record<string, string> = { ...decodeProperties(delivered[0]!.properties) };
    delete props['__CRC32#'];
    assert.deepEqual(props, {
      TAGS: 'TagD',
      UNIQ_KEY: 'D1',
      WAIT: 'true',
      DELAY: '1',
      CLUSTER: 'DefaultCluster',
      REAL_TOPIC: 'DelayedProps',
      REAL_QID: '1',
    });
  });

  it('registers a created topic with the name server', async () => {
    await send(client, addr, { topic: 'RoutedTopic' });
    let route;
    for (let i = 0; i < 100 && !route; i++) {
      const r = await request(
        client,
        cluster.namesrvAddress,
        RequestCode.GET_ROUTEINFO_BY_TOPIC,
        GetRouteInfoRequestHeader.encode({ topic: 'RoutedTopic' }),
      );
      if (r.code === 0 && r.body) route = decodeTopicRouteData(r.body);
      else await new Promise((res) => setTimeout(res, 20));
    }
    assert.ok(route, 'route appears');
    assert.equal(route.queueDatas[0]?.brokerName, 'broker-a');
    assert.equal(route.queueDatas[0]?.writeQueueNums, 4);
    assert.equal(route.brokerDatas[0]?.brokerAddrs.get(0), addr);
  });

  it('SEND_MESSAGE (V1 header) and random queue choice for queueId < 0', async () => {
    const r = await send(client, addr, { topic: 'V1Topic', code: RequestCode.SEND_MESSAGE, queueId: -1 });
    assert.equal(r.code, ResponseCode.SUCCESS);
    const q = Number(r.extFields?.queueId);
    assert.ok(q >= 0 && q < 4);
    assert.equal(r.extFields?.queueOffset, '0');
  });

  it("answers the message's UNIQ_KEY as transactionId, as 5.x does, and nothing without one", async () => {
    // A single send without UNIQ_KEY (a non-Java producer): no transactionId, the table path too.
    const plain = await send(client, addr, { topic: 'TxIdTopic', properties: { WAIT: 'true' } });
    assert.equal(plain.code, ResponseCode.SUCCESS);
    assert.equal(plain.extFields?.transactionId, undefined);
    const tabled = await send(client, addr, {
      topic: 'TxIdTopic',
      properties: { DELAY: '1', UNIQ_KEY: 'DELAYED01' }, // a delay level: the property-table path
    });
    assert.equal(tabled.extFields?.transactionId, 'DELAYED01');
    // A batch: its own UNIQ_KEY (5.x clients set one), none for a 4.9 client's batch.
    const entries = [0, 1].map((i) => ({ body: `b${i}`, properties: { UNIQ_KEY: `E${i}` } }));
    const batch5 = await sendBatch(client, addr, 'TxIdTopic', entries, {
      properties: { WAIT: 'true', UNIQ_KEY: 'BATCH5' },
    });
    assert.equal(batch5.code, ResponseCode.SUCCESS);
    assert.equal(batch5.extFields?.transactionId, 'BATCH5');
    const batch4 = await sendBatch(client, addr, 'TxIdTopic', entries);
    assert.equal(batch4.code, ResponseCode.SUCCESS);
    assert.equal(batch4.extFields?.transactionId, undefined);
    // A hostile UNIQ_KEY is echoed exactly, to V1 and V2 sends (escapes, non-ASCII, a long one).
    for (const uniq of ['"\\\u0000\n</x>', 'ключ-キー-🚀', 'U'.repeat(20_000)]) {
      for (const code of [RequestCode.SEND_MESSAGE_V2, RequestCode.SEND_MESSAGE]) {
        const r = await send(client, addr, { topic: 'TxIdTopic', code, properties: { UNIQ_KEY: uniq } });
        assert.equal(r.code, ResponseCode.SUCCESS);
        assert.equal(r.extFields?.transactionId, uniq);
      }
    }
  });

  it('SEND_BATCH_MESSAGE stores each entry with consecutive offsets and comma-joined ids', async () => {
    await send(client, addr, { topic: 'BatchTopic', queueId: 1, body: 'first' });
    const entries = [0, 1, 2].map((i) => ({ body: `b${i}`, properties: { UNIQ_KEY: `U${i}`, TAGS: 'T' } }));
    const r = await sendBatch(client, addr, 'BatchTopic', entries, { queueId: 1 });
    assert.equal(r.code, ResponseCode.SUCCESS);
    assert.equal(r.extFields?.queueOffset, '1');
    const offsets = msgIdOffsets(r.extFields?.msgId ?? '');
    assert.equal(offsets.length, 3);
    const stored = await pullAll(client, addr, 'BatchTopic', 1);
    assert.deepEqual(
      stored.map((m) => [m.queueOffset, m.body.toString(), decodeProperties(m.properties).UNIQ_KEY]),
      [
        [0n, 'first', undefined],
        [1n, 'b0', 'U0'],
        [2n, 'b1', 'U1'],
        [3n, 'b2', 'U2'],
      ],
    );
    assert.deepEqual(
      stored.slice(1).map((m) => m.physicalOffset),
      offsets,
    );
  });

  it('answers the recorded Java SEND_MESSAGE_V2 frames (JSON and ROCKETMQ) with the recorded shape', async () => {
    const frames = loadCaptures().filter((f) => f.kind === 'REQUEST' && f.name.includes('SEND_MESSAGE_V2'));
    const responses = loadCaptures().filter(
      (f) => f.kind === 'RESPONSE' && f.name.includes('SEND_MESSAGE_V2'),
    );
    assert.equal(frames.length, 2, 'capture file present');
    for (const [i, frame] of frames.entries()) {
      const expected = responses[i]!;
      const raw = await rawExchange(addr, frame.bytes);
      const response = decodeFrame(raw);
      const requestOpaque = frame.decoded.opaque as number;
      assert.equal(response.code, 0);
      assert.equal(response.flag, 1);
      assert.equal(response.opaque, requestOpaque);
      assert.equal(response.serializeType, frame.serializeType, 'answered in the request header form');
      // The captures are 4.9.8's answers; 5.x adds the message's UNIQ_KEY as transactionId, a header
      // field after queueOffset (ROCKETMQ: the header's fields first, in their declared order) and
      // last in the JSON form's HashMap order.
      const capturedKeys = Object.keys(expected.decoded.extFields as Record<string, string>);
      const uniq = decodeProperties((frame.decoded.extFields as Record<string, string>).i ?? '').UNIQ_KEY;
      assert.ok(uniq, 'the captured request carries a UNIQ_KEY');
      const expectedKeys =
        response.serializeType === 0
          ? [...capturedKeys, 'transactionId']
          : [...capturedKeys.slice(0, 3), 'transactionId', ...capturedKeys.slice(3)];
      if (response.serializeType !== 0)
        assert.deepEqual(capturedKeys.slice(0, 3), ['msgId', 'queueId', 'queueOffset']);
      assert.deepEqual(Object.keys(response.extFields ?? {}), expectedKeys, 'same keys in the same order');
      assert.equal(response.extFields?.transactionId, uniq);
      assert.equal(response.extFields?.queueId, '0');
      assert.equal(decodeOffsetMessageId(response.extFields?.msgId ?? '').address, addr);
    }
  });

  it('refuses bad sends with the Java code and remark', async () => {
    const cases: [Parameters<typeof send>[2], number, string | RegExp][] = [
      [
        { topic: 'bad topic' },
        1,
        'The specified topic contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$',
      ],
      [{ topic: 'x'.repeat(128) }, 1, 'The specified topic is longer than topic max length.'],
      [{ topic: 'SCHEDULE_TOPIC_XXXX' }, 16, 'Sending message to topic[SCHEDULE_TOPIC_XXXX] is forbidden.'],
      [{ topic: 'SELF_TEST_TOPIC' }, 16, 'Sending message to topic[SELF_TEST_TOPIC] is forbidden.'],
      [
        { topic: 'NoTemplate', defaultTopic: 'NoSuchTemplate' },
        17,
        'topic[NoTemplate] not exist, apply first please!\nSee http://rocketmq.apache.org/docs/faq/ for further details.',
      ],
      [
        { topic: 'AutoTopic', queueId: 4 },
        1,
        /^request queueId\[4\] is illegal, TopicConfig \[topicName=AutoTopic, readQueueNums=4, writeQueueNums=4, perm=RW-, topicFilterType=SINGLE_TAG, topicSysFlag=0, order=false\] Producer: 127\.0\.0\.1:\d+$/,
      ],
      [
        { topic: 'AutoTopic', body: Buffer.alloc(64 * 1024 + 1) },
        13,
        'the message is illegal, maybe msg body or properties length not matched. msg body length limit 65536B, msg properties length limit 32KB.',
      ],
      [
        { topic: 'AutoTopic', properties: { TRAN_MSG: 'true' } },
        16,
        'the broker[127.0.0.1] sending transaction message is forbidden',
      ],
    ];
    for (const [spec, code, remark] of cases) {
      const r = await send(client, addr, spec);
      assert.equal(r.code, code, `${spec.topic.slice(0, 20)}: ${r.remark}`);
      if (typeof remark === 'string') assert.equal(r.remark, remark);
      else assert.match(r.remark ?? '', remark);
      assert.equal(r.extFields?.MSG_REGION, 'DefaultRegion', 'extras also on errors');
      assert.equal(r.extFields?.TRACE_ON, 'true');
    }
  });

  it('answers a request without required header fields with SYSTEM_ERROR', async () => {
    const r = await request(client, addr, RequestCode.SEND_MESSAGE_V2, { b: 'AutoTopic' }, Buffer.from('x'));
    assert.equal(r.code, ResponseCode.SYSTEM_ERROR);
  });

  it('refuses malformed batch bodies without storing anything', async () => {
    const before = await pullAll(client, addr, 'AutoTopic', 0);
    const bodies = [
      Buffer.from([0, 0, 0, 5, 1, 2, 3]),
      Buffer.alloc(30, 0xff),
      Buffer.concat([Buffer.from('00000030000000000000000000000000000000ff', 'hex'), Buffer.alloc(10)]),
      Buffer.alloc(0),
    ];
    for (const body of bodies) {
      const r = await send(client, addr, { topic: 'AutoTopic', code: RequestCode.SEND_BATCH_MESSAGE, body });
      assert.equal(r.code, ResponseCode.MESSAGE_ILLEGAL, body.toString('hex'));
    }
    assert.equal((await pullAll(client, addr, 'AutoTopic', 0)).length, before.length);
  });

  it('sends to %RETRY% topics and moves exhausted retries to %DLQ%', async () => {
    const ok = await send(client, addr, { topic: '%RETRY%CG1', reconsumeTimes: 3 });
    assert.equal(ok.code, 0);
    // Java tries the TBW102 template first, so a retry topic first seen in a send gets its queue count.
    assert.equal(cluster.brokers[0]!.topics.select('%RETRY%CG1')?.writeQueueNums, 4);
    const dead = await send(client, addr, { topic: '%RETRY%CG1', reconsumeTimes: 16, body: 'dead' });
    assert.equal(dead.code, 0);
    const dlq = await pullAll(client, addr, '%DLQ%CG1', 0);
    assert.deepEqual(
      dlq.map((m) => [m.topic, m.body.toString(), m.reconsumeTimes]),
      [['%DLQ%CG1', 'dead', 16]],
    );
    const custom = await send(client, addr, { topic: '%RETRY%CG1', reconsumeTimes: 2, maxReconsumeTimes: 2 });
    assert.equal(custom.code, 0);
    assert.equal((await pullAll(client, addr, '%DLQ%CG1', 0)).length, 2);
  });

  it('survives garbage frames: closes that connection, keeps serving others', async () => {
    const garbage = [
      Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
      Buffer.from([0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0]),
      Buffer.from([0, 0, 0, 8, 0, 0, 0, 200, 1, 2, 3, 4]),
      Buffer.concat([Buffer.from([0, 0, 0, 12, 0, 0, 0, 8]), Buffer.from('{"code":')]),
    ];
    for (const g of garbage) await rawExchange(addr, g, true);
    const r = await send(client, addr, { topic: 'AutoTopic', queueId: 3, body: 'after garbage' });
    assert.equal(r.code, 0);
    const all = await pullAll(client, addr, 'AutoTopic', 3);
    assert.equal(all.at(-1)?.body.toString(), 'after garbage');
  });
});

/** Writes bytes on a fresh socket and returns the first response frame (or nothing when closed). */
function rawExchange(address: string, bytes: Buffer, expectClose = false): Promise<Buffer> {
  const [host, port] = [
    address.slice(0, address.lastIndexOf(':')),
    Number(address.slice(address.lastIndexOf(':') + 1)),
  ];
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      if (expectClose) resolve(Buffer.alloc(0));
      else reject(new Error('no response'));
    }, 3000);
    socket.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        clearTimeout(timer);
        socket.destroy();
        resolve(buf.subarray(0, 4 + buf.readInt32BE(0)));
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      if (expectClose) resolve(buf);
    });
    socket.write(bytes);
  });
}
