import { test } from 'node:test';
import zlib from 'node:zlib';
import assert from 'node:assert/strict';
import { javaStringHash } from '../../src/protocol/java/string-hash.js';
import { tagsCode } from '../../src/protocol/message/tags-code.js';
import { crc32, crc32Portable, storedBodyCrc } from '../../src/protocol/message/crc32.js';

test('javaStringHash matches Java String.hashCode [J]', () => {
  assert.equal(javaStringHash('TagA'), 2598919);
  assert.equal(javaStringHash('TagA'), 0x27a807);
  assert.equal(javaStringHash('TagB'), 2598920);
  assert.equal(javaStringHash('*'), 42);
  assert.equal(javaStringHash('tag-中文'), -880646131);
  assert.equal(javaStringHash(''), 0);
});

test('javaStringHash wraps at 32 bits and hashes UTF-16 units', () => {
  // "polygenelubricants" is the classic Java string whose hash is Integer.MIN_VALUE.
  assert.equal(javaStringHash('polygenelubricants'), -2147483648);
  // A surrogate pair counts as two units: 31 * 0xD83D + 0xDE00.
  assert.equal(javaStringHash('😀'), 31 * 0xd83d + 0xde00);
});

test('tagsCode is sign-extended to 64 bits [J]', () => {
  assert.equal(tagsCode(undefined), 0n);
  assert.equal(tagsCode(''), 0n);
  assert.equal(tagsCode('TagA'), 2598919n);
  const code = tagsCode('tag-中文');
  assert.equal(code, -880646131n);
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(code);
  assert.equal(b.toString('hex').toUpperCase(), 'FFFFFFFFCB82680D');
});

test('crc32 vectors [J]', () => {
  const hello = Buffer.from('Hello RocketMQ');
  assert.equal(crc32(hello), 0x69c865ed);
  assert.equal(storedBodyCrc(hello), 0x69c865ed);
  const digits = Buffer.from('123456789');
  assert.equal(crc32(digits), 0xcbf43926);
  assert.equal(storedBodyCrc(digits), 0x4bf43926);
  assert.equal(storedBodyCrc(digits), 1274296614);
  assert.equal(crc32(new Uint8Array(0)), 0);
});

test('portable crc32 agrees with the native one', () => {
  assert.equal(crc32Portable(Buffer.from('123456789')), 0xcbf43926);
  for (let n = 0; n < 50; n++) {
    const data = Buffer.alloc(n * 37);
    for (let i = 0; i < data.length; i++) data[i] = (i * 131 + n) & 0xff;
    assert.equal(crc32Portable(data), zlib.crc32(data));
    assert.equal(crc32(data), zlib.crc32(data));
  }
});
