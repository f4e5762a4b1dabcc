/**
 * Issue 10, defect 4: one damaged record must not cost the records after it. A bit flipped in the
 * body, the properties or the header of a middle record of thousands, or a record whose tail was cut
 * off: recovery moves exactly that record aside (copy under <root>/corrupt/, a void in the log),
 * reports it, keeps its queue offset as a hole, and serves every other record.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  decodeMessageRecord,
  encodeMessageRecord,
  recordFieldOffsets,
} from '../../src/protocol/message/record.js';
import type { MessageStore, PutResult } from '../../src/server/store/index.js';
import { message, openStore, withTempDir } from '../helpers/store-fixtures.js';

const SEG = 256 * 1024;
const QUEUES = 3;
const opts = { commitLogSegmentSize: SEG, consumeQueueEntriesPerFile: 500 };

interface Written {
  put: PutResult;
  body: string;
  queueId: number;
}

/** n puts, 250 in flight at a time (log order = submission order), in runs of 8 per queue. */
async function fill(store: MessageStore, n: number): Promise<Written[]> {
  const out: Written[] = [];
  for (let from = 0; from < n; from += 250) {
    const batch = Array.from({ length: Math.min(250, n - from) }, (_, k) => {
      const i = from + k;
      const body = `body-${i}-${'x'.repeat(i % 97)}`;
      const queueId = Math.floor(i / 8) % QUEUES; // runs of 8: adjacent records are read together
      return {
        body,
        queueId,
        put: store.putMessage(message({ queueId, body: Buffer.from(body), tags: `T${i % 5}` })),
      };
    });
    for (const w of batch) {
      const put = await w.put;
      assert.equal(put.status, 'PUT_OK');
      out.push({ put, body: w.body, queueId: w.queueId });
    }
  }
  return out;
}

async function queueBodies(store: MessageStore, queueId: number): Promise<string[]> {
  const out: string[] = [];
  for (let offset = 0n; ;) {
    const got = await store.getMessage('g', 'TopicTest', queueId, offset, 32);
    if (got.status !== 'FOUND' && got.status !== 'NO_MATCHED_MESSAGE') return out;
    got.messages.forEach((m, i) => {
      const rec = decodeMessageRecord(m, 0, { verifyCrc: true });
      assert.equal(rec.queueOffset, got.queueOffsets[i], 'served at the offset stamped in the record');
      out.push(rec.body.toString());
    });
    offset = got.nextBeginOffset;
  }
}

function logFile(dir: string, pos: number): { file: string; at: number } {
  const start = pos - (pos % SEG);
  return { file: path.join(dir, 'commitlog', String(start).padStart(20, '0')), at: pos - start };
}

function mutate(dir: string, pos: number, fn: (b: Buffer) => void, length = 1): void {
  const { file, at } = logFile(dir, pos);
  const fd = fs.openSync(file, 'r+');
  const b = Buffer.alloc(length);
  fs.readSync(fd, b, 0, length, at);
  fn(b);
  fs.writeSync(fd, b, 0, length, at);
  fs.closeSync(fd);
}

/** Position of a field of the record `w` (body start, properties start...). */
function fieldPos(w: Written, field: 'body' | 'properties' | 'queueId' | 'storeTimestamp'): number {
  const phys = Number(w.put.physicalOffset);
  const f = recordFieldOffsets(0);
  if (field === 'queueId') return phys + 12;
  if (field === 'storeTimestamp') return phys + f.storeTimestamp + 7;
  if (field === 'body') return phys + f.bodyLength + 4 + 3;
  return phys + f.bodyLength + 4 + Buffer.byteLength(w.body) + 1 + 'TopicTest'.length + 2 + 5;
}

/** One store of 3000 records, written once and copied for each damage test. */
let template: { dir: string; written: Written[] } | undefined;
after(() => {
  if (template) fs.rmSync(template.dir, { recursive: true, force: true });
});

async function withCopyOfTemplate(fn: (dir: string, written: Written[]) => Promise<void>): Promise<void> {
  if (template === undefined) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rmq-damage-template-'));
    const store = await openStore(dir, opts);
    template = { dir, written: await fill(store, 3000) };
    await store.close();
  }
  const { dir: source, written } = template;
  await withTempDir(async (dir) => {
    fs.cpSync(source, dir, { recursive: true });
    await fn(dir, written);
  });
}

for (const field of ['body', 'properties', 'queueId', 'storeTimestamp'] as const) {
  test(`a bit flipped in the ${field} of record 1500 of 3000 costs that record only`, async () => {
    await withCopyOfTemplate(async (dir, written) => {
      const victim = written[1500]!;
      mutate(dir, fieldPos(victim, field), (b) => (b[0]! ^= 0x10));

      const again = await openStore(dir, opts);
      const rep = again.lastRecovery!;
      assert.deepEqual(
        rep.skipped.map((s) => [s.offset, s.length, s.kind]),
        [[Number(victim.put.physicalOffset), victim.put.storeSize, 'corrupt']],
      );
      const { file, at } = logFile(dir, Number(victim.put.physicalOffset));
      assert.ok(rep.skipped[0]!.savedAs?.startsWith(path.join(dir, 'corrupt')));
      assert.equal(fs.statSync(rep.skipped[0]!.savedAs!).size, victim.put.storeSize);
      assert.ok(
        fs
          .readFileSync(file)
          .subarray(at + 8, at + victim.put.storeSize)
          .every((b) => b === 0),
      );
      assert.equal(rep.logEnd, Number(written[2999]!.put.physicalOffset) + written[2999]!.put.storeSize);
      for (let q = 0; q < QUEUES; q++) {
        const expectQ = written.filter((w) => w.queueId === q && w !== victim).map((w) => w.body);
        assert.deepEqual(await queueBodies(again, q), expectQ, `queue ${q}`);
        const count = written.filter((w) => w.queueId === q).length;
        assert.equal(
          again.getMaxOffsetInQueue('TopicTest', q),
          BigInt(count),
          'the lost message keeps its offset',
        );
      }
      const next = await again.putMessage(message({ queueId: victim.queueId }));
      assert.equal(next.queueOffset, BigInt(written.filter((w) => w.queueId === victim.queueId).length));
      await again.close();
    });
  });
}

