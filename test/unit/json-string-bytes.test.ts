/**
 * readJsonString (the JSON header fast path's string reader): short ASCII strings come from a
 * direct-mapped cache of recent ones. Whatever the cache holds, the result must be the bytes' own text:
 * checked against Buffer#toString over many distinct strings that share slots, repeats, lengths at the
 * cache's limit and strings that differ only in their last byte.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { jsonStringEnd, readJsonString } from '../../src/protocol/json/string-bytes.js';

function quoted(text: string): Buffer {
  return Buffer.from(`"${text}"`, 'latin1');
}

function read(text: string): string | undefined {
  const buf = quoted(text);
  const value = readJsonString(buf, 0, buf.length);
  assert.equal(jsonStringEnd, buf.length);
  return value;
}

it('returns the text of every short ASCII string, however the cache is filled', () => {
  // 20,000 distinct strings over 4,096 slots: most lookups land on a slot holding another string.
  const texts: string[] = [];
  for (let i = 0; i < 20_000; i++) texts.push(`k${i.toString(36)}`);
  for (let round = 0; round < 3; round++) {
    for (const t of texts) assert.equal(read(t), t);
  }
});

it('tells apart strings that differ only in one byte or in length', () => {
  for (const base of ['BenchTopic', 'TBW102', '0', 'a'.repeat(23), 'a'.repeat(24), 'a'.repeat(25)]) {
    const variants = [base, `${base.slice(0, -1)}X`, `${base}0`, base.slice(0, -1)];
    for (let i = 0; i < 4; i++) for (const v of variants) assert.equal(read(v), v);
  }
});

it('keeps escapes, non-ASCII and empty strings exact (not cached)', () => {
  const escaped = Buffer.from('"a\\"b\\u0041"', 'latin1');
  assert.equal(readJsonString(escaped, 0, escaped.length), 'a"bA');
  const utf8 = Buffer.from('"h\u00e9llo"', 'utf8');
  assert.equal(readJsonString(utf8, 0, utf8.length), 'h\u00e9llo');
  assert.equal(read(''), '');
});
