/**
 * The commit log: an append-only sequence of fixed-size segment files
 * `<root>/commitlog/<20-digit start offset>`, each preallocated to `segmentSize` zero bytes.
 *
 * A record never spans two files. When `recordSize + 8` exceeds the bytes left in the current file,
 * the rest of the file is claimed by an END-OF-FILE blank and the record goes to the next file:
 *
 *   blank:  int32 bytesLeftInFile | int32 0xCBD43194 (BLANK magic) | zeros...
 *
 * Positions are reserved synchronously (JS runs one task at a time, so reserving is the "put lock");
 * the AppendPipeline (append-pipeline.ts) writes the reserved bytes in order and flushes them.
 *
 * Positions, always flushedPos <= writtenPos <= writePos and dispatchedPos <= writtenPos:
 *   writePos       end of the reserved region (next record position)
 *   writtenPos     end of the bytes written to the segment files
 *   dispatchedPos  end of the last put whose consume-queue entries are written (readers see below it)
 *   flushedPos     end of the bytes covered by an fdatasync
 * After a failed write or dispatch the pipeline rewinds writePos and writtenPos to dispatchedPos
 * (rewindTo) and the bytes beyond are zeroed (scrub): the refused puts leave nothing behind.
 */
import path from 'node:path';
import { MessageMagic } from '../../protocol/message/constants.js';
import { END_FILE_MIN_BLANK_LENGTH, offsetFileName } from './store-config.js';
import type { FileIO } from './file-io.js';
import {
  createPreallocatedSync,
  mkdirDurableSync,
  pread,
  pwritev,
  pwritevSync,
  zeroRangeSync,
} from './file-io.js';
import { SyncWrites } from './sync-writes.js';

export interface Segment {
  readonly start: number;
  readonly fd: number;
  readonly file: string;
}

export interface PendingWrite {
  readonly pos: number;
  readonly buf: Buffer;
}

export class CommitLog {
  readonly dir: string;
  readonly segments: Segment[] = [];
  /** End of the reserved region (next record position). */
  writePos = 0;
  /** Everything below this position is written and visible to readers. */
  writtenPos = 0;
  /** Every put below this position has its consume-queue entries written. */
  dispatchedPos = 0;
  /** Everything below this position is covered by an fdatasync. */
  flushedPos = 0;
  /** Reserved records and blanks not yet handed to the writer, in log order. */
  pending: PendingWrite[] = [];
  /** Which writes go synchronously (see sync-writes.ts). */
  readonly syncWrites = new SyncWrites();

  constructor(
    readonly io: FileIO,
    readonly rootDir: string,
    readonly segmentSize: number,
  ) {
    this.dir = path.join(rootDir, 'commitlog');
  }

  /** Opens existing segment files (already validated by recovery) in order. */
  openSegments(files: { start: number; name: string }[]): void {
    mkdirDurableSync(this.io, this.dir);
    for (const f of files) {
      const file = path.join(this.dir, f.name);
      this.segments.push({ start: f.start, fd: this.io.openSync(file, 'r+'), file });
    }
  }

  /** Sets all positions after recovery found the valid end of the log. */
  setRecoveredEnd(end: number): void {
    this.writePos = this.writtenPos = this.dispatchedPos = this.flushedPos = end;
  }

  get minOffset(): number {
    return this.segments[0]?.start ?? 0;
  }

  /**
   * Takes the first segment out of the log (retention; never the last one): reads no longer find it
   * and minOffset moves to the next. The caller closes and unlinks it once no read uses it.
   */
  detachFirst(): Segment | undefined {
    return this.segments.length > 1 ? this.segments.shift() : undefined;
  }

  /** Largest record (including header) that fits into one segment. */
  get maxRecordSizeForSegment(): number {
    return this.segmentSize - END_FILE_MIN_BLANK_LENGTH;
  }

  segmentFor(pos: number): Segment | undefined {
    const first = this.segments[0];
    if (first === undefined) return undefined;
    const idx = Math.floor((pos - first.start) / this.segmentSize);
    const seg = this.segments[idx];
    return seg !== undefined && pos >= seg.start && pos < seg.start + this.segmentSize ? seg : undefined;
  }

