/**
 * Walks the commit log at start-up, item by item, and resynchronises after damage.
 *
 * Valid items:
 *   record  magic V1/V2, TOTALSIZE within bounds and leaving >= 8 bytes in its file, PHYSICALOFFSET
 *           equal to its position, decodable, body CRC right, checksum trailer right (record-checksum.ts;
 *           required at positions >= `checksumsFrom`, older records may lack it)
 *   blank   int32 size | int32 BLANK magic, covering exactly the rest of its file (end of file)
 *   void    int32 size | int32 VOID magic | zeros: a damaged range a previous recovery moved aside
 *           (it may reach the end of its file)
 *
 * At an invalid position the walk looks for the next valid item in the same file (candidates are the
 * positions 4 bytes before a magic code, so the scan runs at memchr speed). Found: the bytes between
 * are damage inside the log. Not found in a file that is not the last one: the rest of that file is
 * damage (its blank was lost) and the walk goes on in the next file. Not found in the last file: the
 * log ends there and what follows is a torn tail. Damage is only confirmed (reported through
 * onDamage) once a valid item follows it; unconfirmed damage becomes the tail.
 *
 * In the last file the search gives up after `zeroRunLimit` consecutive zero bytes: whatever a crash
 * left after the log end lies within one write batch, so a longer zero run means nothing follows.
 */
import { crc32RangeSigned } from '../../protocol/message/crc32.js';
import { readRecordFields, RecordOffset, storeTimestampOffset } from '../../protocol/message/record.js';
import { MessageMagic } from '../../protocol/message/constants.js';
import type { CommitLog, Segment } from './commit-log.js';
import { preadIntoSync, preadSync } from './file-io.js';
import { checkRecordChecksum } from './record-checksum.js';
import { END_FILE_MIN_BLANK_LENGTH } from './store-config.js';

/** Magic of a void: a damaged range moved aside by recovery (never written by a put). */
export const VOID_MAGIC = 0xda5eb10c | 0;
/** Header of a void or blank: int32 size | int32 magic. */
export const VOID_HEADER_LENGTH = 8;
/** Smallest possible message record; consume-queue entries smaller than this mark lost messages. */
export const MIN_RECORD_SIZE = 56;

export interface ScanLimits {
  /** Largest valid TOTALSIZE. */
  maxRecord: number;
  /** Consecutive zero bytes after which the last file holds nothing more. */
  zeroRunLimit: number;
  /** Records at or after this position must carry a checksum trailer (Infinity: none must). */
  checksumsFrom: number;
}

/**
 * What recovery needs of a record: its queue, the properties its queue entry is made from, and what
 * the message index keeps.
 */
export interface ScannedRecord {
  topic: string;
  queueId: number;
  queueOffset: number;
  sysFlag: number;
  properties: string;
  /** STORETIMESTAMP (the message index keeps it). */
  storeTimestamp: number;
}

export type LogItem =
  | { kind: 'record'; pos: number; size: number; rec: ScannedRecord }
  | { kind: 'blank'; pos: number; size: number }
  | { kind: 'void'; pos: number; size: number };

/** Damaged bytes [from, to); nothing but zeros lies in [dataEnd, to). */
export interface DamagedRange {
  from: number;
  to: number;
  dataEnd: number;
}

export interface LogScanEvents {
  /** A valid item, in log order (after the confirmed damage before it). */
  onItem(item: LogItem): void;
  /** Damage followed by a valid item, in log order. */
  onDamage(range: DamagedRange): void;
}

export interface ScanResult {
  /** End of the last valid item: the end of the log. */
  end: number;
  /** Unconfirmed damage after the end (torn tail), in order. */
  tail: DamagedRange[];
}

/**
 * Reads of the walk, served from a window of the segment file read ahead in one pread: two preads per
 * record (its head, then the record) made start-up take ~12 µs per record on a VM, over 100 s for a
 * 3 GB log. Every refill reads into the same buffer (a fresh one per refill made the walk fault in
 * new pages and read them cold): what the walk takes from a record (ScannedRecord) is copied out, and
 * a returned view is used only until the next read.
 */
