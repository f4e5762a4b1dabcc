/**
 * Commit-log record codec (Java MessageExtEncoder / MessageDecoder). The same bytes are stored on
 * disk, returned by PULL_MESSAGE (records concatenated) and by VIEW_MESSAGE_BY_ID. The byte layout
 * is in record-layout.ts, re-exported here.
 */
import { IllegalArgumentError, ProtocolError } from '../../common/errors.js';
import type { SocketAddress } from './address.js';
import { bytesToIp, ipBytesShared } from './address.js';
import { MessageMagic } from './constants.js';
import { storedBodyCrc } from './crc32.js';
import { putInt16BE, putInt32BE } from '../java/big-endian.js';
import {
  bornHostLength,
  encodedRecordSize,
  hostBits,
  MAX_PROPERTIES_LENGTH,
  recordFieldOffsets,
  RecordOffset,
  storeHostLength,
  topicLengthSize,
} from './record-layout.js';
import type { MessageRecord } from './record-layout.js';

export type { SocketAddress } from './address.js';
export {
  encodedRecordSize,
  MAX_PROPERTIES_LENGTH,
  MAX_V1_TOPIC_LENGTH,
  recordFieldOffsets,
  RecordOffset,
  storeTimestampOffset,
  sysFlagForHosts,
} from './record-layout.js';
export type { MessageRecord } from './record-layout.js';

/**
 * An int64 field from a number: two 32-bit halves when it is a safe integer (no BigInt made per field
 * per record: that was a visible share of the broker's CPU per message), else through BigInt, which
 * throws RangeError as before for what does not fit.
 */
function writeLong(buf: Buffer, value: number, at: number): void {
  if (Number.isSafeInteger(value)) {
    const high = Math.floor(value / 0x1_0000_0000);
    putInt32BE(buf, at, high);
    putInt32BE(buf, at + 4, value - high * 0x1_0000_0000);
  } else {
    buf.writeBigInt64BE(BigInt(Math.trunc(value)), at);
  }
}

/** An int64 field from a bigint (offsets are 0n on most records: written without conversion). */
function writeBigLong(buf: Buffer, value: bigint, at: number): void {
  if (value === 0n) {
    putInt32BE(buf, at, 0);
    putInt32BE(buf, at + 4, 0);
  } else {
    buf.writeBigInt64BE(BigInt.asIntN(64, value), at);
  }
}

function writeHost(buf: Buffer, off: number, ip: Buffer, port: number): number {
  if (ip.length === 4) {
    // Byte stores: Buffer.copy is a native call, ~4x the cost for four bytes.
    buf[off] = ip[0]!;
    buf[off + 1] = ip[1]!;
    buf[off + 2] = ip[2]!;
    buf[off + 3] = ip[3]!;
  } else ip.copy(buf, off);
  putInt32BE(buf, off + ip.length, port | 0);
  return off + ip.length + 4;
}

/** How encodeMessageRecord gets its buffer, and lengths the caller already measured. */
export interface EncodeRecordOptions {
  /** The record's buffer: exactly `size` bytes, contents ignored. Default Buffer.allocUnsafe. */
  allocate?: (size: number) => Buffer;
  /** Buffer.byteLength(topic, 'utf8'), when the caller measured it (it must be exact). */
  topicBytes?: number;
  /** Buffer.byteLength(properties, 'utf8'), when the caller measured it (it must be exact). */
  propertiesBytes?: number;
  /**
   * Leave out a body of this many bytes: the buffer is the record without them (TOTALSIZE and
   * BODYLENGTH count them; `body` is not read, and `bodyCrc` must be given), for a writer that puts
   * the body between the two parts itself (a large body is not copied; it may not even be one
   * buffer). Its parts are [0, bodyAt) and [bodyAt, size - body length), bodyAt after BODYLENGTH.
   */
  omittedBodyLength?: number | undefined;
  /**
   * ASCII text stored right after `properties`, as part of them (PROPERTIES LENGTH counts it; not in
   * `propertiesBytes`): a trailer the caller adds without making a string of both.
   */
  propertiesTail?: string;
}

