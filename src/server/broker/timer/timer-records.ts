/**
 * Reading the timer topic and the real queues for the timer service, and the record a due timer
 * message becomes (Java TimerMessageStore.convert / convertMessage).
 */
import { MessageConst } from '../../../protocol/message/constants.js';
import { decodeProperties } from '../../../protocol/message/properties.js';
import { decodeMessageRecord } from '../../../protocol/message/record.js';
import type { MessageRecord } from '../../../protocol/message/record.js';
import type { MessageStore, PutMessageInput } from '../../store/index.js';
import { reputInput } from '../core/stored-message.js';
import type { Delivering } from './timer-journal.js';
import { TIMER_TOPIC } from './timer-transform.js';

/** Consumer group name the timer service reads with (store statistics only). */
const TIMER_GROUP = 'TIMER_SERVICE';

export interface TimerRecord {
  readonly offset: number;
  readonly record: MessageRecord;
  readonly props: Record<string, string>;
}

/** Up to `max` records of the timer queue from `offset` (fewer at the end; none past it). */
export async function readTimerRecords(
  store: MessageStore,
  offset: number,
  max: number,
): Promise<{ records: TimerRecord[]; next: number }> {
  const got = await store.getMessage(TIMER_GROUP, TIMER_TOPIC, 0, BigInt(offset), max);
  if (got.status === 'OFFSET_TOO_SMALL') return { records: [], next: Number(got.nextBeginOffset) };
  if (got.status !== 'FOUND') {
    // Entries with nothing to read (lost to damage, or their log deleted by retention) are stepped over.
    const next = Number(got.nextBeginOffset);
    return { records: [], next: next > offset ? next : offset };
  }
  const records = got.messages.map((buf, i) => {
    const record = decodeMessageRecord(buf);
    return { offset: Number(got.queueOffsets[i]), record, props: decodeProperties(record.properties) };
  });
  return { records, next: Number(got.nextBeginOffset) };
}

export async function readTimerRecord(store: MessageStore, offset: number): Promise<TimerRecord | undefined> {
  const { records } = await readTimerRecords(store, offset, 1);
  return records[0]?.offset === offset ? records[0] : undefined;
}

/** Where a timer record is delivered, or undefined when its properties do not say (skipped). */
export function realQueueOf(
  props: Readonly<Record<string, string>>,
): { topic: string; queueId: number } | undefined {
  const topic = props[MessageConst.PROPERTY_REAL_TOPIC];
  const queueId = Number(props[MessageConst.PROPERTY_REAL_QUEUE_ID]);
  if (topic === undefined || topic === '' || !Number.isInteger(queueId) || queueId < 0) return undefined;
  return { topic, queueId };
}

/**
 * The delivered copy, as Java writes it: the timer record's properties plus TIMER_ENQUEUE_MS (when it
 * entered the timer store: its store time here) and TIMER_DEQUEUE_MS (now). Java builds the stored
 * property string before it clears REAL_TOPIC / REAL_QID from the map, so the delivered record keeps
 * them, and keeps TIMER_OUT_MS, which tells the send path it is no longer a timer message.
 */
export function deliveredInput(t: TimerRecord, now: number): PutMessageInput | undefined {
  const real = realQueueOf(t.props);
  if (!real) return undefined;
  const props = { ...t.props };
  props[MessageConst.PROPERTY_TIMER_ENQUEUE_MS] = String(t.record.storeTimestamp);
  props[MessageConst.PROPERTY_TIMER_DEQUEUE_MS] = String(now);
  return reputInput(t.record, real.topic, real.queueId, props, t.record.reconsumeTimes);
}

/**
 * Recovery of the one batch that may have been cut short (timer-journal.ts): a message of that batch
 * was delivered when its real queue holds, at or after the offset noted before the batch, a record
 * with its UNIQ_KEY and TIMER_OUT_MS. Returns the timer offsets found delivered; the others are
 * delivered again (they were never put, or their put was lost with the store's unflushed tail).
 */
export async function deliveredOf(store: MessageStore, batch: readonly Delivering[]): Promise<number[]> {
  const delivered: number[] = [];
  for (const d of batch) {
    const t = await readTimerRecord(store, d.timerOffset);
    const real = t && realQueueOf(t.props);
    if (!t || !real) {
      delivered.push(d.timerOffset); // nothing to deliver: finished
      continue;
    }
    const uniq = t.props[MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX];
    const out = t.props[MessageConst.PROPERTY_TIMER_OUT_MS];
    let offset = BigInt(d.realQueueOffset);
    let found = false;
    while (!found) {
      const got = await store.getMessage(TIMER_GROUP, real.topic, real.queueId, offset, 64);
      if (got.status !== 'FOUND' || got.messages.length === 0) break;
      for (const buf of got.messages) {
        const props = decodeProperties(decodeMessageRecord(buf).properties);
        if (
          props[MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX] === uniq &&
          props[MessageConst.PROPERTY_TIMER_OUT_MS] === out &&
          props[MessageConst.PROPERTY_TIMER_DEQUEUE_MS] !== undefined
        ) {
          found = true;
          break;
        }
      }
      offset = got.nextBeginOffset;
    }
    if (found) delivered.push(d.timerOffset);
  }
  return delivered;
}
