import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { decodeMessageRecord } from '../../src/protocol/message/record.js';
import { tagsCode } from '../../src/protocol/message/tags-code.js';
import type { MessageStore } from '../../src/server/store/index.js';
import { nodeFileIO } from '../../src/server/store/file-io.js';
import type { FileIO } from '../../src/server/store/file-io.js';
import { message, openStore, withTempDir } from '../helpers/store-fixtures.js';

async function fillTags(store: MessageStore, tags: string[], queueId = 0): Promise<void> {
  for (const [i, t] of tags.entries()) {
    const r = await store.putMessage(message({ queueId, tags: t, body: Buffer.from(`m${i}`) }));
    assert.equal(r.status, 'PUT_OK');
  }
}

const summary = (r: Awaited<ReturnType<MessageStore['getMessage']>>) => ({
  status: r.status,
  next: r.nextBeginOffset,
  min: r.minOffset,
  max: r.maxOffset,
  count: r.messages.length,
});

test('status table: empty / unknown queue, too small, overflow one, overflow badly', async () => {
  await withTempDir(async (dir) => {
    const store = await openStore(dir);
    assert.deepEqual(summary(await store.getMessage('g', 'Nope', 0, 5n, 32)), {
      status: 'NO_MESSAGE_IN_QUEUE',
      next: 0n,
      min: 0n,
      max: 0n,
      count: 0,
    });
    await fillTags(store, ['a', 'b', 'c']);
    assert.deepEqual(summary(await store.getMessage('g', 'TopicTest', 0, 3n, 32)), {
      status: 'OFFSET_OVERFLOW_ONE',
      next: 3n,
      min: 0n,
      max: 3n,
      count: 0,
    });
    assert.deepEqual(summary(await store.getMessage('g', 'TopicTest', 0, 9n, 32)), {
      status: 'OFFSET_OVERFLOW_BADLY',
      next: 3n,
      min: 0n,
      max: 3n,
      count: 0,
    });
    assert.deepEqual(summary(await store.getMessage('g', 'TopicTest', 0, 1n, 32)), {
      status: 'FOUND',
      next: 3n,
      min: 0n,
      max: 3n,
      count: 2,
    });
    assert.equal(store.getMaxOffsetInQueue('TopicTest', 0), 3n);
    assert.equal(store.getMinOffsetInQueue('TopicTest', 0), 0n);
    assert.equal(store.getMaxOffsetInQueue('TopicTest', 7), 0n);
    await store.close();
  });
});

test('OFFSET_TOO_SMALL and OFFSET_FOUND_NULL when consume-queue files are gone', async () => {
  await withTempDir(async (dir) => {
    let store = await openStore(dir, { consumeQueueEntriesPerFile: 5 });
    await fillTags(
      store,
      Array.from({ length: 17 }, () => 'x'),
    );
    await store.close();
    const qdir = path.join(dir, 'consumequeue', 'TopicTest', '0');
    // Remove the first file (as retention would) and a middle one (damage).
    fs.rmSync(path.join(qdir, '00000000000000000000'));
    fs.rmSync(path.join(qdir, '00000000000000000200'));
    store = await openStore(dir, { consumeQueueEntriesPerFile: 5 });
    assert.equal(store.getMinOffsetInQueue('TopicTest', 0), 5n);
    assert.deepEqual(summary(await store.getMessage('g', 'TopicTest', 0, 2n, 32)), {
      status: 'OFFSET_TOO_SMALL',
      next: 5n,
      min: 5n,
      max: 17n,
      count: 0,
    });
    assert.deepEqual(summary(await store.getMessage('g', 'TopicTest', 0, 11n, 32)), {
      status: 'OFFSET_FOUND_NULL',
      next: 15n,
      min: 5n,
      max: 17n,
      count: 0,
    });
    // Reads stop at the end of the file holding the offset (Java getIndexBuffer).
    assert.deepEqual(summary(await store.getMessage('g', 'TopicTest', 0, 6n, 32)), {
      status: 'FOUND',
      next: 10n,
      min: 5n,
      max: 17n,
      count: 4,
    });
    await store.close();
  });
});

test('tag filter: matches only, nextBeginOffset counts scanned entries; none matched', async () => {
  await withTempDir(async (dir) => {
    const store = await openStore(dir);
    await fillTags(store, ['TagA', 'TagB', 'TagA', 'TagC', 'TagB', 'TagA']);
    const a = tagsCode('TagA');
    const onlyA = await store.getMessage('g', 'TopicTest', 0, 0n, 32, (c) => c === a);
    assert.equal(onlyA.status, 'FOUND');
    assert.deepEqual(onlyA.queueOffsets, [0n, 2n, 5n]);
    assert.deepEqual(
      onlyA.messages.map((m) => decodeMessageRecord(m).body.toString()),
      ['m0', 'm2', 'm5'],
    );
    assert.equal(onlyA.nextBeginOffset, 6n);
    const none = await store.getMessage('g', 'TopicTest', 0, 0n, 32, (c) => c === tagsCode('TagZ'));
    assert.deepEqual(summary(none), { status: 'NO_MATCHED_MESSAGE', next: 6n, min: 0n, max: 6n, count: 0 });
    // maxMsgNums stops the scan right after the last taken entry.
    const two = await store.getMessage('g', 'TopicTest', 0, 0n, 2, (c) => c === a);
    assert.deepEqual(two.queueOffsets, [0n, 2n]);
    assert.equal(two.nextBeginOffset, 3n);
    await store.close();
  });
});