const NO_ENCODE_OPTIONS: EncodeRecordOptions = {};

/** Buffer's latin1 writer without the dispatch of Buffer#write (undefined where Node lacks it). */
const latin1Write = (Buffer.prototype as unknown as { latin1Write?: unknown }).latin1Write as
  ((this: Buffer, text: string, at: number, length: number) => number) | undefined;
/** ASCII text up to this length is stored char by char: cheaper than a native call. */
const TEXT_LOOP_MAX = 32;

/**
 * A string of `bytes` UTF-8 bytes at buf[at]. As many bytes as UTF-16 units means every unit is
 * ASCII (any other takes 2-4 bytes), and then the cheaper latin1 write gives the same bytes.
 */
function writeText(buf: Buffer, text: string, at: number, bytes: number): number {
  if (bytes !== text.length) return buf.write(text, at, bytes, 'utf8');
  if (bytes <= TEXT_LOOP_MAX) {
    for (let i = 0; i < bytes; i++) buf[at + i] = text.charCodeAt(i);
    return bytes;
  }
  return latin1Write !== undefined
    ? latin1Write.call(buf, text, at, bytes)
    : buf.write(text, at, bytes, 'latin1');
}

/**
 * Encode one record. The host-address bits of `sysFlag` are set from the addresses (IPv4-mapped IPv6
 * counts as IPv4); BODYCRC is computed unless given; the magic is V1 unless the topic needs V2.
 * Throws IllegalArgumentError when the topic or properties are too long to encode.
 */
export function encodeMessageRecord(
  r: Omit<MessageRecord, 'storeSize' | 'bodyCrc'> & { bodyCrc?: number | undefined },
  options: EncodeRecordOptions = NO_ENCODE_OPTIONS,
): Buffer {
  const bornIp = ipBytesShared(r.bornHost.ip);
  const storeIp = ipBytesShared(r.storeHost.ip);
  const sysFlag = hostBits(r.sysFlag, bornIp, storeIp);

  // Topic and properties are measured, then written straight into the record (no Buffer each).
  const topicLength = options.topicBytes ?? Buffer.byteLength(r.topic, 'utf8');
  const tail = options.propertiesTail ?? '';
  const ownPropsLength = options.propertiesBytes ?? Buffer.byteLength(r.properties, 'utf8');
  const propsLength = ownPropsLength + tail.length;
  if (topicLength > 0x7fff) {
    throw new IllegalArgumentError(`topic is ${topicLength} bytes long; a record topic holds at most 32767`);
  }
  if (propsLength > MAX_PROPERTIES_LENGTH) {
    throw new IllegalArgumentError(
      `properties are ${propsLength} bytes long; at most ${MAX_PROPERTIES_LENGTH} fit in a record (remove properties)`,
    );
  }
  const omitted = options.omittedBodyLength;
  const omitBody = omitted !== undefined;
  if (omitBody && r.bodyCrc === undefined)
    throw new IllegalArgumentError('a record that leaves its body out needs the body CRC given');
  const bodyLength = omitBody ? omitted : r.body.length;
  const size = encodedRecordSize(topicLength, bodyLength, propsLength, sysFlag);
  const v2 = topicLengthSize(topicLength) === 2;
  const bytes = omitBody ? size - bodyLength : size;
  const buf = options.allocate === undefined ? Buffer.allocUnsafe(bytes) : options.allocate(bytes);
  if (buf.length !== bytes)
    throw new IllegalArgumentError(`record buffer of ${buf.length} bytes, ${bytes} needed`);
  putInt32BE(buf, RecordOffset.TOTALSIZE, size);
  putInt32BE(buf, RecordOffset.MAGICCODE, v2 ? MessageMagic.V2 : MessageMagic.V1);
  putInt32BE(buf, RecordOffset.BODYCRC, (r.bodyCrc ?? storedBodyCrc(r.body)) | 0);
  putInt32BE(buf, RecordOffset.QUEUEID, r.queueId | 0);
  putInt32BE(buf, RecordOffset.FLAG, r.flag | 0);
  writeBigLong(buf, r.queueOffset, RecordOffset.QUEUEOFFSET);
  writeBigLong(buf, r.physicalOffset, RecordOffset.PHYSICALOFFSET);
  putInt32BE(buf, RecordOffset.SYSFLAG, sysFlag | 0);
  writeLong(buf, r.bornTimestamp, RecordOffset.BORNTIMESTAMP);
  let off = writeHost(buf, RecordOffset.BORNHOST, bornIp, r.bornHost.port);
  writeLong(buf, r.storeTimestamp, off);
  off = writeHost(buf, off + 8, storeIp, r.storeHost.port);
  putInt32BE(buf, off, r.reconsumeTimes | 0);
  writeBigLong(buf, r.preparedTransactionOffset, off + 4);
  off += 12;
  putInt32BE(buf, off, bodyLength);
  off += 4;
  if (!omitBody) {
    buf.set(r.body, off); // TypedArray set: no Buffer view of the body to make first
    off += r.body.length;
  }
  if (v2) {
    putInt16BE(buf, off, topicLength);
    off += 2;
  } else {
    buf[off] = topicLength;
    off += 1;
  }
  off += writeText(buf, r.topic, off, topicLength);
  putInt16BE(buf, off, propsLength);
  off += 2 + writeText(buf, r.properties, off + 2, ownPropsLength);
  for (let i = 0; i < tail.length; i++) buf[off + i] = tail.charCodeAt(i);
  return buf;
}

