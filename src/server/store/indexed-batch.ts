/**
 * The records of a SEND_BATCH_MESSAGE put, written straight from the request's batch body.
 *
 * The broker used to decode a batch into one object, one body view and one property string per
 * message, append the batch's own properties to each string, and hand those inputs to
 * prepareBatchRecords, which encoded every string back to bytes. Here the messages stay where the
 * request holds them (a BatchIndex: offsets only) and each record gets its property bytes copied
 * from the body, then the batch's shared property bytes, then the checksum slot: the bytes
 * prepareRecord writes for `batchInput(put, i)` (test/unit/store-indexed-batch.test.ts compares them),
 * without an object or a string per message. A message's property string is built only when asked
 * (a long-polling SQL filter, TAGS for its tags code).
 *
 * A message whose properties are not plain ASCII or carry an old `__CRC32#` entry, or that passes a
 * size limit, goes through prepareRecord(batchInput(put, i)): the usual refusal, or its record
 * encoded on its own.
 */
import { BATCH_FIELDS } from '../../protocol/message/batch.js';
import type { BatchIndex } from '../../protocol/message/batch.js';
import { putInt16BE, putInt32BE } from '../../protocol/java/big-endian.js';
import { crc32RangeSigned } from '../../protocol/message/crc32.js';
import { NAME_VALUE_SEPARATOR, PROPERTY_SEPARATOR } from '../../protocol/message/properties.js';
import { MAX_PROPERTIES_LENGTH, RecordOffset, storeTimestampOffset } from '../../protocol/message/record.js';
import type { SocketAddress } from '../../protocol/message/record.js';
import {
  batchLayout,
  MAX_RECORD_BYTES_PER_BODY_BYTE,
  prepareBatchRecords,
  tooLarge,
} from './batch-records.js';
import { isDispatchedSysFlag, tagsCodeOfProperties } from './queue-table.js';
import { SEARCH_KEY } from './index-keys.js';
import type { PreparedRecord, RecordLimits, Refusal } from './record-builder.js';
import { prepareRecord } from './record-builder.js';
import { CHECKSUM_TRAILER_LENGTH, CRC_PROPERTY, propertiesWithChecksumSlot } from './record-checksum.js';
import type { ConsumeQueue } from './consume-queue.js';
import type { DispatchItem } from './dispatch-item.js';
import type { PutMessageInput } from './store-types.js';

/** The messages of one batch request and what they share (the request header's fields). */
export interface IndexedBatchPut {
  readonly topic: string;
  readonly queueId: number;
  readonly sysFlag: number;
  readonly bornTimestamp: number;
  readonly bornHost: SocketAddress;
  readonly storeHost: SocketAddress;
  readonly reconsumeTimes: number;
  readonly waitStoreMsgOK: boolean;
  readonly messages: BatchIndex;
  /**
   * Properties every message stores after its own, one separator between (the batch request's own:
   * WAIT, CLUSTER; Java 4.8.0 .. 5.3.3); '' for none.
   */
  readonly sharedProperties: string;
}

const SEPARATOR = 0x02;
const CHECKSUM_SLOT = Buffer.from(propertiesWithChecksumSlot(''), 'latin1');
const TAGS_ENTRY = Buffer.from(`TAGS${NAME_VALUE_SEPARATOR}`, 'latin1');
const CHECKSUM_ENTRY = Buffer.from(`${CRC_PROPERTY}${NAME_VALUE_SEPARATOR}`, 'latin1');
const KEYS_ENTRY = Buffer.from(`KEYS${NAME_VALUE_SEPARATOR}`, 'latin1');
const UNIQ_KEY_ENTRY = Buffer.from(`UNIQ_KEY${NAME_VALUE_SEPARATOR}`, 'latin1');

/** Message i's property string: its own, then the shared ones after one separator. */
export function batchProperties(put: IndexedBatchPut, i: number): string {
  const { body, fields } = put.messages;
  const f = i * BATCH_FIELDS;
  const propsAt = fields[f]! + 22 + fields[f + 2]!;
  const own = fields[f + 3] === 0 ? '' : body.toString('utf8', propsAt, propsAt + fields[f + 3]!);
  const shared = put.sharedProperties;
  if (own.length > 0 && shared.length > 0 && !own.endsWith(PROPERTY_SEPARATOR)) {
    return own + PROPERTY_SEPARATOR + shared;
  }
  return own + shared;
}

