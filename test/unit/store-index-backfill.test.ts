/**
 * The message index after a restart (index-backfill.ts): the records below the recovery walk (which
 * visits only the last 3 segments after a clean shutdown) are found by key again, with the answers a
 * store that never restarted gives, within the index bound; close, crash and retention during the
 * backfill; no backfill without an index.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { encodeProperties } from '../../src/protocol/message/properties.js';
import { decodeMessageRecord } from '../../src/protocol/message/record.js';
import { nodeFileIO } from '../../src/server/store/file-io.js';
import type { MessageStore, MessageStoreOptions } from '../../src/server/store/index.js';
import { scanLog, ScanReads } from '../../src/server/store/log-scan.js';
import { message, openLogForScan, openStore, withTempDir } from '../helpers/store-fixtures.js';

const SEGMENT = 64 * 1024;
const COUNT = 400; // ~1.1 KB records: 8 segments, the recovery walk visits the last 3
const T0 = new Date(2030, 0, 10, 4, 30).getTime(); // retention's deleteWhen hour ("04")
const ALL = { begin: 0, end: Number.MAX_SAFE_INTEGER };
/** Keys of records in every segment, keys shared by many, and a time window across segments. */
const KEYS = ['m0', 'm1', 'm60', 'm150', 'm230', 'm399', 'u5', 'u395', 'all', 'g0', 'g3', 'g9'];
const WINDOWS = [ALL, { begin: T0 + 50, end: T0 + 250 }];

/** A store whose clock gives every put its own store time (T0 + i for the i-th). */
async function open(dir: string, options: Partial<MessageStoreOptions> = {}): Promise<MessageStore> {
  let tick = T0;
  return openStore(
    dir,
    {
      commitLogSegmentSize: SEGMENT,
      deleteCommitLogFilesInterval: 0,
      deleteConsumeQueueFilesInterval: 0,
      ...options,
    },
    { now: () => tick++ },
  );
}

async function fill(store: MessageStore): Promise<void> {
  for (let i = 0; i < COUNT; i++) {
    const keys = { KEYS: `m${i} all g${i % 10}`, ...(i % 5 === 0 && { UNIQ_KEY: `u${i}` }) };
    const input = message({
      body: Buffer.from(`m${i}|`.padEnd(1000, '.')),
      properties: encodeProperties(keys),
    });
    assert.equal((await store.putMessage(input)).status, 'PUT_OK');
  }
}

/** Every answer of interest, as the found records' bodies (in the answer's log order). */
async function answers(store: MessageStore): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const key of KEYS) {
    for (const [w, window] of WINDOWS.entries()) {
      for (const maxNum of [1, 5, 64]) {
        const r = await store.queryMessage({ topic: 'TopicTest', key, maxNum, ...window });
        out[`${key} window ${w} max ${maxNum}`] = r.records.map(
          (b) => decodeMessageRecord(b).body.toString().split('|')[0]!,
        );
      }
    }
  }
  return out;
}

/** Fills a store, answers before closing it (a broker that never restarted), reopens it. */
async function restart(dir: string, options: Partial<MessageStoreOptions> = {}) {
  const first = await open(dir, options);
  await fill(first);
  const before = await answers(first);
  await first.close();
  const store = await open(dir, options);
  assert.ok(store.lastRecovery!.verifiedFrom >= 3 * SEGMENT, 'records below the recovery walk');
  return { store, before };
}

const turns = async (n: number): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

