/**
 * The commit log: an append-only sequence of fixed-size segment files
 * `<root>/commitlog/<20-digit start offset>`, each preallocated to `segmentSize` zero bytes.
 *
 * A record never spans two files. When `recordSize + 8` exceeds the bytes left in the current file,
 * the rest of the file is claimed by an END-OF-FILE blank and the record goes to the next file:
 *
 *   blank:  int32 bytesLeftInFile | int32 0xCBD43194 (BLANK magic) | zeros...
 *
 * Appends are serialized: positions are reserved synchronously (JS runs one task at a time, so the
 * reservation is the "put lock"), and a single writer loop performs the positional writes in order,
 * batching everything reserved while the previous write or fsync was running. SYNC_FLUSH waiters
 * share one fdatasync (group commit).
 */
import fs from 'node:fs';
import path from 'node:path';
import { MessageMagic } from '../../protocol/message/constants.js';
import type { StoreHooks } from './store-config.js';
import { END_FILE_MIN_BLANK_LENGTH, offsetFileName } from './store-config.js';
import { createPreallocatedSync, fdatasync, fsyncDirSync, pread, pwritev } from './file-io.js';

export interface Segment {
  readonly start: number;
  readonly fd: number;
  readonly file: string;
}

export type AppendOutcome = 'PUT_OK' | 'FLUSH_DISK_TIMEOUT' | 'UNKNOWN_ERROR';

/** One put request (a single message or a batch) waiting for its bytes to be written. */
export interface AppendSubmission {
  /** Log position just after the submission's last record. */
  readonly end: number;
  /** Wait for an fsync covering `end` before answering (SYNC_FLUSH with WAIT=true). */
  readonly waitFlush: boolean;
  /** Runs synchronously, in log order, right after the bytes are written (consume-queue dispatch). */
  readonly onWritten: () => void;
  readonly resolve: (outcome: AppendOutcome) => void;
}

interface PendingWrite {
  readonly pos: number;
  readonly buf: Buffer;
}

interface SyncWaiter {
  readonly sub: AppendSubmission;
  /** Counted from submission, like Java's syncFlushTimeout. */
  readonly deadline: number;
}

export interface CommitLogCounters {
  appends: number;
  fsyncs: number;
  bytesWritten: number;
}

export class CommitLog {
  readonly dir: string;
  readonly segments: Segment[] = [];
  /** End of the reserved region (next record position). */
  writePos = 0;
  /** Everything below this position is written and visible to readers. */
  writtenPos = 0;
  /** Everything below this position is covered by an fdatasync. */
  flushedPos = 0;
  readonly counters: CommitLogCounters = { appends: 0, fsyncs: 0, bytesWritten: 0 };
  /** Set after a failed write or fsync: the log takes no more appends until restarted. */
  failure: Error | undefined;

