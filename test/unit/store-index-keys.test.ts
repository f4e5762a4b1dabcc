/**
 * The keys a record is indexed under (store/index-keys.ts): read from a property string or in place
 * from ASCII property bytes, the same hashes in the same order; a key repeated in one record once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeProperties } from '../../src/protocol/message/properties.js';
import {
  indexKeyHash,
  keyHashesOfAscii,
  keyHashesOfString,
  MAX_KEYS_PER_RECORD,
  topicPrefixHash,
} from '../../src/server/store/index-keys.js';

function hashesOfString(topic: string, props: string): number[] {
  const out = new Int32Array(1 + MAX_KEYS_PER_RECORD);
  return [...out.subarray(0, keyHashesOfString(topicPrefixHash(topic), props, out))];
}

/** The bytes sit inside a larger buffer, between bytes that look like properties too. */
function hashesOfAscii(topic: string, props: string): number[] {
  const out = new Int32Array(1 + MAX_KEYS_PER_RECORD);
  const around = Buffer.from(`KEYS\u0001before\u0002${props}\u0002KEYS\u0001after`, 'latin1');
  const from = 'KEYS\u0001before\u0002'.length;
  const n = keyHashesOfAscii(topicPrefixHash(topic), around, from, from + props.length, out);
  return [...out.subarray(0, n)];
}

test('UNIQ_KEY first, then each KEYS entry split by spaces, each key once', () => {
  const h = (key: string): number => indexKeyHash('T', key);
  const cases: [string, number[]][] = [
    ['', []],
    ['UNIQ_KEY\u0001U1', [h('U1')]],
    ['KEYS\u0001a  b a\u0002UNIQ_KEY\u0001b\u0002', [h('b'), h('a')]],
    ['TAGS\u0001t\u0002KEYS\u0001 x y \u0002', [h('x'), h('y')]],
    ['XKEYS\u0001no\u0002MYUNIQ_KEY\u0001no\u0002UNIQ_KEY\u0001', []],
    ['KEYS\u0001k\u0002KEYS\u0001second', [h('second')]], // the last value, as Java's map keeps it
    ['UNIQ_KEY\u0001U1\u0002KEYS\u0001k\u0002UNIQ_KEY\u0001U2', [h('U2'), h('k')]],
    // An entry with an empty value is not in Java's map: the earlier value stays.
    ['KEYS\u0001a\u0002KEYS\u0001', [h('a')]],
    ['KEYS\u0001a\u0002KEYS\u0001\u0002UNIQ_KEY\u0001U1\u0002UNIQ_KEY\u0001\u0002', [h('U1'), h('a')]],
    ['UNIQ_KEY\u0001\u0002KEYS\u0001', []],
  ];
  for (const [props, want] of cases) {
    assert.deepEqual(hashesOfString('T', props), want, JSON.stringify(props));
    assert.deepEqual(hashesOfAscii('T', props), want, JSON.stringify(props));
  }
  // A caller that saw where the values start: read there (-1: none), no search.
  const out = new Int32Array(1 + MAX_KEYS_PER_RECORD);
  const bytes = Buffer.from('KEYS\u0001a\u0002UNIQ_KEY\u0001U1', 'latin1');
  const prefix = topicPrefixHash('T');
  assert.equal(keyHashesOfAscii(prefix, bytes, 0, bytes.length, out, 16, -1), 1);
  assert.equal(out[0], h('U1'));
  assert.equal(keyHashesOfAscii(prefix, bytes, 0, bytes.length, out, -1, 5), 1);
  assert.equal(out[0], h('a'));
  const many = Array.from({ length: 200 }, (_, i) => `m${i % 100}`).join(' ');
  const hashes = hashesOfString('T', `KEYS\u0001${many}`);
  assert.equal(hashes.length, MAX_KEYS_PER_RECORD, 'at most MAX_KEYS_PER_RECORD keys read');
  assert.deepEqual(hashesOfAscii('T', `KEYS\u0001${many}`), hashes);
});

/** What Java indexes: UNIQ_KEY and KEYS as its decoded property map holds them (decodeProperties). */
function fromDecodedMap(topic: string, props: string): number[] {
  const map = decodeProperties(props);
  const out: number[] = [];
  if (map.UNIQ_KEY !== undefined) out.push(indexKeyHash(topic, map.UNIQ_KEY));
  const keys = (map.KEYS ?? '').split(' ').filter((k) => k.length > 0);
  for (const key of keys.slice(0, MAX_KEYS_PER_RECORD)) {
    const hash = indexKeyHash(topic, key);
    if (!out.includes(hash)) out.push(hash);
  }
  return out;
}

test('ASCII bytes give what their string gives, for random property strings', () => {
  let x = 12345;
  const pick = (n: number): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
  const parts = ['KEYS', 'UNIQ_KEY', 'K', 'EYS', 'a', 'b', ' ', '  ', '\u0001', '\u0002', 'TAGS', 'x y'];
  // Whole entry openings too, or few strings would hold a key at all.
  parts.push('KEYS\u0001', '\u0002KEYS\u0001', 'UNIQ_KEY\u0001', '\u0002UNIQ_KEY\u0001');
  let keyed = 0;
  for (let round = 0; round < 5000; round++) {
    let props = '';
    for (let k = pick(12); k > 0; k--) props += parts[pick(parts.length)];
    const topic = pick(2) === 0 ? 'T' : 'Other%topic';
    const want = hashesOfString(topic, props);
    if (want.length > 0) keyed++;
    assert.deepEqual(hashesOfAscii(topic, props), want, JSON.stringify(props));
    assert.deepEqual(want, fromDecodedMap(topic, props), JSON.stringify(props));
  }
  assert.ok(keyed > 500, `${keyed} of the random strings had keys`);
});
