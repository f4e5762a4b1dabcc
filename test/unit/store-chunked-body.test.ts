/**
 * A put whose body is a ChunkedBody (a request body left in its socket chunks) stores the very
 * record the same body as one Buffer stores: large bodies are written from the chunks, smaller ones
 * joined; BODYCRC and the record checksum are taken over the chunks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChunkedBody } from '../../src/protocol/command/chunked-body.js';
import { decodeMessageRecord } from '../../src/protocol/message/record.js';
import { RecordOffset, storeTimestampOffset } from '../../src/protocol/message/record-layout.js';
import { checkRecordChecksum, CHECKSUM_TRAILER_LENGTH } from '../../src/server/store/record-checksum.js';
import type { MessageStore } from '../../src/server/store/index.js';
import { message, openStore, withTempDir } from '../helpers/store-fixtures.js';
import { Prng } from '../helpers/prng.js';

const rng = new Prng(31203);

/** `whole` cut at random places (some pieces a single byte), as views. */
function randomChunks(whole: Buffer): Buffer[] {
  const cuts = new Set<number>([1]);
  for (let i = 0; i < 12; i++) cuts.add(rng.range(1, whole.length - 1));
  const sorted = [...cuts].filter((c) => c > 0 && c < whole.length).sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const cut of [...sorted, whole.length]) {
    out.push(whole.subarray(from, cut));
    from = cut;
  }
  return out;
}

/** The stored record at `phys` with the fields a put decides (offsets, store time, checksum) zeroed. */
async function normalizedRecord(store: MessageStore, phys: bigint): Promise<Buffer> {
  const raw = Buffer.from((await store.lookMessageByOffset(phys))!);
  assert.equal(checkRecordChecksum(raw, 0, raw.length), 'ok');
  raw.fill(0, RecordOffset.QUEUEOFFSET, RecordOffset.QUEUEOFFSET + 16); // queue + physical offset
  const at = storeTimestampOffset(raw.readInt32BE(RecordOffset.SYSFLAG));
  raw.fill(0, at, at + 8);
  raw.fill(0x30, raw.length - CHECKSUM_TRAILER_LENGTH + 9, raw.length - 1); // the ten digits
  return raw;
}

test('single puts: a body in chunks stores the same record as the joined body, around both thresholds', async () => {
  await withTempDir(async (dir) => {
    const store = await openStore(dir, { commitLogSegmentSize: 8 << 20 });
    // Below the shared-CRC threshold (8 KiB), between it and the separate-body one (64 KiB), above.
    for (const size of [100, 8 * 1024, 30_000, 64 * 1024 - 1, 64 * 1024, 300_000, 1 << 20]) {
      const whole = rng.bytes(size);
      const joined = await store.putMessage(message({ body: whole, queueId: 1 }));
      const chunked = await store.putMessage(
        message({ body: new ChunkedBody(randomChunks(whole)), queueId: 1 }),
      );
      assert.equal(joined.status, 'PUT_OK');
      assert.equal(chunked.status, 'PUT_OK', `${size}`);
      assert.equal(chunked.storeSize, joined.storeSize);
      const a = await normalizedRecord(store, joined.physicalOffset);
      const b = await normalizedRecord(store, chunked.physicalOffset);
      assert.ok(a.equals(b), `${size}: same record bytes`);
      assert.ok(decodeMessageRecord(b).body.equals(whole));
    }
    await store.close();
  });
});

test('a chunked body among plain ones in one multi-message put, and limits checked on its length', async () => {
  await withTempDir(async (dir) => {
    const store = await openStore(dir, { commitLogSegmentSize: 8 << 20, maxMessageSize: 200_000 });
    const big = rng.bytes(150_000);
    const inputs = [
      message({ body: Buffer.from('first') }),
      message({ body: new ChunkedBody(randomChunks(big)) }),
      message({ body: Buffer.from('third') }),
    ];
    const put = await store.putMessages(inputs);
    assert.equal(put.status, 'PUT_OK');
    const got = await store.getMessage('G', 'TopicTest', 0, 0n, 10);
    const bodies = got.messages.map((m) => decodeMessageRecord(m).body);
    assert.deepEqual(
      bodies.map((b) => b.length),
      [5, 150_000, 5],
    );
    assert.ok(bodies[1]!.equals(big));
    for (const m of got.messages) assert.equal(checkRecordChecksum(m, 0, m.length), 'ok');

    const tooBig = await store.putMessage(
      message({ body: new ChunkedBody([rng.bytes(150_000), rng.bytes(60_000)]) }),
    );
    assert.equal(tooBig.status, 'MESSAGE_ILLEGAL');
    assert.match(tooBig.reason ?? '', /body size 210000 > maxMessageSize 200000/);
    await store.close();
  });
});

test('a chunked body first in a put of shared fields, and puts that roll over to a new segment', async () => {
  await withTempDir(async (dir) => {
    // 1 MiB segments: the 300 KB records roll over every three puts.
    const store = await openStore(dir, { commitLogSegmentSize: 1 << 20 });
    const big = rng.bytes(300_000);
    const first = await store.putMessages([
      message({ body: new ChunkedBody(randomChunks(big)) }),
      message({ body: Buffer.from('second') }),
      message({ body: Buffer.from('third') }),
    ]);
    assert.equal(first.status, 'PUT_OK');
    const bodies = [big];
    for (let i = 0; i < 7; i++) {
      const body = rng.bytes(300_000);
      bodies.push(body);
      const put = await store.putMessage(message({ body: new ChunkedBody(randomChunks(body)), queueId: 2 }));
      assert.equal(put.status, 'PUT_OK', `put ${i}`);
    }
    // One message per read: a read stops after the first record once ~256 KiB are taken.
    const read = async (queueId: number, n: number): Promise<Buffer[]> => {
      const out: Buffer[] = [];
      for (let offset = 0; offset < n; offset++) {
        const got = await store.getMessage('G', 'TopicTest', queueId, BigInt(offset), 1);
        assert.equal(got.messages.length, 1, `queue ${queueId} offset ${offset}`);
        out.push(got.messages[0]!);
      }
      return out;
    };
    const q0 = await read(0, 3);
    assert.deepEqual(
      q0.map((m) => decodeMessageRecord(m).body.toString('latin1').slice(0, 6)),
      [big.toString('latin1').slice(0, 6), 'second', 'third'],
    );
    assert.ok(decodeMessageRecord(q0[0]!).body.equals(big));
    const q2 = await read(2, 7);
    for (const [i, m] of [...q0, ...q2].entries()) {
      assert.equal(checkRecordChecksum(m, 0, m.length), 'ok', `record ${i}`);
      if (i >= 3) assert.ok(decodeMessageRecord(m).body.equals(bodies[i - 2]!), `message ${i}`);
    }
    await store.close();
  });
});
