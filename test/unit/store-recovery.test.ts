import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { decodeMessageRecord } from '../../src/protocol/message/record.js';
import { MessageStore } from '../../src/server/store/index.js';
import type { PutResult } from '../../src/server/store/index.js';
import { nodeFileIO } from '../../src/server/store/file-io.js';
import type { FileIO } from '../../src/server/store/file-io.js';
import type { QueueTable } from '../../src/server/store/queue-table.js';
import { message, openStore, withTempDir } from '../helpers/store-fixtures.js';

const SEG = 64 * 1024;
const firstLog = (dir: string) => path.join(dir, 'commitlog', '00000000000000000000');

async function fill(store: MessageStore, n: number, queueId = 0, topic = 'TopicTest'): Promise<PutResult[]> {
  const out: PutResult[] = [];
  for (let i = 0; i < n; i++) {
    out.push(
      await store.putMessage(message({ topic, queueId, body: Buffer.from(`body-${i}`), tags: `T${i % 3}` })),
    );
  }
  return out;
}

async function bodies(store: MessageStore, queueId = 0, topic = 'TopicTest'): Promise<string[]> {
  const out: string[] = [];
  for (let offset = 0n; ;) {
    const got = await store.getMessage('g', topic, queueId, offset, 1000);
    if (got.status !== 'FOUND') return out;
    for (const m of got.messages) out.push(decodeMessageRecord(m, 0, { verifyCrc: true }).body.toString());
    offset = got.nextBeginOffset;
  }
}

const expected = (n: number) => Array.from({ length: n }, (_, i) => `body-${i}`);

function patchFile(file: string, pos: number, mutate: (b: Buffer) => void): void {
  const fd = fs.openSync(file, 'r+');
  const b = Buffer.alloc(4);
  fs.readSync(fd, b, 0, 4, pos);
  mutate(b);
  fs.writeSync(fd, b, 0, 4, pos);
  fs.closeSync(fd);
}

test('truncated tail: a file cut mid-record loses only that record', async () => {
  await withTempDir(async (dir) => {
    const store = await openStore(dir);
    const put = await fill(store, 10);
    await store.close();
    const last = Number(put[9]!.physicalOffset);
    fs.truncateSync(firstLog(dir), last + 30);

    const again = await openStore(dir);
    const rep = again.lastRecovery!;
    assert.equal(rep.logEnd, last);
    assert.equal(rep.tailTruncated, true);
    assert.equal(fs.statSync(firstLog(dir)).size, SEG, 'segment re-extended to full size');
    assert.equal(again.getMaxOffsetInQueue('TopicTest', 0), 9n);
    assert.deepEqual(await bodies(again), expected(9));
    const next = await again.putMessage(message({ body: Buffer.from('body-9') }));
    assert.equal(next.queueOffset, 9n);
    assert.equal(next.physicalOffset, BigInt(last));
    assert.deepEqual(await bodies(again), expected(10));
    await again.close();
  });
});

for (const [what, field, mutate] of [
  ['body CRC field', 8, (b: Buffer) => (b[3]! ^= 1)],
  ['magic code', 4, (b: Buffer) => (b[0]! ^= 0xff)],
  ['TOTALSIZE', 0, (b: Buffer) => b.writeInt32BE(b.readInt32BE(0) + 4)],
  ['physical offset', 32, (b: Buffer) => (b[3]! ^= 8)],
] as const) {
  test(`corrupted record (${what}): moved aside, the record after it is kept`, async () => {
    await withTempDir(async (dir) => {
      const store = await openStore(dir);
      const put = await fill(store, 8);
      await store.close();
      const bad = Number(put[6]!.physicalOffset);
      const size = put[6]!.storeSize;
      const original = fs.readFileSync(firstLog(dir)).subarray(bad, bad + size);
      patchFile(firstLog(dir), bad + field, mutate);
      const damaged = fs.readFileSync(firstLog(dir)).subarray(bad, bad + size);

      const again = await openStore(dir);
      const rep = again.lastRecovery!;
      assert.equal(rep.logEnd, Number(put[7]!.physicalOffset) + put[7]!.storeSize);
      assert.equal(rep.skipped.length, 1);
      const [skipped] = rep.skipped;
      assert.deepEqual(
        { ...skipped, savedAs: undefined },
        {
          offset: bad,
          length: size,
          kind: 'corrupt',
          savedAs: undefined,
        },
      );
      assert.deepEqual(fs.readFileSync(skipped!.savedAs!), damaged, 'the damaged bytes are kept aside');
      assert.notDeepEqual(damaged, original);
      assert.equal(again.getMaxOffsetInQueue('TopicTest', 0), 8n, 'the lost message keeps its offset');
      assert.deepEqual(await bodies(again), [...expected(6), 'body-7']);
      assert.equal(await again.lookMessageByOffset(BigInt(bad)), undefined, 'nothing served at the damage');
      assert.equal((await again.putMessage(message())).queueOffset, 8n);
      await again.close();
      // Found once: the next start finds a void there, reports nothing, serves the same.
      const third = await openStore(dir);
      assert.deepEqual(third.lastRecovery!.skipped, []);
      assert.deepEqual((await bodies(third)).slice(0, 7), [...expected(6), 'body-7']);
      await third.close();
    });
  });
}

