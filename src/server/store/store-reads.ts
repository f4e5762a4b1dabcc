/**
 * Read paths of the store: PULL (getMessage, after Java DefaultMessageStore.getMessage), view by
 * physical offset, search by timestamp and earliest store time. All reads are preads of exact ranges.
 */
import os from 'node:os';
import { MessageMagic } from '../../protocol/message/constants.js';
import { RecordOffset, storeTimestampOffset } from '../../protocol/message/record.js';
import type { CommitLog } from './commit-log.js';
import type { ConsumeQueue } from './consume-queue.js';
import { CQ_ENTRY_SIZE, decodeEntry } from './consume-queue.js';
import type { QueueTable } from './queue-table.js';
import type { MessageStoreConfig } from './store-config.js';
import { RECORD_OVERHEAD_LIMIT } from './store-config.js';
import { MIN_RECORD_SIZE } from './log-scan.js';
import type { GetMessageResult, GetMessageStatus, TagsCodeFilter } from './store-types.js';

export interface ReadContext {
  commitLog: CommitLog;
  queues: QueueTable;
  config: MessageStoreConfig;
}

function result(
  status: GetMessageStatus,
  next: number,
  min: number,
  max: number,
  messages: Buffer[] = [],
  queueOffsets: bigint[] = [],
): GetMessageResult {
  return {
    status,
    nextBeginOffset: BigInt(next),
    minOffset: BigInt(min),
    maxOffset: BigInt(max),
    messages,
    queueOffsets,
    bufferTotalSize: messages.reduce((n, m) => n + m.length, 0),
    suggestPullingFromSlave: false,
  };
}

export async function getMessage(
  ctx: ReadContext,
  topic: string,
  queueId: number,
  offsetIn: bigint,
  maxMsgNums: number,
  filter?: TagsCodeFilter,
): Promise<GetMessageResult> {
  const offset = Number(offsetIn);
  const cq = ctx.queues.get(topic, queueId);
  // Java creates the queue on lookup, so an unknown queue reads as an empty one.
  if (cq === undefined || cq.maxOffset === 0) return result('NO_MESSAGE_IN_QUEUE', 0, 0, 0);
  const min = cq.minOffset;
  const max = cq.maxOffset;
  if (offset < min) return result('OFFSET_TOO_SMALL', min, min, max);
  if (offset === max) return result('OFFSET_OVERFLOW_ONE', offset, min, max);
  if (offset > max) return result('OFFSET_OVERFLOW_BADLY', max, min, max);

  const maxFilterEntries = Math.max(16000, maxMsgNums * CQ_ENTRY_SIZE) / CQ_ENTRY_SIZE;
  const entries = await cq.readEntries(offset, maxFilterEntries);
  if (entries === undefined) return result('OFFSET_FOUND_NULL', cq.rollNextFile(offset), min, max);

  const maxPhy = ctx.commitLog.writtenPos;
  const memory = os.totalmem() * (ctx.config.accessMessageInMemoryMaxRatio / 100);
  let status: GetMessageStatus = 'NO_MATCHED_MESSAGE';
  const picked: { phys: number; size: number; queueOffset: number }[] = [];
  let total = 0;
  let maxPhyPulling = 0;
  let scanned = 0;
  for (; scanned * CQ_ENTRY_SIZE < entries.length; scanned++) {
    const e = decodeEntry(entries, scanned * CQ_ENTRY_SIZE);
    if (e.size < MIN_RECORD_SIZE) continue; // a message lost to damage (recovery-queues.ts)
    maxPhyPulling = e.phys;
    const inDisk = maxPhy - e.phys > memory;
    if (isBatchFull(ctx.config, e.size, maxMsgNums, total, picked.length, inDisk)) break;
    if (filter && !filter(e.tagsCode)) continue;
    if (e.phys < ctx.commitLog.minOffset) {
      if (picked.length === 0) status = 'MESSAGE_WAS_REMOVING';
      continue;
    }
    picked.push({ phys: e.phys, size: e.size, queueOffset: offset + scanned });
    total += e.size;
    status = 'FOUND';
  }
  const read = await readRecords(ctx.commitLog, picked);
  // Serve only what is a record of the expected size (never the bytes of a void or a blank).
  const messages: Buffer[] = [];
  const queueOffsets: bigint[] = [];
  read.forEach((m, i) => {
    if (m !== undefined && isRecordOfSize(m, picked[i]!.size)) {
      messages.push(m);
      queueOffsets.push(BigInt(picked[i]!.queueOffset));
    }
  });
  if (status === 'FOUND' && messages.length === 0) {
    // Retention deleted their segment since the entries were read (Java: MESSAGE_WAS_REMOVING).
    status = read.includes(undefined) ? 'MESSAGE_WAS_REMOVING' : 'NO_MATCHED_MESSAGE';
  }
  const res = result(status, offset + scanned, min, max, messages, queueOffsets);
  res.suggestPullingFromSlave = maxPhy - maxPhyPulling > memory;
  return res;
}

