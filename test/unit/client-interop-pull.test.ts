/**
 * The pull consumer's requests as Java's DefaultMQPullConsumer (5.3.3 / 4.9.8) sends them, and its
 * reading of 5.x-shaped answers: PULL_MESSAGE with every field the broker reads (sysFlag SUBSCRIPTION,
 * plus SUSPEND when blocking; subVersion 0 for TAG; bname), QUERY / UPDATE_CONSUMER_OFFSET,
 * GET_MAX_OFFSET and SEARCH_OFFSET_BY_TIMESTAMP with bname, a 5.x pull answer with its extra header
 * fields and a record carrying the broker's `__CRC32#` property, and QUERY_NOT_FOUND as "no offset".
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ClientInstance, MessageQueue, resolveClientConfig } from '../../src/client/index.js';
import { PullConsumer } from '../../src/client/consumer/index.js';
import { RequestCode, ResponseCode } from '../../src/protocol/codes/index.js';
import { createResponse } from '../../src/protocol/command/remoting-command.js';
import { encodeMessageRecord } from '../../src/protocol/message/index.js';
import { FakeRemoting, makeRoute, routeResponse } from './client-fake-remoting.js';

const A = '127.0.0.1:10911';
const mq = new MessageQueue('TopicTest', 'broker-a', 1);

function record(queueOffset: bigint, properties: string): Buffer {
  return encodeMessageRecord({
    topic: 'TopicTest',
    queueId: 1,
    flag: 0,
    queueOffset,
    physicalOffset: 4096n + queueOffset,
    sysFlag: 0,
    bornTimestamp: 1_700_000_000_000,
    bornHost: { ip: '127.0.0.1', port: 50000 },
    storeTimestamp: 1_700_000_000_005,
    storeHost: { ip: '127.0.0.1', port: 10911 },
    reconsumeTimes: 0,
    preparedTransactionOffset: 0n,
    body: Buffer.from(`m${queueOffset}`),
    properties,
  });
}

describe('pull consumer requests (Java DefaultMQPullConsumer shape)', () => {
  const fake = new FakeRemoting();
  let consumer: PullConsumer;
  const ext = (code: number): Record<string, string>[] =>
    fake.callsWithCode(code).map((c) => c.request.extFields ?? {});

  before(async () => {
    fake.handler = (call) => {
      const { code } = call.request;
      switch (code) {
        case RequestCode.GET_ROUTEINFO_BY_TOPIC:
          return routeResponse(makeRoute([['broker-a', A, 4]]));
        case RequestCode.HEART_BEAT:
        case RequestCode.UNREGISTER_CLIENT:
        case RequestCode.UPDATE_CONSUMER_OFFSET:
          return createResponse(ResponseCode.SUCCESS);
        case RequestCode.QUERY_CONSUMER_OFFSET:
          return createResponse(ResponseCode.QUERY_NOT_FOUND, {
            remark: 'Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first',
          });
        case RequestCode.GET_MAX_OFFSET:
        case RequestCode.SEARCH_OFFSET_BY_TIMESTAMP:
          return createResponse(ResponseCode.SUCCESS, { extFields: { offset: '12' } });
        case RequestCode.PULL_MESSAGE:
          // 5.3.3 PullMessageResponseHeader (FastCodes order) with its 5.x fields.
          return createResponse(ResponseCode.SUCCESS, {
            extFields: {
              suggestWhichBrokerId: '0',
              nextBeginOffset: '12',
              minOffset: '0',
              maxOffset: '12',
              offsetDelta: '0',
              topicSysFlag: '0',
              groupSysFlag: '0',
              forbiddenType: '0',
            },
            body: Buffer.concat([
              record(
                10n,
                'UNIQ_KEY\u0001AC11000100002A9F0000000000000A\u0002WAIT\u0001true\u0002TAGS\u0001TagA\u0002CLUSTER\u0001DefaultCluster\u0002__CRC32#\u00010123456789\u0002',
              ),
              record(11n, 'TAGS\u0001TagB\u0002'),
            ]),
          });
      }
      return undefined;
    };
    const client = resolveClientConfig({
      nameServer: '127.0.0.1:9876',
      clientIP: '172.17.0.1',
      instanceName: 'pull',
    });
    const instance = new ClientInstance(client, { remoting: fake.asInstanceRemoting() });
    consumer = new PullConsumer({
      consumerGroup: 'CG',
      nameServer: '127.0.0.1:9876',
      clientInstance: instance,
    });
    await consumer.start();
  });

  after(async () => {
    await consumer.shutdown();
  });

  it('PULL_MESSAGE: the Java field set and values, non-blocking and blocking', async () => {
    const r = await consumer.pull(mq, 'TagA || TagB', 10n, 32);
    await consumer.pullBlockIfNotFound(mq, '*', 12n, 16);
    const [plain, block] = ext(RequestCode.PULL_MESSAGE);
    assert.deepEqual(plain, {
      consumerGroup: 'CG',
      topic: 'TopicTest',
      queueId: '1',
      queueOffset: '10',
      maxMsgNums: '32',
      sysFlag: '4',
      commitOffset: '0',
      suspendTimeoutMillis: '20000',
      subscription: 'TagA || TagB',
      subVersion: '0',
      expressionType: 'TAG',
      bname: 'broker-a',
    });
    assert.equal(block?.sysFlag, '6');
    assert.equal(block?.subscription, '*');
    const calls = fake.callsWithCode(RequestCode.PULL_MESSAGE);
    assert.deepEqual(
      calls.map((c) => [c.addr, c.timeout]),
      [
        [A, 10000],
        [A, 30000],
      ],
    );
    assert.equal(r.pullStatus, 'FOUND');
    assert.equal(r.nextBeginOffset, 12n);
    assert.deepEqual(
      r.msgFoundList.map((m) => [m.queueOffset, m.tags, m.msgId]),
      [
        [10n, 'TagA', 'AC11000100002A9F0000000000000A'],
        [11n, 'TagB', r.msgFoundList[1]!.offsetMsgId],
      ],
    );
    assert.equal(r.msgFoundList[0]!.properties['__CRC32#'], '0123456789');
    assert.equal(r.msgFoundList[0]!.properties.MAX_OFFSET, '12');
  });

  it('offset requests carry bname; QUERY_NOT_FOUND reads as "no offset" (-1)', async () => {
    assert.equal(await consumer.fetchConsumeOffset(mq), -1n);
    await consumer.commitOffset(mq, 11n);
    assert.equal(await consumer.maxOffset(mq), 12n);
    assert.equal(await consumer.searchOffset(mq, 1_700_000_000_000), 12n);
    const base = { topic: 'TopicTest', queueId: '1', bname: 'broker-a' };
    assert.deepEqual(ext(RequestCode.QUERY_CONSUMER_OFFSET), [{ consumerGroup: 'CG', ...base }]);
    assert.deepEqual(ext(RequestCode.UPDATE_CONSUMER_OFFSET), [
      { consumerGroup: 'CG', ...base, commitOffset: '11' },
    ]);
    assert.deepEqual(ext(RequestCode.GET_MAX_OFFSET), [base]);
    assert.deepEqual(ext(RequestCode.SEARCH_OFFSET_BY_TIMESTAMP), [{ ...base, timestamp: '1700000000000' }]);
  });
});