describe('message index after a restart', () => {
  it('finds records below the recovery walk again: the same answers as before the restart', async () => {
    await withTempDir(async (dir) => {
      const { store, before } = await restart(dir);
      try {
        const report = await store.whenIndexBackfilled();
        assert.equal(report?.outcome, 'complete');
        assert.equal(report.reached, 0);
        assert.deepEqual(await answers(store), before);
        const m0 = await store.queryMessage({ topic: 'TopicTest', key: 'm0', maxNum: 1, ...ALL });
        assert.equal(m0.records.length, 1, 'a key of the first segment');
      } finally {
        await store.close();
      }
    });
  });

  it('puts during the backfill go on top: answers as if the broker never restarted', async () => {
    await withTempDir(async (dir) => {
      const { store } = await restart(dir);
      try {
        const late = message({
          body: Buffer.from('late|'),
          properties: encodeProperties({ KEYS: 'all m0' }),
        });
        assert.equal((await store.putMessage(late)).status, 'PUT_OK'); // before the backfill's first slice
        await store.whenIndexBackfilled();
        const m0 = await store.queryMessage({ topic: 'TopicTest', key: 'm0', maxNum: 64, ...ALL });
        assert.deepEqual(
          m0.records.map((b) => decodeMessageRecord(b).body.toString().split('|')[0]),
          ['m0', 'late'],
        );
        const newest = await store.queryMessage({ topic: 'TopicTest', key: 'all', maxNum: 2, ...ALL });
        assert.deepEqual(
          newest.records.map((b) => decodeMessageRecord(b).body.toString().split('|')[0]),
          ['m399', 'late'],
        );
      } finally {
        await store.close();
      }
    });
  });

  it('an index bound below the records: the newest entries kept, as without a restart', async () => {
    await withTempDir(async (dir) => {
      // 3 entries a record (4 with a UNIQ_KEY): the walk fills ~530 of 900, the backfill the rest.
      const { store, before } = await restart(dir, { messageIndexMaxEntries: 900 });
      try {
        const report = await store.whenIndexBackfilled();
        assert.equal(report?.outcome, 'full');
        assert.ok(report.reached > 0);
        assert.deepEqual(await answers(store), before);
        assert.equal(
          (await store.queryMessage({ topic: 'TopicTest', key: 'm0', maxNum: 1, ...ALL })).records.length,
          0,
        );
      } finally {
        await store.close();
      }
    });
  });

  it('close() and a crash during the backfill stop it; the next open backfills again', async () => {
    await withTempDir(async (dir) => {
      const { store, before } = await restart(dir);
      await turns(2); // one segment or two walked
      await store.close();
      const stopped = await store.whenIndexBackfilled();
      assert.equal(stopped?.outcome, 'stopped');
      // Stopped part of the way down: some older records indexed, not all.
      assert.ok(stopped.entries > 0 && stopped.reached > 0, `reached ${stopped.reached}`);
      assert.ok(stopped.reached < store.lastRecovery!.verifiedFrom);

      const crashed = await open(dir);
      await turns(1);
      crashed.crashForTesting();
      assert.equal((await crashed.whenIndexBackfilled())?.outcome, 'stopped');

      const again = await open(dir);
      try {
        assert.equal((await again.whenIndexBackfilled())?.outcome, 'complete');
        assert.deepEqual(await answers(again), before);
      } finally {
        await again.close();
      }
    });
  });

  it('retention deleting old segments during the backfill: the rest of the records found, none deleted', async () => {
    await withTempDir(async (dir) => {
      const first = await open(dir);
      await fill(first);
      await first.close();
      const names = fs.readdirSync(path.join(dir, 'commitlog')).sort();
      // The first two segments expired (100 h old against the store's clock).
      names.forEach((name, i) => {
        const t = new Date(T0 - (i < 2 ? 100 : 0) * 3_600_000);
        fs.utimesSync(path.join(dir, 'commitlog', name), t, t);
      });
      // Retention at several points of the backfill, each on a copy of the store.
      for (const wait of [0, 1, 2, 3]) {
        const copy = `${dir}-${wait}`;
        fs.cpSync(dir, copy, { recursive: true, preserveTimestamps: true });
        try {
          const store = await open(copy);
          try {
            await turns(wait);
            assert.equal((await store.runRetention())?.commitLogFilesDeleted, 2);
            const report = await store.whenIndexBackfilled();
            assert.equal(report?.outcome, 'complete', `retention after ${wait} turns`);
            const found = async (key: string) =>
              (await store.queryMessage({ topic: 'TopicTest', key, maxNum: 64, ...ALL })).records.map((b) =>
                Number(decodeMessageRecord(b).physicalOffset),
              );
            assert.deepEqual(await found('m0'), []);
            const m150 = await found('m150'); // in the third segment, below the recovery walk
            assert.equal(m150.length, 1);
            assert.ok(m150[0]! >= 2 * SEGMENT && m150[0]! < 3 * SEGMENT);
            const all = await found('all');
            assert.equal(all.length, 64);
          } finally {
            await store.close();
          }
        } finally {
          fs.rmSync(copy, { recursive: true, force: true });
        }
      }
    });
  });

  it('a walk looks its segment up again after each turn: a segment detached meanwhile is not read', async () => {
    await withTempDir(async (dir) => {
      const segment = 2 * SEGMENT; // ~1,000 records of 129 bytes: the walk's first turn is inside it
      const first = await open(dir, { commitLogSegmentSize: segment });
      const batch = Array.from({ length: 100 }, () => message({ body: Buffer.from('x') }));
      for (let i = 0; i < 15; i++) assert.equal((await first.putMessages(batch)).status, 'PUT_OK');
      await first.close();
      const { log, limits } = openLogForScan(dir, segment);
      // The walk turns at its next look at the clock (every 512 items): the clock jumps at item 100.
      const clock = performance.now.bind(performance);
      let skew = 0;
      performance.now = () => clock() + skew;
      const walked: number[] = [];
      let detachedAt = -1;
      try {
        await scanLog(
          log,
          0,
          limits,
          {
            onItem: (item) => {
              walked.push(item.pos);
              if (walked.length === 100) skew = 60_000;
            },
            onDamage: () => assert.fail('no damage'),
          },
          new ScanReads(),
          {
            to: 2 * segment,
            turn: () => {
              // Retention (retention.ts) takes the first segment out and closes it.
              if (detachedAt < 0) {
                detachedAt = walked.length;
                nodeFileIO.closeSync(log.detachFirst()!.fd);
              }
              return Promise.resolve();
            },
          },
        );
      } finally {
        performance.now = clock;
        log.closeFiles();
      }
      assert.ok(
        walked.length < 1500 && walked.every((pos) => pos < segment),
        'a turn inside the first segment',
      );
      assert.equal(walked.length, detachedAt, 'nothing of the detached segment read after the turn');
    });
  });

  it('without an index (messageIndexEnable: false) nothing is backfilled', async () => {
    await withTempDir(async (dir) => {
      const first = await open(dir, { messageIndexEnable: false });
      await fill(first);
      await first.close();
      const store = await open(dir, { messageIndexEnable: false });
      try {
        assert.equal(await store.whenIndexBackfilled(), undefined);
        assert.deepEqual(
          (await store.queryMessage({ topic: 'TopicTest', key: 'm0', maxNum: 1, ...ALL })).records,
          [],
        );
      } finally {
        await store.close();
      }
    });
  });
});
