/**
 * Delayed delivery (Java CommitLog delay rewrite + ScheduleMessageService, 4.9.8).
 *
 * A message with DELAY = n > 0 is stored in SCHEDULE_TOPIC_XXXX queue n-1 with REAL_TOPIC / REAL_QID
 * properties and, as consume-queue tags code, its deliver time. For each level a drain reads that
 * queue from its delivery offset; every record whose time has come is written again to its real
 * topic and queue and the offset advances. As in Java's messageTimeup, the copy's property string is
 * the record's own, built before Java clears DELAY and sets WAIT false: DELAY, REAL_TOPIC, REAL_QID
 * (and WAIT as sent) stay in it; the copy is put without a flush wait. Offsets persist in
 * `<store>/config/delayOffset.json` ({"offsetTable":{level:offset}}). A drain runs when a record
 * arrives in a schedule queue, when the head record falls due (timer), and at start.
 */
import { MessageConst } from '../../../protocol/message/constants.js';
import { decodeProperties } from '../../../protocol/message/properties.js';
import { decodeMessageRecord } from '../../../protocol/message/record.js';
import { SystemTopic } from '../../../protocol/message/validators.js';
import type { PutMessageInput } from '../../store/index.js';
import type { BrokerContext } from '../core/broker-context.js';
import { propertiesToStoredString, reputInput } from '../core/stored-message.js';

const SCHEDULE_TOPIC = SystemTopic.RMQ_SYS_SCHEDULE_TOPIC;
const SCHEDULE_GROUP = 'SCHEDULE_CONSUMER';
/** Retry pause after a failed re-put (Java DELAY_FOR_A_PERIOD = 10 s; shorter for a dev broker). */
const RETRY_AFTER_FAILURE_MILLIS = 1000;

export interface DelayOffsetStore {
  load(): Map<number, bigint>;
  save(offsets: Map<number, bigint>): void;
}

export class ScheduleService {
  readonly offsets = new Map<number, bigint>();
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private readonly running = new Set<number>();
  private readonly again = new Set<number>();
  private unsubscribe: (() => void) | undefined;
  private stopped = true;
  private dirty = false;

  constructor(
    private readonly ctx: BrokerContext,
    private readonly persistence: DelayOffsetStore | undefined,
  ) {}

  get maxDelayLevel(): number {
    return this.ctx.delayLevels.length;
  }

  /**
   * Java CommitLog: a non-transactional message with DELAY > 0 goes to the schedule topic. The level
   * is capped at the highest configured one. Mutates `input`; `props` is the stored property map.
   */
  rewriteIfDelayed(input: PutMessageInput, props: Record<string, string | undefined>): void {
    const raw = props[MessageConst.PROPERTY_DELAY_TIME_LEVEL];
    let level = raw === undefined ? 0 : Number.parseInt(raw, 10);
    if (!(level > 0) || this.maxDelayLevel === 0) return;
    level = Math.min(level, this.maxDelayLevel);
    props[MessageConst.PROPERTY_DELAY_TIME_LEVEL] = String(level);
    props[MessageConst.PROPERTY_REAL_TOPIC] = input.topic;
    props[MessageConst.PROPERTY_REAL_QUEUE_ID] = String(input.queueId);
    input.topic = SCHEDULE_TOPIC;
    input.queueId = level - 1;
    input.properties = propertiesToStoredString(props);
    input.tagsCode = BigInt(Date.now() + (this.ctx.delayLevels[level - 1] as number));
  }

  start(): void {
    this.stopped = false;
    for (const [level, offset] of this.persistence?.load() ?? []) this.offsets.set(level, offset);
    this.unsubscribe = this.ctx.store.onMessageArrived((_topic, queueId) => this.kick(queueId + 1), {
      topic: SCHEDULE_TOPIC,
    });
    for (let level = 1; level <= this.maxDelayLevel; level++) this.kick(level);
  }

