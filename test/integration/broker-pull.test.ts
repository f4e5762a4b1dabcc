/**
 * The broker's read side over loopback: pull statuses, tag filtering, long polling (woken by an
 * arrival, or answered PULL_NOT_FOUND when the hold ends), offset commits, offset lookups, view by id,
 * heartbeats and the consumer list, order locks, consumer send-back with delayed redelivery,
 * topic administration, and large bodies stored from the socket chunks they arrived in.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { RemotingClient } from '../../src/transport/index.js';
import { RequestCode } from '../../src/protocol/codes/request-code.js';
import { ResponseCode } from '../../src/protocol/codes/response-code.js';
import { encodeHeartbeatData } from '../../src/protocol/body/heartbeat.js';
import { decodeConsumerListBody } from '../../src/protocol/body/consumer-list.js';
import {
  decodeLockBatchResponseBody,
  encodeLockBatchRequestBody,
} from '../../src/protocol/body/lock-batch.js';
import { decodeKVTable } from '../../src/protocol/body/kv-table.js';
import { parseFastjsonObject } from '../../src/protocol/json/fastjson-parse.js';
import { DeleteTopicRequestHeader } from '../../src/protocol/headers/admin.js';
import { ConsumerSendMsgBackRequestHeader } from '../../src/protocol/headers/client.js';
import { decodeMessageRecord } from '../../src/protocol/message/record.js';
import { decodeProperties } from '../../src/protocol/message/properties.js';
import { decodeOffsetMessageId } from '../../src/protocol/message/message-id.js';
import {
  createTopic,
  newClient,
  pull,
  pullAll,
  records,
  request,
  send,
  sendBatch,
  sendRequest,
} from '../helpers/broker-client.js';
import { encodeFrame } from '../../src/protocol/frame/frame-codec.js';
import { countChunkJoins } from '../helpers/chunk-joins.js';
import { FrameDecoder } from '../../src/protocol/frame/frame-decoder.js';
import type { RemotingCommand } from '../../src/protocol/command/remoting-command.js';
import { crc32 } from '../../src/protocol/message/crc32.js';
import { checkRecordChecksum } from '../../src/server/store/record-checksum.js';
import { encodeMessageRecord } from '../../src/protocol/message/record.js';
import { landingBuffers } from '../../src/transport/landing-buffers.js';
import { nodeFileIO } from '../../src/server/store/file-io.js';
import type { FileIO } from '../../src/server/store/file-io.js';

let cluster: EmbeddedCluster;
let client: RemotingClient;
let addr: string;

/**
 * The second broker's commit-log writes start 20 ms late (and none is made synchronously): a buffer
 * reused too early shows.
 */
const { writevSync: syncWritesOmitted, ...asyncWrites } = nodeFileIO;
void syncWritesOmitted;
const slowWrites: FileIO = {
  ...asyncWrites,
  writev: (fd, buffers, position) =>
    new Promise((resolve) => setTimeout(resolve, 20)).then(() => nodeFileIO.writev(fd, buffers, position)),
};

before(async () => {
  cluster = await startEmbeddedCluster({
    brokers: [{ messageDelayLevel: '1s 1s 1s 1s 1s' }, { storeHooks: { fileIO: slowWrites } }],
  });
  client = newClient();
  addr = cluster.brokers[0]!.address;
});

after(async () => {
  await client.shutdown();
  await cluster.stop();
});

const h = (r: { extFields?: Record<string, string> }, k: string): string | undefined => r.extFields?.[k];

async function fill(topic: string, queueId: number, tags: string[]): Promise<void> {
  for (const [i, tag] of tags.entries()) {
    const r = await send(client, addr, {
      topic,
      queueId,
      body: `m${i}`,
      properties: { TAGS: tag, WAIT: 'true' },
    });
    assert.equal(r.code, 0);
  }
}

