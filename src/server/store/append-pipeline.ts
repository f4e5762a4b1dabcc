/**
 * Writes reserved commit-log bytes in order and makes them durable.
 *
 * - Writer loop: takes everything reserved so far (up to maxWriteBatchBytes), writes it with
 *   positional pwritev, then, in log order, runs each put's `onWritten` (consume-queue dispatch) and
 *   answers puts that do not wait for the disk.
 * - Flusher loop, running concurrently with the writer: one fdatasync covers everything written when
 *   it starts; every SYNC_FLUSH put whose record lies below that point is answered by that single call
 *   (group commit: puts arriving during an fsync share the next one).
 * - Timeouts: a SYNC_FLUSH put not covered within syncFlushTimeout of its submission is answered
 *   FLUSH_DISK_TIMEOUT; its bytes are still flushed later. The answer never comes before the bytes are
 *   written and dispatched, so whatever status a put gets, its message is readable by then.
 */
import type { StoreHooks } from './store-config.js';
import type { CommitLog } from './commit-log.js';

export type AppendOutcome = 'PUT_OK' | 'FLUSH_DISK_TIMEOUT' | 'UNKNOWN_ERROR';

/** One put request (a single message or a batch) whose records were reserved and enqueued. */
export interface AppendSubmission {
  /** Log position just after the submission's last record. */
  readonly end: number;
  /** Wait for an fsync covering `end` before answering (SYNC_FLUSH with WAIT=true). */
  readonly waitFlush: boolean;
  /** Runs synchronously, in log order, right after the bytes are written (consume-queue dispatch). */
  readonly onWritten: () => void;
  readonly resolve: (outcome: AppendOutcome) => void;
}

interface Waiter {
  readonly sub: AppendSubmission;
  readonly deadline: number;
  settled: boolean;
  /** Bytes written and consume-queue entries dispatched. */
  written: boolean;
  /** Deadline passed before the write: answer FLUSH_DISK_TIMEOUT as soon as it is written. */
  timedOut: boolean;
}

export interface CommitLogCounters {
  /** Records appended. */
  appends: number;
  /** fdatasync calls on commit-log segments. */
  fsyncs: number;
  /** Commit-log bytes written (records and blanks). */
  bytesWritten: number;
}

export class AppendPipeline {
  readonly counters: CommitLogCounters = { appends: 0, fsyncs: 0, bytesWritten: 0 };
  /** Set after a failed write or fsync: the log takes no more appends until restarted. */
  failure: Error | undefined;

