/**
 * Writes reserved commit-log bytes in order and makes them durable.
 *
 * - Writer loop: takes everything reserved so far (up to maxWriteBatchBytes), writes it with
 *   positional pwritev, writes the consume-queue entries of its puts together (staged-dispatch.ts),
 *   then answers, in log order, the puts that do not wait for the disk.
 * - Flusher loop, running concurrently with the writer: one fdatasync covers everything written when
 *   it starts; every SYNC_FLUSH put whose record lies below that point is answered by that single call
 *   (group commit: puts arriving during an fsync share the next one).
 * - Timeouts: a SYNC_FLUSH put not covered within syncFlushTimeout of its submission is answered
 *   FLUSH_DISK_TIMEOUT; its bytes are still flushed later. The answer never comes before the bytes are
 *   written and dispatched, so whatever status a put gets, its message is readable by then.
 *
 * Failures:
 * - A failed write (ENOSPC...) or a failed dispatch refuses the put it hit and every put not yet
 *   dispatched (they sit behind it in the log), then REWINDS: positions go back to the end of the last
 *   dispatched put, the bytes written beyond are zeroed and fsynced before anything else is written
 *   (a refused put must not come back at recovery), and the pipeline goes on. ENOSPC / EDQUOT are
 *   answered SERVICE_NOT_AVAILABLE (Java's disk-full answer), anything else UNKNOWN_ERROR.
 * - A failed fdatasync, a failed scrub or a FatalStoreError stops the log for good (`failure`): after
 *   a failed fsync the kernel may have dropped the dirty pages, so no later success can vouch for them.
 */
import type { StoreHooks } from './store-config.js';
import type { CommitLog, PendingWrite } from './commit-log.js';
import { FlushDeadlines } from './flush-deadlines.js';
import { dispatchWritten, StagedDispatch } from './staged-dispatch.js';
import { FatalStoreError, isDiskFullError } from './append-types.js';
import type { AppendOutcome, AppendSubmission, CommitLogCounters } from './append-types.js';

interface Waiter {
  readonly sub: AppendSubmission;
  readonly deadline: number;
  settled: boolean;
  /** Bytes written and consume-queue entries dispatched. */
  written: boolean;
  /** Deadline passed before the write: answer FLUSH_DISK_TIMEOUT as soon as it is written. */
  timedOut: boolean;
}

const OK: AppendOutcome = { status: 'PUT_OK' };
const TIMEOUT: AppendOutcome = { status: 'FLUSH_DISK_TIMEOUT' };

export class AppendPipeline {
  readonly counters: CommitLogCounters = { appends: 0, fsyncs: 0, bytesWritten: 0 };
  /** Set after a failed fsync or scrub: the log takes no more appends until restarted. */
  failure: Error | undefined;
  /** Told after each rewind (the store resets the queue offsets handed out to refused puts). */
  onRewind: (err: Error) => void = () => undefined;
  /** Consume-queue entries the puts of one write stage (see staged-dispatch.ts). */
  readonly staged = new StagedDispatch();

