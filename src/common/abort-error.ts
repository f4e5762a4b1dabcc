/**
 * The error of a call whose AbortSignal aborted: sends, requests, pulls. Its `name` is 'AbortError',
 * as the platform's own abort errors, so code that already tells aborts apart by name keeps working;
 * `cause` is the signal's reason. Never retriable: the caller asked to stop.
 */
import { ClientErrorCode, IllegalArgumentError, RocketMQError } from './errors.js';

export class AbortError extends RocketMQError {
  constructor(what: string, reason: unknown) {
    super(`${what} aborted${describeReason(reason)}`, {
      code: ClientErrorCode.ABORTED,
      retriable: false,
      cause: reason,
    });
    this.name = 'AbortError';
  }
}

function describeReason(reason: unknown): string {
  if (reason === undefined) return '';
  if (reason instanceof Error) return reason.name === 'AbortError' ? '' : `: ${reason.message}`;
  return `: ${String(reason)}`;
}

/** Throws the AbortError of `what` when the signal has aborted already (before any I/O). */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new AbortError(what, signal.reason);
}

/** A signal option must be an AbortSignal: anything else is refused with a clear message. */
export function checkSignal(signal: unknown, where: string): AbortSignal | undefined {
  if (signal === undefined || signal instanceof AbortSignal) return signal;
  throw new IllegalArgumentError(`${where}: signal must be an AbortSignal, got ${typeof signal}`);
}
