/**
 * Backpressure of async sends (Java 5.x enableBackpressureForAsyncMode, DefaultMQProducerImpl
 * executeAsyncMessageSend): an async send first takes one permit of the count semaphore
 * (backPressureForAsyncSendNum, default 10000, at least 10) and then as many permits of the size
 * semaphore as its body has bytes (backPressureForAsyncSendSize, default 100 MiB, at least 1 MiB;
 * a send without a body counts 1 byte), both waiting in arrival order for at most what is left of the
 * send's timeout; it gives them back when it settles. A send that gets no permit in time fails with
 * RemotingTooMuchRequestError "send message tryAcquire semaphoreAsyncNum timeout" (or ...SizeSize),
 * as Java. So a loop of sendAsync calls waits for room instead of growing memory without bound.
 *
 * A body larger than the whole size budget could never get its permits: it waits for the budget to be
 * entirely free instead and then takes all of it (Java's semaphore would let it time out).
 */
import { performance } from 'node:perf_hooks';
import { AbortError } from '../../../common/abort-error.js';
import { IllegalArgumentError, RemotingTooMuchRequestError } from '../../../common/errors.js';

export const BACKPRESSURE_DEFAULTS = {
  enableBackpressureForAsyncMode: false,
  backPressureForAsyncSendNum: 10000,
  backPressureForAsyncSendSize: 100 * 1024 * 1024,
} as const;

/** Java's floors (DefaultMQProducerImpl constructor): smaller settings are raised to these. */
const MIN_NUM = 10;
const MIN_SIZE = 1024 * 1024;

export interface BackpressureOptions {
  /** Make async sends wait for room (count and bytes in flight). Default false (as Java). */
  enableBackpressureForAsyncMode?: boolean;
  /** Async sends in flight at most. Default 10000; values under 10 count as 10 (as Java). */
  backPressureForAsyncSendNum?: number;
  /** Body bytes of async sends in flight at most. Default 100 MiB; under 1 MiB counts as 1 MiB. */
  backPressureForAsyncSendSize?: number;
}

export interface BackpressureConfig {
  readonly enableBackpressureForAsyncMode: boolean;
  readonly backPressureForAsyncSendNum: number;
  readonly backPressureForAsyncSendSize: number;
}

export function resolveBackpressure(options: BackpressureOptions): BackpressureConfig {
  const num = options.backPressureForAsyncSendNum ?? BACKPRESSURE_DEFAULTS.backPressureForAsyncSendNum;
  const size = options.backPressureForAsyncSendSize ?? BACKPRESSURE_DEFAULTS.backPressureForAsyncSendSize;
  for (const [name, value] of [
    ['backPressureForAsyncSendNum', num],
    ['backPressureForAsyncSendSize', size],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new IllegalArgumentError(`option ${name} must be a positive integer, got ${String(value)}`);
    }
  }
  return {
    enableBackpressureForAsyncMode: !!options.enableBackpressureForAsyncMode,
    backPressureForAsyncSendNum: Math.max(num, MIN_NUM),
    backPressureForAsyncSendSize: Math.max(size, MIN_SIZE),
  };
}

interface Waiter {
  readonly bytes: number;
  readonly grant: () => void;
  /** Leaves the line with `error` (the gate closed). */
  readonly refuse: (error: Error) => void;
}

/** Two fair semaphores (count, bytes) for async sends. */
export class AsyncBackpressure {
  #freeNum: number;
  #freeBytes: number;
  readonly #queue: Waiter[] = [];
  /** Set by close(): what every later acquire is refused with. */
  #closed: (() => Error) | undefined;

  constructor(
    readonly maxNum: number,
    readonly maxBytes: number,
  ) {
    this.#freeNum = maxNum;
    this.#freeBytes = maxBytes;
  }

  /** Sends holding permits now. */
  get inFlight(): number {
    return this.maxNum - this.#freeNum;
  }

  /** Body bytes of the sends holding permits now. */
  get bytesInFlight(): number {
    return this.maxBytes - this.#freeBytes;
  }

  /** Sends waiting for permits. */
  get waiting(): number {
    return this.#queue.length;
  }

  /** The permits a body of `bodyLength` bytes takes (Java: 1 for no body; never over the budget). */
  permitsFor(bodyLength: number): number {
    return Math.min(Math.max(bodyLength, 1), this.maxBytes);
  }

