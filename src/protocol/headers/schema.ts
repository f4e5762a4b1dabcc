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
import { decodeByTable, encodeByTable } from './table-codec.js';
import type { FieldSpec, FieldType } from './field-values.js';
import { compileHeader } from './compiled-codec.js';
import type { CompiledHeader } from './compiled-codec.js';

export type { FieldSpec, FieldType } from './field-values.js';

type TsType<T extends FieldType> = T extends 'string'
  ? string
  : T extends 'int' | 'number'
    ? number
    : T extends 'long'
      ? bigint
      : boolean;

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

/**
 * Declares a header. Field order in `fields` is the order fields are written on the wire. The table is
 * read when the header is first encoded or decoded (and compiled then): change it before, not after.
 */
export function defineHeader<const F extends FieldTable>(name: string, fields: F): HeaderCodec<F> {
  const entries = Object.entries(fields);
  const keyOf = (prop: string, spec: FieldSpec, v2: boolean | undefined): string =>
    v2 && spec.v2 ? spec.v2 : (spec.wire ?? prop);
  // Compiled on first use, per key form (compiled-codec.ts); null: code generation is disallowed.
  const compiled: (CompiledHeader | null | undefined)[] = [];
  const compiledFor = (v2: boolean | undefined): CompiledHeader | null => {
    const form = v2 ? 1 : 0;
    let codec = compiled[form];
    if (codec === undefined) {
      const keys = entries.map(([prop, spec]) => keyOf(prop, spec, v2));
      codec = compileHeader(name, entries, keys) ?? null;
      compiled[form] = codec;
    }
    return codec;
  };
  return {
    name,
    fields,
    encode(value, options) {
      const codec = compiledFor(options?.v2);
      if (codec !== null) return codec.encode(value as Record<string, unknown>);
      return encodeByTable(name, entries, value as Record<string, unknown>, (prop, spec) =>
        keyOf(prop, spec, options?.v2),
      );
    },
    decode(extFields, options) {
      const codec = compiledFor(options?.v2);
      if (codec !== null) return codec.decode(extFields) as HeaderValue<F>;
      return decodeByTable(name, entries, extFields, (prop, spec) => keyOf(prop, spec, options?.v2), false);
    },
    decodeLenient(extFields, options) {
      const codec = compiledFor(options?.v2);
      if (codec !== null) return codec.decodeLenient(extFields) as Partial<HeaderValue<F>>;
      return decodeByTable(name, entries, extFields, (prop, spec) => keyOf(prop, spec, options?.v2), true);
    },
  };
}

/** The value type of a declared header: `type SendMessageRequestHeader = HeaderOf<typeof SendMessageRequestHeader>`. */
export type HeaderOf<C> = C extends HeaderCodec<infer F> ? HeaderValue<F> : never;
