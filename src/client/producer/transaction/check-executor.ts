/**
 * Where a transaction producer runs the broker's back-checks: Java's check executor, a
 * ThreadPoolExecutor(checkThreadPoolMinSize, checkThreadPoolMaxSize, queue of checkRequestHoldMax),
 * with checks as async tasks instead of threads. Admission follows ThreadPoolExecutor.execute exactly:
 *
 *   running < min                 -> run now
 *   else queue not full           -> queue (run when a running check ends, first in first out)
 *   else running < max            -> run now
 *   else                          -> refused (Java: RejectedExecutionException), logged by the caller
 *
 * What Java lacks: a check that has not settled after `taskTimeoutMillis` gives its slot back (its
 * AbortSignal fires so it answers nothing when it settles later), so a hanging checker cannot stall the
 * checks behind it. close() refuses new checks, drops the queued ones and waits for the running ones.
 */
export interface CheckExecutorOptions {
  readonly minConcurrency: number;
  readonly maxConcurrency: number;
  readonly queueLimit: number;
  readonly taskTimeoutMillis: number;
  /** Called once for a task whose slot was taken back after taskTimeoutMillis. */
  readonly onTimeout: (name: string) => void;
  /** Called with whatever a task rejected with (tasks should not reject). */
  readonly onError: (name: string, err: unknown) => void;
}

/** A check: runs once; `signal` fires when it overran its time and must not answer any more. */
export type CheckTask = (signal: AbortSignal) => Promise<void>;

interface Queued {
  readonly name: string;
  readonly task: CheckTask;
}

export type Admission = 'started' | 'queued' | 'refused';

export class CheckExecutor {
  readonly #queue: Queued[] = [];
  /** Settles when the check settles or overruns, whichever comes first. */
  readonly #running = new Set<Promise<void>>();
  #closed = false;

  constructor(private readonly options: CheckExecutorOptions) {}

  get runningCount(): number {
    return this.#running.size;
  }

  get queuedCount(): number {
    return this.#queue.length;
  }

  get closed(): boolean {
    return this.#closed;
  }

  submit(name: string, task: CheckTask): Admission {
    const { minConcurrency, maxConcurrency, queueLimit } = this.options;
    if (this.#closed) return 'refused';
    if (this.#running.size < minConcurrency) {
      this.#start({ name, task });
      return 'started';
    }
    if (this.#queue.length < queueLimit) {
      this.#queue.push({ name, task });
      return 'queued';
    }
    if (this.#running.size < maxConcurrency) {
      this.#start({ name, task });
      return 'started';
    }
    return 'refused';
  }

  /**
   * Refuses new checks, drops the queued ones (returns how many) and waits up to `timeoutMillis` for
   * the running ones to settle.
   */
  async close(timeoutMillis: number): Promise<number> {
    this.#closed = true;
    const dropped = this.#queue.splice(0).length;
    if (this.#running.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMillis)));
      await Promise.race([Promise.all(this.#running), deadline]);
      clearTimeout(timer);
    }
    return dropped;
  }

  #start(entry: Queued): void {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const overrun = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        controller.abort();
        this.options.onTimeout(entry.name);
        resolve();
      }, this.options.taskTimeoutMillis);
      timer.unref();
    });
    let work: Promise<void>;
    try {
      work = entry.task(controller.signal);
    } catch (err) {
      work = Promise.reject(err as Error);
    }
    const settled = work.catch((err: unknown) => this.options.onError(entry.name, err));
    const slot: Promise<void> = Promise.race([settled, overrun]).then(() => {
      clearTimeout(timer);
      this.#running.delete(slot);
      this.#drain();
    });
    this.#running.add(slot);
  }

  /** The slot just freed takes the oldest queued check (as a pool thread takes from its queue). */
  #drain(): void {
    const next = this.#closed ? undefined : this.#queue.shift();
    if (next !== undefined) this.#start(next);
  }
}