  private unwritten: Waiter[] = []; // submitted, not yet dispatched (log order)
  private unflushed: Waiter[] = []; // dispatched, waiting for an fsync (log order)
  /** Every waitFlush submission, by deadline. */
  private readonly deadlines = new FlushDeadlines<Waiter>((w) => {
    if (w.written) settle(w, TIMEOUT);
    else w.timedOut = true; // answered by the writer right after its bytes are written
  });
  private flushWaiters: { target: number; resolve: () => void; reject: (e: Error) => void }[] = [];
  private dispatchWaiters: { target: number; resolve: () => void }[] = [];
  /** Bytes a refused write may have left in the log, zeroed before the next write. */
  private scrubRange: { from: number; to: number } | undefined;
  /** Lowest rewind point since the running fdatasync started (it must not vouch for more). */
  private rewindLow = Infinity;
  private writing = false;
  /** The writer is due to start at the end of this turn (see submit). */
  private writerQueued = false;
  private flushing = false;
  private idleWaiters: (() => void)[] = [];

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
      // Only a put that waits for the flush has a deadline (no clock read for the others).
      deadline: sub.waitFlush ? Date.now() + this.syncFlushTimeout : 0,
      settled: false,
      written: false,
      timedOut: false,
    };
    this.unwritten.push(w);
    if (sub.waitFlush) this.deadlines.add(w);
    // The writer starts after the puts submitted in this turn (a data chunk carries many requests):
    // they go out in one write, not the first alone and the rest in a second.
    if (!this.writing && !this.writerQueued) {
      this.writerQueued = true;
      queueMicrotask(this.startWriter);
    }
  }

  private readonly startWriter = (): void => {
    this.writerQueued = false;
    void this.writeLoop();
  };

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

  /** Resolves when every put reserved below `pos` is dispatched (or refused). */
  whenDispatched(pos: number): Promise<void> {
    if (this.failure || this.log.dispatchedPos >= pos) return Promise.resolve();
    return new Promise((resolve) => this.dispatchWaiters.push({ target: pos, resolve }));
  }

  /** Resolves when neither loop has work left. */
  whenIdle(): Promise<void> {
    if (!this.writing && !this.writerQueued && !this.flushing) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops the log: every waiting put answers UNKNOWN_ERROR, later puts SERVICE_NOT_AVAILABLE. */
  fail(err: Error): void {
    if (!this.failure) this.failure = err;
    const outcome: AppendOutcome = { status: 'UNKNOWN_ERROR', reason: err.message };
    for (const w of [...this.unwritten.splice(0), ...this.unflushed.splice(0)]) settle(w, outcome);
    for (const f of this.flushWaiters.splice(0)) f.reject(err);
    this.log.pending = [];
    this.deadlines.clear();
    this.releaseDispatchWaiters();
  }

  close(): void {
    this.deadlines.close();
  }

  private async writeLoop(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (!this.failure && (this.scrubRange !== undefined || this.log.pending.length > 0)) {
        const scrub = this.scrubRange;
        this.scrubRange = undefined;
        if (scrub !== undefined) {
          try {
            await this.log.scrub(scrub.from, scrub.to);
          } catch (err) {
            throw new FatalStoreError(`could not erase refused records: ${(err as Error).message}`);
          }
          continue;
        }
        const batch = this.takeBatch();
        try {
          await this.writeBatch(batch);
        } catch (err) {
          if (err instanceof FatalStoreError) throw err;
          const last = batch[batch.length - 1]!;
          this.rewind(toError(err), last.pos + last.buf.length);
        }
      }
    } catch (err) {
      this.fail(toError(err));
    } finally {
      this.writing = false;
      this.maybeIdle();
    }
  }

  private takeBatch(): PendingWrite[] {
    const pending = this.log.pending;
    let bytes = 0;
    let count = 0;
    while (count < pending.length && (count === 0 || bytes < this.maxWriteBatchBytes)) {
      bytes += pending[count++]!.buf.length;
    }
    return pending.splice(0, count);
  }

  private async writeBatch(batch: readonly PendingWrite[]): Promise<void> {
    if (this.hooks.beforeWrite) await this.hooks.beforeWrite();
    await this.log.writeContiguous(batch);
    const last = batch[batch.length - 1]!;
    this.log.writtenPos = last.pos + last.buf.length;
    this.counters.bytesWritten += this.log.writtenPos - batch[0]!.pos;
    // The puts this write completed stage their consume-queue entries; one commit writes them all.
    let count = 0;
    while (count < this.unwritten.length && this.unwritten[count]!.sub.end <= this.log.writtenPos) count++;
    const { done, error } = dispatchWritten(this.staged, this.unwritten, count);
    this.dispatched(done);
    if (error !== undefined) throw error;
    if (this.unflushed.length > 0 || this.flushWaiters.length > 0) void this.flushLoop();
  }

  /** The first `count` unwritten puts are written and dispatched: answered, or wait for a flush. */
  private dispatched(count: number): void {
    for (let i = 0; i < count; i++) {
      const w = this.unwritten[i]!;
      this.log.dispatchedPos = w.sub.end;
      w.written = true;
      try {
        w.sub.onDispatched?.();
      } catch {
        // The put is written and its queue entries are staged: nothing after its dispatch may undo that
        // (thrown from here, it was taken for a failed write, and the put refused although stored).
      }
      if (!w.sub.waitFlush) settle(w, OK);
      else if (w.timedOut) settle(w, TIMEOUT);
      else this.unflushed.push(w);
    }
    this.unwritten.splice(0, count);
    this.releaseDispatchWaiters();
  }

  /**
   * Refuses every put not yet dispatched and takes the log back to the end of the last dispatched
   * one; bytes up to `writtenUpTo` may have reached the file and are zeroed before the next write.
   */
  private rewind(err: Error, writtenUpTo: number): void {
    const to = Math.max(writtenUpTo, this.log.writtenPos);
    const from = this.log.dispatchedPos;
    const outcome: AppendOutcome = {
      status: isDiskFullError(err) ? 'SERVICE_NOT_AVAILABLE' : 'UNKNOWN_ERROR',
      reason: err.message,
    };
    for (const w of this.unwritten.splice(0)) settle(w, outcome);
    this.log.rewindTo(from);
    this.rewindLow = Math.min(this.rewindLow, from);
    for (const f of this.flushWaiters) f.target = Math.min(f.target, from);
    for (const d of this.dispatchWaiters) d.target = Math.min(d.target, from);
    this.scrubRange = { from, to: Math.max(to, this.scrubRange?.to ?? 0) };
    this.releaseDispatchWaiters();
    this.onRewind(err);
  }

  private releaseDispatchWaiters(): void {
    this.dispatchWaiters = this.dispatchWaiters.filter((d) =>
      this.failure || d.target <= this.log.dispatchedPos ? (d.resolve(), false) : true,
    );
  }

  private async flushLoop(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (!this.failure && this.log.flushedPos < this.log.writtenPos && this.flushNeeded()) {
        const target = this.log.writtenPos;
        this.rewindLow = Infinity;
        for (const seg of this.log.segmentsBetween(this.log.flushedPos, target)) {
          await (this.hooks.fdatasync ? this.hooks.fdatasync(seg.fd) : this.log.io.fdatasync(seg.fd));
          this.counters.fsyncs++;
        }
        // A rewind during the fsync took back bytes above rewindLow: they are not what was synced.
        const covered = Math.min(target, this.rewindLow);
        if (covered > this.log.flushedPos) this.log.flushedPos = covered;
        let n = 0;
        while (n < this.unflushed.length && this.unflushed[n]!.sub.end <= covered)
          settle(this.unflushed[n++]!, OK);
        this.unflushed.splice(0, n);
        this.deadlines.refresh();
        this.flushWaiters = this.flushWaiters.filter((f) =>
          f.target <= covered ? (f.resolve(), false) : true,
        );
      }
    } catch (err) {
      this.fail(toError(err));
    } finally {
      this.flushing = false;
      this.maybeIdle();
    }
  }

  private flushNeeded(): boolean {
    return this.unflushed.length > 0 || this.flushWaiters.length > 0;
  }

  private maybeIdle(): void {
    if (this.writing || this.writerQueued || this.flushing) return;
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
}

const toError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

function settle(w: Waiter, outcome: AppendOutcome): void {
  if (w.settled) return;
  w.settled = true;
  w.sub.resolve(outcome);
}
