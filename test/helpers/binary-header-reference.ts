/**
 * A plain reference of the ROCKETMQ (binary) header form for differential tests of the codec in
 * src/protocol/command/binary-header*.ts: every string encoded to a Buffer of its own, every integer
 * through Buffer's checked readers and writers. Same rules (see binary-header.ts): empty remark,
 * empty keys and null / undefined / empty values are skipped; a zero-length value read drops the key.
 */
import { ProtocolError } from '../../src/common/errors.js';
import { LanguageCode, languageFromCode } from '../../src/protocol/codes/language-code.js';
import { SerializeType } from '../../src/protocol/codes/misc.js';
import { tooManyHeaderFields } from '../../src/protocol/command/header-limits.js';
import { newExtFields } from '../../src/protocol/command/ext-fields.js';
import { javaUtf8 } from '../../src/protocol/java/utf8.js';
import type { RemotingCommand } from '../../src/protocol/command/remoting-command.js';

export function referenceEncode(command: RemotingCommand): Buffer {
  if (command.code > 32767 || command.code < -32768) {
    throw new ProtocolError(`code ${command.code} does not fit the ROCKETMQ header form (int16); use JSON`);
  }
  const parts: Buffer[] = [];
  const fixed = Buffer.alloc(17);
  fixed.writeInt16BE(command.code, 0);
  fixed.writeUInt8(command.language === null ? LanguageCode.OTHER : LanguageCode[command.language], 2);
  fixed.writeInt16BE((command.version << 16) >> 16, 3);
  fixed.writeInt32BE(command.opaque | 0, 5);
  fixed.writeInt32BE(command.flag | 0, 9);
  const remark = command.remark ? javaUtf8(command.remark) : Buffer.alloc(0);
  fixed.writeInt32BE(remark.length, 13);
  parts.push(fixed, remark);
  const ext: Buffer[] = [];
  for (const [k, v] of Object.entries(command.extFields ?? {})) {
    if (k === '' || v === undefined || v === null || v === '') continue;
    const key = javaUtf8(k);
    if (key.length > 32767)
      throw new ProtocolError(`extField key longer than 32767 bytes: ${k.slice(0, 40)}…`);
    const value = javaUtf8(String(v));
    const keyLength = Buffer.alloc(2);
    keyLength.writeInt16BE(key.length);
    const valueLength = Buffer.alloc(4);
    valueLength.writeInt32BE(value.length);
    ext.push(keyLength, key, valueLength, value);
  }
  const extBytes = Buffer.concat(ext);
  const extLength = Buffer.alloc(4);
  extLength.writeInt32BE(extBytes.length);
  parts.push(extLength, extBytes);
  return Buffer.concat(parts);
}

function readString(buf: Buffer, at: number, len: number, what: string): string {
  if (len < 0 || len > buf.length || at + len > buf.length) {
    throw new ProtocolError(
      `ROCKETMQ header: ${what} length ${len} exceeds the header (${buf.length} bytes)`,
    );
  }
  return buf.toString('utf8', at, at + len);
}

export function referenceDecode(buf: Buffer, maxFields: number): RemotingCommand {
  if (buf.length < 21) {
    throw new ProtocolError(`ROCKETMQ header too short: ${buf.length} bytes, needs at least 21`);
  }
  const code = buf.readInt16BE(0);
  const language = languageFromCode(buf.readUInt8(2)) ?? null;
  const version = buf.readInt16BE(3);
  const opaque = buf.readInt32BE(5);
  const flag = buf.readInt32BE(9);
  const remarkLen = buf.readInt32BE(13);
  let p = 17;
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
      if (valueLen === 0) {
        if (keyLen > 0) delete extFields[key];
      } else if (keyLen > 0) {
        extFields[key] = buf.toString('utf8', p, p + valueLen);
      }
      p += valueLen;
    }
  }
  if (p !== buf.length)
    throw new ProtocolError(`ROCKETMQ header: ${buf.length - p} trailing bytes after the ext fields`);
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
