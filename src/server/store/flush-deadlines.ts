/**
 * The SYNC_FLUSH deadlines of the append pipeline: one timer for the oldest unanswered put
 * (deadlines are FIFO, as every put gets the same timeout). When it fires, each expired put is
 * handed to `onExpired` (the pipeline answers FLUSH_DISK_TIMEOUT, at once or right after its write).
 */
export interface Deadline {
  readonly deadline: number;
  /** Answered already: skipped. */
  readonly settled: boolean;
}

export class FlushDeadlines<W extends Deadline> {
  private queue: W[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly onExpired: (w: W) => void) {}

  add(w: W): void {
    this.queue.push(w);
    if (this.timer === undefined) this.arm();
  }

  /** Re-arms for the next unanswered put once the oldest one was answered. */
  refresh(): void {
    if (this.queue[0]?.settled) this.arm();
  }

  /** Drops every deadline (the puts were all answered). */
  clear(): void {
    this.queue = [];
    this.arm();
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    this.close();
    while (this.queue[0]?.settled) this.queue.shift();
    const head = this.queue[0];
    if (head === undefined) return;
    // Not unref'd: a put waiting for its answer is pending work that must keep the process alive.
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        const now = Date.now();
        while (this.queue.length > 0 && this.queue[0]!.deadline <= now) this.onExpired(this.queue.shift()!);
        this.arm();
      },
      Math.max(0, head.deadline - Date.now()),
    );
  }
}
