/**
 * Auto-batching and async backpressure against one embedded broker: concurrent sync and async sends
 * leave as SEND_BATCH_MESSAGE requests yet each gets its own SendResult (its own UNIQ_KEY, offset and
 * stored record); excluded messages go alone; a refused batch fails each of its sends; queue and
 * selector sends batch per queue; shutdown sends what waits; backpressure bounds sends in flight.
 * `rmq bench` against the same broker: Java's benchmark lines, the summary, --json and --plot,
 * binary (ROCKETMQ) request headers.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MQBrokerError } from '../../src/common/errors.js';
import { Producer } from '../../src/client/index.js';
import type { SendMessageContext } from '../../src/client/producer/hooks.js';
import { MessageBatch } from '../../src/client/producer/message-batch.js';
import { producerCore } from '../../src/client/producer/producer.js';
import { MessageNotSentError } from '../../src/client/producer/shutdown-errors.js';
import { Message, MessageConst, MessageSysFlag } from '../../src/protocol/message/index.js';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import { rmq } from '../helpers/cli.js';
import { createTopic, readStored } from './producer-helpers.js';

let cluster: EmbeddedCluster;
let producer: Producer;
/** Sizes of the requests the send hooks saw: n = a batch of n, 0 = a single message. */
const requests: number[] = [];

/** Records the size of each request `p` sends into `into`: n = a batch of n, 0 = a single message. */
function countRequests(p: Producer, into: number[]): void {
  p.registerSendMessageHook({
    hookName: 'count',
    sendMessageBefore: (c: SendMessageContext) =>
      into.push(c.message instanceof MessageBatch ? c.message.messages.length : 0),
    sendMessageAfter: () => undefined,
  });
}

function start(group: string, extra: Partial<ConstructorParameters<typeof Producer>[0]> = {}): Producer {
  return new Producer({ producerGroup: group, nameServer: cluster.namesrvAddress, ...extra });
}

before(async () => {
  cluster = await startEmbeddedCluster({ brokers: [{ registerIntervalMillis: 300 }] });
  await createTopic(cluster, 'AB', 2);
  producer = start('PG_AUTO_BATCH', { autoBatch: true, batchMaxDelayMs: 20 });
  countRequests(producer, requests);
  await producer.start();
});

after(async () => {
  await producer.shutdown().catch(() => undefined);
  await cluster.stop();
});

const uniq = (m: Message) => m.getProperty(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX);

