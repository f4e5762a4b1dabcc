/**
 * The compiled header functions (compiled-codec.ts) against the table-driven ones (schema.ts): every
 * header this package declares, both key forms, generated inputs (absent, null, good and bad values,
 * numbers and booleans from JS callers, extra keys). Same result, key order included, or the same
 * error.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as headers from '../../src/protocol/headers/index.js';
import { compileHeader } from '../../src/protocol/headers/compiled-codec.js';
import { defineHeader } from '../../src/protocol/headers/schema.js';
import { decodeByTable, encodeByTable } from '../../src/protocol/headers/table-codec.js';
import type { FieldSpec, HeaderCodec, FieldTable } from '../../src/protocol/headers/index.js';
import { Prng } from '../helpers/prng.js';

const RAW_VALUES: unknown[] = [
  '0',
  '7',
  '-1',
  '+5',
  '007',
  '123456789',
  '1234567890',
  '2147483647',
  '2147483648',
  '-2147483648',
  '-2147483649',
  '9007199254740991',
  '9007199254740993',
  '9223372036854775807',
  '9223372036854775808',
  '-0',
  '',
  ' 1',
  '1e3',
  '0x10',
  'abc',
  'true',
  'TRUE',
  'false',
  'yes',
  'TopicTest',
  'ü\u0001\u0002',
  '1'.repeat(40),
  5,
  -3,
  1.5,
  true,
  false,
  null,
  undefined,
  12n,
];
const ENCODE_VALUES: unknown[] = [
  'text',
  '',
  'ü',
  0,
  7,
  -1,
  1.5,
  2 ** 53,
  2 ** 60,
  NaN,
  12n,
  -(2n ** 63n),
  2n ** 70n,
  true,
  false,
  null,
  undefined,
  { toString: () => 'obj' },
];

type Codec = HeaderCodec<FieldTable>;

const codecs = (Object.entries(headers) as [string, unknown][]).filter(
  (entry): entry is [string, Codec] =>
    typeof entry[1] === 'object' && entry[1] !== null && 'fields' in entry[1] && 'decodeLenient' in entry[1],
);

function outcome(run: () => unknown): unknown {
  try {
    const value = run();
    return { ok: value, keys: Object.keys(value as object) };
  } catch (error) {
    return { error: (error as Error).constructor.name, message: (error as Error).message };
  }
}

function check(codec: Codec, v2: boolean, rng: Prng, rounds: number): void {
  const random = (): number => rng.next() / 2 ** 32;
  const entries = Object.entries(codec.fields) as [string, FieldSpec][];
  const keyOf = (prop: string, spec: FieldSpec): string => (v2 && spec.v2 ? spec.v2 : (spec.wire ?? prop));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  for (let round = 0; round < rounds; round++) {
    const ext: Record<string, unknown> = {};
    const value: Record<string, unknown> = {};
    // Fields in a shuffled order, some left out, plus keys no field reads.
    for (const [prop, spec] of [...entries].sort(() => random() - 0.5)) {
      if (random() < 0.8) ext[keyOf(prop, spec)] = random() < 0.5 ? pick(RAW_VALUES) : String(round);
      if (random() < 0.8) value[prop] = pick(ENCODE_VALUES);
    }
    if (random() < 0.3) ext.unrelated = 'x';
    const fields = ext as Record<string, string>;
    assert.deepStrictEqual(
      outcome(() => codec.decode(fields, { v2 })),
      outcome(() => decodeByTable(codec.name, entries, fields, keyOf, false)),
      `${codec.name} decode ${JSON.stringify(ext, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}`,
    );
    assert.deepStrictEqual(
      outcome(() => codec.decodeLenient(fields, { v2 })),
      outcome(() => decodeByTable(codec.name, entries, fields, keyOf, true)),
      `${codec.name} decodeLenient`,
    );
    assert.deepStrictEqual(
      outcome(() => codec.encode(value as never, { v2 })),
      outcome(() => encodeByTable(codec.name, entries, value, keyOf)),
      `${codec.name} encode`,
    );
  }
}

describe('compiled header codecs', () => {
  it('cover every header this package declares', () => assert.ok(codecs.length >= 50, `${codecs.length}`));

  it('decode, decode leniently and encode as the table-driven functions do (both key forms)', () => {
    const random = new Prng(0x5eed);
    for (const [, codec] of codecs) {
      check(codec, false, random, 60);
      check(codec, true, random, 60);
    }
  });

  it('read an absent extFields as empty', () => {
    const { SendMessageRequestHeader } = headers;
    assert.throws(() => SendMessageRequestHeader.decode(undefined), /<producerGroup> is null/);
    assert.deepStrictEqual(SendMessageRequestHeader.decodeLenient(undefined), {});
  });

  it('embed names as literals: quotes, backslashes and line breaks in a caller table', () => {
    const odd = defineHeader('Odd"Header', {
      'a"b\\c': { type: 'string', required: true },
      'line\nbreak\u2028': { type: 'int', wire: '"}; throw 1; //' },
      __proto__x: { type: 'boolean' },
    });
    const ext = { 'a"b\\c': 'v', '"}; throw 1; //': '42', __proto__x: 'TRUE' };
    assert.deepStrictEqual(odd.decode(ext), { 'a"b\\c': 'v', 'line\nbreak\u2028': 42, __proto__x: true });
    assert.deepStrictEqual(odd.encode({ 'a"b\\c': 'v', 'line\nbreak\u2028': 42, __proto__x: true }), {
      ...ext,
      __proto__x: 'true',
    });
    assert.throws(() => odd.decode({}), /<a"b\\c> is null \(header Odd"Header\)/);
  });

  it('leave tables naming keys with numbers, bigints or objects to the table-driven functions', () => {
    const odd = defineHeader('OddKeys', {
      a: { type: 'int', wire: 7n as unknown as string },
      b: { type: 'string', wire: { toString: () => 'k' } as unknown as string },
      c: { type: 'long', v2: 5 as unknown as string },
    });
    assert.deepStrictEqual(odd.decode({ '7': '1', k: 'x' }), { a: 1, b: 'x' });
    assert.deepStrictEqual(odd.encode({ a: 1, b: 'x', c: 2n }), { '7': '1', k: 'x', c: '2' });
    assert.deepStrictEqual(odd.decode({ '5': '9' }, { v2: true }), { c: 9n });
    assert.deepStrictEqual(odd.encode({ c: 2n }, { v2: true }), { '5': '2' });
  });

  it('judge a JS caller’s number or bigint for a long field by its decimal text', () => {
    const h = defineHeader('Longs', { offset: { type: 'long', required: true } });
    const ext = (v: unknown): Record<string, string> => ({ offset: v as string });
    assert.deepStrictEqual(h.decode(ext(5)), { offset: 5n });
    assert.deepStrictEqual(h.decodeLenient(ext(12n)), { offset: 12n });
    assert.deepStrictEqual(h.decodeLenient(ext(1.5)), {});
    assert.throws(() => h.decode(ext(1.5)), /bad long value: "1.5"/);
  });

  it('fall back to the table where code generation from strings is disallowed', () => {
    const saved = globalThis.Function;
    globalThis.Function = function refused() {
      throw new EvalError('Code generation from strings disallowed for this context');
    } as unknown as FunctionConstructor;
    try {
      assert.equal(compileHeader('H', [['x', { type: 'int' }]], ['x']), undefined);
      const h = defineHeader('Fallback', { x: { type: 'int', required: true } });
      assert.deepStrictEqual(h.decode({ x: '5' }), { x: 5 });
      assert.deepStrictEqual(h.encode({ x: 5 }), { x: '5' });
      assert.throws(() => h.decode({ x: 'y' }), /bad int value: "y"/);
    } finally {
      globalThis.Function = saved;
    }
  });
});
