/**
 * The send calls of one producer that have not settled yet, so that shutdown() can drain them: wait
 * until every one settled with its real outcome (retries and after hooks included), or until the
 * drain deadline, when the rest are abandoned (send-call.ts decides what each settles with).
 *
 * The promise a caller holds is the tracker's: the loop reports to it (SendDone), an abandoned call
 * settles at the deadline, an aborted one (its AbortSignal) at the abort, and whatever its loop
 * reports later is dropped. The tracker gives back the call's backpressure permits when it settles,
 * and reports the send events of every call (send-events.ts).
 */
import { AbortError } from '../../../common/abort-error.js';
import type { ProducerCore } from '../producer-core.js';
import type { SendResult } from '../send-result.js';
import type { AbandonedOutcome, SendCall } from './send-call.js';
import type { SendDone } from './send-loop.js';
import { sendSettled, sendStarted } from './send-events.js';

type Outcome = AbandonedOutcome | { ok: true; result: SendResult | undefined };

export interface DrainReport {
  /** Calls that settled by themselves during the drain. */
  readonly settled: number;
  /** Calls abandoned at the deadline. */
  readonly abandoned: number;
}

/**
 * The tracker's part of one call: the caller's promise and the abort listener; the call's loop
 * reports its outcome here (SendDone). One object per call and no closures but the promise's own
 * (this is the hot path of every send: thousands may be in flight, and each live closure and context
 * is more for the garbage collector to copy).
 */
class Tracked implements SendDone {
  resolve!: (result: SendResult | undefined) => void;
  reject!: (error: Error) => void;
  onAbort: (() => void) | undefined = undefined;
  /** Neighbours in the tracker's list of calls in flight; `linked` while in it. */
  prev: Tracked | undefined = undefined;
  next: Tracked | undefined = undefined;
  linked = false;

  constructor(
    readonly tracker: InFlightSends,
    readonly call: SendCall,
    /** Backpressure permits the call holds, given back when it settles. */
    readonly heldPermits: number | undefined,
  ) {}

  succeeded(result: SendResult | undefined): void {
    this.tracker.settle(this, { ok: true, result });
  }

  failed(error: unknown): void {
    this.tracker.settle(this, { ok: false, error: error as Error });
  }
}

export class InFlightSends {
  /**
   * The calls in flight, a list through the Tracked objects themselves: a Map of them reallocated
   * its table as the count rose and fell with every send.
   */
  #first: Tracked | undefined;
  #last: Tracked | undefined;
  #size = 0;
  #whenIdle: (() => void) | undefined;
  #sendIds = 0;

  readonly #host: ProducerCore;

  constructor(host: ProducerCore) {
    this.#host = host;
  }

  /** Send calls not settled yet. */
  get size(): number {
    return this.#size;
  }

  /**
   * Runs the call's loop, which reports to the `done` it is given; the returned promise settles with
   * that report, or at the drain deadline (or abort), whichever comes first.
   */
  run(
    call: SendCall,
    heldPermits: number | undefined,
    loop: (done: SendDone) => void,
  ): Promise<SendResult | undefined> {
    const tracked = new Tracked(this, call, heldPermits);
    const promise = new Promise<SendResult | undefined>((resolve, reject) => {
      tracked.resolve = resolve;
      tracked.reject = reject;
    });
    const host = this.#host;
    this.#link(tracked);
    call.sendId = ++this.#sendIds;
    if (host.events.active) sendStarted(host, call, this.#size);
    const signal = call.signal;
    if (signal !== undefined) {
      // Settles at once; the loop stops at its next step (its outcome is then dropped).
      tracked.onAbort = () => {
        const error = new AbortError(`send of message to ${call.topic}`, signal.reason);
        call.abort(host, error);
        this.settle(tracked, { ok: false, error });
      };
      signal.addEventListener('abort', tracked.onAbort, { once: true });
    }
    try {
      loop(tracked);
    } catch (error) {
      tracked.failed(error);
    }
    return promise;
  }

  /** Settles a tracked call once (later outcomes are dropped); internal to the tracker. */
  settle(tracked: Tracked, outcome: Outcome): void {
    const call = tracked.call;
    if (!tracked.linked) return;
    this.#unlink(tracked);
    if (tracked.heldPermits !== undefined) this.#host.backpressure?.release(tracked.heldPermits);
    if (tracked.onAbort !== undefined) call.signal?.removeEventListener('abort', tracked.onAbort);
    if (outcome.ok) tracked.resolve(outcome.result);
    else tracked.reject(outcome.error);
    const host = this.#host;
    if (host.events.active) {
      sendSettled(host, call, this.#size, outcome.ok, outcome.ok ? outcome.result : outcome.error);
    }
    if (this.#size === 0) this.#whenIdle?.();
  }

  #link(tracked: Tracked): void {
    tracked.linked = true;
    tracked.prev = this.#last;
    if (this.#last === undefined) this.#first = tracked;
    else this.#last.next = tracked;
    this.#last = tracked;
    this.#size++;
  }

  #unlink(tracked: Tracked): void {
    tracked.linked = false;
    const { prev, next } = tracked;
    if (prev === undefined) this.#first = next;
    else prev.next = next;
    if (next === undefined) this.#last = prev;
    else next.prev = prev;
    tracked.prev = tracked.next = undefined;
    this.#size--;
  }

  /**
   * Waits until no call is in flight or `timeoutMillis` have passed; then abandons what is left.
   * Calls started meanwhile are waited for too (the producer refuses new ones before draining).
   */
  async drain(host: ProducerCore, timeoutMillis: number): Promise<DrainReport> {
    const before = this.#size;
    if (before > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.#whenIdle = resolve;
        timer = setTimeout(resolve, timeoutMillis);
      });
      clearTimeout(timer);
      this.#whenIdle = undefined;
    }
    const left: Tracked[] = [];
    for (let t = this.#first; t !== undefined; t = t.next) left.push(t);
    for (const tracked of left) this.settle(tracked, tracked.call.abandon(host, timeoutMillis));
    return { settled: before - left.length, abandoned: left.length };
  }
}
