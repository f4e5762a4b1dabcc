/**
 * Fast path of the JSON header decoder: reads the shape Java (and this library) writes straight from the
 * bytes, with no intermediate string and no JSON.parse. It accepts only a strict subset of JSON:
 *
 *   { "key":value (, "key":value)* }    no whitespace, no duplicate or unknown top-level key
 *   code/flag/opaque/version   JSON integer (no fraction/exponent/leading zero) within -2^31..2^32-1
 *   language                   string
 *   remark                     string
 *   serializeTypeCurrentRPC    string (ignored)
 *   extFields                  object whose keys and values are all strings
 *
 * Anything else (null, numbers as strings, whitespace, bad bytes, nesting...) returns undefined and the
 * caller falls back to JSON.parse, so the result is always the one the general decoder would produce.
 * Strings: escapes are decoded as JSON.parse does; raw bytes are decoded as UTF-8 (invalid sequences
 * become U+FFFD, like Buffer#toString, which the general path uses).
 */
import { isLanguageName } from '../codes/language-code.js';
import type { LanguageName } from '../codes/language-code.js';
import { DEFAULT_MAX_HEADER_FIELDS, SerializeType } from '../codes/misc.js';
import { jsonString, readJsonString } from '../json/string-bytes.js';
import { tooManyHeaderFields } from './header-limits.js';
import { newExtFields } from './ext-fields.js';
import type { RemotingCommand } from './remoting-command.js';

/** Top-level keys in Java's (alphabetical) order; a key's index is its id. */
export const JSON_HEADER_KEYS = [
  'code',
  'extFields',
  'flag',
  'language',
  'opaque',
  'remark',
  'serializeTypeCurrentRPC',
  'version',
] as const;

const KEY_CODE = 0;
const KEY_EXT = 1;
const KEY_FLAG = 2;
const KEY_LANGUAGE = 3;
const KEY_OPAQUE = 4;
const KEY_REMARK = 5;
const KEY_SERIALIZE = 6;
const KEY_VERSION = 7;

const KEY_BYTES = JSON_HEADER_KEYS.map((key) => Buffer.from(key, 'latin1'));

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN = 0x7b;
const CLOSE = 0x7d;

/** Position of the reader, shared by the helpers below (saves returning pairs). */
let pos = 0;

/** Id of the key whose quoted name starts at `pos`, leaving `pos` after the colon; -1 when unknown. */
function readKey(buf: Buffer, end: number): number {
  const start = pos + 1;
  let id: number;
  switch (buf[start]) {
    case 0x63: // c
      id = KEY_CODE;
      break;
    case 0x65: // e
      id = KEY_EXT;
      break;
    case 0x66: // f
      id = KEY_FLAG;
      break;
    case 0x6c: // l
      id = KEY_LANGUAGE;
      break;
    case 0x6f: // o
      id = KEY_OPAQUE;
      break;
    case 0x72: // r
      id = KEY_REMARK;
      break;
    case 0x73: // s
      id = KEY_SERIALIZE;
      break;
    case 0x76: // v
      id = KEY_VERSION;
      break;
    default:
      return -1;
  }
  const name = KEY_BYTES[id]!;
  const after = start + name.length;
  if (after + 2 > end || buf[after] !== QUOTE || buf[after + 1] !== COLON) return -1;
  for (let i = 1; i < name.length; i++) if (buf[start + i] !== name[i]) return -1;
  pos = after + 2;
  return id;
}

/** A JSON integer at `pos` as an int32 (Java's int cast of values up to 2^32-1); undefined otherwise. */
function readInt(buf: Buffer, end: number): number | undefined {
  let p = pos;
  const negative = buf[p] === 0x2d;
  if (negative) p++;
  const first = p;
  let n = 0;
  while (p < end) {
    const digit = buf[p]! - 0x30;
    if (digit < 0 || digit > 9) break;
    n = n * 10 + digit;
    p++;
  }
  const digits = p - first;
  if (digits === 0 || digits > 10 || (digits > 1 && buf[first] === 0x30)) return undefined;
  const value = negative ? -n : n;
  if (value < -0x80000000 || value > 0xffffffff) return undefined;
  pos = p;
  return value | 0;
}

