/**
 * Tolerant JSON reader for the text Java's fastjson 1.2.x writes and accepts.
 *
 * Accepted beyond RFC 8259 (all of it occurs on the wire or is accepted by fastjson's default
 * parser features AllowUnQuotedFieldNames, AllowSingleQuotes, AllowArbitraryCommas):
 * - unquoted object keys: numbers (`{0:"a"}`, what fastjson writes for `Map<Long, ..>` without
 *   BrowserCompatible) and bare identifiers (`{topic:"a"}`); numeric keys are normalised to their
 *   canonical decimal text (`007` -> "7");
 * - single-quoted strings (keys and values);
 * - extra commas (`[1,,2]`, `{"a":1,}`);
 * - string escapes `\v`, `\'`, `\0`..`\7`, `\xHH`, `\F`, and raw control characters in strings;
 * - the literal `undefined` (read as null).
 *
 * Values: objects become `Map<string, JsonValue>` (entry order kept, a repeated key keeps its last
 * value as fastjson does); integers within +-(2^53-1) become `number`, larger ones `bigint` so no
 * digit is lost; numbers with a fraction or exponent become `number`.
 *
 * Bad input throws ProtocolError naming the character offset. Depth and size are bounded.
 */
import { ProtocolError } from '../../common/errors.js';

export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | JsonObject;
export type JsonObject = Map<string, JsonValue>;

export interface FastjsonParseOptions {
  /** Largest input accepted, in bytes (Buffer) or UTF-16 units (string). Default 16 MiB. */
  maxLength?: number;
  /** Deepest nesting of objects/arrays accepted. Default 128. */
  maxDepth?: number;
  /**
   * Most items in any one array. Parsing stops at the first item beyond, so a body made of a huge
   * array costs no more than the cap (a check after parsing would pay for the whole body). Default none.
   */
  maxArrayItems?: number;
  /**
   * Item caps for the arrays found under these object keys (anywhere in the document), in place of
   * `maxArrayItems`: a body's own lists can be capped while the lists nested in their items (a
   * subscription's tags) are not. Parsing stops at the first item beyond.
   */
  arrayCapsByKey?: ReadonlyMap<string, ArrayItemCap>;
  /**
   * Most values (objects, arrays, strings, numbers, literals) in the whole document. Parsing costs
   * ~1-2 µs per value: a 16 MiB body of `{},{},...` holds 5.6 M of them and stalled the event loop
   * for seconds, and nested arrays slip past every per-array cap. Parsing stops at the first value
   * beyond. Default none.
   */
  maxValues?: number;
}

/** One `arrayCapsByKey` entry. */
export interface ArrayItemCap {
  max: number;
  /** The error thrown for an array with more items; default a ProtocolError naming the key. */
  refuse?: (key: string) => Error;
}

export const DEFAULT_MAX_JSON_LENGTH = 16 * 1024 * 1024;
export const DEFAULT_MAX_JSON_DEPTH = 128;

const utf8 = new TextDecoder('utf-8');

/** Parses one JSON document (object, array or scalar); only whitespace may follow it. */
export function parseFastjson(input: Uint8Array | string, options: FastjsonParseOptions = {}): JsonValue {
  const maxLength = options.maxLength ?? DEFAULT_MAX_JSON_LENGTH;
  if (input.length > maxLength) {
    throw new ProtocolError(`JSON body of ${input.length} bytes exceeds the limit of ${maxLength}`);
  }
  // Java decodes bodies with new String(bytes, UTF_8): malformed sequences become U+FFFD.
  const text = typeof input === 'string' ? input : utf8.decode(input);
  const parser = new Parser(
    text,
    options.maxDepth ?? DEFAULT_MAX_JSON_DEPTH,
    options.maxArrayItems ?? Infinity,
    options.arrayCapsByKey,
    options.maxValues ?? Infinity,
  );
  return parser.parseDocument();
}

/** Like parseFastjson, but the document must be an object. */
export function parseFastjsonObject(input: Uint8Array | string, options?: FastjsonParseOptions): JsonObject {
  const value = parseFastjson(input, options);
  if (!(value instanceof Map)) throw new ProtocolError(`expected a JSON object, got ${describeJson(value)}`);
  return value;
}

export function describeJson(value: JsonValue | undefined): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Map) return 'an object';
  return `${typeof value} ${typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : String(value)}`;
}

const NUMBER_RE = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const IDENT_RE = /[A-Za-z_$][A-Za-z0-9_$]*/y;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/**
 * Longest integer literal accepted. BigInt() of a digit string costs quadratic time, so one
 * megabyte-long number would stall the event loop for seconds; no RocketMQ body needs more than a
 * long's 19 digits (BigDecimal-free), this leaves ample room.
 */
export const MAX_JSON_INTEGER_DIGITS = 1000;

