/**
 * Consume-queue entries held in memory before they reach the file (src/server/store/pending-entries.ts):
 * every read sees them, they are written in one write when the buffer is full, when the queue moves to
 * its next file and when asked (checkpoints), truncation and rewrites apply to them, and a failed write
 * keeps them pending.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ConsumeQueue, CQ_ENTRY_SIZE, decodeEntry } from '../../src/server/store/consume-queue.js';
import type { FileIO } from '../../src/server/store/file-io.js';
import { nodeFileIO } from '../../src/server/store/file-io.js';
import type { CqEntry } from '../../src/server/store/consume-queue.js';
import { PENDING_CAPACITY_BYTES } from '../../src/server/store/pending-entries.js';
import { silentLogger } from '../../src/common/logger.js';
import { FaultyFileIO } from '../helpers/faulty-fs.js';
import { message, openStore, withTempDir } from '../helpers/store-fixtures.js';

const PER_BUFFER = PENDING_CAPACITY_BYTES / CQ_ENTRY_SIZE;
const entry = (i: number): CqEntry => ({ phys: i * 100, size: 100, tagsCode: i % 3 === 0 ? 0n : BigInt(-i) });
const entries = (from: number, n: number): CqEntry[] => Array.from({ length: n }, (_, k) => entry(from + k));

function openQueue(dir: string, faulty: FaultyFileIO, entriesPerFile: number): ConsumeQueue {
  const cq = new ConsumeQueue(faulty.io, path.join(dir, 'consumequeue'), 'T', 0, entriesPerFile);
  cq.load();
  return cq;
}

async function readAll(cq: ConsumeQueue, from: number, max: number): Promise<CqEntry[]> {
  const out: CqEntry[] = [];
  for (let o = from; o < cq.maxOffset && out.length < max;) {
    const buf = await cq.readEntries(o, max - out.length);
    assert.ok(buf !== undefined && buf.length > 0, `entries at ${o}`);
    for (let at = 0; at < buf.length; at += CQ_ENTRY_SIZE) out.push(decodeEntry(buf, at));
    o += buf.length / CQ_ENTRY_SIZE;
  }
  return out;
}

/** Entries in the queue's first file as written there (zeros past what reached it). */
function fileEntries(dir: string, count: number): CqEntry[] {
  const buf = fs.readFileSync(path.join(dir, 'consumequeue', 'T', '0', '00000000000000000000'));
  return Array.from({ length: count }, (_, i) => decodeEntry(buf, i * CQ_ENTRY_SIZE));
}

function countWrites(faulty: FaultyFileIO): { readonly n: number } {
  const counter = { n: 0 };
  faulty.fail('writeSync', 'EIO', () => {
    counter.n++;
    return false;
  });
  return counter;
}

test('appends stay in memory until the buffer is full; reads across file and memory see every entry', async () => {
  await withTempDir(async (dir) => {
    const faulty = new FaultyFileIO();
    const cq = openQueue(dir, faulty, 10_000);
    const writes = countWrites(faulty);
    for (let i = 0; i < PER_BUFFER; i += 7) cq.append(entries(i, Math.min(7, PER_BUFFER - i)));
    assert.equal(writes.n, 0, 'a full buffer waits for the next append');
    cq.append(entries(PER_BUFFER, 5));
    assert.equal(writes.n, 1, 'one write for the whole buffer');
    assert.deepEqual(fileEntries(dir, PER_BUFFER + 1).at(-1), { phys: 0, size: 0, tagsCode: 0n });
    assert.deepEqual(fileEntries(dir, PER_BUFFER).at(-1), entry(PER_BUFFER - 1));
    // A read that starts in the file and ends in memory, one inside memory, one inside the file.
    assert.deepEqual(await readAll(cq, PER_BUFFER - 3, 8), entries(PER_BUFFER - 3, 8));
    assert.deepEqual(await readAll(cq, PER_BUFFER + 1, 3), entries(PER_BUFFER + 1, 3));
    assert.deepEqual(await readAll(cq, 0, 32), entries(0, 32));
    assert.deepEqual(cq.entryAtSync(PER_BUFFER + 4), entry(PER_BUFFER + 4));
    assert.equal(cq.maxOffset, PER_BUFFER + 5);
    assert.equal(cq.maxPhysicEnd, (PER_BUFFER + 4) * 100 + 100);
    cq.writePending();
    assert.equal(writes.n, 2);
    assert.deepEqual(fileEntries(dir, PER_BUFFER + 5), entries(0, PER_BUFFER + 5));
    cq.close();
  });
});