export class ScanReads {
  static readonly WINDOW_BYTES = 1024 * 1024;
  private seg: Segment | undefined;
  private start = 0;
  private buf: Buffer = Buffer.alloc(0);
  private window: Buffer | undefined;

  /** `length` bytes of `seg` at `inFile` (fewer at the end of a short file), as preadSync reads them. */
  read(log: CommitLog, seg: Segment, inFile: number, length: number): Buffer {
    if (length > ScanReads.WINDOW_BYTES) {
      return preadSync(log.io, seg.fd, length, inFile);
    }
    const buf = this.buf;
    if (seg !== this.seg || inFile < this.start || inFile + length > this.start + buf.length) {
      // A window never reaches past the segment's size, so a short (damaged) file reads short as before.
      const want = Math.max(length, Math.min(ScanReads.WINDOW_BYTES, log.segmentSize - inFile));
      this.window ??= Buffer.allocUnsafe(ScanReads.WINDOW_BYTES);
      this.buf = this.window.subarray(0, preadIntoSync(log.io, seg.fd, this.window, want, inFile));
      this.seg = seg;
      this.start = inFile;
      return this.buf.subarray(0, length);
    }
    const at = inFile - this.start;
    return buf.subarray(at, at + length);
  }
}

/** Longest stretch of the walk between two returns to the event loop (milliseconds). */
const SCAN_SLICE_MILLIS = 20;
/** Items walked between two looks at the clock. */
const ITEMS_PER_CLOCK_LOOK = 512;
/** Bytes walked between two looks at the clock: 512 records of 4 MiB are seconds of checksums. */
const BYTES_PER_CLOCK_LOOK = 1024 * 1024;

/** Where a walk stops and how it gives the event loop back (defaults: the log's end, setImmediate). */
export interface ScanRange {
  /** The walk stops at the first item at or after this position. */
  to?: number;
  /**
   * Awaited every SCAN_SLICE_MILLIS instead of a bare setImmediate. It may throw to end the walk; the
   * segment is looked up again after it (a walk of an open store lets retention detach segments there).
   */
  turn?: () => Promise<void>;
}

const setImmediateTurn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/** Gives the event loop back (the walk's `turn`) once SCAN_SLICE_MILLIS of walking have passed. */
class ScanPacer {
  private sliceEnd = performance.now() + SCAN_SLICE_MILLIS;

  constructor(private readonly turn: () => Promise<void>) {}

  async pace(): Promise<void> {
    if (performance.now() < this.sliceEnd) return;
    await this.turn();
    this.sliceEnd = performance.now() + SCAN_SLICE_MILLIS;
  }
}

/**
 * The walk. It returns to the event loop every SCAN_SLICE_MILLIS: verifying a large log takes seconds,
 * and whatever else the process serves meanwhile (the name server of `rmq dev`, a health check) must
 * keep answering. Nothing else touches the store before it is open (at start-up; the index backfill,
 * index-backfill.ts, walks an open store through `range.turn`).
 */
