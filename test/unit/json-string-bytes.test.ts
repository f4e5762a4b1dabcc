/**
 * readJsonString (the JSON header fast path's string reader): short ASCII strings come from a
 * direct-mapped cache of recent ones. Whatever the cache holds, the result must be the bytes' own text:
 * checked against Buffer#toString over many distinct strings that share slots, repeats, lengths at the
 * cache's limit and strings that differ only in their last byte.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { jsonString, readJsonString } from '../../src/protocol/json/string-bytes.js';

function quoted(text: string): Buffer {
  return Buffer.from(`"${text}"`, 'latin1');
}

function read(text: string): string | undefined {
  const buf = quoted(text);
  const value = readJsonString(buf, 0, buf.length);
  assert.equal(jsonString.end, buf.length);
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

it('strings with escapes decode as JSON.parse does, whatever else they hold (ASCII, non-ASCII, bad escapes)', () => {
  const pieces = [
    'a',
    'Z',
    ' ',
    '~',
    '\\u0001',
    '\\u0002',
    '\\"',
    '\\\\',
    '\\/',
    '\\n',
    '\\t',
    '\\b',
    '\\f',
    '\\r',
  ];
  pieces.push(
    '\\u007f',
    '\\u0080',
    '\\u00e9',
    '\\ud83d\\ude00',
    '\\ud83d',
    '\u00e9',
    '\u20ac',
    '\\x',
    '\\u12',
    '\\uZZZZ',
  );
  pieces.push('\u0001', '\u007f', 'WAIT', 'UNIQ_KEY', 'C0A8000100002A9F00000000000A1B2C');
  let seed = 12345;
  const next = (n: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
  const oracle = (literal: string): string | undefined => {
    try {
      return JSON.parse(literal) as string;
    } catch {
      return undefined;
    }
  };
  for (let i = 0; i < 20_000; i++) {
    let text = '';
    const count = next(12);
    for (let k = 0; k < count; k++) text += pieces[next(pieces.length)];
    if (i % 500 === 0) text += '\\u0001'.repeat(3990 + next(200)); // around the 4 KiB decode buffer
    const literal = `"${text}"${i % 3 === 0 ? '' : ',"next"'}`;
    const buf = Buffer.from(literal, 'utf8');
    const expected = oracle(`"${text}"`); // what follows the closing quote is not the string's
    const got = readJsonString(buf, 0, buf.length);
    assert.equal(got, expected, `literal ${JSON.stringify(literal)}`);
    if (got !== undefined) assert.equal(jsonString.end, Buffer.byteLength(`"${text}"`, 'utf8'));
  }
  for (const open of ['"a\\u0001', '"\\u0001\\u00', '"\\u0001\\', '"x\\n']) {
    const buf = Buffer.from(open, 'latin1');
    assert.equal(readJsonString(buf, 0, buf.length), undefined, `unclosed ${open}`);
  }
});