describe('auto-batching', () => {
  it('sync and async sends leave as batches; each gets its own result and stored record', async () => {
    requests.length = 0;
    const messages = Array.from({ length: 40 }, (_, i) => new Message('AB', `m${i}`));
    const results = await Promise.all(
      messages.map((m, i) => (i % 4 === 0 ? producer.send(m) : producer.sendAsync(m))),
    );
    assert.ok(requests.every((n) => n > 0) && requests.length < 10, `requests ${requests.join(',')}`);
    assert.equal(
      requests.reduce((a, b) => a + b, 0),
      40,
    );
    const broker = cluster.brokers[0];
    assert.ok(broker !== undefined);
    for (const [i, r] of results.entries()) {
      const m = messages[i] as Message;
      assert.equal(r.msgId, uniq(m));
      assert.equal(r.sendStatus, 'SEND_OK');
      const stored = await readStored(broker, 'AB', r.messageQueue.queueId, r.queueOffset);
      assert.equal(stored.body.toString(), `m${i}`, `message ${i}`);
      assert.equal(stored.properties[MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX], r.msgId);
      assert.equal(stored.offsetMsgId, r.offsetMsgId);
    }
    assert.equal(new Set(results.map((r) => `${r.messageQueue.queueId}@${r.queueOffset}`)).size, 40);
  });

  it('oneway, delayed and %RETRY% messages go alone; queue and selector sends batch per queue', async () => {
    requests.length = 0;
    await producer.sendOneway(new Message('AB', 'one'));
    await producer.send(new Message({ topic: 'AB', body: 'late', delayTimeLevel: 1 }));
    assert.deepEqual(requests, [0, 0]);
    requests.length = 0;
    const [q0] = await producer.fetchPublishMessageQueues('AB');
    assert.ok(q0 !== undefined);
    const rs = await Promise.all([
      producer.sendToQueueAsync(new Message('AB', 'q-a'), q0),
      producer.sendToQueue(new Message('AB', 'q-b'), q0),
      producer.sendToQueueAsync(new Message('AB', 'q-c'), q0),
      producer.sendWithSelectorAsync(new Message('AB', 'q-d'), (qs) => qs[0] ?? q0, null),
    ]);
    assert.ok(rs.every((r) => r.messageQueue.queueId === q0.queueId));
    assert.deepEqual([...requests].sort(), [1, 3], 'one sync batch, one async batch of the same queue');
  });

  it('a body over batchMaxBytes goes alone, compressed (300 KiB: deflated off the event loop)', async () => {
    requests.length = 0;
    const body = Buffer.from('{"orderId":1234567,"customer":"c-42","amount":99}\n'.repeat(6200));
    const r = await producer.sendAsync(new Message('AB', body));
    assert.deepEqual(requests, [0]);
    const broker = cluster.brokers[0];
    assert.ok(broker !== undefined);
    const stored = await readStored(broker, 'AB', r.messageQueue.queueId, r.queueOffset);
    assert.ok(stored.sysFlag & MessageSysFlag.COMPRESSED);
    assert.ok(stored.body.equals(deflateSync(body, { level: 5 })), 'the bytes deflateSync writes');
  });

  it('a message whose batch entry would pass maxMessageSize goes alone; its neighbours batch as before', async () => {
    // 1000 B body + 60 B of KEYS: 1,160 B as a batch entry, over a 1 KiB maxMessageSize; as its own
    // request (body alone) it fits. Joining a batch, it failed its whole batch.
    const p = start('PG_AUTO_BATCH_FIT', { autoBatch: true, batchMaxDelayMs: 20, maxMessageSize: 1024 });
    const sizes: number[] = [];
    countRequests(p, sizes);
    await p.start();
    try {
      const big = new Message('AB', 'y'.repeat(1000), { keys: 'k'.repeat(60) });
      const sends = [
        p.sendAsync(new Message('AB', 'small-1')),
        p.sendAsync(big),
        p.sendAsync(new Message('AB', 'small-2')),
      ];
      const results = await Promise.all(sends);
      assert.deepEqual(
        results.map((r) => r.sendStatus),
        ['SEND_OK', 'SEND_OK', 'SEND_OK'],
      );
      assert.deepEqual(sizes.sort(), [0, 2], 'the big one alone, the two small ones as one batch');
    } finally {
      await p.shutdown();
    }
  });

  it('a batch the broker refuses fails each of its sends with the broker error', async () => {
    const [q0] = await producer.fetchPublishMessageQueues('AB');
    assert.ok(q0 !== undefined);
    const bad = { topic: 'AB', brokerName: q0.brokerName, queueId: 77 } as typeof q0;
    const sends = [1, 2, 3].map((i) => producer.sendToQueueAsync(new Message('AB', `x${i}`), bad, 2000));
    const outcomes = await Promise.allSettled(sends);
    for (const o of outcomes) {
      assert.equal(o.status, 'rejected');
      assert.ok(o.reason instanceof MQBrokerError, String(o.reason));
    }
  });

  it('a selector send made just before shutdown() joins the last batch and settles before shutdown() returns', async () => {
    const p = start('PG_AUTO_BATCH_SHUT_SEL', { autoBatch: true, batchMaxDelayMs: 30_000 });
    await p.start();
    await p.send(new Message('AB', 'warm')); // routes known
    const events: string[] = [];
    const sent = p
      .sendWithSelectorAsync(new Message('AB', 'sel'), (qs) => qs[0]!, null, 3000)
      .then(
        (r) => events.push(`sent ${r.sendStatus}`),
        (e: unknown) => events.push(`failed ${String(e)}`),
      );
    await p.shutdown({ timeoutMillis: 3000 }).then(() => events.push('shutdown'));
    await sent;
    assert.deepEqual(events, ['sent SEND_OK', 'shutdown']);
  });

  it('shutdown sends what waits for its delay', async () => {
    const p = start('PG_AUTO_BATCH_SHUT', { autoBatch: true, batchMaxDelayMs: 30_000 });
    await p.start();
    const pending = [p.sendAsync(new Message('AB', 's1')), p.send(new Message('AB', 's2'))];
    await new Promise((r) => setTimeout(r, 20));
    await p.shutdown();
    const rs = await Promise.all(pending);
    assert.ok(rs.every((r) => r.sendStatus === 'SEND_OK'));
  });
});