export async function scanLog(
  log: CommitLog,
  from: number,
  limits: ScanLimits,
  events: LogScanEvents,
  reads: ScanReads = new ScanReads(),
  range: ScanRange = {},
): Promise<ScanResult> {
  const lastSeg = log.segments[log.segments.length - 1];
  const to = range.to ?? Infinity;
  const turn = range.turn ?? setImmediateTurn;
  let pending: DamagedRange[] = [];
  let pos = from;
  let end = from;
  let items = 0;
  let lookedAt = pos;
  const pacer = new ScanPacer(turn);
  while (pos < to) {
    if (++items === ITEMS_PER_CLOCK_LOOK || pos - lookedAt >= BYTES_PER_CLOCK_LOOK) {
      items = 0;
      lookedAt = pos;
      await pacer.pace();
    }
    const seg = log.segmentFor(pos);
    if (seg === undefined) break;
    const item = classify(log, seg, pos, limits, reads);
    if (item !== undefined) {
      for (const r of pending) events.onDamage(r);
      pending = [];
      events.onItem(item);
      pos = end = pos + item.size;
      continue;
    }
    const segEnd = seg.start + log.segmentSize;
    const next = await findNextValid(log, seg, pos, limits, seg === lastSeg, reads, pacer);
    if (next === SEGMENT_GONE) continue; // looked up again: the walk ends there
    if (next.found !== undefined) {
      pending.push({ from: pos, to: next.found, dataEnd: next.found });
      pos = next.found;
    } else if (seg !== lastSeg) {
      pending.push({ from: pos, to: segEnd, dataEnd: next.dataEnd });
      pos = segEnd;
    } else {
      pending.push({ from: pos, to: next.dataEnd, dataEnd: next.dataEnd });
      break;
    }
  }
  return { end, tail: pending.filter((r) => r.dataEnd > r.from) };
}

/** The valid item starting at `pos`, or undefined. */
export function classify(
  log: CommitLog,
  seg: Segment,
  pos: number,
  limits: ScanLimits,
  reads: ScanReads,
): LogItem | undefined {
  const inFile = pos - seg.start;
  const left = log.segmentSize - inFile;
  if (left < END_FILE_MIN_BLANK_LENGTH) return undefined;
  const head = reads.read(log, seg, inFile, 8);
  if (head.length < 8) return undefined; // a short (damaged) file
  const size = head.readInt32BE(0);
  const magic = head.readInt32BE(4);
  if (magic === MessageMagic.BLANK) return size === left ? { kind: 'blank', pos, size } : undefined;
  if (magic === VOID_MAGIC) {
    if (size < VOID_HEADER_LENGTH || size > left) return undefined;
    const rest = reads.read(log, seg, inFile + VOID_HEADER_LENGTH, size - VOID_HEADER_LENGTH);
    return rest.length === size - VOID_HEADER_LENGTH && isAllZero(rest)
      ? { kind: 'void', pos, size }
      : undefined;
  }
  if (magic !== MessageMagic.V1 && magic !== MessageMagic.V2) return undefined;
  if (size < MIN_RECORD_SIZE || size > limits.maxRecord || size + END_FILE_MIN_BLANK_LENGTH > left) {
    return undefined;
  }
  const buf = reads.read(log, seg, inFile, size);
  if (buf.length !== size || !isInt64At(buf, RecordOffset.PHYSICALOFFSET, pos)) return undefined;
  const checksum = checkRecordChecksum(buf, 0, size);
  if (checksum === 'mismatch' || (checksum === 'absent' && pos >= limits.checksumsFrom)) return undefined;
  let f;
  try {
    f = readRecordFields(buf, 0);
  } catch {
    return undefined;
  }
  // The checksum covers the body and its BODYCRC field: a record it vouches for needs no second pass
  // over the body. An older record without one has only BODYCRC to go by.
  if (checksum === 'absent') {
    const bodyCrc = crc32RangeSigned(buf, f.bodyAt, f.bodyAt + f.bodyLength) & 0x7fffffff;
    if (bodyCrc !== buf.readInt32BE(RecordOffset.BODYCRC)) return undefined;
  }
  const rec: ScannedRecord = {
    topic: f.topic,
    queueId: buf.readInt32BE(RecordOffset.QUEUEID),
    queueOffset: readInt64(buf, RecordOffset.QUEUEOFFSET),
    sysFlag: f.sysFlag,
    properties: f.properties,
    storeTimestamp: readInt64(buf, storeTimestampOffset(f.sysFlag)),
  };
  return { kind: 'record', pos, size, rec };
}

/** The big-endian int64 at `at` as a number (queue offsets stay far below 2^53). */
function readInt64(buf: Buffer, at: number): number {
  return buf.readInt32BE(at) * 0x1_0000_0000 + buf.readUInt32BE(at + 4);
}