/** Message i as putMessages takes it: what its record must hold, byte for byte. */
export function batchInput(put: IndexedBatchPut, i: number): PutMessageInput {
  const { body, fields } = put.messages;
  const f = i * BATCH_FIELDS;
  const bodyAt = fields[f]! + 20;
  return {
    topic: put.topic,
    queueId: put.queueId,
    flag: fields[f + 1]!,
    body: body.subarray(bodyAt, bodyAt + fields[f + 2]!),
    properties: batchProperties(put, i),
    sysFlag: put.sysFlag,
    bornTimestamp: put.bornTimestamp,
    bornHost: put.bornHost,
    storeHost: put.storeHost,
    reconsumeTimes: put.reconsumeTimes,
    preparedTransactionOffset: 0n,
    waitStoreMsgOK: put.waitStoreMsgOK,
  };
}

/** A record written from the batch body; its property string is made only when read. */
class IndexedRecord implements PreparedRecord, DispatchItem {
  // Set by dispatchAs when the record is appended (it then serves as its own dispatch item).
  phys = 0;
  cq!: ConsumeQueue;
  queueOffset = 0;

  constructor(
    private readonly put: IndexedBatchPut,
    private readonly index: number,
    readonly buf: Buffer,
    readonly at: number,
    readonly size: number,
    readonly tagsCode: bigint,
    readonly dispatched: boolean,
    readonly storeTimestampAt: number,
    /** `buf` when the properties are plain ASCII, with their range in it (DispatchItem). */
    readonly asciiProperties: Uint8Array | undefined,
    readonly asciiPropertiesFrom: number,
    readonly asciiPropertiesTo: number,
    readonly indexUniqAt: number,
    readonly indexKeysAt: number,
  ) {}

  get topic(): string {
    return this.put.topic;
  }

  get queueId(): number {
    return this.put.queueId;
  }

  get properties(): string {
    return batchProperties(this.put, this.index);
  }

  dispatchAs(phys: number, cq: ConsumeQueue, queueOffset: number): DispatchItem {
    this.phys = phys;
    this.cq = cq;
    this.queueOffset = queueOffset;
    return this;
  }
}

// What PropertyScan.scan reports (bits).
const NOT_ASCII = 1;
const HAS_TAGS = 2;
const HAS_CHECKSUM = 4;

/** Whether buf[at, end) starts with `needle`. */
function startsWith(buf: Buffer, at: number, end: number, needle: Buffer): boolean {
  if (at + needle.length > end) return false;
  for (let k = 0; k < needle.length; k++) if (buf[at + k] !== needle[k]) return false;
  return true;
}

/**
 * The messages' own property bytes, checked for what sends a message down the string path: a byte
 * that is not ASCII, an entry "TAGS\u0001..." (its tags code) or "__CRC32#\u0001..." (an old
 * checksum entry to take out); and where the values of the last "UNIQ_KEY\u0001..." and
 * "KEYS\u0001..." entries start (the message index reads its keys there, index-keys.ts). Only
 * entries count: tagsCodeOfProperties, withoutChecksumProperty and the index find nothing elsewhere
 * (a value holding "TAGS" gives tags code 0, as here). Read 4 bytes at a time; a word holding a
 * separator (0x02) is looked at byte by byte for the entry after it.
 */
class PropertyScan {
  private readonly view: DataView;
  /** Where the last scan found the value of its last UNIQ_KEY / KEYS entry, -1 where none. */
  uniqAt = -1;
  keysAt = -1;

  constructor(private readonly buf: Buffer) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.length);
  }

  /** Bits (NOT_ASCII, HAS_TAGS, HAS_CHECKSUM) for the property bytes buf[start, end). */
  scan(start: number, end: number): number {
    const { buf, view } = this;
    this.uniqAt = this.keysAt = -1;
    let high = 0;
    let found = this.entryAt(start, end);
    let i = start;
    for (; i + 4 <= end; i += 4) {
      const word = view.getInt32(i);
      high |= word;
      const x = word ^ 0x02020202; // a zero byte where a separator is
      if (((x - 0x01010101) & ~x & 0x80808080) !== 0) {
        for (let k = i; k < i + 4; k++) if (buf[k] === SEPARATOR) found |= this.entryAt(k + 1, end);
      }
    }
    for (; i < end; i++) {
      const c = buf[i]!;
      high |= c;
      if (c === SEPARATOR) found |= this.entryAt(i + 1, end);
    }
    return (high & 0x80808080) !== 0 ? NOT_ASCII : found;
  }

  private entryAt(at: number, end: number): number {
    const c = this.buf[at];
    if (c === 0x54) return startsWith(this.buf, at, end, TAGS_ENTRY) ? HAS_TAGS : 0;
    if (c === 0x5f) return startsWith(this.buf, at, end, CHECKSUM_ENTRY) ? HAS_CHECKSUM : 0;
    // The last entry of each name with a value counts (index-keys.ts: Java's decoded map).
    if (c === 0x4b && startsWith(this.buf, at, end, KEYS_ENTRY)) {
      if (this.filledAt(at + KEYS_ENTRY.length, end)) this.keysAt = at + KEYS_ENTRY.length;
    } else if (c === 0x55 && startsWith(this.buf, at, end, UNIQ_KEY_ENTRY)) {
      if (this.filledAt(at + UNIQ_KEY_ENTRY.length, end)) this.uniqAt = at + UNIQ_KEY_ENTRY.length;
    }
    return 0;
  }

  private filledAt(at: number, end: number): boolean {
    return at < end && this.buf[at] !== SEPARATOR;
  }
}

