/**
 * The records of a multi-record put (SEND_BATCH_MESSAGE) encoded into one buffer. The messages of a
 * batch share their topic, queue, sysFlag, hosts, born time, reconsume count and prepared offset (the
 * batch request's header gives them all), so what prepareRecord works out for every record — the
 * topic and queue checks, the host bytes and bits, the header fields — is worked out once here, and
 * each record only gets its size, BODYCRC, FLAG, body and properties. The bytes are exactly those
 * prepareRecord writes (test/unit/store-batch-records.test.ts compares them).
 *
 * Anything unusual about one record (a property string too long, an old `__CRC32#` entry, a body or
 * record over a limit) sends that record through prepareRecord, which refuses it with its usual
 * status and reason or encodes it on its own; inputs that do not share the batch fields all go
 * through prepareRecord.
 */
import { putInt16BE, putInt32BE } from '../../protocol/java/big-endian.js';
import { storedBodyCrc } from '../../protocol/message/crc32.js';
import { PROPERTY_SEPARATOR } from '../../protocol/message/properties.js';
import {
  MAX_PROPERTIES_LENGTH,
  recordFieldOffsets,
  RecordOffset,
  storeTimestampOffset,
} from '../../protocol/message/record.js';
import { topicLengthSize } from '../../protocol/message/record-layout.js';
import { isDispatchedSysFlag, tagsCodeOfProperties } from './queue-table.js';
import type { PreparedRecord, RecordLimits, Refusal } from './record-builder.js';
import { prepareRecord } from './record-builder.js';
import { CHECKSUM_TRAILER_LENGTH, CRC_PROPERTY, propertiesWithChecksumSlot } from './record-checksum.js';
import { RECORD_OVERHEAD_LIMIT } from './store-config.js';
import type { PutMessageInput } from './store-types.js';

/** The trailer propertiesWithChecksumSlot appends (ASCII: one byte per character). */
const CHECKSUM_SLOT = Buffer.from(propertiesWithChecksumSlot(''), 'latin1');
const SEPARATOR_CODE = PROPERTY_SEPARATOR.charCodeAt(0);

function sharesBatchFields(a: PutMessageInput, b: PutMessageInput): boolean {
  return (
    a.topic === b.topic &&
    a.queueId === b.queueId &&
    a.sysFlag === b.sysFlag &&
    a.bornTimestamp === b.bornTimestamp &&
    a.bornHost === b.bornHost &&
    a.storeHost === b.storeHost &&
    a.reconsumeTimes === b.reconsumeTimes &&
    a.preparedTransactionOffset === b.preparedTransactionOffset
  );
}

/**
 * How many times maxMessageSize the records of one batch may take. Every message stores the batch's
 * shared properties again: a body of many empty entries with large shared properties would make
 * gigabytes of records; a legitimate batch's records are within ~2x its body. (Java refuses a batch
 * whose records pass maxMessageSize itself.)
 */
export const MAX_RECORD_BYTES_PER_BODY_BYTE = 4;

export function tooLarge(bytes: number, max: number): Refusal {
  return {
    status: 'MESSAGE_ILLEGAL',
    reason: `message size exceeded: the batch's records pass ${bytes} bytes (at most ${max}, 4 x maxMessageSize)`,
  };
}

/** What the records of a batch share, read from its first record as prepareRecord encoded it. */
export interface BatchLayout {
  readonly sysFlag: number;
  /** Offset of BODY LENGTH (the header before it is the same for every record). */
  readonly bodyLengthAt: number;
  /** The first record's bytes up to BODY LENGTH. */
  readonly header: Buffer;
  /** The topic with its length field. */
  readonly topicPart: Buffer;
  /** A record's size without its body and its property bytes. */
  readonly fixedSize: number;
  /** The largest record the store takes. */
  readonly maxSize: number;
}

export function batchLayout(head: PreparedRecord, headBodyLength: number, limits: RecordLimits): BatchLayout {
  const sysFlag = head.buf.readInt32BE(RecordOffset.SYSFLAG);
  const bodyLengthAt = recordFieldOffsets(sysFlag).bodyLength;
  const topicBytes = Buffer.byteLength(head.topic, 'utf8');
  // A large body is not in the head record's buffer (PreparedRecord.body.bytes): the topic follows.
  const topicStart = bodyLengthAt + 4 + (head.body?.bytes === undefined ? headBodyLength : 0);
  const topicPart = head.buf.subarray(topicStart, topicStart + topicLengthSize(topicBytes) + topicBytes);
  return {
    sysFlag,
    bodyLengthAt,
    header: head.buf.subarray(0, bodyLengthAt),
    topicPart,
    fixedSize: bodyLengthAt + 4 + topicPart.length + 2,
    maxSize: Math.min(limits.maxMessageSize + RECORD_OVERHEAD_LIMIT, limits.maxRecordInSegment),
  };
}

/**
 * Prepares the records of one put, as prepareRecord does for each (same bytes, same refusals: the
 * first refused record, in order, refuses the put).
 */
