/**
 * SQL92 selectors: the cases of Java's filter tests (rocketmq-all-5.3.3 filter/src/test: ParserTest,
 * ExpressionTest, with their property values as the strings a message carries), then the semantics
 * read from the expression classes (conversions, nulls, construction checks), errors and bounds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compileSql92,
  MAX_SQL92_DEPTH,
  MAX_SQL92_LENGTH,
  parseSql92,
  Sql92SyntaxError,
} from '../../src/protocol/filter/index.js';
import { javaDoubleValueOf, javaIntegerValueOf } from '../../src/protocol/filter/java-values.js';

type Props = Record<string, string>;
const sel = (expr: string, props: Props, opts = {}): boolean => compileSql92(expr, opts).matches(props);

function refused(expr: string, why?: RegExp): Sql92SyntaxError {
  let caught: unknown;
  try {
    parseSql92(expr, { trailing: 'ignore' });
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof Sql92SyntaxError, `${expr} should be refused`);
  assert.equal(caught.code, 23);
  if (why) assert.match(caught.message, why);
  return caught;
}

const AND_EXPR = 'a=3 and b<>4 And c>5 AND d<=4';
const OR_EXPR = 'a=3 or b<>4 Or c>5 OR d<=4';

test('Java ParserTest: the valid expressions parse, the invalid ones do not', () => {
  for (const e of [
    AND_EXPR,
    'a=3  and    b<>4 And c>5 AND d<=4',
    OR_EXPR,
    "a in ('3', '4', '5')",
    "(a not in ('6', '4', '5')) or (b in ('3', '4', '5'))",
    '(a between 2 and 10) AND (b not between 6 and 9)',
    'a is null',
    'a is not null',
    'a <= now',
    "a=3 and b contains 'xxx' and c not contains 'xxx'",
  ]) {
    parseSql92(e);
  }
  refused('a and between 2 and 10');
  refused('a > 100000000000000000000000', /larger than a long/);
  refused(`a > 1${'1'.repeat(3000)}.${'1'.repeat(3000)}`, /greater than/);
  refused(' a between 10 and 0', /BETWEEN/);
  refused('value contains x', /string in single quotes/);
  refused('value not contains 123');
  refused("'axb' contains ");
});

test('Java ExpressionTest: and / or / in / between / null / boolean / strings', () => {
  const cases: [string, Props, boolean][] = [
    [AND_EXPR, { a: '3', b: '5', c: '6', d: '1' }, true],
    [AND_EXPR, { a: '4', b: '5', c: '6', d: '1' }, false],
    [OR_EXPR, { a: '3' }, true],
    [OR_EXPR, { a: '4', b: '5' }, true],
    [OR_EXPR, { a: '4', b: '4', c: '6' }, true],
    [OR_EXPR, { a: '4', b: '4', c: '3', d: '2' }, true],
    [OR_EXPR, { a: '4', b: '4', c: '3', d: '10' }, false],
    ["a in ('3', '4', '5')", { a: '4' }, true],
    ["a in ('3', '4', '5')", { a: '8' }, false],
    ["a not in ('3', '4', '5')", { a: '8' }, true],
    ["a not in ('3', '4', '5')", { a: '5' }, false],
    ['a between 2 and 10', { a: '2' }, true],
    ['a between 2 and 10', { a: '10' }, true],
    ['a between 2 and 10', { a: '11' }, false],
    ['a not between 2 and 10', { a: '1' }, true],
    ['a not between 2 and 10', { a: '3' }, false],
    ['a is null', { abc: '2' }, true],
    ['a is null', { a: '2' }, false],
    ['a is not null', { a: '2' }, true],
    ['a is not null', { abc: '2' }, false],
    ["a is not null and a='hello'", { a: 'hello' }, true],
    ["a is not null and a='hello'", {}, false],
    ['a=TRUE OR b=FALSE', { a: 'true', b: 'false' }, true],
    ['a=TRUE OR b=FALSE', { a: 'false', b: 'true' }, false],
    ["a is null OR a='hello'", {}, true],
    ["a is null OR a='hello'", { a: 'abc' }, false],
    ["TAGS is not null and TAGS='''''tag'''''", { TAGS: "''tag''" }, true],
    ['a between up and low', { a: '3.14' }, false],
    ['a between up and low', { a: '3.14', up: 'up', low: 'low' }, false],
    ['key is not null and key between 0 and 100', { key: 'con' }, false],
    ['a between 0 and 100', { a: 'abc' }, false],
    ['a=b', { a: '3.14', b: '3.14' }, true],
    ['a<>b', { a: '3.14', b: '3.14' }, false],
    ['a<>b', { a: '3.14', b: '3.141' }, true],
    ['a > 3.1E10', { a: String(3.1415 * 10 ** 10) }, true],
    ['a > 3.14', { a: '3.1415' }, true],
    ['a > b', { a: '10', b: '20' }, false],
    ['a > b', { a: '20', b: '10' }, true],
    ["value contains 'x'", { value: 'axb' }, true],
    ["value startswith 'ax'", { value: 'axb' }, true],
    ["value endswith 'xb'", { value: 'axb' }, true],
    ["value not contains 'x'", { value: 'axb' }, false],
    ["value not startswith 'x'", { value: 'abb' }, true],
    ["value contains ''", { value: 'axb' }, false],
    ["value not endswith ''", { value: 'axb' }, false],
    ["value not contains 'x'", {}, false],
    ["'axb' not endswith 'u'", {}, true],
    ["' ' startswith ' '", {}, true],
    ["'s' contains '\\'", {}, false],
    [
      "a not in ('4', '4', '5') and b between 3 and 10 and c not contains 'axbc'",
      { a: '3', b: '3', c: 'axbdc' },
      true,
    ],
  ];
  for (const [expr, props, want] of cases)
    assert.equal(sel(expr, props), want, `${expr} with ${JSON.stringify(props)}`);
});

test('conversions as ComparisonExpression.__compare: a property string takes the literal class', () => {
  assert.equal(sel('a = 3', { a: '3' }), true);
  assert.equal(sel('a = 3', { a: '+3' }), true); // Integer.valueOf takes a sign
  assert.equal(sel('a = 3', { a: '3.0' }), false); // Integer.valueOf("3.0") throws: no match
  assert.equal(sel('a = 3.0', { a: '3' }), true);
  assert.equal(sel('a > 3', { a: '3.5' }), false); // as Java: Integer.valueOf("3.5") throws
  assert.equal(sel('a > 3.0', { a: '3.5' }), true);
  assert.equal(sel('a = 3000000000', { a: '3000000000' }), true); // Long literal
  assert.equal(sel('a < 5', { a: ' 4' }), false); // no trimming for integers
  assert.equal(sel('a < 5.0', { a: ' 4 ' }), true); // Double.valueOf trims
  assert.equal(sel('a < 5.0', { a: '4f' }), true);
  assert.equal(sel('a < 5.0', { a: '0x1p2' }), true);
  assert.equal(sel('a > 5.0', { a: 'NaN' }), true); // Double.compareTo: NaN is the largest
  assert.equal(sel('a = TRUE', { a: 'TRUE' }), true); // Boolean.valueOf ignores case
  assert.equal(sel('a = TRUE', { a: 'yes' }), false);
  assert.equal(sel('TRUE = a', { a: 'true' }), false); // Java casts the Boolean to String: fails
  assert.equal(sel("a = 'abc'", { a: 'abc' }), true);
  assert.equal(sel('a > b', { a: 'x', b: 'y' }), false); // strings compare only as numbers
  assert.equal(sel('a > -5', { a: '-4' }), true);
  assert.equal(sel('a', { a: 'true' }), false); // a property cast to boolean is never TRUE
  assert.equal(sel('3 = TRUE', {}), false); // unrelated classes: -1
  assert.equal(sel('NULL IS NULL', {}), true);
  assert.equal(sel('-a IS NULL', { a: '5' }), true); // negating a string gives null
  assert.equal(sel('a = 2147483648', { a: '2147483648' }), true);
  assert.equal(javaIntegerValueOf('-2147483648'), -2147483648);
  assert.throws(() => javaIntegerValueOf('2147483648'));
  assert.equal(javaDoubleValueOf('  1e3d '), 1000);
  assert.throws(() => javaDoubleValueOf('0x10'));
  assert.throws(() => javaDoubleValueOf(''));
});

test('three-valued logic: null is neither true nor false, NOT null is null', () => {
  assert.equal(sel('a = 1 OR b = 1', { b: '1' }), true);
  assert.equal(sel('NOT (a = 1)', {}), false);
  assert.equal(sel('NOT (a = 1) OR TRUE', {}), true);
  assert.equal(sel('a = 1 AND FALSE', {}), false);
  assert.equal(sel('a <> 1', {}), false);
  assert.equal(sel("a NOT IN ('x')", {}), false);
  assert.equal(compileSql92('a = 1 AND b = 1').evaluate({ b: '1' }), null);
  assert.equal(compileSql92('a = 1 OR b = 1').evaluate({ b: '2' }), null);
  // Java evaluates left to right and stops at the decisive operand; a failing operand before it fails all.
  assert.equal(sel("a > 1 OR b = 'x'", { a: 'zz', b: 'x' }), false);
  assert.equal(sel("b = 'x' OR a > 1", { a: 'zz', b: 'x' }), true);
});

test('lexical rules: keywords ignore case, comments, literals, identifiers', () => {
  assert.equal(sel('a IS not NULL AnD b = 1', { a: 'x', b: '1' }), true);
  assert.equal(sel('a = 1 -- a comment\n AND b = 2', { a: '1', b: '2' }), true);
  assert.equal(sel('a /* block */ = 1', { a: '1' }), true);
  assert.equal(sel('a = --1', { a: '1' }), true); // no line break: two minus signs
  assert.equal(sel('$x_1 = 5L', { $x_1: '5' }), true);
  assert.equal(sel('a = .5', { a: '0.5' }), true);
  assert.equal(sel('a = 5.', { a: '5' }), true);
  assert.equal(sel("a = 'it''s'", { a: "it's" }), true);
  assert.equal(sel('a = 007', { a: '0' }, { trailing: 'ignore' }), true); // Java: "0" then ignored "07"
  refused('a.b = 1'); // no dots in identifiers, as Java
  refused('a = 0.0', /less than/); // Java refuses a float literal of 0
  refused('a = 1 AND', /end of the expression/);
  refused("a = 'open", /unterminated string/);
  refused('a = 1 /* open', /unterminated comment/);
  refused('a == 1');
  refused('a != 1', /unexpected character '!'/);
  refused('', /empty/);
  refused('a = NULL', /IS NULL/);
  refused("TRUE = 'x'", /cannot be compared/);
  refused("a > 'x'", /cannot be compared/);
  refused('a > 1 > 2', /cannot be compared/);
  refused("'x' IN ('x')", /property/);
  refused('1', /boolean/);
  refused('NOT 5', /boolean/);
  refused('a = 1 NOT b', /after NOT/);
  refused('a IS 1', /NULL/);
});

