/**
 * The requests of one client instance waiting for their reply (Java RequestFutureHolder's table, but
 * per instance instead of process-wide), keyed by correlation id.
 *
 *   add ──> waiting ──reply pushed (complete)──> resolved   entry removed, onReply(reply)
 *              │   ──send failed (fail)────────> rejected   entry removed, onError(send error)
 *              │   ──deadline (sweeper)────────> rejected   entry removed, onError(RequestTimeoutError)
 *              └── instance shut down (close) ─> rejected   entry removed, onError(IllegalStateError)
 *
 * Exactly one of those ends happens, and it removes the entry first: a reply that comes after the
 * timeout finds nothing (it is logged and dropped by the caller), so the table never keeps a stale
 * entry. Timeouts use the transport's Sweeper, the one timer machinery of clients and servers: one
 * prompt deadline timer for all entries, plus Java's periodic scan (every second) as a backstop.
 */
import { IllegalStateError, RequestTimeoutError } from '../../common/errors.js';
import type { MessageExt } from '../../protocol/message/index.js';
import { Sweeper, monotonicNow } from '../../transport/sweeper.js';
import type { Expirable } from '../../transport/sweeper.js';

/** Java RequestFutureHolder scans its table every second. */
export const REQUEST_SCAN_INTERVAL_MILLIS = 1000;

export interface PendingRequestInit {
  correlationId: string;
  /** Topic of the request (for error messages). */
  topic: string;
  /** The whole request's timeout (ms), as the caller gave it. */
  timeoutMillis: number;
  /** Time left of it now (ms): the entry expires then. */
  remainingMillis: number;
  onReply(reply: MessageExt): void;
  onError(error: unknown): void;
}

class PendingRequest implements Expirable {
  deadline = 0;
  settled = false;
  /** Set once the broker acknowledged the request message. */
  sent = false;

  constructor(
    private readonly table: RequestFutureTable,
    readonly init: PendingRequestInit,
  ) {}

  expire(): void {
    if (!this.table.remove(this)) return;
    const { topic, timeoutMillis } = this.init;
    this.init.onError(
      new RequestTimeoutError(
        this.sent
          ? `send request message to <${topic}> OK, but wait reply message timeout, ${timeoutMillis} ms.`
          : `request to <${topic}> timed out after ${timeoutMillis} ms: the request message was not acknowledged and no reply came`,
        timeoutMillis,
      ),
    );
  }
}

export class RequestFutureTable {
  readonly #entries = new Map<string, PendingRequest>();
  readonly #sweeper: Sweeper;
  #closed = false;

  constructor(scanIntervalMillis = REQUEST_SCAN_INTERVAL_MILLIS) {
    this.#sweeper = new Sweeper(scanIntervalMillis, (now) => this.#scan(now));
  }

  /** Requests waiting for their reply. */
  get size(): number {
    return this.#entries.size;
  }

  has(correlationId: string): boolean {
    return this.#entries.has(correlationId);
  }

  /** Registers a request; it ends by exactly one of complete / fail / its deadline / close. */
  add(init: PendingRequestInit): void {
    if (this.#closed) {
      throw new IllegalStateError('the client instance is shut down: it takes no more requests');
    }
    if (this.#entries.has(init.correlationId)) {
      throw new IllegalStateError(`correlation id ${init.correlationId} is already waiting for a reply`);
    }
    const entry = new PendingRequest(this, init);
    this.#entries.set(init.correlationId, entry);
    this.#sweeper.start();
    this.#sweeper.schedule(entry, Math.max(0, init.remainingMillis));
  }

  /** The request message was acknowledged (only changes the wording of a later timeout). */
  markSent(correlationId: string): void {
    const entry = this.#entries.get(correlationId);
    if (entry) entry.sent = true;
  }

  /** Hands the reply to its request; false when no request waits for it (timed out, or unknown). */
  complete(correlationId: string, reply: MessageExt): boolean {
    const entry = this.#entries.get(correlationId);
    if (entry === undefined || !this.remove(entry)) return false;
    entry.init.onReply(reply);
    return true;
  }

  /** Fails a waiting request (its send failed); false when it had ended already. */
  fail(correlationId: string, error: unknown): boolean {
    const entry = this.#entries.get(correlationId);
    if (entry === undefined || !this.remove(entry)) return false;
    entry.init.onError(error);
    return true;
  }

  /** Fails every waiting request and stops the timers (the client instance shut down). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#sweeper.stop();
    for (const entry of [...this.#entries.values()]) {
      if (!this.remove(entry)) continue;
      entry.init.onError(
        new IllegalStateError(
          `the client instance shut down while request ${entry.init.correlationId} to <${entry.init.topic}> waited for its reply`,
        ),
      );
    }
  }

  /** Removes the entry if it is still the one waiting; true when this call ended it. */
  remove(entry: PendingRequest): boolean {
    if (entry.settled || this.#entries.get(entry.init.correlationId) !== entry) return false;
    entry.settled = true;
    this.#entries.delete(entry.init.correlationId);
    return true;
  }

  /** Backstop of the prompt deadlines (Java scanExpiredRequest). */
  #scan(now: number = monotonicNow()): void {
    for (const entry of [...this.#entries.values()]) if (entry.deadline <= now) entry.expire();
  }
}
