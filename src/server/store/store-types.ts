/** Inputs and results of the message store API (Java PutMessageResult / GetMessageResult). */
import type { ChunkedBody } from '../../protocol/command/chunked-body.js';
import type { SocketAddress } from '../../protocol/message/record.js';

export interface PutMessageInput {
  topic: string;
  queueId: number;
  flag: number;
  /**
   * Not copied when large (64 KiB and more): the commit-log write reads it after putMessage returns,
   * so it must not change until the put resolves. A ChunkedBody (a request's body still in its socket
   * chunks) is written from its chunks when large, else joined.
   */
  body: Buffer | ChunkedBody;
  /** Raw property string (§1.4), stored as is. */
  properties: string;
  sysFlag: number;
  bornTimestamp: number;
  bornHost: SocketAddress;
  storeHost: SocketAddress;
  reconsumeTimes: number;
  preparedTransactionOffset: bigint;
  /** The WAIT property: false answers SYNC_FLUSH puts without waiting for the fsync. Default true. */
  waitStoreMsgOK?: boolean;
  /**
   * Consume-queue tags code override (e.g. deliver time for SCHEDULE_TOPIC_XXXX), or the hash of TAGS
   * when the caller already has it; default (absent or undefined): hash of TAGS.
   */
  tagsCode?: bigint | undefined;
}

export type PutMessageStatus =
  | 'PUT_OK'
  | 'FLUSH_DISK_TIMEOUT'
  | 'FLUSH_SLAVE_TIMEOUT'
  | 'SLAVE_NOT_AVAILABLE'
  | 'SERVICE_NOT_AVAILABLE'
  | 'CREATE_MAPPED_FILE_FAILED'
  | 'MESSAGE_ILLEGAL'
  | 'PROPERTIES_SIZE_EXCEEDED'
  | 'OS_PAGECACHE_BUSY'
  | 'UNKNOWN_ERROR';

/** Where one record went. */
export interface AppendedRecord {
  physicalOffset: bigint;
  /** Logical offset in its queue (0 for PREPARED / ROLLBACK transaction records). */
  queueOffset: bigint;
  storeSize: number;
}

export interface PutResult {
  status: PutMessageStatus;
  /** Physical offset of the (first) record; -1n when nothing was appended. */
  physicalOffset: bigint;
  /** Queue offset of the (first) record; -1n when nothing was appended. */
  queueOffset: bigint;
  /** TOTALSIZE of the (first) record. */
  storeSize: number;
  storeTimestamp: number;
  /** Bytes of all records of the put. */
  wroteBytes: number;
  /** Every appended record in order (one for putMessage, one per inner message for putMessages). */
  readonly records: AppendedRecord[];
  /**
   * The records' physical offsets in order, as numbers (what `records` holds, without a BigInt per
   * record: the batch answer's message ids are made from these). Absent when nothing was appended.
   */
  readonly physicalOffsets?: ArrayLike<number>;
  /** The records' queue offsets in order, as numbers (as `physicalOffsets`). */
  readonly queueOffsets?: ArrayLike<number>;
  /** Why the put was refused (MESSAGE_ILLEGAL etc.), for logs and response remarks. */
  reason?: string;
}

export type GetMessageStatus =
  | 'FOUND'
  | 'NO_MATCHED_MESSAGE'
  | 'MESSAGE_WAS_REMOVING'
  | 'OFFSET_FOUND_NULL'
  | 'OFFSET_OVERFLOW_BADLY'
  | 'OFFSET_OVERFLOW_ONE'
  | 'OFFSET_TOO_SMALL'
  | 'NO_MATCHED_LOGIC_QUEUE'
  | 'NO_MESSAGE_IN_QUEUE';

export interface GetMessageResult {
  status: GetMessageStatus;
  nextBeginOffset: bigint;
  minOffset: bigint;
  maxOffset: bigint;
  /** Each record exactly as stored (TOTALSIZE bytes); concatenated they form a pull response body. */
  messages: Buffer[];
  /** Queue offsets of `messages`, same order. */
  queueOffsets: bigint[];
  bufferTotalSize: number;
  /** Java suggestPullingFromSlave: the consumer lags more than the in-memory share of RAM. */
  suggestPullingFromSlave: boolean;
}

/** Tags-code filter run on consume-queue entries (true = deliver). */
export type TagsCodeFilter = (tagsCode: bigint) => boolean;

/** What long polling needs to know of an arrived message to test a held pull's filter. */
export interface MessageArrival {
  /** The consume-queue tags code (hash of TAGS, or a schedule topic's deliver time). */
  tagsCode: bigint;
  /** Raw property string (§1.4) of the message. */
  properties: string;
}

export type MessageArrivedListener = (
  topic: string,
  queueId: number,
  queueOffset: bigint,
  arrival: MessageArrival,
) => void;
