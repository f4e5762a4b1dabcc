/**
 * The open/close half of the message store: owns the files (commit log, consume queues, checkpoint),
 * the directory lock, the `abort` marker, the periodic flush timers and the gate that lets close()
 * wait for running reads. MessageStore (message-store.ts) puts and reads through it.
 *
 * Lifecycle: new -> open -> closing -> closed (or new -> closed when open() fails; crash() jumps to
 * closed from anywhere, leaving the abort marker so the next open recovers as after a crash).
 */
import path from 'node:path';
import { IllegalStateError } from '../../common/errors.js';
import { AppendPipeline } from './append-pipeline.js';
import { Checkpoint } from './checkpoint.js';
import { CommitLog } from './commit-log.js';
import type { Logger } from '../../common/logger.js';
import { silentLogger } from '../../common/logger.js';
import { DiskSpaceGuard } from './disk-space.js';
import type { FileIO } from './file-io.js';
import { mkdirDurableSync, nodeFileIO } from './file-io.js';
import { IndexBackfill } from './index-backfill.js';
import type { IndexBackfillReport } from './index-backfill.js';
import { MessageIndex } from './message-index.js';
import { QueueTable } from './queue-table.js';
import { ReadGate } from './read-gate.js';
import { RetentionService } from './retention.js';
import type { RetentionRound } from './retention.js';
import { parseDeleteWhen } from './retention-policy.js';
import type { RecoveryReport } from './recovery.js';
import { logScanLimits, recoverStore } from './recovery.js';
import type { MessageStoreConfig, StoreHooks } from './store-config.js';
import { acquireLock, releaseLock } from './store-lock.js';
import type { ReadContext } from './store-reads.js';

export type StoreState = 'new' | 'opening' | 'open' | 'closing' | 'closed';

export class StoreRuntime {
  readonly commitLog: CommitLog;
  readonly pipeline: AppendPipeline;
  readonly queues: QueueTable;
  readonly io: FileIO;
  readonly logger: Logger;
  readonly disk: DiskSpaceGuard;
  /** Records by key for QUERY_MESSAGE (message-index.ts); undefined when messageIndexEnable is off. */
  readonly index: MessageIndex | undefined;
  private readonly checkpoint: Checkpoint;
  private _state: StoreState = 'new';
  /** Store time of the last dispatched record; written into the checkpoint. */
  lastStoreTimestamp = 0;
  private _recovery: RecoveryReport | undefined;
  private timers: NodeJS.Timeout[] = [];
  /** The open() under way: recovery returns to the event loop, so close() may come meanwhile. */
  private opening: Promise<unknown> | undefined;
  private checkpointing: Promise<void> | undefined;
  /** Reads and checkpoints using descriptors: close() and retention wait for them. */
  readonly gate = new ReadGate();
  /** recoverFrom of the last checkpoint written: retention deletes only segments wholly below it. */
  private durableEnd = 0;
  private readonly retention: RetentionService;
  /** Indexes the records below the recovery walk after open (index-backfill.ts); undefined when none. */
  private backfill: IndexBackfill | undefined;
  private readonly queueFdatasync: ((fd: number) => Promise<void>) | undefined;
  private readonly beforeRead: (() => Promise<void>) | undefined;

  constructor(
    private readonly config: MessageStoreConfig,
    hooks: StoreHooks,
  ) {
    this.queueFdatasync = hooks.queueFdatasync;
    this.beforeRead = hooks.beforeRead;
    const c = config;
    parseDeleteWhen(c.deleteWhen); // a bad value fails the store's construction, not a round at 4 am
    const io = (this.io = hooks.fileIO ?? nodeFileIO);
    this.logger = hooks.logger ?? silentLogger;
    this.disk = new DiskSpaceGuard(
      io,
      c.storePathRootDir,
      c.diskSpaceWarningLevelRatio,
      c.diskSpaceCleanForciblyRatio,
      this.logger,
    );
    this.commitLog = new CommitLog(io, c.storePathRootDir, c.commitLogSegmentSize);
    this.pipeline = new AppendPipeline(this.commitLog, c.syncFlushTimeout, c.maxWriteBatchBytes, hooks);
    this.queues = new QueueTable(io, c.storePathRootDir, c.consumeQueueEntriesPerFile);
    this.checkpoint = new Checkpoint(io, c.storePathRootDir);
    this.retention = new RetentionService(
      {
        commitLog: this.commitLog,
        queues: this.queues,
        gate: this.gate,
        logger: this.logger,
        now: hooks.now ?? Date.now,
        durableEnd: () => this.durableEnd,
        usedPercent: () => {
          this.disk.check();
          return this.disk.usedPercent;
        },
      },
      c,
    );
    this.index = c.messageIndexEnable ? new MessageIndex(c.messageIndexMaxEntries) : undefined;
    // Queue offsets handed to puts that a rewind refused are handed out again.
    this.pipeline.onRewind = () => {
      for (const cq of this.queues.all()) cq.nextQueueOffset = cq.maxOffset;
    };
  }

