/**
 * Requests in flight on one connection, keyed by opaque (request id). Each entry moves through
 * explicit states:
 *
 *   pending --(frame handed to the socket)--> sent --(response)--> done
 *      \                                        \
 *       `--(write error / close / expiry)-------`--(close / expiry)--> failed
 *
 * Expiry while still `pending` means the frame never left (backpressure): a send failure, as Java
 * reports it; expiry once `sent` is a timeout.
 */
import { RemotingSendRequestError, RemotingTimeoutError } from '../common/errors.js';
import type { RemotingCommand } from '../protocol/command/remoting-command.js';
import { monotonicNow } from './sweeper.js';
import type { Expirable } from './sweeper.js';
import type { WriteListener } from './write-batch.js';

export type InFlightState = 'pending' | 'sent' | 'done' | 'failed';

/** Receives the outcome of one request, exactly once (an object, so callers need no closure per request). */
export interface Settler {
  settle(error: Error | undefined, response?: RemotingCommand): void;
}

export class InFlightRequest implements Expirable, WriteListener {
  state: InFlightState = 'pending';
  deadline = 0;
  /** The request (set once registered): cancel() checks it, timeout reports name its code. */
  request: RemotingCommand | undefined = undefined;

  constructor(
    readonly table: InFlightTable,
    readonly opaque: number,
    /** Time budget left when the request was registered; its deadline is `begin + timeoutMillis`. */
    readonly timeoutMillis: number,
    /** The timeout the caller asked for (reported in errors); >= timeoutMillis. */
    readonly callerTimeoutMillis: number,
    /** True when the caller is told at the timeout itself (sync); false: Java's scan with 1 s grace. */
    readonly prompt: boolean,
    readonly settler: Settler,
    /** When the time budget started (monotonic ms): its deadline is `begin + timeoutMillis`. */
    readonly begin: number,
  ) {}

  get settled(): boolean {
    return this.state === 'done' || this.state === 'failed';
  }

  onWritten(error: Error | undefined): void {
    if (this.settled) return;
    if (error) {
      this.table.fail(
        this,
        new RemotingSendRequestError(this.table.address, { reason: error.message, cause: error }),
      );
      this.table.hooks.onSendFailure?.(this, error);
    } else {
      this.state = 'sent';
    }
  }

  expire(now: number): void {
    this.table.expire(this, now);
  }
}

export interface InFlightHooks {
  /** An entry timed out (after it was failed). */
  onTimeout?(entry: InFlightRequest): void;
  /** Writing an entry's frame failed (after it was failed). */
  onSendFailure?(entry: InFlightRequest, error: Error): void;
}

export class InFlightTable {
  private readonly entries = new Map<number, InFlightRequest>();
  private nextOpaque = 0;

  constructor(
    readonly address: string,
    readonly hooks: InFlightHooks = {},
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** Request codes of the entries waiting (diagnostics). */
  waitingCodes(): number[] {
    return [...this.entries.values()].map((entry) => entry.request?.code ?? 0);
  }

  /**
   * Registers a new request under a fresh opaque (per connection, wrapping like a Java int); its
   * `timeoutMillis` run from `begin` (default: now).
   */
  register(
    timeoutMillis: number,
    prompt: boolean,
    settler: Settler,
    callerTimeoutMillis = timeoutMillis,
    begin = monotonicNow(),
  ): InFlightRequest {
    const opaque = this.takeOpaque();
    const entry = new InFlightRequest(
      this,
      opaque,
      timeoutMillis,
      callerTimeoutMillis,
      prompt,
      settler,
      begin,
    );
    this.entries.set(opaque, entry);
    return entry;
  }

  /**
   * A fresh opaque no waiting request uses. Oneway requests take one too (they are not registered):
   * were they all sent with the same opaque, a peer answering one by mistake could complete an
   * unrelated request that happens to hold that opaque.
   */
  takeOpaque(): number {
    let opaque = this.nextOpaque;
    while (this.entries.has(opaque)) opaque = (opaque + 1) | 0;
    this.nextOpaque = (opaque + 1) | 0;
    return opaque;
  }

  /** Hands a response to its request; false when no request waits for that opaque. */
  complete(response: RemotingCommand): boolean {
    const entry = this.entries.get(response.opaque);
    if (!entry) return false;
    this.entries.delete(response.opaque);
    entry.state = 'done';
    entry.settler.settle(undefined, response);
    return true;
  }

  fail(entry: InFlightRequest, error: Error): void {
    if (entry.settled) return;
    if (this.entries.get(entry.opaque) === entry) this.entries.delete(entry.opaque);
    entry.state = 'failed';
    entry.settler.settle(error);
  }

  expire(entry: InFlightRequest, now: number): void {
    if (entry.settled) return;
    const waited = Math.round(now - entry.begin);
    const error =
      entry.state === 'pending'
        ? new RemotingSendRequestError(this.address, {
            reason: `request not written within ${entry.callerTimeoutMillis} ms (peer not reading)`,
          })
        : new RemotingTimeoutError(this.address, entry.callerTimeoutMillis, {
            detail: `no response after ${waited} ms`,
          });
    this.fail(entry, error);
    this.hooks.onTimeout?.(entry);
  }

  /**
   * Fails the entry of `request` with `error` (its caller gave up: an AbortSignal), so the table
   * keeps nothing for it; false when the request does not wait here (its opaque may be stale).
   */
  cancel(request: RemotingCommand, error: Error): boolean {
    const entry = this.entries.get(request.opaque);
    if (entry === undefined || entry.request !== request) return false;
    this.fail(entry, error);
    return true;
  }

  /** Java's scanResponseTable: fails every entry past `begin + timeout + grace`. */
  scan(now: number, graceMillis: number): void {
    let expired: InFlightRequest[] | undefined;
    for (const entry of this.entries.values()) {
      if (entry.begin + entry.timeoutMillis + graceMillis <= now) (expired ??= []).push(entry);
    }
    if (expired) for (const entry of expired) this.expire(entry, now);
  }

  /** Fails every entry at once (the connection closed). */
  failAll(makeError: () => Error): void {
    if (this.entries.size === 0) return;
    const all = [...this.entries.values()];
    this.entries.clear();
    for (const entry of all) {
      entry.state = 'failed';
      entry.settler.settle(makeError());
    }
  }
}
