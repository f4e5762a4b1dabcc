/**
 * The values a SQL92 selector computes with, typed as Java's evaluator types them: null, Boolean,
 * String, Integer, Long and Double are different classes there, and comparisons convert between them
 * (ComparisonExpression.__compare), so numbers carry their Java class here.
 * Also Java's String → number parsing (Integer.valueOf, Long.valueOf, Double.valueOf), which message
 * property values (always strings) go through when compared with numbers.
 */
export type JavaNumber = { t: 'int'; v: number } | { t: 'long'; v: bigint } | { t: 'double'; v: number };
/** A value in SQL92 filter evaluation, typed as Java's evaluator types it (null is SQL unknown). */
export type Sql92Value = null | boolean | string | JavaNumber;

/** Thrown while evaluating where Java's evaluator throws (a failed conversion, a bad cast): no match. */
export class Sql92EvalError extends Error {}

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
const LONG_MIN = -(1n << 63n);
const LONG_MAX = (1n << 63n) - 1n;

export const jint = (v: number): JavaNumber => ({ t: 'int', v });
export const jlong = (v: bigint): JavaNumber => ({ t: 'long', v });
export const jdouble = (v: number): JavaNumber => ({ t: 'double', v });

export function isJavaNumber(v: Sql92Value): v is JavaNumber {
  return typeof v === 'object' && v !== null;
}

const INTEGER_TEXT = /^[+-]?[0-9]+$/;

function numberFormat(s: string): never {
  throw new Sql92EvalError(`For input string: "${s.length > 64 ? s.slice(0, 64) + '…' : s}"`);
}

/** Integer.valueOf(String) (ASCII digits; Java also takes other Unicode decimal digits). */
export function javaIntegerValueOf(s: string): number {
  if (!INTEGER_TEXT.test(s)) numberFormat(s);
  const n = BigInt(s);
  if (n < BigInt(INT_MIN) || n > BigInt(INT_MAX)) numberFormat(s);
  return Number(n);
}

/** Long.valueOf(String). */
export function javaLongValueOf(s: string): bigint {
  if (!INTEGER_TEXT.test(s)) numberFormat(s);
  const n = BigInt(s);
  if (n < LONG_MIN || n > LONG_MAX) numberFormat(s);
  return n;
}

// Java FloatingDecimal.readJavaFormatString: trimmed; NaN, Infinity, decimal or hexadecimal
// floating-point text, the latter two with an optional f/F/d/D suffix.
const DECIMAL_FLOAT = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fFdD]?$/;
const HEX_FLOAT = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?[0-9]+)[fFdD]?$/;
const SPECIAL_FLOAT = /^([+-]?)(NaN|Infinity)$/;

/** Double.valueOf(String). */
export function javaDoubleValueOf(input: string): number {
  // String.trim: every character up to U+0020 at either end.
  let from = 0;
  let to = input.length;
  while (from < to && input.charCodeAt(from) <= 0x20) from++;
  while (to > from && input.charCodeAt(to - 1) <= 0x20) to--;
  const s = input.slice(from, to);
  const special = SPECIAL_FLOAT.exec(s);
  if (special) {
    if (special[2] === 'NaN') return NaN;
    return special[1] === '-' ? -Infinity : Infinity;
  }
  if (DECIMAL_FLOAT.test(s)) return Number(s.replace(/[fFdD]$/, ''));
  const hex = HEX_FLOAT.exec(s);
  if (hex && (hex[2] !== '' || (hex[3] ?? '') !== '')) {
    const digits = hex[2]! + (hex[3] ?? '');
    const exponent = Number(hex[4]) - 4 * (hex[3] ?? '').length;
    const mantissa = Number(BigInt('0x' + digits));
    const value = mantissa === 0 ? 0 : mantissa * 2 ** Math.max(-1100, Math.min(1100, exponent));
    return hex[1] === '-' ? -value : value;
  }
  return numberFormat(input);
}

/** Double.compare: NaN above everything and equal to itself, -0.0 below 0.0. */
export function javaDoubleCompare(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  const aNaN = Number.isNaN(a);
  const bNaN = Number.isNaN(b);
  if (aNaN || bNaN) return aNaN === bNaN ? 0 : aNaN ? 1 : -1;
  const aNeg = Object.is(a, -0);
  const bNeg = Object.is(b, -0);
  return aNeg === bNeg ? 0 : aNeg ? -1 : 1;
}

function asDouble(n: JavaNumber): number {
  return n.t === 'long' ? Number(n.v) : n.v;
}

function compareNumbers(l: JavaNumber, r: JavaNumber): number {
  if (l.t === 'double' || r.t === 'double') return javaDoubleCompare(asDouble(l), asDouble(r));
  if (l.t === 'int' && r.t === 'int') return l.v < r.v ? -1 : l.v > r.v ? 1 : 0;
  const a = BigInt(l.v);
  const b = BigInt(r.v);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `s` parsed as the Java class of `like` (the String branch of __compare). */
function stringAs(s: string, like: JavaNumber): JavaNumber {
  if (like.t === 'int') return jint(javaIntegerValueOf(s));
  if (like.t === 'long') return jlong(javaLongValueOf(s));
  return jdouble(javaDoubleValueOf(s));
}

/**
 * ComparisonExpression.__compare with string conversion on (always, since SelectorParser.parse sets
 * CONVERT_STRING_EXPRESSIONS): both values non-null. Returns <0, 0 or >0; -1 for unrelated classes;
 * throws Sql92EvalError where Java throws (a string that is not a number of the other side's class;
 * a Boolean on the left of a String, which Java casts wrongly).
 */
export function javaCompare(l: Exclude<Sql92Value, null>, r: Exclude<Sql92Value, null>): number {
  if (typeof l === 'string') {
    if (typeof r === 'string') return l < r ? -1 : l > r ? 1 : 0;
    if (typeof r === 'boolean') return compareBooleans(l.toLowerCase() === 'true', r);
    return compareNumbers(stringAs(l, r), r);
  }
  if (typeof l === 'boolean') {
    if (typeof r === 'boolean') return compareBooleans(l, r);
    if (typeof r === 'string')
      throw new Sql92EvalError('java.lang.Boolean cannot be cast to java.lang.String');
    return -1;
  }
  if (typeof r === 'string') return compareNumbers(l, stringAs(r, l));
  if (typeof r === 'boolean') return -1;
  return compareNumbers(l, r);
}

function compareBooleans(a: boolean, b: boolean): number {
  return a === b ? 0 : a ? 1 : -1;
}

/** UnaryExpression.negate: Integer and Long wrap around as in Java; anything else is null. */
export function javaNegate(v: Sql92Value): Sql92Value {
  if (!isJavaNumber(v)) return null;
  if (v.t === 'int') return jint(-v.v | 0); // wraps at Integer.MIN_VALUE, and no -0
  if (v.t === 'long') return jlong(BigInt.asIntN(64, -v.v));
  return jdouble(-v.v);
}

/** Java's toString of a value, for messages. */
export function javaValueText(v: Sql92Value): string {
  if (v === null) return 'NULL';
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (typeof v === 'string') return `'${v.replace(/'/g, "''")}'`;
  if (v.t === 'double') return Number.isInteger(v.v) && Math.abs(v.v) < 1e7 ? v.v.toFixed(1) : String(v.v);
  return String(v.v);
}