  get state(): StoreState {
    return this._state;
  }

  get recovery(): RecoveryReport | undefined {
    return this._recovery;
  }

  /** Locks the directory, recovers the log and consume queues, marks the store as running. */
  open(): Promise<RecoveryReport> {
    if (this._state !== 'new')
      return Promise.reject(new IllegalStateError(`message store is ${this._state}; open() runs once`));
    this._state = 'opening';
    const opening = this.recoverAndOpen();
    this.opening = opening.finally(() => (this.opening = undefined)).catch(() => undefined);
    return opening;
  }

  private async recoverAndOpen(): Promise<RecoveryReport> {
    const root = this.config.storePathRootDir;
    mkdirDurableSync(this.io, root);
    acquireLock(this.io, root);
    let recovery: RecoveryReport;
    try {
      recovery = await recoverStore({
        rootDir: root,
        commitLog: this.commitLog,
        queues: this.queues,
        checkpoint: this.checkpoint,
        recoverVerifyFiles: this.config.recoverVerifyFiles,
        maxMessageSize: this.config.maxMessageSize,
        maxWriteBatchBytes: this.config.maxWriteBatchBytes,
        logger: this.logger,
        index: this.index,
      });
      this._recovery = recovery;
      await this.writeCheckpoint();
      this.io.writeFileSync(path.join(root, 'abort'), '');
    } catch (err) {
      this.commitLog.closeFiles();
      this.queues.closeAll();
      this.checkpoint.close();
      releaseLock(this.io, root);
      this._state = 'closed';
      throw err;
    }
    this._state = 'open';
    this.disk.start(this.config.diskSpaceCheckInterval);
    if (this.config.flushDiskType === 'ASYNC_FLUSH') {
      this.every(this.config.flushIntervalCommitLog, () => this.pipeline.flush());
    }
    this.every(this.config.flushIntervalConsumeQueue, () => this.writeCheckpoint());
    if (this.config.cleanFileEnable) this.retention.start();
    this.startIndexBackfill(recovery);
    return recovery;
  }

  /** The records below where recovery started its walk go into the index in the background. */
  private startIndexBackfill(recovery: RecoveryReport): void {
    const index = this.index;
    if (index === undefined) return;
    if (recovery.verifiedFrom <= this.commitLog.minOffset || index.room === 0) {
      index.endOlder();
      return;
    }
    this.backfill = IndexBackfill.start({
      commitLog: this.commitLog,
      index,
      gate: this.gate,
      limits: logScanLimits({
        rootDir: this.config.storePathRootDir,
        commitLog: this.commitLog,
        maxMessageSize: this.config.maxMessageSize,
        maxWriteBatchBytes: this.config.maxWriteBatchBytes,
      }),
      end: recovery.verifiedFrom,
      logger: this.logger,
    });
  }

  /** How the index backfill ended, once it has; undefined when there was none (nothing to do, no index). */
  get indexBackfilled(): Promise<IndexBackfillReport | undefined> {
    return this.backfill?.done ?? Promise.resolve(undefined);
  }

  /**
   * Waits for in-flight appends and reads, flushes log and queues, writes the checkpoint, releases
   * the lock. Files, timers and the lock are released even when the final flush fails; the failure is
   * then rethrown and the `abort` marker stays (the next open treats the shutdown as unclean).
   */
  async close(): Promise<void> {
    if (this._state === 'opening') await this.opening; // then closes what it opened
    if (this._state !== 'open') return;
    this._state = 'closing';
    for (const t of this.timers.splice(0)) clearInterval(t);
    await this.backfill?.stop();
    await this.retention.stop();
    let failure: unknown;
    try {
      await this.pipeline.whenIdle();
      await this.checkpointing?.catch(() => undefined);
      if (!this.pipeline.failure) await this.writeCheckpoint();
    } catch (err) {
      failure = err;
    }
    // Reads still running use the descriptors about to be closed (a closed number can be reused).
    await this.gate.idle();
    this.releaseFiles();
    if (failure === undefined && !this.pipeline.failure) {
      this.io.rmSync(path.join(this.config.storePathRootDir, 'abort'));
    }
    releaseLock(this.io, this.config.storePathRootDir);
    this._state = 'closed';
    if (failure !== undefined) throw failure;
  }