class Parser {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
    private readonly maxArrayItems: number,
    private readonly arrayCaps: ReadonlyMap<string, ArrayItemCap> | undefined,
    private valuesLeft: number,
  ) {}

  parseDocument(): JsonValue {
    this.skipWs();
    const value = this.parseValue(0);
    this.skipWs();
    if (this.pos < this.text.length) this.fail('unexpected text after the JSON value');
    return value;
  }

  private fail(what: string): never {
    throw new ProtocolError(`malformed JSON at offset ${this.pos}: ${what}`);
  }

  private skipWs(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      // fastjson treats space, \t \n \r \f \b as whitespace.
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0c || c === 0x08) this.pos++;
      else break;
    }
  }

  /** `key`: the object key the value is under (for `arrayCapsByKey`). */
  private parseValue(depth: number, key?: string): JsonValue {
    if (--this.valuesLeft < 0) this.fail('more values than the body may hold');
    const c = this.text[this.pos];
    switch (c) {
      case '{':
        return this.parseObject(depth + 1);
      case '[':
        return this.parseArray(depth + 1, key);
      case '"':
      case "'":
        return this.parseString(c);
      case undefined:
        return this.fail('unexpected end of input');
      default:
        if (c === '-' || (c >= '0' && c <= '9')) return this.parseNumber();
        return this.parseLiteral();
    }
  }

  private parseLiteral(): JsonValue {
    IDENT_RE.lastIndex = this.pos;
    const m = IDENT_RE.exec(this.text);
    const word = m?.[0];
    if (word === 'true' || word === 'false' || word === 'null' || word === 'undefined') {
      this.pos += word.length;
      return word === 'true' ? true : word === 'false' ? false : null;
    }
    return this.fail(
      `unexpected ${word ? `word "${word.slice(0, 20)}"` : `character ${JSON.stringify(this.text[this.pos])}`}`,
    );
  }

  private parseNumber(): number | bigint {
    NUMBER_RE.lastIndex = this.pos;
    const m = NUMBER_RE.exec(this.text);
    if (!m || m[0] === '-') return this.fail('bad number');
    const s = m[0];
    this.pos += s.length;
    if (/[.eE]/.test(s)) return Number(s);
    const digits = s.charCodeAt(0) === 0x2d ? s.length - 1 : s.length;
    if (digits > MAX_JSON_INTEGER_DIGITS) {
      this.pos -= s.length;
      return this.fail(`integer of ${digits} digits (at most ${MAX_JSON_INTEGER_DIGITS})`);
    }
    const b = BigInt(s);
    return b <= MAX_SAFE && b >= -MAX_SAFE ? Number(b) : b;
  }

  private parseKey(): string {
    const c = this.text[this.pos];
    if (c === '"' || c === "'") return this.parseString(c);
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return String(this.parseNumber());
    IDENT_RE.lastIndex = this.pos;
    const m = IDENT_RE.exec(this.text);
    if (!m) return this.fail('expected an object key');
    this.pos += m[0].length;
    return m[0];
  }

  private parseObject(depth: number): JsonObject {
    if (depth > this.maxDepth) this.fail(`nesting deeper than ${this.maxDepth}`);
    this.pos++; // '{'
    const out: JsonObject = new Map();
    let needComma = false;
    for (;;) {
      this.skipWs();
      const c = this.text[this.pos];
      if (c === '}') {
        this.pos++;
        return out;
      }
      if (c === ',') {
        this.pos++; // extra commas are tolerated
        needComma = false;
        continue;
      }
      if (c === undefined) this.fail('unterminated object');
      if (needComma) this.fail('expected "," or "}"');
      const key = this.parseKey();
      this.skipWs();
      if (this.text[this.pos] !== ':') this.fail('expected ":" after an object key');
      this.pos++;
      this.skipWs();
      out.delete(key); // a repeated key: the last value wins
      out.set(key, this.parseValue(depth, key));
      needComma = true;
    }
  }

  private parseArray(depth: number, key: string | undefined): JsonValue[] {
    if (depth > this.maxDepth) this.fail(`nesting deeper than ${this.maxDepth}`);
    const cap = key === undefined ? undefined : this.arrayCaps?.get(key);
    const max = cap?.max ?? this.maxArrayItems;
    this.pos++; // '['
    const out: JsonValue[] = [];
    let needComma = false;
    for (;;) {
      this.skipWs();
      const c = this.text[this.pos];
      if (c === ']') {
        this.pos++;
        return out;
      }
      if (c === ',') {
        this.pos++;
        needComma = false;
        continue;
      }
      if (c === undefined) this.fail('unterminated array');
      if (needComma) this.fail('expected "," or "]"');
      if (out.length >= max) {
        if (cap?.refuse) throw cap.refuse(key!);
        this.fail(`${cap ? `"${key}" ` : ''}array of more than ${max} items`);
      }
      out.push(this.parseValue(depth));
      needComma = true;
    }
  }

  private parseString(quote: string): string {
    const t = this.text;
    let i = this.pos + 1;
    let out = '';
    let chunkStart = i;
    for (;;) {
      if (i >= t.length) {
        this.pos = i;
        this.fail('unterminated string');
      }
      const c = t[i]!;
      if (c === quote) {
        out += t.slice(chunkStart, i);
        this.pos = i + 1;
        return out;
      }
      if (c !== '\\') {
        i++;
        continue;
      }
      out += t.slice(chunkStart, i);
      const e = t[i + 1];
      i += 2;
      switch (e) {
        case '"':
        case "'":
        case '/':
        case '\\':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 't':
          out += '\t';
          break;
        case 'n':
          out += '\n';
          break;
        case 'v':
          out += '\v';
          break;
        case 'f':
        case 'F':
          out += '\f';
          break;
        case 'r':
          out += '\r';
          break;
        case 'x':
        case 'u': {
          const n = e === 'x' ? 2 : 4;
          const hex = t.slice(i, i + n);
          if (hex.length !== n || !/^[0-9a-fA-F]+$/.test(hex)) {
            this.pos = i;
            this.fail(`bad \\${e} escape`);
          }
          out += String.fromCharCode(parseInt(hex, 16));
          i += n;
          break;
        }
        default:
          if (e !== undefined && e >= '0' && e <= '7') {
            out += String.fromCharCode(e.charCodeAt(0) - 48);
            break;
          }
          this.pos = i - 1;
          this.fail(`bad escape ${JSON.stringify(`\\${e ?? ''}`)}`);
      }
      chunkStart = i;
    }
  }
}
