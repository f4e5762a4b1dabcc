/**
 * JSON writer reproducing fastjson 1.2.69 / 1.2.83 `JSON.toJSONString` output byte for byte for the
 * shapes our bodies use (checked against fastjson's SerializeWriter / MapSerializer sources and the
 * captured name server frames).
 *
 * Value model (what the caller passes):
 * - plain object = a Java bean: keys written in the order given (callers list them alphabetically,
 *   as fastjson's default SortField does); null / undefined fields omitted;
 * - `Map` = a Java Map: string keys or numeric keys (number / bigint, e.g. `HashMap<Long, String>`);
 *   entries with a null / undefined value omitted;
 * - arrays (Java List / Set); a null element is written as `null`;
 * - string, boolean, integer number, bigint.
 *
 * Modes:
 * - `plain`: fastjson defaults (`RemotingSerializable.encode()`). Numeric map keys unquoted
 *   (`{0:"a"}`); raw UTF-8; `/` unescaped. Map entry order: string keys as given (Java HashMap order
 *   is the caller's business), numeric keys ascending (= HashMap iteration order for small ids).
 * - `standard`: + BrowserCompatible, MapSortField (route bodies for version >= V4_9_4). Numeric keys
 *   quoted; all map entries sorted (numerically / by UTF-16 code units like Java TreeMap);
 *   `/` written as `\/`; every char >= 0x7F as `\uXXXX`.
 *
 * String escapes (SerializeWriter.writeStringWithDoubleQuote), hex digits always UPPER case:
 * | char                         | plain        | standard |
 * | " \                          | \" \\        | \" \\    |
 * | \b \t \n \f \r               | short form   | short    |
 * | other U+0000..U+001F         | \u00XX       | \u00XX   |
 * | /                            | /            | \/       |
 * | U+007F..U+009F               | \u00XX       | \uXXXX   |
 * | U+2028 U+2029                | \u2028 ...   | \uXXXX   |
 * | other >= U+00A0              | raw UTF-8    | \uXXXX (each UTF-16 unit) |
 */
import { IllegalArgumentError } from '../../common/errors.js';
import { javaUtf8 } from '../java/utf8.js';

export type FastjsonMode = 'plain' | 'standard';

export type JsonOut =
  | null
  | undefined
  | boolean
  | number
  | bigint
  | string
  | readonly JsonOut[]
  | ReadonlyMap<string | number | bigint, JsonOut>
  | { readonly [key: string]: JsonOut };

const HEX = '0123456789ABCDEF';

function hex4(c: number): string {
  return '\\u' + HEX[(c >>> 12) & 15] + HEX[(c >>> 8) & 15] + HEX[(c >>> 4) & 15] + HEX[c & 15];
}

const SHORT: Record<number, string> = {
  8: '\\b',
  9: '\\t',
  10: '\\n',
  12: '\\f',
  13: '\\r',
  34: '\\"',
  92: '\\\\',
};

/** Writes a Java string the way fastjson does, quotes included. */
// Plain-mode characters that need an escape: below 0x20, quote, backslash, 0x7F..0x9F, U+2028, U+2029.
// eslint-disable-next-line no-control-regex
const PLAIN_NEEDS_ESCAPE = /[\u0000-\u001f"\\\u007f-\u009f\u2028\u2029]/;

export function fastjsonString(s: string, mode: FastjsonMode): string {
  const standard = mode === 'standard';
  // Fast path for the common case (remoting headers are written for every request).
  if (!standard && !PLAIN_NEEDS_ESCAPE.test(s)) return `"${s}"`;
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let rep: string | undefined;
    if (c < 0x20 || c === 34 || c === 92) rep = SHORT[c] ?? hex4(c);
    else if (c === 47) rep = standard ? '\\/' : undefined;
    else if (c >= 0x7f) {
      if (standard || c < 0xa0 || c === 0x2028 || c === 0x2029) rep = hex4(c);
    }
    if (rep !== undefined) {
      out += s.slice(start, i) + rep;
      start = i + 1;
    }
  }
  return out + s.slice(start) + '"';
}

function isNumericKey(k: unknown): k is number | bigint {
  return typeof k === 'number' || typeof k === 'bigint';
}

function compareKeys(a: string | number | bigint, b: string | number | bigint): number {
  if (isNumericKey(a) && isNumericKey(b)) return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  throw new IllegalArgumentError('a map mixes string and numeric keys (Java TreeMap would throw)');
}

function writeNumber(n: number): string {
  if (!Number.isFinite(n)) throw new IllegalArgumentError(`cannot write ${n} as JSON`);
  if (Object.is(n, -0)) return '0';
  return String(n);
}

function writeValue(v: JsonOut, mode: FastjsonMode, depth: number): string {
  if (depth > 200) throw new IllegalArgumentError('value nested too deeply (cycle?)');
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'string':
      return fastjsonString(v, mode);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      return writeNumber(v);
    case 'bigint':
      return v.toString();
  }
  if (Array.isArray(v)) {
    const arr = v as readonly JsonOut[];
    return '[' + arr.map((e) => writeValue(e, mode, depth + 1)).join(',') + ']';
  }
  if (v instanceof Map) return writeMap(v as ReadonlyMap<string | number | bigint, JsonOut>, mode, depth);
  let out = '{';
  let first = true;
  for (const [k, field] of Object.entries(v as { readonly [key: string]: JsonOut })) {
    if (field === null || field === undefined) continue;
    out += (first ? '' : ',') + fastjsonString(k, mode) + ':' + writeValue(field, mode, depth + 1);
    first = false;
  }
  return out + '}';
}

function writeMap(
  m: ReadonlyMap<string | number | bigint, JsonOut>,
  mode: FastjsonMode,
  depth: number,
): string {
  let entries = [...m.entries()];
  const sort = mode === 'standard' || entries.some(([k]) => isNumericKey(k));
  if (sort) entries = entries.sort(([a], [b]) => compareKeys(a, b));
  let out = '{';
  let first = true;
  for (const [k, val] of entries) {
    if (val === null || val === undefined) continue;
    let key: string;
    if (typeof k === 'string') key = fastjsonString(k, mode);
    else {
      const digits = typeof k === 'number' ? writeNumber(k) : k.toString();
      key = mode === 'standard' ? `"${digits}"` : digits;
    }
    out += (first ? '' : ',') + key + ':' + writeValue(val, mode, depth + 1);
    first = false;
  }
  return out + '}';
}

/** Serialises `value` as fastjson would, returning the JSON text. */
export function toFastjsonString(value: JsonOut, mode: FastjsonMode = 'plain'): string {
  return writeValue(value, mode, 0);
}

/**
 * Serialises `value` as fastjson would, returning the UTF-8 bytes Java puts on the wire. Like Java's
 * `String.getBytes(UTF_8)`, a lone surrogate becomes `?` (Node would write U+FFFD).
 */
export function toFastjsonBytes(value: JsonOut, mode: FastjsonMode = 'plain'): Buffer {
  return javaUtf8(toFastjsonString(value, mode));
}
