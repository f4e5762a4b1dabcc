/**
 * SQL92 selectors under fuzz (seeded): expressions generated from the grammar, the same with tokens
 * dropped, duplicated or swapped, and random characters. Parsing either succeeds or throws
 * Sql92SyntaxError with a position inside the input; a parsed selector evaluates against random
 * properties without throwing; Java mode (trailing input ignored) accepts everything the strict mode
 * accepts and answers alike; every input is handled in bounded time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileSql92, parseSql92, Sql92SyntaxError } from '../../src/protocol/filter/index.js';
import { Prng } from '../helpers/prng.js';
import { byTier } from '../helpers/tier.js';

const INPUTS = Number(process.env.RMQ_SQL92_FUZZ_INPUTS ?? byTier(1000, 200_000));
const SEED = Number(process.env.RMQ_SQL92_FUZZ_SEED ?? 92);
const NAMES = ['a', 'b', 'TAGS', 'region', '$x', '_y', 'NOTE', 'iS'];
const VALUES = [
  '1',
  '-3',
  '2147483648',
  '3.5',
  '1e3',
  'true',
  'TRUE',
  'eu',
  'NaN',
  '',
  ' 7',
  '0x1p3',
  "it's",
];

function literal(rng: Prng): string {
  return rng.pick([
    String(rng.range(0, 100)),
    `${rng.range(0, 9)}.${rng.range(0, 9)}`,
    '9223372036854775807',
    '9223372036854775808',
    `${rng.range(1, 9)}L`,
    '.5e2',
    "'eu'",
    "'it''s'",
    "''",
    'TRUE',
    'FALSE',
    'NULL',
  ]);
}

function operand(rng: Prng, depth: number): string {
  const roll = rng.int(10);
  if (roll < 4) return rng.pick(NAMES);
  if (roll < 7 || depth > 4) return literal(rng);
  if (roll < 8) return `-${operand(rng, depth + 1)}`;
  return `(${expression(rng, depth + 1)})`;
}

function predicate(rng: Prng, depth: number): string {
  const x = rng.bool(0.7) ? rng.pick(NAMES) : operand(rng, depth);
  const s = (): string => rng.pick(["'e'", "'u'", "''", "'x''y'"]);
  const num = (): string => (rng.bool(0.7) ? String(rng.range(0, 50)) : operand(rng, depth));
  switch (rng.int(9)) {
    case 0:
      return rng.bool()
        ? `${x} ${rng.pick(['=', '<>'])} ${operand(rng, depth)}`
        : `${x} ${rng.pick(['>', '>=', '<', '<='])} ${num()}`;
    case 1:
      return `${x} ${rng.bool() ? 'NOT ' : ''}BETWEEN ${rng.range(0, 9)} AND ${num()}`;
    case 2:
      return `${x} ${rng.bool() ? 'NOT ' : ''}IN (${s()}${rng.bool() ? `, ${s()}` : ''})`;
    case 3:
      return `${x} IS ${rng.bool() ? 'NOT ' : ''}NULL`;
    case 4:
      return `${x} ${rng.bool() ? 'not ' : ''}${rng.pick(['CONTAINS', 'startswith', 'EndsWith'])} ${s()}`;
    case 5:
      return `NOT ${predicate(rng, depth + 1)}`;
    default:
      return rng.pick(NAMES);
  }
}

function expression(rng: Prng, depth = 0): string {
  let out = predicate(rng, depth);
  for (let i = rng.int(depth > 3 ? 1 : 4); i > 0; i--) {
    out += ` ${rng.pick(['AND', 'OR', 'and', 'Or'])} ${predicate(rng, depth)}`;
  }
  return out;
}

function mutate(rng: Prng, text: string): string {
  const tokens = text.split(' ');
  switch (rng.int(5)) {
    case 0:
      tokens.splice(rng.int(tokens.length), 1);
      break;
    case 1: {
      const i = rng.int(tokens.length);
      tokens.splice(i, 0, tokens[i]!);
      break;
    }
    case 2: {
      const i = rng.int(tokens.length);
      const j = rng.int(tokens.length);
      [tokens[i], tokens[j]] = [tokens[j]!, tokens[i]!];
      break;
    }
    case 3:
      return text.slice(0, rng.int(text.length + 1));
    default: {
      const at = rng.int(text.length + 1);
      const junk = rng.pick(["'", '(', ')', '--', '/*', '*/', '\n', '!', '.', ',', '\u0000', '\ud800', 'é']);
      return text.slice(0, at) + junk + text.slice(at);
    }
  }
  return tokens.join(' ');
}

function randomText(rng: Prng): string {
  const alphabet = "abAB_$019.eE+-*/()=<>',\n\t NOTANDORISINLX\u0001\u00e9";
  let out = '';
  for (let i = rng.int(60); i > 0; i--) out += alphabet[rng.int(alphabet.length)];
  return out;
}

function properties(rng: Prng): Record<string, string> {
  const props: Record<string, string> = {};
  for (const name of NAMES) if (rng.bool(0.6)) props[name] = rng.pick(VALUES);
  return props;
}

test(`${INPUTS} generated, mutated and random selectors: no crash, errors with positions, bounded time`, () => {
  const rng = new Prng(SEED);
  let parsed = 0;
  let slowest = 0;
  for (let n = 0; n < INPUTS; n++) {
    const kind = n % 3;
    const text = kind === 0 ? expression(rng) : kind === 1 ? mutate(rng, expression(rng)) : randomText(rng);
    const started = performance.now();
    let strict: ReturnType<typeof compileSql92> | undefined;
    try {
      strict = compileSql92(text);
      parsed++;
    } catch (err) {
      assert.ok(err instanceof Sql92SyntaxError, `${JSON.stringify(text)} threw ${String(err)}`);
      assert.ok(err.position >= 0 && err.position <= text.length, `position of ${JSON.stringify(text)}`);
    }
    let lenient: ReturnType<typeof compileSql92> | undefined;
    try {
      lenient = compileSql92(text, { trailing: 'ignore' });
    } catch (err) {
      assert.ok(err instanceof Sql92SyntaxError);
      assert.equal(strict, undefined, `Java mode refused what strict mode took: ${JSON.stringify(text)}`);
    }
    for (let k = 0; k < 3 && lenient; k++) {
      const props = properties(rng);
      const answer = lenient.matches(props);
      if (strict) assert.equal(strict.matches(props), answer, JSON.stringify(text));
    }
    slowest = Math.max(slowest, performance.now() - started);
  }
  assert.ok(parsed > INPUTS / 5, `only ${parsed} of ${INPUTS} inputs parsed: the generator drifted`);
  assert.ok(slowest < 1000, `one input took ${slowest.toFixed(0)} ms`);
});

test('hostile sizes: deep nesting and huge inputs are refused quickly, not by a stack overflow', () => {
  for (const text of [
    '('.repeat(100_000),
    'NOT '.repeat(30_000),
    '-'.repeat(120_000),
    "a IN ('" + "x', '".repeat(20_000) + "x')",
    'a' + ' IS NULL'.repeat(10_000),
    'x'.repeat(200_000),
  ]) {
    try {
      parseSql92(text);
    } catch (err) {
      assert.ok(err instanceof Sql92SyntaxError, String(err));
    }
  }
});