describe('async backpressure', () => {
  it('the callback form resolves once admitted; never more than backPressureForAsyncSendNum in flight', async () => {
    const p = start('PG_BACKPRESSURE', {
      enableBackpressureForAsyncMode: true,
      backPressureForAsyncSendNum: 10,
    });
    await p.start();
    const gate = producerCore(p).backpressure;
    assert.ok(gate !== undefined);
    let peak = 0;
    let ok = 0;
    const done: Promise<void>[] = [];
    for (let i = 0; i < 60; i++) {
      let settle: () => void = () => undefined;
      done.push(new Promise<void>((r) => (settle = r)));
      await p.sendAsync(new Message('AB', `bp${i}`), {
        onSuccess: () => (ok++, settle()),
        onException: (e) => (settle(), assert.fail(String(e))),
      });
      peak = Math.max(peak, gate.inFlight);
    }
    await Promise.all(done);
    assert.equal(ok, 60);
    assert.equal(peak, 10, 'the loop ran ahead until the count limit, then waited');
    assert.equal(gate.inFlight, 0);
    await p.shutdown();
  });
});

describe('async backpressure and shutdown', () => {
  it('a send still waiting for permits when shutdown() starts fails at once as not sent; those in flight drain', async () => {
    const p = start('PG_BACKPRESSURE_SHUT', {
      enableBackpressureForAsyncMode: true,
      backPressureForAsyncSendNum: 10,
    });
    await p.start();
    await p.send(new Message('AB', 'warm'));
    const gate = producerCore(p).backpressure;
    assert.ok(gate !== undefined);
    const slow = cluster.broker(0).inject({ kind: 'latency', millis: 600, codes: ['SEND_MESSAGE_V2'] });
    try {
      const inFlight = Array.from({ length: 10 }, (_, i) => p.sendAsync(new Message('AB', `f${i}`)));
      assert.equal(gate.inFlight, 10);
      let outcome: unknown;
      const told = new Promise<void>((resolve) => {
        void p.sendAsync(new Message('AB', 'waiting'), {
          onSuccess: (r) => ((outcome = r), resolve()),
          onException: (e) => ((outcome = e), resolve()),
        });
      });
      assert.equal(gate.waiting, 1);
      const shutdown = p.shutdown({ timeoutMillis: 5000 });
      await told;
      assert.ok(outcome instanceof MessageNotSentError, String(outcome));
      assert.match(String(outcome), /waited for async backpressure permits/);
      await shutdown;
      const results = await Promise.all(inFlight);
      assert.ok(results.every((r) => r.sendStatus === 'SEND_OK'));
      assert.equal(gate.inFlight, 0);
      assert.equal(gate.waiting, 0);
    } finally {
      slow.remove();
    }
  });
});

describe('async backpressure with auto-batching', () => {
  it('promise sends batched under the gate give their permits back: at most the limit in flight, none held after', async () => {
    const p = start('PG_BACKPRESSURE_BATCH', {
      autoBatch: true,
      batchMaxDelayMs: 5,
      enableBackpressureForAsyncMode: true,
      backPressureForAsyncSendNum: 10,
    });
    await p.start();
    const gate = producerCore(p).backpressure;
    assert.ok(gate !== undefined);
    let peak = 0;
    const sends = Array.from({ length: 200 }, (_, i) => {
      const sending = p.sendAsync(new Message('AB', `bpb${i}`));
      peak = Math.max(peak, gate.inFlight);
      return sending;
    });
    const results = await Promise.all(sends);
    assert.equal(new Set(results.map((r) => r.msgId)).size, 200, 'each send its own result');
    assert.equal(peak, 10, 'ten taken at once, the rest waited for room');
    assert.equal(gate.inFlight, 0);
    assert.equal(gate.bytesInFlight, 0);
    // Refused before it left (a bad topic): what it took is given back too.
    await assert.rejects(p.sendAsync(new Message('bad topic!', 'x')));
    await assert.rejects(p.sendAsync(new Message('AB', 'x'), 0));
    assert.equal(gate.inFlight, 0);
    await p.shutdown();
  });
});

