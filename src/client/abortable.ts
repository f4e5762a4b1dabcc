/**
 * AbortSignal support for the client's calls (requests, pulls; sends use their tracker, see
 * producer/send/in-flight-sends.ts). `untilAborted` settles a call at the abort with AbortError
 * whatever its inner promise is doing, and runs the clean-up that keeps nothing behind; without a
 * signal it returns the promise itself (nothing allocated).
 */
import { AbortError } from '../common/abort-error.js';
import type { RemotingCommand } from '../protocol/command/remoting-command.js';
import type { InstanceCore } from './instance-core.js';

export function untilAborted<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  what: string,
  cleanUp?: (error: AbortError) => void,
): Promise<T> {
  if (signal === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    const abort = (): void => {
      const error = new AbortError(what, signal.reason);
      cleanUp?.(error);
      reject(error);
    };
    if (signal.aborted) {
      promise.catch(() => undefined);
      abort();
      return;
    }
    signal.addEventListener('abort', abort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(error as Error);
      },
    );
  });
}

/**
 * A request through the instance's transport that `signal` can abort: at the abort the request is
 * withdrawn (it never leaves if it has not yet) and its response-table entry removed.
 */
export function abortableRequest<T>(
  instance: InstanceCore,
  signal: AbortSignal | undefined,
  what: string,
  addr: string,
  request: RemotingCommand,
  invoke: () => Promise<T>,
): Promise<T> {
  if (signal === undefined) return invoke();
  if (signal.aborted) return Promise.reject(new AbortError(what, signal.reason));
  return untilAborted(invoke(), signal, what, (error) => {
    instance.withdrawRequest(request);
    instance.remoting.cancelRequest?.(addr, request, error);
  });
}