/** The request body and the records' buffer, each with a DataView over it (one per batch). */
interface CopyViews {
  readonly source: Uint8Array;
  readonly sourceView: DataView;
  readonly out: Buffer;
  readonly outView: DataView;
}

/**
 * Copies source[start, end) to out at `at`. Up to 256 bytes, 4 bytes at a time through the DataViews
 * (56 ns for 128 B, nothing allocated; a byte loop took ~0.9 ns a byte); longer ranges through a view
 * of a plain Uint8Array (its subarray skips a Buffer's species constructor) and set, at memcpy speed.
 */
function copyRange(v: CopyViews, start: number, end: number, at: number): void {
  if (end - start > 256) {
    v.out.set(v.source.subarray(start, end), at);
    return;
  }
  const { source, sourceView, out, outView } = v;
  let i = start;
  for (; i + 4 <= end; i += 4, at += 4) outView.setInt32(at, sourceView.getInt32(i));
  for (; i < end; i++) out[at++] = source[i]!;
}

/**
 * Prepares the records of a batch put, as prepareRecord does for each message's batchInput (same
 * bytes, same refusals: the first refused message, in order, refuses the put).
 */
export function prepareIndexedBatch(
  put: IndexedBatchPut,
  limits: RecordLimits,
  /** Where the records go (a reused buffer, RecordBufferPool); a new buffer by default. */
  allocate: (size: number) => Buffer = (size) => Buffer.allocUnsafe(size),
): PreparedRecord[] | Refusal {
  const { count, fields, body: src } = put.messages;
  const shared = put.sharedProperties;
  if (count === 0) return [];
  if (shared.includes(CRC_PROPERTY)) {
    // Every message would need the old entry taken out: the general path does that.
    return prepareBatchRecords(
      Array.from({ length: count }, (_, i) => batchInput(put, i)),
      limits,
    );
  }
  // The first message goes through every check; the fields it shares with the others pass with it.
  const head = prepareRecord(batchInput(put, 0), limits);
  if (!('buf' in head)) return head;
  const { sysFlag, bodyLengthAt, header, topicPart, fixedSize, maxSize } = batchLayout(
    head,
    fields[2]!,
    limits,
  );
  const sharedBytes = Buffer.from(shared, 'utf8');
  const sharedEndsWithSeparator = shared.endsWith(PROPERTY_SEPARATOR);
  const sharedHasTags = shared.includes('TAGS');
  // Where the index finds a message's keys, seen by the scan, unless the shared properties may hold a
  // later entry of the same name (Java's property map keeps the last one): then it searches.
  const sharedHasUniq = shared.includes(`UNIQ_KEY${NAME_VALUE_SEPARATOR}`);
  const sharedHasKeys = shared.includes(`KEYS${NAME_VALUE_SEPARATOR}`);
  const uniqAts = new Int32Array(count);
  const keysAts = new Int32Array(count);
  // UTF-8 takes one byte per character only for ASCII; the messages' own bytes are checked below.
  const sharedIsAscii = sharedBytes.length === shared.length;

  // Per message: its record size and property bytes, or the record prepareRecord made of it alone.
  const sizes = new Int32Array(count);
  const propertyBytes = new Int32Array(count);
  const scans = new Uint8Array(count);
  const properties = new PropertyScan(src);
  const alone = new Array<PreparedRecord | undefined>(count);
  alone[0] = head;
  let total = 0;
  const maxTotal = MAX_RECORD_BYTES_PER_BODY_BYTE * limits.maxMessageSize;
  let all = head.size;
  for (let i = 1; i < count; i++) {
    const f = i * BATCH_FIELDS;
    const bodyLength = fields[f + 2]!;
    const ownLength = fields[f + 3]!;
    const propsAt = fields[f]! + 22 + bodyLength;
    const scan = properties.scan(propsAt, propsAt + ownLength);
    if ((scan & (NOT_ASCII | HAS_CHECKSUM)) === 0 && bodyLength <= limits.maxMessageSize) {
      const endsWithSeparator = ownLength > 0 && src[propsAt + ownLength - 1] === SEPARATOR;
      const between = ownLength > 0 && shared.length > 0 && !endsWithSeparator ? 1 : 0;
      const chars = ownLength + between + shared.length;
      const beforeSlot =
        chars > 0 && !(shared.length > 0 ? sharedEndsWithSeparator : endsWithSeparator) ? 1 : 0;
      const bytes = ownLength + between + sharedBytes.length + beforeSlot + CHECKSUM_TRAILER_LENGTH;
      const size = fixedSize + bodyLength + bytes;
      if (chars <= MAX_PROPERTIES_LENGTH && bytes <= MAX_PROPERTIES_LENGTH && size <= maxSize) {
        sizes[i] = size;
        propertyBytes[i] = bytes;
        scans[i] = scan | (between << 4) | (beforeSlot << 5);
        // Relative to the property bytes (they move to the record).
        uniqAts[i] = sharedHasUniq ? SEARCH_KEY : properties.uniqAt < 0 ? -1 : properties.uniqAt - propsAt;
        keysAts[i] = sharedHasKeys ? SEARCH_KEY : properties.keysAt < 0 ? -1 : properties.keysAt - propsAt;
        total += size;
        all += size;
        if (all > maxTotal) return tooLarge(all, maxTotal);
        continue;
      }
    }
    const p = prepareRecord(batchInput(put, i), limits);
    if (!('buf' in p)) return p;
    alone[i] = p;
    all += p.size;
    if (all > maxTotal) return tooLarge(all, maxTotal);
  }

  const out = allocate(total);
  const views: CopyViews = {
    source: new Uint8Array(src.buffer, src.byteOffset, src.length),
    sourceView: new DataView(src.buffer, src.byteOffset, src.length),
    out,
    outView: new DataView(out.buffer, out.byteOffset, out.length),
  };
  const dispatched = isDispatchedSysFlag(sysFlag);
  const storeTimestampAt = storeTimestampOffset(sysFlag);
  const prepared = new Array<PreparedRecord>(count);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const single = alone[i];
    if (single !== undefined) {
      prepared[i] = single;
      continue;
    }
    const f = i * BATCH_FIELDS;
    const bodyAt = fields[f]! + 20;
    const bodyLength = fields[f + 2]!;
    const ownLength = fields[f + 3]!;
    const propsAt = bodyAt + bodyLength + 2;
    const size = sizes[i]!;
    const scan = scans[i]!;
    out.set(header, at);
    putInt32BE(out, at + RecordOffset.TOTALSIZE, size);
    putInt32BE(
      out,
      at + RecordOffset.BODYCRC,
      crc32RangeSigned(src, bodyAt, bodyAt + bodyLength) & 0x7fffffff,
    );
    putInt32BE(out, at + RecordOffset.FLAG, fields[f + 1]!);
    let p = at + bodyLengthAt;
    putInt32BE(out, p, bodyLength);
    copyRange(views, bodyAt, bodyAt + bodyLength, p + 4);
    p += 4 + bodyLength;
    out.set(topicPart, p);
    p += topicPart.length;
    putInt16BE(out, p, propertyBytes[i]!);
    p += 2;
    const propertiesFrom = p;
    copyRange(views, propsAt, propsAt + ownLength, p);
    p += ownLength;
    if (scan & 0x10) out[p++] = SEPARATOR;
    out.set(sharedBytes, p);
    p += sharedBytes.length;
    const propertiesTo = p; // the checksum entry is not the message's
    if (scan & 0x20) out[p++] = SEPARATOR;
    out.set(CHECKSUM_SLOT, p);
    // Tags code as tagsCodeOfProperties finds it; the string is built only when TAGS shows up.
    const tagsCode =
      (scan & HAS_TAGS) !== 0 || sharedHasTags ? tagsCodeOfProperties(batchProperties(put, i)) : 0n;
    prepared[i] = new IndexedRecord(
      put,
      i,
      out,
      at,
      size,
      tagsCode,
      dispatched,
      storeTimestampAt,
      sharedIsAscii ? out : undefined,
      propertiesFrom,
      propertiesTo,
      uniqAts[i]! < 0 ? uniqAts[i]! : propertiesFrom + uniqAts[i]!,
      keysAts[i]! < 0 ? keysAts[i]! : propertiesFrom + keysAts[i]!,
    );
    at += size;
  }
  return prepared;
}
