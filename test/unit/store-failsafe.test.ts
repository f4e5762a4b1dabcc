/**
 * Store behaviour when things go wrong: a crash during recovery, failing fsyncs, close() racing
 * reads. Failures are injected through StoreHooks or by wrapping node:fs functions for one call.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { MessageSysFlag } from '../../src/protocol/message/constants.js';
import { decodeMessageRecord } from '../../src/protocol/message/record.js';
import { ConfigStore } from '../../src/server/store/index.js';
import type { MessageStore } from '../../src/server/store/index.js';
import { message, openStore, withTempDir } from '../helpers/store-fixtures.js';

async function bodies(store: MessageStore, topic: string, queueId = 0): Promise<string[]> {
  const out: string[] = [];
  for (let offset = 0n; ;) {
    const got = await store.getMessage('g', topic, queueId, offset, 1000);
    if (got.status !== 'FOUND') return out;
    for (const m of got.messages) out.push(decodeMessageRecord(m, 0, { verifyCrc: true }).body.toString());
    offset = got.nextBeginOffset;
  }
}

/** Makes fs.openSync throw EIO when creating (flag wx+) a file matching `match` while `fn` runs. */
async function failingCreate<T>(match: (file: string) => boolean, fn: () => Promise<T>): Promise<T> {
  const original = fs.openSync;
  fs.openSync = ((file: fs.PathLike, ...rest: unknown[]) => {
    if (rest[0] === 'wx+' && match(String(file))) {
      throw Object.assign(new Error(`EIO: injected failure, open '${String(file)}'`), { code: 'EIO' });
    }
    return (original as (...a: unknown[]) => number)(file, ...rest);
  }) as typeof fs.openSync;
  try {
    return await fn();
  } finally {
    fs.openSync = original;
  }
}

test('a crash during a full consume-queue rebuild is followed by another full rebuild', async () => {
  await withTempDir(async (dir) => {
    // Layout: the victim queue A has records early in the log, then the rest of the log (the
    // re-verified last segment) holds only G. The rebuild dies at F's second consume-queue file.
    const opts = { commitLogSegmentSize: 8192, recoverVerifyFiles: 1, consumeQueueEntriesPerFile: 4 };
    const store = await openStore(dir, opts);
    const put = (topic: string, body: string, size = 10) =>
      store.putMessage(message({ topic, body: Buffer.from(body.padEnd(size, '.')) }));
    await put('G', 'g-0');
    for (let i = 0; i < 3; i++) await put('A', `a-${i}`);
    await put('D', 'd-0');
    for (let i = 0; i < 5; i++) await put('F', `f-${i}`);
    let a = 3;
    while (store.getCommitLogMaxOffset() < 8192n + 2000n) await put('A', `a-${a++}`, 1000);
    // Prepared transaction records (never in a consume queue) up to the third segment, then G only.
    const prepared = message({ topic: 'X', sysFlag: MessageSysFlag.TRANSACTION_PREPARED_TYPE });
    while (store.getCommitLogMaxOffset() < 2n * 8192n) await store.putMessage(prepared);
    let g = 1;
    while (store.getCommitLogMaxOffset() < 2n * 8192n + 2000n) await put('G', `g-${g++}`);
    await store.close();
    const expectA = (
      await (async () => {
        const s = await openStore(dir, opts);
        const b = await bodies(s, 'A');
        await s.close();
        return b;
      })()
    ).map((x) => x);
    assert.equal(expectA.length, a);

    // A deleted consume-queue directory forces a full rebuild, which "crashes" half way.
    fs.rmSync(path.join(dir, 'consumequeue', 'D'), { recursive: true });
    const secondFileOfF = path.join('consumequeue', 'F', '0', '00000000000000000080');
    await failingCreate(
      (file) => file.endsWith(secondFileOfF),
      () => assert.rejects(openStore(dir, opts), /injected failure/),
    );

    const again = await openStore(dir, opts);
    assert.equal(again.lastRecovery!.fullRebuild, true);
    assert.deepEqual(await bodies(again, 'A'), expectA);
    assert.equal((await bodies(again, 'G')).length, g);
    assert.deepEqual(await bodies(again, 'D'), ['d-0'.padEnd(10, '.')]);
    await again.close();
  });
});

