/**
 * One round of the transaction check (Java TransactionalMessageServiceImpl.check, 4.9.8 / 5.3.3), per
 * queue of RMQ_SYS_TRANS_HALF_TOPIC:
 *
 *  1. read every op record from the op progress on: the half offsets they remove
 *  2. walk the half queue from the half progress: a removed half is skipped; a half whose transaction
 *     ended through another copy gets its own op record; TRANSACTION_CHECK_TIMES >= max (or born more
 *     than 72 h ago, Java fileReservedTime) → TRANS_CHECK_MAX_TIME_TOPIC; stored after the round began
 *     → stop; younger than the transaction timeout → stop (or, with CHECK_IMMUNITY_TIME_IN_SECONDS, put
 *     back with TRAN_PREPARED_QUEUE_OFFSET and skipped); otherwise put back with its check count + 1
 *     and CHECK_TRANSACTION_STATE sent for the new copy
 *  3. save the half progress and the op progress (past every op record whose halves are behind)
 * Java reads the op records in batches of 32 while walking; reading them all first (they are a few
 * dozen bytes each, and the progress keeps the backlog short) decides the same.
 */
import { MessageConst } from '../../../protocol/message/constants.js';
import { Perm } from '../../../protocol/codes/misc.js';
import { decodeProperties } from '../../../protocol/message/properties.js';
import type { MessageRecord } from '../../../protocol/message/record.js';
import {
  HALF_TOPIC,
  OP_TOPIC,
  checkMaxInput,
  parseOpRecord,
  renewedHalfInput,
  transactionKey,
} from './half-messages.js';
import type { OpEntry } from './half-messages.js';
import { sendCheckRequest } from './producer-check.js';
import { isStored } from './transaction-service.js';
import type { TransactionService } from './transaction-service.js';

/** Java MAX_PROCESS_TIME_LIMIT: one queue's walk stops after this. */
const MAX_PROCESS_MILLIS = 60_000;
/** Java's default fileReservedTime (72 h): older halves are given up (needSkip). */
const FILE_RESERVED_MILLIS = 72 * 3600 * 1000;
const READ_BATCH = 32;

export async function runCheckRound(svc: TransactionService): Promise<void> {
  const started = Date.now();
  if (!(await svc.retryPendingOps())) return;
  // Java fetchMessageQueues creates the half topic (1 queue, read + write) on the first round.
  const config = svc.halfTopic();
  for (let queueId = 0; queueId < config.readQueueNums && !svc.isStopped; queueId++) {
    await checkQueue(svc, queueId, started);
  }
}

type Step = 'next' | 'stop';

async function checkQueue(svc: TransactionService, queueId: number, started: number): Promise<void> {
  const { store } = svc;
  const halfFrom = store.progress(HALF_TOPIC, queueId);
  const opFrom = store.progress(OP_TOPIC, queueId);
  const ops = await readOps(svc, queueId, opFrom);
  const removed = new Set<bigint>();
  for (const op of ops) for (const h of op.halfOffsets) removed.add(h);

  let next = halfFrom;
  const halfMax = store.maxOffset(HALF_TOPIC, queueId);
  walk: while (next < halfMax && !svc.isStopped && Date.now() - started < MAX_PROCESS_MILLIS) {
    const r = await store.read(HALF_TOPIC, queueId, next, READ_BATCH);
    if (r.entries.length === 0) {
      if (r.nextBeginOffset > next) {
        next = r.nextBeginOffset; // a removed or unreadable stretch
        continue;
      }
      break;
    }
    for (const { offset, record } of r.entries) {
      if (removed.has(offset)) {
        next = offset + 1n;
        continue;
      }
      if ((await examine(svc, record, offset, removed, started)) === 'stop') break walk;
      next = offset + 1n;
    }
    if (r.nextBeginOffset > next) next = r.nextBeginOffset;
  }
  store.setProgress(HALF_TOPIC, queueId, next);
  // Java calculateOpOffset: past the op records that only name halves behind the new progress.
  let opNext = opFrom;
  for (const op of ops) {
    if (op.halfOffsets.some((h) => h >= next)) break;
    opNext = op.opOffset + 1n;
  }
  store.setProgress(OP_TOPIC, queueId, opNext);
}

async function readOps(svc: TransactionService, queueId: number, from: bigint): Promise<OpEntry[]> {
  const ops: OpEntry[] = [];
  const max = svc.store.maxOffset(OP_TOPIC, queueId);
  let offset = from;
  while (offset < max) {
    const r = await svc.store.read(OP_TOPIC, queueId, offset, READ_BATCH);
    for (const e of r.entries) ops.push(parseOpRecord(e.record, e.offset));
    if (r.nextBeginOffset <= offset) break;
    offset = r.nextBeginOffset;
  }
  return ops;
}

/** Java getInt / getLong: -1 when the text is not a number. */
function javaNumber(text: string): number {
  return /^-?\d{1,18}$/.test(text.trim()) ? Number(text.trim()) : -1;
}

