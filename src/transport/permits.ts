/**
 * Counting semaphore bounding async / oneway invocations in flight (Java's semaphores). Waiters are
 * served in FIFO order; their timeouts go through the owner's Sweeper (no timer per waiter).
 */
import type { Expirable, Sweeper } from './sweeper.js';

class Waiter implements Expirable {
  deadline = 0;
  settled = false;

  constructor(private readonly onDone: (granted: boolean) => void) {}

  grant(): void {
    this.settled = true;
    this.onDone(true);
  }

  expire(): void {
    if (this.settled) return;
    this.settled = true; // stays in the waiter list; release() skips it
    this.onDone(false);
  }
}

export class Permits {
  private free: number;
  private readonly waiters: Waiter[] = [];

  constructor(
    readonly total: number,
    private readonly sweeper: Sweeper,
  ) {
    if (!Number.isInteger(total) || total < 1)
      throw new RangeError(`permits must be an integer >= 1, got ${total}`);
    this.free = total;
  }

  get available(): number {
    return this.free;
  }

  tryAcquire(): boolean {
    while (this.waiters.length > 0 && this.waiters[0]!.settled) this.waiters.shift();
    if (this.free > 0 && this.waiters.length === 0) {
      this.free--;
      return true;
    }
    return false;
  }

  /** Resolves true once a permit is held, false if none became free within `timeoutMillis`. */
  acquire(timeoutMillis: number): Promise<boolean> {
    if (this.tryAcquire()) return Promise.resolve(true);
    if (timeoutMillis <= 0) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const waiter = new Waiter(resolve);
      this.waiters.push(waiter);
      this.sweeper.schedule(waiter, timeoutMillis);
    });
  }

  release(): void {
    for (let next = this.waiters.shift(); next; next = this.waiters.shift()) {
      if (!next.settled) {
        next.grant();
        return;
      }
    }
    this.free = Math.min(this.total, this.free + 1);
  }

  /** Fails every waiter (shutdown). */
  rejectAll(): void {
    for (const waiter of this.waiters.splice(0)) waiter.expire();
  }
}