test('corrupted body byte (CRC mismatch) in the tail', async () => {
  await withTempDir(async (dir) => {
    const store = await openStore(dir);
    const put = await fill(store, 5);
    await store.close();
    const rec = Number(put[4]!.physicalOffset);
    patchFile(firstLog(dir), rec + 88, (b) => (b[0]! ^= 0x20)); // first body byte (IPv4 record)
    const again = await openStore(dir);
    assert.deepEqual(await bodies(again), expected(4));
    await again.close();
  });
});

test('deleted consume-queue directory: full rebuild with identical entries', async () => {
  await withTempDir(async (dir) => {
    const store = await openStore(dir);
    await fill(store, 12, 0);
    await fill(store, 5, 1);
    await fill(store, 3, 0, 'Other');
    await store.close();
    const cqFile = path.join(dir, 'consumequeue', 'TopicTest', '0', '00000000000000000000');
    const before = fs.readFileSync(cqFile);

    fs.rmSync(path.join(dir, 'consumequeue', 'Other'), { recursive: true });
    let again = await openStore(dir);
    assert.equal(again.lastRecovery!.fullRebuild, true, 'one queue fewer than the checkpoint recorded');
    assert.deepEqual(await bodies(again, 0, 'Other'), expected(3));
    await again.close();

    fs.rmSync(path.join(dir, 'consumequeue'), { recursive: true });
    again = await openStore(dir);
    assert.equal(again.lastRecovery!.fullRebuild, true);
    assert.deepEqual(fs.readFileSync(cqFile), before);
    assert.deepEqual(await bodies(again, 0), expected(12));
    assert.deepEqual(await bodies(again, 1), expected(5));
    assert.deepEqual(again.getQueueIds('TopicTest'), [0, 1]);
    assert.equal((await again.putMessage(message({ queueId: 1 }))).queueOffset, 5n);
    await again.close();
  });
});

test('consume-queue entries missing after a crash are re-dispatched', async () => {
  await withTempDir(async (dir) => {
    const store = await openStore(dir);
    await fill(store, 10);
    await store.flush(); // the entries reach the file
    store.crashForTesting();
    // Lose the last three entries, as if the process died between log write and queue write.
    const cqFile = path.join(dir, 'consumequeue', 'TopicTest', '0', '00000000000000000000');
    const fd = fs.openSync(cqFile, 'r+');
    fs.writeSync(fd, Buffer.alloc(60), 0, 60, 7 * 20);
    fs.closeSync(fd);

    const again = await openStore(dir);
    const rep = again.lastRecovery!;
    assert.equal(rep.cleanShutdown, false);
    assert.equal(rep.redispatched, 3);
    assert.equal(rep.fullRebuild, false);
    assert.deepEqual(await bodies(again), expected(10));
    await again.close();
  });
});