test('trailing input: ignored in Java mode, refused by default', () => {
  assert.equal(sel('a = 1 b = 2', { a: '1' }, { trailing: 'ignore' }), true);
  const err = (() => {
    try {
      parseSql92('a = 1 b = 2');
    } catch (e) {
      return e as Sql92SyntaxError;
    }
    return undefined;
  })();
  assert.ok(err instanceof Sql92SyntaxError);
  assert.equal(err.position, 6);
  assert.match(err.message, /position 6.*missing AND/);
});

test('bounds: length and nesting are limited, long flat chains are not deep', () => {
  const deepParens = '('.repeat(MAX_SQL92_DEPTH + 1) + 'a = 1' + ')'.repeat(MAX_SQL92_DEPTH + 1);
  refused(deepParens, /nested/);
  refused('NOT '.repeat(5000) + 'a', /nested/);
  refused('- '.repeat(5000) + 'a IS NULL', /nested/);
  refused('a' + ' IS NULL'.repeat(MAX_SQL92_DEPTH + 5), /nested/);
  refused('a = 1 OR '.repeat(MAX_SQL92_LENGTH / 8) + 'a = 1', /characters/);
  const chain = Array.from({ length: 2000 }, (_, i) => `a = ${i}`).join(' OR ');
  assert.equal(sel(chain, { a: '1999' }), true);
  // Input that used to make lexers quadratic: many '--' without a line break, many quotes.
  assert.equal(parseSql92('a IS NULL ' + '-- '.repeat(20000), { trailing: 'ignore' }).k, 'eq');
  assert.equal(sel(`a = '${"''".repeat(30000)}'`, { a: "'".repeat(30000) }), true);
  refused('a = ' + '-'.repeat(60000), /nested/);
});