  /** Takes the permits at once when nobody waits and there is room; false otherwise. */
  tryAcquire(bytes: number): boolean {
    if (this.#queue.length > 0 || this.#freeNum < 1 || this.#freeBytes < bytes) return false;
    this.#freeNum -= 1;
    this.#freeBytes -= bytes;
    return true;
  }

  /**
   * Waits in line for one count permit and `bytes` size permits, at most `timeoutMillis`; rejects with
   * RemotingTooMuchRequestError when they did not come in time, or with `aborted()` when `signal`
   * aborts first (the send leaves the line at once). Nothing is held after a rejection.
   */
  acquire(
    bytes: number,
    timeoutMillis: number,
    signal?: AbortSignal,
    aborted: () => Error = () => new AbortError('wait for async send permits', signal?.reason),
  ): Promise<void> {
    if (signal?.aborted) return Promise.reject(aborted());
    if (this.#closed !== undefined) return Promise.reject(this.#closed());
    if (this.tryAcquire(bytes)) return Promise.resolve();
    if (timeoutMillis <= 0) return Promise.reject(this.#timeoutError());
    return new Promise<void>((resolve, reject) => {
      const leave = (error: Error): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const index = this.#queue.indexOf(waiter);
        if (index >= 0) this.#queue.splice(index, 1);
        reject(error);
        this.#grantWaiting(); // a large waiter leaving may let smaller ones behind it through
      };
      const onAbort = (): void => leave(aborted());
      const waiter: Waiter = {
        bytes,
        grant: () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        refuse: leave,
      };
      const timer = setTimeout(() => leave(this.#timeoutError()), timeoutMillis);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(waiter);
    });
  }

  /**
   * The producer is shutting down: every send waiting for permits fails now with `error()`, and so
   * does every later wait. (Permits held by sends in flight still come back as they settle.) A
   * waiting send never started, so nothing of it was sent.
   */
  close(error: () => Error): void {
    this.#closed = error;
    for (const waiter of [...this.#queue]) waiter.refuse(error());
  }

  /** `sending`, giving back `permits` once it settled (either way). */
  holding<T>(sending: Promise<T>, permits: number): Promise<T> {
    return sending.then(
      (value) => {
        this.release(permits);
        return value;
      },
      (error: unknown) => {
        this.release(permits);
        throw error;
      },
    );
  }

  /** Gives back what one acquire took. */
  release(bytes: number): void {
    this.#freeNum += 1;
    this.#freeBytes += bytes;
    this.#grantWaiting();
  }

  #grantWaiting(): void {
    if (this.#closed !== undefined) return; // every waiter is being refused
    while (this.#queue.length > 0) {
      const head = this.#queue[0] as Waiter;
      if (this.#freeNum < 1 || this.#freeBytes < head.bytes) return;
      this.#queue.shift();
      this.#freeNum -= 1;
      this.#freeBytes -= head.bytes;
      head.grant();
    }
  }

  #timeoutError(): RemotingTooMuchRequestError {
    const which = this.#freeNum < 1 ? 'semaphoreAsyncNum' : 'semaphoreAsyncSize';
    return new RemotingTooMuchRequestError(
      `send message tryAcquire ${which} timeout (async backpressure: ${this.inFlight} sends / ${this.bytesInFlight} body bytes in flight; ` +
        'raise backPressureForAsyncSendNum/Size or the send timeout, or send more slowly)',
    );
  }
}

/** Permits for `message` taken at once: 0 without a gate; undefined when the send must wait in line. */
export function permitsAtOnce(
  gate: AsyncBackpressure | undefined,
  message: { bodyBytes(): Buffer },
): number | undefined {
  if (gate === undefined) return 0;
  const permits = gate.permitsFor(message.bodyBytes().length);
  return gate.tryAcquire(permits) ? permits : undefined;
}

/** An async send let in: `admitted` settles (never rejects) once it holds its permits or failed. */
export interface Admission<T> {
  readonly admitted: Promise<void>;
  readonly result: Promise<T>;
}

/** Admitted at once (one settled promise serves every such send: it carries nothing). */
const ADMITTED: Promise<void> = Promise.resolve();

/**
 * Starts an async send under `gate` (none: at once): takes the permits for the message's body, sends
 * with what is left of `timeoutMillis`, gives the permits back when the send settled. A message that
 * cannot even be built fails its result and is admitted at once.
 */
export function admitAsync<M extends { bodyBytes(): Buffer; readonly topic: string }, T>(
  gate: AsyncBackpressure | undefined,
  makeMessage: () => M,
  timeoutMillis: number,
  send: (message: M, timeoutLeft: number) => Promise<T>,
  /** The caller's signal: aborting it while the send waits for permits settles it at once. */
  signal?: AbortSignal,
): Admission<T> {
  let message: M;
  let permits = 0;
  try {
    message = makeMessage();
    if (gate !== undefined) permits = gate.permitsFor(message.bodyBytes().length);
  } catch (error) {
    return { admitted: ADMITTED, result: Promise.reject(error as Error) };
  }
  const start = (left: number): Promise<T> => {
    try {
      return send(message, left);
    } catch (error) {
      return Promise.reject(error as Error);
    }
  };
  if (gate === undefined) return { admitted: ADMITTED, result: start(timeoutMillis) };
  if (gate.tryAcquire(permits))
    return { admitted: ADMITTED, result: gate.holding(start(timeoutMillis), permits) };
  const begin = performance.now();
  const waiting = gate.acquire(
    permits,
    timeoutMillis,
    signal,
    () => new AbortError(`send of message to ${message.topic}`, signal?.reason),
  );
  return {
    admitted: waiting.then(
      () => undefined,
      () => undefined,
    ),
    result: waiting.then(() =>
      gate.holding(start(Math.max(0, Math.floor(timeoutMillis - (performance.now() - begin)))), permits),
    ),
  };
}
