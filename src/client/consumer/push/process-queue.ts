/**
 * ProcessQueue (Java ProcessQueue): the messages pulled from one queue and not yet consumed, by queue
 * offset. Pulls of a queue are sequential with rising offsets, so a Map in insertion order is the
 * offset-sorted tree Java keeps. The offset to commit is the smallest offset still held (a message
 * not yet consumed) or, with nothing held, the highest offset seen plus one.
 */
import type { MessageQueue } from '../../message-queue.js';
import type { ConsumedMessage } from './consume-service.js';

const MIB = 1024 * 1024;

export class ProcessQueue {
  /** queue offset -> message, ascending. */
  private readonly msgTree = new Map<bigint, ConsumedMessage>();
  /**
   * The offsets put, ascending, from `head` on: the smallest held is found by skipping the consumed
   * ones at the front (amortized O(1); a Map iterates past deleted slots one by one).
   */
  private order: bigint[] = [];
  private head = 0;
  private msgCountValue = 0;
  private msgSizeValue = 0;
  /** Highest offset ever put; -1 before the first message. */
  private queueOffsetMax = -1n;
  /** Java msgAccCnt: messages left in the queue after the last pull (MAX_OFFSET - last offset). */
  msgAccCnt = 0n;
  /** No more pulls and no more consumption of waiting messages: the queue left this consumer. */
  dropped = false;
  /**
   * Dropped by a rebalance that commits the queue's offset once no batch runs on it: a batch still
   * running records its offset (any other drop, e.g. an illegal offset, records none).
   */
  handingOver = false;
  lastPullTimestamp = Date.now();
  lastConsumeTimestamp = Date.now();
  /** Handler calls running on messages of this queue. */
  private running = 0;
  private idleWaiters: (() => void)[] = [];
  /** Orderly consumption (helper branch): the broker lock is held. */
  locked = false;
  lastLockTimestamp = Date.now();
  tryUnlockTimes = 0;
  /** Orderly consumption: a batch of this queue is being consumed. */
  consuming = false;

  constructor(readonly mq: MessageQueue) {}

  get msgCount(): number {
    return this.msgCountValue;
  }

  /** Body bytes held. */
  get msgSize(): number {
    return this.msgSizeValue;
  }

  get msgSizeInMiB(): number {
    return this.msgSizeValue / MIB;
  }

  get maxOffset(): bigint {
    return this.queueOffsetMax;
  }

  /** Smallest offset held, undefined when empty. */
  get minOffset(): bigint | undefined {
    while (this.head < this.order.length && !this.msgTree.has(this.order[this.head] as bigint)) this.head++;
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
    return this.order[this.head];
  }

  /** Java getMaxSpan: last minus first offset held (0 when empty). */
  get maxSpan(): bigint {
    const first = this.minOffset;
    return first === undefined ? 0n : this.queueOffsetMax - first;
  }

  /** Java isPullExpired: no pull for `idleMillis` (the pull loop of this queue is stuck). */
  isPullExpired(idleMillis: number, now = Date.now()): boolean {
    return now - this.lastPullTimestamp > idleMillis;
  }

  /** Adds pulled messages (offsets already held are ignored); true when there was something new. */
  putMessages(msgs: readonly ConsumedMessage[]): boolean {
    let added = 0;
    for (const m of msgs) {
      if (this.msgTree.has(m.queueOffset)) continue;
      this.msgTree.set(m.queueOffset, m);
      if (m.queueOffset > this.queueOffsetMax) this.order.push(m.queueOffset);
      else this.order = [...this.msgTree.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      added++;
      this.msgSizeValue += m.body.length;
      this.queueOffsetMax = m.queueOffset;
    }
    this.msgCountValue += added;
    const last = msgs[msgs.length - 1];
    const max = last?.properties.MAX_OFFSET;
    if (last !== undefined && max !== undefined && /^\d+$/.test(max)) {
      const acc = BigInt(max) - last.queueOffset;
      if (acc > 0n) this.msgAccCnt = acc;
    }
    return added > 0;
  }

  /**
   * Removes consumed messages; the offset to commit after them (Java removeMessage), or -1 when
   * nothing was held.
   */
  removeMessages(msgs: readonly ConsumedMessage[]): bigint {
    if (this.msgTree.size === 0) return -1n;
    this.lastConsumeTimestamp = Date.now();
    for (const m of msgs) {
      if (this.msgTree.get(m.queueOffset) !== m) continue;
      this.msgTree.delete(m.queueOffset);
      this.msgCountValue--;
      this.msgSizeValue -= m.body.length;
    }
    return this.offsetToCommit();
  }

  /** The smallest offset held, or the highest seen plus one (-1 before the first message). */
  offsetToCommit(): bigint {
    return this.minOffset ?? (this.queueOffsetMax < 0n ? -1n : this.queueOffsetMax + 1n);
  }

  /** True while `m` is still held (not consumed, not cleared). */
  holds(m: ConsumedMessage): boolean {
    return this.msgTree.get(m.queueOffset) === m;
  }

  /** Up to `n` messages from the lowest offset (orderly consumption takes them in order). */
  peek(n: number): ConsumedMessage[] {
    const out: ConsumedMessage[] = [];
    void this.minOffset; // moves head past consumed offsets
    for (let i = this.head; i < this.order.length && out.length < n; i++) {
      const m = this.msgTree.get(this.order[i] as bigint);
      if (m !== undefined) out.push(m);
    }
    return out;
  }

  /** Forgets every message held (reset offset). */
  clear(): void {
    this.msgTree.clear();
    this.order = [];
    this.head = 0;
    this.msgCountValue = 0;
    this.msgSizeValue = 0;
    this.queueOffsetMax = -1n;
  }

  beginConsume(): void {
    this.running++;
  }

  endConsume(): void {
    this.running--;
    if (this.running === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  get runningCount(): number {
    return this.running;
  }

  /** Resolves once no handler call runs on this queue's messages. */
  whenIdle(): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