function isRecordOfSize(buf: Buffer, size: number): boolean {
  if (buf.length !== size || size < 8) return false;
  const magic = buf.readInt32BE(4);
  return buf.readInt32BE(0) === size && (magic === MessageMagic.V1 || magic === MessageMagic.V2);
}

/** Java isTheBatchFull: the first message always fits; then count and byte limits apply. */
function isBatchFull(
  c: MessageStoreConfig,
  sizePy: number,
  maxMsgNums: number,
  bufferTotal: number,
  count: number,
  inDisk: boolean,
): boolean {
  if (bufferTotal === 0 || count === 0) return false;
  if (maxMsgNums <= count) return true;
  const maxBytes = inDisk ? c.maxTransferBytesOnMessageInDisk : c.maxTransferBytesOnMessageInMemory;
  const maxCount = inDisk ? c.maxTransferCountOnMessageInDisk : c.maxTransferCountOnMessageInMemory;
  return bufferTotal + sizePy > maxBytes || count > maxCount - 1;
}

/**
 * Runs of records read with one pread may skip over other records (those of the topic's other queues:
 * one queue's records are interleaved with them in the log) while the run is at most RUN_SPARSENESS
 * times the bytes wanted, or at most RUN_SKIP_MAX_BYTES. Every pread is a thread-pool round trip,
 * awaited in turn: one per record of a 4-queue topic cost the broker ~40 µs per pulled message and
 * bounded a consumer to a pread's latency per record; copying some page cache costs a fraction of
 * that. The bound keeps what a pull reads (and holds until its answer is built) near what it returns.
 */
const RUN_SKIP_MAX_BYTES = 32 * 1024;
const RUN_SPARSENESS = 4;
/** No run is longer (a pull's bytes are bounded by maxTransferBytesOnMessage* anyway). */
const RUN_MAX_BYTES = 4 * 1024 * 1024;

/**
 * Reads records (in log order, as a queue lists them), one pread per run of records of one segment
 * that lie close together (see RUN_SKIP_MAX_BYTES); each record is a view of its run's buffer.
 * undefined for records whose segment retention deleted meanwhile (the later ones are still read).
 */
async function readRecords(
  log: CommitLog,
  picked: { phys: number; size: number }[],
): Promise<(Buffer | undefined)[]> {
  const out: (Buffer | undefined)[] = [];
  let i = 0;
  while (i < picked.length) {
    const first = picked[i]!;
    const seg = log.segmentFor(first.phys);
    let j = i + 1;
    let end = first.phys + first.size;
    let wanted = first.size;
    for (
      let p = picked[j];
      p !== undefined && p.phys >= end && log.segmentFor(p.phys) === seg;
      p = picked[++j]
    ) {
      const length = p.phys + p.size - first.phys;
      if (length > RUN_MAX_BYTES) break;
      if (length > RUN_SKIP_MAX_BYTES && length > RUN_SPARSENESS * (wanted + p.size)) break;
      end = p.phys + p.size;
      wanted += p.size;
    }
    const buf = await log.read(first.phys, end - first.phys);
    if (buf === undefined) {
      if (first.phys >= log.minOffset) break;
      for (let k = i; k < j; k++) out.push(undefined);
      i = j;
      continue;
    }
    for (let k = i; k < j; k++) {
      const p = picked[k]!;
      const at = p.phys - first.phys;
      out.push(buf.subarray(at, at + p.size));
    }
    i = j;
  }
  return out;
}

/**
 * Java checkInDiskByConsumeOffset: whether the message at `offset` of a queue lies further behind the
 * end of the log than accessMessageInMemoryMaxRatio % of the machine's memory (where Java takes it to
 * be swapped out of the page cache, as getMessage does for its batch limits); false when the queue
 * has no entry there.
 */