/** Decides one half without an op record (Java's loop body). */
async function examine(
  svc: TransactionService,
  half: MessageRecord,
  offset: bigint,
  removed: Set<bigint>,
  started: number,
): Promise<Step> {
  const { ctx, ledger } = svc;
  const o = ctx.options;
  const props = decodeProperties(half.properties);
  const key = transactionKey(props, half.physicalOffset);
  const state = ledger.get(key);
  if (state === 'ENDING') return 'stop'; // settled by its END_TRANSACTION first
  if (state === 'COMMIT' || state === 'ROLLBACK') {
    await svc.writeOp(half, state, key); // ended through another copy of the half
    return 'next';
  }
  if (state === 'DISCARDED') return 'next';

  // Java needDiscard: the count is raised in the map before any put-back (immunity ones included).
  const raw = props[MessageConst.PROPERTY_TRANSACTION_CHECK_TIMES];
  const times = raw === undefined ? undefined : javaNumber(raw);
  const now = Date.now();
  if (
    (times !== undefined && times >= o.transactionCheckMax) ||
    now - half.bornTimestamp > FILE_RESERVED_MILLIS
  ) {
    if (times === undefined || times < o.transactionCheckMax) {
      props[MessageConst.PROPERTY_TRANSACTION_CHECK_TIMES] = String(times === undefined ? 1 : times + 1);
    }
    await discard(svc, half, props, key);
    return 'next';
  }
  props[MessageConst.PROPERTY_TRANSACTION_CHECK_TIMES] = String(times === undefined ? 1 : times + 1);
  if (half.storeTimestamp >= started) return 'stop';

  const age = now - half.bornTimestamp;
  let immunity = o.transactionTimeoutMillis;
  const immunityText = props[MessageConst.PROPERTY_CHECK_IMMUNITY_TIME_IN_SECONDS];
  if (immunityText !== undefined) {
    const seconds = javaNumber(immunityText);
    immunity = seconds === -1 ? o.transactionTimeoutMillis : seconds * 1000;
    if (age < immunity) return immunePutBack(svc, half, props, offset, removed);
  } else if (age >= 0 && age < immunity) {
    return 'stop';
  }
  if (!(age > immunity || age <= -1)) return 'stop';

  if (await svc.committedBeforeStart(half, props, key)) return 'next';
  const put = await ctx.store.putMessage(renewedHalfInput(half, props));
  if (!isStored(put)) {
    ctx.logger.error({ status: put.status, offset: String(offset) }, 'half message put-back failed');
    return 'stop';
  }
  // An END_TRANSACTION may have started while the copy was written: then it decides, not the producer.
  if (ledger.get(key) === undefined) sendCheckRequest(svc, half, props, put);
  return 'next';
}

/**
 * Java checkPrepareQueueOffset: a half inside its own immunity time is put back (marked with the
 * queue offset of the first copy) so it does not hold up the queue, unless that first copy has ended.
 */
async function immunePutBack(
  svc: TransactionService,
  half: MessageRecord,
  props: Record<string, string>,
  offset: bigint,
  removed: Set<bigint>,
): Promise<Step> {
  const first = props[MessageConst.PROPERTY_TRANSACTION_PREPARED_QUEUE_OFFSET];
  if (first !== undefined) {
    const firstOffset = javaNumber(first);
    if (firstOffset === -1) return 'stop';
    if (removed.has(BigInt(firstOffset))) return 'next';
  } else {
    props[MessageConst.PROPERTY_TRANSACTION_PREPARED_QUEUE_OFFSET] = String(offset);
  }
  const put = await svc.ctx.store.putMessage(renewedHalfInput(half, props));
  return isStored(put) ? 'next' : 'stop';
}

/** DefaultTransactionalMessageCheckListener.resolveDiscardMsg. */
async function discard(
  svc: TransactionService,
  half: MessageRecord,
  props: Record<string, string>,
  key: string,
): Promise<void> {
  const { ctx } = svc;
  // Java createTopicOfTranCheckMaxTime: 1 queue, read + write.
  if (!ctx.topics.select(checkMaxInput(half, props).topic)) {
    ctx.topics.createInSendMessageBack(checkMaxInput(half, props).topic, 1, Perm.READ | Perm.WRITE, 0);
  }
  const put = await ctx.store.putMessage(checkMaxInput(half, props));
  if (put.status === 'PUT_OK') {
    ctx.logger.warn(
      { realTopic: props[MessageConst.PROPERTY_REAL_TOPIC], key },
      'half message checked too many times: moved to TRANS_CHECK_MAX_TIME_TOPIC',
    );
    svc.ledger.set(key, 'DISCARDED');
  } else {
    ctx.logger.error(
      { status: put.status, key },
      'could not move a half message to TRANS_CHECK_MAX_TIME_TOPIC',
    );
  }
}