test('entries still in memory at a crash (appended after the last checkpoint) are re-dispatched', async () => {
  await withTempDir(async (dir) => {
    const store = await openStore(dir, { flushIntervalConsumeQueue: 3_600_000 }); // no timer checkpoint
    await fill(store, 4);
    await store.flush();
    for (let i = 4; i < 10; i++) {
      const r = await store.putMessage(
        message({ topic: 'TopicTest', queueId: 0, body: Buffer.from(`body-${i}`) }),
      );
      assert.equal(r.status, 'PUT_OK');
    }
    const cqFile = path.join(dir, 'consumequeue', 'TopicTest', '0', '00000000000000000000');
    const written = fs.readFileSync(cqFile);
    assert.ok(
      written.subarray(0, 4 * 20).some((b) => b !== 0),
      'the checkpoint wrote the first four',
    );
    assert.ok(
      written.subarray(4 * 20, 10 * 20).every((b) => b === 0),
      'the last six were pending',
    );
    assert.deepEqual(await bodies(store), expected(10), 'pending entries are read from memory');
    store.crashForTesting();

    const again = await openStore(dir);
    assert.equal(again.lastRecovery!.redispatched, 6);
    assert.equal(again.lastRecovery!.fullRebuild, false);
    assert.deepEqual(await bodies(again), expected(10));
    await again.close();
  });
});

test('queue gap behind the verified region triggers a full rebuild', async () => {
  await withTempDir(async (dir) => {
    const opts = { recoverVerifyFiles: 1, commitLogSegmentSize: 8192 };
    const store = await openStore(dir, opts);
    const put = await fill(store, 200);
    await store.close();
    assert.ok(Number(put[199]!.physicalOffset) > 2 * 8192, 'spans at least three segments');
    // Drop entries 10.. (records of the first segment): the walk of the last segment finds a gap.
    const cqFile = path.join(dir, 'consumequeue', 'TopicTest', '0', '00000000000000000000');
    const fd = fs.openSync(cqFile, 'r+');
    fs.writeSync(fd, Buffer.alloc(190 * 20), 0, 190 * 20, 10 * 20);
    fs.closeSync(fd);
    const again = await openStore(dir, opts);
    assert.equal(again.lastRecovery!.fullRebuild, true);
    assert.deepEqual(await bodies(again), expected(200));
    await again.close();
  });
});

test('missing checkpoint: full rebuild, data intact', async () => {
  await withTempDir(async (dir) => {
    const store = await openStore(dir);
    await fill(store, 4);
    await store.close();
    fs.rmSync(path.join(dir, 'checkpoint'));
    const again = await openStore(dir);
    assert.equal(again.lastRecovery!.fullRebuild, true);
    assert.deepEqual(await bodies(again), expected(4));
    await again.close();
  });
});

test('unclean shutdown without damage: everything written is recovered', async () => {
  await withTempDir(async (dir) => {
    const store = await openStore(dir, { flushDiskType: 'ASYNC_FLUSH', flushIntervalCommitLog: 60_000 });
    await fill(store, 30);
    store.crashForTesting();
    const again = await openStore(dir);
    assert.equal(again.lastRecovery!.cleanShutdown, false);
    assert.equal(again.lastRecovery!.tailTruncated, false);
    assert.deepEqual(await bodies(again), expected(30));
    await again.close();
  });
});

test('consume-queue entries pointing past the log end are dropped', async () => {
  await withTempDir(async (dir) => {
    const store = await openStore(dir);
    const put = await fill(store, 6);
    await store.close();
    // Zero the last two records entirely (never reached the disk) while their entries exist.
    const from = Number(put[4]!.physicalOffset);
    const fd = fs.openSync(firstLog(dir), 'r+');
    fs.writeSync(fd, Buffer.alloc(SEG - from), 0, SEG - from, from);
    fs.closeSync(fd);
    const again = await openStore(dir);
    assert.equal(again.lastRecovery!.tailTruncated, false);
    assert.equal(again.getMaxOffsetInQueue('TopicTest', 0), 4n);
    const got = await again.getMessage('g', 'TopicTest', 0, 4n, 10);
    assert.equal(got.status, 'OFFSET_OVERFLOW_ONE');
    await again.close();
  });
});

