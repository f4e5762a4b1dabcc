/**
 * Store-side checks of a put (reference §12.3, Java DefaultMessageStore.checkMessage and
 * MessageExtEncoder.encode) and encoding of the record with placeholder offsets. The append critical
 * section only patches QUEUEOFFSET, PHYSICALOFFSET and STORETIMESTAMP into the encoded bytes, so
 * nothing that can fail runs after a log position has been reserved.
 */
import { putInt64BE } from '../../protocol/java/big-endian.js';
import {
  encodeMessageRecord,
  recordFieldOffsets,
  RecordOffset,
  storeTimestampOffset,
  sysFlagForHosts,
} from '../../protocol/message/record.js';
import {
  encodedRecordSize,
  MAX_PROPERTIES_LENGTH,
  MAX_V1_TOPIC_LENGTH,
} from '../../protocol/message/record.js';
import { isDispatchedSysFlag, tagsCodeOfProperties, TOPIC_PATTERN } from './queue-table.js';
import { checksumSlotAfter, propertiesBeforeChecksum, stampRecordChecksum } from './record-checksum.js';
import { RECORD_OVERHEAD_LIMIT } from './store-config.js';
import { crc32, crc32Chunks } from '../../protocol/message/crc32.js';
import { ChunkedBody } from '../../protocol/command/chunked-body.js';
import { recordBuffer } from './record-slab.js';
import type { ConsumeQueue } from './consume-queue.js';
import type { DispatchItem } from './dispatch-item.js';
import type { PutMessageInput, PutMessageStatus } from './store-types.js';

export interface PreparedRecord {
  readonly topic: string;
  readonly queueId: number;
  /** The message's property string as the caller gave it (without the checksum entry). */
  readonly properties: string;
  /** The buffer holding the record at `at` (a batch's records share one: no view per record). */
  readonly buf: Buffer;
  readonly at: number;
  readonly size: number;
  readonly tagsCode: bigint;
  /** False for PREPARED / ROLLBACK transaction records (no queue offset, no consume-queue entry). */
  readonly dispatched: boolean;
  readonly storeTimestampAt: number;
  /**
   * A large body's CRC-32 and its offset in the record: the checksum reuses it (stampRecord). With
   * `bytes`, the body is not in `buf` (it holds the record's bytes before the body, then those after
   * it): the writer puts `bytes` between the two (one copy fewer of a large body).
   */
  readonly body?: SeparateBody | undefined;
  /**
   * The record's dispatch item once appended at `phys` with `queueOffset`, when the record can be
   * its own (a batch's records: no second object per record); absent, the put makes one.
   */
  dispatchAs?(phys: number, cq: ConsumeQueue, queueOffset: number): DispatchItem;
}

export interface SeparateBody {
  readonly at: number;
  readonly length: number;
  readonly crc: number;
  /** The body's pieces when the record's buffer leaves it out: the request's body or its chunks. */
  readonly bytes?: readonly Buffer[] | undefined;
}

export interface Refusal {
  readonly status: PutMessageStatus;
  readonly reason: string;
}

export interface RecordLimits {
  maxMessageSize: number;
  /** Largest record that fits a commit-log segment (segment size - 8). */
  maxRecordInSegment: number;
}

/**
 * Bodies from this size on have their CRC taken once for both BODYCRC and the record checksum
 * (crc32Combine, ~0.3 µs); below it a second pass over the body costs less than combining.
 */
const REUSED_BODY_CRC_MIN_BYTES = 8 * 1024;
/**
 * Bodies from this size on are not copied into the record: the commit-log write takes the record's
 * bytes around the body and the request's body itself (pwritev). Below it, one buffer per record
 * writes faster than three.
 */
const SEPARATE_BODY_MIN_BYTES = 64 * 1024;

const EMPTY_BODY = Buffer.alloc(0);

let lastLegalTopic: string | undefined;

function illegal(reason: string): Refusal {
  return { status: 'MESSAGE_ILLEGAL', reason };
}