  /** Drops files and timers without flushing and keeps the abort marker (crash simulation). */
  crash(): void {
    for (const t of this.timers.splice(0)) clearInterval(t);
    this.retention.abandon();
    this.backfill?.abandon();
    this.releaseFiles();
    releaseLock(this.io, this.config.storePathRootDir);
    this._state = 'closed';
  }

  /** fdatasyncs the consume queues then the log, and records the recovery start point. */
  writeCheckpoint(): Promise<void> {
    if (this.checkpointing) return this.checkpointing;
    const run = async (): Promise<void> => {
      // A user of the queue files' descriptors (fdatasync): retention closes none it may be syncing.
      const token = this.gate.enter();
      try {
        await this.checkpointOnce();
      } finally {
        this.gate.leave(token);
      }
    };
    this.checkpointing = run().finally(() => {
      this.checkpointing = undefined;
    });
    return this.checkpointing;
  }

  private async checkpointOnce(): Promise<void> {
    // Every put below `dispatched` has its consume-queue entries appended (written just below);
    // after both fsyncs it is a safe recovery start point. Not writtenPos: a put written in two
    // batches is dispatched after the second, and its first records must be walked again.
    const dispatched = this.commitLog.dispatchedPos;
    const ts = this.lastStoreTimestamp;
    const nonEmptyQueues = this.queues.nonEmptyCount();
    // Entries still in memory go to their files first. A write that fails leaves them pending (the
    // puts were answered; they stay readable) and fails this checkpoint only: no checkpoint
    // vouches for them until one is written, and recovery would dispatch them again from the log.
    try {
      this.queues.writeAllPending();
    } catch (err) {
      this.logger.warn(
        { error: (err as Error).message },
        'consume-queue entries could not be written; they stay in memory and the checkpoint waits',
      );
      throw err;
    }
    try {
      await this.queues.flushAll(this.queueFdatasync);
    } catch (err) {
      // After a failed fsync the kernel may have dropped the dirty pages and a later fsync can
      // succeed without them: a checkpoint would then vouch for entries that are gone. Stop taking
      // writes; recovery at the next start rebuilds from the older checkpoint.
      this.pipeline.fail(err instanceof Error ? err : new Error(String(err)));
      throw err;
    }
    await this.pipeline.flush();
    await this.checkpoint.write({
      physicMsgTimestamp: ts,
      logicsMsgTimestamp: ts,
      recoverFrom: dispatched,
      nonEmptyQueues,
    });
    this.durableEnd = dispatched;
  }

  /** One retention round now (retention.ts), whatever the schedule; nothing when cleanFileEnable is off. */
  async runRetention(): Promise<RetentionRound | undefined> {
    this.assertReadable();
    return this.config.cleanFileEnable ? this.retention.run() : undefined;
  }

  /** Runs a read of the files; close() waits for every running read before closing descriptors. */
  async reading<T>(read: () => Promise<T>): Promise<T> {
    this.assertReadable();
    const token = this.gate.enter();
    try {
      if (this.beforeRead) await this.beforeRead();
      return await read();
    } finally {
      this.gate.leave(token);
    }
  }

  assertReadable(): void {
    if (this._state !== 'open') throw new IllegalStateError(`message store is ${this._state}`);
  }

  readContext(): ReadContext {
    return { commitLog: this.commitLog, queues: this.queues, config: this.config };
  }

  private every(ms: number, task: () => Promise<void>): void {
    const t = setInterval(() => {
      task().catch(() => {
        // Failures surface through pipeline.failure (puts answer SERVICE_NOT_AVAILABLE).
      });
    }, ms);
    t.unref();
    this.timers.push(t);
  }

  private releaseFiles(): void {
    this.disk.stop();
    this.pipeline.close();
    this.commitLog.closeFiles();
    this.queues.closeAll();
    this.checkpoint.close();
  }
}