  /** Saves offsets if they moved; the broker calls it periodically and at shutdown. */
  persist(): void {
    if (!this.dirty || !this.persistence) return;
    this.dirty = false;
    try {
      this.persistence.save(this.offsets);
    } catch (err) {
      this.dirty = true; // saved by the next persist
      throw err;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    while (this.running.size > 0) await new Promise((r) => setTimeout(r, 5));
    this.persist();
  }

  private kick(level: number): void {
    if (this.stopped || level < 1 || level > this.maxDelayLevel) return;
    if (this.running.has(level)) {
      this.again.add(level);
      return;
    }
    const timer = this.timers.get(level);
    if (timer) {
      clearTimeout(timer);
      this.timers.delete(level);
    }
    this.running.add(level);
    this.drain(level)
      .catch((err: unknown) => {
        this.ctx.logger.error({ level, err: (err as Error).message }, 'schedule drain failed');
        this.later(level, RETRY_AFTER_FAILURE_MILLIS);
      })
      .finally(() => {
        this.running.delete(level);
        if (this.again.delete(level)) this.kick(level);
      });
  }

  private later(level: number, millis: number): void {
    if (this.stopped) return;
    const old = this.timers.get(level);
    if (old) clearTimeout(old);
    const t = setTimeout(
      () => {
        this.timers.delete(level);
        this.kick(level);
      },
      Math.max(1, millis),
    );
    t.unref?.();
    this.timers.set(level, t);
  }

  private async drain(level: number): Promise<void> {
    const delay = this.ctx.delayLevels[level - 1] as number;
    const queueId = level - 1;
    for (;;) {
      if (this.stopped) return;
      let offset = this.offsets.get(level) ?? 0n;
      const result = await this.ctx.store.getMessage(SCHEDULE_GROUP, SCHEDULE_TOPIC, queueId, offset, 32);
      if (result.status === 'OFFSET_TOO_SMALL' || result.status === 'OFFSET_OVERFLOW_BADLY') {
        this.setOffset(level, result.nextBeginOffset);
        continue;
      }
      if (result.status !== 'FOUND') {
        // Entries with nothing to deliver (lost to damage, or their log deleted by retention) are
        // stepped over, as Java skips a message it cannot look up; at the end, the next arrival kicks.
        if (result.nextBeginOffset > offset) {
          this.setOffset(level, result.nextBeginOffset);
          continue;
        }
        // A queue file gone or going (retention): Java looks again after a while, and so do we.
        if (result.status === 'MESSAGE_WAS_REMOVING' || result.status === 'OFFSET_FOUND_NULL') {
          this.later(level, RETRY_AFTER_FAILURE_MILLIS);
        }
        return;
      }
      for (let i = 0; i < result.messages.length; i++) {
        const record = decodeMessageRecord(result.messages[i] as Buffer);
        const due = record.storeTimestamp + delay;
        const now = Date.now();
        if (due > now) {
          this.later(level, due - now);
          return;
        }
        const props = decodeProperties(record.properties);
        const realTopic = props[MessageConst.PROPERTY_REAL_TOPIC];
        const realQueue = Number(props[MessageConst.PROPERTY_REAL_QUEUE_ID]);
        offset = (result.queueOffsets[i] as bigint) + 1n;
        if (realTopic === undefined || !Number.isInteger(realQueue)) {
          this.setOffset(level, offset); // not ours to deliver: skip it
          continue;
        }
        const put = await this.ctx.store.putMessage(
          reputInput(record, realTopic, realQueue, props, record.reconsumeTimes),
        );
        if (put.status !== 'PUT_OK' && put.status !== 'FLUSH_DISK_TIMEOUT') {
          this.ctx.logger.warn(
            { level, status: put.status },
            'delayed message re-put failed, retrying later',
          );
          this.later(level, RETRY_AFTER_FAILURE_MILLIS);
          return;
        }
        this.setOffset(level, offset);
      }
      this.setOffset(level, result.nextBeginOffset);
    }
  }

  private setOffset(level: number, offset: bigint): void {
    if (this.offsets.get(level) === offset) return;
    this.offsets.set(level, offset);
    this.dirty = true;
  }
}