export function prepareRecord(input: PutMessageInput, limits: RecordLimits): PreparedRecord | Refusal {
  const { topic, properties, body } = input;
  if (typeof topic !== 'string' || topic.length === 0) return illegal('topic is empty');
  // Java checks length() > Byte.MAX_VALUE; legal topics are ASCII, so chars = bytes.
  if (topic.length > MAX_V1_TOPIC_LENGTH)
    return illegal(`topic length ${topic.length} > ${MAX_V1_TOPIC_LENGTH}`);
  if (topic !== lastLegalTopic) {
    if (!TOPIC_PATTERN.test(topic)) return illegal(`topic ${topic} contains illegal characters`);
    lastLegalTopic = topic; // puts come topic after topic: the last one that passed is not tested again
  }
  if (!Number.isInteger(input.queueId) || input.queueId < 0 || input.queueId > 0x7fffffff) {
    return illegal(`queueId ${input.queueId} is not a non-negative int32`);
  }
  if (properties.length > MAX_PROPERTIES_LENGTH) {
    return illegal(`properties length ${properties.length} > ${MAX_PROPERTIES_LENGTH}`);
  }
  // Stored: the properties (without an old checksum entry), then the checksum slot, written after
  // them into the record (no string of both to make and measure).
  const storedProperties = propertiesBeforeChecksum(properties);
  const checksumSlot = checksumSlotAfter(storedProperties);
  const ownBytes = Buffer.byteLength(storedProperties, 'utf8');
  const propertiesBytes = ownBytes + checksumSlot.length;
  if (propertiesBytes > MAX_PROPERTIES_LENGTH) {
    // 4.9.8 maps this encoder status to MESSAGE_ILLEGAL at the end of asyncPutMessage; both answer code 13.
    return {
      status: 'PROPERTIES_SIZE_EXCEEDED',
      reason: `properties are ${propertiesBytes} bytes with the checksum entry > 32767`,
    };
  }
  const chunked = body instanceof ChunkedBody;
  if (!chunked && !Buffer.isBuffer(body)) return illegal('body is missing');
  if (body.length > limits.maxMessageSize) {
    return illegal(`body size ${body.length} > maxMessageSize ${limits.maxMessageSize}`);
  }
  let sysFlag: number;
  try {
    sysFlag = sysFlagForHosts(input.sysFlag, input.bornHost.ip, input.storeHost.ip);
  } catch (err) {
    return illegal(`bad host address: ${(err as Error).message}`);
  }
  const size = encodedRecordSize(topic.length, body.length, propertiesBytes, sysFlag);
  if (size > limits.maxMessageSize + RECORD_OVERHEAD_LIMIT) {
    return illegal(`record size ${size} > ${limits.maxMessageSize + RECORD_OVERHEAD_LIMIT}`);
  }
  if (size > limits.maxRecordInSegment) {
    return illegal(
      `record size ${size} does not fit a commit-log segment (${limits.maxRecordInSegment} bytes max)`,
    );
  }
  // A large body's CRC is taken in full once: BODYCRC keeps 31 bits of it, the checksum reuses it.
  const separate = body.length >= SEPARATE_BODY_MIN_BYTES;
  // A body in chunks is written from them when large; a small one (a frame mostly header) is joined.
  const chunks = chunked && separate ? body.chunks : undefined;
  const whole = chunked ? (separate ? undefined : body.join()) : body;
  const bodyCrc =
    body.length < REUSED_BODY_CRC_MIN_BYTES
      ? undefined
      : chunks !== undefined
        ? crc32Chunks(chunks)
        : crc32(whole!);
  let buf: Buffer;
  try {
    // Fields listed one by one: an object spread of `input` here cost ~8 µs per record (V8 built new
    // hidden classes on every call), a quarter of the broker's CPU per message.
    buf = encodeMessageRecord(
      {
        topic,
        queueId: input.queueId,
        flag: input.flag,
        body: whole ?? EMPTY_BODY,
        properties: storedProperties,
        sysFlag,
        bornTimestamp: input.bornTimestamp,
        bornHost: input.bornHost,
        storeHost: input.storeHost,
        reconsumeTimes: input.reconsumeTimes,
        preparedTransactionOffset: input.preparedTransactionOffset,
        queueOffset: 0n,
        physicalOffset: 0n,
        storeTimestamp: 0,
        bodyCrc: bodyCrc === undefined ? undefined : bodyCrc & 0x7fffffff,
      },
      // The topic passed TOPIC_PATTERN (ASCII): its length is its byte length.
      {
        allocate: recordBuffer,
        topicBytes: topic.length,
        propertiesBytes: ownBytes,
        propertiesTail: checksumSlot,
        omittedBodyLength: separate ? body.length : undefined,
      },
    );
  } catch (err) {
    return illegal((err as Error).message);
  }
  return {
    topic,
    queueId: input.queueId,
    properties,
    buf,
    at: 0,
    size: separate ? buf.length + body.length : buf.length,
    tagsCode: input.tagsCode ?? tagsCodeOfProperties(properties),
    dispatched: isDispatchedSysFlag(sysFlag),
    storeTimestampAt: storeTimestampOffset(buf.readInt32BE(RecordOffset.SYSFLAG)),
    body:
      bodyCrc === undefined
        ? undefined
        : {
            at: recordFieldOffsets(sysFlag).bodyLength + 4,
            length: body.length,
            crc: bodyCrc,
            bytes: separate ? (chunks ?? [whole!]) : undefined,
          },
  };
}

/** Patches the fields decided inside the append critical section, then the record checksum. */
export function stampRecord(
  rec: PreparedRecord,
  phys: number,
  queueOffset: number,
  storeTimestamp: number,
): void {
  const { buf, at } = rec;
  // Non-negative safe integers as int64, without a BigInt per field per record.
  putInt64BE(buf, at + RecordOffset.QUEUEOFFSET, queueOffset);
  putInt64BE(buf, at + RecordOffset.PHYSICALOFFSET, phys);
  putInt64BE(buf, at + rec.storeTimestampAt, storeTimestamp);
  const body = rec.body;
  stampRecordChecksum(
    buf,
    at,
    rec.size,
    body === undefined
      ? undefined
      : { at: at + body.at, length: body.length, crc: body.crc, outside: body.bytes !== undefined },
  );
}
