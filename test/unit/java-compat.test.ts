/**
 * src/protocol/java/ against vectors printed by Java 17 (test/fixtures/java/JavaCompat.java; rerun it
 * with `java test/fixtures/java/JavaCompat.java` to check them): HashMap / HashSet iteration order
 * through every entry point (plain key lists, initial capacities, a JavaHashMap with a history,
 * a fresh HashSet copy), String.getBytes(UTF_8), and the Java int range.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  JavaHashMap,
  freshHashSetOrder,
  isJavaInt,
  javaHashMapKeyOrder,
  javaHashMapOrder,
  javaUtf8,
  JAVA_INT_MAX,
  JAVA_INT_MIN,
} from '../../src/protocol/java/index.js';

const topics = (n: number): string[] => Array.from({ length: n }, (_, i) => `Topic-${i}`);
const NAMES = ['TBW102', 'broker-a', '%RETRY%G', 'Topic-5', 'DefaultCluster', 'z', 'SELF_TEST_TOPIC'];

test('HashMap order: a default map grown 16 -> 64 [J]', () => {
  const expected = [
    ...['Topic-26', 'Topic-27', 'Topic-24', 'Topic-25', 'Topic-28', 'Topic-29', 'Topic-11', 'Topic-12'],
    ...['Topic-10', 'Topic-0', 'Topic-1', 'Topic-2', 'Topic-3', 'Topic-4', 'Topic-5', 'Topic-6'],
    ...['Topic-15', 'Topic-7', 'Topic-16', 'Topic-8', 'Topic-13', 'Topic-9', 'Topic-14', 'Topic-19'],
    ...['Topic-17', 'Topic-18', 'Topic-22', 'Topic-23', 'Topic-20', 'Topic-21'],
  ];
  assert.deepEqual(javaHashMapKeyOrder(topics(30)), expected);
  assert.deepEqual(javaHashMapOrder(topics(30)), expected);
  assert.deepEqual(freshHashSetOrder(topics(30)), expected);
  const map = new JavaHashMap<number>();
  for (const k of topics(30)) map.set(k, 0);
  assert.equal(map.javaCapacity, 64);
  assert.deepEqual(map.javaKeys(), expected);
});

test('HashMap order: initial capacity 4 grown to 8 and 16 [J]', () => {
  const fiveOf = ['%RETRY%G', 'TBW102', 'broker-a', 'Topic-5', 'DefaultCluster'];
  const seven = ['Topic-5', '%RETRY%G', 'z', 'TBW102', 'broker-a', 'SELF_TEST_TOPIC', 'DefaultCluster'];
  assert.deepEqual(javaHashMapOrder(NAMES.slice(0, 5), 4), fiveOf);
  assert.deepEqual(javaHashMapOrder(NAMES, 4), seven);
  assert.deepEqual(javaHashMapOrder(NAMES), seven); // new HashMap<>(): 16 as well
  const map = new JavaHashMap<number>(4);
  for (const k of NAMES.slice(0, 5)) map.set(k, 0);
  assert.equal(map.javaCapacity, 8);
  assert.deepEqual(map.javaKeys(), fiveOf);
});

test('JavaHashMap: removals keep the table size, re-put moves a key to its bucket end [J]', () => {
  const map = new JavaHashMap<number>();
  for (const k of topics(40)) map.set(k, 0);
  for (let i = 0; i < 40; i++) if (i % 5 !== 0) map.delete(`Topic-${i}`);
  map.delete('Topic-5');
  map.set('Topic-5', 1);
  map.set('broker-a', 1);
  map.set('TBW102', 1);
  const javaOrder = ['Topic-25', 'TBW102', 'Topic-30', 'Topic-10', 'broker-a'];
  javaOrder.push('Topic-0', 'Topic-5', 'Topic-15', 'Topic-35', 'Topic-20');
  assert.equal(map.javaCapacity, 64);
  assert.deepEqual(map.javaKeys(), javaOrder);
  assert.deepEqual(
    map.javaEntries().map(([k]) => k),
    javaOrder,
  );
  // new HashSet<>().addAll(map.keySet()): a table of 16 again.
  assert.deepEqual(freshHashSetOrder(map.javaKeys()), [
    ...['Topic-30', 'Topic-0', 'Topic-20', 'Topic-10', 'Topic-5'],
    ...['Topic-15', 'Topic-35', 'Topic-25', 'TBW102', 'broker-a'],
  ]);
});

test('HashMap order: colliding hashes in insertion order, a re-put key keeps its place [J]', () => {
  assert.deepEqual(javaHashMapOrder(['BB', 'x', 'Aa', 'BB', 'y']), ['BB', 'Aa', 'x', 'y']);
});

test('javaUtf8: String.getBytes(UTF_8), lone surrogates as ? [J]', () => {
  const vectors: [string, string][] = [
    ['a\uD800b', '613f62'],
    ['\uDC00', '3f'],
    ['\uD83D\uDE00', 'f09f9880'],
    ['x\uD83D', '783f'],
    ['\uDE00\uD83D', '3f3f'],
    ['é中', 'c3a9e4b8ad'],
  ];
  for (const [text, hex] of vectors) assert.equal(javaUtf8(text).toString('hex'), hex, JSON.stringify(text));
});

test('isJavaInt: the int32 range, integers only', () => {
  assert.equal(isJavaInt(JAVA_INT_MIN), true);
  assert.equal(isJavaInt(JAVA_INT_MAX), true);
  assert.equal(isJavaInt(JAVA_INT_MAX + 1), false);
  assert.equal(isJavaInt(JAVA_INT_MIN - 1), false);
  assert.equal(isJavaInt(1.5), false);
  assert.equal(isJavaInt(Number.NaN), false);
  assert.equal(isJavaInt(Number.POSITIVE_INFINITY), false);
});

test('HashMap order memo: keys that join to the same text, and capacities, are never confused', () => {
  // ['a\u0001b'] and ['a', 'b'] join to the same memo key; 4 and 16 share key lists.
  for (let round = 0; round < 3; round++) {
    assert.deepEqual(javaHashMapOrder(['a\u0001b']), ['a\u0001b']);
    assert.deepEqual(javaHashMapOrder(['a', 'b']), javaHashMapKeyOrder(['a', 'b']));
    assert.deepEqual(javaHashMapOrder(NAMES.slice(0, 5), 4), javaHashMapKeyOrder(NAMES.slice(0, 5), 8));
    assert.deepEqual(javaHashMapOrder(NAMES.slice(0, 5)), javaHashMapKeyOrder(NAMES.slice(0, 5), 16));
  }
  // A caller editing the returned order does not change later answers.
  const first = javaHashMapOrder(NAMES);
  first.reverse();
  assert.notDeepEqual(javaHashMapOrder(NAMES), first);
});
