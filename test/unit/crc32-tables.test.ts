/**
 * The table CRC-32 that crc32 / crc32Range use for short inputs (protocol/message/crc32.ts) against
 * zlib.crc32 (Node's native one) on random bytes: every length 0..360 (both sides of the thresholds
 * and every tail length of the 16- and 8-byte steps), longer inputs, and ranges at every alignment.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import zlib from 'node:zlib';
import {
  crc32,
  crc32Combine,
  crc32Portable,
  crc32RangeFrom,
  crc32Range,
  crc32RangeSigned,
  JS_CRC32_MAX_LENGTH,
  JS_CRC32_RANGE_MAX_LENGTH,
  storedBodyCrc,
} from '../../src/protocol/message/crc32.js';

test('crc32 and the tables equal zlib.crc32 for every length 0..360 and longer inputs', () => {
  const lengths = [...Array(361).keys(), 447, 448, 449, 511, 1000, 4096, 65_537];
  for (const length of lengths) {
    for (let round = 0; round < 4; round++) {
      const data = randomBytes(length);
      const expected = zlib.crc32(data);
      assert.equal(crc32(data), expected, `crc32 of ${length} bytes`);
      assert.equal(crc32Portable(data), expected, `table crc32 of ${length} bytes`);
      assert.equal(storedBodyCrc(data), expected & 0x7fffffff);
    }
  }
  // All ones / all zeros: the sign bit of the Int32 register and the 32-bit shifts.
  for (const fill of [0x00, 0xff, 0x80]) {
    for (const length of [1, 7, 8, 9, 64, 255, 256, 257]) {
      const data = Buffer.alloc(length, fill);
      assert.equal(crc32(data), zlib.crc32(data));
    }
  }
});

test('crc32 of a non-Buffer Uint8Array view equals zlib.crc32', () => {
  const backing = randomBytes(600);
  for (const [from, to] of [
    [0, 0],
    [3, 200],
    [5, 600],
    [1, 300],
  ] as const) {
    const view = new Uint8Array(backing.buffer, backing.byteOffset + from, to - from);
    assert.equal(crc32(view), zlib.crc32(view));
  }
});

test('crc32Range equals zlib.crc32 of the range, at every start alignment and length', () => {
  const buf = randomBytes(2048);
  for (let start = 0; start < 16; start++) {
    for (let length = 0; length <= 470; length++) {
      const expected = zlib.crc32(buf.subarray(start, start + length));
      assert.equal(crc32Range(buf, start, start + length), expected, `range ${start}+${length}`);
      assert.equal(crc32RangeSigned(buf, start, start + length), expected | 0, `signed ${start}+${length}`);
    }
  }
  for (const length of [1000, 2000]) {
    assert.equal(crc32Range(buf, 17, 17 + length), zlib.crc32(buf.subarray(17, 17 + length)));
    assert.equal(crc32RangeSigned(buf, 17, 17 + length), zlib.crc32(buf.subarray(17, 17 + length)) | 0);
  }
});

test('the thresholds sit inside the lengths compared above', () => {
  assert.ok(JS_CRC32_MAX_LENGTH < 360 && JS_CRC32_RANGE_MAX_LENGTH < 470);
});

test('the tables read through a cached view of the backing buffer: switching buffers, large ones, changed bytes', () => {
  const small = [randomBytes(4096), randomBytes(4096)];
  const large = randomBytes(2 * 1024 * 1024); // past the view cache's limit: never kept
  for (let round = 0; round < 20; round++) {
    for (const buf of [small[round % 2]!, large, small[(round + 1) % 2]!]) {
      const start = (round * 37) % 1000;
      const range = buf.subarray(start, start + 200 + round);
      assert.equal(crc32(range), zlib.crc32(range));
      assert.equal(crc32Range(buf, start, start + 300), zlib.crc32(buf.subarray(start, start + 300)));
    }
    small[0]![round] = small[0]![round]! ^ 0xff; // the cached view sees the buffer's current bytes
    assert.equal(crc32(small[0]!.subarray(0, 64)), zlib.crc32(small[0]!.subarray(0, 64)));
  }
});

test('crc32Combine and crc32RangeFrom give the CRC of a concatenation, for every split of random inputs', () => {
  for (const total of [0, 1, 2, 17, 300, 449, 1000, 70_000]) {
    const data = randomBytes(total);
    const whole = crc32(data);
    const splits =
      total <= 300 ? Array.from({ length: total + 1 }, (_, i) => i) : [0, 1, 448, 449, total - 1, total];
    for (const cut of splits) {
      const a = data.subarray(0, cut);
      const b = data.subarray(cut);
      assert.equal(crc32Combine(crc32(a), crc32(b), b.length), whole, `combine ${total} at ${cut}`);
      assert.equal(crc32RangeFrom(data, cut, total, crc32(a)), whole, `continue ${total} at ${cut}`);
    }
  }
  // A long second part (the shift's square-and-multiply over 23 bits).
  const head = randomBytes(5);
  const long = Buffer.alloc((1 << 22) + 3, 0x5a);
  assert.equal(crc32Combine(crc32(head), crc32(long), long.length), crc32(Buffer.concat([head, long])));
  assert.throws(() => crc32Combine(1, 2, -1), RangeError);
});