test('close() releases files and the lock even when the final flush fails, keeping the abort marker', async () => {
  await withTempDir(async (dir) => {
    let failSync = false;
    const store = await openStore(
      dir,
      { flushDiskType: 'ASYNC_FLUSH', flushIntervalCommitLog: 60_000, flushIntervalConsumeQueue: 60_000 },
      {
        fdatasync: async () => {
          if (failSync) throw Object.assign(new Error('EIO: injected fdatasync failure'), { code: 'EIO' });
        },
      },
    );
    assert.equal((await store.putMessage(message({ body: Buffer.from('one') }))).status, 'PUT_OK');
    failSync = true;
    await assert.rejects(store.close(), /injected fdatasync failure/);
    assert.equal(store.isOpen, false);
    assert.equal(fs.existsSync(path.join(dir, 'lock')), false, 'lock released');
    assert.equal(fs.existsSync(path.join(dir, 'abort')), true, 'unclean: abort marker kept');
    assert.equal((await store.putMessage(message())).status, 'SERVICE_NOT_AVAILABLE');

    const again = await openStore(dir);
    assert.equal(again.lastRecovery!.cleanShutdown, false);
    assert.deepEqual(await bodies(again, 'TopicTest'), ['one']);
    await again.close();
  });
});

test('a failed consume-queue fsync stops the store from taking writes', async () => {
  await withTempDir(async (dir) => {
    let fail = false;
    const store = await openStore(
      dir,
      { flushDiskType: 'ASYNC_FLUSH', flushIntervalCommitLog: 60_000, flushIntervalConsumeQueue: 60_000 },
      {
        queueFdatasync: async () => {
          if (fail)
            throw Object.assign(new Error('EIO: injected consume-queue fdatasync failure'), { code: 'EIO' });
        },
      },
    );
    assert.equal((await store.putMessage(message({ body: Buffer.from('one') }))).status, 'PUT_OK');
    fail = true;
    await assert.rejects(store.flush(), /injected/);
    fail = false;
    // A later fsync that succeeds proves nothing about the pages the failed one lost.
    const next = await store.putMessage(message({ body: Buffer.from('two') }));
    assert.equal(next.status, 'SERVICE_NOT_AVAILABLE');
    assert.deepEqual(await bodies(store, 'TopicTest'), ['one'], 'reads still served');
    await store.close();
  });
});

test('a segment that could not be sized (disk full) is not left behind: the next put succeeds', async () => {
  await withTempDir(async (dir) => {
    const store = await openStore(dir);
    const original = fs.ftruncateSync;
    fs.ftruncateSync = (() => {
      throw Object.assign(new Error('ENOSPC: injected, no space left on device'), { code: 'ENOSPC' });
    }) as typeof fs.ftruncateSync;
    let first;
    try {
      first = await store.putMessage(message({ body: Buffer.from('one') }));
    } finally {
      fs.ftruncateSync = original;
    }
    assert.equal(first.status, 'CREATE_MAPPED_FILE_FAILED');
    const second = await store.putMessage(message({ body: Buffer.from('two') }));
    assert.equal(second.status, 'PUT_OK');
    assert.equal(second.physicalOffset, 0n);
    assert.deepEqual(await bodies(store, 'TopicTest'), ['two']);
    await store.close();
  });
});

test('close() waits for reads in flight before closing their files', async () => {
  await withTempDir(async (dir) => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let hold = false;
    const store = await openStore(dir, {}, { beforeRead: () => (hold ? gate : Promise.resolve()) });
    await store.putMessage(message({ body: Buffer.from('one') }));
    hold = true;
    const read = store.getMessage('g', 'TopicTest', 0, 0n, 32);
    let closed = false;
    const closing = store.close().then(() => (closed = true));
    // Without the wait close() finishes within a few milliseconds; give it ample time to do so.
    for (let i = 0; i < 30 && !closed; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(closed, false, 'close() waits for the read');
    await assert.rejects(store.getMessage('g', 'TopicTest', 0, 0n, 32), /closing/, 'new reads refused');
    release();
    const got = await read;
    assert.equal(got.status, 'FOUND');
    assert.equal(decodeMessageRecord(got.messages[0]!).body.toString(), 'one');
    await closing;
    assert.equal(closed, true);
  });
});

test('config store: a failed persist keeps the change dirty and a failing timer does not throw', async () => {
  await withTempDir(async (dir) => {
    const errors: string[] = [];
    const cs = new ConfigStore(dir, { persistIntervalMs: 5, onPersistError: (e) => errors.push(e.message) });
    cs.load();
    cs.commitOffset('g', 'TopicTest', 0, 42n);
    // The temp file of the atomic write cannot be created: a directory sits in its place.
    const obstacle = path.join(dir, 'config', 'consumerOffset.json.tmp');
    fs.mkdirSync(obstacle);
    assert.throws(() => cs.persist(), /EISDIR|illegal operation/);
    // The periodic persist hits the same error several times without an uncaught exception.
    for (let i = 0; i < 100 && errors.length < 3; i++) await new Promise((r) => setTimeout(r, 5));
    assert.ok(errors.length >= 3, `the timer reported its failures (${errors.length})`);
    fs.rmdirSync(obstacle);
    cs.close();
    const saved = JSON.parse(fs.readFileSync(path.join(dir, 'config', 'consumerOffset.json'), 'utf8'));
    assert.deepEqual(saved, { offsetTable: { 'TopicTest@g': { '0': 42 } } });
  });
});
