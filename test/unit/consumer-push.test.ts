import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IllegalArgumentError } from '../../src/common/errors.js';
import { silentLogger } from '../../src/common/logger.js';
import { MessageQueue } from '../../src/client/message-queue.js';
import { AllocateMessageQueueAveragely } from '../../src/client/consumer/push/allocate-averagely.js';
import { ProcessQueue } from '../../src/client/consumer/push/process-queue.js';
import {
  PUSH_CONSUMER_DEFAULTS,
  resolvePushConsumerConfig,
} from '../../src/client/consumer/push/push-consumer-options.js';
import type { PushConsumerOptions } from '../../src/client/consumer/push/push-consumer-options.js';
import { ConcurrentConsumeService } from '../../src/client/consumer/push/consume-concurrently.js';
import type { ConcurrentConsumeHost } from '../../src/client/consumer/push/consume-concurrently.js';
import { ABANDONED, ConsumeResult } from '../../src/client/consumer/push/consume-service.js';
import { OrderlyConsumeService } from '../../src/client/consumer/push/consume-orderly.js';
import type { OrderlyConsumeHost } from '../../src/client/consumer/push/consume-orderly.js';
import type { ConsumedMessage } from '../../src/client/consumer/push/consume-service.js';
import { ConsumeStats } from '../../src/client/consumer/push/consume-stats.js';
import type { ResolvedHandler } from '../../src/client/consumer/push/handlers.js';
import { buildSubscription as subscriptionOf } from '../../src/client/consumer/shared/subscription.js';
import { Sql92SyntaxError } from '../../src/protocol/filter/index.js';
import { compareQueues } from '../../src/client/consumer/push/rebalance-push.js';
import {
  decodeResetOffsetBody,
  encodeResetOffsetBody,
  encodeResetOffsetBodyForC,
} from '../../src/protocol/body/reset-offset-body.js';
import { encodeLockBatchResponseBody } from '../../src/protocol/body/lock-batch.js';
import { ResponseCode } from '../../src/protocol/codes/index.js';
import { createResponse } from '../../src/protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../src/protocol/command/remoting-command.js';
import type { InstanceCore } from '../../src/client/instance-core.js';
import {
  CLIENT_LOCK_MAX_LIVE_MILLIS,
  QueueLocks,
  isLockExpired,
} from '../../src/client/consumer/push/queue-locks.js';

const queues = (n: number, topic = 'T'): MessageQueue[] =>
  Array.from({ length: n }, (_, i) => new MessageQueue(topic, i < n / 2 ? 'broker-a' : 'broker-b', i));
const cids = (n: number): string[] => Array.from({ length: n }, (_, i) => `10.0.0.${i + 1}@${i}`);