export interface DecodeRecordOptions {
  /** Recompute the body CRC and throw ProtocolError on mismatch. Default false (as the Java client). */
  verifyCrc?: boolean;
}

function fail(offset: number, what: string): never {
  throw new ProtocolError(`malformed message record at byte ${offset}: ${what}`);
}

function readHost(buf: Buffer, off: number, ipLen: number): SocketAddress {
  return { ip: bytesToIp(buf.subarray(off, off + ipLen)), port: buf.readInt32BE(off + ipLen) };
}

/** Where a record's variable-length fields are, each length checked against TOTALSIZE (no copy). */
export interface RecordFields {
  storeSize: number;
  magic: number;
  sysFlag: number;
  /** Offset of the body in the buffer. */
  bodyAt: number;
  bodyLength: number;
  topic: string;
  properties: string;
}

/**
 * Locates and checks the fields of the record at `offset`: every length against TOTALSIZE and the
 * buffer; an unknown magic (the end-of-file BLANK magic included) or any inconsistency throws
 * ProtocolError. What decodeMessageRecord and the store's recovery walk (which needs no body copy,
 * hosts or timestamps) share.
 */
export function readRecordFields(buf: Buffer, offset = 0): RecordFields {
  const avail = buf.length - offset;
  if (offset < 0 || avail < 8) fail(offset, `only ${Math.max(0, avail)} bytes left, need at least 8`);
  const storeSize = buf.readInt32BE(offset);
  const magic = buf.readInt32BE(offset + 4);
  if (magic === MessageMagic.BLANK) fail(offset, 'end-of-file blank marker, not a message');
  if (magic !== MessageMagic.V1 && magic !== MessageMagic.V2) {
    fail(offset, `unknown magic code 0x${(magic >>> 0).toString(16).toUpperCase()}`);
  }
  if (storeSize < 0 || storeSize > avail) fail(offset, `TOTALSIZE ${storeSize} but ${avail} bytes available`);
  if (storeSize < 56) fail(offset, `TOTALSIZE ${storeSize} is too small for a record`);
  const end = offset + storeSize;
  const sysFlag = buf.readInt32BE(offset + RecordOffset.SYSFLAG);
  let p = offset + recordFieldOffsets(sysFlag).bodyLength;
  const need = (n: number, what: string): void => {
    if (n < 0 || p + n > end)
      fail(offset, `${what} (${n} bytes at +${p - offset}) runs past TOTALSIZE ${storeSize}`);
  };
  need(4, 'body length');
  const bodyLength = buf.readInt32BE(p);
  p += 4;
  need(bodyLength, 'body');
  const bodyAt = p;
  p += bodyLength;
  const v2 = magic === MessageMagic.V2;
  need(v2 ? 2 : 1, 'topic length');
  const topicLength = v2 ? buf.readUInt16BE(p) : buf.readUInt8(p);
  p += v2 ? 2 : 1;
  need(topicLength, 'topic');
  const topic = buf.toString('utf8', p, p + topicLength);
  p += topicLength;
  need(2, 'properties length');
  const propertiesLength = buf.readUInt16BE(p);
  p += 2;
  need(propertiesLength, 'properties');
  const properties = buf.toString('utf8', p, p + propertiesLength);
  p += propertiesLength;
  if (p !== end) fail(offset, `fields end at +${p - offset} but TOTALSIZE is ${storeSize}`);
  return { storeSize, magic, sysFlag, bodyAt, bodyLength, topic, properties };
}

