/**
 * JSON header form (serializeType 0), as Java's fastjson writes and reads it.
 *
 * Written: UTF-8 JSON object, keys alphabetical (fastjson SortField):
 *   code, extFields, flag, language, opaque, remark, serializeTypeCurrentRPC, version
 * `extFields` and `remark` only when present; `serializeTypeCurrentRPC` is always "JSON". No whitespace.
 * Strings (fastjson 1.2.69 SerializeWriter, default features): `"` and `\` escaped; \b \t \n \f \r as
 * short escapes; other characters below 0x20 and 0x7F..0x9F as \u00XX with UPPER-case hex (fastjson's
 * IOUtils.DIGITS); U+2028/U+2029 as \u2028/\u2029; everything else raw UTF-8 (`/` not escaped). Lone
 * surrogates become `?` as in Java's String.getBytes(UTF_8).
 *
 * Read (lenient, like fastjson): any key order, unknown keys ignored, language as name or ordinal,
 * extFields values that are numbers or booleans become strings, null/absent extFields and remark.
 *
 * Both directions run per request and per response, so each has a byte-level fast path for the usual
 * shape (json-header-write.ts, json-header-fast.ts); the code here is the general path, which defines
 * the result: the fast paths produce exactly the same bytes / commands, or step aside.
 */
import { ProtocolError } from '../../common/errors.js';
import { isLanguageName, LanguageCode, languageFromCode } from '../codes/language-code.js';
import type { LanguageName } from '../codes/language-code.js';
import { DEFAULT_MAX_HEADER_FIELDS, SerializeType } from '../codes/misc.js';
import { javaUtf8 } from '../java/utf8.js';
import type { RemotingCommand } from './remoting-command.js';
import { fastjsonString } from '../json/fastjson-write.js';
import { tooManyHeaderFields } from './header-limits.js';
import { newExtFields } from './ext-fields.js';
import { decodeJsonHeaderFast, JSON_HEADER_KEYS } from './json-header-fast.js';

/** Keys written even when absent from `headerKeyOrder` (appended in Java's order). */
const ALWAYS_WRITTEN = JSON_HEADER_KEYS.filter((k) => k !== 'extFields' && k !== 'remark');

/** A JSON string literal exactly as fastjson writes it (plain mode). */
function quote(value: string): string {
  return fastjsonString(value, 'plain');
}

/** Language names quoted once (the value is one of a handful of constants). */
const QUOTED_LANGUAGE = new Map<unknown, string>(
  Object.keys(LanguageCode).map((name) => [name, quote(name)]),
);

function languageText(language: LanguageName): string {
  return QUOTED_LANGUAGE.get(language) ?? quote(language);
}

function extFieldsText(extFields: Record<string, string>): string {
  const keys = Object.keys(extFields);
  let out = '{';
  let first = true;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const value = extFields[key];
    if (value === undefined || value === null) continue;
    out += `${first ? '' : ','}${quote(key)}:${quote(typeof value === 'string' ? value : String(value))}`;
    first = false;
  }
  return out + '}';
}

function writeValue(command: RemotingCommand, key: string): string | undefined {
  switch (key) {
    case 'code':
      return String(command.code);
    case 'flag':
      return String(command.flag);
    case 'opaque':
      return String(command.opaque);
    case 'version':
      return String(command.version);
    case 'language':
      return command.language === null ? undefined : languageText(command.language);
    case 'serializeTypeCurrentRPC':
      return '"JSON"';
    case 'remark':
      return command.remark === undefined ? undefined : quote(command.remark);
    case 'extFields':
      return command.extFields === undefined ? undefined : extFieldsText(command.extFields);
    default:
      return undefined;
  }
}

/** The header in the order of `headerKeyOrder`, then the always-written keys it lacks. */
function orderedText(command: RemotingCommand, order: readonly string[]): string {
  let out = '{';
  let first = true;
  for (let i = 0; i < order.length; i++) {
    const key = order[i]!;
    const value = writeValue(command, key);
    if (value === undefined) continue;
    out += `${first ? '' : ','}"${key}":${value}`;
    first = false;
  }
  for (const key of ALWAYS_WRITTEN) {
    if (order.includes(key)) continue;
    const value = writeValue(command, key);
    if (value === undefined) continue;
    out += `${first ? '' : ','}"${key}":${value}`;
    first = false;
  }
  return out + '}';
}

/**
 * The header of `command` as JSON text (before the lone-surrogate rule of Java's UTF-8 encoding).
 * Java's order, built without intermediate arrays: this runs for every request and response.
 */
export function jsonHeaderText(command: RemotingCommand): string {
  if (command.headerKeyOrder) return orderedText(command, command.headerKeyOrder);
  let out = `{"code":${command.code}`;
  if (command.extFields !== undefined) out += `,"extFields":${extFieldsText(command.extFields)}`;
  out += `,"flag":${command.flag}`;
  if (command.language !== null) out += `,"language":${languageText(command.language)}`;
  out += `,"opaque":${command.opaque}`;
  if (command.remark !== undefined) out += `,"remark":${quote(command.remark)}`;
  return `${out},"serializeTypeCurrentRPC":"JSON","version":${command.version}}`;
}

