/**
 * One holder per message queue at a time (Java MessageQueueLock, which ConsumeRequest.run of orderly
 * consumption synchronizes on). Keyed by the queue, not by its ProcessQueue: a queue dropped while its
 * handler runs (an illegal offset) and taken again by the next rebalance gets a new ProcessQueue, and
 * the new one's first batch must wait for the old one's batch, or the queue's order breaks.
 * Waiters are served in arrival order; a key is forgotten once nobody holds or waits for it.
 */
export class MessageQueueLock {
  /** Queue key -> resolves when the last holder or waiter so far releases. */
  private readonly tails = new Map<string, Promise<void>>();

  /** Resolves with the release function once the caller holds the queue. */
  async acquire(key: string): Promise<() => void> {
    const previous = this.tails.get(key);
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous === undefined ? mine : previous.then(() => mine);
    this.tails.set(key, tail);
    if (previous !== undefined) await previous;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
  }
}
