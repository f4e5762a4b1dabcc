/**
 * MessageStore: the facade the broker uses (Java DefaultMessageStore). One instance owns one root
 * directory (guarded by `<root>/lock`); `open()` runs recovery, `close()` flushes everything, writes
 * the checkpoint and removes the `abort` marker.
 *
 * Visibility: a record's consume-queue entry is written synchronously right after its commit-log
 * bytes are written and before its put is answered, so every acknowledged message is pullable, and
 * `onMessageArrived` listeners (long-polling pulls) fire at that moment.
 */
import fs from 'node:fs';
import path from 'node:path';
import { IllegalStateError } from '../../common/errors.js';
import { Checkpoint } from './checkpoint.js';
import { CommitLog } from './commit-log.js';
import { AppendPipeline } from './append-pipeline.js';
import type { CommitLogCounters } from './append-pipeline.js';
import { QueueTable } from './queue-table.js';
import { prepareRecord } from './record-builder.js';
import { appendPrepared, refused } from './put-path.js';
import type { DispatchItem } from './put-path.js';
import type { PreparedRecord } from './record-builder.js';
import type { RecoveryReport } from './recovery.js';
import { recoverStore } from './recovery.js';
import { DEFAULT_STORE_CONFIG } from './store-config.js';
import type { MessageStoreConfig, StoreHooks } from './store-config.js';
import * as reads from './store-reads.js';
import type { TimestampBoundary } from './store-reads.js';
import type {
  GetMessageResult,
  MessageArrivedListener,
  PutMessageInput,
  PutResult,
  TagsCodeFilter,
} from './store-types.js';
import { acquireLock, releaseLock } from './store-lock.js';

export type MessageStoreOptions = Partial<MessageStoreConfig> & Pick<MessageStoreConfig, 'storePathRootDir'>;

export class MessageStore {
  readonly config: MessageStoreConfig;
  private readonly commitLog: CommitLog;
  private readonly pipeline: AppendPipeline;
  private readonly queues: QueueTable;
  private readonly checkpoint: Checkpoint;
  private state: 'new' | 'open' | 'closing' | 'closed' = 'new';
  private timers: NodeJS.Timeout[] = [];
  private listeners = new Set<MessageArrivedListener>();
  private lastStoreTimestamp = 0;
  private checkpointing: Promise<void> | undefined;
  private recovery: RecoveryReport | undefined;
  private readsInFlight = 0;
  private readsDone: (() => void)[] = [];

  private readonly now: () => number;
  private readonly queueFdatasync: ((fd: number) => Promise<void>) | undefined;
  private readonly beforeRead: (() => Promise<void>) | undefined;

  constructor(options: MessageStoreOptions, hooks: StoreHooks = {}) {
    this.now = hooks.now ?? Date.now;
    this.queueFdatasync = hooks.queueFdatasync;
    this.beforeRead = hooks.beforeRead;
    this.config = { ...DEFAULT_STORE_CONFIG, ...options };
    const c = this.config;
    this.commitLog = new CommitLog(c.storePathRootDir, c.commitLogSegmentSize);
    this.pipeline = new AppendPipeline(this.commitLog, c.syncFlushTimeout, c.maxWriteBatchBytes, hooks);
    this.queues = new QueueTable(c.storePathRootDir, c.consumeQueueEntriesPerFile);
    this.checkpoint = new Checkpoint(c.storePathRootDir);
  }

  /** Locks the directory, recovers the log and consume queues, marks the store as running. */
  async open(): Promise<RecoveryReport> {
    if (this.state !== 'new') throw new IllegalStateError(`message store is ${this.state}; open() runs once`);
    const root = this.config.storePathRootDir;
    fs.mkdirSync(root, { recursive: true });
    acquireLock(root);
    try {
      this.recovery = recoverStore({
        rootDir: root,
        commitLog: this.commitLog,
        queues: this.queues,
        checkpoint: this.checkpoint,
        recoverVerifyFiles: this.config.recoverVerifyFiles,
        maxMessageSize: this.config.maxMessageSize,
        maxWriteBatchBytes: this.config.maxWriteBatchBytes,
      });
      await this.writeCheckpoint();
      fs.writeFileSync(path.join(root, 'abort'), '');
    } catch (err) {
      this.commitLog.closeFiles();
      this.queues.closeAll();
      this.checkpoint.close();
      releaseLock(root);
      this.state = 'closed';
      throw err;
    }
    this.state = 'open';
    if (this.config.flushDiskType === 'ASYNC_FLUSH') {
      this.every(this.config.flushIntervalCommitLog, () => this.pipeline.flush());
    }
    this.every(this.config.flushIntervalConsumeQueue, () => this.writeCheckpoint());
    return this.recovery;
  }