test('a record whose last 50 bytes were zeroed (torn page) is detected; the records after it stay', async () => {
  await withCopyOfTemplate(async (dir, written) => {
    const victim = written[1200]!;
    const end = Number(victim.put.physicalOffset) + victim.put.storeSize;
    mutate(dir, end - 50, (b) => b.fill(0), 50);
    const again = await openStore(dir, opts);
    assert.deepEqual(
      again.lastRecovery!.skipped.map((s) => [s.offset, s.length]),
      [[Number(victim.put.physicalOffset), victim.put.storeSize]],
    );
    const all = (await Promise.all([0, 1, 2].map((q) => queueBodies(again, q)))).flat();
    assert.equal(all.length, 2999);
    assert.ok(!all.includes(victim.body));
    await again.close();
  });
});

test('the last message of its queue lost: its offset is not handed out again', async () => {
  await withTempDir(async (dir) => {
    const store = await openStore(dir, opts);
    const written = await fill(store, 600);
    const lone = await store.putMessage(message({ queueId: 7, body: Buffer.from('lone') }));
    written.push(...(await fill(store, 30)));
    await store.close();
    mutate(dir, Number(lone.physicalOffset) + lone.storeSize - 30, (b) => (b[0]! ^= 1));
    const again = await openStore(dir, opts);
    assert.equal(again.lastRecovery!.skipped.length, 1);
    assert.equal(again.lastRecovery!.holes, 1);
    assert.equal(again.getMaxOffsetInQueue('TopicTest', 7), 1n);
    assert.equal((await again.putMessage(message({ queueId: 7, body: Buffer.from('new') }))).queueOffset, 1n);
    assert.deepEqual(await queueBodies(again, 7), ['new']);
    assert.equal((await queueBodies(again, 0)).length, written.filter((w) => w.queueId === 0).length);
    await again.close();
  });
});

test('damage at the end of a full segment (its blank) keeps the next segments', async () => {
  await withCopyOfTemplate(async (dir, written) => {
    // The last record of the first segment and its blank.
    const lastInFirst = written.filter((w) => Number(w.put.physicalOffset) < SEG).at(-1)!;
    const from = Number(lastInFirst.put.physicalOffset);
    mutate(dir, from, (b) => b.fill(0x5a), SEG - from);
    fs.rmSync(path.join(dir, 'consumequeue'), { recursive: true }); // and rebuild the queues from the log
    const again = await openStore(dir, opts);
    const rep = again.lastRecovery!;
    assert.equal(rep.fullRebuild, true);
    assert.deepEqual(
      rep.skipped.map((s) => [s.offset, s.length, s.kind]),
      [[from, SEG - from, 'corrupt']],
    );
    for (let q = 0; q < QUEUES; q++) {
      const expectQ = written.filter((w) => w.queueId === q && w !== lastInFirst).map((w) => w.body);
      assert.deepEqual(await queueBodies(again, q), expectQ, `queue ${q}`);
    }
    await again.close();
  });
});

test('records of a store written before checksums are accepted; after that, a record without one is not', async () => {
  await withTempDir(async (dir) => {
    const store = await openStore(dir, opts);
    const written = await fill(store, 10);
    await store.close();
    const end = Number(written[9]!.put.physicalOffset) + written[9]!.put.storeSize;
    // A record as an older version wrote it (no checksum entry), at the end of the log.
    const legacy = encodeMessageRecord({
      ...message({ body: Buffer.from('legacy'), queueId: 1 }),
      body: Buffer.from('legacy'),
      queueOffset: BigInt(written.filter((w) => w.queueId === 1).length),
      physicalOffset: BigInt(end),
      storeTimestamp: Date.now(),
    });
    const writeLegacy = () => mutate(dir, end, (b) => legacy.copy(b), legacy.length);
    writeLegacy();
    const marker = path.join(dir, 'checksumsFrom');
    assert.equal(fs.readFileSync(marker, 'utf8'), '0');

    let again = await openStore(dir, opts);
    assert.equal(again.lastRecovery!.logEnd, end, 'checksums required from 0: not a record');
    assert.equal(again.lastRecovery!.skipped[0]?.kind, 'torn-tail');
    await again.close();

    writeLegacy(); // recovery zeroed it as a torn tail
    fs.rmSync(marker); // a store from before checksums
    again = await openStore(dir, opts);
    assert.equal(again.lastRecovery!.logEnd, end + legacy.length);
    assert.equal((await queueBodies(again, 1)).at(-1), 'legacy');
    assert.equal(fs.readFileSync(marker, 'utf8'), String(end + legacy.length));
    await again.close();

    // Without a checksum, its BODYCRC still vouches for the body: a flipped body byte is damage.
    fs.writeFileSync(marker, String(end + legacy.length));
    const bodyAt = end + recordFieldOffsets(0).bodyLength + 4;
    mutate(dir, bodyAt + 1, (b) => (b[0]! ^= 0x01));
    again = await openStore(dir, opts);
    assert.equal(again.lastRecovery!.logEnd, end, 'the damaged legacy record is not part of the log');
    await again.close();
  });
});