describe('rmq bench', () => {
  it('prints Java benchmark lines and a percentile summary; --json and --plot for machines and people', async () => {
    const ns = cluster.namesrvAddress;
    const text = await rmq([
      'bench',
      '--namesrv',
      ns,
      '--topic',
      'AB',
      '--mode',
      'sync',
      '--threads',
      '4',
      '--duration',
      '0.3',
      '--serialize-type',
      'rocketmq', // binary request headers (and answers)
    ]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(
      text.stdout,
      /^Current Time: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \| Send TPS: \d+ \| Max RT\(ms\): \d+ \| Average RT\(ms\): +\d+\.\d{3} \| Send Failed: 0 \| Response Failed: 0$/m,
    );
    assert.match(
      text.stdout,
      /^\[Complete\] Send Total: [1-9]\d* \| Send TPS: \d+ .*Send Failed: 0 \| Response Failed: 0$/m,
    );
    assert.match(
      text.stdout,
      /^Latency\(ms\): p50 [\d.]+ \| p90 [\d.]+ \| p99 [\d.]+ \| p99\.9 [\d.]+ \| max [\d.]+ \(sync, 128 B, 4 in flight/m,
    );
    assert.match(text.stdout, /^Client CPU: [\d.]+ % of a core \| [\d.]+ us\/msg/m);

    const dir = await mkdtemp(path.join(tmpdir(), 'rmq-bench-'));
    try {
      const plot = path.join(dir, 'run.html');
      const json = await rmq([
        'bench',
        '--namesrv',
        ns,
        '--topic',
        'AB',
        '--window',
        '64',
        '--auto-batch',
        '--size',
        '200',
        '--duration',
        '0.3',
        '--json',
        '--plot',
        plot,
      ]);
      assert.equal(json.code, 0, json.stderr);
      const doc = JSON.parse(json.stdout) as Record<string, unknown> & {
        latencyMs: { p50: number; p99: number; max: number };
        intervals: unknown[];
      };
      assert.equal(doc.mode, 'async');
      assert.equal(doc.autoBatch, true);
      assert.equal(doc.size, 200);
      assert.ok((doc.stored as number) > 0 && doc.sendFailed === 0);
      assert.ok(doc.latencyMs.p50 <= doc.latencyMs.p99 && doc.latencyMs.p99 <= doc.latencyMs.max);
      assert.ok(doc.intervals.length >= 1);
      const page = await readFile(plot, 'utf8');
      assert.match(page, /^<!doctype html>/);
      assert.equal((page.match(/<svg /g) ?? []).length, 3, 'throughput, latency, CPU');
      assert.doesNotMatch(page, /<script|https?:\/\/(?!www\.w3\.org)/, 'self-contained');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses what it cannot do, before connecting', async () => {
    const consumerOnly = await rmq(['bench', '--namesrv', '127.0.0.1:1', '--broadcast', '--from', 'first']);
    assert.equal(consumerOnly.code, 2);
    assert.match(consumerOnly.stderr, /--broadcast, --from are for the consumer benchmark: add --consume/);
    const mixed = await rmq(['bench', '--namesrv', '127.0.0.1:1', '--mode', 'async', '--threads', '4']);
    assert.match(mixed.stderr, /--threads is for sync\/batch; async takes --window/);
    const oneway = await rmq(['bench', '--namesrv', '127.0.0.1:1', '--mode', 'oneway', '--auto-batch']);
    assert.match(oneway.stderr, /oneway sends are never auto-batched/);
    const mode = await rmq(['bench', '--namesrv', '127.0.0.1:1', '--mode', 'fast']);
    assert.match(mode.stderr, /--mode must be sync, async, oneway or batch, got "fast"/);
    const header = await rmq(['bench', '--namesrv', '127.0.0.1:1', '--serialize-type', 'xml']);
    assert.match(header.stderr, /--serialize-type must be json or rocketmq, got "xml"/);
  });
});
