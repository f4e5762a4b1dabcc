/**
 * The store operations of the half-message protocol (Java TransactionalMessageBridge): reading the
 * half and op queues, finding a half by commit-log offset, and the check progress, kept as consume
 * offsets of the system group CID_RMQ_SYS_TRANS (persisted with every other consumer offset).
 */
import { ProtocolError } from '../../../common/errors.js';
import { decodeMessageRecord } from '../../../protocol/message/record.js';
import type { MessageRecord } from '../../../protocol/message/record.js';
import type { GetMessageStatus } from '../../store/index.js';
import type { BrokerContext } from '../core/broker-context.js';
import { HALF_TOPIC, TRANSACTION_GROUP } from './half-messages.js';

export interface QueueEntry {
  offset: bigint;
  record: MessageRecord;
}

export interface QueueRead {
  status: GetMessageStatus;
  nextBeginOffset: bigint;
  entries: QueueEntry[];
}

export class TransactionStore {
  constructor(private readonly ctx: BrokerContext) {}

  /** Up to `max` records of a system queue from `offset`; undecodable records are skipped and logged. */
  async read(topic: string, queueId: number, offset: bigint, max: number): Promise<QueueRead> {
    const r = await this.ctx.store.getMessage(TRANSACTION_GROUP, topic, queueId, offset, max);
    const entries: QueueEntry[] = [];
    r.messages.forEach((buf, i) => {
      const at = r.queueOffsets[i] as bigint;
      try {
        entries.push({ offset: at, record: decodeMessageRecord(buf) });
      } catch (err) {
        if (!(err instanceof ProtocolError)) throw err;
        this.ctx.logger.error({ topic, queueId, offset: String(at), err: err.message }, 'unreadable record');
      }
    });
    return { status: r.status, nextBeginOffset: r.nextBeginOffset, entries };
  }

  /** Java lookMessageByOffset, narrowed to half messages: undefined for anything else. */
  async lookHalf(commitLogOffset: bigint): Promise<MessageRecord | undefined> {
    if (commitLogOffset < 0n || commitLogOffset > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
    const buf = await this.ctx.store.lookMessageByOffset(commitLogOffset);
    if (buf === undefined) return undefined;
    try {
      const record = decodeMessageRecord(buf);
      return record.topic === HALF_TOPIC ? record : undefined;
    } catch (err) {
      if (err instanceof ProtocolError) return undefined;
      throw err;
    }
  }

  maxOffset(topic: string, queueId: number): bigint {
    return this.ctx.store.getMaxOffsetInQueue(topic, queueId);
  }

  /** Java fetchConsumeOffset: the saved progress, else the queue's first offset. */
  progress(topic: string, queueId: number): bigint {
    const saved = this.ctx.offsets.query(TRANSACTION_GROUP, topic, queueId);
    const min = this.ctx.store.getMinOffsetInQueue(topic, queueId);
    return saved < 0n || saved < min ? min : saved;
  }

  setProgress(topic: string, queueId: number, offset: bigint): void {
    if (this.ctx.offsets.query(TRANSACTION_GROUP, topic, queueId) === offset) return;
    this.ctx.offsets.commit(TRANSACTION_GROUP, topic, queueId, offset);
  }
}
