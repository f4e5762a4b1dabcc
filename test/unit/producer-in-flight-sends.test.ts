/**
 * The tracker of a producer's send calls in flight: calls settling in any order leave it exactly once,
 * the count follows, the backpressure permits each holds go back exactly once, and the drain abandons
 * exactly the calls still in flight (first to last).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MessageNotSentError } from '../../src/client/producer/shutdown-errors.js';
import type { ProducerCore } from '../../src/client/producer/producer-core.js';
import { InFlightSends } from '../../src/client/producer/send/in-flight-sends.js';
import { SendCall } from '../../src/client/producer/send/send-call.js';
import { SendResult } from '../../src/client/producer/send-result.js';
import { MessageQueue } from '../../src/client/message-queue.js';
import { Message } from '../../src/protocol/message/index.js';

/** Permits given back, by call (each call holds 100 + its index). */
const released: number[] = [];
const host = {
  events: { active: false },
  instance: { withdrawRequest: () => true, remoting: {} },
  backpressure: { release: (permits: number) => released.push(permits) },
} as unknown as ProducerCore;

function result(i: number): SendResult {
  return new SendResult({
    sendStatus: 'SEND_OK',
    msgId: `ID${i}`,
    offsetMsgId: `OFF${i}`,
    messageQueue: new MessageQueue('T', 'b', 0),
    queueOffset: BigInt(i),
  });
}

describe('in-flight send tracker', () => {
  it('settles each call once in any order; the drain abandons exactly those left', async () => {
    const tracker = new InFlightSends(host);
    let seed = 3;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
      return seed % n;
    };
    const finishers: ((r: SendResult) => void)[] = [];
    const calls = Array.from({ length: 200 }, (_, i) => {
      const call = new SendCall(new Message('T', `m${i}`), 'ASYNC', 'T');
      return tracker.run(call, 100 + i, (done) => finishers.push((r) => done.succeeded(r)));
    });
    assert.equal(tracker.size, 200);
    const order = Array.from({ length: 200 }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = rnd(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const settledFirst = order.slice(0, 150);
    for (const i of settledFirst) {
      finishers[i]!(result(i));
      finishers[i]!(result(1000 + i)); // a second outcome changes nothing
    }
    await Promise.all(settledFirst.map((i) => calls[i]));
    assert.equal(tracker.size, 50);
    assert.deepEqual(
      released,
      settledFirst.map((i) => 100 + i),
    );
    for (const i of settledFirst) assert.equal((await calls[i])!.msgId, `ID${i}`);
    const report = await tracker.drain(host, 1);
    assert.deepEqual(report, { settled: 0, abandoned: 50 });
    assert.equal(tracker.size, 0);
    assert.deepEqual(
      [...released].sort((a, b) => a - b),
      Array.from({ length: 200 }, (_, i) => 100 + i),
    );
    for (const i of order.slice(150)) await assert.rejects(calls[i]!, MessageNotSentError);
    finishers[order[160]!]!(result(7)); // late outcome of an abandoned call: dropped
    assert.equal(tracker.size, 0);
    assert.equal(released.length, 200);
    // A loop that reports before run returns, and one that throws instead of reporting.
    const again = tracker.run(new SendCall(new Message('T', 'x'), 'ASYNC', 'T'), undefined, (done) =>
      done.succeeded(result(9)),
    );
    assert.equal((await again)!.msgId, 'ID9');
    const threw = tracker.run(new SendCall(new Message('T', 'y'), 'ASYNC', 'T'), 7, () => {
      throw new Error('loop broke');
    });
    await assert.rejects(threw, /loop broke/);
    assert.equal(tracker.size, 0);
    assert.deepEqual(released.slice(200), [7]);
  });
});
