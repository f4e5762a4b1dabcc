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

/**
 * Settles a promise when a frame was written (oneway requests, RemotingChannel.send). A oneway
 * request's write also fails, while it waits behind a peer that does not read, once its deadline
 * passed (`writeDeadline`, checked by the connection's periodic sweep: up to a scan interval late, as
 * Java's async request timeouts). Java's oneway returns once the write is queued; ours waits for the
 * write, so the deadline keeps the call within its timeout. An expired frame still queued is dropped
 * unsent (FrameWriter skips settled listeners); one already handed to the socket may still go out. A
 * healthy write costs no timer.
 */
export class OnewayWrite implements WriteListener {
  settled = false;
  constructor(
    private readonly resolve: () => void,
    private readonly reject: (error: Error) => void,
    private readonly address: string,
    /** The call's timeout, for the error message. */
    private readonly timeoutMillis = 0,
    /** Monotonic ms after which a queued write fails; Infinity: never. */
    readonly writeDeadline = Infinity,
  ) {}

  onWritten(error: Error | undefined): void {
    if (this.settled) return;
    this.settled = true;
    if (error)
      this.reject(new RemotingSendRequestError(this.address, { reason: error.message, cause: error }));
    else this.resolve();
  }

  /** The deadline passed while the frame was still queued. */
  writeExpired(): void {
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