describe('AllocateMessageQueueAveragely (Java AVG)', () => {
  const avg = new AllocateMessageQueueAveragely();
  const shares = (mqs: number, clients: number): number[][] => {
    const all = queues(mqs);
    return cids(clients).map((cid) => avg.allocate('g', cid, all, cids(clients)).map((q) => all.indexOf(q)));
  };

  it('cuts the sorted queues in consecutive ranges, the first mq % cid clients taking one more', () => {
    assert.equal(avg.name, 'AVG');
    assert.deepEqual(shares(8, 3), [
      [0, 1, 2],
      [3, 4, 5],
      [6, 7],
    ]);
    assert.deepEqual(shares(10, 3), [
      [0, 1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
    assert.deepEqual(shares(5, 2), [
      [0, 1, 2],
      [3, 4],
    ]);
    assert.deepEqual(shares(4, 4), [[0], [1], [2], [3]]);
    assert.deepEqual(shares(2, 3), [[0], [1], []]);
    assert.deepEqual(shares(1, 1), [[0]]);
    assert.deepEqual(shares(16, 5), [
      [0, 1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
      [10, 11, 12],
      [13, 14, 15],
    ]);
  });

  it('gives nothing to a client not listed and refuses empty inputs like Java', () => {
    assert.deepEqual(avg.allocate('g', 'other@1', queues(4), cids(2)), []);
    assert.throws(() => avg.allocate('g', '', queues(4), cids(2)), /currentCID is empty/);
    assert.throws(() => avg.allocate('g', 'a', [], ['a']), /mqAll is null or mqAll empty/);
    assert.throws(() => avg.allocate('g', 'a', queues(1), []), /cidAll is null or cidAll empty/);
  });

  it('sorts queues like Java MessageQueue.compareTo: topic, broker name, queue id', () => {
    const mixed = [
      new MessageQueue('B', 'broker-a', 0),
      new MessageQueue('A', 'broker-b', 0),
      new MessageQueue('A', 'broker-a', 10),
      new MessageQueue('A', 'broker-a', 2),
    ];
    assert.deepEqual(
      mixed.sort(compareQueues).map((q) => q.key()),
      ['A@broker-a@2', 'A@broker-a@10', 'A@broker-b@0', 'B@broker-a@0'],
    );
  });
});

function message(offset: number, body = 'x', topic = 'T'): ConsumedMessage {
  return {
    topic,
    queueId: 0,
    queueOffset: BigInt(offset),
    body: Buffer.from(body),
    properties: { MAX_OFFSET: '100' },
    reconsumeTimes: 0,
    msgId: `id-${offset}`,
    commitLogOffset: BigInt(offset * 100),
  } as unknown as ConsumedMessage;
}

describe('ProcessQueue', () => {
  it('holds messages by offset; the offset to commit is the smallest held, else the highest seen + 1', () => {
    const pq = new ProcessQueue(new MessageQueue('T', 'b', 0));
    assert.equal(pq.offsetToCommit(), -1n);
    const msgs = [3, 4, 5, 6].map((o) => message(o, 'ab'));
    assert.equal(pq.putMessages(msgs), true);
    assert.equal(pq.msgAccCnt, 94n, 'MAX_OFFSET minus the last offset of the pull');
    assert.equal(pq.putMessages([msgs[0] as ConsumedMessage]), false, 'an offset already held is ignored');
    assert.equal(pq.msgCount, 4);
    assert.equal(pq.msgSize, 8);
    assert.equal(pq.maxSpan, 3n);
    assert.equal(pq.removeMessages([msgs[1] as ConsumedMessage, msgs[3] as ConsumedMessage]), 3n);
    assert.equal(pq.removeMessages([msgs[0] as ConsumedMessage]), 5n);
    assert.equal(pq.removeMessages([msgs[2] as ConsumedMessage]), 7n);
    assert.equal(pq.msgCount, 0);
    assert.equal(pq.msgSize, 0);
    assert.equal(pq.removeMessages([msgs[2] as ConsumedMessage]), -1n, 'nothing held');
  });

  it('tracks running handler calls and resolves whenIdle once they end', async () => {
    const pq = new ProcessQueue(new MessageQueue('T', 'b', 0));
    pq.beginConsume();
    let idle = false;
    const wait = pq.whenIdle().then(() => (idle = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(idle, false);
    pq.endConsume();
    await wait;
    assert.equal(idle, true);
  });
});

describe('push consumer options', () => {
  const base: PushConsumerOptions = {
    consumerGroup: 'g',
    nameServer: '127.0.0.1:9876',
    handler: () => undefined,
  };

  it('has the Java DefaultMQPushConsumer defaults', () => {
    const c = resolvePushConsumerConfig(base);
    assert.equal(c.consumeThreadMin, 20);
    assert.equal(c.consumeThreadMax, 20);
    assert.equal(c.consumeConcurrentlyMaxSpan, 2000);
    assert.equal(c.pullThresholdForQueue, 1000);
    assert.equal(c.pullThresholdSizeForQueue, 100);
    assert.equal(c.pullThresholdForTopic, -1);
    assert.equal(c.pullThresholdSizeForTopic, -1);
    assert.equal(c.pullBatchSize, 32);
    assert.equal(c.pullInterval, 0);
    assert.equal(c.consumeMessageBatchMaxSize, 1);
    assert.equal(c.maxReconsumeTimes, -1);
    assert.equal(c.suspendCurrentQueueTimeMillis, 1000);
    assert.equal(c.consumeTimeout, 15);
    assert.equal(c.persistConsumerOffsetInterval, 5000);
    assert.equal(c.rebalanceInterval, 20_000);
    assert.equal(c.brokerSuspendMaxTimeMillis, 15_000);
    assert.equal(c.consumerTimeoutMillisWhenSuspend, 30_000);
    assert.equal(c.pullTimeDelayMillsWhenException, 3000);
    assert.equal(c.consumeFromWhere, 'CONSUME_FROM_LAST_OFFSET');
    assert.equal(c.messageModel, 'CLUSTERING');
    assert.equal(c.allocateMessageQueueStrategy.name, 'AVG');
    assert.equal(PUSH_CONSUMER_DEFAULTS.flowControlDelayMillis, 50);
  });

  it('refuses bad values with a message naming the option', () => {
    const bad: [Partial<PushConsumerOptions>, RegExp][] = [
      [{ pullBatchSize: 0 }, /pullBatchSize must be an integer in \[1, 1024\]/],
      [{ pullThresholdForQueue: 70000 }, /pullThresholdForQueue/],
      [{ pullThresholdForTopic: 0 }, /pullThresholdForTopic must be -1/],
      [{ consumeThreadMin: 30, consumeThreadMax: 10 }, /consumeThreadMin \(30\) must not exceed/],
      [{ brokerSuspendMaxTimeMillis: 40_000 }, /consumerTimeoutMillisWhenSuspend .* must be greater/],
      [{ messageModel: 'BROADCASTING' }, /offsetStoreDir is required with messageModel BROADCASTING/],
      [{ messageModel: 'BROADCASTING', offsetStoreDir: ' ' }, /offsetStoreDir must be a non-empty/],
      [{ orderly: 'yes' as never }, /orderly must be a boolean/],
      [
        { allocateMessageQueueStrategy: 'FOO' as never },
        /must be one of AVG, AVG_BY_CIRCLE, CONSISTENT_HASH/,
      ],
      [{ consumeFromWhere: 'NOW' as never }, /consumeFromWhere must be one of/],
      [{ batchHandler: () => undefined }, /either option handler or option batchHandler/],
      [{ handler: 'x' as never }, /handler must be a function/],
      [{ allocateMessageQueueStrategy: {} as never }, /allocateMessageQueueStrategy/],
    ];
    for (const [extra, pattern] of bad) {
      assert.throws(
        () => resolvePushConsumerConfig({ ...base, ...extra }),
        (e: unknown) => {
          assert.ok(e instanceof IllegalArgumentError, String(e));
          assert.match((e as Error).message, pattern);
          return true;
        },
      );
    }
    assert.equal(resolvePushConsumerConfig({ ...base, consumeThreadMax: 4 }).consumeThreadMin, 4);
    for (const name of ['AVG', 'AVG_BY_CIRCLE', 'CONSISTENT_HASH'] as const) {
      assert.equal(
        resolvePushConsumerConfig({ ...base, allocateMessageQueueStrategy: name })
          .allocateMessageQueueStrategy.name,
        name,
      );
    }
  });
});

describe('subscription expressions and ResetOffsetBody', () => {
  it('builds TAG and SQL92 subscriptions', () => {
    assert.deepEqual(subscriptionOf('T', 'a || b').tagsSet, ['a', 'b']);
    const sql = subscriptionOf('T', { type: 'SQL92', expression: 'a > 5' });
    assert.equal(sql.expressionType, 'SQL92');
    assert.equal(sql.subString, 'a > 5');
    assert.deepEqual(sql.tagsSet, []);
    assert.throws(() => subscriptionOf('T', { type: 'SQL92', expression: ' ' }), Sql92SyntaxError);
    assert.throws(() => subscriptionOf('T', { type: 'XPATH' as never, expression: 'x' }), /'TAG' or 'SQL92'/);
  });

  it('reads the fastjson object-keyed offset table', () => {
    const java =
      '{"offsetTable":{{"brokerName":"broker-a","queueId":1,"topic":"T"}:12,{"brokerName":"b","queueId":0,"topic":"T"}:0}}';
    assert.deepEqual(decodeResetOffsetBody(Buffer.from(java)), [
      { topic: 'T', brokerName: 'broker-a', queueId: 1, offset: 12n },
      { topic: 'T', brokerName: 'b', queueId: 0, offset: 0n },
    ]);
    const entries = [{ topic: 'X', brokerName: 'a', queueId: 3, offset: 99n }];
    assert.deepEqual(decodeResetOffsetBody(encodeResetOffsetBody(entries)), entries);
    assert.throws(() => decodeResetOffsetBody(Buffer.from('[]')), /offsetTable/);
  });

  it('writes the table as fastjson does (broker -> client, and the 222 answer); the C++ variant as a list', () => {
    const entries = [
      { topic: 'T', brokerName: 'broker-a', queueId: 0, offset: 5n },
      { topic: 'T', brokerName: 'broker-a', queueId: 1, offset: 0n },
    ];
    assert.equal(
      encodeResetOffsetBody(entries).toString(),
      '{"offsetTable":{{"brokerName":"broker-a","queueId":0,"topic":"T"}:5,' +
        '{"brokerName":"broker-a","queueId":1,"topic":"T"}:0}}',
    );
    assert.equal(encodeResetOffsetBody([]).toString(), '{"offsetTable":{}}');
    // Java ResetOffsetBodyForC: List<MessageQueueForC>, bean fields alphabetical.
    assert.equal(
      encodeResetOffsetBodyForC(entries).toString(),
      '{"offsetTable":[{"brokerName":"broker-a","offset":5,"queueId":0,"topic":"T"},' +
        '{"brokerName":"broker-a","offset":0,"queueId":1,"topic":"T"}]}',
    );
  });
});

describe('ConcurrentConsumeService', () => {
  const setup = (handler: ResolvedHandler, extra: Partial<ConcurrentConsumeHost> = {}) => {
    const sentBack: { id: string; level: number }[] = [];
    const offsets: bigint[] = [];
    const host: ConcurrentConsumeHost = {
      logger: silentLogger,
      messageModel: 'CLUSTERING',
      consumeThreadMax: 2,
      consumeMessageBatchMaxSize: 3,
      consumeTimeoutMillis: 60_000,
      localRetryDelayMillis: 20,
      stats: new ConsumeStats(),
      handlerFor: () => handler,
      sendMessageBack: (m, level) => {
        sentBack.push({ id: m.msgId, level });
        return Promise.resolve(true);
      },
      updateOffset: (_pq, offset) => void offsets.push(offset),
      ...extra,
    };
    const pq = new ProcessQueue(new MessageQueue('T', 'b', 0));
    return { service: new ConcurrentConsumeService(host), pq, sentBack, offsets };
  };
  const submit = (s: ConcurrentConsumeService, pq: ProcessQueue, msgs: ConsumedMessage[]): void => {
    pq.putMessages(msgs);
    s.submit(msgs, pq);
  };

  it('runs batches, sends back what follows ackIndex and commits past them', async () => {
    const batches: number[][] = [];
    const { service, pq, sentBack, offsets } = setup({
      kind: 'batch',
      fn: (msgs, ctx) => {
        batches.push(msgs.map((m) => Number(m.queueOffset)));
        if (msgs.length === 3) ctx.ackIndex = 0; // only the first counts
        return ConsumeResult.CONSUME_SUCCESS;
      },
    });
    submit(
      service,
      pq,
      [0, 1, 2, 3].map((o) => message(o)),
    );
    await service.shutdown(Date.now() + 1000);
    assert.deepEqual(batches, [[0, 1, 2], [3]]);
    assert.deepEqual(sentBack.map((s) => s.id).sort(), ['id-1', 'id-2']);
    assert.equal(pq.msgCount, 0);
    assert.equal(offsets.at(-1), 4n);
  });

  it('keeps a message whose send-back failed and runs it again with reconsumeTimes + 1', async () => {
    const seen: number[] = [];
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    const { service, pq, offsets } = setup(
      {
        kind: 'message',
        fn: (m) => {
          seen.push(m.reconsumeTimes);
          if (m.reconsumeTimes === 0) return ConsumeResult.RECONSUME_LATER;
          done();
          return undefined;
        },
      },
      { sendMessageBack: () => Promise.resolve(false) },
    );
    submit(service, pq, [message(7)]);
    // The local retry runs on an unref()ed timer (it must not hold a consumer's process open), so
    // nothing else may be left to keep this process's event loop alive meanwhile; when nothing is,
    // Node ends the test as "Promise resolution is still pending" (seen under load in a shared unit
    // process, which then cancelled every later file in it). A ref'd timer holds the loop meanwhile.
    const keepAlive = setTimeout(() => undefined, 10_000);
    try {
      await finished;
    } finally {
      clearTimeout(keepAlive);
    }
    await service.shutdown(Date.now() + 1000);
    assert.deepEqual(seen, [0, 1]);
    assert.deepEqual(offsets, [7n, 8n], 'the offset passes the message only once it is consumed');
  });

  it('counts a throw or a call past consumeTimeout as reconsume later, and limits concurrency', async () => {
    let running = 0;
    let most = 0;
    const { service, pq, sentBack } = setup(
      {
        kind: 'message',
        fn: async (m) => {
          running++;
          most = Math.max(most, running);
          await new Promise((r) => setTimeout(r, m.queueOffset === 0n ? 200 : 5));
          running--;
          if (m.queueOffset === 1n) throw new Error('boom');
        },
      },
      { consumeTimeoutMillis: 50 },
    );
    submit(
      service,
      pq,
      [0, 1, 2, 3, 4].map((o) => message(o)),
    );
    await service.shutdown(Date.now() + 1000);
    assert.equal(most, 2);
    assert.deepEqual(sentBack.map((s) => s.id).sort(), ['id-0', 'id-1']);
  });

  it('does not deliver waiting messages of a dropped queue', async () => {
    const seen: bigint[] = [];
    const { service, pq } = setup({
      kind: 'message',
      fn: async (m) => {
        seen.push(m.queueOffset);
        pq.dropped = true;
        await new Promise((r) => setTimeout(r, 5));
      },
    });
    submit(
      service,
      pq,
      [0, 1, 2, 3].map((o) => message(o)),
    );
    await service.onDrop(pq);
    await service.shutdown(Date.now() + 1000);
    assert.deepEqual(
      seen,
      [0n, 1n],
      'the two started before the drop finish; the rest wait for the next owner',
    );
    assert.equal(pq.msgCount, 2);
    assert.equal(pq.offsetToCommit(), 2n);
  });
});

/** Polls `done` every 5 ms for up to 2 s. */
async function waitUntil(done: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(done(), 'condition not met within 2 s');
}

describe('OrderlyConsumeService', () => {
  const setup = () => {
    const offsets: bigint[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started: () => void = () => undefined;
    const running = new Promise<void>((resolve) => (started = resolve));
    const host: OrderlyConsumeHost = {
      logger: silentLogger,
      messageModel: 'BROADCASTING', // no broker lock to take
      consumeMessageBatchMaxSize: 1,
      suspendCurrentQueueTimeMillis: 10,
      maxReconsumeTimes: -1,
      stats: new ConsumeStats(),
      handlerFor: () => ({
        kind: 'message',
        fn: async () => {
          started();
          await gate;
        },
      }),
      sendMessageBack: () => Promise.resolve(true),
      updateOffset: (_pq, offset) => void offsets.push(offset),
      lock: () => Promise.resolve(true),
    };
    const pq = new ProcessQueue(new MessageQueue('T', 'b', 0));
    const service = new OrderlyConsumeService(host);
    const msgs = [message(0, 'a'), message(1, 'b')];
    pq.putMessages(msgs);
    service.submit(msgs, pq);
    return { pq, offsets, release, running };
  };

  it('a batch ending after a rebalance took its queue records its offset, before the queue goes idle', async () => {
    const { pq, offsets, release, running } = setup();
    await running;
    pq.handingOver = true; // as RebalancePush.retire
    pq.dropped = true;
    const idle = pq.whenIdle().then(() => [...offsets]);
    release();
    assert.deepEqual(await idle, [1n], 'recorded before the retire commits the offset');
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(offsets, [1n], 'and nothing after the drop runs');
  });

  it('one handler call per message queue at a time, also across its ProcessQueues (Java messageQueueLock)', async () => {
    const events: string[] = [];
    let active = 0;
    let most = 0;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started: () => void = () => undefined;
    const running = new Promise<void>((resolve) => (started = resolve));
    const service = new OrderlyConsumeService({
      logger: silentLogger,
      messageModel: 'BROADCASTING',
      consumeMessageBatchMaxSize: 1,
      suspendCurrentQueueTimeMillis: 10,
      maxReconsumeTimes: -1,
      stats: new ConsumeStats(),
      handlerFor: () => ({
        kind: 'message',
        fn: async (m) => {
          most = Math.max(most, ++active);
          events.push(`start ${m.body.toString()}`);
          if (m.body.toString() === 'old') {
            started();
            await gate;
          }
          events.push(`end ${m.body.toString()}`);
          active--;
        },
      }),
      sendMessageBack: () => Promise.resolve(true),
      updateOffset: () => undefined,
      lock: () => Promise.resolve(true),
    });
    const mq = new MessageQueue('T', 'b', 0);
    const first = new ProcessQueue(mq);
    const oldMsgs = [message(0, 'old')];
    first.putMessages(oldMsgs);
    service.submit(oldMsgs, first);
    await running;
    first.dropped = true; // an illegal offset drops it without waiting for the running call
    const second = new ProcessQueue(mq); // and the next rebalance takes the queue again
    const newMsgs = [message(7, 'new')];
    second.putMessages(newMsgs);
    service.submit(newMsgs, second);
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.deepEqual(events, ['start old'], 'the new ProcessQueue waits for the old call');
    release();
    await waitUntil(() => second.msgCount === 0);
    await service.shutdown(Date.now() + 1000);
    assert.deepEqual(events, ['start old', 'end old', 'start new', 'end new']);
    assert.equal(most, 1);
  });

  it('a batch the messages() loop abandoned has no result: no retry count, no DLQ, no offset', async () => {
    const calls: number[] = [];
    const sentBack: string[] = [];
    const offsets: bigint[] = [];
    const service = new OrderlyConsumeService({
      logger: silentLogger,
      messageModel: 'BROADCASTING',
      consumeMessageBatchMaxSize: 1,
      suspendCurrentQueueTimeMillis: 10,
      maxReconsumeTimes: 0, // a failure would send it to the DLQ at once
      stats: new ConsumeStats(),
      handlerFor: () => ({
        kind: 'message',
        fn: (m) => {
          calls.push(m.reconsumeTimes);
          return ABANDONED as unknown as ConsumeResult;
        },
      }),
      sendMessageBack: (m) => {
        sentBack.push(m.msgId);
        return Promise.resolve(true);
      },
      updateOffset: (_pq, offset) => void offsets.push(offset),
      lock: () => Promise.resolve(true),
    });
    const pq = new ProcessQueue(new MessageQueue('T', 'b', 0));
    const msgs = [message(0, 'a'), message(1, 'b')];
    pq.putMessages(msgs);
    service.submit(msgs, pq);
    await waitUntil(() => calls.length > 0);
    await new Promise((resolve) => setTimeout(resolve, 30));
    await service.shutdown(Date.now() + 1000);
    assert.deepEqual(calls, [0], 'called once, not run again');
    assert.deepEqual(sentBack, [], 'not sent to the DLQ');
    assert.deepEqual(offsets, [], 'no offset recorded');
    assert.equal(pq.msgCount, 2, 'both still held for the next owner');
    assert.equal(msgs[0]?.reconsumeTimes, 0);
  });

  it('a batch ending after any other drop (an illegal offset) records nothing, as in Java', async () => {
    const { pq, offsets, release, running } = setup();
    await running;
    pq.dropped = true;
    release();
    await pq.whenIdle();
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(offsets, []);
  });
});

describe('QueueLocks (Java RebalanceImpl.lock / lockAll)', () => {
  /** A broker answering LOCK_BATCH_MQ with `answer()`: a response, or a throw (a timeout). */
  const setup = (answer: () => RemotingCommand) => {
    const core = {
      clientId: 'c1',
      findBrokerAddressInPublish: (name: string) => (name === 'b' ? '127.0.0.1:10911' : undefined),
      remoting: { invokeSync: () => Promise.resolve().then(answer) },
    } as unknown as InstanceCore;
    const locks = new QueueLocks({
      logger: silentLogger,
      wireGroup: 'g',
      namespace: undefined,
      timeoutMillis: 1000,
      running: () => ({ core }),
    });
    const held = (queueIds: number[]) => () =>
      createResponse(ResponseCode.SUCCESS, {
        body: encodeLockBatchResponseBody({
          lockOKMQSet: queueIds.map((queueId) => ({ topic: 'T', brokerName: 'b', queueId })),
        }),
      });
    const lockedQueue = (queueId: number, lastLockTimestamp: number, brokerName = 'b') => {
      const pq = new ProcessQueue(new MessageQueue('T', brokerName, queueId));
      pq.locked = true;
      pq.lastLockTimestamp = lastLockTimestamp;
      return pq;
    };
    return { locks, held, lockedQueue };
  };

  it('a renewal the broker does not answer (timeout, SYSTEM_BUSY, no address) leaves the locks as they were', async () => {
    for (const answer of [
      () => {
        throw new Error('timeout');
      },
      () => createResponse(ResponseCode.SYSTEM_BUSY, { remark: 'busy' }),
      () => createResponse(ResponseCode.SUCCESS),
    ]) {
      const { locks, lockedQueue } = setup(answer);
      const pqs = [lockedQueue(0, 1000), lockedQueue(1, 1000), lockedQueue(2, 1000, 'gone')];
      await locks.lockAll(pqs);
      assert.deepEqual(
        pqs.map((pq) => [pq.locked, pq.lastLockTimestamp]),
        [
          [true, 1000],
          [true, 1000],
          [true, 1000],
        ],
      );
      assert.equal(await locks.lock(new MessageQueue('T', 'b', 3)), false, 'lock(mq): not held');
    }
  });

  it('an answer renews the queues it lists and unlocks the ones it leaves out', async () => {
    const { locks, held, lockedQueue } = setup(() => held([0])());
    const pqs = [lockedQueue(0, 1000), lockedQueue(1, 1000)];
    const before = Date.now();
    await locks.lockAll(pqs);
    assert.equal(pqs[0]?.locked, true);
    assert.ok((pqs[0]?.lastLockTimestamp ?? 0) >= before, 'renewed');
    assert.equal(pqs[1]?.locked, false);
    assert.equal(await locks.lock(new MessageQueue('T', 'b', 0)), true);
  });

  it('a lock not renewed for 30 s is not trusted, whatever ProcessQueue.locked says', () => {
    const pq = new ProcessQueue(new MessageQueue('T', 'b', 0));
    pq.locked = true;
    pq.lastLockTimestamp = 1_000_000;
    assert.equal(isLockExpired(pq, 1_000_000 + CLIENT_LOCK_MAX_LIVE_MILLIS), false);
    assert.equal(isLockExpired(pq, 1_000_000 + CLIENT_LOCK_MAX_LIVE_MILLIS + 1), true);
  });
});