/** Encodes the header of `command` as JSON text bytes. */
export function encodeJsonHeader(command: RemotingCommand): Buffer {
  return javaUtf8(jsonHeaderText(command));
}

function readInt(obj: Record<string, unknown>, key: string, fallback: number): number {
  const value = obj[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'number' && Number.isInteger(value) && value >= -0x80000000 && value <= 0xffffffff) {
    return value | 0;
  }
  if (typeof value === 'string' && /^-?\d{1,10}$/.test(value)) {
    const n = Number(value);
    if (n >= -0x80000000 && n <= 0xffffffff) return n | 0;
  }
  throw new ProtocolError(`JSON header field "${key}" is not a 32-bit integer: ${JSON.stringify(value)}`);
}

function readLanguage(value: unknown): LanguageName | null {
  if (value === undefined) return 'JAVA';
  if (typeof value === 'string') return isLanguageName(value) ? value : null;
  if (typeof value === 'number') return languageFromCode(value) ?? null;
  if (value === null) return null;
  throw new ProtocolError(`JSON header field "language" has an unexpected type: ${typeof value}`);
}

function readExtFields(value: unknown, maxFields: number): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ProtocolError('JSON header field "extFields" is not an object');
  }
  const result: Record<string, string> = newExtFields();
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > maxFields) throw tooManyHeaderFields(maxFields);
  for (const [k, v] of entries) {
    if (v === null || v === undefined) continue;
    if (typeof v === 'string') result[k] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') result[k] = String(v);
    else throw new ProtocolError(`JSON header extField "${k}" is not a string, number or boolean`);
  }
  return result;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;

/**
 * Structure in JSON text: the colons, commas and opening braces outside strings (about two per key
 * of a flat header; array elements count by their commas). Counted before JSON.parse, whose time
 * grows with them: a million keys took seconds, a megabyte of `[0,0,0` about one. Arrays nested
 * without commas (`[[[[`) are not counted: decoding them must not fail (codec-errors test), and
 * JSON.parse takes a full 1 MiB header of them in about half a second. Stops counting past
 * `stopAfter`; malformations are left for JSON.parse to report.
 */
function countJsonStructure(bytes: Buffer, stopAfter: number): number {
  let count = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) {
      inString = true;
    } else if (b === COLON || b === COMMA || b === OPEN_OBJECT) {
      if (++count > stopAfter) break;
    }
  }
  return count;
}

/**
 * The general decoder: JSON.parse, then lenient field conversion. It defines the result; the fast path
 * must agree with it (exported for the differential test). More than `maxFields` ext fields is a
 * HeaderLimitError, and so is more structure than a flat header with that many fields and all the
 * top-level keys could have (nested keys, arrays).
 */
export function decodeJsonHeaderGeneral(
  bytes: Buffer,
  maxFields = DEFAULT_MAX_HEADER_FIELDS,
): RemotingCommand {
  const maxStructure = 2 * (maxFields + JSON_HEADER_KEYS.length) + 2;
  if (countJsonStructure(bytes, maxStructure) > maxStructure) throw tooManyHeaderFields(maxFields);
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new ProtocolError(`unparsable JSON header (${bytes.length} bytes): ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ProtocolError('JSON header is not an object');
  }
  const obj = parsed as Record<string, unknown>;
  const remark = obj.remark;
  if (remark !== undefined && remark !== null && typeof remark !== 'string') {
    throw new ProtocolError('JSON header field "remark" is not a string');
  }
  const extFields = readExtFields(obj.extFields, maxFields);
  return {
    code: readInt(obj, 'code', 0),
    language: readLanguage(obj.language),
    version: readInt(obj, 'version', 0),
    opaque: readInt(obj, 'opaque', 0),
    flag: readInt(obj, 'flag', 0),
    ...(typeof remark === 'string' && { remark }),
    ...(extFields !== undefined && { extFields }),
    serializeType: SerializeType.JSON,
    headerKeyOrder: Object.keys(obj),
  };
}

/** Decodes the JSON header in `buf[start, end)` (no copy when it has the usual shape). */
export function decodeJsonHeaderAt(
  buf: Buffer,
  start: number,
  end: number,
  maxFields = DEFAULT_MAX_HEADER_FIELDS,
): RemotingCommand {
  return (
    decodeJsonHeaderFast(buf, start, end, maxFields) ??
    decodeJsonHeaderGeneral(buf.subarray(start, end), maxFields)
  );
}

/** Decodes JSON header bytes into a command (body not included). Throws ProtocolError. */
export function decodeJsonHeader(bytes: Buffer, maxFields = DEFAULT_MAX_HEADER_FIELDS): RemotingCommand {
  return decodeJsonHeaderAt(bytes, 0, bytes.length, maxFields);
}