export async function checkInDiskByConsumeOffset(
  ctx: ReadContext,
  topic: string,
  queueId: number,
  offset: number,
): Promise<boolean> {
  const cq = ctx.queues.get(topic, queueId);
  if (cq === undefined || offset < cq.minOffset || offset >= cq.maxOffset) return false;
  const entries = await cq.readEntries(offset, 1);
  if (entries === undefined || entries.length < CQ_ENTRY_SIZE) return false;
  const memory = os.totalmem() * (ctx.config.accessMessageInMemoryMaxRatio / 100);
  return ctx.commitLog.writtenPos - decodeEntry(entries, 0).phys > memory;
}

/** The bytes of the record at a physical offset, or undefined when no valid record starts there. */
export async function lookMessageByOffset(
  log: CommitLog,
  phys: number,
  maxMessageSize: number,
): Promise<Buffer | undefined> {
  const head = await log.read(phys, 8);
  if (head === undefined) return undefined;
  const size = head.readInt32BE(0);
  const magic = head.readInt32BE(4);
  if (magic !== MessageMagic.V1 && magic !== MessageMagic.V2) return undefined;
  if (size < 56 || size > maxMessageSize + RECORD_OVERHEAD_LIMIT) return undefined;
  const buf = await log.read(phys, size);
  if (buf === undefined || buf.readBigInt64BE(RecordOffset.PHYSICALOFFSET) !== BigInt(phys)) return undefined;
  return buf;
}

/** STORETIMESTAMP of the record at `phys` (Java pickupStoreTimestamp); -1 when unreadable. */
export async function pickupStoreTimestamp(log: CommitLog, phys: number, size: number): Promise<number> {
  const head = await log.read(phys, Math.min(size, 76));
  if (head === undefined || head.length < 76) return -1;
  const at = storeTimestampOffset(head.readInt32BE(RecordOffset.SYSFLAG));
  return Number(head.readBigInt64BE(at));
}

export type TimestampBoundary = 'LOWER' | 'UPPER';

/**
 * Queue offset for a store timestamp (SEARCH_OFFSET_BY_TIMESTAMP), with 5.x BoundaryType semantics
 * over the whole queue: LOWER (default) = first offset whose store time >= ts, or maxOffset when all
 * are older; UPPER = last offset whose store time <= ts, or 0 when all are newer (as Java).
 * 4.9.8 instead answers the entry nearest in time within one file chosen by file mtime.
 * An empty or unknown queue answers 0.
 */
export async function getOffsetByTimestamp(
  ctx: ReadContext,
  cq: ConsumeQueue | undefined,
  ts: number,
  boundary: TimestampBoundary = 'LOWER',
): Promise<number> {
  if (cq === undefined || cq.maxOffset === cq.minOffset) return 0;
  // A hole (lost message) takes the time of the next message, or counts as newest when none follows.
  const timeAt = async (offset: number): Promise<number> => {
    for (let o = offset; o < cq.maxOffset; o++) {
      const e = await cq.readEntry(o);
      if (e === undefined) return -1;
      if (e.size >= MIN_RECORD_SIZE) return pickupStoreTimestamp(ctx.commitLog, e.phys, e.size);
    }
    return Number.MAX_SAFE_INTEGER;
  };
  // Binary search for the first offset whose time satisfies the predicate (times are non-decreasing
  // in a queue because store timestamps are taken inside the append critical section).
  const firstWhere = async (pred: (t: number) => boolean): Promise<number> => {
    let lo = cq.minOffset;
    let hi = cq.maxOffset;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (pred(await timeAt(mid))) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  if (boundary === 'LOWER') return firstWhere((t) => t >= ts);
  const firstAfter = await firstWhere((t) => t > ts);
  return firstAfter === cq.minOffset ? 0 : firstAfter - 1;
}

/** Store time of the first message of a queue, -1 when the queue is empty or unknown. */
export async function earliestMessageTimeInQueue(
  ctx: ReadContext,
  cq: ConsumeQueue | undefined,
): Promise<number> {
  if (cq === undefined || cq.maxOffset <= cq.minOffset) return -1;
  for (let o = cq.minOffset; o < cq.maxOffset; o++) {
    const e = await cq.readEntry(o);
    if (e === undefined) return -1;
    if (e.size >= MIN_RECORD_SIZE) return pickupStoreTimestamp(ctx.commitLog, e.phys, e.size);
  }
  return -1;
}
