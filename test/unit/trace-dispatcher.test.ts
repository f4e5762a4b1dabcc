/**
 * AsyncTraceDispatcher with a fake sender: batches of batchNum, the interval flush, the 128000-char
 * split with the keys of each part, drop-and-count when the queue is full, a bounded drain on
 * shutdown even when a send never settles, and the ConsumeTracer records around a consume.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { silentLogger } from '../../src/common/logger.js';
import { decodeTraceData, emptyTraceBean } from '../../src/protocol/body/trace-data.js';
import type { TraceContext } from '../../src/protocol/body/trace-data.js';
import type { Message } from '../../src/protocol/message/index.js';
import { AsyncTraceDispatcher } from '../../src/client/trace/async-trace-dispatcher.js';
import { ConsumeTracer } from '../../src/client/trace/consume-tracer.js';
import { newTraceContext } from '../../src/client/trace/producer-trace.js';

function fakeSender(hang = false) {
  const sent: Message[] = [];
  let stopped = false;
  return {
    sent,
    get stopped() {
      return stopped;
    },
    send: (m: Message) => {
      sent.push(m);
      return hang ? new Promise<never>(() => undefined) : Promise.resolve();
    },
    shutdown: async () => {
      stopped = true;
    },
  };
}

function pub(i: number, topic = 'T', keys = ''): TraceContext {
  const bean = emptyTraceBean({ topic, msgId: `ID${i}`, keys, msgType: 'Normal_Msg' });
  return newTraceContext({ traceType: 'Pub', regionId: 'DefaultRegion', groupName: 'G', traceBeans: [bean] });
}

const options = { traceTopic: 'RMQ_SYS_TRACE_TOPIC', logger: silentLogger, flushIntervalMillis: 20 };

describe('AsyncTraceDispatcher', () => {
  it('sends a batch as soon as batchNum contexts are queued, grouped by traced topic', () => {
    const sender = fakeSender();
    const d = new AsyncTraceDispatcher(sender, { ...options, batchNum: 3, flushIntervalMillis: 60_000 });
    d.append(pub(1, 'A'));
    d.append(pub(2, 'B'));
    assert.equal(sender.sent.length, 0, 'below batchNum: waits');
    d.append(pub(3, 'A', 'k1 k2'));
    assert.equal(sender.sent.length, 2, 'one trace message per traced topic');
    const [a, b] = sender.sent;
    assert.equal(a?.topic, 'RMQ_SYS_TRACE_TOPIC');
    assert.deepEqual(
      decodeTraceData(a?.bodyBytes().toString() ?? '').map((c) => c.traceBeans[0]?.msgId),
      ['ID1', 'ID3'],
    );
    assert.deepEqual(a?.keys?.split(' ').sort(), ['ID1', 'ID3', 'k1', 'k2']);
    assert.equal(b?.keys, 'ID2');
  });

  it('flushes a partial batch after flushIntervalMillis', async () => {
    const sender = fakeSender();
    const d = new AsyncTraceDispatcher(sender, options);
    d.append(pub(1));
    await sleep(60);
    assert.equal(sender.sent.length, 1);
    assert.equal(d.stats.sent, 1);
  });

  it('splits a batch into messages of about maxMsgSize characters, each with its own keys', () => {
    const sender = fakeSender();
    const d = new AsyncTraceDispatcher(sender, { ...options, batchNum: 4, maxMsgSize: 100 });
    for (let i = 0; i < 4; i++) d.append(pub(i));
    const parts = sender.sent.map((m) =>
      decodeTraceData(m.bodyBytes().toString()).map((c) => c.traceBeans[0]?.msgId),
    );
    assert.ok(parts.length >= 2, `split into ${parts.length}`);
    assert.deepEqual(parts.flat(), ['ID0', 'ID1', 'ID2', 'ID3']);
    for (const [i, m] of sender.sent.entries()) assert.deepEqual(m.keys?.split(' '), parts[i]);
  });

  it('drops and counts when the queue is full; never throws at the caller', async () => {
    const sender = fakeSender();
    const d = new AsyncTraceDispatcher(sender, { ...options, queueCapacity: 2, flushIntervalMillis: 60_000 });
    assert.equal(d.append(pub(1)), true);
    assert.equal(d.append(pub(2)), true);
    assert.equal(d.append(pub(3)), false);
    assert.equal(d.stats.dropped, 1);
    await d.shutdown(100);
    assert.equal(sender.sent.length, 1, 'the queued two left on shutdown');
    assert.equal(d.append(pub(4)), false, 'stopped: dropped');
  });

  it('shutdown drains what is queued and waits for sends at most timeoutMillis, then stops the sender', async () => {
    const sender = fakeSender(true);
    const d = new AsyncTraceDispatcher(sender, { ...options, flushIntervalMillis: 60_000 });
    d.append(pub(1));
    const t0 = Date.now();
    await d.shutdown(50);
    assert.equal(sender.sent.length, 1);
    assert.ok(Date.now() - t0 < 2000);
    assert.equal(sender.stopped, true);
  });

  it('ConsumeTracer: SubBefore then SubAfter with the same requestId, TRACE_ON=false left out', () => {
    const sender = fakeSender();
    const d = new AsyncTraceDispatcher(sender, { ...options, flushIntervalMillis: 60_000 });
    const tracer = new ConsumeTracer(d, 'CG', undefined, () => 'REQ');
    const msg = (id: string, traceOn?: string) =>
      ({
        topic: 'T',
        msgId: id,
        tags: undefined,
        keys: undefined,
        storeSize: 100,
        reconsumeTimes: 1,
        properties: traceOn === undefined ? { MSG_REGION: 'R1' } : { TRACE_ON: traceOn },
      }) as never;
    assert.equal(tracer.consumeBefore([msg('X', 'false')]), undefined);
    const token = tracer.consumeBefore([msg('A'), msg('B', 'false')]);
    tracer.consumeAfter(token, { success: false, returnType: 'EXCEPTION' });
    d.flushAll();
    const records = sender.sent.flatMap((m) => decodeTraceData(m.bodyBytes().toString()));
    assert.deepEqual(
      records.map((c) => [
        c.traceType,
        c.requestId,
        c.regionId,
        c.traceBeans[0]?.msgId,
        c.success,
        c.contextCode,
      ]),
      [
        ['SubBefore', 'REQ', 'R1', 'A', true, 0],
        ['SubAfter', 'REQ', '', 'A', false, 2],
      ],
    );
    assert.equal(records[0]?.traceBeans[0]?.retryTimes, 1);
  });
});
