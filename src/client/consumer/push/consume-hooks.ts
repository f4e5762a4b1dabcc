/**
 * What runs around each handler call of a push consumer (Java ConsumeMessageHook, as a chain of
 * interceptors rather than before/after pairs, so that an interceptor can also make the call run
 * inside a context, as OpenTelemetry needs): message trace, events, OpenTelemetry spans. With no
 * interceptor the handler is called directly, at no cost.
 */
import { IllegalArgumentError } from '../../../common/errors.js';
import type { MessageQueue } from '../../message-queue.js';
import type { ConsumeReturnType } from '../../trace/consume-tracer.js';
import type { ConsumedMessage } from './consume-service.js';

/** How one handler call ended. */
export interface ConsumeReport {
  /** The batch was consumed (false: reconsume later, suspended, thrown, timed out, not run). */
  readonly success: boolean;
  /** Java ConsumeReturnType: SUCCESS, TIME_OUT, EXCEPTION, RETURNNULL (bad or no answer), FAILED. */
  readonly returnType: ConsumeReturnType;
  /** What the handler threw, when it threw. */
  readonly error?: unknown;
}

/**
 * Runs `next` (the rest of the chain, then the handler) for a batch of `messages` of `queue`, and
 * returns what `next` returned. It must call `next` exactly once and should not throw.
 */
export type ConsumeInterceptor = (
  messages: readonly ConsumedMessage[],
  queue: MessageQueue,
  next: () => Promise<ConsumeReport>,
) => Promise<ConsumeReport>;

export class ConsumeHooks {
  private interceptors: readonly ConsumeInterceptor[] = [];
  /** Interceptors that can say they have nothing to do (events nobody listens to): skipped then. */
  private readonly idle = new Map<ConsumeInterceptor, () => boolean>();

  /**
   * Adds an interceptor (the first added is the outermost); returns its removal. `isIdle`, when
   * given, is asked before each call: an idle interceptor is left out of that call's chain.
   */
  add(interceptor: ConsumeInterceptor, isIdle?: () => boolean): () => void {
    if (typeof interceptor !== 'function') {
      throw new IllegalArgumentError(`a consume interceptor must be a function, got ${typeof interceptor}`);
    }
    this.interceptors = [...this.interceptors, interceptor];
    if (isIdle !== undefined) this.idle.set(interceptor, isIdle);
    return () => {
      this.interceptors = this.interceptors.filter((i) => i !== interceptor);
      this.idle.delete(interceptor);
    };
  }

  get size(): number {
    return this.interceptors.length;
  }

  /** Calls `call` through the interceptors; `report` says how the call's answer ended. */
  async around<T>(
    messages: readonly ConsumedMessage[],
    queue: MessageQueue,
    call: () => Promise<T>,
    report: (value: T) => ConsumeReport,
  ): Promise<T> {
    let chain = this.interceptors;
    if (this.idle.size !== 0) {
      let busy = chain.length;
      for (const isIdle of this.idle.values()) if (isIdle()) busy--;
      if (busy === 0) return call();
      if (busy !== chain.length) chain = chain.filter((i) => !(this.idle.get(i)?.() ?? false));
    }
    if (chain.length === 0) return call();
    let value: { v: T } | undefined;
    const innermost = async (): Promise<ConsumeReport> => {
      value = { v: await call() };
      return report(value.v);
    };
    const run = chain.reduceRight<() => Promise<ConsumeReport>>(
      (next, interceptor) => () => interceptor(messages, queue, next),
      innermost,
    );
    // An interceptor that threw or failed to call next: call the handler anyway (never lose a delivery).
    await run().catch(() => undefined);
    if (value === undefined) return call();
    return value.v;
  }
}