describe('broker pull', () => {
  it('answers each pull status with Java codes, remarks and offsets', async () => {
    const empty = await pull(client, addr, { topic: 'TBW102', offset: 0n });
    assert.equal(empty.code, ResponseCode.PULL_NOT_FOUND);
    assert.equal(empty.remark, 'NO_MESSAGE_IN_QUEUE');
    const movedEmpty = await pull(client, addr, { topic: 'TBW102', offset: 5n });
    assert.equal(movedEmpty.code, ResponseCode.PULL_OFFSET_MOVED);

    await fill('PullTopic', 0, ['A', 'B', 'A']);
    const found = await pull(client, addr, { topic: 'PullTopic', offset: 0n, maxMsgNums: 2 });
    assert.equal(found.code, 0);
    assert.equal(found.remark, 'FOUND');
    assert.deepEqual(
      records(found).map((m) => m.body.toString()),
      ['m0', 'm1'],
    );
    assert.equal(h(found, 'nextBeginOffset'), '2');
    assert.equal(h(found, 'minOffset'), '0');
    assert.equal(h(found, 'maxOffset'), '3');
    assert.equal(h(found, 'suggestWhichBrokerId'), '0');

    const atEnd = await pull(client, addr, { topic: 'PullTopic', offset: 3n });
    assert.equal(atEnd.code, ResponseCode.PULL_NOT_FOUND);
    assert.equal(atEnd.remark, 'OFFSET_OVERFLOW_ONE');
    assert.equal(h(atEnd, 'nextBeginOffset'), '3');
    const past = await pull(client, addr, { topic: 'PullTopic', offset: 10n });
    assert.equal(past.code, ResponseCode.PULL_OFFSET_MOVED);
    assert.equal(past.remark, 'OFFSET_OVERFLOW_BADLY');
    assert.equal(h(past, 'nextBeginOffset'), '3');

    const filtered = await pull(client, addr, { topic: 'PullTopic', offset: 0n, subscription: 'A' });
    assert.deepEqual(
      records(filtered).map((m) => m.body.toString()),
      ['m0', 'm2'],
    );
    const none = await pull(client, addr, { topic: 'PullTopic', offset: 0n, subscription: 'C || D' });
    assert.equal(none.code, ResponseCode.PULL_RETRY_IMMEDIATELY);
    assert.equal(h(none, 'nextBeginOffset'), '3');
  });

  it('refuses bad pulls like Java', async () => {
    const noTopic = await pull(client, addr, { topic: 'NoSuchTopic', offset: 0n });
    assert.equal(noTopic.code, ResponseCode.TOPIC_NOT_EXIST);
    assert.equal(
      noTopic.remark,
      'topic[NoSuchTopic] not exist, apply first please! \nSee http://rocketmq.apache.org/docs/faq/ for further details.',
    );
    const badQueue = await pull(client, addr, { topic: 'PullTopic', queueId: 9, offset: 0n });
    assert.equal(badQueue.code, ResponseCode.SYSTEM_ERROR);
    assert.match(
      badQueue.remark ?? '',
      /^queueId\[9\] is illegal, topic:\[PullTopic\] topicConfig\.readQueueNums:\[4\] consumer:\[127\.0\.0\.1:\d+\]$/,
    );
    const sql = await pull(client, addr, {
      topic: 'PullTopic',
      offset: 0n,
      subscription: 'a > 1',
      expressionType: 'SQL92',
    });
    assert.deepEqual(
      [sql.code, sql.remark],
      [1, 'The broker does not support consumer to filter message by SQL92'],
    );
    const noSub = await pull(client, addr, {
      topic: 'PullTopic',
      offset: 0n,
      sysFlag: 0,
      group: 'NoHeartbeat',
    });
    assert.equal(noSub.code, ResponseCode.SUBSCRIPTION_NOT_EXIST);
  });

  it('holds a SUSPEND pull until a message arrives (long polling)', async () => {
    await fill('LongPoll', 1, ['x']);
    const started = Date.now();
    const held = pull(
      client,
      addr,
      { topic: 'LongPoll', queueId: 1, offset: 1n, sysFlag: 0x4 | 0x2, suspendTimeoutMillis: 20_000 },
      25_000,
    );
    await new Promise((r) => setTimeout(r, 200));
    await fill('LongPoll', 1, ['y']);
    const r = await held;
    assert.equal(r.code, 0);
    assert.deepEqual(
      records(r).map((m) => m.body.toString()),
      ['m0'],
    );
    assert.equal(records(r)[0]?.queueOffset, 1n);
    assert.ok(Date.now() - started < 15_000, 'woken by the arrival, not the timeout');
  });

  it('a message stored while a pull reads the store wakes that pull once it is held', async () => {
    await fill('LongPollRace', 0, ['x']);
    const store = cluster.brokers[0]!.store;
    const read = store.getMessage.bind(store);
    let raced = false;
    // The read finds nothing new; a message is stored before the pull is parked (no pull to wake yet).
    store.getMessage = async (...args: Parameters<typeof read>) => {
      const result = await read(...args);
      if (!raced && args[1] === 'LongPollRace') {
        raced = true;
        await fill('LongPollRace', 0, ['y']);
      }
      return result;
    };
    try {
      const r = await pull(
        client,
        addr,
        { topic: 'LongPollRace', queueId: 0, offset: 1n, sysFlag: 0x4 | 0x2, suspendTimeoutMillis: 30_000 },
        10_000, // held to its 30 s hold time, the pull would fail this deadline
      );
      assert.ok(raced);
      assert.equal(r.code, 0, r.remark);
      assert.equal(records(r)[0]?.queueOffset, 1n);
    } finally {
      store.getMessage = read;
    }
  });

  it('answers PULL_NOT_FOUND when the hold ends without a message', async () => {
    const r = await pull(client, addr, {
      topic: 'LongPoll',
      queueId: 2,
      offset: 0n,
      sysFlag: 0x4 | 0x2,
      suspendTimeoutMillis: 300,
    });
    assert.equal(r.code, ResponseCode.PULL_NOT_FOUND);
  });

  it('commits offsets with the COMMIT_OFFSET flag and via UPDATE_CONSUMER_OFFSET', async () => {
    const q = (queueId: number): Promise<{ code: number; extFields?: Record<string, string> }> =>
      request(client, addr, RequestCode.QUERY_CONSUMER_OFFSET, {
        consumerGroup: 'CG_OFF',
        topic: 'PullTopic',
        queueId: String(queueId),
      });
    // Never committed, queue still starts at 0: Java answers 0.
    assert.deepEqual([(await q(0)).code, h(await q(0), 'offset')], [0, '0']);
    await pull(client, addr, {
      topic: 'PullTopic',
      offset: 0n,
      group: 'CG_OFF',
      sysFlag: 0x4 | 0x1,
      commitOffset: 2n,
    });
    assert.equal(h(await q(0), 'offset'), '2');
    const u = await request(client, addr, RequestCode.UPDATE_CONSUMER_OFFSET, {
      consumerGroup: 'CG_OFF',
      topic: 'PullTopic',
      queueId: '1',
      commitOffset: '7',
    });
    assert.equal(u.code, 0);
    assert.equal(h(await q(1), 'offset'), '7');
  });

  it("a pull's offset is committed in request order: an offset update sent right after it is not overwritten", async () => {
    // A consumer handing its queue over in a rebalance: its last pull (carrying the offset it had
    // then) is still being read when it sends UPDATE_CONSUMER_OFFSET with the newer one, on the same
    // connection. The update must win, or the queue's next owner consumes those messages again.
    const offsetOf = async (): Promise<string | undefined> =>
      h(
        await request(client, addr, RequestCode.QUERY_CONSUMER_OFFSET, {
          consumerGroup: 'CG_ORDER',
          topic: 'PullTopic',
          queueId: '0',
        }),
        'offset',
      );
    for (let round = 0; round < 20; round++) {
      const older = BigInt(round * 2);
      const newer = String(round * 2 + 1);
      const [pulled, updated] = await Promise.all([
        pull(client, addr, {
          topic: 'PullTopic',
          offset: 0n,
          group: 'CG_ORDER',
          sysFlag: 0x4 | 0x1,
          commitOffset: older,
        }),
        request(client, addr, RequestCode.UPDATE_CONSUMER_OFFSET, {
          consumerGroup: 'CG_ORDER',
          topic: 'PullTopic',
          queueId: '0',
          commitOffset: newer,
        }),
      ]);
      assert.deepEqual([pulled.code, updated.code], [0, 0]);
      assert.equal(await offsetOf(), newer, `round ${round}`);
    }
  });

  it('answers offset and message lookups', async () => {
    const max = await request(client, addr, RequestCode.GET_MAX_OFFSET, { topic: 'PullTopic', queueId: '0' });
    assert.equal(h(max, 'offset'), '3');
    const min = await request(client, addr, RequestCode.GET_MIN_OFFSET, { topic: 'PullTopic', queueId: '0' });
    assert.equal(h(min, 'offset'), '0');
    const unknown = await request(client, addr, RequestCode.GET_MAX_OFFSET, { topic: 'Nope', queueId: '0' });
    assert.deepEqual([unknown.code, h(unknown, 'offset')], [0, '0']);
    const search = await request(client, addr, RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, {
      topic: 'PullTopic',
      queueId: '0',
      timestamp: '0',
    });
    assert.equal(h(search, 'offset'), '0');
    // Any Java long is a time to search (Long.MAX_VALUE: far in the future), answered as the latest time.
    const search2 = async (timestamp: string) => {
      const r = await request(client, addr, RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, {
        topic: 'PullTopic',
        queueId: '0',
        timestamp,
      });
      assert.equal(r.code, ResponseCode.SUCCESS, `${timestamp}: ${r.remark ?? ''}`);
      return h(r, 'offset');
    };
    assert.equal(await search2('9223372036854775807'), await search2(String(Number.MAX_SAFE_INTEGER)));
    const earliest = await request(client, addr, RequestCode.GET_EARLIEST_MSG_STORETIME, {
      topic: 'PullTopic',
      queueId: '0',
    });
    assert.ok(Number(h(earliest, 'timestamp')) > 1_600_000_000_000);

    const sent = await send(client, addr, { topic: 'PullTopic', queueId: 3, body: 'view me' });
    const { commitLogOffset } = decodeOffsetMessageId(h(sent, 'msgId') ?? '');
    const view = await request(client, addr, RequestCode.VIEW_MESSAGE_BY_ID, {
      offset: commitLogOffset.toString(),
    });
    assert.equal(view.code, 0);
    assert.equal(decodeMessageRecord(view.body!).body.toString(), 'view me');
    const missing = await request(client, addr, RequestCode.VIEW_MESSAGE_BY_ID, { offset: '999999999' });
    assert.equal(missing.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(missing.remark, 'can not find message by the offset, 999999999');
  });

  it('tracks consumers from heartbeats, creates their retry topic, and lists them', async () => {
    const heartbeat = (clientID: string): Buffer =>
      encodeHeartbeatData({
        clientID,
        producerDataSet: [{ groupName: 'PG1' }],
        consumerDataSet: [
          {
            groupName: 'CG_HB',
            consumeType: 'CONSUME_PASSIVELY',
            messageModel: 'CLUSTERING',
            consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
            unitMode: false,
            subscriptionDataSet: [
              {
                topic: 'PullTopic',
                subString: 'A',
                tagsSet: ['A'],
                codeSet: [65],
                subVersion: 1,
                expressionType: 'TAG',
                classFilterMode: false,
              },
            ],
          },
        ],
      });
    const r = await request(client, addr, RequestCode.HEART_BEAT, {}, heartbeat('10.0.0.1@c1'));
    assert.equal(r.code, 0);
    assert.equal(cluster.brokers[0]!.topics.select('%RETRY%CG_HB')?.readQueueNums, 1);
    const list = await request(client, addr, RequestCode.GET_CONSUMER_LIST_BY_GROUP, {
      consumerGroup: 'CG_HB',
    });
    assert.deepEqual(decodeConsumerListBody(list.body!).consumerIdList, ['10.0.0.1@c1']);
    // Pull without the SUBSCRIPTION flag uses the heartbeat's subscription (tag A).
    const p = await pull(client, addr, { topic: 'PullTopic', offset: 0n, sysFlag: 0, group: 'CG_HB' });
    assert.deepEqual(
      records(p).map((m) => m.body.toString()),
      ['m0', 'm2'],
    );
    const none = await request(client, addr, RequestCode.GET_CONSUMER_LIST_BY_GROUP, {
      consumerGroup: 'Nobody',
    });
    assert.deepEqual(
      [none.code, none.remark],
      [ResponseCode.SYSTEM_ERROR, 'no consumer for this group, Nobody'],
    );
    const un = await request(client, addr, RequestCode.UNREGISTER_CLIENT, {
      clientID: '10.0.0.1@c1',
      consumerGroup: 'CG_HB',
    });
    assert.equal(un.code, 0);
    const after = await request(client, addr, RequestCode.GET_CONSUMER_LIST_BY_GROUP, {
      consumerGroup: 'CG_HB',
    });
    assert.equal(after.code, ResponseCode.SYSTEM_ERROR);
  });

  it('locks queues for one client at a time', async () => {
    const mq = { topic: 'PullTopic', brokerName: 'broker-a', queueId: 0 };
    const lock = async (clientId: string): Promise<number> => {
      const body = encodeLockBatchRequestBody({ consumerGroup: 'CG_LOCK', clientId, mqSet: [mq] });
      const r = await request(client, addr, RequestCode.LOCK_BATCH_MQ, {}, body);
      return decodeLockBatchResponseBody(r.body!).lockOKMQSet.length;
    };
    assert.equal(await lock('c1'), 1);
    assert.equal(await lock('c2'), 0);
    assert.equal(await lock('c1'), 1);
    const body = encodeLockBatchRequestBody({ consumerGroup: 'CG_LOCK', clientId: 'c1', mqSet: [mq] });
    assert.equal((await request(client, addr, RequestCode.UNLOCK_BATCH_MQ, {}, body)).code, 0);
    assert.equal(await lock('c2'), 1);
  });

  it('sends a failed message back to %RETRY% after its delay, then to %DLQ%', async () => {
    const sent = await send(client, addr, {
      topic: 'BackTopic',
      queueId: 0,
      body: 'retry me',
      properties: { TAGS: 'T', UNIQ_KEY: 'U1' },
    });
    const { commitLogOffset } = decodeOffsetMessageId(h(sent, 'msgId') ?? '');
    const back = (offset: bigint, maxReconsumeTimes: number) =>
      request(
        client,
        addr,
        RequestCode.CONSUMER_SEND_MSG_BACK,
        ConsumerSendMsgBackRequestHeader.encode({
          offset,
          group: 'CG_BACK',
          delayLevel: 1,
          originMsgId: h(sent, 'msgId') ?? assert.fail('the send response carries a msgId'),
          originTopic: 'BackTopic',
          unitMode: false,
          maxReconsumeTimes,
        }),
      );
    assert.equal((await back(commitLogOffset, 16)).code, 0);
    let retried: ReturnType<typeof records> = [];
    for (let i = 0; i < 100 && retried.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      retried = await pullAll(client, addr, '%RETRY%CG_BACK', 0);
    }
    assert.equal(retried.length, 1, 'redelivered after the delay level');
    const m = retried[0]!;
    assert.equal(m.body.toString(), 'retry me');
    assert.equal(m.reconsumeTimes, 1);
    const props = decodeProperties(m.properties);
    assert.equal(props.RETRY_TOPIC, 'BackTopic');
    assert.equal(props.REAL_TOPIC, '%RETRY%CG_BACK');
    assert.equal(props.ORIGIN_MESSAGE_ID, h(sent, 'msgId'));
    assert.equal(props.UNIQ_KEY, 'U1');
    // Java's copy keeps the string of the schedule record: DELAY and REAL_QID stay in it.
    assert.equal(props.DELAY, '1');
    assert.equal(props.REAL_QID, '0');

    assert.equal((await back(m.physicalOffset, 1)).code, 0);
    const dlq = await pullAll(client, addr, '%DLQ%CG_BACK', 0);
    assert.deepEqual(
      dlq.map((x) => [x.body.toString(), x.reconsumeTimes]),
      [['retry me', 2]],
    );
    const missing = await back(123456789n, 16);
    assert.deepEqual(
      [missing.code, missing.remark],
      [ResponseCode.SYSTEM_ERROR, 'look message by offset failed, 123456789'],
    );
  });

  it('creates, lists and deletes topics', async () => {
    const create = (topic: string) => createTopic(client, addr, topic, 2);
    assert.equal((await create('AdminTopic')).code, 0);
    const sys = await create('SELF_TEST_TOPIC');
    assert.deepEqual(
      [sys.code, sys.remark],
      [1, 'The topic[SELF_TEST_TOPIC] is conflict with system topic.'],
    );
    const all = await request(client, addr, RequestCode.GET_ALL_TOPIC_CONFIG);
    const table = parseFastjsonObject(all.body!).get('topicConfigTable') as Map<string, unknown>;
    assert.ok(table.has('AdminTopic'));
    for (const t of [
      'TBW102',
      'SELF_TEST_TOPIC',
      'DefaultCluster',
      'broker-a',
      'SCHEDULE_TOPIC_XXXX',
      'DefaultCluster_REPLY_TOPIC',
    ]) {
      assert.ok(table.has(t), `system topic ${t}`);
    }
    const del = await request(
      client,
      addr,
      RequestCode.DELETE_TOPIC_IN_BROKER,
      DeleteTopicRequestHeader.encode({ topic: 'AdminTopic' }),
    );
    assert.equal(del.code, 0);
    assert.equal(cluster.brokers[0]!.topics.select('AdminTopic'), undefined);
    const info = await request(client, addr, RequestCode.GET_BROKER_RUNTIME_INFO);
    assert.equal(decodeKVTable(info.body!).table.get('brokerVersionDesc'), 'V4_9_8');
    const unknown = await request(client, addr, 9999);
    assert.equal(unknown.code, ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
  });

  it('large bodies that arrive in many socket chunks are stored from them intact, with their CRCs', async () => {
    const topic = 'ChunkedBodies';
    assert.equal((await createTopic(client, addr, topic, 1)).code, 0);
    const bodies = [70_000, 300_000, 1 << 20].map((n, i) =>
      Buffer.from(Array.from({ length: n }, (_, k) => (k * 131 + i * 17 + (k >> 9)) & 0xff)),
    );
    // Written in 1000-byte pieces with a turn between them: the broker gets the frame in ~1000 chunks.
    const socket = net.connect(Number(addr.split(':')[1]), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const answers: RemotingCommand[] = [];
    const decoder = new FrameDecoder();
    socket.on('data', (chunk: Buffer) => decoder.feed(chunk, (c) => void answers.push(c)));
    // The broker runs in this process: count the joins of chunked bodies while it takes the sends.
    // A 1 MiB frame spans at least 16 socket reads, so it arrives chunked; none may be joined.
    const sendAll = async (): Promise<void> => {
      for (const [i, body] of bodies.entries()) {
        const req = sendRequest({ topic, body, properties: { WAIT: 'true', KEYS: `k${i}` } });
        req.opaque = 100 + i;
        const frame = encodeFrame(req);
        for (let at = 0; at < frame.length; at += 1000) {
          socket.write(frame.subarray(at, at + 1000));
          if (at % 50_000 === 0) await new Promise((resolve) => setImmediate(resolve));
        }
      }
      for (let i = 0; i < 500 && answers.length < bodies.length; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      // One more through the client (its frames arrive in socket-sized chunks).
      const viaClient = await send(client, addr, { topic, body: bodies[2]!, properties: { WAIT: 'true' } });
      assert.equal(viaClient.code, 0);
    };
    let joins: number;
    try {
      joins = await countChunkJoins(sendAll);
    } finally {
      socket.destroy();
    }
    assert.deepEqual(
      answers.map((a) => [a.opaque, a.code]),
      bodies.map((_, i) => [100 + i, 0]),
    );
    assert.equal(joins, 0, 'the broker stored the bodies from their chunks');

    const stored = await pullAll(client, addr, topic, 0);
    assert.equal(stored.length, 4);
    for (const [i, rec] of stored.entries()) {
      const body = bodies[Math.min(i, 2)]!;
      assert.ok(rec.body.equals(body), `message ${i}: body intact`);
      assert.equal(rec.bodyCrc, crc32(body) & 0x7fffffff, `message ${i}: BODYCRC`);
      // The record checksum covers the bytes as stored: re-encoded from the decoded fields.
      const raw = encodeMessageRecord(rec);
      assert.equal(checkRecordChecksum(raw, 0, raw.length), 'ok', `message ${i}: record checksum`);
    }
  });

  it('large sends in flight together: landed, their buffers reused once stored, every body intact', async () => {
    const topic = 'LandedBodies';
    // On the broker whose writes are late: a buffer reused before its record was written would
    // hold another frame's bytes by the time the write copies them.
    const addr = cluster.brokers[1]!.address;
    assert.equal((await createTopic(client, addr, topic, 2)).code, 0);
    const before = { ...landingBuffers.stats };
    const bodies = Array.from({ length: 40 }, (_, i) =>
      Buffer.from(
        Array.from({ length: 140_000 + (i % 10) * 20_000 }, (_, k) => (k * 7 + i * 31 + (k >> 11)) & 0xff),
      ),
    );
    // Four waves of ten sends of 140-320 kB from one client, all ten in flight at once.
    const answers: RemotingCommand[] = [];
    for (let wave = 0; wave < 4; wave++) {
      const sends = bodies
        .slice(wave * 10, wave * 10 + 10)
        .map((body, j) =>
          send(client, addr, { topic, queueId: j % 2, body, properties: { KEYS: `k${wave * 10 + j}` } }),
        );
      answers.push(...(await Promise.all(sends)));
    }
    assert.deepEqual(
      answers.map((a) => a.code),
      bodies.map(() => 0),
    );
    assert.equal(landingBuffers.stats.landed - before.landed, 40, 'every send landed');
    assert.equal(landingBuffers.stats.givenBack - before.givenBack, 40, 'every stored body was given back');
    assert.ok(landingBuffers.stats.reused - before.reused > 0, 'buffers were reused');
    const stored = [...(await pullAll(client, addr, topic, 0)), ...(await pullAll(client, addr, topic, 1))];
    assert.equal(stored.length, 40);
    for (const rec of stored) {
      const i = Number(decodeProperties(rec.properties).KEYS!.slice(1));
      assert.ok(rec.body.equals(bodies[i]!), `message ${i}: body intact`);
      assert.equal(rec.bodyCrc, crc32(bodies[i]!) & 0x7fffffff, `message ${i}: BODYCRC`);
    }
  });

  it('large batches in flight together: landed, their buffers reused once stored, every message intact', async () => {
    const topic = 'LandedBatches';
    const addr = cluster.brokers[1]!.address; // late commit-log writes, as above
    assert.equal((await createTopic(client, addr, topic, 1)).code, 0);
    const before = { ...landingBuffers.stats };
    const bodyOf = (b: number, m: number): Buffer =>
      Buffer.from(
        Array.from({ length: 15_000 + m * 500 }, (_, k) => (k * 13 + b * 7 + m * 3 + (k >> 10)) & 0xff),
      );
    // Three waves of six batches of ten messages (~175 kB each), all six in flight at once.
    for (let wave = 0; wave < 3; wave++) {
      const batches = Array.from({ length: 6 }, (_, j) => {
        const b = wave * 6 + j;
        const entries = Array.from({ length: 10 }, (_, m) => ({
          body: bodyOf(b, m),
          properties: { KEYS: `b${b}m${m}` },
        }));
        return sendBatch(client, addr, topic, entries, { queueId: 0 });
      });
      assert.deepEqual(
        (await Promise.all(batches)).map((a) => a.code),
        [0, 0, 0, 0, 0, 0],
      );
    }
    assert.equal(landingBuffers.stats.landed - before.landed, 18, 'every batch landed');
    assert.equal(landingBuffers.stats.givenBack - before.givenBack, 18, 'every stored batch was given back');
    assert.ok(landingBuffers.stats.reused - before.reused > 0, 'buffers were reused');
    const stored = await pullAll(client, addr, topic, 0);
    assert.equal(stored.length, 180);
    for (const rec of stored) {
      const [, b, m] = /^b(\d+)m(\d+)$/.exec(decodeProperties(rec.properties).KEYS!)!;
      assert.ok(rec.body.equals(bodyOf(Number(b), Number(m))), `batch ${b} message ${m}: body intact`);
    }
  });
});
