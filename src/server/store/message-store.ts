/**
 * MessageStore: the facade the broker uses (Java DefaultMessageStore). One instance owns one root
 * directory (guarded by `<root>/lock`); `open()` runs recovery, `close()` flushes everything, writes
 * the checkpoint and removes the `abort` marker.
 *
 * Visibility: a record's consume-queue entry is written synchronously right after its commit-log
 * bytes are written and before its put is answered, so every acknowledged message is pullable, and
 * `onMessageArrived` listeners (long-polling pulls) fire at that moment.
 *
 * Layout: open/close, the lock, flush timers and the checkpoint live in store-runtime.ts; the put
 * path in put-path.ts / record-builder.ts; reads and queries in store-reads.ts. This class is the
 * public surface over them.
 */
import type { CommitLogCounters } from './append-types.js';
import { prepareBatchRecords } from './batch-records.js';
import { prepareIndexedBatch } from './indexed-batch.js';
import type { IndexBackfillReport } from './index-backfill.js';
import { RecordBufferPool } from './record-buffers.js';
import { SEARCH_KEY } from './index-keys.js';
import type { IndexedBatchPut } from './indexed-batch.js';
import { prepareRecord } from './record-builder.js';
import type { PreparedRecord, RecordLimits, Refusal } from './record-builder.js';
import { appendPrepared, refused } from './put-path.js';
import type { DispatchItem } from './dispatch-item.js';
import type { RecoveryReport } from './recovery.js';
import type { RetentionRound } from './retention.js';
import { DEFAULT_STORE_CONFIG } from './store-config.js';
import type { MessageStoreConfig, StoreHooks } from './store-config.js';
import * as reads from './store-reads.js';
import { NOTHING_FOUND, queryMessage } from './store-query.js';
import type { QueryInput, QueryMessageResult } from './store-query.js';
import type { TimestampBoundary } from './store-reads.js';
import { StoreRuntime } from './store-runtime.js';
import { TopicGate } from './topic-gate.js';
import type {
  GetMessageResult,
  MessageArrivedListener,
  PutMessageInput,
  PutResult,
  TagsCodeFilter,
} from './store-types.js';

export type MessageStoreOptions = Partial<MessageStoreConfig> & Pick<MessageStoreConfig, 'storePathRootDir'>;

/**
 * A subscription's `listening` answer; true when it throws: nothing a listener does may fail the put
 * (an exception here was taken for a failed write, and the put refused although stored).
 */
function isListening(listening: () => boolean): boolean {
  try {
    return listening();
  } catch {
    return true;
  }
}

interface ArrivalSubscription {
  readonly listener: MessageArrivedListener;
  readonly topic: string | undefined;
  readonly listening: (() => boolean) | undefined;
}

export class MessageStore {
  readonly config: MessageStoreConfig;
  /** Files, lock, timers and the open/close sequence (store-runtime.ts). */
  private readonly rt: StoreRuntime;
  private readonly listeners = new Set<ArrivalSubscription>();
  /** Puts for a topic wait while that topic is being deleted. */
  private readonly topicGate = new TopicGate();
  private readonly now: () => number;
  /** Buffers of batch puts' records, reused once stored. */
  private readonly recordBuffers = new RecordBufferPool();

  constructor(options: MessageStoreOptions, hooks: StoreHooks = {}) {
    this.now = hooks.now ?? Date.now;
    this.config = { ...DEFAULT_STORE_CONFIG, ...options };
    this.rt = new StoreRuntime(this.config, hooks);
  }

  /** Locks the directory, recovers the log and consume queues, marks the store as running. */
  open(): Promise<RecoveryReport> {
    return this.rt.open();
  }

  /**
   * Waits for in-flight appends and reads, flushes log and queues, writes the checkpoint, releases
   * the lock. Files, timers and the lock are released even when the final flush fails; the failure is
   * then rethrown and the `abort` marker stays (the next open treats the shutdown as unclean).
   */
  close(): Promise<void> {
    return this.rt.close();
  }

  /**
   * Test helper simulating a crash: drops files and timers without flushing, keeps the abort marker.
   * In-flight puts may never settle.
   */
  crashForTesting(): void {
    this.rt.crash();
  }

  /** Used share (0-1) of the store's file system as last measured by the disk guard; -1 before that. */
  get diskUsedRatio(): number {
    const percent = this.rt.disk.usedPercent;
    return Number.isFinite(percent) ? percent / 100 : -1;
  }

