/**
 * Timer messages on our broker (Java 5.3.3 TimerMessageStore, simplified to one process).
 *
 * Storage: the send path (timer-transform.ts) stores a timer message in rmq_sys_wheel_timer queue 0,
 * like Java, so it is as durable as any acknowledged message. A recall stores a marker there too
 * (TIMER_DEL_UNIQKEY). This service
 *   - ingests that queue in order (a cursor in memory) into PendingTimers; a marker removes the
 *     pending messages with its key;
 *   - delivers what is due, in batches, from ONE timeout armed for the earliest due time. Precision:
 *     TIMER_OUT_MS is the asked time floored to timerPrecisionMs (Java's rounding), and the timeout
 *     fires at that time, so a message comes up to one slot before its asked time plus the timeout's
 *     lateness (a few ms on an idle process);
 *   - keeps timer.journal (timer-journal.ts): which timer offsets are finished.
 *
 * Exactly-once across a crash, by ordering:
 *   1. mark the batch DELIVERING, with each real queue's max offset, and fsync the mark;
 *   2. put each message to its real topic and queue (retrying what may succeed later);
 *   3. append BATCH_OK; only then the next batch is marked.
 * A crash before 1 finishes leaves no mark: the batch is delivered after restart (nothing was put).
 * A crash between 1 and 3 leaves one uncertain batch; recovery (timer-records.ts deliveredOf) looks
 * for each of its messages in its real queue from the noted offset, by UNIQ_KEY + TIMER_OUT_MS, and
 * delivers again only the ones not there. Marks of earlier batches are final.
 *
 * Restart: the journal gives a floor and finished ranges; the timer queue is read again from the
 * floor, skipping finished offsets, which rebuilds the pending set (markers re-applied). The journal
 * is compacted at start, at stop and when it grows past COMPACT_AT_BYTES.
 */
import { MessageConst } from '../../../protocol/message/constants.js';
import type { PutMessageInput } from '../../store/index.js';
import type { BrokerContext } from '../core/broker-context.js';
import { PendingTimers } from './pending-timers.js';
import type { PendingTimer } from './pending-timers.js';
import { TimerJournal } from './timer-journal.js';
import {
  deliveredInput,
  deliveredOf,
  readTimerRecord,
  readTimerRecords,
  realQueueOf,
} from './timer-records.js';
import type { TimerRecord } from './timer-records.js';
import { TIMER_TOPIC, timerDeleteKey, transformTimerMessage } from './timer-transform.js';
import { SerialTask, mergeRanges, rangesOutside } from './timer-support.js';

const READ_BATCH = 64;
const DELIVER_BATCH = 256;
const COMPACT_AT_BYTES = 4 * 1024 * 1024;
/** Pause before putting again after a store refusal that may pass (disk full, busy). */
const RETRY_PUT_MILLIS = 500;
const MAX_TIMEOUT_MILLIS = 0x7fffffff;

interface OpenBatch {
  readonly items: { offset: number; input: PutMessageInput; put: boolean }[];
}

export class TimerService {
  private readonly pending = new PendingTimers();
  private readonly journal: TimerJournal;
  private readonly ingest = new SerialTask(
    () => this.ingestNew(),
    (err) => this.failed('ingest', err),
  );
  private readonly deliver = new SerialTask(
    () => this.deliverDue(),
    (err) => this.failed('delivery', err),
  );
  /** Next timer-queue offset to ingest. */
  private cursor = 0;
  /**
   * Finished ranges read from the journal, sorted; consulted (and stepped over) while ingestion passes
   * them, kept until then even if the first ingest fails half-way.
   */
  private recovered: [number, number][] = [];
  private recoveredAt = 0;
  private timeout: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private stopped = true;
  /** The batch being put (marked DELIVERING, BATCH_OK not written yet). */
  private open: OpenBatch | undefined;

  constructor(private readonly ctx: BrokerContext) {
    this.journal = TimerJournal.at(ctx.options.storePath);
  }

