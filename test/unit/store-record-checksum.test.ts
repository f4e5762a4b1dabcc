/**
 * The per-record checksum trailer in Java 5.x's format (CommitLog.CRC32_RESERVED_LEN,
 * MessageDecoder.createCrc32): "__CRC32#" U+0001, ten digits least significant first, U+0002, over
 * every record byte before the trailer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 } from '../../src/protocol/message/crc32.js';
import { decodeMessageRecord, encodeMessageRecord } from '../../src/protocol/message/record.js';
import {
  CHECKSUM_TRAILER_LENGTH,
  checkRecordChecksum,
  propertiesWithChecksumSlot,
  withoutChecksumProperty,
} from '../../src/server/store/record-checksum.js';
import { message, openStore, propsString, withTempDir } from '../helpers/store-fixtures.js';

test('trailer layout: 20 bytes, a separator added when missing, an old entry replaced', () => {
  assert.equal(CHECKSUM_TRAILER_LENGTH, 20);
  assert.equal(propertiesWithChecksumSlot(''), '__CRC32#\u00010000000000\u0002');
  assert.equal(propertiesWithChecksumSlot('A\u0001x'), 'A\u0001x\u0002__CRC32#\u00010000000000\u0002');
  assert.equal(
    propertiesWithChecksumSlot('A\u0001x\u0002__CRC32#\u00011234567890\u0002B\u0001y\u0002'),
    'A\u0001x\u0002B\u0001y\u0002__CRC32#\u00010000000000\u0002',
  );
  assert.equal(withoutChecksumProperty('A\u0001x\u0002__CRC32#\u00011234567890'), 'A\u0001x');
});

test('stored records carry the checksum of their bytes, digits least significant first', async () => {
  await withTempDir(async (dir) => {
    const store = await openStore(dir);
    const stored = propsString({ KEYS: 'k' }) + '__CRC32#\u00019999999999\u0002';
    const r = await store.putMessage(message({ properties: stored, body: Buffer.from('payload') }));
    const raw = (await store.lookMessageByOffset(r.physicalOffset))!;
    const value = crc32(raw.subarray(0, raw.length - 20)) & 0x7fffffff;
    const digits = String(value).padStart(10, '0').split('').reverse().join('');
    assert.equal(raw.subarray(raw.length - 20).toString('latin1'), `__CRC32#\u0001${digits}\u0002`);
    assert.equal(checkRecordChecksum(raw, 0, raw.length), 'ok');
    const rec = decodeMessageRecord(raw);
    assert.equal(rec.properties.split('__CRC32#').length, 2, 'exactly one checksum entry');
    for (const at of [0, 13, 30, raw.length - 25, raw.length - 5]) {
      const damaged = Buffer.from(raw);
      damaged[at]! ^= 4;
      assert.notEqual(checkRecordChecksum(damaged, 0, damaged.length), 'ok', `byte ${at}`);
    }
    await store.close();
  });
});

test('a large body: its CRC is reused for the checksum, which equals one taken over the bytes', async () => {
  await withTempDir(async (dir) => {
    const store = await openStore(dir, { commitLogSegmentSize: 4 << 20 });
    // Around the reuse threshold (8 KiB), and a body whose CRC has the top bit set (BODYCRC drops it).
    const bodies = [8 * 1024 - 1, 8 * 1024, 100_000, 600_000].map((n, i) =>
      Buffer.from(Array.from({ length: n }, (_, k) => (k * 31 + i * 7) & 0xff)),
    );
    // A body between the thresholds (8..64 KiB) whose CRC has the top bit set (BODYCRC drops it).
    let top = Buffer.alloc(9000, 0);
    for (let i = 1; (crc32(top) & 0x80000000) === 0; i++) top = Buffer.alloc(9000, i);
    assert.ok(top.length === 9000 && (crc32(top) & 0x80000000) !== 0);
    bodies.push(top);
    for (const body of bodies) {
      const r = await store.putMessage(message({ properties: propsString({ KEYS: 'k' }), body }));
      assert.equal(r.status, 'PUT_OK');
      const raw = (await store.lookMessageByOffset(r.physicalOffset))!;
      const value = crc32(raw.subarray(0, raw.length - 20)) & 0x7fffffff;
      const digits = String(value).padStart(10, '0').split('').reverse().join('');
      assert.equal(
        raw.subarray(raw.length - 20).toString('latin1'),
        `__CRC32#\u0001${digits}\u0002`,
        `${body.length} B`,
      );
      assert.equal(decodeMessageRecord(raw, 0, { verifyCrc: true }).bodyCrc, crc32(body) & 0x7fffffff);
    }
    await store.close();
  });
});

test('bodies of 64 KiB and more are written from the request, not copied: the same record bytes', async () => {
  await withTempDir(async (dir) => {
    const store = await openStore(dir, { commitLogSegmentSize: 4 << 20 });
    const body = (n: number, seed: number) =>
      Buffer.from(Array.from({ length: n }, (_, k) => (k * 13 + seed) & 0xff));
    const inputs = [
      message({ properties: propsString({ KEYS: 'a' }), body: body(64 * 1024, 1) }),
      message({ properties: propsString({ KEYS: 'b' }), body: body(10, 2) }),
      message({ properties: propsString({ KEYS: 'c' }), body: body(300_000, 3) }),
    ];
    const single = await store.putMessage(message({ body: body(70_000, 4) }));
    const batch = await store.putMessages(inputs);
    assert.equal(batch.status, 'PUT_OK');
    const offsets = [single.physicalOffset, ...batch.records.map((r) => r.physicalOffset)];
    const expected = [body(70_000, 4), ...inputs.map((m) => m.body)];
    for (const [i, offset] of offsets.entries()) {
      const raw = (await store.lookMessageByOffset(offset))!;
      assert.equal(checkRecordChecksum(raw, 0, raw.length), 'ok', `record ${i}`);
      const rec = decodeMessageRecord(raw, 0, { verifyCrc: true });
      assert.deepEqual(rec.body, expected[i], `body ${i}`);
      assert.deepEqual(encodeMessageRecord(rec), raw, `record ${i} encoded in one piece is the same`);
    }
    await store.close();
    const again = await openStore(dir, { commitLogSegmentSize: 4 << 20 });
    assert.equal(again.lastRecovery!.redispatched + again.lastRecovery!.holes, 0);
    await again.close();
  });
});

test('a batch with shared fields whose large records are not copied: head first, one alone after a segment end', async () => {
  await withTempDir(async (dir) => {
    const segment = 256 * 1024;
    const store = await openStore(dir, { commitLogSegmentSize: segment });
    const shared = { bornHost: { ip: '192.168.0.10', port: 1 }, storeHost: { ip: '10.0.0.1', port: 2 } };
    const body = (n: number, seed: number) =>
      Buffer.from(Array.from({ length: n }, (_, k) => (k * 7 + seed) & 0xff));
    // The batch's first record is large (the shared layout is read from a record without its body).
    const first = [body(70_000, 1), body(100, 2), body(200, 3)].map((b) => message({ ...shared, body: b }));
    const r1 = await store.putMessages(first);
    assert.equal(r1.status, 'PUT_OK');
    // Fill the segment to ~20 KiB from its end; then two small records (one run) and a large one that
    // goes alone (an old checksum entry in its properties) and does not fit: a blank ends the segment.
    while (
      Number((await store.putMessage(message({ body: body(8000, 4) }))).physicalOffset) <
      segment - 40_000
    );
    const second = [
      message({ ...shared, body: body(50, 5) }),
      message({ ...shared, body: body(60, 6) }),
      message({
        ...shared,
        body: body(80_000, 7),
        properties: propsString({ K: 'v' }) + '__CRC32#\u00011\u0002',
      }),
    ];
    const r2 = await store.putMessages(second);
    assert.equal(r2.status, 'PUT_OK');
    const offsets = [...r1.records, ...r2.records].map((r) => r.physicalOffset);
    assert.equal(offsets.at(-1), BigInt(segment), 'the large record starts the next segment');
    const bodies = [...first, ...second].map((m) => m.body);
    for (const [i, offset] of offsets.entries()) {
      const raw = (await store.lookMessageByOffset(offset))!;
      assert.equal(checkRecordChecksum(raw, 0, raw.length), 'ok', `record ${i}`);
      const rec = decodeMessageRecord(raw, 0, { verifyCrc: true });
      assert.deepEqual(rec.body, bodies[i], `body ${i}`);
      assert.deepEqual(encodeMessageRecord(rec), raw, `record ${i}`);
    }
    await store.close();
    const again = await openStore(dir, { commitLogSegmentSize: segment });
    assert.equal(again.lastRecovery!.redispatched + again.lastRecovery!.holes, 0);
    await again.close();
  });
});
