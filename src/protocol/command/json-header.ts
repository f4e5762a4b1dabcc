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
 */
import { ProtocolError } from '../../common/errors.js';
import { isLanguageName, languageFromCode } from '../codes/language-code.js';
import type { LanguageName } from '../codes/language-code.js';
import { SerializeType } from '../codes/misc.js';
import { javaUtf8 } from './java-utf8.js';
import type { RemotingCommand } from './remoting-command.js';
import { fastjsonString } from '../body/fastjson-write.js';

const CANONICAL_KEYS = [
  'code',
  'extFields',
  'flag',
  'language',
  'opaque',
  'remark',
  'serializeTypeCurrentRPC',
  'version',
] as const;
const ALWAYS_WRITTEN = new Set(['code', 'flag', 'language', 'opaque', 'serializeTypeCurrentRPC', 'version']);

/** A JSON string literal exactly as fastjson writes it (plain mode). */
function quote(value: string): string {
  return fastjsonString(value, 'plain');
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
      return command.language === null ? undefined : quote(command.language);
    case 'serializeTypeCurrentRPC':
      return '"JSON"';
    case 'remark':
      return command.remark === undefined ? undefined : quote(command.remark);
    case 'extFields': {
      if (command.extFields === undefined) return undefined;
      const parts: string[] = [];
      for (const [k, v] of Object.entries(command.extFields)) {
        if (v === undefined || v === null) continue;
        parts.push(`${quote(k)}:${quote(String(v))}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      return undefined;
  }
}

/** Encodes the header of `command` as JSON text bytes. */
export function encodeJsonHeader(command: RemotingCommand): Buffer {
  let keys: readonly string[] = CANONICAL_KEYS;
  if (command.headerKeyOrder) {
    const seen = new Set(command.headerKeyOrder);
    keys = [
      ...command.headerKeyOrder,
      ...CANONICAL_KEYS.filter((k) => ALWAYS_WRITTEN.has(k) && !seen.has(k)),
    ];
  }
  const parts: string[] = [];
  for (const key of keys) {
    const value = writeValue(command, key);
    if (value !== undefined) parts.push(`"${key}":${value}`);
  }
  return javaUtf8(`{${parts.join(',')}}`);
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

function readExtFields(value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ProtocolError('JSON header field "extFields" is not an object');
  }
  const result: Record<string, string> = Object.create(null);
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === null || v === undefined) continue;
    if (typeof v === 'string') result[k] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') result[k] = String(v);
    else throw new ProtocolError(`JSON header extField "${k}" is not a string, number or boolean`);
  }
  return result;
}

/** Decodes JSON header bytes into a command (body not included). Throws ProtocolError. */
export function decodeJsonHeader(bytes: Buffer): RemotingCommand {
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
  const extFields = readExtFields(obj.extFields);
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
