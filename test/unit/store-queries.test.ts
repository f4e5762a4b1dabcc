import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessageRecord } from '../../src/protocol/message/record.js';
import { message, openStore, withTempDir } from '../helpers/store-fixtures.js';

test('getOffsetByTimestamp: LOWER / UPPER boundaries over the queue', async () => {
  await withTempDir(async (dir) => {
    // Store times 1000, 1000, 2000, 3000, 3000, 4000 (pinned clock).
    const times = [1000, 1000, 2000, 3000, 3000, 4000];
    let i = 0;
    const store = await openStore(
      dir,
      {},
      { now: () => times[i++] ?? assert.fail('the pinned clock is read once per put') },
    );
    for (let k = 0; k < times.length; k++) await store.putMessage(message());
    const lower = (ts: number) => store.getOffsetByTimestamp('TopicTest', 0, ts);
    const upper = (ts: number) => store.getOffsetByTimestamp('TopicTest', 0, ts, 'UPPER');
    assert.equal(await lower(500), 0n, 'older than everything: first offset');
    assert.equal(await lower(1000), 0n, 'first of equal times');
    assert.equal(await lower(2500), 3n, 'first newer entry');
    assert.equal(await lower(3000), 3n);
    assert.equal(await lower(9999), 6n, 'newer than everything: max offset');
    assert.equal(await upper(3000), 4n, 'last of equal times');
    assert.equal(await upper(2500), 2n);
    assert.equal(await upper(9999), 5n);
    assert.equal(await upper(500), 0n);
    assert.equal(await store.getOffsetByTimestamp('Unknown', 0, 1000), 0n);
    await store.close();
  });
});

test('earliest message time (queue and log), lookMessageByOffset edge cases', async () => {
  await withTempDir(async (dir) => {
    let now = 5000;
    const store = await openStore(dir, {}, { now: () => now++ });
    assert.equal(await store.getEarliestMessageTime(), -1);
    const a = await store.putMessage(message({ queueId: 1 }));
    const b = await store.putMessage(message({ queueId: 2 }));
    assert.equal(await store.getEarliestMessageTime(), 5000);
    assert.equal(await store.getEarliestMessageTime('TopicTest', 2), 5001);
    assert.equal(await store.getEarliestMessageTime('TopicTest', 9), -1);

    const viewed = await store.lookMessageByOffset(b.physicalOffset);
    assert.equal(decodeMessageRecord(viewed!).queueId, 2);
    assert.equal(await store.lookMessageByOffset(a.physicalOffset + 3n), undefined, 'not a record start');
    assert.equal(await store.lookMessageByOffset(store.getCommitLogMaxOffset()), undefined, 'past the end');
    assert.equal(await store.lookMessageByOffset(-1n), undefined);
    assert.equal(store.getCommitLogMinOffset(), 0n);
    assert.equal(store.getCommitLogMaxOffset(), BigInt(a.storeSize + b.storeSize));
    assert.deepEqual(store.getTopics(), ['TopicTest']);
    await store.close();
  });
});

test('deleteTopic removes its consume queues; the topic starts again at offset 0', async () => {
  await withTempDir(async (dir) => {
    const store = await openStore(dir);
    await store.putMessage(message({ topic: 'Gone' }));
    await store.putMessage(message({ topic: 'Kept' }));
    await store.deleteTopic('Gone');
    assert.equal(store.getMaxOffsetInQueue('Gone', 0), 0n);
    await store.close();
    const again = await openStore(dir);
    assert.equal(again.lastRecovery!.fullRebuild, false);
    assert.equal(again.getMaxOffsetInQueue('Gone', 0), 0n, 'not resurrected by recovery');
    assert.equal(again.getMaxOffsetInQueue('Kept', 0), 1n);
    await again.close();
  });
});
