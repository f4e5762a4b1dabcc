/**
 * Synchronous commit-log writes (sync-writes.ts): small batches are written synchronously, large ones
 * and every write during the cooldown after a slow one go through the thread pool; what is stored is
 * the same either way. Puts submitted in one turn share one write.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessageRecord } from '../../src/protocol/message/record.js';
import { nodeFileIO } from '../../src/server/store/file-io.js';
import type { FileIO } from '../../src/server/store/file-io.js';
import {
  ASYNC_COOLDOWN_MILLIS,
  SLOW_WRITE_MILLIS,
  SYNC_WRITE_MAX_BYTES,
  SyncWrites,
} from '../../src/server/store/sync-writes.js';
import { message, openStore, withTempDir } from '../helpers/store-fixtures.js';

describe('synchronous commit-log writes', () => {
  it('small writes go synchronously; a slow one sends writes to the thread pool for the cooldown', () => {
    let now = 1000;
    const writes = new SyncWrites(() => now);
    assert.equal(writes.allows(100), true);
    assert.equal(writes.allows(SYNC_WRITE_MAX_BYTES), true);
    assert.equal(writes.allows(SYNC_WRITE_MAX_BYTES + 1), false, 'a large batch goes to the thread pool');
    writes.run(() => (now += SLOW_WRITE_MILLIS)); // exactly the limit: not slow
    assert.equal(writes.allows(100), true);
    writes.run(() => (now += SLOW_WRITE_MILLIS + 1));
    assert.equal(writes.slowWrites, 1);
    assert.equal(writes.allows(100), false, 'cooldown after a slow write');
    now += ASYNC_COOLDOWN_MILLIS - 1;
    assert.equal(writes.allows(100), false);
    now += 1;
    assert.equal(writes.allows(100), true, 'synchronous again after the cooldown');
    assert.throws(() =>
      writes.run(() => {
        now += 100;
        throw new Error('EIO');
      }),
    );
    assert.equal(writes.allows(100), false, 'a slow failing write starts a cooldown too');
  });

  it('the store writes small batches synchronously, large ones through writev; both read back', async () => {
    await withTempDir(async (dir) => {
      const calls = { sync: 0, async: 0 };
      const io: FileIO = {
        ...nodeFileIO,
        writev: (...args) => (calls.async++, nodeFileIO.writev(...args)),
        writevSync: (...args) => (calls.sync++, nodeFileIO.writevSync!(...args)),
      };
      const store = await openStore(dir, { commitLogSegmentSize: 8 * 1024 * 1024 }, { fileIO: io });
      const small = await store.putMessage(message({ topic: 'S', body: Buffer.from('small') }));
      assert.equal(small.status, 'PUT_OK');
      assert.deepEqual(calls, { sync: 1, async: 0 });
      // Puts submitted in one turn (the requests of one data chunk) share one write.
      const together = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          store.putMessage(message({ topic: 'S', body: Buffer.from(`t${i}`) })),
        ),
      );
      assert.ok(together.every((r) => r.status === 'PUT_OK'));
      assert.deepEqual(calls, { sync: 2, async: 0 }, 'ten puts of one turn, one write');
      const big = Buffer.alloc(SYNC_WRITE_MAX_BYTES + 1000, 7);
      const large = await store.putMessage(message({ topic: 'L', body: big }));
      assert.equal(large.status, 'PUT_OK');
      assert.equal(calls.async, 1, 'a batch over the limit went through the thread pool');
      for (const [topic, body] of [
        ['S', Buffer.from('small')],
        ['L', big],
      ] as const) {
        const got = await store.getMessage('g', topic, 0, 0n, 1);
        assert.equal(got.status, 'FOUND');
        assert.ok(decodeMessageRecord(got.messages[0]!, 0, { verifyCrc: true }).body.equals(body));
      }
      await store.close();
    });
  });
});