test('crash around a segment roll: missing blank or missing/empty next file', async () => {
  await withTempDir(async (dir) => {
    const store = await openStore(dir);
    const put: PutResult[] = [];
    for (let i = 0; put.length === 0 || put[put.length - 1]!.physicalOffset < BigInt(SEG); i++) {
      put.push(await store.putMessage(message({ body: Buffer.alloc(900, i) })));
    }
    await store.close();
    const n = put.length; // the last record is the first of the second file
    const blankAt = Number(put[n - 2]!.physicalOffset) + put[n - 2]!.storeSize;
    const second = path.join(dir, 'commitlog', '00000000000000065536');

    // 1. The first record of the new file never reached it: the blank is kept, the file is empty.
    const fd = fs.openSync(second, 'r+');
    fs.writeSync(fd, Buffer.alloc(put[n - 1]!.storeSize), 0, put[n - 1]!.storeSize, 0);
    fs.closeSync(fd);
    let again = await openStore(dir);
    assert.equal(again.lastRecovery!.logEnd, SEG);
    assert.equal(again.getMaxOffsetInQueue('TopicTest', 0), BigInt(n - 1));
    assert.equal((await again.putMessage(message())).physicalOffset, BigInt(SEG));
    await again.close();

    // 2. Neither the blank nor the new file exist: the roll is redone.
    fs.rmSync(second);
    const fd2 = fs.openSync(firstLog(dir), 'r+');
    fs.writeSync(fd2, Buffer.alloc(8), 0, 8, blankAt);
    fs.closeSync(fd2);
    again = await openStore(dir);
    assert.equal(again.lastRecovery!.logEnd, blankAt);
    assert.equal(again.getMaxOffsetInQueue('TopicTest', 0), BigInt(n - 1));
    const r = await again.putMessage(message({ body: Buffer.alloc(900) }));
    assert.equal(r.physicalOffset, BigInt(SEG));
    assert.equal(r.queueOffset, BigInt(n - 1));
    assert.deepEqual(fs.readdirSync(path.join(dir, 'commitlog')).sort(), [
      '00000000000000000000',
      '00000000000000065536',
    ]);
    await again.close();
  });
});

test('start-up reads the log and the consume queues in blocks, not a pread or two per record', async () => {
  await withTempDir(async (dir) => {
    const opts = { commitLogSegmentSize: 8 * 1024 * 1024 };
    const first = await openStore(dir, opts);
    for (let q = 0; q < 4; q++) await fill(first, 500, q);
    await first.close();
    let reads = 0;
    const io: FileIO = { ...nodeFileIO, readSync: (...args) => (reads++, nodeFileIO.readSync(...args)) };
    const store = new MessageStore(
      { storePathRootDir: dir, consumeQueueEntriesPerFile: 1000, ...opts },
      { fileIO: io },
    );
    const report = await store.open();
    assert.equal(report.recordsVerified, 2000);
    assert.equal(report.redispatched, 0);
    assert.ok(reads < 100, `${reads} reads to verify 2,000 records against 4 queues`);
    // No queue keeps its read-ahead block (64 KiB each, kept until its next write otherwise).
    const queues = (store as unknown as { rt: { queues: QueueTable } }).rt.queues;
    const blocks = [...queues.all()].filter((cq) => (cq as unknown as { readBlock?: unknown }).readBlock);
    assert.equal(blocks.length, 0, 'read-ahead blocks dropped after recovery');
    assert.equal((await bodies(store, 3)).length, 500);
    await store.close();
  });
});

test('recovery returns to the event loop while it walks the log, and close() during open() waits for it', async () => {
  await withTempDir(async (dir) => {
    const options = { commitLogSegmentSize: 8 * 1024 * 1024, consumeQueueEntriesPerFile: 100_000 };
    const store = await openStore(dir, options);
    // 40,000 puts in flight at once, a few hundred at a time: written in large batches.
    for (let i = 0; i < 40_000; i += 500) {
      const puts = Array.from({ length: 500 }, (_, k) =>
        store.putMessage(message({ body: Buffer.from(`body-${i + k}`) })),
      );
      for (const p of puts) assert.equal((await p).status, 'PUT_OK');
    }
    await store.close();

    const again = new MessageStore({ storePathRootDir: dir, ...options });
    let ticks = 0;
    let opened = false;
    const tick = (): void => {
      if (opened) return;
      ticks++;
      setImmediate(tick);
    };
    setImmediate(tick);
    const opening = again.open().then((report) => {
      opened = true;
      return report;
    });
    const closing = again.close(); // asked while the walk is under way
    const report = await opening;
    assert.equal(report.recordsVerified, 40_000);
    // A walk of this size takes well over one 20 ms slice: other callbacks ran in between.
    assert.ok(ticks > 1, `${ticks} event-loop turns during recovery`);
    await closing;
    assert.equal(again.isOpen, false, 'close() during open() closes the store once it is open');
    const third = await openStore(dir, options);
    assert.equal(third.lastRecovery?.cleanShutdown, true, 'that close() was a clean shutdown');
    await third.close();
  });
});
