/**
 * rmq bench's driver: one reported interval per second of load, and the run's tail counted in the
 * totals but not reported as a second of its own when it is a sliver (a tail of a few milliseconds
 * was printed as a "Send TPS" line scaled up to a second, and plotted on top of the previous point).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runBench } from '../../src/cli/commands/bench-driver.js';
import type { BenchInterval } from '../../src/cli/commands/bench-driver.js';
import type { Producer } from '../../src/index.js';

/** A producer whose async sends settle after 1 ms, counted. */
function fakeProducer(): { producer: Producer; sent: () => number } {
  let sent = 0;
  const producer = {
    sendAsync: () =>
      new Promise((resolve) => {
        sent++;
        setTimeout(resolve, 1);
      }),
  } as unknown as Producer;
  return { producer, sent: () => sent };
}

describe('bench driver intervals', () => {
  it('a run of 1 s reports one interval of about a second, and no sliver after it; the totals hold every send', async () => {
    const { producer, sent } = fakeProducer();
    const reported: BenchInterval[] = [];
    const outcome = await runBench(
      producer,
      {
        topic: 'T',
        mode: 'async',
        size: 8,
        concurrency: 4,
        durationMs: 1000,
        batchSize: 1,
        tag: undefined,
        timeoutMillis: 3000,
      },
      (interval) => reported.push(interval),
    );
    assert.deepEqual(outcome.intervals, reported);
    assert.ok(reported.length >= 1);
    // Every reported interval but the first ends at least half a second after the one before.
    for (let i = 1; i < reported.length; i++) {
      assert.ok(reported[i]!.atSeconds - reported[i - 1]!.atSeconds >= 0.5, JSON.stringify(reported));
    }
    assert.equal(outcome.stored, sent(), 'the tail is in the totals');
    assert.equal(outcome.latency.count, sent());
  });
});