  private pending: PendingWrite[] = [];
  private submissions: SyncWaiter[] = [];
  private syncWaiters: SyncWaiter[] = [];
  private flushWaiters: { target: number; resolve: () => void; reject: (e: Error) => void }[] = [];
  private flushRequested = false;
  private running = false;
  private idleWaiters: (() => void)[] = [];
  private timeoutTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly rootDir: string,
    readonly segmentSize: number,
    private readonly syncFlushTimeout: number,
    private readonly maxWriteBatchBytes: number,
    private readonly hooks: StoreHooks = {},
  ) {
    this.dir = path.join(rootDir, 'commitlog');
  }

  /** Opens existing segment files (already validated by recovery) in order. */
  openSegments(files: { start: number; name: string }[]): void {
    fs.mkdirSync(this.dir, { recursive: true });
    for (const f of files) {
      const file = path.join(this.dir, f.name);
      this.segments.push({ start: f.start, fd: fs.openSync(file, 'r+'), file });
    }
  }

  /** Sets all positions after recovery found the valid end of the log. */
  setRecoveredEnd(end: number): void {
    this.writePos = this.writtenPos = this.flushedPos = end;
  }

  get minOffset(): number {
    return this.segments.length > 0 ? this.segments[0].start : 0;
  }

  /** Largest record (including header) that fits into one segment. */
  get maxRecordSizeForSegment(): number {
    return this.segmentSize - END_FILE_MIN_BLANK_LENGTH;
  }

  segmentFor(pos: number): Segment | undefined {
    if (this.segments.length === 0) return undefined;
    const idx = Math.floor((pos - this.segments[0].start) / this.segmentSize);
    const seg = this.segments[idx];
    return seg !== undefined && pos >= seg.start && pos < seg.start + this.segmentSize ? seg : undefined;
  }

  /**
   * Reserves `size` bytes for one record and returns its physical offset, rolling to a new segment
   * (after queueing an END-OF-FILE blank) when the record does not fit. Synchronous on purpose.
   */
  reserve(size: number): number {
    if (size > this.maxRecordSizeForSegment) throw new RangeError(`record of ${size} bytes exceeds segment`);
    let seg = this.segments[this.segments.length - 1];
    if (seg === undefined || this.writePos >= seg.start + this.segmentSize) {
      seg = this.createSegment(this.writePos);
    }
    const left = seg.start + this.segmentSize - this.writePos;
    if (size + END_FILE_MIN_BLANK_LENGTH > left) {
      // Create the next file first: if that fails, nothing has changed.
      this.createSegment(this.writePos + left);
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

  /** Queues the encoded bytes of a reserved record. */
  enqueue(pos: number, buf: Buffer): void {
    this.pending.push({ pos, buf });
    this.counters.appends++;
  }

  /** Registers a put request whose records were enqueued; starts the writer loop. */
  submit(sub: AppendSubmission): void {
    this.submissions.push({ sub, deadline: Date.now() + this.syncFlushTimeout });
    void this.run();
  }

  /** Asks for an fdatasync of everything written so far (ASYNC_FLUSH timer, checkpoint, close). */
  flush(): Promise<void> {
    const target = this.writePos;
    if (this.failure) return Promise.reject(this.failure);
    if (this.flushedPos >= target) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.flushWaiters.push({ target, resolve, reject });
      this.flushRequested = true;
      void this.run();
    });
  }

  /** Resolves when the writer loop has nothing left to do. */
  whenIdle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Reads `length` bytes at a physical offset; undefined when outside the written region. */
  async read(pos: number, length: number): Promise<Buffer | undefined> {
    if (pos < this.minOffset || pos + length > this.writtenPos) return undefined;
    const seg = this.segmentFor(pos);
    if (seg === undefined || pos - seg.start + length > this.segmentSize) return undefined;
    const buf = await pread(seg.fd, length, pos - seg.start);
    return buf.length === length ? buf : undefined;
  }

  closeFiles(): void {
    if (this.timeoutTimer) clearTimeout(this.timeoutTimer);
    for (const s of this.segments.splice(0)) fs.closeSync(s.fd);
  }

  private createSegment(start: number): Segment {
    fs.mkdirSync(this.dir, { recursive: true });
    const file = path.join(this.dir, offsetFileName(start));
    const seg: Segment = { start, fd: createPreallocatedSync(file, this.segmentSize), file };
    fsyncDirSync(this.dir);
    this.segments.push(seg);
    return seg;
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (!this.failure) {
        const wrote = this.pending.length > 0;
        if (wrote) await this.writeBatch();
        const needFlush =
          this.flushedPos < this.writtenPos && (this.syncWaiters.length > 0 || this.flushRequested);
        if (needFlush) await this.flushWritten();
        else this.settleFlushWaiters();
        if (!wrote && !needFlush) break;
      }
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)));
    } finally {
      this.running = false;
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  private async writeBatch(): Promise<void> {
    let bytes = 0;
    let count = 0;
    while (count < this.pending.length && (count === 0 || bytes < this.maxWriteBatchBytes)) {
      bytes += this.pending[count].buf.length;
      count++;
    }
    const batch = this.pending.splice(0, count);
    // Group consecutive buffers of the same segment into one pwritev each.
    let i = 0;
    while (i < batch.length) {
      const seg = this.segmentFor(batch[i].pos);
      if (seg === undefined) throw new Error(`no segment for position ${batch[i].pos}`);
      const bufs: Buffer[] = [];
      let j = i;
      while (j < batch.length && batch[j].pos < seg.start + this.segmentSize) bufs.push(batch[j++].buf);
      await pwritev(seg.fd, bufs, batch[i].pos - seg.start);
      i = j;
    }
    const last = batch[batch.length - 1];
    this.writtenPos = last.pos + last.buf.length;
    this.counters.bytesWritten += bytes;
    let done = 0;
    while (done < this.submissions.length && this.submissions[done].sub.end <= this.writtenPos) {
      const waiter = this.submissions[done++];
      waiter.sub.onWritten();
      if (waiter.sub.waitFlush) this.addSyncWaiter(waiter);
      else waiter.sub.resolve('PUT_OK');
    }
    this.submissions.splice(0, done);
  }

  private async flushWritten(): Promise<void> {
    const target = this.writtenPos;
    const first = this.segmentFor(this.flushedPos) ?? this.segmentFor(target - 1);
    const firstIdx = first ? this.segments.indexOf(first) : 0;
    for (let k = firstIdx; k < this.segments.length && this.segments[k].start < target; k++) {
      const fd = this.segments[k].fd;
      await (this.hooks.fdatasync ? this.hooks.fdatasync(fd) : fdatasync(fd));
      this.counters.fsyncs++;
    }
    this.flushedPos = target;
    while (this.syncWaiters.length > 0 && this.syncWaiters[0].sub.end <= this.flushedPos) {
      this.syncWaiters.shift()!.sub.resolve('PUT_OK');
    }
    this.armTimeout();
    this.settleFlushWaiters();
  }

  private settleFlushWaiters(): void {
    this.flushWaiters = this.flushWaiters.filter((w) => {
      if (w.target > this.flushedPos) return true;
      w.resolve();
      return false;
    });
    if (this.flushWaiters.length === 0) this.flushRequested = false;
  }

  private addSyncWaiter(waiter: SyncWaiter): void {
    this.syncWaiters.push(waiter);
    if (this.timeoutTimer === undefined) this.armTimeout();
  }

  /** One timer for the oldest sync waiter; waiters are FIFO in both log position and deadline. */
  private armTimeout(): void {
    if (this.timeoutTimer) clearTimeout(this.timeoutTimer);
    this.timeoutTimer = undefined;
    const head = this.syncWaiters[0];
    if (head === undefined) return;
    this.timeoutTimer = setTimeout(
      () => {
        this.timeoutTimer = undefined;
        const now = Date.now();
        while (this.syncWaiters.length > 0 && this.syncWaiters[0].deadline <= now) {
          // The bytes stay written; only the durability promise could not be kept in time.
          this.syncWaiters.shift()!.sub.resolve('FLUSH_DISK_TIMEOUT');
        }
        this.armTimeout();
      },
      Math.max(0, head.deadline - Date.now()),
    );
    this.timeoutTimer.unref();
  }

  /** Stops the log: every waiting put answers UNKNOWN_ERROR, later puts SERVICE_NOT_AVAILABLE. */
  fail(err: Error): void {
    this.failure = err;
    for (const w of this.submissions.splice(0)) w.sub.resolve('UNKNOWN_ERROR');
    for (const w of this.syncWaiters.splice(0)) w.sub.resolve('UNKNOWN_ERROR');
    for (const w of this.flushWaiters.splice(0)) w.reject(err);
    this.pending = [];
    this.armTimeout();
  }
}