  /**
   * Reserves `size` bytes for one record and returns its physical offset, rolling to a new segment
   * (after queueing an END-OF-FILE blank) when the record does not fit. Synchronous on purpose.
   */
  reserve(size: number): number {
    if (size > this.maxRecordSizeForSegment) throw new RangeError(`record of ${size} bytes exceeds segment`);
    // After a rewind the segment (and the next one) may already exist: reuse them.
    const seg = this.segmentFor(this.writePos) ?? this.createSegment(this.writePos);
    const left = seg.start + this.segmentSize - this.writePos;
    if (size + END_FILE_MIN_BLANK_LENGTH > left) {
      // Create the next file first: if that fails, nothing has changed.
      if (this.segmentFor(this.writePos + left) === undefined) this.createSegment(this.writePos + left);
      const blank = Buffer.alloc(END_FILE_MIN_BLANK_LENGTH);
      blank.writeInt32BE(left, 0);
      blank.writeInt32BE(MessageMagic.BLANK, 4);
      this.pending.push({ pos: this.writePos, buf: blank });
      this.writePos += left;
    }
    const pos = this.writePos;
    this.writePos += size;
    return pos;
  }

  /**
   * Takes back everything reserved at or after `pos` that is not yet handed to the writer (a put
   * whose later record could not be reserved). Synchronous, so no other put reserved in between.
   */
  unreserve(pos: number): void {
    while (this.pending.length > 0 && this.pending[this.pending.length - 1]!.pos >= pos) this.pending.pop();
    this.writePos = pos;
  }

  /** Drops every reservation at or after `pos` (pending bytes included); writes restart there. */
  rewindTo(pos: number): void {
    this.pending = [];
    this.writePos = this.writtenPos = pos;
    if (this.flushedPos > pos) this.flushedPos = pos;
  }

  /**
   * Zeroes whatever a failed or refused write left in [from, to) and makes the zeros durable, so
   * that recovery can never bring back a record whose put was refused.
   */
  async scrub(from: number, to: number): Promise<void> {
    for (const seg of this.segmentsBetween(from, to)) {
      const a = Math.max(from, seg.start) - seg.start;
      const b = Math.min(to, seg.start + this.segmentSize) - seg.start;
      if (zeroRangeSync(this.io, seg.fd, a, b)) await this.io.fdatasync(seg.fd);
    }
  }

  /** Queues the encoded bytes of reserved records (one record, or several next to each other). */
  enqueue(pos: number, buf: Buffer): void {
    this.pending.push({ pos, buf });
  }

  /**
   * Queues reserved bytes at `index` of `pending`: before the END-OF-FILE blank that the latest
   * reserve queued (at `index`) when the bytes come before it in the log.
   */
  enqueueAt(index: number, pos: number, buf: Buffer): void {
    this.pending.splice(index, 0, { pos, buf });
  }

  /** Writes buffers that are contiguous in the log, one pwritev per segment they touch. */
  async writeContiguous(batch: readonly PendingWrite[]): Promise<void> {
    let i = 0;
    while (i < batch.length) {
      const start = batch[i]!.pos;
      const seg = this.segmentFor(start);
      if (seg === undefined) throw new Error(`no segment for position ${start}`);
      const bufs: Buffer[] = [];
      let j = i;
      for (let w = batch[j]; w !== undefined && w.pos < seg.start + this.segmentSize; w = batch[++j]) {
        bufs.push(w.buf);
      }
      const at = start - seg.start;
      if (this.io.writevSync !== undefined && this.syncWrites.allows(bytesOf(bufs))) {
        this.syncWrites.run(() => pwritevSync(this.io, seg.fd, bufs, at));
      } else {
        await pwritev(this.io, seg.fd, bufs, at);
      }
      i = j;
    }
  }

  /** Segments holding bytes in [from, to). */
  segmentsBetween(from: number, to: number): Segment[] {
    return this.segments.filter((s) => s.start < to && s.start + this.segmentSize > from);
  }

  /** Reads `length` bytes at a physical offset; undefined when outside the written region. */
  async read(pos: number, length: number): Promise<Buffer | undefined> {
    if (pos < this.minOffset || pos + length > this.writtenPos) return undefined;
    const seg = this.segmentFor(pos);
    if (seg === undefined || pos - seg.start + length > this.segmentSize) return undefined;
    const buf = await pread(this.io, seg.fd, length, pos - seg.start);
    return buf.length === length ? buf : undefined;
  }

  closeFiles(): void {
    for (const s of this.segments.splice(0)) this.io.closeSync(s.fd);
  }

  private createSegment(start: number): Segment {
    mkdirDurableSync(this.io, this.dir);
    const file = path.join(this.dir, offsetFileName(start));
    const seg: Segment = { start, fd: createPreallocatedSync(this.io, file, this.segmentSize), file };
    this.io.syncDirSync(this.dir);
    this.segments.push(seg);
    return seg;
  }
}

function bytesOf(buffers: readonly Buffer[]): number {
  let n = 0;
  for (const b of buffers) n += b.length;
  return n;
}
