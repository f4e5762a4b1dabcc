/**
 * Custom headers: each header is declared once, as an ordered table of fields, and that table drives
 * both directions. On the wire every value is a string in `extFields`, keyed by the Java field name
 * (or, for SEND_MESSAGE_V2-style headers, by a one-letter V2 name).
 *
 * Field types:
 *   string   text as is
 *   int      Java int (decimal, int32 range)
 *   long     Java long as bigint: lossless over the whole int64 range (offsets and the like)
 *   number   Java long known to stay within 2^53 (timestamps, timeouts); decoded as a JS number
 *   boolean  "true"/"false"; decoded like Java Boolean.parseBoolean (case-insensitive "true")
 */
import { HeaderFieldError } from '../../common/errors.js';
import { isJavaInt } from '../java/int-range.js';

/** Wire type of a header field: Java String, int, long (bigint), a long kept as number, or boolean. */
export type FieldType = 'string' | 'int' | 'long' | 'number' | 'boolean';

type TsType<T extends FieldType> = T extends 'string'
  ? string
  : T extends 'int' | 'number'
    ? number
    : T extends 'long'
      ? bigint
      : boolean;

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

/** A header's fields by property name, in Java declaration order. */
export type FieldTable = Record<string, FieldSpec>;

/** The TypeScript value type a field table describes: required fields mandatory, others optional. */
export type HeaderValue<F extends FieldTable> = {
  -readonly [K in keyof F as F[K]['required'] extends true ? K : never]: TsType<F[K]['type']>;
} & {
  -readonly [K in keyof F as F[K]['required'] extends true ? never : K]?: TsType<F[K]['type']>;
};

export interface CodecOptions {
  /** Use the V2 one-letter keys where the table declares them. */
  v2?: boolean;
}

/** Encodes and decodes one custom header (Java CommandCustomHeader) to and from extFields. */
export interface HeaderCodec<F extends FieldTable> {
  readonly name: string;
  readonly fields: F;
  /** Header value -> extFields entries, in declaration order; undefined fields are left out. */
  encode(value: HeaderValue<F>, options?: CodecOptions): Record<string, string>;
  /** extFields -> header value; throws HeaderFieldError for a missing required field or a bad value. */
  decode(extFields: Readonly<Record<string, string>> | undefined, options?: CodecOptions): HeaderValue<F>;
  /**
   * Lenient decode, for requests answered (or logged) even when a field Java marks `@CFNotNull` is
   * missing or a number is bad: the fields present and well formed; the others stay undefined.
   */
  decodeLenient(
    extFields: Readonly<Record<string, string>> | undefined,
    options?: CodecOptions,
  ): Partial<HeaderValue<F>>;
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

function formatValue(spec: FieldSpec, value: unknown, field: string, header: string): string {
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
 * A decimal int of up to 9 digits without sign or leading zeros, as a number; -1 when `raw` is not
 * one. Most numbers in headers are such (queue ids, flags, counts, timeouts): they skip the pattern.
 */
function smallDecimal(raw: string): number {
  if (typeof raw !== 'string') return -1; // a JS caller's number or boolean: the general rules judge it
  const length = raw.length;
  if (length === 0 || length > 9 || (length > 1 && raw.charCodeAt(0) === 0x30)) return -1;
  let n = 0;
  for (let i = 0; i < length; i++) {
    const digit = raw.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return -1;
    n = n * 10 + digit;
  }
  return n;
}

/** What parseValue returns for a value its type does not accept. */
const BAD_VALUE: unique symbol = Symbol('bad header value');

function parseValue(spec: FieldSpec, raw: string): unknown {
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
      const small = smallDecimal(raw);
      if (small >= 0) return small;
      if (!INT_PATTERN.test(raw)) return BAD_VALUE;
      const n = Number(raw);
      if (!Number.isSafeInteger(n)) return BAD_VALUE;
      return n === 0 ? 0 : n; // no -0
    }
    case 'long': {
      // BigInt() of a long digit string costs quadratic time: a peer could stall the event loop with
      // one megabyte-long value. Anything with more than 19 significant digits overflows anyway.
      if (!INT_PATTERN.test(raw)) return BAD_VALUE;
      if (significantDigits(raw) > MAX_LONG_DIGITS) return BAD_VALUE;
      const n = BigInt(raw);
      if (n < -(1n << 63n) || n >= 1n << 63n) return BAD_VALUE;
      return n;
    }
  }
}

/** Declares a header. Field order in `fields` is the order fields are written on the wire. */
export function defineHeader<const F extends FieldTable>(name: string, fields: F): HeaderCodec<F> {
  const entries = Object.entries(fields);
  const keyOf = (prop: string, spec: FieldSpec, v2: boolean | undefined): string =>
    v2 && spec.v2 ? spec.v2 : (spec.wire ?? prop);
  return {
    name,
    fields,
    encode(value, options) {
      const out: Record<string, string> = {};
      const source = value as Record<string, unknown>;
      for (const [prop, spec] of entries) {
        const v = source[prop];
        if (v === undefined || v === null) continue;
        out[keyOf(prop, spec, options?.v2)] = formatValue(spec, v, prop, name);
      }
      return out;
    },
    decode(extFields, options) {
      const out: Record<string, unknown> = {};
      for (const [prop, spec] of entries) {
        const raw = extFields?.[keyOf(prop, spec, options?.v2)];
        if (raw === undefined || raw === null) {
          if (spec.required)
            throw new HeaderFieldError(`the custom field <${prop}> is null (header ${name})`);
          continue;
        }
        const value = parseValue(spec, raw);
        if (value === BAD_VALUE) {
          throw new HeaderFieldError(
            `the custom field ${prop} of ${name} has a bad ${spec.type} value: "${raw}"`,
          );
        }
        out[prop] = value;
      }
      return out as HeaderValue<F>;
    },
    decodeLenient(extFields, options) {
      const out: Record<string, unknown> = {};
      for (const [prop, spec] of entries) {
        const raw = extFields?.[keyOf(prop, spec, options?.v2)];
        if (raw === undefined || raw === null) continue;
        const value = parseValue(spec, raw);
        if (value !== BAD_VALUE) out[prop] = value;
      }
      return out as Partial<HeaderValue<F>>;
    },
  };
}

/** The value type of a declared header: `type SendMessageRequestHeader = HeaderOf<typeof SendMessageRequestHeader>`. */
export type HeaderOf<C> = C extends HeaderCodec<infer F> ? HeaderValue<F> : never;
