/**
 * ROCKETMQ binary header form (serializeType 1). All integers big-endian.
 *
 *   size  field
 *   2     code        int16 (Java writes (short)code: codes > 32767 do not fit this form)
 *   1     language    uint8 LanguageCode
 *   2     version     int16
 *   4     opaque      int32
 *   4     flag        int32
 *   4     remarkLen   int32, 0 = no remark
 *   R     remark      UTF-8
 *   4     extLen      int32, byte length of the whole ext block, 0 = none
 *   E     extFields   repeated: keyLen int16, key UTF-8, valLen int32, value UTF-8
 *
 * Length 0 means null, so empty strings cannot be represented; entries with an empty key or value are
 * skipped on encode (Java skips nulls) and dropped on decode (a zero-length value also removes an
 * earlier entry with the same key). Duplicate keys on decode: the last one wins, as in Java.
 * Strings are encoded as Java does (a lone surrogate becomes `?`).
 *
 * This file decodes; binary-header-write.ts encodes. Strings are read without the UTF-8 decoder when
 * they are ASCII, and short ones come from the cache of recent strings the JSON decoder also uses.
 */
import { ProtocolError } from '../../common/errors.js';
import { languageFromCode } from '../codes/language-code.js';
import type { LanguageName } from '../codes/language-code.js';
import { DEFAULT_MAX_HEADER_FIELDS, SerializeType } from '../codes/misc.js';
import { asciiString } from '../json/string-bytes.js';
import { tooManyHeaderFields } from './header-limits.js';
import { newExtFields } from './ext-fields.js';
import type { RemotingCommand } from './remoting-command.js';

export { encodeBinaryHeader } from './binary-header-write.js';

const FIXED_PART = 21;

function int16(buf: Buffer, at: number): number {
  return ((buf[at]! << 24) | (buf[at + 1]! << 16)) >> 16;
}

function int32(buf: Buffer, at: number): number {
  return (buf[at]! << 24) | (buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!;
}

/** buf[start, end) as UTF-8 text (ASCII, nearly every header string, without the UTF-8 decoder). */
function text(buf: Buffer, start: number, end: number): string {
  return asciiString(buf, start, end) ?? buf.toString('utf8', start, end);
}

/** Reads a length-prefixed UTF-8 string, checking it fits both the header and what is left. */
function readString(buf: Buffer, at: number, len: number, what: string): string {
  if (len < 0 || len > buf.length || at + len > buf.length) {
    throw new ProtocolError(
      `ROCKETMQ header: ${what} length ${len} exceeds the header (${buf.length} bytes)`,
    );
  }
  return text(buf, at, at + len);
}

/**
 * Ext fields of `buf[p, end)`; more than `maxFields` entries is a HeaderLimitError. Java reads a zero
 * length as null: a null key is never looked up, and a null value (which replaces an earlier duplicate,
 * last one wins) reads as an absent field.
 */
function readExtFields(buf: Buffer, p: number, end: number, maxFields: number): Record<string, string> {
  const extFields = newExtFields();
  let entries = 0;
  while (p < end) {
    if (++entries > maxFields) throw tooManyHeaderFields(maxFields);
    if (p + 2 > end) throw new ProtocolError('ROCKETMQ header: truncated ext-field key length');
    const keyLen = int16(buf, p);
    p += 2;
    if (keyLen < 0 || p + keyLen + 4 > end)
      throw new ProtocolError(`ROCKETMQ header: bad ext-field key length ${keyLen}`);
    const key = text(buf, p, p + keyLen);
    p += keyLen;
    const valueLen = int32(buf, p);
    p += 4;
    if (valueLen < 0 || p + valueLen > end) {
      throw new ProtocolError(`ROCKETMQ header: bad ext-field value length ${valueLen} for key "${key}"`);
    }
    if (valueLen === 0) {
      if (keyLen > 0) delete extFields[key];
    } else if (keyLen > 0) {
      extFields[key] = text(buf, p, p + valueLen);
    }
    p += valueLen;
  }
  return extFields;
}

/** Decodes a ROCKETMQ-form header; more than `maxFields` ext entries is a HeaderLimitError. */
export function decodeBinaryHeader(buf: Buffer, maxFields = DEFAULT_MAX_HEADER_FIELDS): RemotingCommand {
  const length = buf.length;
  if (length < FIXED_PART) {
    throw new ProtocolError(`ROCKETMQ header too short: ${length} bytes, needs at least ${FIXED_PART}`);
  }
  const code = int16(buf, 0);
  const language: LanguageName | null = languageFromCode(buf[2]!) ?? null;
  const version = int16(buf, 3);
  const opaque = int32(buf, 5);
  const flag = int32(buf, 9);
  const remarkLen = int32(buf, 13);
  let p = 17;
  const remark = remarkLen === 0 ? undefined : readString(buf, p, remarkLen, 'remark');
  p += remarkLen;
  if (p + 4 > length) throw new ProtocolError('ROCKETMQ header truncated before the ext-fields length');
  const extLen = int32(buf, p);
  p += 4;
  if (extLen < 0 || p + extLen > length) {
    throw new ProtocolError(
      `ROCKETMQ header: ext-fields length ${extLen} exceeds the header (${length} bytes)`,
    );
  }
  const extFields = extLen > 0 ? readExtFields(buf, p, p + extLen, maxFields) : undefined;
  p += extLen;
  if (p !== length) {
    throw new ProtocolError(`ROCKETMQ header: ${length - p} trailing bytes after the ext fields`);
  }
  // Whole literals, the properties in the order of the JSON decoders' results: one shape per kind.
  const serializeType = SerializeType.ROCKETMQ;
  if (extFields === undefined) {
    return remark === undefined
      ? { code, language, version, opaque, flag, serializeType }
      : { code, language, version, opaque, flag, remark, serializeType };
  }
  return remark === undefined
    ? { code, language, version, opaque, flag, extFields, serializeType }
    : { code, language, version, opaque, flag, remark, extFields, serializeType };
}
