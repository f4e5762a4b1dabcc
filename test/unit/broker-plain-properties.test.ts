/**
 * plainStoredProperties (the send path's stored string without a property table) against the table
 * path it stands in for: decodeProperties, CLUSTER added, WAIT kept as a key valued undefined,
 * propertiesToStoredString. Whenever the fast path answers, its string, WAIT and TAGS must be the
 * table path's; it must decline every string the table path would treat as more than a plain message.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { MessageConst } from '../../src/protocol/message/constants.js';
import { decodeProperties } from '../../src/protocol/message/properties.js';
import { javaHashMapKeyOrder } from '../../src/protocol/java/hash-map.js';
import { plainStoredProperties } from '../../src/server/broker/send/plain-properties.js';
import { propertiesToStoredString } from '../../src/server/broker/core/stored-message.js';
import { Prng } from '../helpers/prng.js';

const CLUSTER = 'DefaultCluster';
const NAMES = [
  'KEYS',
  'TAGS',
  'WAIT',
  'UNIQ_KEY',
  'a',
  'Zz',
  'PGROUP',
  'MSG_REGION',
  'TRACE_ON',
  '__CRC32#',
  'k1',
  'k2',
  'k3',
  'k4',
  'k5',
  'k6',
  'k7',
  'k8',
  'k9',
  'k10',
  'k11',
  // Array indexes: a JS table lists them first; the fast path must keep the table path's order.
  '0',
  '7',
  '42',
  '4294967294',
];
const ACTED_ON = [
  'DELAY',
  'TRAN_MSG',
  'CLUSTER',
  'TIMER_OUT_MS',
  'TIMER_DELIVER_MS',
  'TIMER_DELAY_MS',
  'TIMER_DELAY_SEC',
];

/** The table path of send-requests.ts for a message without delay, timer or transaction. */
function tablePath(properties: string): {
  stored: string;
  wait: string | undefined;
  tags: string | undefined;
  uniq: string | undefined;
} {
  const props: Record<string, string | undefined> = decodeProperties(properties);
  props[MessageConst.PROPERTY_CLUSTER] = CLUSTER;
  const wait = props.WAIT;
  if (wait !== undefined) props.WAIT = undefined;
  return { stored: propertiesToStoredString(props), wait, tags: props.TAGS, uniq: props.UNIQ_KEY };
}

/**
 * What a 4.9.8 broker stores for a clean string (unique names): its HashMap of the entries in string
 * order, CLUSTER put last, WAIT removed (still counted for the table size).
 */
function javaOrder(properties: string): string {
  const entries = properties.split('\u0002').filter((e) => e.length > 0);
  const names = entries.map((e) => e.slice(0, e.indexOf('\u0001')));
  const byName = new Map(entries.map((e, i) => [names[i]!, e]));
  byName.set('CLUSTER', `CLUSTER\u0001${CLUSTER}`);
  return javaHashMapKeyOrder([...names, 'CLUSTER'])
    .filter((name) => name !== 'WAIT')
    .map((name) => byName.get(name)!)
    .join('\u0002');
}

/** A JS object lists these names before the others, whatever their place in the string. */
const ARRAY_INDEX = /^(?:0|[1-9]\d*)$/;

function randomProperties(rng: Prng): string {
  const names = [...NAMES].sort(() => rng.int(3) - 1).slice(0, rng.int(14));
  if (rng.bool(0.1)) names.push(rng.pick(ACTED_ON));
  if (rng.bool(0.05) && names.length > 0) names.push(rng.pick(names)); // a duplicate
  let text = names
    .map(
      (n) =>
        `${n}\u0001${rng.bool(0.03) ? '' : rng.pick(['v', 'true', 'TagA', `x${rng.int(1e6)}`, 'a\u0001b'])}`,
    )
    .join('\u0002');
  if (rng.bool(0.5)) text += '\u0002';
  if (rng.bool(0.05)) text = text.replace('\u0001', ''); // an entry without a value separator
  if (rng.bool(0.03)) text = `\u0002${text}`;
  if (rng.bool(0.03)) text += '\u0002\u0002';
  return text;
}

