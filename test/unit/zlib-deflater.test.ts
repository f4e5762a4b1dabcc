/**
 * ZLIB body compression (zlib-deflater.ts): the same bytes as zlib.deflateSync (and Java's Deflater
 * on the golden bodies) at every level, body after body; results that do not pin a 16 KiB buffer;
 * refusals as deflateSync's; inflated ZLIB bodies that own their memory.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as zlib from 'node:zlib';
import { decompressMessageBody } from '../../src/protocol/message/codecs.js';
import { deflateBody } from '../../src/protocol/message/zlib-deflater.js';
import { Prng } from '../helpers/prng.js';

const FIXTURES = new URL('../fixtures/codecs/', import.meta.url);
const fixture = (name: string): Buffer => readFileSync(new URL(name, FIXTURES));

/** Text-like bodies (compressible) and random bytes (output larger than the 16 KiB scratch). */
function bodies(rng: Prng): Buffer[] {
  const json = (n: number): Buffer => {
    const lines: string[] = [];
    for (let i = 0; lines.join('\n').length < n; i++) lines.push(JSON.stringify({ id: i, v: rng.int(1000) }));
    return Buffer.from(lines.join('\n')).subarray(0, n);
  };
  return [
    Buffer.alloc(0),
    Buffer.from('x'),
    json(4095),
    json(4096),
    json(64 * 1024),
    rng.bytes(1024),
    rng.bytes(40 * 1024),
    rng.bytes(200 * 1024),
  ];
}

describe('deflateBody', () => {
  it('writes the bytes of deflateSync at every level, body after body', () => {
    const rng = new Prng(0x5eed);
    for (let level = -1; level <= 9; level++) {
      for (const body of bodies(rng)) {
        const expected = zlib.deflateSync(body, { level });
        assert.deepEqual(deflateBody(body, level), expected, `level ${level}, ${body.length} bytes`);
        assert.deepEqual(zlib.inflateSync(deflateBody(body, level)), body);
      }
    }
  });

  it("writes Java Deflater's bytes at level 5 for the golden bodies", () => {
    for (const name of ['text-8k', 'random-1k', 'empty']) {
      assert.deepEqual(deflateBody(fixture(`${name}.raw`), 5), fixture(`${name}.zlib`), name);
    }
  });

  it('returns a small result without a 16 KiB output buffer behind it', () => {
    const body = Buffer.from('{"orderId":100001,"customer":"c-7919","amount":37}\n'.repeat(80));
    const out = deflateBody(body, 5);
    assert.ok(out.length < 1024, `compressed to ${out.length} bytes`);
    // Either a slice of Node's shared pool or a buffer of its own exact size.
    const backing = out.buffer.byteLength;
    assert.ok(backing === Buffer.poolSize || backing === out.length, `backed by ${backing} bytes`);
  });

  it('refuses a level outside -1..9 with a RangeError and keeps working afterwards', () => {
    assert.throws(() => deflateBody(Buffer.from('abc'), 10), RangeError);
    const body = Buffer.alloc(5000, 'ab');
    assert.deepEqual(deflateBody(body, 5), zlib.deflateSync(body, { level: 5 }));
  });
});

describe('deflateBody given what is not bytes', () => {
  it('refuses it as deflateSync does and compresses the next body correctly', () => {
    const body = Buffer.alloc(6000, 'xyz');
    deflateBody(body, 5);
    assert.throws(() => deflateBody(42 as unknown as Uint8Array, 5), TypeError);
    const text = 'a string, as deflateSync accepts';
    assert.deepEqual(deflateBody(text as unknown as Uint8Array, 5), zlib.deflateSync(text, { level: 5 }));
    assert.deepEqual(deflateBody(body, 5), zlib.deflateSync(body, { level: 5 }));
  });
});

describe('decompressMessageBody, ZLIB', () => {
  it('returns small bodies without the 16 KiB inflate chunk behind them, large ones intact', () => {
    const rng = new Prng(7);
    for (const size of [0, 100, 4096, 10_000, 100_000]) {
      const body = Buffer.from(Array.from({ length: size }, () => 'abcdefgh'[rng.int(8)]).join(''));
      const out = decompressMessageBody(zlib.deflateSync(body, { level: 5 }), 'ZLIB');
      assert.deepEqual(out, body);
      const backing = out.buffer.byteLength;
      assert.ok(
        backing === Buffer.poolSize || backing === 0 || backing < out.length * 2,
        `${size} bytes backed by ${backing}`,
      );
    }
  });
});