  private unwritten: Waiter[] = []; // submitted, bytes not yet written (log order)
  private unflushed: Waiter[] = []; // written, waiting for an fsync (log order)
  private timeoutQueue: Waiter[] = []; // every waitFlush submission, by deadline
  private flushWaiters: { target: number; resolve: () => void; reject: (e: Error) => void }[] = [];
  private writing = false;
  private flushing = false;
  private idleWaiters: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly log: CommitLog,
    private readonly syncFlushTimeout: number,
    private readonly maxWriteBatchBytes: number,
    private readonly hooks: StoreHooks = {},
  ) {}

  /** Registers a put whose records are already reserved and enqueued; starts the writer. */
  submit(sub: AppendSubmission): void {
    const w: Waiter = {
      sub,
      deadline: Date.now() + this.syncFlushTimeout,
      settled: false,
      written: false,
      timedOut: false,
    };
    this.unwritten.push(w);
    if (sub.waitFlush) {
      this.timeoutQueue.push(w);
      if (this.timer === undefined) this.armTimer();
    }
    void this.writeLoop();
  }

  /** fdatasync of everything reserved so far (ASYNC_FLUSH timer, checkpoint, close). */
  flush(): Promise<void> {
    const target = this.log.writePos;
    if (this.failure) return Promise.reject(this.failure);
    if (this.log.flushedPos >= target) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.flushWaiters.push({ target, resolve, reject });
      void this.flushLoop();
    });
  }

  /** Resolves when neither loop has work left. */
  whenIdle(): Promise<void> {
    if (!this.writing && !this.flushing) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops the log: every waiting put answers UNKNOWN_ERROR, later puts SERVICE_NOT_AVAILABLE. */
  fail(err: Error): void {
    if (!this.failure) this.failure = err;
    for (const w of [...this.unwritten.splice(0), ...this.unflushed.splice(0)]) settle(w, 'UNKNOWN_ERROR');
    for (const f of this.flushWaiters.splice(0)) f.reject(err);
    this.log.pending = [];
    this.timeoutQueue = [];
    this.armTimer();
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async writeLoop(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (!this.failure && this.log.pending.length > 0) await this.writeBatch();
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)));
    } finally {
      this.writing = false;
      this.maybeIdle();
    }
  }

  private async writeBatch(): Promise<void> {
    const pending = this.log.pending;
    let bytes = 0;
    let count = 0;
    while (count < pending.length && (count === 0 || bytes < this.maxWriteBatchBytes)) {
      bytes += pending[count++].buf.length;
    }
    const batch = pending.splice(0, count);
    if (this.hooks.beforeWrite) await this.hooks.beforeWrite();
    await this.log.writeContiguous(batch);
    const last = batch[batch.length - 1];
    this.log.writtenPos = last.pos + last.buf.length;
    this.counters.bytesWritten += bytes;
    let done = 0;
    while (done < this.unwritten.length && this.unwritten[done].sub.end <= this.log.writtenPos) {
      const w = this.unwritten[done++];
      w.sub.onWritten();
      w.written = true;
      if (!w.sub.waitFlush) settle(w, 'PUT_OK');
      else if (w.timedOut) settle(w, 'FLUSH_DISK_TIMEOUT');
      else this.unflushed.push(w);
    }
    this.unwritten.splice(0, done);
    if (this.unflushed.length > 0 || this.flushWaiters.length > 0) void this.flushLoop();
  }

  private async flushLoop(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (!this.failure && this.log.flushedPos < this.log.writtenPos && this.flushNeeded()) {
        const target = this.log.writtenPos;
        for (const seg of this.log.segmentsBetween(this.log.flushedPos, target)) {
          await (this.hooks.fdatasync ? this.hooks.fdatasync(seg.fd) : this.log.io.fdatasync(seg.fd));
          this.counters.fsyncs++;
        }
        this.log.flushedPos = target;
        let n = 0;
        while (n < this.unflushed.length && this.unflushed[n].sub.end <= target)
          settle(this.unflushed[n++], 'PUT_OK');
        this.unflushed.splice(0, n);
        if (this.timeoutQueue[0]?.settled) this.armTimer();
        this.flushWaiters = this.flushWaiters.filter((f) =>
          f.target <= target ? (f.resolve(), false) : true,
        );
      }
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)));
    } finally {
      this.flushing = false;
      this.maybeIdle();
    }
  }

  private flushNeeded(): boolean {
    return this.unflushed.length > 0 || this.flushWaiters.length > 0;
  }

  private maybeIdle(): void {
    if (this.writing || this.flushing) return;
    // A flush() target may sit beyond bytes still being written: the write loop restarts the flusher.
    if (!this.failure && this.flushWaiters.length > 0 && this.log.pending.length === 0) {
      if (this.log.flushedPos < this.log.writtenPos) {
        void this.flushLoop();
        return;
      }
      this.flushWaiters = this.flushWaiters.filter((f) =>
        f.target <= this.log.flushedPos ? (f.resolve(), false) : true,
      );
    }
    for (const w of this.idleWaiters.splice(0)) w();
  }

  /** One timer for the oldest unanswered SYNC_FLUSH put (deadlines are FIFO). */
  private armTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.timeoutQueue.length > 0 && this.timeoutQueue[0].settled) this.timeoutQueue.shift();
    const head = this.timeoutQueue[0];
    if (head === undefined) return;
    // Not unref'd: a put waiting for its answer is pending work that must keep the process alive.
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        const now = Date.now();
        while (this.timeoutQueue.length > 0 && this.timeoutQueue[0].deadline <= now) {
          const w = this.timeoutQueue.shift()!;
          if (w.written) settle(w, 'FLUSH_DISK_TIMEOUT');
          else w.timedOut = true; // answered by the writer right after its bytes are written
        }
        this.armTimer();
      },
      Math.max(0, head.deadline - Date.now()),
    );
  }
}

function settle(w: Waiter, outcome: AppendOutcome): void {
  if (w.settled) return;
  w.settled = true;
  w.sub.resolve(outcome);
}