  /** Pending timer messages (tests, stats). */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** The send path's timer rewrite (throws RequestRefusedError with Java's answer). */
  transform(input: PutMessageInput, props: Record<string, string | undefined>): void {
    transformTimerMessage(this.ctx.options, input, props, Date.now());
  }

  async start(): Promise<void> {
    const state = this.journal.open();
    this.stopped = false;
    const done = [...state.done];
    if (state.uncertain.length > 0) {
      const delivered = await deliveredOf(this.ctx.store, state.uncertain);
      for (const o of delivered) done.push([o, o + 1]);
      this.journal.done(delivered.map((o) => [o, o + 1]));
      this.journal.batchOk(); // the rest is delivered again as ordinary pending timers
    }
    const min = Number(this.ctx.store.getMinOffsetInQueue(TIMER_TOPIC, 0));
    this.cursor = Math.max(state.floor, min);
    this.recovered = mergeRanges(done);
    this.unsubscribe = this.ctx.store.onMessageArrived(() => void this.ingest.kick(), { topic: TIMER_TOPIC });
    await this.ingest.kick();
    this.compact();
    void this.deliver.kick();
  }

  /** Resolves once every record stored in the timer queue so far is ingested (recall answers after it). */
  catchUp(): Promise<void> {
    return this.ingest.kick();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timeout) clearTimeout(this.timeout);
    await this.ingest.idle();
    await this.deliver.idle();
    try {
      this.compact();
    } finally {
      this.journal.close();
    }
    this.open = undefined;
  }

  private failed(what: string, err: unknown): void {
    this.ctx.logger.error({ err: (err as Error).message }, `timer ${what} failed, retrying`);
    if (this.stopped) return;
    setTimeout(() => void (what === 'ingest' ? this.ingest : this.deliver).kick(), RETRY_PUT_MILLIS).unref();
  }

  private isRecoveredDone(offset: number): boolean {
    // Ranges are sorted and offsets come ascending: step over the ranges already passed.
    let r = this.recovered[this.recoveredAt];
    while (r !== undefined && r[1] <= offset) r = this.recovered[++this.recoveredAt];
    return r !== undefined && r[0] <= offset;
  }

  private async ingestNew(): Promise<void> {
    while (!this.stopped) {
      const { records, next } = await readTimerRecords(this.ctx.store, this.cursor, READ_BATCH);
      if (records.length === 0 && next === this.cursor) break;
      const finished: [number, number][] = [];
      for (const t of records) {
        if (this.isRecoveredDone(t.offset)) continue;
        this.ingestOne(t, finished);
      }
      this.journal.done(finished);
      this.cursor = next;
    }
    this.arm();
  }

  private ingestOne(t: TimerRecord, finished: [number, number][]): void {
    const deleteKey = t.props[MessageConst.PROPERTY_TIMER_DEL_UNIQKEY];
    if (deleteKey !== undefined) {
      // A recall marker: it and the messages it names are finished, in one journal record.
      for (const o of this.pending.removeKey(deleteKey)) finished.push([o, o + 1]);
      finished.push([t.offset, t.offset + 1]);
      return;
    }
    const real = realQueueOf(t.props);
    const outMs = Number(t.props[MessageConst.PROPERTY_TIMER_OUT_MS]);
    if (!real || !Number.isSafeInteger(outMs)) {
      this.ctx.logger.warn({ offset: t.offset }, 'timer record without a real topic or time: skipped');
      finished.push([t.offset, t.offset + 1]);
      return;
    }
    const key = timerDeleteKey(real.topic, t.props[MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX]);
    this.pending.add({ offset: t.offset, outMs, key });
  }

  private arm(): void {
    if (this.stopped) return;
    if (this.timeout) clearTimeout(this.timeout);
    this.timeout = undefined;
    const next = this.pending.nextDue();
    if (next === undefined) return;
    const wait = Math.min(MAX_TIMEOUT_MILLIS, Math.max(0, next - Date.now()));
    this.timeout = setTimeout(() => void this.deliver.kick(), wait);
    this.timeout.unref?.();
  }

  private async deliverDue(): Promise<void> {
    while (!this.stopped) {
      if (!this.open) {
        const due = this.pending.popDue(Date.now(), DELIVER_BATCH);
        if (due.length === 0) break;
        this.open = await this.markBatch(due);
      }
      if (!(await this.putOpenBatch())) return; // stopping mid-batch: recovery finishes it
      if (this.journal.bytes > COMPACT_AT_BYTES) this.compact();
    }
    this.arm();
  }

  /** Steps 1 of the top comment: reads the records and marks the batch DELIVERING. */
  private async markBatch(due: readonly PendingTimer[]): Promise<OpenBatch> {
    try {
      const items: OpenBatch['items'] = [];
      const finished: [number, number][] = [];
      const now = Date.now();
      const records = await Promise.all(due.map((t) => readTimerRecord(this.ctx.store, t.offset)));
      for (const [i, t] of due.entries()) {
        const rec = records[i];
        const input = rec && deliveredInput(rec, now);
        if (input) items.push({ offset: t.offset, input, put: false });
        else finished.push([t.offset, t.offset + 1]); // gone from the store or unreadable
      }
      this.journal.done(finished);
      if (items.length > 0) {
        this.journal.delivering(
          items.map(({ offset, input }) => ({
            timerOffset: offset,
            realQueueOffset: Number(this.ctx.store.getMaxOffsetInQueue(input.topic, input.queueId)),
          })),
        );
      }
      return { items };
    } catch (err) {
      for (const t of due) this.pending.add(t); // nothing was marked: they wait for the next try
      throw err;
    }
  }

  /**
   * Steps 2 and 3: puts what is left of the open batch, all at once (the store's append pipeline
   * writes them together; their order inside a batch does not matter to recovery), then BATCH_OK.
   * False when stopping before every put is done.
   */
  private async putOpenBatch(): Promise<boolean> {
    const open = this.open as OpenBatch;
    const puts = open.items.map(async (item) => (item.put ||= await this.put(item.offset, item.input)));
    if ((await Promise.all(puts)).includes(false)) return false;
    if (open.items.length > 0) this.journal.batchOk();
    this.open = undefined;
    return true;
  }

  /** Puts until stored, refused for good (Java PUT_NO_RETRY: logged, dropped) or stopping. */
  private async put(offset: number, input: PutMessageInput): Promise<boolean> {
    for (;;) {
      if (this.stopped) return false;
      const result = await this.ctx.store.putMessage(input).catch((err: unknown) => ({
        status: 'UNKNOWN_ERROR' as const,
        reason: (err as Error).message,
      }));
      switch (result.status) {
        case 'PUT_OK':
        case 'FLUSH_DISK_TIMEOUT':
        case 'FLUSH_SLAVE_TIMEOUT':
        case 'SLAVE_NOT_AVAILABLE':
          return true;
        case 'MESSAGE_ILLEGAL':
        case 'PROPERTIES_SIZE_EXCEEDED':
          this.ctx.logger.error(
            { offset, topic: input.topic, status: result.status },
            'timer message dropped',
          );
          return true;
        default:
          this.ctx.logger.warn(
            { offset, status: result.status },
            'timer delivery refused by the store, retrying',
          );
          await new Promise((r) => setTimeout(r, RETRY_PUT_MILLIS));
      }
    }
  }

  /** Rewrites the journal as floor + finished ranges between the floor and the ingest cursor. */
  private compact(): void {
    if (this.open) return; // its DELIVERING mark must stay for recovery
    const offsets = this.pending.sortedOffsets();
    const floor = Math.min(offsets[0] ?? this.cursor, this.cursor);
    // Recovered ranges the ingest cursor has not reached yet stay finished.
    const ahead = this.recovered.slice(this.recoveredAt).filter(([, to]) => to > this.cursor);
    this.journal.compact(floor, [...rangesOutside(offsets, floor, this.cursor), ...ahead]);
  }
}