  get isOpen(): boolean {
    return this.rt.state === 'open';
  }

  get lastRecovery(): RecoveryReport | undefined {
    return this.rt.recovery;
  }

  /** appends = records appended, fsyncs = commit-log fdatasync calls, bytesWritten = log bytes. */
  get counters(): Readonly<CommitLogCounters> {
    return this.rt.pipeline.counters;
  }

  /**
   * Appends one record. `onAccepted` runs synchronously once every check of the store passed, right
   * before the record is appended: what the caller creates for the put (an auto-created topic, a
   * retry group) is created only for a put the store takes.
   */
  putMessage(input: PutMessageInput, onAccepted?: () => void): Promise<PutResult> {
    const waitFlush = this.config.flushDiskType === 'SYNC_FLUSH' && input.waitStoreMsgOK !== false;
    return this.put(input.topic, 1, prepareSingle, input, waitFlush, onAccepted);
  }

  /**
   * Appends several records as one unit (SEND_BATCH_MESSAGE): consecutive queue offsets, one answer,
   * one flush wait. Every record is checked first; any refusal refuses the whole batch.
   */
  putMessages(batch: readonly PutMessageInput[], onAccepted?: () => void): Promise<PutResult> {
    const topics = batch.length === 1 ? batch[0]!.topic : [...new Set(batch.map((m) => m.topic))];
    const waitFlush =
      this.config.flushDiskType === 'SYNC_FLUSH' && batch.every((m) => m.waitStoreMsgOK !== false);
    return this.put(topics, batch.length, prepareBatchRecords, batch, waitFlush, onAccepted);
  }

  /**
   * Appends the messages of a batch request as one unit, as putMessages appends their batchInputs
   * (the same records), with no object or string made per message.
   */
  async putBatch(batch: IndexedBatchPut, onAccepted?: () => void): Promise<PutResult> {
    const waitFlush = this.config.flushDiskType === 'SYNC_FLUSH' && batch.waitStoreMsgOK;
    const pool = this.recordBuffers;
    let lent: Buffer | undefined;
    const result = await this.put(
      batch.topic,
      batch.messages.count,
      (put, limits) => prepareIndexedBatch(put, limits, (size) => (lent = pool.take(size))),
      batch,
      waitFlush,
      onAccepted,
    );
    // Written to the file (whatever the flush did): nothing reads the records' buffer any more.
    if (lent !== undefined && (result.status === 'PUT_OK' || result.status === 'FLUSH_DISK_TIMEOUT')) {
      pool.give(lent);
    }
    return result;
  }

