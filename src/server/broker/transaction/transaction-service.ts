/**
 * The broker side of transactional messages (Java TransactionalMessageServiceImpl +
 * TransactionalMessageCheckService + EndTransactionProcessor's store work): storing half messages,
 * committing and rolling them back, and the periodic check round (check-round.ts).
 *
 * Commit order and crashes. A commit writes the message to its real topic first and the op record
 * second, and answers only after both (Java's order). So:
 *  - a commit acknowledged before a crash has both records in the log: after the restart the op
 *    record keeps the check service away, and the ledger (rebuilt from the op records) answers a
 *    repeated END_TRANSACTION without writing the message again: delivered exactly once;
 *  - a crash between the two writes leaves a committed message whose half has no op record. Before a
 *    half stored before this start is checked or ended, `committedBeforeStart` looks for its commit
 *    record in the real queue (newest first, down to the half's own offset) and, when found, writes the
 *    missing op record instead of asking the producer again: still exactly once.
 * Writing the op record first would lose the message on such a crash (the half looks ended but its
 * message was never written); writing it second only risks the case the scan repairs.
 */
import { MessageSysFlag, getTransactionValue } from '../../../protocol/message/constants.js';
import { decodeProperties } from '../../../protocol/message/properties.js';
import type { MessageRecord } from '../../../protocol/message/record.js';
import type { PutMessageInput, PutResult } from '../../store/index.js';
import type { BrokerContext } from '../core/broker-context.js';
import { Perm } from '../../../protocol/codes/misc.js';
import type { TopicConfig } from '../../../protocol/body/topic-config.js';
import { runCheckRound } from './check-round.js';
import type { EndState } from './half-messages.js';
import {
  HALF_TOPIC,
  OP_TOPIC,
  commitInput,
  opInput,
  parseOpRecord,
  realTarget,
  toHalfInput,
  transactionKey,
} from './half-messages.js';
import { TransactionLedger } from './transaction-ledger.js';
import { TransactionStore } from './transaction-store.js';
import { UniqueIdGenerator } from '../../../protocol/message/message-id.js';

/** Op records read at start to rebuild the ledger (per op queue, newest first). */
const LEDGER_REBUILD_OPS = 65_536;
/** Real-queue records looked at, per half, for a commit written just before a crash. */
const COMMIT_SCAN_LIMIT = 20_000;
const READ_BATCH = 32;

/** What END_TRANSACTION gets from a commit or rollback. */
export type EndOutcome = { ok: true } | { ok: false; put?: PutResult; remark: string };

export class TransactionService {
  readonly store: TransactionStore;
  readonly ledger = new TransactionLedger();
  /** Op records whose write failed, written again by the next check round. */
  readonly pendingOps: PutMessageInput[] = [];
  private readonly ids = new UniqueIdGenerator();
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private stopped = true;
  /** Commit-log end at start: halves before it may have been committed by the previous run. */
  private startOffset = 0n;
  /** Halves (by key) already looked for in their real queue. */
  private readonly scanned = new Set<string>();
  /** Round-robin counter over a producer group's connections (Java positiveAtomicCounter). */
  channelCursor = 0;