/** buf holds the big-endian int64 `value` (a safe integer >= 0) at `at`; no BigInt per record. */
function isInt64At(buf: Buffer, at: number, value: number): boolean {
  return (
    buf.readUInt32BE(at) === Math.floor(value / 0x1_0000_0000) &&
    buf.readUInt32BE(at + 4) === value % 0x1_0000_0000
  );
}

const SCAN_CHUNK = 1024 * 1024;
/** Overlap of consecutive chunks, so a magic code split between two reads is still seen. */
const OVERLAP = 7;
const MAGICS = [MessageMagic.V1, MessageMagic.BLANK, MessageMagic.V2, VOID_MAGIC].map((m) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(m);
  return b;
});
const ZERO_PAGE = Buffer.alloc(4096);

/** What findNextValid returns when its segment left the log during one of its turns. */
const SEGMENT_GONE = 'segment gone';

/**
 * The first valid item after `pos` in the same file (`found`), else `dataEnd`: the end of the last
 * non-zero byte seen from `pos` on (at least `pos`). A damaged stretch may run to the end of a 1 GiB
 * file (a second or more of reads and searches): the search paces itself like the walk, one chunk at
 * a time, and stops (SEGMENT_GONE) when a turn took its segment out of the log (retention, while the
 * index backfill walks an open store).
 */
async function findNextValid(
  log: CommitLog,
  seg: Segment,
  pos: number,
  limits: ScanLimits,
  isLastFile: boolean,
  reads: ScanReads,
  pacer: ScanPacer,
): Promise<{ found?: number; dataEnd: number } | typeof SEGMENT_GONE> {
  const segEnd = seg.start + log.segmentSize;
  let dataEnd = pos;
  let zeroRun = 0;
  let tried = pos; // candidates at or below this were classified
  for (let p = pos; p < segEnd;) {
    if (p > pos) {
      await pacer.pace();
      if (log.segmentFor(p) !== seg) return SEGMENT_GONE;
    }
    const len = Math.min(SCAN_CHUNK, segEnd - p);
    const chunk = preadSync(log.io, seg.fd, len, p - seg.start);
    const candidates: number[] = [];
    for (const magic of MAGICS) {
      for (let i = chunk.indexOf(magic); i >= 0; i = chunk.indexOf(magic, i + 1)) {
        if (p + i - 4 > tried) candidates.push(p + i - 4);
      }
    }
    candidates.sort((a, b) => a - b);
    for (const c of candidates) {
      if (classify(log, seg, c, limits, reads) !== undefined)
        return { found: c, dataEnd: Math.max(dataEnd, c) };
      tried = c;
    }
    const lastData = lastNonZero(chunk);
    if (lastData >= 0) {
      dataEnd = Math.max(dataEnd, p + lastData + 1);
      zeroRun = len - lastData - 1;
    } else {
      zeroRun += len;
    }
    if (isLastFile && zeroRun >= limits.zeroRunLimit) break;
    p += p + len >= segEnd ? len : len - OVERLAP;
  }
  return { dataEnd };
}

function isAllZero(buf: Buffer): boolean {
  for (let at = 0; at < buf.length; at += ZERO_PAGE.length) {
    const n = Math.min(ZERO_PAGE.length, buf.length - at);
    if (ZERO_PAGE.compare(buf, at, at + n, 0, n) !== 0) return false;
  }
  return true;
}

/** Index of the last non-zero byte, -1 when all are zero (page-wise compares, then bytes). */
function lastNonZero(buf: Buffer): number {
  for (let end = buf.length; end > 0;) {
    const start = Math.max(0, end - ZERO_PAGE.length);
    if (ZERO_PAGE.compare(buf, start, end, 0, end - start) !== 0) {
      for (let i = end - 1; i >= start; i--) if (buf[i] !== 0) return i;
    }
    end = start;
  }
  return -1;
}