  /**
   * Checks, prepares and appends one put. Not an async function: a put whose topics are not gated
   * runs synchronously up to the append and returns its promise (an async frame per put allocated
   * ~0.6 KB per message); anything thrown comes back as a rejection, as from an async function.
   */
  private put<T>(
    topics: string | readonly string[],
    count: number,
    prepare: (put: T, limits: RecordLimits) => PreparedRecord[] | Refusal,
    put: T,
    waitFlush: boolean,
    onAccepted: (() => void) | undefined,
  ): Promise<PutResult> {
    const gate = this.topicGate.whenOpen(topics);
    // A topic being deleted: the put waits, then checks the gates again.
    if (gate) return gate.then(() => this.put(topics, count, prepare, put, waitFlush, onAccepted));
    try {
      return this.putNow(count, prepare, put, waitFlush, onAccepted);
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  private putNow<T>(
    count: number,
    prepare: (put: T, limits: RecordLimits) => PreparedRecord[] | Refusal,
    put: T,
    waitFlush: boolean,
    onAccepted: (() => void) | undefined,
  ): Promise<PutResult> {
    const refusal = this.refusal(count);
    if (refusal !== undefined) return Promise.resolve(refusal);
    const limits: RecordLimits = {
      maxMessageSize: this.config.maxMessageSize,
      maxRecordInSegment: this.rt.commitLog.maxRecordSizeForSegment,
    };
    const prepared = prepare(put, limits);
    if (!Array.isArray(prepared)) return Promise.resolve(refused(prepared.status, prepared.reason));

    onAccepted?.();
    return appendPrepared(
      {
        commitLog: this.rt.commitLog,
        pipeline: this.rt.pipeline,
        queues: this.rt.queues,
        staged: this.rt.pipeline.staged,
      },
      prepared,
      this.now(),
      waitFlush,
      (items, storeTimestamp) => this.notifyArrivals(items, storeTimestamp),
    );
  }

  /** Why the store takes no put now, if it does not. */
  private refusal(count: number): PutResult | undefined {
    if (this.rt.state !== 'open')
      return refused('SERVICE_NOT_AVAILABLE', `message store is ${this.rt.state}`);
    if (this.rt.pipeline.failure) {
      return refused('SERVICE_NOT_AVAILABLE', `commit log not writable: ${this.rt.pipeline.failure.message}`);
    }
    if (this.rt.disk.full) return refused('SERVICE_NOT_AVAILABLE', this.rt.disk.reason);
    if (count === 0) return refused('MESSAGE_ILLEGAL', 'empty batch');
    return undefined;
  }

  /** Runs right after a put's consume-queue entries are written. */
  private notifyArrivals(items: readonly DispatchItem[], storeTimestamp: number): void {
    this.rt.lastStoreTimestamp = storeTimestamp;
    const index = this.rt.index;
    if (index !== undefined) {
      try {
        for (const item of items) {
          const bytes = item.asciiProperties;
          if (bytes === undefined) {
            index.addRecord(item.cq.topic, item.properties, item.phys, storeTimestamp);
          } else {
            const { asciiPropertiesFrom: from, asciiPropertiesTo: to, indexUniqAt, indexKeysAt } = item;
            const uniqAt = indexUniqAt ?? SEARCH_KEY;
            const keysAt = indexKeysAt ?? SEARCH_KEY;
            index.addRecordAscii(item.cq.topic, bytes, from!, to!, uniqAt, keysAt, item.phys, storeTimestamp);
          }
        }
      } catch (err) {
        // The put is stored either way: a query may miss its records, the put must not fail, and the
        // listeners below must still hear of them.
        try {
          this.rt.logger.error({ error: String(err) }, 'message index: records not indexed');
        } catch {
          // a logger that throws changes nothing of the above
        }
      }
    }
    if (this.listeners.size === 0) return;
    // Each listener is asked once per put whether it listens at all: most records arrive where nobody
    // waits (no pull held), and a bigint offset and a call per record and listener cost a batch of
    // small messages ~3 % of the broker's CPU.
    for (const { listener, topic, listening } of this.listeners) {
      if (listening !== undefined && !isListening(listening)) continue;
      for (const item of items) {
        if (topic !== undefined && item.cq.topic !== topic) continue;
        try {
          listener(item.cq.topic, item.cq.queueId, BigInt(item.queueOffset), item);
        } catch {
          // A listener's failure must not break the append pipeline.
        }
      }
    }
  }

  /**
   * Subscribes to "a message became pullable"; returns the unsubscribe function. With `topic`, only
   * that topic's messages are reported; with `listening`, none while it returns false (asked once
   * per put, before its records).
   */
  onMessageArrived(
    listener: MessageArrivedListener,
    filter: { readonly topic?: string; readonly listening?: () => boolean } = {},
  ): () => void {
    const subscription: ArrivalSubscription = {
      listener,
      topic: filter.topic,
      listening: filter.listening,
    };
    this.listeners.add(subscription);
    return () => this.listeners.delete(subscription);
  }

  async getMessage(
    _group: string,
    topic: string,
    queueId: number,
    offset: bigint,
    maxMsgNums: number,
    tagsCodeFilter?: TagsCodeFilter,
  ): Promise<GetMessageResult> {
    return this.rt.reading(() =>
      reads.getMessage(this.rt.readContext(), topic, queueId, offset, maxMsgNums, tagsCodeFilter),
    );
  }

  /** Next logical offset of a queue (number of entries); 0 for an unknown queue. */
  getMaxOffsetInQueue(topic: string, queueId: number): bigint {
    return BigInt(this.rt.queues.get(topic, queueId)?.maxOffset ?? 0);
  }

  getMinOffsetInQueue(topic: string, queueId: number): bigint {
    return BigInt(this.rt.queues.get(topic, queueId)?.minOffset ?? 0);
  }

  /**
   * Java checkInDiskByConsumeOffset: whether the message at `offset` of the queue is further behind the
   * log's end than accessMessageInMemoryMaxRatio % of the machine's memory; false when there is none.
   */
  async checkInDiskByConsumeOffset(topic: string, queueId: number, offset: bigint): Promise<boolean> {
    return this.rt.reading(() =>
      reads.checkInDiskByConsumeOffset(this.rt.readContext(), topic, queueId, Number(offset)),
    );
  }

  /** Raw bytes of the record starting at a commit-log offset (VIEW_MESSAGE_BY_ID), or undefined. */
  async lookMessageByOffset(phys: bigint): Promise<Buffer | undefined> {
    return this.rt.reading(() =>
      reads.lookMessageByOffset(this.rt.commitLog, Number(phys), this.config.maxMessageSize),
    );
  }

  /**
   * QUERY_MESSAGE: records of `topic` whose UNIQ_KEY or one of whose KEYS is `key`, stored within
   * [begin, end]; the newest min(maxNum, maxMsgsNumBatch), in log order (store-query.ts).
   */
  async queryMessage(q: QueryInput): Promise<QueryMessageResult> {
    const index = this.rt.index;
    if (index === undefined) return NOTHING_FOUND;
    const maxNum = Math.min(q.maxNum, this.config.maxMsgsNumBatch);
    return this.rt.reading(() =>
      queryMessage(this.rt.commitLog, index, { ...q, maxNum }, this.config.maxMessageSize),
    );
  }

  /**
   * Settles once the records below the start-up recovery walk are in the index (or the index bound
   * was reached, or the store closed); undefined when there was nothing to backfill. Queries before
   * then find only the records indexed so far: the newest, down to where the backfill has come.
   */
  whenIndexBackfilled(): Promise<IndexBackfillReport | undefined> {
    return this.rt.indexBackfilled;
  }

  /** SEARCH_OFFSET_BY_TIMESTAMP; see store-reads.ts for the boundary semantics. */
  async getOffsetByTimestamp(
    topic: string,
    queueId: number,
    ts: number,
    boundary?: TimestampBoundary,
  ): Promise<bigint> {
    const cq = this.rt.queues.get(topic, queueId);
    return BigInt(
      await this.rt.reading(() => reads.getOffsetByTimestamp(this.rt.readContext(), cq, ts, boundary)),
    );
  }

  /** GET_EARLIEST_MSG_STORETIME: store time of the queue's first message (or of the log's first record). */
  async getEarliestMessageTime(topic?: string, queueId?: number): Promise<number> {
    if (topic !== undefined && queueId !== undefined) {
      const cq = this.rt.queues.get(topic, queueId);
      return this.rt.reading(() => reads.earliestMessageTimeInQueue(this.rt.readContext(), cq));
    }
    this.rt.assertReadable();
    if (this.rt.commitLog.writtenPos <= this.rt.commitLog.minOffset) return -1;
    return this.rt.reading(() =>
      reads.pickupStoreTimestamp(this.rt.commitLog, this.rt.commitLog.minOffset, 76),
    );
  }

  getQueueIds(topic: string): number[] {
    return this.rt.queues.queueIds(topic);
  }

  getTopics(): string[] {
    return this.rt.queues.topics();
  }

  /** Physical offsets of the log: [min, max) (max = next append position once written). */
  getCommitLogMinOffset(): bigint {
    return BigInt(this.rt.commitLog.minOffset);
  }

  getCommitLogMaxOffset(): bigint {
    return BigInt(this.rt.commitLog.writtenPos);
  }

  /** Deletes a topic's consume queues (DELETE_TOPIC_IN_BROKER); its records stay in the log. */
  async deleteTopic(topic: string): Promise<void> {
    this.rt.assertReadable();
    await this.topicGate.exclusive(topic, async () => {
      // Puts for the topic reserved before this point go to the old queues; later ones wait.
      const barrier = this.rt.commitLog.writePos;
      await this.rt.pipeline.whenDispatched(barrier);
      this.rt.assertReadable();
      this.rt.queues.deleteTopic(topic, barrier);
    });
    await this.rt.writeCheckpoint();
  }

  /**
   * One retention round now, as the periodic clean-up would run it at this moment (retention.ts): old
   * segments at the deleteWhen hours or when the disk fills, then queue files below the log's start.
   * undefined when cleanFileEnable is off.
   */
  runRetention(): Promise<RetentionRound | undefined> {
    return this.rt.runRetention();
  }

  /** Forces an fdatasync of log and queues and a checkpoint (tests, admin). */
  async flush(): Promise<void> {
    this.rt.assertReadable();
    await this.rt.writeCheckpoint();
  }
}

/** One message's record (putMessage): prepareBatchRecords without an array for the input. */
function prepareSingle(input: PutMessageInput, limits: RecordLimits): PreparedRecord[] | Refusal {
  const record = prepareRecord(input, limits);
  return 'buf' in record ? [record] : record;
}
