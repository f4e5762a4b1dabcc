import { test } from 'node:test';
import assert from 'node:assert/strict';
import { javaHashMapOrder } from '../../src/protocol/java/hash-map.js';
import { decodeProperties, encodeProperties, propertyValue } from '../../src/protocol/message/properties.js';

const hex = (s: string): string => Buffer.from(s, 'utf8').toString('hex').toUpperCase();

function ordered(entries: Record<string, string>, capacity = 16): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of javaHashMapOrder(Object.keys(entries), capacity)) out[k] = entries[k]!;
  return out;
}

test('decodeProperties: [J] vectors', () => {
  assert.deepEqual({ ...decodeProperties('A\u0001x\u0002B\u0001y\u0002') }, { A: 'x', B: 'y' });
  assert.deepEqual({ ...decodeProperties('A\u0001\u0002B\u0001y\u0002\u0001z\u0002C') }, { B: 'y' });
});

test('decodeProperties: tolerant rules', () => {
  const d = decodeProperties;
  // Nothing inherited: names of Object.prototype read as absent.
  for (const name of ['toString', 'constructor', 'hasOwnProperty', 'valueOf', '__proto__']) {
    assert.equal(d('')[name], undefined, name);
    assert.ok(!(name in d('')), name);
  }
  assert.equal({ ...d('toString\u0001x\u0002constructor\u0001y') }.toString, 'x');
  assert.deepEqual({ ...d('') }, {});
  assert.deepEqual({ ...d('A\u0001x') }, { A: 'x' }); // no trailing separator
  assert.deepEqual({ ...d('A\u0001x\u0002A\u0001y') }, { A: 'y' }); // last wins
  assert.deepEqual({ ...d('A\u0001b\u0001c\u0002') }, { A: 'b\u0001c' }); // split at first U+0001
  assert.deepEqual({ ...d('AB\u0002ABC\u0002\u0002\u0002K\u0001v') }, { K: 'v' }); // short / no separator
  assert.deepEqual({ ...d('__proto__\u0001x') }, { ['__proto__']: 'x' });
  assert.equal(d('__proto__\u0001x')['__proto__'], 'x');
});

test('encodeProperties: trailing separator on by default, off on request', () => {
  assert.equal(encodeProperties({}), '');
  assert.equal(encodeProperties({}, { trailingSeparator: false }), '');
  assert.equal(encodeProperties({ A: 'x', B: 'y' }), 'A\u0001x\u0002B\u0001y\u0002');
  assert.equal(encodeProperties({ A: 'x', B: 'y' }, { trailingSeparator: false }), 'A\u0001x\u0002B\u0001y');
  const withUndefined = { A: 'x', B: undefined } as unknown as Record<string, string>;
  assert.equal(encodeProperties(withUndefined), 'A\u0001x\u0002');
});

test('javaHashMapOrder: [J] orders for capacity 16 and 128', () => {
  const keys = [
    'KEYS',
    'TAGS',
    'WAIT',
    'DELAY',
    'REAL_TOPIC',
    'REAL_QID',
    'TRAN_MSG',
    'PGROUP',
    'MIN_OFFSET',
    'MAX_OFFSET',
    'MSG_REGION',
    'TRACE_ON',
    'UNIQ_KEY',
    'CLUSTER',
    'INSTANCE_ID',
  ];
  assert.deepEqual(javaHashMapOrder(keys, 16), [
    'TRACE_ON',
    'TRAN_MSG',
    'INSTANCE_ID',
    'MIN_OFFSET',
    'REAL_TOPIC',
    'MAX_OFFSET',
    'KEYS',
    'MSG_REGION',
    'UNIQ_KEY',
    'CLUSTER',
    'WAIT',
    'DELAY',
    'PGROUP',
    'TAGS',
    'REAL_QID',
  ]);
  assert.deepEqual(javaHashMapOrder(keys, 128), [
    'INSTANCE_ID',
    'MSG_REGION',
    'UNIQ_KEY',
    'CLUSTER',
    'PGROUP',
    'MIN_OFFSET',
    'DELAY',
    'TAGS',
    'TRAN_MSG',
    'KEYS',
    'WAIT',
    'TRACE_ON',
    'REAL_TOPIC',
    'MAX_OFFSET',
    'REAL_QID',
  ]);
  // Keys sharing a bucket keep insertion order: KEYS/MSG_REGION and UNIQ_KEY/CLUSTER collide at cap 32.
  const reversed = javaHashMapOrder([...keys].reverse(), 16);
  assert.deepEqual(reversed.slice(6, 10), ['MSG_REGION', 'KEYS', 'CLUSTER', 'UNIQ_KEY']);
  assert.deepEqual(javaHashMapOrder(['A', 'B', 'A'], 16), ['A', 'B']);
});

test('encodeProperties reproduces the [J] 4.9.8 producer string', () => {
  const props = ordered({
    TAGS: 'TagA',
    KEYS: 'KEY1 KEY2',
    WAIT: 'true',
    UNIQ_KEY: '7F00000100002A9F0000000000000001',
  });
  const javaForm =
    '4B455953014B455931204B45593202554E49515F4B45590137463030303030313030303032413946303030303030303030303030' +
    '303030310257414954017472756502544147530154616741';
  assert.equal(hex(encodeProperties(props, { trailingSeparator: false })), javaForm);
  assert.equal(hex(encodeProperties(props)), javaForm + '02'); // 5.3.3 form
  assert.deepEqual({ ...decodeProperties(encodeProperties(props)) }, props);
});

test('properties round trip (random)', () => {
  let seed = 12345;
  const rnd = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    return seed % n;
  };
  const alphabet = 'abcXYZ019_- =:中文é😀';
  const word = (min: number): string => {
    let s = '';
    const len = min + rnd(8);
    for (let i = 0; i < len; i++) s += alphabet[rnd(alphabet.length)];
    return s;
  };
  for (let iter = 0; iter < 300; iter++) {
    const props: Record<string, string> = {};
    const n = rnd(6);
    for (let i = 0; i < n; i++) props[word(1)] = word(1);
    for (const trailingSeparator of [true, false]) {
      assert.deepEqual({ ...decodeProperties(encodeProperties(props, { trailingSeparator })) }, props);
    }
  }
});

test('propertyValue: the value decodeProperties finds, on every string of a small alphabet', () => {
  // Every string up to 7 characters over names, separators and a value character: duplicates, empty
  // names and values, names inside values, missing and doubled separators.
  const alphabet = ['T', 'A', 'x', '\u0001', '\u0002'];
  let strings = [''];
  let checked = 0;
  for (let length = 1; length <= 7; length++) {
    strings = strings.flatMap((s) => alphabet.map((c) => s + c));
    for (const s of strings) {
      const table = decodeProperties(s);
      for (const name of ['T', 'A', 'TA', 'AT', 'TAx']) {
        assert.equal(propertyValue(s, name), table[name], JSON.stringify([s, name]));
        checked++;
      }
    }
  }
  assert.ok(checked > 400_000);
  assert.equal(propertyValue('KEYS\u0001k\u0002TAGS\u0001TagA\u0002UNIQ_KEY\u0001U', 'TAGS'), 'TagA');
});