test('moving to the next file writes the previous file’s entries first; an append larger than the buffer goes straight to the file', async () => {
  await withTempDir(async (dir) => {
    const faulty = new FaultyFileIO();
    const cq = openQueue(dir, faulty, 50);
    const writes = countWrites(faulty);
    cq.append(entries(0, 30));
    cq.append(entries(30, 40)); // 20 fill the first file, 20 start the second
    assert.equal(writes.n, 1, 'the first file’s 50 entries in one write');
    assert.deepEqual(fileEntries(dir, 50), entries(0, 50));
    assert.deepEqual(await readAll(cq, 45, 20), entries(45, 20));
    const big = PER_BUFFER + 10;
    const wide = openQueue(path.join(dir, 'wide'), faulty, 10_000);
    wide.append(entries(0, big));
    assert.equal(writes.n, 2, 'written at once');
    assert.deepEqual(await readAll(wide, 0, big), entries(0, big));
    cq.close();
    wide.close();
  });
});

test('truncation and rewrites apply to pending entries; truncation before them drops them all', async () => {
  await withTempDir(async (dir) => {
    const faulty = new FaultyFileIO();
    const cq = openQueue(dir, faulty, 10_000);
    cq.append(entries(0, 10));
    cq.writePending();
    cq.append(entries(10, 10));
    cq.truncateTo(15);
    assert.equal(cq.maxOffset, 15);
    assert.equal(cq.maxPhysicEnd, 14 * 100 + 100);
    const hole: CqEntry = { phys: 7, size: 8, tagsCode: 0n };
    cq.rewriteEntrySync(12, hole);
    assert.deepEqual(cq.entryAtSync(12), hole);
    cq.append(entries(15, 2)); // continues after the truncated tail
    assert.deepEqual(await readAll(cq, 10, 10), [...entries(10, 2), hole, ...entries(13, 4)]);
    cq.truncateTo(5); // before the pending entries: they go, and the file's entries after 5
    assert.equal(cq.maxOffset, 5);
    assert.equal(cq.maxPhysicEnd, 500);
    cq.append(entries(5, 1));
    cq.writePending();
    assert.deepEqual(fileEntries(dir, 7), [...entries(0, 6), { phys: 0, size: 0, tagsCode: 0n }]);
    cq.close();
  });
});

test('a write that fails keeps the entries pending and readable; a later write stores them', async () => {
  await withTempDir(async (dir) => {
    const faulty = new FaultyFileIO();
    const cq = openQueue(dir, faulty, 10_000);
    cq.append(entries(0, 10));
    faulty.fail(
      'writeSync',
      'EIO',
      (args, paths) => paths.get(args[0] as number)?.includes('consumequeue') ?? false,
      1,
    );
    assert.throws(() => cq.writePending(), /EIO/);
    assert.deepEqual(await readAll(cq, 0, 10), entries(0, 10));
    cq.append(entries(10, 2));
    cq.writePending();
    assert.deepEqual(fileEntries(dir, 12), entries(0, 12));
    cq.close();
  });
});

test('a store whose checkpoint cannot write the entries keeps taking puts and writes them later', async () => {
  await withTempDir(async (dir) => {
    const faulty = new FaultyFileIO();
    const store = await openStore(dir, {}, { fileIO: faulty.io });
    const put = (body: string) =>
      store.putMessage(message({ topic: 'C', queueId: 0, body: Buffer.from(body) }));
    assert.equal((await put('a')).status, 'PUT_OK');
    const toQueue = (args: unknown[], paths: Map<number, string>) =>
      paths.get(args[0] as number)?.includes('consumequeue') ?? false;
    faulty.fail('writeSync', 'EIO', toQueue, 1);
    await assert.rejects(store.flush(), /EIO/);
    assert.equal((await put('b')).status, 'PUT_OK', 'not a fatal failure');
    await store.flush();
    await store.close();
    const again = await openStore(dir);
    assert.equal(again.lastRecovery!.redispatched, 0, 'both entries were written before the close');
    assert.equal(again.getMaxOffsetInQueue('C', 0), 2n);
    await again.close();
  });
});

test('a write that stops half way while moving to the next file: the undo leaves no entry and no file behind', async () => {
  await withTempDir(async (dir) => {
    // The pending write of the first file writes 800 bytes (entries 0..39), then fails.
    let shortWrite = false;
    const io: FileIO = {
      ...nodeFileIO,
      writeSync(fd, buf, offset, length, position) {
        if (!shortWrite) return nodeFileIO.writeSync(fd, buf, offset, length, position);
        if (position === 0) return nodeFileIO.writeSync(fd, buf, offset, Math.min(length, 800), position);
        throw Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' });
      },
    };
    const cq = new ConsumeQueue(io, path.join(dir, 'consumequeue'), 'T', 0, 50);
    cq.load();
    cq.append(entries(0, 30)); // answered puts, pending
    shortWrite = true;
    assert.throws(() => cq.append(entries(30, 40)), /EIO/); // 20 fill file 0, 20 would start file 1
    shortWrite = false;
    cq.truncateTo(30); // what StagedDispatch does after a failed append
    assert.equal(cq.maxOffset, 30);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'consumequeue', 'T', '0')), ['00000000000000000000']);
    const raw = fs.readFileSync(path.join(dir, 'consumequeue', 'T', '0', '00000000000000000000'));
    assert.ok(
      raw.subarray(30 * CQ_ENTRY_SIZE).every((b) => b === 0),
      'the refused entries were zeroed',
    );
    assert.deepEqual(await readAll(cq, 0, 30), entries(0, 30));
    cq.writePending();
    cq.close();
    const again = openQueue(dir, new FaultyFileIO(), 50);
    assert.equal(again.maxOffset, 30);
    assert.deepEqual(await readAll(again, 0, 30), entries(0, 30));
    again.close();
  });
});

