/**
 * Header field values on the wire and back: every value travels as a string in `extFields`; these
 * are the rules for each field type (see schema.ts), shared by the table-driven codec and the
 * compiled one (compiled-codec.ts).
 */
import { HeaderFieldError } from '../../common/errors.js';
import { isJavaInt } from '../java/int-range.js';

/** Wire type of a header field: Java String, int, long (bigint), a long kept as number, or boolean. */
export type FieldType = 'string' | 'int' | 'long' | 'number' | 'boolean';

/** One field of a header table: its type, whether it is required, and its wire keys. */
export interface FieldSpec {
  type: FieldType;
  /** Decoding fails when the field is absent (Java `@CFNotNull`). */
  required?: boolean;
  /** Key on the wire when it differs from the property name. */
  wire?: string;
  /** One-letter key used by the V2 form of the header. */
  v2?: string;
}

/** What Java's Integer.parseInt / Long.parseLong accept (ASCII digits): optional sign, leading zeros. */
const INT_PATTERN = /^[+-]?\d+$/;
/** Digits left after the sign and leading zeros: at most 19 fit a Java long. */
const MAX_LONG_DIGITS = 19;

/** Digits of an INT_PATTERN string after its sign and leading zeros (counted, no match array). */
function significantDigits(raw: string): number {
  let i = raw.charCodeAt(0) === 0x2b || raw.charCodeAt(0) === 0x2d ? 1 : 0;
  while (i < raw.length && raw.charCodeAt(i) === 0x30) i++;
  return raw.length - i;
}

export function formatValue(spec: FieldSpec, value: unknown, field: string, header: string): string {
  switch (spec.type) {
    case 'string':
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'long':
      if (typeof value === 'bigint') return value.toString();
      if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
      break;
    case 'int':
    case 'number':
      if (typeof value === 'number' && Number.isInteger(value)) return String(value);
      if (typeof value === 'bigint') return value.toString();
      break;
  }
  throw new HeaderFieldError(`${header}.${field}: cannot encode ${String(value)} as ${spec.type}`);
}

/**
 * A decimal of up to `maxDigits` digits without sign or leading zeros, as a number; -1 when `raw` is
 * not one. Most numbers in headers are such (queue ids, flags, counts, timeouts; timestamps with 15):
 * they skip the pattern. 9 digits always fit an int, 15 always a safe integer.
 */
export function smallDecimal(raw: string, maxDigits = 9): number {
  if (typeof raw !== 'string') return -1; // a JS caller's number or boolean: the general rules judge it
  const length = raw.length;
  if (length === 0 || length > maxDigits || (length > 1 && raw.charCodeAt(0) === 0x30)) return -1;
  let n = 0;
  for (let i = 0; i < length; i++) {
    const digit = raw.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return -1;
    n = n * 10 + digit;
  }
  return n;
}

/** Digits of a decimal that is always a safe integer (under 2^53). */
export const SAFE_DIGITS = 15;

/** What parseValue returns for a value its type does not accept. */
export const BAD_VALUE: unique symbol = Symbol('bad header value');

export function parseValue(spec: FieldSpec, raw: string): unknown {
  switch (spec.type) {
    case 'string':
      return raw;
    case 'boolean':
      return raw.toLowerCase() === 'true';
    case 'int': {
      const small = smallDecimal(raw);
      if (small >= 0) return small;
      if (!INT_PATTERN.test(raw)) return BAD_VALUE;
      const n = Number(raw);
      if (!isJavaInt(n)) return BAD_VALUE;
      return n | 0; // "-0" is 0, as in Java
    }
    case 'number': {
      const small = smallDecimal(raw, SAFE_DIGITS);
      if (small >= 0) return small;
      if (!INT_PATTERN.test(raw)) return BAD_VALUE;
      const n = Number(raw);
      if (!Number.isSafeInteger(n)) return BAD_VALUE;
      return n === 0 ? 0 : n; // no -0
    }
    case 'long': {
      // A JS caller's number or bigint is judged by its decimal text, as the int types judge theirs.
      const text = typeof raw === 'string' ? raw : String(raw);
      const small = smallDecimal(text, SAFE_DIGITS); // offsets and the like: no pattern, no string BigInt
      if (small >= 0) return BigInt(small);
      // BigInt() of a long digit string costs quadratic time: a peer could stall the event loop with
      // one megabyte-long value. Anything with more than 19 significant digits overflows anyway.
      if (!INT_PATTERN.test(text)) return BAD_VALUE;
      if (significantDigits(text) > MAX_LONG_DIGITS) return BAD_VALUE;
      const n = BigInt(text);
      if (n < -(1n << 63n) || n >= 1n << 63n) return BAD_VALUE;
      return n;
    }
  }
}
