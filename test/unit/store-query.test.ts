/**
 * MessageStore.queryMessage (store-query.ts) with retention: records of deleted commit-log segments
 * are never returned.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { decodeMessageRecord } from '../../src/protocol/message/record.js';
import { encodeProperties } from '../../src/protocol/message/properties.js';
import { message, openStore, withTempDir } from '../helpers/store-fixtures.js';

const SEGMENT = 64 * 1024;
const ALL = { begin: 0, end: Number.MAX_SAFE_INTEGER };

test('records in deleted commit-log segments are not returned', async () => {
  await withTempDir(async (dir) => {
    const now = new Date(2030, 0, 10, 4, 30).getTime();
    const store = await openStore(
      dir,
      { commitLogSegmentSize: SEGMENT, deleteCommitLogFilesInterval: 0, deleteConsumeQueueFilesInterval: 0 },
      { now: () => now },
    );
    try {
      for (let i = 0; i < 150; i++) {
        const body = Buffer.from(`m${i}|`.padEnd(1000, '.'));
        const properties = encodeProperties({ KEYS: `m${i} all` });
        assert.equal((await store.putMessage(message({ body, properties }))).status, 'PUT_OK');
      }
      await store.flush();
      const query = (key: string, maxNum = 64) =>
        store.queryMessage({ topic: 'TopicTest', key, maxNum, ...ALL }).then((r) => r.records);
      assert.equal((await query('m0')).length, 1);
      // The first segment expired: retention deletes it.
      // (File times against the store's clock: the first segment 100 h old, the others new.)
      fs.readdirSync(path.join(dir, 'commitlog'))
        .sort()
        .forEach((name, i) => {
          const t = new Date(now - (i === 0 ? 100 : 0) * 3_600_000);
          fs.utimesSync(path.join(dir, 'commitlog', name), t, t);
        });
      assert.equal((await store.runRetention())?.commitLogFilesDeleted, 1);
      assert.equal(store.getCommitLogMinOffset(), BigInt(SEGMENT));
      assert.deepEqual(await query('m0'), []);
      const last = await query('m149');
      assert.equal(decodeMessageRecord(last[0]!).body.toString().split('|')[0], 'm149');
      // By the key all share: only records at or after the new first offset, oldest first.
      const kept = await query('all', 1000);
      assert.equal(kept.length, 64);
      const offsets = kept.map((r) => Number(decodeMessageRecord(r).physicalOffset));
      assert.ok(offsets.every((o, i) => o >= SEGMENT && (i === 0 || o > offsets[i - 1]!)));
    } finally {
      await store.close();
    }
  });
});
