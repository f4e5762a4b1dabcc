/** Small pieces shared by connections, client and server: event emission, settlers, call-site stacks. */
import {
  HeaderLimitError,
  RemotingSendRequestError,
  RemotingTimeoutError,
  RemotingTooMuchRequestError,
} from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { SerializeTypeCode } from '../protocol/codes/misc.js';
import { createResponse } from '../protocol/command/remoting-command.js';
import type { RemotingCommand } from '../protocol/command/remoting-command.js';
import { encodeFrame, encodeFrameHead, SEPARATE_BODY_BYTES } from '../protocol/frame/frame-codec.js';
import type { InFlightRequest, Settler } from './in-flight.js';
import type { ChannelEventListener, RemotingChannel } from './types.js';
import { monotonicNow } from './sweeper.js';
import type { Expirable, Sweeper } from './sweeper.js';
import type { WriteListener } from './write-batch.js';

/** Calls one listener method, keeping a throwing listener from breaking the transport. */
export function emitChannelEvent(
  owner: { readonly listeners: readonly ChannelEventListener[]; readonly logger: Logger },
  emit: (listener: ChannelEventListener) => void,
): void {
  for (const listener of owner.listeners) {
    try {
      emit(listener);
    } catch (error) {
      owner.logger.error({ error: (error as Error)?.message }, 'channel event listener threw');
    }
  }
}

/**
 * A request of `channel` timed out (its caller was told already): listeners hear of it, and a sync
 * request's timeout closes the connection when closeSocketIfTimeout (Java's default).
 */
export function requestTimedOut(
  owner: Parameters<typeof emitChannelEvent>[0] & { readonly closeSocketIfTimeout: boolean },
  channel: RemotingChannel,
  entry: InFlightRequest,
): void {
  emitChannelEvent(owner, (l) =>
    l.onRequestTimeout?.(channel, entry.request?.code ?? 0, entry.callerTimeoutMillis),
  );
  if (entry.prompt && owner.closeSocketIfTimeout) channel.close('request timed out (closeSocketIfTimeout)');
}

/** Gives an error the stack of the code awaiting it (called in an async function after `await`). */
export function atCallSite<E>(error: E): E {
  if (error instanceof Error) Error.captureStackTrace(error);
  return error;
}

/** The error for a request that got no async / oneway permit (none free, or none within the timeout). */
export function noPermitError(remoteAddress: string, timeoutMillis: number, kind: 'async' | 'oneway'): Error {
  return timeoutMillis <= 0
    ? new RemotingTooMuchRequestError(
        `${kind} invoke to ${remoteAddress}: no permit available (timeout <= 0)`,
      )
    : new RemotingTimeoutError(remoteAddress, timeoutMillis, {
        detail: `no ${kind} permit within the timeout (too many requests in flight)`,
      });
}

/**
 * The least time a oneway write is given, whatever its call's permit wait left: a shorter deadline
 * could pass before a healthy peer's write completes (a write is reported a loop turn after it was
 * queued), failing a request that went out.
 */
export const ONEWAY_WRITE_MIN_MILLIS = 100;

/**
 * Schedules the deadline of a oneway write: the call's `timeoutMillis` from its `begin`, or
 * ONEWAY_WRITE_MIN_MILLIS from now when that leaves less. Keyed by those two values, so the sweeper
 * keeps one queue per timeout a caller uses, not one per call.
 */
export function scheduleOnewayDeadline(
  sweeper: Sweeper,
  write: OnewayWrite,
  timeoutMillis: number,
  begin: number,
): void {
  const now = monotonicNow();
  if (begin + timeoutMillis - now >= ONEWAY_WRITE_MIN_MILLIS) sweeper.schedule(write, timeoutMillis, begin);
  else sweeper.schedule(write, ONEWAY_WRITE_MIN_MILLIS, now);
}

/**
 * The answer to a request refused while it was decoded (a header over the caps: its code and reason),
 * when it names an opaque to answer; undefined otherwise.
 */
export function refusalAnswer(error: Error, serializeType: SerializeTypeCode): Buffer | undefined {
  if (!(error instanceof HeaderLimitError) || error.answerOpaque === undefined) return undefined;
  const response = createResponse(error.code, { remark: error.message, opaque: error.answerOpaque });
  return encodeFrame(response, serializeType);
}

/** Settles a promise with a request's outcome. */
export class PromiseSettler implements Settler {
  constructor(
    private readonly resolve: (response: RemotingCommand) => void,
    private readonly reject: (error: Error) => void,
  ) {}

  settle(error: Error | undefined, response?: RemotingCommand): void {
    if (error) this.reject(error);
    else this.resolve(response!);
  }
}

/** Settles a promise when a frame was written (oneway requests, RemotingChannel.send). */
/**
 * A oneway request's write: settled once it reached the kernel, failed, or (through the sweeper) at
 * its deadline while still waiting behind a peer that does not read. Java's oneway returns once the
 * write is queued; ours waits for the write, so the deadline keeps a call within its timeout. A frame
 * whose deadline passed before it was handed to the socket is dropped unsent (FrameWriter skips
 * settled listeners); one already handed over still goes out whole.
 */
export class OnewayWrite implements WriteListener, Expirable {
  settled = false;
  deadline = 0;
  constructor(
    private readonly resolve: () => void,
    private readonly reject: (error: Error) => void,
    private readonly address: string,
    private readonly timeoutMillis: number,
  ) {}

  onWritten(error: Error | undefined): void {
    if (this.settled) return;
    this.settled = true;
    if (error)
      this.reject(new RemotingSendRequestError(this.address, { reason: error.message, cause: error }));
    else this.resolve();
  }

  expire(): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(
      new RemotingTimeoutError(this.address, this.timeoutMillis, {
        detail: 'oneway request not written (the peer does not read)',
      }),
    );
  }
}

/** The body a request's frame leaves out, to be written after its head uncopied (large bodies only). */
export function separateBody(command: RemotingCommand): Buffer | undefined {
  const body = command.body;
  return Buffer.isBuffer(body) && body.length >= SEPARATE_BODY_BYTES ? body : undefined;
}

/** The whole frame, or only its head when `separate` (from separateBody) is written after it. */
export function encodeFrameOrHead(
  command: RemotingCommand,
  serializeType: SerializeTypeCode,
  separate: Buffer | undefined,
): Buffer {
  return separate ? encodeFrameHead(command, serializeType) : encodeFrame(command, serializeType);
}
