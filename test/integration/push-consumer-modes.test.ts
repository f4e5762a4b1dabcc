/**
 * PushConsumer modes over one embedded cluster: orderly consumption (order per sharding key kept
 * across failures and local retries, a poison message parked in the DLQ after maxReconsumeTimes, two
 * members never consuming one queue at once while the group rebalances) and BROADCASTING (every member
 * gets every message; offsets in each member's own local file).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Producer } from '../../src/client/producer/producer.js';
import { ConsumeResult, PushConsumer } from '../../src/client/consumer/index.js';
import type { ConsumedMessage, PushConsumerOptions } from '../../src/client/consumer/index.js';
import { decodeOffsetSerializeWrapper } from '../../src/protocol/body/offset-serialize-wrapper.js';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import { createTopic, waitFor } from './consumer-helpers.js';

describe('PushConsumer: orderly and broadcasting', { concurrency: true }, () => {
  let cluster: EmbeddedCluster;
  let producer: Producer;
  const consumers: PushConsumer[] = [];
  const dir = mkdtempSync(path.join(tmpdir(), 'rmq-push-modes-'));
  let seq = 0;

  const newConsumer = (group: string, extra: Partial<PushConsumerOptions>): PushConsumer => {
    const c = new PushConsumer({
      nameServer: cluster.namesrvAddress,
      consumerGroup: group,
      instanceName: `modes-${++seq}`,
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      rebalanceInterval: 150,
      persistConsumerOffsetInterval: 200,
      pollNameServerInterval: 200,
      heartbeatBrokerInterval: 500,
      pullTimeDelayMillsWhenException: 50,
      ...extra,
    });
    consumers.push(c);
    return c;
  };

  /** `perKey` messages for each key: one key's sends one after another (the order its queue keeps). */
  const sendOrdered = async (topic: string, keys: string[], perKey: number): Promise<void> => {
    await Promise.all(
      keys.map(async (key) => {
        for (let i = 0; i < perKey; i++)
          await producer.sendOrderly({ topic, body: Buffer.from(`${key}:${i}`) }, key);
      }),
    );
  };
  const parse = (m: ConsumedMessage): [string, number] => {
    const [key, i] = m.body.toString().split(':');
    return [key ?? '', Number(i)];
  };

  before(async () => {
    cluster = await startEmbeddedCluster({ brokers: [{ messageDelayLevel: '1s 1s 1s' }] });
    await Promise.all([
      createTopic(cluster, 'OrderKeys', 4),
      createTopic(cluster, 'OrderTwo', 4),
      createTopic(cluster, 'OrderPoison', 1),
      createTopic(cluster, 'OrderAbandon', 1),
      createTopic(cluster, 'OrderHandover', 1),
      createTopic(cluster, 'OrderHandoverFail', 1),
      createTopic(cluster, 'OrderHandoverSoon', 1),
      createTopic(cluster, 'Broadcast', 2),
    ]);
    producer = new Producer({ nameServer: cluster.namesrvAddress, producerGroup: 'modes_pg' });
    await producer.start();
  });

  after(async () => {
    await Promise.all(consumers.map((c) => c.shutdown()));
    await producer?.shutdown();
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('orderly: each key in order across failures and local retries', async () => {
    const keys = ['alpha', 'beta', 'gamma'];
    await sendOrdered('OrderKeys', keys, 5);
    const deliveries = new Map<string, [number, number][]>(); // key -> [index, reconsumeTimes]
    const done = new Map<string, number[]>();
    const c = newConsumer('order_keys_cg', {
      orderly: true,
      suspendCurrentQueueTimeMillis: 10,
      handler: (m) => {
        const [key, i] = parse(m);
        deliveries.set(key, [...(deliveries.get(key) ?? []), [i, m.reconsumeTimes]]);
        if (i % 2 === 1 && m.reconsumeTimes === 0) return ConsumeResult.RECONSUME_LATER;
        if (i === 2 && m.reconsumeTimes === 0) throw new Error('handler failure');
        done.set(key, [...(done.get(key) ?? []), i]);
        return ConsumeResult.CONSUME_SUCCESS;
      },
    });
    await c.subscribe('OrderKeys', '*');
    await c.start();
    await waitFor('every message consumed', () =>
      keys.every((k) => done.get(k)?.length === 5) ? true : undefined,
    );
    for (const key of keys) {
      assert.deepEqual(done.get(key), [0, 1, 2, 3, 4], `${key}: consumed in order`);
      assert.deepEqual(
        deliveries.get(key),
        [
          [0, 0],
          [1, 0],
          [1, 1],
          [2, 0],
          [2, 1],
          [3, 0],
          [3, 1],
          [4, 0],
        ],
        `${key}: a failed message runs again before the next one`,
      );
    }
  });

  it('orderly: a message failing maxReconsumeTimes goes to the DLQ and the queue moves on', async () => {
    await producer.send({ topic: 'OrderPoison', body: Buffer.from('poison:0') });
    await producer.send({ topic: 'OrderPoison', body: Buffer.from('fine:1') });
    const seen: string[] = [];
    const c = newConsumer('order_poison_cg', {
      orderly: true,
      maxReconsumeTimes: 2,
      suspendCurrentQueueTimeMillis: 10,
      handler: (m) => {
        seen.push(`${m.body.toString()}#${m.reconsumeTimes}`);
        return m.body.toString().startsWith('poison') ? ConsumeResult.RECONSUME_LATER : undefined;
      },
    });
    await c.subscribe('OrderPoison', '*');
    await c.start();
    await waitFor('the next message consumed', () => (seen.includes('fine:1#0') ? true : undefined));
    assert.deepEqual(seen, ['poison:0#0', 'poison:0#1', 'poison:0#2', 'fine:1#0']);
    const broker = cluster.brokers[0]!;
    await waitFor('the DLQ holds the poison', () =>
      broker.store.getMaxOffsetInQueue('%DLQ%order_poison_cg', 0) === 1n ? true : undefined,
    );
  });

  it('orderly messages(): the message in hand when the loop is left is neither parked in the DLQ nor committed', async () => {
    await producer.send({ topic: 'OrderAbandon', body: Buffer.from('a:0') });
    await producer.send({ topic: 'OrderAbandon', body: Buffer.from('a:1') });
    // maxReconsumeTimes 0: were leaving the loop a failure, a:0 would go to the DLQ at once.
    const first = newConsumer('order_abandon_cg', { orderly: true, maxReconsumeTimes: 0 });
    await first.subscribe('OrderAbandon', '*');
    const messages = first.messages();
    await first.start();
    for await (const m of messages) {
      assert.equal(m.body.toString(), 'a:0');
      break; // shuts the consumer down with a:0 in hand
    }
    const seen: string[] = [];
    const next = newConsumer('order_abandon_cg', {
      orderly: true,
      handler: (m) => void seen.push(`${m.body.toString()}#${m.reconsumeTimes}`),
    });
    await next.subscribe('OrderAbandon', '*');
    await next.start();
    await waitFor('the next owner consumes both', () => (seen.length >= 2 ? true : undefined));
    assert.deepEqual(seen, ['a:0#0', 'a:1#0']);
    assert.equal(cluster.brokers[0]!.store.getMaxOffsetInQueue('%DLQ%order_abandon_cg', 0), 0n);
  });

  it('orderly: two members never consume one queue at once, also while rebalancing', async () => {
    const keys = ['k0', 'k1', 'k2', 'k3'];
    const active = new Map<string, number>();
    let overlaps = 0;
    const done = new Map<string, number[]>();
    const handler = async (m: ConsumedMessage) => {
      const q = `${m.brokerName}@${m.queueId}`;
      active.set(q, (active.get(q) ?? 0) + 1);
      if ((active.get(q) ?? 0) > 1) overlaps++;
      await new Promise((r) => setTimeout(r, 3));
      active.set(q, (active.get(q) ?? 1) - 1);
      const [key, i] = parse(m);
      done.set(key, [...(done.get(key) ?? []), i]);
    };
    const a = newConsumer('order_two_cg', { orderly: true, handler });
    await a.subscribe('OrderTwo', '*');
    await a.start();
    const sending = sendOrdered('OrderTwo', keys, 6);
    await waitFor('a consumes', () => (done.size > 0 ? true : undefined));
    const b = newConsumer('order_two_cg', { orderly: true, handler });
    await b.subscribe('OrderTwo', '*');
    await b.start();
    await sending;
    await waitFor('both members hold queues', () =>
      a.assignedQueues().length > 0 && b.assignedQueues().length > 0 ? true : undefined,
    );
    await waitFor('every message consumed', () =>
      keys.every((k) => new Set(done.get(k)).size === 6) ? true : undefined,
    );
    assert.equal(overlaps, 0, 'one handler call per queue at a time');
    for (const key of keys) {
      const got = done.get(key) ?? [];
      assert.ok(
        got.every((v, i) => i === 0 || v >= (got[i - 1] ?? 0)),
        `${key}: never goes back (${got.join(',')})`,
      );
    }
  });

  /**
   * Three messages on a one-queue topic; member A (client id sorting last) consumes until it holds
   * `held` in its handler, member B joins and takes the queue, then (after `waitMillis`) A's handler
   * ends with `heldAnswer`. Returns every delivery once B consumed the last message, as "A x:0"...
   */
  const handover = async (
    topic: string,
    prefix: string,
    held: string,
    heldAnswer: ConsumeResult | undefined,
    waitMillis: number,
  ): Promise<string[]> => {
    for (let i = 0; i < 3; i++) await producer.send({ topic, body: Buffer.from(`${prefix}:${i}`) });
    const seen: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let holding = false;
    const handler = (name: string) => async (m: ConsumedMessage) => {
      seen.push(`${name} ${m.body.toString()}`);
      if (name !== 'A' || m.body.toString() !== held) return undefined;
      holding = true;
      await gate; // still running while the rebalance hands the queue over
      return heldAnswer;
    };
    const member = async (name: string, instanceName: string): Promise<PushConsumer> => {
      const c = newConsumer(`${topic}_cg`, { orderly: true, instanceName, handler: handler(name) });
      await c.subscribe(topic, '*');
      await c.start();
      return c;
    };
    // The queue goes to the member whose client id sorts first: B, once it joined.
    const a = await member('A', `zz-${topic}`);
    await waitFor(`A holds ${held}`, () => (holding ? true : undefined));
    await member('B', `aa-${topic}`);
    await waitFor('A gives the queue up', () => (a.assignedQueues().length === 0 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, waitMillis));
    release();
    await waitFor('B consumes the rest', () => (seen.includes(`B ${prefix}:2`) ? true : undefined));
    return seen;
  };

  it('orderly: a batch that ends after its queue was taken away is not consumed again by the next owner', async () => {
    assert.deepEqual(await handover('OrderHandover', 'h', 'h:0', undefined, 0), ['A h:0', 'B h:1', 'B h:2']);
  });

  it('orderly: a batch failing after its queue was taken away leaves the offset of those before it', async () => {
    // It records no offset; several periodic offset commits (every 200 ms here) run meanwhile.
    const seen = await handover('OrderHandoverFail', 'f', 'f:1', ConsumeResult.RECONSUME_LATER, 700);
    assert.deepEqual(seen, ['A f:0', 'A f:1', 'B f:1', 'B f:2']);
  });

  it('orderly: the next owner takes a queue soon after its release, not at the next rebalanceInterval', async () => {
    const topic = 'OrderHandoverSoon';
    for (let i = 0; i < 2; i++) await producer.send({ topic, body: Buffer.from(`s:${i}`) });
    const seen: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let holding = false;
    const member = async (name: string, instanceName: string): Promise<PushConsumer> => {
      const c = newConsumer(`${topic}_cg`, {
        orderly: true,
        instanceName,
        rebalanceInterval: 60_000, // only the group change notice and a lock retry move the queue
        handler: async (m) => {
          seen.push(`${name} ${m.body.toString()}`);
          if (name !== 'A' || m.body.toString() !== 's:0') return;
          holding = true;
          await gate; // A keeps the queue locked meanwhile: B's LOCK_BATCH_MQ is refused
        },
      });
      await c.subscribe(topic, '*');
      await c.start();
      return c;
    };
    const a = await member('A', `zz-${topic}`);
    await waitFor('A holds s:0', () => (holding ? true : undefined));
    const bStarted = Date.now();
    await member('B', `aa-${topic}`);
    await waitFor('A gives the queue up', () => (a.assignedQueues().length === 0 ? true : undefined));
    // Past B's second look at the routes (1 s after its start), which rebalances once more too.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, bStarted + 1300 - Date.now())));
    const released = Date.now();
    release();
    await waitFor('B consumes s:1', () => (seen.includes('B s:1') ? true : undefined), 5000);
    assert.ok(Date.now() - released < 4000, `B took ${Date.now() - released} ms`);
    assert.deepEqual(seen, ['A s:0', 'B s:1']);
  });

  it('broadcasting: every member gets every message; offsets in each member own file', async () => {
    const got = [new Set<string>(), new Set<string>()];
    const members = got.map((set) =>
      newConsumer('broadcast_cg', {
        messageModel: 'BROADCASTING',
        offsetStoreDir: dir,
        handler: (m) => void set.add(m.body.toString()),
      }),
    );
    for (const m of members) {
      await m.subscribe('Broadcast', '*');
      await m.start();
    }
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => producer.send({ topic: 'Broadcast', body: Buffer.from(`b${i}`) })),
    );
    await waitFor('both members got all', () => (got.every((s) => s.size === 10) ? true : undefined));
    for (const m of members) await m.shutdown();
    for (const m of members) {
      const clientId = m.clientInstance?.clientId ?? assert.fail('started');
      const file = path.join(dir, clientId, 'broadcast_cg', 'offsets.json');
      const entries = decodeOffsetSerializeWrapper(readFileSync(file, 'utf8'));
      assert.equal(
        entries.reduce((sum, e) => sum + e.offset, 0n),
        10n,
        `${clientId}: offsets of its own consumption`,
      );
    }
  });
});
