/**
 * Auto-batching's accumulator (Java ProduceAccumulator semantics) with a fake batch sender, the
 * split of a batch result, canBatch, the options, and the async backpressure semaphores.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AbortError } from '../../src/common/abort-error.js';
import {
  ClientErrorCode,
  IllegalArgumentError,
  MQClientError,
  RemotingTooMuchRequestError,
} from '../../src/common/errors.js';
import { MessageQueue } from '../../src/client/message-queue.js';
import { resolveAutoBatch } from '../../src/client/producer/batching/auto-batch-options.js';
import { ProduceAccumulator } from '../../src/client/producer/batching/produce-accumulator.js';
import type { BatchSender } from '../../src/client/producer/batching/produce-accumulator.js';
import { canBatch } from '../../src/client/producer/batching/send-gate.js';
import { splitBatchResult } from '../../src/client/producer/batching/split-results.js';
import { MessageBatch } from '../../src/client/producer/message-batch.js';
import { SendResult } from '../../src/client/producer/send-result.js';
import {
  admitAsync,
  AsyncBackpressure,
  resolveBackpressure,
} from '../../src/client/producer/send/async-backpressure.js';
import { Message, MessageConst, UniqueIdGenerator } from '../../src/protocol/message/index.js';
import { LatencyHistogram } from '../../src/cli/commands/bench-histogram.js';

const ids = new UniqueIdGenerator();
const clock = { now: () => Date.now() };

interface SentBatch {
  batch: MessageBatch;
  mode: string;
  timeout: number;
  queue: MessageQueue | undefined;
  answer: (result: SendResult | Error) => void;
}

function accumulator(overrides: Parameters<typeof resolveAutoBatch>[0] = {}, maxMessageSize = 4 << 20) {
  const sent: SentBatch[] = [];
  const released: number[] = [];
  const sendBatch: BatchSender = (batch, mode, timeout, queue) =>
    new Promise((resolve, reject) => {
      sent.push({
        batch,
        mode,
        timeout,
        queue,
        answer: (r) => (r instanceof Error ? reject(r) : resolve(r)),
      });
    });
  const acc = new ProduceAccumulator({
    config: resolveAutoBatch({ autoBatch: true, ...overrides }),
    clock,
    maxMessageSize,
    makeBatch: (messages) =>
      // As SendGate makes them: every message was checked when it was sent.
      MessageBatch.generate(messages, {
        namespace: undefined,
        maxMessageSize,
        idGenerator: ids,
        prechecked: true,
      }),
    sendBatch,
    release: (permits) => released.push(permits),
  });
  return { acc, sent, released };
}

function msg(body: string | Buffer, init: { tags?: string; topic?: string } = {}): Message {
  const m = new Message({ topic: init.topic ?? 'T', body, ...(init.tags && { tags: init.tags }) });
  m.putProperty(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX, ids.next());
  return m;
}

/** The result a broker gives a batch of `messages`: ids joined with ",", first offset 100. */
function batchAnswer(batch: MessageBatch, queue = new MessageQueue('T', 'b0', 1)): SendResult {
  const uniq = batch.messages.map((m) => m.getProperty(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX));
  return new SendResult({
    sendStatus: 'SEND_OK',
    msgId: uniq.join(','),
    offsetMsgId: batch.messages.map((_, i) => `OFF${i}`).join(','),
    messageQueue: queue,
    queueOffset: 100n,
    regionId: 'R1',
  });
}

