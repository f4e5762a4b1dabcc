/**
 * Arrival listeners of the store (MessageStore.onMessageArrived): one call per record appended, in
 * queue order; a topic filter; a `listening` predicate asked once per put, skipping the put's
 * records while false; a throwing listener or predicate does not stop the others nor fail the put;
 * unsubscribing stops the calls.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeMessageRecord } from '../../src/protocol/message/record.js';
import { message, openStore, withTempDir } from '../helpers/store-fixtures.js';

test('arrival listeners: every record, a topic filter, a listening predicate, unsubscribe', async () => {
  await withTempDir(async (dir) => {
    const store = await openStore(dir);
    const all: string[] = [];
    const onlyB: string[] = [];
    const whenListening: string[] = [];
    let listening = false;
    let asked = 0;
    store.onMessageArrived(() => {
      throw new Error('a failing listener');
    });
    const stopAll = store.onMessageArrived((topic, queueId, offset) =>
      all.push(`${topic}/${queueId}@${offset}`),
    );
    store.onMessageArrived((topic, _q, offset) => onlyB.push(`${topic}@${offset}`), { topic: 'B' });
    store.onMessageArrived(
      (topic, _q, offset, arrival) => whenListening.push(`${topic}@${offset} ${arrival.properties}`),
      {
        listening: () => {
          asked++;
          return listening;
        },
      },
    );

    const batch = [0, 1, 2].map((i) => message({ topic: 'A', queueId: 1, properties: `k\u0001${i}` }));
    assert.equal((await store.putMessages(batch)).status, 'PUT_OK');
    assert.equal((await store.putMessage(message({ topic: 'B', queueId: 0 }))).status, 'PUT_OK');
    listening = true;
    assert.equal((await store.putMessages(batch)).status, 'PUT_OK');
    const mixed = [message({ topic: 'A', queueId: 1 }), message({ topic: 'B', queueId: 0 })];
    assert.equal((await store.putMessages(mixed)).status, 'PUT_OK');
    stopAll();
    assert.equal((await store.putMessage(message({ topic: 'B', queueId: 0 }))).status, 'PUT_OK');
    await store.close();

    assert.deepEqual(all, ['A/1@0', 'A/1@1', 'A/1@2', 'B/0@0', 'A/1@3', 'A/1@4', 'A/1@5', 'A/1@6', 'B/0@1']);
    assert.deepEqual(onlyB, ['B@0', 'B@1', 'B@2']);
    assert.equal(asked, 5, 'asked once per put');
    assert.deepEqual(whenListening.slice(0, 3), ['A@3 k\u00010', 'A@4 k\u00011', 'A@5 k\u00012']);
    assert.deepEqual(
      whenListening.slice(3).map((s) => s.split(' ')[0]),
      ['A@6', 'B@1', 'B@2'],
    );
  });
});

test('a listening predicate that throws fails no put: two puts in one write, both answered and read once', async () => {
  await withTempDir(async (dir) => {
    const store = await openStore(dir);
    let asked = 0;
    const heard: bigint[] = [];
    store.onMessageArrived((_t, _q, offset) => heard.push(offset), {
      listening: () => {
        if (asked++ === 0) throw new Error('a broken predicate');
        return true;
      },
    });
    const put = (i: number) => store.putMessage(message({ topic: 'T', body: Buffer.from(`body${i}`) }));
    const [a, b] = await Promise.all([put(1), put(2)]);
    const c = await put(3);
    assert.deepEqual([a.status, b.status, c.status], ['PUT_OK', 'PUT_OK', 'PUT_OK']);
    assert.deepEqual([a.queueOffset, b.queueOffset, c.queueOffset], [0n, 1n, 2n]);
    assert.deepEqual(heard, [0n, 1n, 2n], 'a predicate that throws counts as listening');
    const got = await store.getMessage('g', 'T', 0, 0n, 10);
    const bodies = got.messages.map((m) => decodeMessageRecord(m).body.toString());
    assert.deepEqual(bodies, ['body1', 'body2', 'body3']);
    await store.close();
  });
});
