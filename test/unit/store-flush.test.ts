import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessageRecord } from '../../src/protocol/message/record.js';
import { message, openStore, withTempDir } from '../helpers/store-fixtures.js';

test('SYNC_FLUSH group commit: N concurrent appends share fewer than N fsyncs', async () => {
  await withTempDir(async (dir) => {
    const store = await openStore(dir, { flushDiskType: 'SYNC_FLUSH' });
    const fsyncsBefore = store.counters.fsyncs;
    const N = 200;
    const results = await Promise.all(
      Array.from({ length: N }, (_, i) => store.putMessage(message({ body: Buffer.from(`m${i}`) }))),
    );
    assert.ok(results.every((r) => r.status === 'PUT_OK'));
    const fsyncs = store.counters.fsyncs - fsyncsBefore;
    assert.ok(fsyncs >= 1, 'at least one fsync covered the appends');
    assert.ok(fsyncs < N, `expected group commit, got ${fsyncs} fsyncs for ${N} appends`);
    assert.equal(store.counters.appends, N);
    await store.close();
  });
});

test('SYNC_FLUSH answers only after an fsync covering the record', async () => {
  await withTempDir(async (dir) => {
    let release: (() => void) | undefined;
    let blocked = false;
    const store = await openStore(
      dir,
      { flushDiskType: 'SYNC_FLUSH' },
      {
        fdatasync: () =>
          blocked
            ? new Promise<void>((resolve) => {
                release = resolve;
              })
            : Promise.resolve(),
      },
    );
    blocked = true;
    let settled = false;
    const put = store.putMessage(message()).then((r) => {
      settled = true;
      return r;
    });
    while (release === undefined) await new Promise((r) => setImmediate(r));
    // Written and pullable is not enough: the fsync is still pending.
    await new Promise((r) => setImmediate(r));
    assert.equal(settled, false);
    blocked = false;
    release();
    assert.equal((await put).status, 'PUT_OK');
    await store.close();
  });
});

test('SYNC_FLUSH: a flush slower than syncFlushTimeout answers FLUSH_DISK_TIMEOUT, data stays', async () => {
  await withTempDir(async (dir) => {
    // The fsync hangs until the test releases it, so the timeout always wins.
    const hanging: (() => void)[] = [];
    let hang = false;
    const store = await openStore(
      dir,
      { flushDiskType: 'SYNC_FLUSH', syncFlushTimeout: 30 },
      { fdatasync: () => (hang ? new Promise<void>((r) => hanging.push(r)) : Promise.resolve()) },
    );
    hang = true;
    const results = await Promise.all([store.putMessage(message()), store.putMessage(message())]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['FLUSH_DISK_TIMEOUT', 'FLUSH_DISK_TIMEOUT'],
    );
    assert.deepEqual(
      results.map((r) => r.queueOffset),
      [0n, 1n],
    );
    const got = await store.getMessage('g', 'TopicTest', 0, 0n, 32);
    assert.equal(got.messages.length, 2, 'the records were appended anyway');
    hang = false;
    for (const r of hanging.splice(0)) r();
    await store.close();
  });
});

test('SYNC_FLUSH: FLUSH_DISK_TIMEOUT is never answered before the record is written and readable', async () => {
  await withTempDir(async (dir) => {
    let releaseWrite: (() => void) | undefined;
    let slow = false;
    const store = await openStore(
      dir,
      { flushDiskType: 'SYNC_FLUSH', syncFlushTimeout: 20 },
      {
        beforeWrite: () =>
          slow
            ? new Promise<void>((resolve) => {
                releaseWrite = resolve;
              })
            : Promise.resolve(),
      },
    );
    slow = true;
    let settled = false;
    const put = store.putMessage(message()).then((r) => {
      settled = true;
      return r;
    });
    while (releaseWrite === undefined) await new Promise((r) => setImmediate(r));
    // Well past the 20 ms deadline, but the bytes are not written yet: no answer.
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(settled, false);
    slow = false;
    releaseWrite();
    const result = await put;
    assert.equal(result.status, 'FLUSH_DISK_TIMEOUT');
    const got = await store.getMessage('g', 'TopicTest', 0, result.queueOffset, 1);
    assert.equal(got.messages.length, 1, 'readable once answered');
    await store.close();
  });
});

test('SYNC_FLUSH with WAIT=false does not wait for the fsync', async () => {
  await withTempDir(async (dir) => {
    const hanging: (() => void)[] = [];
    let hang = false;
    const store = await openStore(
      dir,
      { flushDiskType: 'SYNC_FLUSH' },
      { fdatasync: () => (hang ? new Promise<void>((r) => hanging.push(r)) : Promise.resolve()) },
    );
    hang = true;
    const r = await store.putMessage(message({ waitStoreMsgOK: false }));
    assert.equal(r.status, 'PUT_OK');
    hang = false;
    for (const done of hanging.splice(0)) done();
    await store.close();
  });
});

test('ASYNC_FLUSH acknowledges after the write, fsync happens later (flush() or timer)', async () => {
  await withTempDir(async (dir) => {
    const store = await openStore(dir, {
      flushDiskType: 'ASYNC_FLUSH',
      flushIntervalCommitLog: 60_000,
      flushIntervalConsumeQueue: 60_000,
    });
    const before = store.counters.fsyncs;
    for (let i = 0; i < 20; i++) assert.equal((await store.putMessage(message())).status, 'PUT_OK');
    assert.equal(store.counters.fsyncs, before, 'no fsync per message');
    await store.flush();
    assert.equal(store.counters.fsyncs, before + 1);
    await store.close();
  });
});

test('concurrent appends over several queues: offsets strictly increasing without gaps', async () => {
  await withTempDir(async (dir) => {
    const store = await openStore(dir, { flushDiskType: 'SYNC_FLUSH', commitLogSegmentSize: 16 * 1024 });
    const queues = 4;
    const perQueue = 60;
    const puts = [];
    for (let i = 0; i < perQueue; i++) {
      for (let q = 0; q < queues; q++) {
        if (i % 10 === 0) {
          puts.push(
            store.putMessages(
              [0, 1, 2].map((k) => message({ queueId: q, body: Buffer.from(`${q}:${i}:${k}`) })),
            ),
          );
        } else {
          puts.push(store.putMessage(message({ queueId: q, body: Buffer.from(`${q}:${i}`) })));
        }
      }
    }
    const results = await Promise.all(puts);
    assert.ok(results.every((r) => r.status === 'PUT_OK'));
    const expectedCount = perQueue + (perQueue / 10) * 2;
    const phys = new Set<bigint>();
    for (let q = 0; q < queues; q++) {
      let offset = 0n;
      let lastPhys = -1n;
      for (;;) {
        const got = await store.getMessage('g', 'TopicTest', q, offset, 32);
        if (got.status !== 'FOUND') break;
        for (const m of got.messages) {
          const rec = decodeMessageRecord(m, 0, { verifyCrc: true });
          assert.equal(rec.queueId, q);
          assert.equal(rec.queueOffset, offset, 'queue offset matches position, no gaps');
          assert.ok(rec.physicalOffset > lastPhys, 'log order follows queue order');
          lastPhys = rec.physicalOffset;
          phys.add(rec.physicalOffset);
          offset++;
        }
      }
      assert.equal(offset, BigInt(expectedCount));
    }
    assert.equal(phys.size, queues * expectedCount, 'every record has its own position');
    await store.close();
  });
});