describe('auto-batch accumulator', () => {
  it('gathers per key (mode, topic, queue, tag), leaves after batchMaxDelayMs, splits the result per message', async () => {
    const { acc, sent } = accumulator({ batchMaxDelayMs: 5 });
    const a = [msg('a0'), msg('a1'), msg('a2')];
    const pa = a.map((m) => acc.add(m, 'ASYNC', undefined, 3000));
    const pTagged = acc.add(msg('t', { tags: 'X' }), 'ASYNC', undefined, 3000);
    const pSync = acc.add(msg('s'), 'SYNC', undefined, 3000);
    const q = new MessageQueue('T', 'b0', 2);
    const pQueue = acc.add(msg('q'), 'ASYNC', q, 1000);
    assert.equal(sent.length, 0, 'nothing leaves before the delay');
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(
      sent.map((s) => [s.batch.messages.length, s.mode, s.queue?.toString() ?? '-']).sort(),
      [
        [1, 'ASYNC', '-'],
        [1, 'ASYNC', q.toString()],
        [1, 'SYNC', '-'],
        [3, 'ASYNC', '-'],
      ].sort(),
    );
    assert.ok((sent.find((s) => s.queue !== undefined)?.timeout ?? 0) <= 1000, 'smallest budget left');
    for (const s of sent) s.answer(batchAnswer(s.batch));
    const results = await Promise.all(pa);
    results.forEach((r, i) => {
      assert.equal(r.msgId, a[i]?.getProperty(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX));
      assert.equal(r.offsetMsgId, `OFF${i}`);
      assert.equal(r.queueOffset, 100n + BigInt(i));
      assert.equal(r.regionId, 'R1');
    });
    for (const p of [pTagged, pSync, pQueue]) assert.equal((await p).queueOffset, 100n);
    assert.equal(acc.heldBytes, 0);
  });

  it('a message waits at most half its send timeout, whatever batchMaxDelayMs says', async () => {
    // batchMaxDelayMs 30 s with 200 ms send timeouts: the batch must leave within ~100 ms, with most
    // of the budget left for the send itself (it used to wait the 30 s and fail every send unsent).
    const { acc, sent } = accumulator({ batchMaxDelayMs: 30_000 });
    const started = Date.now();
    const first = acc.add(msg('x'), 'SYNC', undefined, 10_000);
    const second = acc.add(msg('y'), 'SYNC', undefined, 200);
    const deadline = Date.now() + 5_000;
    while (sent.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    const waited = Date.now() - started;
    assert.equal(sent.length, 1, 'the batch left');
    assert.ok(waited < 1_000, `left after ${waited} ms (half the 200 ms timeout is 100 ms)`);
    assert.equal(sent[0]!.batch.messages.length, 2, 'both messages in it');
    assert.ok(sent[0]!.timeout > 50, `the send keeps budget: ${sent[0]!.timeout} ms`);
    sent[0]!.answer(batchAnswer(sent[0]!.batch));
    await Promise.all([first, second]);
  });

  it('leaves at once when the bodies pass batchMaxBytes (strictly greater, as Java)', async () => {
    const { acc, sent } = accumulator({ batchMaxBytes: 10, batchMaxDelayMs: 30_000 });
    const p1 = acc.add(msg('12345'), 'ASYNC', undefined, 3000);
    const p2 = acc.add(msg('67890'), 'ASYNC', undefined, 3000);
    assert.equal(sent.length, 0, '10 bytes is not over 10');
    const p3 = acc.add(msg('x'), 'ASYNC', undefined, 3000);
    assert.equal(sent.length, 1);
    assert.equal(sent[0]?.batch.messages.length, 3);
    sent[0]?.answer(batchAnswer(sent[0].batch));
    assert.deepEqual(
      (await Promise.all([p1, p2, p3])).map((r) => r.queueOffset),
      [100n, 101n, 102n],
    );
  });

  it('fails every message of a failed batch with its error; counts held bytes against totalBatchMaxBytes', async () => {
    const { acc, sent } = accumulator({ totalBatchMaxBytes: 8, batchMaxDelayMs: 30_000 });
    assert.equal(acc.hasRoom(), true);
    const p = [acc.add(msg('abcd'), 'SYNC', undefined, 3000), acc.add(msg('efgh'), 'SYNC', undefined, 3000)];
    assert.equal(acc.heldBytes, 8);
    assert.equal(acc.hasRoom(), false, 'the cap is reached: further sends go out alone');
    acc.flushAll();
    assert.equal(sent.length, 1);
    const boom = new MQClientError('broker gone', { code: ClientErrorCode.CONNECT_BROKER_EXCEPTION });
    sent[0]?.answer(boom);
    for (const one of p) await assert.rejects(one, (e) => e === boom);
    assert.equal(acc.heldBytes, 0);
    assert.equal(acc.hasRoom(), true);
  });

  it('gives back the permits a send holds as it settles: once, on success and on failure, none for sends holding none', async () => {
    const { acc, sent, released } = accumulator({ batchMaxDelayMs: 30_000 });
    const ok = [acc.add(msg('a'), 'ASYNC', undefined, 3000, 11), acc.add(msg('b'), 'ASYNC', undefined, 3000)];
    acc.flushAll();
    assert.deepEqual(released, [], 'held until the batch settles');
    let settledBeforeRelease = false;
    void ok[0]!.then(() => (settledBeforeRelease = released.length === 0));
    sent[0]?.answer(batchAnswer(sent[0].batch));
    await Promise.all(ok);
    assert.equal(settledBeforeRelease, false, 'given back before the caller sees its result');
    assert.deepEqual(released, [11]);
    const failing = [
      acc.add(msg('c'), 'ASYNC', undefined, 3000, 7),
      acc.add(msg('d'), 'SYNC', undefined, 3000, 8),
    ];
    acc.flushAll();
    for (const s of sent.slice(1))
      s.answer(new MQClientError('gone', { code: ClientErrorCode.CONNECT_BROKER_EXCEPTION }));
    for (const one of failing) await assert.rejects(one, MQClientError);
    assert.deepEqual(
      released.sort((x, y) => x - y),
      [7, 8, 11],
    );
  });

  it('cuts a batch whose encoding passes maxMessageSize into several requests', async () => {
    const { acc, sent } = accumulator({ batchMaxDelayMs: 30_000 }, 400);
    const p = Array.from({ length: 6 }, (_, i) =>
      acc.add(msg(Buffer.alloc(100, i)), 'ASYNC', undefined, 3000),
    );
    acc.flushAll();
    assert.ok(sent.length >= 2, `${sent.length} requests`);
    for (const s of sent) assert.ok(s.batch.bodyBytes().length <= 400);
    assert.equal(
      sent.reduce((n, s) => n + s.batch.messages.length, 0),
      6,
    );
    for (const s of sent) s.answer(batchAnswer(s.batch));
    assert.equal((await Promise.all(p)).length, 6);
  });

  it('a message changed after it was sent (a timer, another topic) fails its batch instead of going out as it is', async () => {
    const { acc, sent } = accumulator({ batchMaxDelayMs: 5 });
    const timed = msg('t1');
    const p = [acc.add(msg('t0'), 'ASYNC', undefined, 3000), acc.add(timed, 'ASYNC', undefined, 3000)];
    timed.putProperty(MessageConst.PROPERTY_TIMER_DELAY_MS, '5000');
    const results = await Promise.allSettled(p);
    assert.equal(sent.length, 0, 'nothing sent');
    for (const r of results) {
      assert.equal(r.status, 'rejected');
      assert.match(String((r as PromiseRejectedResult).reason), /timer messages/);
    }
  });

  it('splitBatchResult: one result for all without ","; a count mismatch is an error', () => {
    const one = new SendResult({
      sendStatus: 'SEND_OK',
      msgId: 'ID',
      offsetMsgId: 'O',
      messageQueue: new MessageQueue('T', 'b', 0),
      queueOffset: 5n,
    });
    assert.deepEqual(splitBatchResult(one, 2), [one, one]);
    const two = new SendResult({ ...one, msgId: 'A,B', offsetMsgId: 'X', sendStatus: 'SEND_OK' });
    assert.throws(() => splitBatchResult(two, 2), /sendResult is illegal/);
    // Offsets past 2^53 either way stay exact (a number would round them).
    for (const base of [2n ** 53n - 1n, 2n ** 53n + 1n, -(2n ** 53n) - 1n, 0n]) {
      const batch = new SendResult({ ...one, msgId: 'A,B,C', offsetMsgId: 'X,Y,Z', queueOffset: base });
      assert.deepEqual(
        splitBatchResult(batch, 3).map((r) => r.queueOffset),
        [base, base + 1n, base + 2n],
      );
    }
  });

  it('canBatch: delay, timers, %RETRY%, PGROUP, requests and replies, batches excluded', () => {
    assert.equal(canBatch(new Message('T', 'x')), true);
    assert.equal(canBatch(new Message({ topic: 'T', body: 'x', delayTimeLevel: 2 })), false);
    assert.equal(canBatch(new Message({ topic: 'T', body: 'x', delayTimeMs: 5000 })), false);
    assert.equal(canBatch(new Message({ topic: 'T', body: 'x', delayTimeSec: 5 })), false);
    assert.equal(canBatch(new Message({ topic: 'T', body: 'x', deliverTimeMs: Date.now() + 9000 })), false);
    assert.equal(canBatch(new Message('%RETRY%G', 'x')), false);
    for (const [k, v] of [
      [MessageConst.PROPERTY_PRODUCER_GROUP, 'PG'],
      [MessageConst.PROPERTY_CORRELATION_ID, 'c'],
      [MessageConst.PROPERTY_MESSAGE_TYPE, MessageConst.REPLY_MESSAGE_FLAG],
      [MessageConst.PROPERTY_START_DELIVER_TIME, '1'],
    ] as const) {
      const m = new Message('T', 'x');
      m.putProperty(k, v);
      assert.equal(canBatch(m), false, k);
    }
    const typed = new Message('T', 'x', { tags: 'a', keys: ['k'] });
    typed.putProperty(MessageConst.PROPERTY_MESSAGE_TYPE, 'other');
    assert.equal(canBatch(typed), true, 'a message type other than reply is batched');
    const many = new Message('T', 'x', {
      properties: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`u${i}`, 'v'])),
    });
    assert.equal(canBatch(many), true, 'user properties do not exclude a message');
    many.putProperty(MessageConst.PROPERTY_TIMER_DELAY_SEC, '5');
    assert.equal(canBatch(many), false, 'a timer after twelve user properties is found');
    const batch = MessageBatch.generate([new Message('T', 'x')], {
      namespace: undefined,
      maxMessageSize: 1024,
      idGenerator: ids,
    });
    assert.equal(canBatch(batch), false);
  });

  it('options: Java defaults and ranges', () => {
    assert.deepEqual(resolveAutoBatch({}), {
      autoBatch: false,
      batchMaxDelayMs: 10,
      batchMaxBytes: 32 * 1024,
      totalBatchMaxBytes: 32 * 1024 * 1024,
    });
    assert.throws(() => resolveAutoBatch({ batchMaxDelayMs: 0 }), IllegalArgumentError);
    assert.throws(() => resolveAutoBatch({ batchMaxDelayMs: 30_001 }), /between 1 and 30000/);
    assert.throws(() => resolveAutoBatch({ batchMaxBytes: 2 * 1024 * 1024 + 1 }), /batchMaxBytes/);
    assert.throws(() => resolveAutoBatch({ totalBatchMaxBytes: 0 }), /totalBatchMaxBytes/);
  });
});