/** The JSON string whose opening quote is at `pos`, leaving `pos` after its closing quote. */
function readString(buf: Buffer, end: number): string | undefined {
  const value = readJsonString(buf, pos, end);
  if (value !== undefined) pos = jsonString.end;
  return value;
}

const LETTER_A = 0x61;
const LETTER_Z = 0x7a;
/** The one-letter keys as strings, by character code. */
const LETTERS: readonly string[] = Array.from({ length: LETTER_Z + 1 }, (_, c) => String.fromCharCode(c));

/**
 * `fields[letter] = value` for a one-letter key. The send headers' keys a..n are stored by name, one
 * site per key: headers of one kind arrive with their keys in one order, so each site always sees the
 * same object shape (a stored name costs a few nanoseconds, where the keyed store shared by every key
 * of every header is megamorphic, ~15 ns per field). Same result as the keyed store (last value wins,
 * first position kept).
 */
function putLetterField(fields: Record<string, string>, letter: number, value: string): void {
  switch (letter) {
    case 0x61:
      fields.a = value;
      break;
    case 0x62:
      fields.b = value;
      break;
    case 0x63:
      fields.c = value;
      break;
    case 0x64:
      fields.d = value;
      break;
    case 0x65:
      fields.e = value;
      break;
    case 0x66:
      fields.f = value;
      break;
    case 0x67:
      fields.g = value;
      break;
    case 0x68:
      fields.h = value;
      break;
    case 0x69:
      fields.i = value;
      break;
    case 0x6a:
      fields.j = value;
      break;
    case 0x6b:
      fields.k = value;
      break;
    case 0x6c:
      fields.l = value;
      break;
    case 0x6d:
      fields.m = value;
      break;
    case 0x6e:
      fields.n = value;
      break;
    default:
      fields[LETTERS[letter]!] = value;
  }
}

/**
 * An object of string values at `pos` (newExtFields, as the general decoder builds it); its
 * `maxFields + 1`th key is a HeaderLimitError, thrown before that key is read.
 */
function readExtFields(buf: Buffer, end: number, maxFields: number): Record<string, string> | undefined {
  if (buf[pos] !== OPEN) return undefined;
  pos++;
  const fields = newExtFields();
  if (buf[pos] === CLOSE) {
    pos++;
    return fields;
  }
  for (let count = 1; ; count++) {
    if (count > maxFields) throw tooManyHeaderFields(maxFields);
    const letter = buf[pos + 1]!;
    if (
      buf[pos + 2] === QUOTE &&
      buf[pos + 3] === COLON &&
      letter >= LETTER_A &&
      letter <= LETTER_Z &&
      buf[pos] === QUOTE
    ) {
      // A one-letter key (SEND_MESSAGE_V2 and SEND_BATCH_MESSAGE name all their fields a..n).
      pos += 4;
      const value = readString(buf, end);
      if (value === undefined) return undefined;
      putLetterField(fields, letter, value);
    } else {
      const key = readString(buf, end);
      if (key === undefined || buf[pos] !== COLON) return undefined;
      pos++;
      const value = readString(buf, end);
      if (value === undefined) return undefined;
      fields[key] = value;
    }
    const b = buf[pos];
    pos++;
    if (b === CLOSE) return fields;
    if (b !== COMMA) return undefined;
  }
}

/** Skips the string at `pos` (value not needed: serializeTypeCurrentRPC); false when not a string. */
function skipString(buf: Buffer, end: number): boolean {
  if (buf[pos] !== QUOTE) return false;
  for (let p = pos + 1; p < end; p++) {
    const b = buf[p]!;
    if (b === QUOTE) {
      pos = p + 1;
      return true;
    }
    if (b < 0x20 || b === BACKSLASH) return readString(buf, end) !== undefined; // let readString judge
  }
  return false;
}

const JAVA_BYTES = Buffer.from('"JAVA"', 'latin1');