export function prepareBatchRecords(
  batch: readonly PutMessageInput[],
  limits: RecordLimits,
): PreparedRecord[] | Refusal {
  const first = batch[0];
  if (first === undefined) return [];
  // The first record goes through every check; the fields it shares with the others pass with it.
  const head = prepareRecord(first, limits);
  if (!('buf' in head)) return head;
  if (batch.length === 1 || !batch.every((input) => sharesBatchFields(first, input))) {
    const out: PreparedRecord[] = [head];
    let all = head.size;
    for (let i = 1; i < batch.length; i++) {
      const p = prepareRecord(batch[i]!, limits);
      if (!('buf' in p)) return p;
      out.push(p);
      all += p.size;
      if (all > MAX_RECORD_BYTES_PER_BODY_BYTE * limits.maxMessageSize) {
        return tooLarge(all, MAX_RECORD_BYTES_PER_BODY_BYTE * limits.maxMessageSize);
      }
    }
    return out;
  }
  const { sysFlag, bodyLengthAt, header, topicPart, fixedSize, maxSize } = batchLayout(
    head,
    first.body.length,
    limits,
  );

  // Per record: its size and property bytes (with the separator before the checksum slot, when
  // one goes there), or the record prepareRecord made of it alone. Plain arrays of numbers: no
  // object per record.
  const sizes = new Int32Array(batch.length);
  const propertiesBytes = new Int32Array(batch.length);
  const separators = new Uint8Array(batch.length);
  const propertyBuffers = new Array<Buffer>(batch.length);
  const alone: (PreparedRecord | undefined)[] = new Array<PreparedRecord | undefined>(batch.length);
  alone[0] = head;
  let total = 0;
  const maxTotal = MAX_RECORD_BYTES_PER_BODY_BYTE * limits.maxMessageSize;
  let all = head.size;
  for (let i = 1; i < batch.length; i++) {
    const input = batch[i]!;
    const { properties, body } = input;
    if (
      Buffer.isBuffer(body) &&
      body.length <= limits.maxMessageSize &&
      properties.length <= MAX_PROPERTIES_LENGTH &&
      !properties.includes(CRC_PROPERTY)
    ) {
      const separator = properties.length > 0 && !properties.endsWith(PROPERTY_SEPARATOR) ? 1 : 0;
      // A Buffer of the property string, copied in below: twice as fast as measuring the string and
      // writing it into the record (the broker's strings are concatenations, slow to walk twice).
      const encoded = Buffer.from(properties, 'utf8');
      const bytes = encoded.length + separator + CHECKSUM_TRAILER_LENGTH;
      const size = fixedSize + body.length + bytes;
      if (bytes <= MAX_PROPERTIES_LENGTH && size <= maxSize) {
        sizes[i] = size;
        propertyBuffers[i] = encoded;
        propertiesBytes[i] = bytes;
        separators[i] = separator;
        total += size;
        all += size;
        if (all > maxTotal) return tooLarge(all, maxTotal);
        continue;
      }
    }
    const p = prepareRecord(input, limits);
    if (!('buf' in p)) return p;
    alone[i] = p;
    all += p.size;
    if (all > maxTotal) return tooLarge(all, maxTotal);
  }

  const out = Buffer.allocUnsafe(total);
  const dispatched = isDispatchedSysFlag(sysFlag);
  const storeTimestampAt = storeTimestampOffset(sysFlag);
  const prepared: PreparedRecord[] = new Array<PreparedRecord>(batch.length);
  let at = 0;
  for (let i = 0; i < batch.length; i++) {
    const input = batch[i]!;
    const single = alone[i];
    if (single !== undefined) {
      prepared[i] = single;
      continue;
    }
    const properties = input.properties;
    const body = input.body as Buffer; // a body in chunks went through prepareRecord alone (above)
    const size = sizes[i]!;
    out.set(header, at);
    putInt32BE(out, at + RecordOffset.TOTALSIZE, size);
    putInt32BE(out, at + RecordOffset.BODYCRC, storedBodyCrc(body) | 0);
    putInt32BE(out, at + RecordOffset.FLAG, input.flag | 0);
    let p = at + bodyLengthAt;
    putInt32BE(out, p, body.length);
    out.set(body, p + 4);
    p += 4 + body.length;
    out.set(topicPart, p);
    p += topicPart.length;
    putInt16BE(out, p, propertiesBytes[i]!);
    p += 2;
    const encoded = propertyBuffers[i]!;
    out.set(encoded, p);
    p += encoded.length;
    if (separators[i] === 1) out[p++] = SEPARATOR_CODE;
    out.set(CHECKSUM_SLOT, p);
    prepared[i] = {
      topic: input.topic,
      queueId: input.queueId,
      properties,
      buf: out,
      at,
      size,
      tagsCode: input.tagsCode ?? tagsCodeOfProperties(properties),
      dispatched,
      storeTimestampAt,
    };
    at += size;
  }
  return prepared;
}
