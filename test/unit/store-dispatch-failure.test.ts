/**
 * Issue 10, defect 1: a topic deletion racing a put for the same topic, and any failed consume-queue
 * dispatch, must never stop the store from taking writes. The failed put is refused and leaves nothing
 * behind (neither in the consume queue nor, after a restart, in the log).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessageRecord } from '../../src/protocol/message/record.js';
import type { MessageStore } from '../../src/server/store/index.js';
import { FaultyFileIO } from '../helpers/faulty-fs.js';
import { message, openStore, withTempDir } from '../helpers/store-fixtures.js';

async function bodies(store: MessageStore, topic: string, queueId = 0): Promise<string[]> {
  const out: string[] = [];
  for (let offset = 0n; ;) {
    const got = await store.getMessage('g', topic, queueId, offset, 1000);
    if (got.status !== 'FOUND' && got.status !== 'NO_MATCHED_MESSAGE') return out;
    for (const m of got.messages) out.push(decodeMessageRecord(m, 0, { verifyCrc: true }).body.toString());
    offset = got.nextBeginOffset;
  }
}

const put = (store: MessageStore, topic: string, body: string, queueId = 0) =>
  store.putMessage(message({ topic, queueId, body: Buffer.from(body) }));

test('a put racing the deletion of its topic: both succeed and later writes to every topic work', async () => {
  await withTempDir(async (dir) => {
    const store = await openStore(dir);
    assert.equal((await put(store, 'T', 'old')).status, 'PUT_OK');
    // Same tick, as when DELETE_TOPIC_IN_BROKER and SEND_MESSAGE_V2 arrive in one TCP chunk.
    const deleting = store.deleteTopic('T');
    const racing = put(store, 'T', 'racing');
    await deleting;
    assert.equal((await racing).status, 'PUT_OK');
    const after = await put(store, 'T', 'after');
    assert.equal(after.status, 'PUT_OK', `later put to the topic: ${after.reason ?? ''}`);
    const other = await put(store, 'Other', 'other');
    assert.equal(other.status, 'PUT_OK', `later put to another topic: ${other.reason ?? ''}`);
    // The racing put was serialized after the deletion: it opens the new incarnation of the topic.
    assert.deepEqual(await bodies(store, 'T'), ['racing', 'after']);
    await store.close();

    const again = await openStore(dir);
    assert.deepEqual(await bodies(again, 'T'), ['racing', 'after']);
    assert.deepEqual(await bodies(again, 'Other'), ['other']);
    await again.close();
  });
});

test('many puts racing repeated deletions of their topic never brick the store', async () => {
  await withTempDir(async (dir) => {
    const store = await openStore(dir);
    for (let round = 0; round < 20; round++) {
      const puts = [put(store, 'T', `a${round}`), put(store, 'T', `b${round}`, 1)];
      const deleting = store.deleteTopic('T');
      puts.push(put(store, 'T', `c${round}`), put(store, 'U', `u${round}`));
      await deleting;
      for (const r of await Promise.all(puts)) assert.equal(r.status, 'PUT_OK', r.reason);
    }
    assert.equal((await put(store, 'T', 'last')).status, 'PUT_OK');
    assert.equal((await bodies(store, 'U')).length, 20);
    await store.close();
  });
});

test('a failed consume-queue dispatch refuses that put only, leaves nothing behind, later puts succeed', async () => {
  await withTempDir(async (dir) => {
    const faulty = new FaultyFileIO();
    const store = await openStore(dir, {}, { fileIO: faulty.io });
    assert.equal((await put(store, 'A', 'a0')).status, 'PUT_OK');
    // Creating the first consume-queue file of B fails once (EEXIST, as in the reported race).
    faulty.fail('openSync', 'EEXIST', (args) => String(args[0]).includes('/consumequeue/B/'), 1);
    const [a1, b0, a2] = await Promise.all([
      put(store, 'A', 'a1'),
      put(store, 'B', 'b0'),
      put(store, 'A', 'a2'),
    ]);
    assert.equal(a1.status, 'PUT_OK');
    assert.notEqual(b0.status, 'PUT_OK');
    assert.notEqual(b0.status, 'FLUSH_DISK_TIMEOUT');
    assert.match(b0.reason ?? '', /EEXIST/);
    // Puts behind the failed one in the same write are refused with it or stored; never lost if acked.
    const acked = [a1, a2].filter((r) => r.status === 'PUT_OK').length;
    for (let i = 0; i < 5; i++) {
      assert.equal((await put(store, 'B', `b-next${i}`)).status, 'PUT_OK');
      assert.equal((await put(store, 'A', `a-next${i}`)).status, 'PUT_OK');
    }
    const bodiesA = await bodies(store, 'A');
    assert.equal(bodiesA.length, 1 + acked + 5);
    assert.deepEqual(
      await bodies(store, 'B'),
      [0, 1, 2, 3, 4].map((i) => `b-next${i}`),
    );
    assert.equal(store.getMaxOffsetInQueue('B', 0), 5n, 'the refused put took no queue offset');
    await store.close();

    // After a restart (full verification of the log) the refused record does not come back.
    const again = await openStore(dir);
    assert.deepEqual(
      await bodies(again, 'B'),
      [0, 1, 2, 3, 4].map((i) => `b-next${i}`),
    );
    assert.deepEqual(await bodies(again, 'A'), bodiesA);
    await again.close();
  });
});
