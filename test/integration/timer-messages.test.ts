/**
 * Timer messages and recall on an embedded broker with a 100 ms timer precision: held until due then
 * delivered to the real topic and queue with Java's properties, recall before and after the due time,
 * a graceful restart with timer and delay-level messages pending, and the broker's refusals.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Producer } from '../../src/client/index.js';
import { MQBrokerError } from '../../src/common/errors.js';
import { ResponseCode } from '../../src/protocol/codes/response-code.js';
import {
  InvalidTimerMessageError,
  Message,
  decodeMessageRecord,
  decodeRecallHandle,
  messageExtFromRecord,
} from '../../src/protocol/message/index.js';
import type { MessageExt } from '../../src/protocol/message/index.js';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import { createTopic, waitFor } from './producer-helpers.js';
import { byTier } from '../helpers/tier.js';

const MANY = byTier(1000, 20000);

let cluster: EmbeddedCluster;
let producer: Producer;

before(async () => {
  cluster = await startEmbeddedCluster({
    brokers: [{ timerPrecisionMs: 100, recallMessageEnable: true, timerMaxDelaySec: 60 }],
  });
  for (const t of ['TimerA', 'TimerRecall', 'TimerRestart', 'TimerLate', 'TimerMany'])
    await createTopic(cluster, t, 1);
  producer = new Producer({ producerGroup: 'PG_TIMER', nameServer: cluster.namesrvAddress });
  await producer.start();
});

after(async () => {
  await producer.shutdown().catch(() => undefined);
  await cluster.stop();
});

/** Every message stored in queue 0 of `topic` on the (current) broker. */
async function readQueue(topic: string): Promise<MessageExt[]> {
  const out: MessageExt[] = [];
  for (let offset = 0n; ;) {
    const got = await cluster.brokers[0]!.store.getMessage('t', topic, 0, offset, 32);
    if (got.status !== 'FOUND' || got.messages.length === 0) return out;
    for (const b of got.messages)
      out.push(messageExtFromRecord(decodeMessageRecord(b), { decompress: false }));
    offset = got.nextBeginOffset;
  }
}

function bodies(list: MessageExt[]): string[] {
  return list.map((m) => m.body.toString()).sort();
}

