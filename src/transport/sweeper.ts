/**
 * The one timer machinery of a client or server (no timer per request).
 *
 * 1. A periodic scan (default every 1000 ms, as Java's scanResponseTable) walks every connection: it
 *    fails in-flight entries past `begin + timeout + grace` and closes idle connections.
 * 2. Prompt deadlines for callers that must hear about a timeout at the timeout itself (sync invokes,
 *    permit waits). Items wait in FIFO queues keyed by their timeout value: within one queue deadlines
 *    only grow (they are `now + timeout` with a monotonic clock), so the earliest deadline overall is
 *    the smallest queue head, and pushing is O(1). A single one-shot timer is armed for that earliest
 *    head and re-armed only when a shorter timeout shows up or after it fires. Items settled some other
 *    way (the response arrived) are dropped lazily when they reach a queue head; since answers come
 *    back roughly in request order, heads are trimmed on every push and the queues stay about as long
 *    as the number of requests actually in flight. A real deployment uses a handful of timeout values,
 *    so the number of queues is tiny; empty queues are deleted.
 */
import { performance } from 'node:perf_hooks';

/** Monotonic milliseconds (never jumps with the wall clock). */
export function monotonicNow(): number {
  return performance.now();
}

export interface Expirable {
  /** Monotonic time (ms) at which `expire` is due; set by Sweeper.schedule. */
  deadline: number;
  /** True once the item ended some other way; the sweeper then only forgets it. */
  readonly settled: boolean;
  expire(now: number): void;
}

/** Deadlines are compared with this slack, so a timer firing a fraction of a ms early still counts. */
const SLACK_MILLIS = 1;

class DeadlineQueue {
  private items: Expirable[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: Expirable): void {
    this.items.push(item);
  }

  /** First unsettled item, dropping settled ones on the way. */
  peek(): Expirable | undefined {
    while (this.head < this.items.length) {
      const item = this.items[this.head]!;
      if (!item.settled) return item;
      this.items[this.head++] = undefined as unknown as Expirable;
    }
    this.reset();
    return undefined;
  }

  shift(): void {
    this.items[this.head++] = undefined as unknown as Expirable;
    if (this.head === this.items.length) this.reset();
    else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  drain(): Expirable[] {
    const rest = this.items.slice(this.head).filter((item) => !item.settled);
    this.reset();
    return rest;
  }

  private reset(): void {
    this.items = [];
    this.head = 0;
  }
}

export class Sweeper {
  private readonly queues = new Map<number, DeadlineQueue>();
  private scanTimer: NodeJS.Timeout | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private armedAt = Infinity;
  private stopped = false;

  constructor(
    private readonly scanIntervalMillis: number,
    private readonly onScan: (now: number) => void,
  ) {}

  /** Starts the periodic scan (idempotent). Timers are unref'd: they never keep the process alive. */
  start(): void {
    if (this.scanTimer || this.stopped) return;
    this.scanTimer = setInterval(() => this.onScan(monotonicNow()), this.scanIntervalMillis);
    this.scanTimer.unref();
  }

  /** Stops both timers; items still queued are returned so the owner can fail them. */
  stop(): Expirable[] {
    this.stopped = true;
    if (this.scanTimer) clearInterval(this.scanTimer);
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.scanTimer = undefined;
    this.deadlineTimer = undefined;
    this.armedAt = Infinity;
    const rest: Expirable[] = [];
    for (const queue of this.queues.values()) rest.push(...queue.drain());
    this.queues.clear();
    return rest;
  }

  /** Number of items waiting in deadline queues (settled ones not yet trimmed included). */
  get scheduledCount(): number {
    let n = 0;
    for (const queue of this.queues.values()) n += queue.size;
    return n;
  }

  /** Calls `item.expire()` at `now + timeoutMillis` unless the item has settled by then. */
  schedule(item: Expirable, timeoutMillis: number, now: number = monotonicNow()): void {
    const key = Math.max(0, Math.ceil(timeoutMillis));
    item.deadline = now + key;
    let queue = this.queues.get(key);
    if (!queue) {
      queue = new DeadlineQueue();
      this.queues.set(key, queue);
    }
    queue.peek(); // trims settled heads
    queue.push(item);
    // The clock read again: `now` may be a caller's earlier start (its deadline counts from there).
    if (item.deadline < this.armedAt) this.arm(item.deadline, monotonicNow());
  }

  private arm(at: number, now: number): void {
    if (this.stopped) return;
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.armedAt = at;
    this.deadlineTimer = setTimeout(() => this.fire(), Math.max(0, Math.ceil(at - now)));
    this.deadlineTimer.unref();
  }

  private fire(): void {
    this.deadlineTimer = undefined;
    this.armedAt = Infinity;
    const now = monotonicNow();
    const due: Expirable[] = [];
    let next = Infinity;
    for (const [key, queue] of this.queues) {
      for (let item = queue.peek(); item; item = queue.peek()) {
        if (item.deadline > now + SLACK_MILLIS) {
          next = Math.min(next, item.deadline);
          break;
        }
        queue.shift();
        due.push(item);
      }
      if (queue.size === 0) this.queues.delete(key);
    }
    // Expire after the walk: an expiry may close a connection, settling other queued items.
    for (const item of due) if (!item.settled) item.expire(now);
    if (next < this.armedAt) this.arm(next, monotonicNow());
  }
}
