/**
 * One executor shared by the handlers of several request codes, as Java registers a processor on a
 * fixed thread pool with a bounded queue: at most `threads` requests run at once, up to
 * `queueCapacity` more wait in arrival order, and a request beyond that is refused SYSTEM_BUSY
 * "[OVERLOAD]system busy, start flow control for a while" (Java's answer to a
 * RejectedExecutionException). Used where a handler holds its request for long (the broker's reply
 * pushes wait up to 10 s for the requester), so those cannot take the general limit's every slot.
 */
import { IllegalArgumentError, RequestRefusedError } from '../common/errors.js';
import { ResponseCode } from '../protocol/codes/response-code.js';
import { OVERLOAD_REMARK } from './dispatcher.js';
import type { HandlerTable, RequestHandler } from './handler-table.js';
import type { RemotingCommand } from '../protocol/command/remoting-command.js';

/** The pool's refusal of a request beyond its queue (Java's RejectedExecutionException answer). */
class PoolOverloadError extends RequestRefusedError {
  constructor() {
    super(ResponseCode.SYSTEM_BUSY, OVERLOAD_REMARK);
  }
}

export interface HandlerPoolOptions {
  /** Requests running at once (Java's pool size). */
  threads: number;
  /** Requests waiting for a free thread (Java's queue capacity). */
  queueCapacity: number;
}

export function pooledHandlers(table: HandlerTable, options: HandlerPoolOptions): HandlerTable {
  const { threads, queueCapacity } = options;
  if (!Number.isInteger(threads) || threads < 1) {
    throw new IllegalArgumentError(`handler pool threads must be an integer >= 1, got ${threads}`);
  }
  if (!Number.isInteger(queueCapacity) || queueCapacity < 1) {
    throw new IllegalArgumentError(
      `handler pool queueCapacity must be an integer >= 1, got ${queueCapacity}`,
    );
  }
  let running = 0;
  const waiting: (() => void)[] = [];
  /** Resolves once a thread is free; undefined when one is free now. */
  const acquire = (): Promise<void> | undefined => {
    if (running < threads) {
      running++;
      return undefined;
    }
    if (waiting.length >= queueCapacity) throw new PoolOverloadError();
    return new Promise((resolve) => waiting.push(resolve));
  };
  /** The finished request's thread goes to the oldest waiting one, if any. */
  const release = (): void => {
    const next = waiting.shift();
    if (next === undefined) running--;
    else next();
  };
  const pooled = (handler: RequestHandler): RequestHandler => {
    const run: RequestHandler = async (request, context) => {
      const wait = acquire();
      if (wait !== undefined) await wait;
      try {
        return await handler(request, context);
      } finally {
        release();
      }
    };
    const fields = handler.refusalExtFields;
    if (fields === undefined) return run;
    // The handler's refusals keep its fields; the pool's own (it never ran the handler) have none.
    return Object.assign(run, {
      refusalExtFields: (request: RemotingCommand, refusal: RequestRefusedError) =>
        refusal instanceof PoolOverloadError ? undefined : fields(request, refusal),
    });
  };
  return new Map([...table].map(([code, handler]) => [code, pooled(handler)]));
}
