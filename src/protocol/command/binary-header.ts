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
 */
import { ProtocolError } from '../../common/errors.js';
import { LanguageCode, languageFromCode } from '../codes/language-code.js';
import { DEFAULT_MAX_HEADER_FIELDS, SerializeType } from '../codes/misc.js';
import { javaUtf8 } from '../java/utf8.js';
import { tooManyHeaderFields } from './header-limits.js';
import { newExtFields } from './ext-fields.js';
import type { RemotingCommand } from './remoting-command.js';

const FIXED_PART = 21;

/** Encodes a command header in the ROCKETMQ (binary) serialize type, as Java's RocketMQSerializable. */
export function encodeBinaryHeader(command: RemotingCommand): Buffer {
  if (command.code > 32767 || command.code < -32768) {
    throw new ProtocolError(`code ${command.code} does not fit the ROCKETMQ header form (int16); use JSON`);
  }
  const remark = command.remark ? javaUtf8(command.remark) : undefined;
  const entries: [Buffer, Buffer][] = [];
  let extLen = 0;
  if (command.extFields) {
    for (const [k, v] of Object.entries(command.extFields)) {
      if (k === '' || v === undefined || v === null || v === '') continue;
      const key = javaUtf8(k);
      if (key.length > 32767)
        throw new ProtocolError(`extField key longer than 32767 bytes: ${k.slice(0, 40)}…`);
      const value = javaUtf8(String(v));
      entries.push([key, value]);
      extLen += 2 + key.length + 4 + value.length;
    }
  }
  const out = Buffer.allocUnsafe(FIXED_PART + (remark?.length ?? 0) + extLen);
  let p = 0;
  p = out.writeInt16BE(command.code, p);
  p = out.writeUInt8(command.language === null ? LanguageCode.OTHER : LanguageCode[command.language], p);
  p = out.writeInt16BE((command.version << 16) >> 16, p);
  p = out.writeInt32BE(command.opaque | 0, p);
  p = out.writeInt32BE(command.flag | 0, p);
  p = out.writeInt32BE(remark?.length ?? 0, p);
  if (remark) p += remark.copy(out, p);
  p = out.writeInt32BE(extLen, p);
  for (const [key, value] of entries) {
    p = out.writeInt16BE(key.length, p);
    p += key.copy(out, p);
    p = out.writeInt32BE(value.length, p);
    p += value.copy(out, p);
  }
  return out;
}

/** Reads a length-prefixed UTF-8 string, checking it fits both the header and what is left. */
function readString(buf: Buffer, at: number, len: number, what: string): string {
  if (len < 0 || len > buf.length || at + len > buf.length) {
    throw new ProtocolError(
      `ROCKETMQ header: ${what} length ${len} exceeds the header (${buf.length} bytes)`,
    );
  }
  return buf.toString('utf8', at, at + len);
}

/** Decodes a ROCKETMQ-form header; more than `maxFields` ext entries is a HeaderLimitError. */
export function decodeBinaryHeader(buf: Buffer, maxFields = DEFAULT_MAX_HEADER_FIELDS): RemotingCommand {
  if (buf.length < FIXED_PART) {
    throw new ProtocolError(`ROCKETMQ header too short: ${buf.length} bytes, needs at least ${FIXED_PART}`);
  }
  let p = 0;
  const code = buf.readInt16BE(p);
  p += 2;
  const language = languageFromCode(buf.readUInt8(p)) ?? null;
  p += 1;
  const version = buf.readInt16BE(p);
  p += 2;
  const opaque = buf.readInt32BE(p);
  p += 4;
  const flag = buf.readInt32BE(p);
  p += 4;
  const remarkLen = buf.readInt32BE(p);
  p += 4;
  const remark = remarkLen === 0 ? undefined : readString(buf, p, remarkLen, 'remark');
  p += remarkLen;
  if (p + 4 > buf.length) throw new ProtocolError('ROCKETMQ header truncated before the ext-fields length');
  const extLen = buf.readInt32BE(p);
  p += 4;
  if (extLen < 0 || p + extLen > buf.length) {
    throw new ProtocolError(
      `ROCKETMQ header: ext-fields length ${extLen} exceeds the header (${buf.length} bytes)`,
    );
  }
  let extFields: Record<string, string> | undefined;
  if (extLen > 0) {
    extFields = newExtFields();
    const end = p + extLen;
    let entries = 0;
    while (p < end) {
      if (++entries > maxFields) throw tooManyHeaderFields(maxFields);
      if (p + 2 > end) throw new ProtocolError('ROCKETMQ header: truncated ext-field key length');
      const keyLen = buf.readInt16BE(p);
      p += 2;
      if (keyLen < 0 || p + keyLen + 4 > end)
        throw new ProtocolError(`ROCKETMQ header: bad ext-field key length ${keyLen}`);
      const key = buf.toString('utf8', p, p + keyLen);
      p += keyLen;
      const valueLen = buf.readInt32BE(p);
      p += 4;
      if (valueLen < 0 || p + valueLen > end) {
        throw new ProtocolError(`ROCKETMQ header: bad ext-field value length ${valueLen} for key "${key}"`);
      }
      // Java reads a zero length as null: a null key is never looked up, and a null value (which
      // replaces an earlier duplicate, last one wins) reads as an absent field.
      if (valueLen === 0) {
        if (keyLen > 0) delete extFields[key];
      } else if (keyLen > 0) {
        extFields[key] = buf.toString('utf8', p, p + valueLen);
      }
      p += valueLen;
    }
  }
  if (p !== buf.length) {
    throw new ProtocolError(`ROCKETMQ header: ${buf.length - p} trailing bytes after the ext fields`);
  }
  return {
    code,
    language,
    version,
    opaque,
    flag,
    ...(remark !== undefined && { remark }),
    ...(extFields !== undefined && { extFields }),
    serializeType: SerializeType.ROCKETMQ,
  };
}
