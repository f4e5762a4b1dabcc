/**
 * The send calls of one producer that have not settled yet, so that shutdown() can drain them: wait
 * until every one settled with its real outcome (retries and after hooks included), or until the
 * drain deadline, when the rest are abandoned (send-call.ts decides what each settles with).
 *
 * The promise a caller holds is the tracker's, not the loop's: an abandoned call settles at the
 * deadline, an aborted one (its AbortSignal) at the abort, and whatever its loop reports later is
 * dropped. The tracker also reports the send events of every call (send-events.ts).
 */
import { AbortError } from '../../../common/abort-error.js';
import type { ProducerCore } from '../producer-core.js';
import type { SendResult } from '../send-result.js';
import type { AbandonedOutcome, SendCall } from './send-call.js';
import { sendSettled, sendStarted } from './send-events.js';

type Settle = (outcome: AbandonedOutcome | { ok: true; result: SendResult | undefined }) => void;

export interface DrainReport {
  /** Calls that settled by themselves during the drain. */
  readonly settled: number;
  /** Calls abandoned at the deadline. */
  readonly abandoned: number;
}

export class InFlightSends {
  readonly #calls = new Map<SendCall, Settle>();
  #whenIdle: (() => void) | undefined;
  #sendIds = 0;

  readonly #host: ProducerCore;

  constructor(host: ProducerCore) {
    this.#host = host;
  }

  /** Send calls not settled yet. */
  get size(): number {
    return this.#calls.size;
  }

  /** Runs the call's loop; the returned promise settles with the loop, or at the drain deadline. */
  run(call: SendCall, loop: () => Promise<SendResult | undefined>): Promise<SendResult | undefined> {
    return new Promise<SendResult | undefined>((resolve, reject) => {
      const host = this.#host;
      const signal = call.signal;
      let onAbort: (() => void) | undefined;
      const settle: Settle = (outcome) => {
        if (!this.#calls.delete(call)) return;
        if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
        if (outcome.ok) resolve(outcome.result);
        else reject(outcome.error);
        if (host.events.active) {
          sendSettled(host, call, this.#calls.size, outcome.ok, outcome.ok ? outcome.result : outcome.error);
        }
        if (this.#calls.size === 0) this.#whenIdle?.();
      };
      this.#calls.set(call, settle);
      call.sendId = ++this.#sendIds;
      if (host.events.active) sendStarted(host, call, this.#calls.size);
      if (signal !== undefined) {
        // Settles at once; the loop stops at its next step (its outcome is then dropped).
        onAbort = () => {
          const error = new AbortError(`send of message to ${call.topic}`, signal.reason);
          call.abort(host, error);
          settle({ ok: false, error });
        };
        signal.addEventListener('abort', onAbort, { once: true });
      }
      loop().then(
        (result) => settle({ ok: true, result }),
        (error: unknown) => settle({ ok: false, error: error as Error }),
      );
    });
  }

  /**
   * Waits until no call is in flight or `timeoutMillis` have passed; then abandons what is left.
   * Calls started meanwhile are waited for too (the producer refuses new ones before draining).
   */
  async drain(host: ProducerCore, timeoutMillis: number): Promise<DrainReport> {
    const before = this.#calls.size;
    if (before > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.#whenIdle = resolve;
        timer = setTimeout(resolve, timeoutMillis);
      });
      clearTimeout(timer);
      this.#whenIdle = undefined;
    }
    const left = [...this.#calls];
    for (const [call, settle] of left) settle(call.abandon(host, timeoutMillis));
    return { settled: before - left.length, abandoned: left.length };
  }
}
