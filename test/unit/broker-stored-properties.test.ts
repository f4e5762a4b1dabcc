/**
 * propertiesToStoredString (the stored property string, in a 4.9.8 broker's HashMap order) against
 * the order computed afresh, over calls that repeat, change and reorder key sets: it remembers the
 * previous call's keys and must never reuse an order for other keys.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { javaHashMapKeyOrder } from '../../src/protocol/java/hash-map.js';
import { NAME_VALUE_SEPARATOR, PROPERTY_SEPARATOR } from '../../src/protocol/message/properties.js';
import { propertiesToStoredString } from '../../src/server/broker/core/stored-message.js';
import { Prng } from '../helpers/prng.js';

function reference(props: Readonly<Record<string, string | undefined>>): string {
  return javaHashMapKeyOrder(Object.keys(props))
    .filter((k) => props[k] !== undefined)
    .map((k) => k + NAME_VALUE_SEPARATOR + props[k]!)
    .join(PROPERTY_SEPARATOR);
}

test('stored property strings follow the HashMap order of each call’s own keys', () => {
  // "Aa" and "BB" share a Java hash code (same bucket: insertion order decides).
  const pool = [
    'UNIQ_KEY',
    'WAIT',
    'TAGS',
    'KEYS',
    'CLUSTER',
    'Aa',
    'BB',
    'DELAY',
    'a',
    'b',
    'c',
    'MSG_REGION',
  ];
  const rng = new Prng(7);
  const random = (n: number): number => rng.int(n);
  let previous: Record<string, string | undefined> = {};
  for (let round = 0; round < 3000; round++) {
    let props: Record<string, string | undefined>;
    const r = random(4);
    if (r === 0) {
      props = { ...previous }; // same keys, other values
      for (const k of Object.keys(props)) props[k] = `v${round}`;
    } else if (r === 1) {
      // Same number of keys, one swapped for another (a cache checking only the count would reuse).
      const keys = Object.keys(previous);
      const spare = pool.find((k) => !keys.includes(k));
      props = {};
      keys.forEach((k, i) => (props[i === 0 && spare ? spare : k] = `w${round}`));
    } else if (r === 2) {
      props = {}; // the same keys in another insertion order
      for (const k of Object.keys(previous).reverse()) props[k] = `x${round}`;
    } else {
      props = {};
      for (const k of pool) if (random(2) === 0) props[k] = random(8) === 0 ? undefined : `y${round}`;
    }
    assert.equal(
      propertiesToStoredString(props as Record<string, string>),
      reference(props),
      JSON.stringify(props),
    );
    previous = props;
  }
});