function readLanguage(buf: Buffer, end: number): LanguageName | null | undefined {
  const p = pos;
  if (
    p + 6 <= end &&
    buf[p + 5] === QUOTE &&
    buf[p + 1] === JAVA_BYTES[1] &&
    buf[p + 2] === JAVA_BYTES[2] &&
    buf[p + 3] === JAVA_BYTES[3] &&
    buf[p + 4] === JAVA_BYTES[4] &&
    buf[p] === QUOTE
  ) {
    pos = p + 6;
    return 'JAVA';
  }
  const name = readString(buf, end);
  if (name === undefined) return undefined;
  return isLanguageName(name) ? name : null;
}

/** Arrival orders seen so far (key ids in base 9), shared frozen arrays: no allocation per frame. */
const orders = new Map<number, readonly string[]>();
const MAX_ORDERS = 256;

function keyOrder(sequence: number, count: number): readonly string[] {
  let order = orders.get(sequence);
  if (order === undefined) {
    const keys: string[] = new Array<string>(count);
    for (let i = count - 1, s = sequence; i >= 0; i--, s = Math.floor(s / 9)) {
      keys[i] = JSON_HEADER_KEYS[(s % 9) - 1]!;
    }
    order = Object.freeze(keys);
    if (orders.size < MAX_ORDERS) orders.set(sequence, order);
  }
  return order;
}

/**
 * Decodes `buf[start, end)` if it has the common shape; undefined means "use the general decoder".
 * More than `maxFields` ext fields throws HeaderLimitError (the general decoder refuses them too).
 */
export function decodeJsonHeaderFast(
  buf: Buffer,
  start: number,
  end: number,
  maxFields = DEFAULT_MAX_HEADER_FIELDS,
): RemotingCommand | undefined {
  if (end - start < 2 || buf[start] !== OPEN) return undefined;
  pos = start + 1;
  let code = 0;
  let flag = 0;
  let opaque = 0;
  let version = 0;
  let language: LanguageName | null = 'JAVA';
  let remark: string | undefined;
  let extFields: Record<string, string> | undefined;
  let seen = 0;
  let sequence = 0;
  let count = 0;
  for (;;) {
    if (buf[pos] !== QUOTE) return undefined;
    const id = readKey(buf, end);
    if (id < 0 || (seen & (1 << id)) !== 0) return undefined;
    seen |= 1 << id;
    sequence = sequence * 9 + id + 1;
    count++;
    switch (id) {
      case KEY_CODE:
      case KEY_FLAG:
      case KEY_OPAQUE:
      case KEY_VERSION: {
        const value = readInt(buf, end);
        if (value === undefined) return undefined;
        if (id === KEY_CODE) code = value;
        else if (id === KEY_FLAG) flag = value;
        else if (id === KEY_OPAQUE) opaque = value;
        else version = value;
        break;
      }
      case KEY_LANGUAGE: {
        const value = readLanguage(buf, end);
        if (value === undefined) return undefined;
        language = value;
        break;
      }
      case KEY_REMARK:
        remark = readString(buf, end);
        if (remark === undefined) return undefined;
        break;
      case KEY_SERIALIZE:
        if (!skipString(buf, end)) return undefined;
        break;
      default:
        extFields = readExtFields(buf, end, maxFields);
        if (extFields === undefined) return undefined;
    }
    const b = buf[pos];
    pos++;
    if (b === CLOSE) break;
    if (b !== COMMA) return undefined;
  }
  if (pos !== end) return undefined;
  // Same properties, in the same order, as the general decoder's result; whole literals, so that
  // each shape is built at once.
  const serializeType = SerializeType.JSON;
  const headerKeyOrder = keyOrder(sequence, count);
  if (extFields === undefined) {
    return remark === undefined
      ? { code, language, version, opaque, flag, serializeType, headerKeyOrder }
      : { code, language, version, opaque, flag, remark, serializeType, headerKeyOrder };
  }
  return remark === undefined
    ? { code, language, version, opaque, flag, extFields, serializeType, headerKeyOrder }
    : { code, language, version, opaque, flag, remark, extFields, serializeType, headerKeyOrder };
}