/** A gate of one send, held by an admitted send that settles when `finish` is called. */
async function oneSendHolding(timeoutMillis: number) {
  const gate = new AsyncBackpressure(1, 1 << 20);
  const m = new Message('T', 'hello');
  let finish: (v: string) => void = () => undefined;
  const first = admitAsync(
    gate,
    () => m,
    timeoutMillis,
    () => new Promise<string>((r) => (finish = r)),
  );
  await first.admitted;
  return { gate, m, first, finish: (v: string) => finish(v) };
}

describe('async backpressure', () => {
  it('Java defaults and floors (10 sends, 1 MiB)', () => {
    assert.deepEqual(resolveBackpressure({}), {
      enableBackpressureForAsyncMode: false,
      backPressureForAsyncSendNum: 10000,
      backPressureForAsyncSendSize: 100 * 1024 * 1024,
    });
    const low = resolveBackpressure({ backPressureForAsyncSendNum: 3, backPressureForAsyncSendSize: 5 });
    assert.equal(low.backPressureForAsyncSendNum, 10);
    assert.equal(low.backPressureForAsyncSendSize, 1024 * 1024);
    assert.throws(() => resolveBackpressure({ backPressureForAsyncSendNum: 1.5 }), IllegalArgumentError);
  });

  it('waits in arrival order by count and bytes; times out with nothing held', async () => {
    const gate = new AsyncBackpressure(2, 100);
    assert.equal(gate.tryAcquire(60), true);
    assert.equal(gate.tryAcquire(60), false, 'bytes');
    const order: string[] = [];
    const big = gate.acquire(50, 1000).then(() => order.push('big'));
    const small = gate.acquire(1, 1000).then(() => order.push('small'));
    assert.equal(gate.tryAcquire(1), false, 'someone waits: no overtaking');
    assert.equal(gate.waiting, 2);
    gate.release(60);
    await Promise.all([big, small]);
    assert.deepEqual(order, ['big', 'small']);
    assert.equal(gate.inFlight, 2);
    await assert.rejects(gate.acquire(1, 5), (e) => {
      assert.ok(e instanceof RemotingTooMuchRequestError);
      assert.match(e.message, /tryAcquire semaphoreAsyncNum timeout/);
      return true;
    });
    assert.equal(gate.waiting, 0);
    assert.equal(gate.inFlight, 2);
  });

  it('admitAsync: admitted once in, permits back when the send settles, send gets the time left', async () => {
    const { gate, m, first, finish } = await oneSendHolding(1000);
    assert.equal(gate.inFlight, 1);
    let left = -1;
    const second = admitAsync(
      gate,
      () => m,
      1000,
      (_msg, t) => ((left = t), Promise.resolve('two')),
    );
    let admitted = false;
    void second.admitted.then(() => (admitted = true));
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(admitted, false, 'waits for room');
    finish('one');
    assert.equal(await first.result, 'one');
    assert.equal(await second.result, 'two');
    assert.ok(left > 900 && left <= 1000, `left ${left}`);
    assert.equal(gate.inFlight, 0);
    const bad = admitAsync(
      gate,
      (): Message => {
        throw new IllegalArgumentError('no message');
      },
      1000,
      () => Promise.resolve('x'),
    );
    await bad.admitted;
    await assert.rejects(bad.result, IllegalArgumentError);
  });

  it('admitAsync: an abort while waiting for permits settles the send at once, never sends it, holds nothing', async () => {
    const { gate, m, first, finish } = await oneSendHolding(5000);
    const controller = new AbortController();
    let sent = false;
    const waiting = admitAsync(
      gate,
      () => m,
      5000,
      () => ((sent = true), Promise.resolve('never')),
      controller.signal,
    );
    // A third send behind it: the aborted one leaving the line must not leave it stuck.
    const third = admitAsync(
      gate,
      () => m,
      5000,
      () => Promise.resolve('three'),
    );
    assert.equal(gate.waiting, 2);
    const began = performance.now();
    controller.abort(new Error('user gave up'));
    await assert.rejects(waiting.result, (e: unknown) => {
      assert.ok(e instanceof AbortError, String(e));
      assert.match(String(e), /send of message to T aborted: user gave up/);
      return true;
    });
    await waiting.admitted;
    assert.ok(performance.now() - began < 1000, 'settled at the abort, not when a permit came');
    assert.equal(gate.waiting, 1);
    finish('one');
    assert.equal(await first.result, 'one');
    assert.equal(await third.result, 'three');
    assert.equal(sent, false);
    assert.equal(gate.inFlight, 0);
    assert.equal(gate.bytesInFlight, 0);
    // Aborted before it asked: refused at once, nothing taken.
    const gone = new AbortController();
    gone.abort();
    gate.tryAcquire(1); // full again, so the next one would have to wait
    await assert.rejects(gate.acquire(1, 5000, gone.signal), AbortError);
    assert.equal(gate.waiting, 0);
    assert.equal(gate.inFlight, 1);
  });
});

describe('bench latency histogram', () => {
  it('percentiles within 1/128 of the exact ones over six decades; exact min, max, mean', () => {
    const h = new LatencyHistogram();
    const values: number[] = [];
    let seed = 7;
    for (let i = 0; i < 20_000; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const v = Math.round(10 ** ((seed / 2 ** 31) * 6)); // 1 µs .. 1 s
      values.push(v);
      h.record(v);
    }
    values.sort((a, b) => a - b);
    for (const p of [50, 90, 99, 99.9, 100]) {
      const exact = values[Math.ceil((p / 100) * values.length) - 1] as number;
      const got = h.percentile(p);
      assert.ok(got >= exact && got <= exact * (1 + 1 / 128) + 1, `p${p}: ${got} vs ${exact}`);
    }
    assert.equal(h.max, values[values.length - 1]);
    assert.equal(h.min, values[0]);
    assert.ok(Math.abs(h.mean - values.reduce((a, b) => a + b, 0) / values.length) < 1e-6);
    const other = new LatencyHistogram();
    other.record(5e6);
    h.add(other);
    assert.equal(h.count, 20_001);
    assert.equal(h.percentile(100), 5e6);
    assert.equal(new LatencyHistogram().percentile(99), 0);
  });
});