describe('timer messages (embedded broker, precision 100 ms)', () => {
  it('holds a message until its time, then delivers it with the properties Java leaves', async () => {
    const msg = new Message('TimerA', 'after-400', { tags: 'T' });
    msg.delayTimeMs = 400;
    const sent = Date.now();
    const r = await producer.send(msg);
    assert.equal(r.sendStatus, 'SEND_OK');
    assert.equal((await readQueue('TimerA')).length, 0, 'not visible before its time');
    const handle = decodeRecallHandle(r.recallHandle ?? '');
    assert.equal(handle.topic, 'TimerA');
    assert.equal(handle.brokerName, 'broker-a');
    assert.equal(handle.messageId, r.msgId);
    const out = Number(handle.timestamp) - 1;
    assert.equal(out % 100, 0, 'TIMER_OUT_MS is on a 100 ms slot');
    assert.ok(out >= sent + 300 && out <= Date.now() + 400, `slot ${out} within one tick of the asked time`);
    const [got] = await waitFor('delivery', async () => {
      const list = await readQueue('TimerA');
      return list.length > 0 ? list : undefined;
    });
    assert.equal(got!.body.toString(), 'after-400');
    assert.equal(got!.tags, 'T');
    assert.equal(got!.msgId, r.msgId);
    const p = got!.properties;
    assert.equal(p.TIMER_OUT_MS, String(out));
    assert.equal(p.TIMER_DELAY_MS, '400');
    assert.equal(p.REAL_TOPIC, 'TimerA', 'Java keeps REAL_TOPIC / REAL_QID in the stored string');
    assert.equal(p.REAL_QID, '0');
    assert.ok(Number(p.TIMER_DEQUEUE_MS) >= out, 'never delivered before its slot');
    assert.ok(Number(p.TIMER_ENQUEUE_MS) <= Number(p.TIMER_DEQUEUE_MS));
  });

  it('recall before the time: never delivered; after it: ILLEGAL_OPERATION, no effect', async () => {
    // Recalled right away, well before its time even on a loaded machine; 'last' is due just after it.
    const recalled = await producer.send(
      new Message({ topic: 'TimerRecall', body: 'recalled', delayTimeMs: 1200 }),
    );
    assert.equal(await producer.recall('TimerRecall', recalled.recallHandle as string), recalled.msgId);
    const kept = await producer.send(new Message({ topic: 'TimerRecall', body: 'kept', delayTimeMs: 300 }));
    const last = await producer.send(new Message({ topic: 'TimerRecall', body: 'last', delayTimeMs: 1300 }));
    await waitFor('kept and last delivered', async () => {
      const b = bodies(await readQueue('TimerRecall'));
      return b.includes('last') ? b : undefined;
    });
    assert.deepEqual(bodies(await readQueue('TimerRecall')), ['kept', 'last']);
    const late = producer.recall('TimerRecall', kept.recallHandle as string);
    await assert.rejects(late, (err: unknown) => {
      assert.ok(err instanceof MQBrokerError);
      assert.equal(err.code, ResponseCode.ILLEGAL_OPERATION);
      assert.equal(err.remark, 'recall failed, timestamp invalid');
      return true;
    });
    assert.ok(last.recallHandle);
    assert.deepEqual(bodies(await readQueue('TimerRecall')), ['kept', 'last']);
  });

  it('timer and delay-level messages pending across a graceful restart: each delivered once', async () => {
    // The recalled one is due before the others: their delivery proves it stayed recalled.
    const recalled = await producer.send(
      new Message({ topic: 'TimerRestart', body: 'gone', delayTimeMs: 800 }),
    );
    await producer.recall('TimerRestart', recalled.recallHandle as string);
    const timers = await Promise.all(
      [200, 300, 1000].map((ms) =>
        producer.send(new Message({ topic: 'TimerRestart', body: `t${ms}`, delayTimeMs: ms })),
      ),
    );
    await producer.send(new Message({ topic: 'TimerRestart', body: 'level1', delayTimeLevel: 1 }));
    assert.equal(timers.length, 3);
    await cluster.stopBroker(0);
    await cluster.startBroker(0);
    const want = ['level1', 't1000', 't200', 't300'];
    await waitFor('all delivered after restart', async () => {
      const b = bodies(await readQueue('TimerRestart'));
      return b.length >= want.length ? b : undefined;
    });
    await new Promise((r) => setTimeout(r, 150)); // one more tick: nothing else may come
    assert.deepEqual(bodies(await readQueue('TimerRestart')), want);
  });

  it('refuses what the broker would mishandle, before sending', async () => {
    const cases: [string, () => Message][] = [
      ['past', () => new Message({ topic: 'TimerLate', body: 'x', deliverTimeMs: Date.now() - 1000 })],
      ['zero delay', () => new Message({ topic: 'TimerLate', body: 'x', delayTimeMs: 0 })],
      ['negative', () => new Message({ topic: 'TimerLate', body: 'x', delayTimeSec: -5 })],
      ['beyond max', () => new Message({ topic: 'TimerLate', body: 'x', delayTimeSec: 4 * 86400 })],
      [
        'with level',
        () => new Message({ topic: 'TimerLate', body: 'x', delayTimeMs: 500, delayTimeLevel: 2 }),
      ],
      [
        'not a number',
        () => {
          const m = new Message({ topic: 'TimerLate', body: 'x' });
          m.putProperty('TIMER_DELAY_MS', '5x');
          return m;
        },
      ],
    ];
    for (const [what, make] of cases) {
      await assert.rejects(producer.send(make()), InvalidTimerMessageError, what);
    }
    assert.throws(
      () => new Message({ topic: 'T', body: 'x', delayTimeMs: Number.NaN }),
      InvalidTimerMessageError,
    );
    assert.throws(
      () => new Message({ topic: 'T', body: 'x', delayTimeMs: 5, deliverTimeMs: Date.now() + 9 }),
      InvalidTimerMessageError,
    );
    assert.equal((await readQueue('TimerLate')).length, 0);
  });

  it(`${MANY} pending timers through a restart: each delivered once, none early`, async (t) => {
    const keys: string[] = [];
    const t0 = Date.now();
    for (let i = 0; i < MANY; i += 500) {
      const chunk = Array.from({ length: Math.min(500, MANY - i) }, (_, j) =>
        producer.sendAsync(
          new Message({ topic: 'TimerMany', body: `m${i + j}`, delayTimeMs: 1500 + ((i + j) % 10) * 50 }),
        ),
      );
      for (const r of await Promise.all(chunk)) keys.push(r.msgId);
    }
    t.diagnostic(`sent in ${Date.now() - t0} ms`);
    await cluster.stopBroker(0);
    await cluster.startBroker(0);
    await waitFor(
      'every timer delivered',
      () =>
        cluster.brokers[0]!.store.getMaxOffsetInQueue('TimerMany', 0) >= BigInt(MANY) ? true : undefined,
      30_000,
    );
    await new Promise((r) => setTimeout(r, 150));
    const list = await readQueue('TimerMany');
    assert.deepEqual(list.map((m) => m.msgId).sort(), [...keys].sort(), 'each exactly once');
    let late = 0;
    for (const m of list) {
      const lateness = Number(m.properties.TIMER_DEQUEUE_MS) - Number(m.properties.TIMER_OUT_MS);
      assert.ok(lateness >= 0, 'never before its slot');
      late = Math.max(late, lateness);
    }
    t.diagnostic(`${MANY} timers: latest delivery ${late} ms after its slot (precision 100 ms)`);
  });
});