  constructor(readonly ctx: BrokerContext) {
    this.store = new TransactionStore(ctx);
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Rebuilds the ledger from the op queues; call after the store is open. */
  async open(): Promise<void> {
    this.startOffset = this.ctx.store.getCommitLogMaxOffset();
    for (const queueId of this.ctx.store.getQueueIds(OP_TOPIC)) {
      const max = this.store.maxOffset(OP_TOPIC, queueId);
      let offset = max - BigInt(LEDGER_REBUILD_OPS);
      const min = this.ctx.store.getMinOffsetInQueue(OP_TOPIC, queueId);
      if (offset < min) offset = min;
      while (offset < max) {
        const r = await this.store.read(OP_TOPIC, queueId, offset, READ_BATCH);
        for (const e of r.entries) {
          const op = parseOpRecord(e.record, e.offset);
          if (op.state && op.txKey) this.ledger.set(op.txKey, op.state);
        }
        if (r.nextBeginOffset <= offset) break;
        offset = r.nextBeginOffset;
      }
    }
  }

  /** Starts the periodic check (Java TransactionalMessageCheckService: first round after one interval). */
  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.checkNow(), this.ctx.options.transactionCheckIntervalMillis);
    this.timer.unref();
  }

  /** Runs a check round now unless one is running; resolves when that round ends. */
  checkNow(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.round ??= runCheckRound(this)
      .catch((err: unknown) => {
        this.ctx.logger.error({ err: (err as Error).message }, 'transaction check round failed');
      })
      .finally(() => {
        this.round = undefined;
      });
    return this.round;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.round;
  }

  /** The send path's half message (Java asyncPrepareMessage); `props` is the request's map. */
  prepare(input: PutMessageInput, props: Record<string, string>): void {
    // The half topic exists before the first half is stored (5.x creates it at start, 4.9.8 on the
    // first check round): a half is then readable from its queue as soon as its send is answered,
    // not only after the next check round (a pull in between was answered TOPIC_NOT_EXIST).
    this.halfTopic();
    toHalfInput(input, props);
  }

  /** The half topic's config, created (1 queue, read + write, as Java fetchMessageQueues) when missing. */
  halfTopic(): TopicConfig {
    return (
      this.ctx.topics.select(HALF_TOPIC) ??
      this.ctx.topics.createInSendMessageBack(HALF_TOPIC, 1, Perm.READ | Perm.WRITE, 0)
    );
  }

  /**
   * Commits or rolls back `half` (validated by the caller). A transaction already ended the same way
   * answers success without writing its message again; ended the other way, it is refused.
   */
  async end(half: MessageRecord, state: EndState): Promise<EndOutcome> {
    const props = decodeProperties(half.properties);
    const key = transactionKey(props, half.physicalOffset);
    // Committed by the previous run, which died before the op record? Then the ledger now says so.
    if (this.ledger.get(key) === undefined) await this.committedBeforeStart(half, props, key);
    const prior = this.ledger.get(key);
    if (prior === 'ENDING') {
      return { ok: false, remark: 'The transaction is being committed or rolled back by another request' };
    }
    if (prior === state) {
      // A repeated END (or a check answer racing the producer's own END): this copy gets its op record.
      await this.writeOp(half, state, key);
      return { ok: true };
    }
    if (prior === 'COMMIT' || prior === 'ROLLBACK') {
      return {
        ok: false,
        remark: `The transaction has already been ${prior === 'COMMIT' ? 'committed' : 'rolled back'}`,
      };
    }
    const target = realTarget(props);
    if (state === 'COMMIT' && !target) {
      return { ok: false, remark: 'The half message names no real topic and queue (REAL_TOPIC / REAL_QID)' };
    }
    this.ledger.set(key, 'ENDING');
    try {
      if (state === 'COMMIT' && target) {
        const put = await this.ctx.store.putMessage(commitInput(half, target));
        if (!isStored(put)) {
          this.ledger.clearEnding(key);
          return { ok: false, put, remark: put.reason ?? put.status };
        }
      }
      await this.writeOp(half, state, key);
      this.ledger.set(key, state);
      return { ok: true };
    } catch (err) {
      this.ledger.clearEnding(key);
      throw err;
    }
  }

  /** Java deletePrepareMessage: an op record for the half's queue offset (retried by the next round). */
  async writeOp(half: MessageRecord, state: EndState, key: string): Promise<void> {
    const input = opInput(
      half,
      { state, txKey: key, uniqKey: this.ids.next() },
      this.ctx.storeHost(),
      Date.now(),
    );
    const put = await this.ctx.store.putMessage(input);
    if (!isStored(put)) {
      this.ctx.logger.error(
        { halfOffset: String(half.queueOffset), status: put.status },
        'transaction op record write failed; retried by the next check round',
      );
      this.pendingOps.push(input);
    }
  }

  /** Writes the op records that failed before; false when one still fails. */
  async retryPendingOps(): Promise<boolean> {
    while (this.pendingOps.length > 0) {
      const put = await this.ctx.store.putMessage(this.pendingOps[0] as PutMessageInput);
      if (!isStored(put)) return false;
      this.pendingOps.shift();
    }
    return true;
  }

  /**
   * For a half stored before this start with no op record: was it committed by the previous run just
   * before it died (commit record written, op record not)? When it was, writes the op record and
   * marks the ledger. Each transaction is looked for once.
   */
  async committedBeforeStart(
    half: MessageRecord,
    props: Record<string, string>,
    key: string,
  ): Promise<boolean> {
    if (half.physicalOffset >= this.startOffset || this.scanned.has(key)) return false;
    this.scanned.add(key);
    const target = realTarget(props);
    if (!target) return false;
    let end = this.store.maxOffset(target.topic, target.queueId);
    let seen = 0;
    while (end > 0n && seen < COMMIT_SCAN_LIMIT) {
      const from = end > BigInt(READ_BATCH) ? end - BigInt(READ_BATCH) : 0n;
      const r = await this.store.read(target.topic, target.queueId, from, Number(end - from));
      if (r.entries.length === 0) break;
      for (let i = r.entries.length - 1; i >= 0; i--) {
        const record = (r.entries[i] as { record: MessageRecord }).record;
        if (record.physicalOffset < half.physicalOffset) return false;
        if (isCommitOf(record, half, key)) {
          this.ctx.logger.warn(
            { topic: target.topic, queueId: target.queueId, key },
            'transaction committed before the last stop without its op record: op record written now',
          );
          await this.writeOp(half, 'COMMIT', key);
          this.ledger.set(key, 'COMMIT');
          return true;
        }
      }
      seen += r.entries.length;
      end = from;
    }
    if (seen >= COMMIT_SCAN_LIMIT) {
      this.ctx.logger.warn({ key }, 'gave up looking for a pre-crash commit after 20000 records');
    }
    return false;
  }
}

function isStored(put: PutResult): boolean {
  return (
    put.status === 'PUT_OK' ||
    put.status === 'FLUSH_DISK_TIMEOUT' ||
    put.status === 'FLUSH_SLAVE_TIMEOUT' ||
    put.status === 'SLAVE_NOT_AVAILABLE'
  );
}

/** A COMMIT record of the same transaction (any copy of its half). */
function isCommitOf(record: MessageRecord, half: MessageRecord, key: string): boolean {
  if (getTransactionValue(record.sysFlag) !== MessageSysFlag.TRANSACTION_COMMIT_TYPE) return false;
  if (record.preparedTransactionOffset === half.physicalOffset) return true;
  // Committed through another copy of the half: that copy's HALF_ORIGIN names the first half.
  return transactionKey(decodeProperties(record.properties), record.preparedTransactionOffset) === key;
}

export { isStored };