// First in this file: the first call of the process with an empty cluster name must add the entry.
it('adds the CLUSTER entry for an empty cluster name, on the first call too', () => {
  assert.equal(plainStoredProperties('A\u0001x', '')?.stored, 'A\u0001x\u0002CLUSTER\u0001');
});

it("gives Java's stored string and the table path's WAIT, TAGS and UNIQ_KEY, or declines (20,000 property strings)", () => {
  const rng = new Prng(0x5eed);
  let taken = 0;
  let withIndexNames = 0;
  let withUniq = 0;
  for (let i = 0; i < 20_000; i++) {
    const properties = randomProperties(rng);
    const fast = plainStoredProperties(properties, CLUSTER);
    const table = decodeProperties(properties);
    const actedOn = ACTED_ON.some((name) => table[name] !== undefined);
    if (fast === undefined) continue;
    taken++;
    const what = JSON.stringify(properties);
    assert.ok(!actedOn, what);
    assert.equal(fast.stored, javaOrder(properties), what);
    const expected = tablePath(properties);
    // The table path agrees, but for array-index names (its JS object lists them first).
    if (Object.keys(table).some((name) => ARRAY_INDEX.test(name))) withIndexNames++;
    else assert.equal(fast.stored, expected.stored, what);
    assert.equal(fast.wait, expected.wait, what);
    assert.equal(fast.tags, expected.tags, what);
    assert.equal(fast.uniq, expected.uniq, what);
    if (expected.uniq !== undefined) withUniq++;
  }
  assert.ok(withUniq > 1_000, `UNIQ_KEY in ${withUniq} strings`);
  assert.ok(taken > 10_000, `fast path taken ${taken} times`);
  assert.ok(withIndexNames > 1_000, `array-index names in ${withIndexNames} strings`);
});

it('keeps an array-index name in its place, as a Java HashMap does', () => {
  // "A" and "1" share bucket 1 of 16: insertion (string) order decides, A first.
  assert.equal(
    plainStoredProperties('A\u0001x\u00021\u0001y', 'C')?.stored,
    'A\u0001x\u00021\u0001y\u0002CLUSTER\u0001C',
  );
});

it('declines strings the table path reads differently from their entries', () => {
  for (const properties of [
    'A\u0001x\u0002A\u0001y', // duplicate: the last value wins in the table
    'A\u0001\u0002B\u0001y', // an entry without a value is dropped by the table
    '\u0001x\u0002B\u0001y', // an entry without a name
    'Ax\u0002B\u0001y', // no value separator
    'A\u0001x\u0002\u0002B\u0001y', // an empty entry
    'DELAY\u00013\u0002A\u0001x',
    'TRAN_MSG\u0001true',
    'CLUSTER\u0001other',
    'TIMER_DELAY_SEC\u000110',
  ]) {
    assert.equal(plainStoredProperties(properties, CLUSTER), undefined, JSON.stringify(properties));
  }
});

it('follows a change of cluster name and alternating key sets', () => {
  const a = 'KEYS\u0001k\u0002TAGS\u0001t\u0002WAIT\u0001true\u0002UNIQ_KEY\u0001u1';
  const b = 'UNIQ_KEY\u0001u2\u0002WAIT\u0001false';
  for (let i = 0; i < 3; i++) {
    for (const [text, cluster] of [
      [a, 'C1'],
      [b, 'C1'],
      [a, 'C2'],
      [b, 'C2'],
    ] as const) {
      const props: Record<string, string | undefined> = decodeProperties(text);
      props.CLUSTER = cluster;
      props.WAIT = undefined;
      assert.equal(plainStoredProperties(text, cluster)?.stored, propertiesToStoredString(props));
    }
  }
});
