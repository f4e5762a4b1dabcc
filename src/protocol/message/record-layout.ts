/**
 * Commit-log record layout (Java CommitLog / MessageExtEncoder / MessageDecoder): field offsets and
 * sizes, shared by the codec (record.ts) and the store, which reads single fields in place.
 *
 * off  size  field
 *   0   4     TOTALSIZE (whole record)
 *   4   4     MAGICCODE  V1 0xDAA320A7 (1-byte topic length) | V2 0xDAA320AB (2-byte topic length)
 *   8   4     BODYCRC    crc32(body) & 0x7FFFFFFF
 *  12   4     QUEUEID
 *  16   4     FLAG
 *  20   8     QUEUEOFFSET
 *  28   8     PHYSICALOFFSET
 *  36   4     SYSFLAG
 *  40   8     BORNTIMESTAMP
 *  48   8|20  BORNHOST   ip (4|16, BORNHOST_V6 bit) + port int32
 *   .   8     STORETIMESTAMP
 *   .   8|20  STOREHOST  ip (4|16, STOREHOSTADDRESS_V6 bit) + port int32
 *   .   4     RECONSUMETIMES
 *   .   8     PREPAREDTRANSACTIONOFFSET
 *   .   4+n   BODYLENGTH, BODY
 *   .   1|2+t TOPICLENGTH, TOPIC (UTF-8)
 *   .   2+p   PROPERTIESLENGTH, PROPERTIES (UTF-8, §1.4 string)
 */
import { ipBytesShared } from './address.js';
import type { SocketAddress } from './address.js';
import { MessageSysFlag } from './constants.js';

/** One stored message record, field by field, as the commit log and pull responses carry it. */
export interface MessageRecord {
  /** Topic of the message. */
  topic: string;
  /** Queue id within the broker. */
  queueId: number;
  /** The Message.flag the producer set. */
  flag: number;
  /** Offset of the message in its consume queue. */
  queueOffset: bigint;
  /** Offset of the record in the commit log. */
  physicalOffset: bigint;
  /** MessageSysFlag bits: compression, multiple tags, transaction type, IPv6 hosts. */
  sysFlag: number;
  /** When the producer created the message, ms since epoch. */
  bornTimestamp: number;
  /** Address of the producer that sent it. */
  bornHost: SocketAddress;
  /** When the broker stored it, ms since epoch. */
  storeTimestamp: number;
  /** Address of the broker that stored it. */
  storeHost: SocketAddress;
  /** How many times the message was consumed again after a failure. */
  reconsumeTimes: number;
  /** Commit-log offset of the half message (transactional messages), else 0. */
  preparedTransactionOffset: bigint;
  /** Body bytes (decompressed when read as MessageExt with decompress on). */
  body: Buffer;
  /** Raw property string (§1.4), exactly as stored. */
  properties: string;
  /** CRC32 of the body as stored. */
  bodyCrc: number;
  /** Size of the whole record in the commit log, bytes. */
  storeSize: number;
}

/** Byte offsets of the fields that sit at fixed positions in every record. */
export const RecordOffset = {
  TOTALSIZE: 0,
  MAGICCODE: 4,
  BODYCRC: 8,
  QUEUEID: 12,
  FLAG: 16,
  QUEUEOFFSET: 20,
  PHYSICALOFFSET: 28,
  SYSFLAG: 36,
  BORNTIMESTAMP: 40,
  BORNHOST: 48,
} as const;

/** Largest PROPERTIES length (Java writes it as a signed short). */
export const MAX_PROPERTIES_LENGTH = 32767;
/** Topics longer than this many UTF-8 bytes need the V2 magic (2-byte length). */
export const MAX_V1_TOPIC_LENGTH = 127;

export function bornHostLength(sysFlag: number): number {
  return sysFlag & MessageSysFlag.BORNHOST_V6 ? 20 : 8;
}
export function storeHostLength(sysFlag: number): number {
  return sysFlag & MessageSysFlag.STOREHOSTADDRESS_V6 ? 20 : 8;
}

/** Offsets of the fields after BORNHOST, which move with the host address lengths. */
export function recordFieldOffsets(sysFlag: number): {
  storeTimestamp: number;
  storeHost: number;
  reconsumeTimes: number;
  preparedTransactionOffset: number;
  bodyLength: number;
} {
  const storeTimestamp = RecordOffset.BORNHOST + bornHostLength(sysFlag);
  const storeHost = storeTimestamp + 8;
  const reconsumeTimes = storeHost + storeHostLength(sysFlag);
  return {
    storeTimestamp,
    storeHost,
    reconsumeTimes,
    preparedTransactionOffset: reconsumeTimes + 4,
    bodyLength: reconsumeTimes + 12,
  };
}

/** Offset of STORETIMESTAMP for a record with this sysFlag (48 + born host length). */
export function storeTimestampOffset(sysFlag: number): number {
  return RecordOffset.BORNHOST + bornHostLength(sysFlag);
}

export function topicLengthSize(topicBytes: number): 1 | 2 {
  return topicBytes > MAX_V1_TOPIC_LENGTH ? 2 : 1;
}

/**
 * TOTALSIZE of a record (91 + body + topic + properties for IPv4 hosts and a V1 topic). The topic
 * length field is 2 bytes (V2) when the topic exceeds 127 bytes.
 */
export function encodedRecordSize(
  topicBytes: number,
  bodyLength: number,
  propertiesBytes: number,
  sysFlag: number,
): number {
  return (
    recordFieldOffsets(sysFlag).bodyLength +
    4 +
    bodyLength +
    topicLengthSize(topicBytes) +
    topicBytes +
    2 +
    propertiesBytes
  );
}

/** sysFlag with the BORNHOST_V6 / STOREHOSTADDRESS_V6 bits matching the given addresses. */
export function sysFlagForHosts(sysFlag: number, bornIp: string, storeIp: string): number {
  return hostBits(sysFlag, ipBytesShared(bornIp), ipBytesShared(storeIp));
}

/** `sysFlag` with the host-address bits set from the raw addresses (16 bytes = IPv6). */
export function hostBits(sysFlag: number, bornIp: Uint8Array, storeIp: Uint8Array): number {
  let f = sysFlag & ~(MessageSysFlag.BORNHOST_V6 | MessageSysFlag.STOREHOSTADDRESS_V6);
  if (bornIp.length === 16) f |= MessageSysFlag.BORNHOST_V6;
  if (storeIp.length === 16) f |= MessageSysFlag.STOREHOSTADDRESS_V6;
  return f;
}
