/**
 * Where a push consumer keeps its offsets (Java OffsetStore). Clustering: RemoteBrokerOffsetStore,
 * offsets held in memory and committed to the queue's master periodically, on drop and on shutdown.
 * Broadcasting keeps them in a local file (another implementation of this interface).
 */
import type { Logger } from '../../../common/logger.js';
import type { MessageQueue } from '../../message-queue.js';
import type { ConsumerQueueOffset } from '../../client-members.js';
import type { ConsumerOffsets } from '../offsets/consumer-offsets.js';

/** Java ReadOffsetType. */
export type ReadOffsetType = 'READ_FROM_MEMORY' | 'READ_FROM_STORE' | 'MEMORY_FIRST_THEN_STORE';

export interface OffsetStore {
  /** Loads what the store keeps (a local file); nothing for the broker store. */
  load(): Promise<void>;
  /** Sets the offset in memory; with increaseOnly a smaller one is ignored. */
  updateOffset(mq: MessageQueue, offset: bigint, increaseOnly: boolean): void;
  /** The offset; -1 when none is stored, -2 when the store could not be read. */
  readOffset(mq: MessageQueue, type: ReadOffsetType): Promise<bigint>;
  /** Commits the offsets of these queues and forgets the others. */
  persistAll(mqs: readonly MessageQueue[]): Promise<void>;
  /** Commits one queue's offset. */
  persist(mq: MessageQueue): Promise<void>;
  removeOffset(mq: MessageQueue): void;
  /** The offsets held for a wire topic's queues (GET_CONSUMER_STATUS_FROM_CLIENT). */
  offsetsOf(wireTopic: string): ConsumerQueueOffset[];
}

export class RemoteBrokerOffsetStore implements OffsetStore {
  private readonly table = new Map<string, { mq: MessageQueue; offset: bigint }>();

  constructor(
    private readonly offsets: ConsumerOffsets,
    private readonly wireTopic: (topic: string) => string,
    private readonly logger: Logger,
  ) {}

  load(): Promise<void> {
    return Promise.resolve();
  }

  updateOffset(mq: MessageQueue, offset: bigint, increaseOnly: boolean): void {
    const key = mq.key();
    const old = this.table.get(key);
    if (old === undefined) this.table.set(key, { mq, offset });
    else if (!increaseOnly || offset > old.offset) old.offset = offset;
  }

  async readOffset(mq: MessageQueue, type: ReadOffsetType): Promise<bigint> {
    const held = this.table.get(mq.key());
    if (type !== 'READ_FROM_STORE' && held !== undefined) return held.offset;
    if (type === 'READ_FROM_MEMORY') return -1n;
    try {
      // Like Java: no setZeroIfNotFound, so the broker answers 0 for a queue still holding offset 0.
      const offset = await this.offsets.fetch(mq, true, true);
      if (offset >= 0n) this.updateOffset(mq, offset, false);
      return offset;
    } catch (err) {
      this.logger.warn({ mq: mq.key(), err: String(err) }, 'fetching the consume offset failed');
      return -2n;
    }
  }

  async persistAll(mqs: readonly MessageQueue[]): Promise<void> {
    const keep = new Set(mqs.map((q) => q.key()));
    const calls: Promise<void>[] = [];
    for (const [key, { mq }] of this.table) {
      if (keep.has(key)) calls.push(this.persist(mq));
      else this.table.delete(key);
    }
    await Promise.all(calls);
  }

  async persist(mq: MessageQueue): Promise<void> {
    const held = this.table.get(mq.key());
    if (held === undefined || held.offset < 0n) return;
    try {
      await this.offsets.commit(mq, held.offset);
    } catch (err) {
      this.logger.warn(
        { mq: mq.key(), offset: String(held.offset), err: String(err) },
        'offset commit failed',
      );
    }
  }

  removeOffset(mq: MessageQueue): void {
    this.table.delete(mq.key());
  }

  offsetsOf(wireTopic: string): ConsumerQueueOffset[] {
    const out: ConsumerQueueOffset[] = [];
    for (const { mq, offset } of this.table.values()) {
      if (this.wireTopic(mq.topic) !== wireTopic) continue;
      out.push({ topic: wireTopic, brokerName: mq.brokerName, queueId: mq.queueId, offset });
    }
    return out;
  }
}
