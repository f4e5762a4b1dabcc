/**
 * One invokeAsync call of the client, as an object rather than a set of closures (the async path is
 * the hot path: one of these per request). It holds the async permit from acquisition until the
 * outcome is delivered, runs the RPC hooks, and calls the user's callback exactly once.
 */
import { RemotingTimeoutError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { RemotingCommand } from '../protocol/command/remoting-command.js';
import type { Connection } from './connection.js';
import type { Settler } from './in-flight.js';
import type { Permits } from './permits.js';
import { monotonicNow } from './sweeper.js';
import type { RPCHook } from './types.js';

/** Callback form of invokeAsync: called once, with the error or with the response. */
export type InvokeCallback = (err: Error | null, response?: RemotingCommand) => void;

export interface AsyncCallContext {
  readonly asyncPermits: Permits;
  readonly hooks: readonly RPCHook[];
  readonly logger: Logger;
}

export class AsyncCall implements Settler {
  readonly begin = monotonicNow();
  private holdsPermit = false;
  private done = false;

  constructor(
    private readonly context: AsyncCallContext,
    readonly addr: string,
    readonly request: RemotingCommand,
    readonly timeoutMillis: number,
    /** Undefined for the promise form: `resolve` / `reject` are set instead. */
    private readonly callback: InvokeCallback | undefined,
  ) {}

  /** The promise form's (invokeAsync without a callback): no closure of ours per request. */
  resolve: ((response: RemotingCommand) => void) | undefined = undefined;
  reject: ((error: Error) => void) | undefined = undefined;

  /** Takes a permit if one is free right now (no waiting). */
  tryAcquire(): boolean {
    this.holdsPermit = this.context.asyncPermits.tryAcquire();
    return this.holdsPermit;
  }

  /** Waits for a permit for what is left of the timeout; false when none came. */
  async acquire(): Promise<boolean> {
    this.holdsPermit = await this.context.asyncPermits.acquire(this.remainingMillis());
    return this.holdsPermit;
  }

  remainingMillis(): number {
    return this.timeoutMillis - (monotonicNow() - this.begin);
  }

  /**
   * Sends over `connection` (a permit is held); the outcome arrives in `settle`. `atOnce`: called in
   * the turn the call was made, with no wait since (a connection and a permit were ready): the whole
   * timeout is left, counted from `begin`, with no second clock read (one send per message adds up).
   */
  send(connection: Connection, atOnce = false): void {
    const remaining = atOnce ? this.timeoutMillis : this.remainingMillis();
    if (remaining <= 0) {
      this.settle(
        new RemotingTimeoutError(this.addr, this.timeoutMillis, { detail: 'no time left before sending' }),
      );
      return;
    }
    try {
      for (const hook of this.context.hooks) hook.beforeRequest?.(this.addr, this.request);
    } catch (error) {
      this.settle(error as Error);
      return;
    }
    connection.request(
      this.request,
      remaining,
      false,
      this,
      this.timeoutMillis,
      atOnce ? this.begin : undefined,
    );
  }

  settle(error: Error | undefined, response?: RemotingCommand): void {
    if (this.done) return;
    this.done = true;
    if (this.holdsPermit) {
      this.holdsPermit = false;
      this.context.asyncPermits.release();
    }
    if (!error) {
      try {
        for (const hook of this.context.hooks) hook.afterResponse?.(this.addr, this.request, response);
      } catch (hookError) {
        error = hookError as Error;
      }
    }
    if (this.callback === undefined) {
      if (error) this.reject!(error);
      else this.resolve!(response!);
      return;
    }
    try {
      if (error) this.callback(error);
      else this.callback(null, response);
    } catch (callbackError) {
      this.context.logger.error({ error: (callbackError as Error)?.message }, 'invokeAsync callback threw');
    }
  }
}
