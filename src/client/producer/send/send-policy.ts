/**
 * The retry policies of the send loop, one per communication mode, pure: given what an attempt came
 * to and where the call stands (attempts made, budget left), what happens next. The loop
 * (send-loop.ts) measures time and runs attempts; retriability is read from the error itself
 * (`RocketMQError.retriable`, set by the error classes and the response-code table).
 *
 *                 attempts                      budget                          after a failure
 *   SYNC    1 + retryTimesWhenSendFailed   each attempt gets what is left,  retriable: next queue on
 *                                          capped by sendMsgMaxTimeoutPer-  another broker; else the
 *                                          Request while more remain; 0 ms  error as is; retries used
 *                                          left still makes an attempt      up: "Send [N] times"
 *   ASYNC   1 + retryTimesWhenSendAsync-   what is left; a retry needs      transport failures only
 *           Failed                         more than 0 ms                   (a broker's answer is
 *                                                                           final), the error as is
 *   ONEWAY  1                              what is left                     as SYNC
 *
 * A sync attempt that stores the message without SEND_OK is retried only with
 * retryAnotherBrokerWhenNotStoreOK (its result is kept). Async prepares the request and runs the
 * hooks once per call; a failure before its request was built is final, as for a one-attempt sync
 * send (Java runs the async send as one attempt of its sync loop and retries in the callback).
 */
import { MQBrokerError, RocketMQError } from '../../../common/errors.js';
import type { Clock } from '../../clock.js';
import type { CommunicationMode } from '../hooks.js';
import type { ProducerConfig } from '../producer-options.js';
import { SendStatus } from '../send-result.js';
import type { SendResult } from '../send-result.js';

/** What one attempt came to. */
export type AttemptOutcome =
  | { readonly ok: true; readonly result: SendResult | undefined }
  | {
      readonly ok: false;
      readonly error: unknown;
      /** `prepare`: failed before its request was built (address, hooks, budget); `dispatch`: after. */
      readonly stage: 'prepare' | 'dispatch';
      /** The broker answered (an error code, or an answer that could not be read). */
      readonly answered: boolean;
    };

/** Where a send call stands when its policy decides. */
export interface LoopState {
  /** Attempts made, the one decided on included. */
  readonly attempts: number;
  /** ms left of the call's budget now (negative once overrun). */
  readonly remaining: number;
  /** An earlier attempt stored the message without SEND_OK (and was retried). */
  readonly hasEarlierResult: boolean;
}

/**
 * `retry`: another attempt; `settle`: resolve with this attempt's result; `settle-earlier`: with the
 * earlier attempt's result; `give-up`: retries used up, the loop's "Send [N] times" error (or the
 * earlier result); `fail`: reject with this attempt's error as it is.
 */
export type Decision = 'retry' | 'settle' | 'settle-earlier' | 'give-up' | 'fail';

export interface SendPolicy {
  readonly mode: CommunicationMode;
  readonly maxAttempts: number;
  /** The request is prepared (and the hooks run) once per call; retries re-aim it at their queue. */
  readonly preparesOnce: boolean;
  /** Time attempt `index` (0-based) may use when `remaining` ms of the budget are left (>= 0). */
  attemptTimeout(index: number, remaining: number): number;
  decide(outcome: AttemptOutcome, state: LoopState): Decision;
}

/** The one retriability test of the send loop. */
export function isRetriable(error: unknown): boolean {
  return error instanceof RocketMQError && error.retriable;
}

/** One time budget for a whole send call: the route lookup and every attempt. */
export class SendBudget {
  readonly begin: number;

  constructor(
    private readonly clock: Clock,
    readonly timeoutMillis: number,
  ) {
    this.begin = clock.now();
  }

  elapsed(): number {
    return this.clock.now() - this.begin;
  }

  /** What is left; negative once overrun. */
  remaining(): number {
    return this.timeoutMillis - this.elapsed();
  }

  /** What is left at `now` (a reading of the same clock the caller just took). */
  remainingAt(now: number): number {
    return this.timeoutMillis - (now - this.begin);
  }
}

export interface SyncPolicyOptions {
  mode?: 'SYNC' | 'ONEWAY';
  maxAttempts: number;
  /** Cap of every attempt but the last, ms; negative: none. */
  perAttemptCap: number;
  retryNotStoredOK: boolean;
}

export function syncPolicy(options: SyncPolicyOptions): SendPolicy {
  const { maxAttempts, perAttemptCap, retryNotStoredOK } = options;
  return {
    mode: options.mode ?? 'SYNC',
    maxAttempts,
    preparesOnce: false,
    attemptTimeout: (index, remaining) =>
      perAttemptCap >= 0 && index < maxAttempts - 1 ? Math.min(remaining, perAttemptCap) : remaining,
    decide(outcome, state) {
      const more = state.attempts < maxAttempts;
      if (outcome.ok) {
        const stored = outcome.result === undefined || outcome.result.sendStatus === SendStatus.SEND_OK;
        return !stored && retryNotStoredOK && more ? 'retry' : 'settle';
      }
      if (isRetriable(outcome.error)) return more ? 'retry' : 'give-up';
      if (outcome.error instanceof MQBrokerError && state.hasEarlierResult) return 'settle-earlier';
      return 'fail';
    },
  };
}

export function asyncPolicy(options: { maxAttempts: number }): SendPolicy {
  const { maxAttempts } = options;
  return {
    mode: 'ASYNC',
    maxAttempts,
    preparesOnce: true,
    attemptTimeout: (_index, remaining) => remaining,
    decide(outcome, state) {
      if (outcome.ok) return 'settle';
      const retriable = isRetriable(outcome.error);
      if (outcome.stage === 'prepare') return retriable ? 'give-up' : 'fail';
      const more = state.attempts < maxAttempts && state.remaining > 0;
      return !outcome.answered && retriable && more ? 'retry' : 'fail';
    },
  };
}

/** Policies are pure and a producer's config is read-only: one policy per config and mode, made once. */
const policies = new WeakMap<ProducerConfig, Partial<Record<CommunicationMode, SendPolicy>>>();

export function sendPolicyFor(mode: CommunicationMode, config: ProducerConfig): SendPolicy {
  let byMode = policies.get(config);
  if (byMode === undefined) policies.set(config, (byMode = {}));
  return (byMode[mode] ??= makePolicy(mode, config));
}

function makePolicy(mode: CommunicationMode, config: ProducerConfig): SendPolicy {
  switch (mode) {
    case 'SYNC':
      return syncPolicy({
        maxAttempts: 1 + config.retryTimesWhenSendFailed,
        perAttemptCap: config.sendMsgMaxTimeoutPerRequest,
        retryNotStoredOK: config.retryAnotherBrokerWhenNotStoreOK,
      });
    case 'ASYNC':
      return asyncPolicy({ maxAttempts: 1 + config.retryTimesWhenSendAsyncFailed });
    case 'ONEWAY':
      return syncPolicy({ mode: 'ONEWAY', maxAttempts: 1, perAttemptCap: -1, retryNotStoredOK: false });
  }
}