test('a checkpoint taken while a put is half written vouches only for dispatched puts', async () => {
  await withTempDir(async (dir) => {
    // One write per queued buffer, and a put that straddles a segment end (record | blank | record):
    // the checkpoint runs while its second part waits to be written.
    let writes = 0;
    let holdAt = Infinity;
    let release: (() => void) | undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const beforeWrite = (): Promise<void> => (++writes === holdAt ? held : Promise.resolve());
    const opts = { maxWriteBatchBytes: 1, recoverVerifyFiles: 1, flushIntervalConsumeQueue: 3_600_000 };
    const store = await openStore(dir, opts, { beforeWrite });
    const body = Buffer.alloc(3000, 0x61);
    let n = 0;
    const fill = () =>
      store.putMessage(message({ topic: 'S', queueId: 0, body: Buffer.from(`${n++}`.padEnd(3000, 'x')) }));
    while (store.getMaxOffsetInQueue('S', 0) < 20n) assert.equal((await fill()).status, 'PUT_OK'); // ~60 KiB of 64
    holdAt = writes + 2; // the blank's write, after the first record's
    const straddling = store.putMessages(
      [0, 1, 2].map((i) =>
        message({ topic: 'S', queueId: 0, body: Buffer.concat([Buffer.from(`b${i}`), body]) }),
      ),
    );
    while (writes < holdAt) await new Promise((resolve) => setImmediate(resolve));
    const checkpoint = store.flush(); // takes its position now; its fsync waits for the held write
    release!();
    await checkpoint;
    assert.equal((await straddling).status, 'PUT_OK');
    store.crashForTesting();
    const again = await openStore(dir, opts);
    assert.equal(again.lastRecovery!.fullRebuild, false, 'the walk starts before the straddling put');
    assert.equal(again.getMaxOffsetInQueue('S', 0), 23n);
    await again.close();
  });
});

test('a failed checkpoint write is logged', async () => {
  await withTempDir(async (dir) => {
    const faulty = new FaultyFileIO();
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (_o: unknown, msg?: string) => void warnings.push(String(msg)) };
    const store = await openStore(dir, {}, { fileIO: faulty.io, logger });
    await store.putMessage(message({ topic: 'C', queueId: 0, body: Buffer.from('a') }));
    faulty.fail(
      'writeSync',
      'EIO',
      (args, paths) => paths.get(args[0] as number)?.includes('consumequeue') ?? false,
      1,
    );
    await assert.rejects(store.flush(), /EIO/);
    assert.ok(
      warnings.some((w) => /consume-queue entries could not be written/.test(w)),
      warnings.join('; '),
    );
    await store.close();
  });
});

test("entryAtSync's read-ahead never serves an entry a write changed since (rewrite, a large append)", async () => {
  await withTempDir(async (dir) => {
    let reads = 0;
    const io: FileIO = { ...nodeFileIO, readSync: (...args) => (reads++, nodeFileIO.readSync(...args)) };
    const cq = new ConsumeQueue(io, path.join(dir, 'consumequeue'), 'T', 0, 10_000);
    cq.load();
    cq.append(entries(0, 20));
    cq.writePending();
    reads = 0;
    for (let o = 0; o < 20; o++) assert.deepEqual(cq.entryAtSync(o, true), entry(o));
    assert.equal(reads, 1, 'twenty entries in order: one read');
    // A rewrite of an entry the block holds.
    const hole: CqEntry = { phys: 7, size: 8, tagsCode: 0n };
    cq.rewriteEntrySync(12, hole);
    assert.deepEqual(cq.entryAtSync(12), hole);
    // An append larger than the pending buffer goes straight to the file, past the block's old end.
    assert.deepEqual(cq.entryAtSync(19, true), entry(19)); // the block again covers 19 and the zeros after it
    cq.append(entries(20, PER_BUFFER + 5));
    assert.deepEqual(cq.entryAtSync(21), entry(21));
    assert.deepEqual(cq.entryAtSync(20 + PER_BUFFER + 4), entry(20 + PER_BUFFER + 4));
    cq.close();
  });
});