  /**
   * Waits for in-flight appends and reads, flushes log and queues, writes the checkpoint, releases
   * the lock. Files, timers and the lock are released even when the final flush fails; the failure is
   * then rethrown and the `abort` marker stays (the next open treats the shutdown as unclean).
   */
  async close(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'closing';
    for (const t of this.timers.splice(0)) clearInterval(t);
    let failure: unknown;
    try {
      await this.pipeline.whenIdle();
      await this.checkpointing?.catch(() => undefined);
      if (!this.pipeline.failure) await this.writeCheckpoint();
    } catch (err) {
      failure = err;
    }
    // Reads still running use the descriptors about to be closed (a closed number can be reused).
    while (this.readsInFlight > 0) await new Promise<void>((resolve) => this.readsDone.push(resolve));
    this.releaseFiles();
    if (failure === undefined && !this.pipeline.failure) {
      fs.rmSync(path.join(this.config.storePathRootDir, 'abort'), { force: true });
    }
    releaseLock(this.config.storePathRootDir);
    this.state = 'closed';
    if (failure !== undefined) throw failure;
  }

  /**
   * Test helper simulating a crash: drops files and timers without flushing, keeps the abort marker.
   * In-flight puts may never settle.
   */
  crashForTesting(): void {
    for (const t of this.timers.splice(0)) clearInterval(t);
    this.releaseFiles();
    releaseLock(this.config.storePathRootDir);
    this.state = 'closed';
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  get lastRecovery(): RecoveryReport | undefined {
    return this.recovery;
  }

  /** appends = records appended, fsyncs = commit-log fdatasync calls, bytesWritten = log bytes. */
  get counters(): Readonly<CommitLogCounters> {
    return this.pipeline.counters;
  }

  putMessage(input: PutMessageInput): Promise<PutResult> {
    return this.putMessages([input]);
  }

  /**
   * Appends several records as one unit (SEND_BATCH_MESSAGE): consecutive queue offsets, one answer,
   * one flush wait. Every record is checked first; any refusal refuses the whole batch.
   */
  async putMessages(batch: readonly PutMessageInput[]): Promise<PutResult> {
    if (this.state !== 'open') return refused('SERVICE_NOT_AVAILABLE', `message store is ${this.state}`);
    if (this.pipeline.failure) {
      return refused('SERVICE_NOT_AVAILABLE', `commit log not writable: ${this.pipeline.failure.message}`);
    }
    if (batch.length === 0) return refused('MESSAGE_ILLEGAL', 'empty batch');
    const limits = {
      maxMessageSize: this.config.maxMessageSize,
      maxRecordInSegment: this.commitLog.maxRecordSizeForSegment,
    };
    const prepared: PreparedRecord[] = [];
    for (const input of batch) {
      const p = prepareRecord(input, limits);
      if (!('buf' in p)) return refused(p.status, p.reason);
      prepared.push(p);
    }

    const waitFlush =
      this.config.flushDiskType === 'SYNC_FLUSH' && batch.every((m) => m.waitStoreMsgOK !== false);
    return appendPrepared(
      { commitLog: this.commitLog, pipeline: this.pipeline, queues: this.queues },
      prepared,
      this.now(),
      waitFlush,
      (items, storeTimestamp) => this.notifyArrivals(items, storeTimestamp),
    );
  }

  /** Runs right after a put's consume-queue entries are written. */
  private notifyArrivals(items: readonly DispatchItem[], storeTimestamp: number): void {
    this.lastStoreTimestamp = storeTimestamp;
    for (const item of items) {
      for (const l of this.listeners) {
        try {
          l(item.cq.topic, item.cq.queueId, BigInt(item.queueOffset));
        } catch {
          // A listener's failure must not break the append pipeline.
        }
      }
    }
  }

  /** Subscribes to "a message became pullable"; returns the unsubscribe function. */
  onMessageArrived(listener: MessageArrivedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async getMessage(
    _group: string,
    topic: string,
    queueId: number,
    offset: bigint,
    maxMsgNums: number,
    tagsCodeFilter?: TagsCodeFilter,
  ): Promise<GetMessageResult> {
    return this.reading(() =>
      reads.getMessage(this.readContext(), topic, queueId, offset, maxMsgNums, tagsCodeFilter),
    );
  }

  /** Next logical offset of a queue (number of entries); 0 for an unknown queue. */
  getMaxOffsetInQueue(topic: string, queueId: number): bigint {
    return BigInt(this.queues.get(topic, queueId)?.maxOffset ?? 0);
  }

  getMinOffsetInQueue(topic: string, queueId: number): bigint {
    return BigInt(this.queues.get(topic, queueId)?.minOffset ?? 0);
  }

  /** Raw bytes of the record starting at a commit-log offset (VIEW_MESSAGE_BY_ID), or undefined. */
  async lookMessageByOffset(phys: bigint): Promise<Buffer | undefined> {
    return this.reading(() =>
      reads.lookMessageByOffset(this.commitLog, Number(phys), this.config.maxMessageSize),
    );
  }

  /** SEARCH_OFFSET_BY_TIMESTAMP; see store-reads.ts for the boundary semantics. */
  async getOffsetByTimestamp(
    topic: string,
    queueId: number,
    ts: number,
    boundary?: TimestampBoundary,
  ): Promise<bigint> {
    const cq = this.queues.get(topic, queueId);
    return BigInt(await this.reading(() => reads.getOffsetByTimestamp(this.readContext(), cq, ts, boundary)));
  }

  /** GET_EARLIEST_MSG_STORETIME: store time of the queue's first message (or of the log's first record). */
  async getEarliestMessageTime(topic?: string, queueId?: number): Promise<number> {
    if (topic !== undefined && queueId !== undefined) {
      const cq = this.queues.get(topic, queueId);
      return this.reading(() => reads.earliestMessageTimeInQueue(this.readContext(), cq));
    }
    this.assertReadable();
    if (this.commitLog.writtenPos <= this.commitLog.minOffset) return -1;
    return this.reading(() => reads.pickupStoreTimestamp(this.commitLog, this.commitLog.minOffset, 76));
  }

  getQueueIds(topic: string): number[] {
    return this.queues.queueIds(topic);
  }

  getTopics(): string[] {
    return this.queues.topics();
  }

  /** Physical offsets of the log: [min, max) (max = next append position once written). */
  getCommitLogMinOffset(): bigint {
    return BigInt(this.commitLog.minOffset);
  }

  getCommitLogMaxOffset(): bigint {
    return BigInt(this.commitLog.writtenPos);
  }

  /** Deletes a topic's consume queues (DELETE_TOPIC_IN_BROKER); its records stay in the log. */
  async deleteTopic(topic: string): Promise<void> {
    this.assertReadable();
    await this.pipeline.whenIdle();
    this.queues.deleteTopic(topic, this.commitLog.writePos);
    await this.writeCheckpoint();
  }

  /** Forces an fdatasync of log and queues and a checkpoint (tests, admin). */
  async flush(): Promise<void> {
    this.assertReadable();
    await this.writeCheckpoint();
  }

  private writeCheckpoint(): Promise<void> {
    if (this.checkpointing) return this.checkpointing;
    const run = async (): Promise<void> => {
      // Everything below `dispatched` has its consume-queue entries written (dispatch is synchronous
      // after the log write); after both fsyncs it is a safe recovery start point.
      const dispatched = this.commitLog.writtenPos;
      const ts = this.lastStoreTimestamp;
      const nonEmptyQueues = this.queues.nonEmptyCount();
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
    };
    this.checkpointing = run().finally(() => {
      this.checkpointing = undefined;
    });
    return this.checkpointing;
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
    this.pipeline.close();
    this.commitLog.closeFiles();
    this.queues.closeAll();
    this.checkpoint.close();
  }

  /** Runs a read of the files; close() waits for every running read before closing descriptors. */
  private async reading<T>(read: () => Promise<T>): Promise<T> {
    this.assertReadable();
    this.readsInFlight++;
    try {
      if (this.beforeRead) await this.beforeRead();
      return await read();
    } finally {
      if (--this.readsInFlight === 0) for (const done of this.readsDone.splice(0)) done();
    }
  }

  private assertReadable(): void {
    if (this.state !== 'open') throw new IllegalStateError(`message store is ${this.state}`);
  }

  private readContext(): reads.ReadContext {
    return { commitLog: this.commitLog, queues: this.queues, config: this.config };
  }
}
