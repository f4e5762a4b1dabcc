import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError } from '../../src/common/errors.js';
import { compressBody, decompressBody, shouldCompress } from '../../src/protocol/message/compression.js';

test('zlib level 5 matches Java Deflater [J]', () => {
  const out = compressBody(Buffer.from('Hello RocketMQ'));
  assert.equal(out.toString('hex').toUpperCase(), '785EF348CDC9C95708CA4FCE4E2DF10D04002626051B');
  assert.equal(out.subarray(0, 2).toString('hex'), '785e');
  assert.equal(decompressBody(out).toString(), 'Hello RocketMQ');
});

test('compress / decompress round trip at several levels', () => {
  const data = Buffer.alloc(5000);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7) % 251;
  for (const level of [1, 5, 9]) assert.deepEqual(decompressBody(compressBody(data, level)), data);
  assert.deepEqual(decompressBody(compressBody(new Uint8Array(0))), Buffer.alloc(0));
});

test('decompressBody: garbage and oversize output are ProtocolErrors', () => {
  assert.throws(() => decompressBody(Buffer.from('not zlib at all')), ProtocolError);
  assert.throws(() => decompressBody(Buffer.alloc(0)), ProtocolError);
  const good = compressBody(Buffer.alloc(10_000));
  assert.throws(() => decompressBody(good.subarray(0, good.length - 3)), ProtocolError);
  assert.throws(() => decompressBody(good, { maxOutputLength: 9_999 }), ProtocolError);
  assert.equal(decompressBody(good, { maxOutputLength: 10_000 }).length, 10_000);
});

test('shouldCompress: >= threshold, never for batches', () => {
  assert.equal(shouldCompress(4095, 4096, false), false);
  assert.equal(shouldCompress(4096, 4096, false), true);
  assert.equal(shouldCompress(4096), true);
  assert.equal(shouldCompress(1 << 20, 4096, true), false);
  assert.equal(shouldCompress(10, 0, false), true);
});
