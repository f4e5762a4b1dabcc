/**
 * Issue 10, defect 2: a full disk. Writes are refused with Java's disk-full answer
 * (SERVICE_NOT_AVAILABLE) while the file layer throws ENOSPC, and resume by themselves once it stops:
 * nothing acknowledged is lost and no half-written record is served, now or after a restart.
 * Also the proactive check of the used-space ratio (diskSpaceWarningLevelRatio).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessageRecord } from '../../src/protocol/message/record.js';
import type { MessageStore, PutResult } from '../../src/server/store/index.js';
import { FaultyFileIO } from '../helpers/faulty-fs.js';
import { waitFor } from '../helpers/wait.js';
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

for (const flushDiskType of ['ASYNC_FLUSH', 'SYNC_FLUSH'] as const) {
  test(`${flushDiskType}: writes on a full disk are refused, then resume by themselves`, async () => {
    await withTempDir(async (dir) => {
      const faulty = new FaultyFileIO();
      const opts = { flushDiskType, commitLogSegmentSize: 1024 * 1024 };
      const store = await openStore(dir, opts, { fileIO: faulty.io });
      const acked: string[] = [];
      const put = async (topic: string, body: string): Promise<PutResult> => {
        const r = await store.putMessage(message({ topic, body: Buffer.from(body.padEnd(300, '.')) }));
        if (r.status === 'PUT_OK') acked.push(body.padEnd(300, '.'));
        return r;
      };
      for (let i = 0; i < 5; i++) assert.equal((await put('A', `a${i}`)).status, 'PUT_OK');

      faulty.fillDisk();
      const refused = await Promise.all([put('A', 'full-1'), put('B', 'full-2'), put('A', 'full-3')]);
      for (const r of refused) {
        assert.equal(r.status, 'SERVICE_NOT_AVAILABLE');
        assert.match(r.reason ?? '', /ENOSPC/);
      }
      // Still full: still refused, never UNKNOWN_ERROR, never a permanent failure.
      assert.equal((await put('A', 'full-4')).status, 'SERVICE_NOT_AVAILABLE');
      const writeFailures = (faulty.failures.get('writev') ?? 0) + (faulty.failures.get('writevSync') ?? 0);
      assert.ok(writeFailures >= 2, 'each attempt reached the disk');

      faulty.heal();
      for (let i = 5; i < 10; i++) assert.equal((await put('A', `a${i}`)).status, 'PUT_OK');
      assert.equal((await put('B', 'b0')).status, 'PUT_OK');
      const expectA = acked.filter((b) => b.startsWith('a'));
      assert.deepEqual(await bodies(store, 'A'), expectA);
      assert.deepEqual(await bodies(store, 'B'), [acked.at(-1)]);
      assert.equal(store.getMaxOffsetInQueue('A', 0), 10n, 'refused puts took no queue offset');
      await store.close();

      const again = await openStore(dir, opts);
      assert.deepEqual(await bodies(again, 'A'), expectA);
      assert.deepEqual(await bodies(again, 'B'), [acked.at(-1)]);
      await again.close();
    });
  });
}

test('a write that failed half way leaves no record behind, even one written in full', async () => {
  await withTempDir(async (dir) => {
    const faulty = new FaultyFileIO();
    const store = await openStore(dir, { commitLogSegmentSize: 1024 * 1024 }, { fileIO: faulty.io });
    assert.equal((await store.putMessage(message({ body: Buffer.from('first') }))).status, 'PUT_OK');
    // The second writev of a batch fails: the first part (whole records) reached the file.
    let calls = 0;
    faulty.fail('writev', 'ENOSPC', () => ++calls === 2, 1);
    const big = Array.from({ length: 40 }, (_, i) =>
      message({ body: Buffer.alloc(200_000, 97 + (i % 26)), queueId: i % 2 }),
    );
    const results = await Promise.all(big.map((m) => store.putMessage(m)));
    const ok = results.filter((r) => r.status === 'PUT_OK').length;
    assert.ok(
      results.some((r) => r.status === 'SERVICE_NOT_AVAILABLE'),
      'some puts refused',
    );
    assert.equal(
      Number(store.getMaxOffsetInQueue('TopicTest', 0) + store.getMaxOffsetInQueue('TopicTest', 1)),
      1 + ok,
    );
    await store.close();
    const again = await openStore(dir, { commitLogSegmentSize: 1024 * 1024 });
    const stored =
      (await bodies(again, 'TopicTest', 0)).length + (await bodies(again, 'TopicTest', 1)).length;
    assert.equal(stored, 1 + ok, 'only acknowledged records after recovery');
    await again.close();
  });
});

test('used-space ratio above diskSpaceWarningLevelRatio refuses writes until below diskSpaceCleanForciblyRatio', async () => {
  await withTempDir(async (dir) => {
    const faulty = new FaultyFileIO();
    const total = 100 * 1024 ** 3;
    faulty.usage = { total, free: total * 0.5 };
    const store = await openStore(dir, { diskSpaceCheckInterval: 10 }, { fileIO: faulty.io });
    assert.equal((await store.putMessage(message())).status, 'PUT_OK');

    faulty.usage = { total, free: total * 0.05 };
    await waitFor('refusal', async () =>
      (await store.putMessage(message())).status === 'SERVICE_NOT_AVAILABLE' ? true : undefined,
    );
    const refused = await store.putMessage(message());
    assert.equal(refused.status, 'SERVICE_NOT_AVAILABLE');
    assert.match(refused.reason ?? '', /disk.*full.*95/i);

    faulty.usage = { total, free: total * 0.12 }; // 88% used: between the two ratios, still refused
    await new Promise((r) => setTimeout(r, 50));
    assert.equal((await store.putMessage(message())).status, 'SERVICE_NOT_AVAILABLE');

    faulty.usage = { total, free: total * 0.2 };
    await waitFor('writes resumed', async () =>
      (await store.putMessage(message())).status === 'PUT_OK' ? true : undefined,
    );
    await store.close();
  });
});