/**
 * Decode the record starting at `offset`. Every length is checked against TOTALSIZE and the buffer;
 * any inconsistency, an unknown magic (including the end-of-file BLANK magic) or a CRC mismatch (with
 * verifyCrc) throws ProtocolError. The returned body is a copy.
 */
export function decodeMessageRecord(
  buf: Buffer,
  offset = 0,
  options: DecodeRecordOptions = {},
): MessageRecord {
  const { storeSize, sysFlag, bodyAt, bodyLength, topic, properties } = readRecordFields(buf, offset);
  const rel = recordFieldOffsets(sysFlag);
  const bornIpLen = bornHostLength(sysFlag) - 4;
  const storeIpLen = storeHostLength(sysFlag) - 4;
  const body = Buffer.from(buf.subarray(bodyAt, bodyAt + bodyLength));
  const bodyCrc = buf.readInt32BE(offset + RecordOffset.BODYCRC);
  if (options.verifyCrc) {
    const actual = storedBodyCrc(body);
    if (actual !== bodyCrc) fail(offset, `body CRC ${actual} does not match stored BODYCRC ${bodyCrc}`);
  }
  return {
    topic,
    queueId: buf.readInt32BE(offset + RecordOffset.QUEUEID),
    flag: buf.readInt32BE(offset + RecordOffset.FLAG),
    queueOffset: buf.readBigInt64BE(offset + RecordOffset.QUEUEOFFSET),
    physicalOffset: buf.readBigInt64BE(offset + RecordOffset.PHYSICALOFFSET),
    sysFlag,
    bornTimestamp: Number(buf.readBigInt64BE(offset + RecordOffset.BORNTIMESTAMP)),
    bornHost: readHost(buf, offset + RecordOffset.BORNHOST, bornIpLen),
    storeTimestamp: Number(buf.readBigInt64BE(offset + rel.storeTimestamp)),
    storeHost: readHost(buf, offset + rel.storeHost, storeIpLen),
    reconsumeTimes: buf.readInt32BE(offset + rel.reconsumeTimes),
    preparedTransactionOffset: buf.readBigInt64BE(offset + rel.preparedTransactionOffset),
    body,
    properties,
    bodyCrc,
    storeSize,
  };
}

/**
 * Decode concatenated records (a pull or query response body). Like the Java client, decoding stops
 * at the first record that cannot be decoded; the records before it are returned.
 */
export function decodeMessageRecords(buf: Buffer, options: DecodeRecordOptions = {}): MessageRecord[] {
  const out: MessageRecord[] = [];
  let offset = 0;
  while (offset < buf.length) {
    let r: MessageRecord;
    try {
      r = decodeMessageRecord(buf, offset, options);
    } catch (err) {
      if (err instanceof ProtocolError) break;
      throw err;
    }
    out.push(r);
    offset += r.storeSize;
  }
  return out;
}