test('transfer limits: in-memory count and byte limits; at least one message always', async () => {
  await withTempDir(async (dir) => {
    const store = await openStore(dir, {
      commitLogSegmentSize: 1024 * 1024,
      maxTransferCountOnMessageInMemory: 5,
      maxTransferBytesOnMessageInMemory: 2000,
    });
    for (let i = 0; i < 20; i++) await store.putMessage(message({ body: Buffer.alloc(100, i) }));
    const byCount = await store.getMessage('g', 'TopicTest', 0, 0n, 32);
    assert.equal(byCount.messages.length, 5);
    assert.equal(byCount.nextBeginOffset, 5n);
    assert.equal(
      byCount.bufferTotalSize,
      byCount.messages.reduce((n, m) => n + m.length, 0),
    );
    const byMax = await store.getMessage('g', 'TopicTest', 0, 0n, 3);
    assert.equal(byMax.messages.length, 3);

    for (let i = 0; i < 3; i++) await store.putMessage(message({ queueId: 1, body: Buffer.alloc(1500) }));
    const big = await store.getMessage('g', 'TopicTest', 1, 0n, 32);
    assert.equal(big.messages.length, 1, '2 x 1600 bytes exceed 2000: only the first');
    assert.equal(big.nextBeginOffset, 1n);
    await store.close();
  });
});

test('transfer limits: records counted as on disk use the disk limits', async () => {
  await withTempDir(async (dir) => {
    // Ratio 0: every record except the very last byte counts as "on disk" (8 messages / 64 KiB).
    const store = await openStore(dir, { accessMessageInMemoryMaxRatio: 0 });
    for (let i = 0; i < 20; i++) await store.putMessage(message());
    const got = await store.getMessage('g', 'TopicTest', 0, 0n, 32);
    assert.equal(got.messages.length, 8);
    assert.equal(got.suggestPullingFromSlave, true);
    await store.close();
  });
});

test('onMessageArrived fires once per dispatched record, after it is pullable', async () => {
  await withTempDir(async (dir) => {
    const store = await openStore(dir);
    const seen: string[] = [];
    const checks: Promise<void>[] = [];
    const off = store.onMessageArrived((topic, queueId, offset) => {
      seen.push(`${topic}/${queueId}@${offset}`);
      checks.push(
        store.getMessage('g', topic, queueId, offset, 1).then((r) => assert.equal(r.status, 'FOUND')),
      );
    });
    await store.putMessage(message({ queueId: 2 }));
    await store.putMessages([message({ queueId: 1 }), message({ queueId: 1 })]);
    off();
    await store.putMessage(message({ queueId: 2 }));
    await Promise.all(checks);
    assert.deepEqual(seen, ['TopicTest/2@0', 'TopicTest/1@0', 'TopicTest/1@1']);
    assert.deepEqual(store.getQueueIds('TopicTest'), [1, 2]);
    await store.close();
  });
});

test("a queue's records interleaved with other queues' are read in runs: one pread per run, each record exact", async () => {
  await withTempDir(async (dir) => {
    let reads = 0;
    const io: FileIO = { ...nodeFileIO, read: (...args) => (reads++, nodeFileIO.read(...args)) };
    const store = await openStore(dir, { commitLogSegmentSize: 8 * 1024 * 1024 }, { fileIO: io });
    // 4 queues written in turn (as a producer spreads a topic): queue 1 holds every 4th record.
    for (let i = 0; i < 200; i++) {
      const put = await store.putMessage(message({ queueId: i % 4, body: Buffer.from(`m${i}`) }));
      assert.equal(put.status, 'PUT_OK');
    }
    // Then queue 2 records far apart: 300 KiB of queue 3 between each pair (far over the run limits).
    for (let i = 0; i < 6; i++) {
      await store.putMessage(message({ queueId: 2, body: Buffer.from(`far${i}`) }));
      for (let k = 0; k < 6; k++)
        await store.putMessage(message({ queueId: 3, body: Buffer.alloc(50 * 1024, k) }));
    }
    const bodies = (r: Awaited<ReturnType<MessageStore['getMessage']>>): string[] =>
      r.messages.map((m) => decodeMessageRecord(m, 0, { verifyCrc: true }).body.toString());
    reads = 0;
    const near = await store.getMessage('g', 'TopicTest', 1, 0n, 32);
    assert.equal(near.status, 'FOUND');
    assert.deepEqual(
      bodies(near),
      Array.from({ length: 32 }, (_, k) => `m${4 * k + 1}`),
    );
    assert.deepEqual(
      near.queueOffsets,
      Array.from({ length: 32 }, (_, k) => BigInt(k)),
    );
    assert.ok(reads <= 2, `${reads} reads: the consume-queue entries and one run of records`);
    reads = 0;
    const far = await store.getMessage('g', 'TopicTest', 2, 50n, 32);
    assert.deepEqual(
      bodies(far),
      Array.from({ length: 6 }, (_, k) => `far${k}`),
    );
    assert.ok(reads >= 6, `${reads} reads: records 300 KiB apart are not read as one run`);
    // Small records 40 KiB apart: joining them would read ~100x what the pull returns.
    for (let i = 0; i < 6; i++) {
      await store.putMessage(message({ queueId: 0, topic: 'Sparse', body: Buffer.from(`s${i}`) }));
      await store.putMessage(message({ queueId: 1, topic: 'Sparse', body: Buffer.alloc(40 * 1024, i) }));
    }
    reads = 0;
    const sparse = await store.getMessage('g', 'Sparse', 0, 0n, 32);
    assert.deepEqual(
      bodies(sparse),
      Array.from({ length: 6 }, (_, k) => `s${k}`),
    );
    assert.ok(reads >= 6, `${reads} reads: small records 40 KiB apart are read one by one`);
    await store.close();
  });
});
