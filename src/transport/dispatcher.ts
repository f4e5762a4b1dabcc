/**
 * Request processing shared by server and client (a client answers requests its server sends, e.g.
 * CHECK_TRANSACTION_STATE). Rules follow Java's processRequestCommand (reference/remoting.md §7.4, 5.x
 * oneway behaviour):
 *
 *   no processor for the code, no default   -> REQUEST_CODE_NOT_SUPPORTED " request type <code> not supported"
 *   processor.rejectRequest() true          -> SYSTEM_BUSY "[REJECTREQUEST]system busy, start flow control for a while"
 *   processor already at maxConcurrency     -> SYSTEM_BUSY "[OVERLOAD]system busy, start flow control for a while"
 *   processor throws RequestRefusedError    -> its code, its message as the remark (a handler's refusal)
 *   hook or processor throws / rejects      -> SYSTEM_ERROR "<ErrorName>: <message>" (connection kept)
 *   oneway request                          -> never answered, whatever happens
 *
 * Handler answers (refusals included) are encoded in the request's serialize type, the dispatcher's
 * own error answers in the endpoint's.
 */
import { RequestRefusedError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { ResponseCode } from '../protocol/codes/response-code.js';
import type { SerializeTypeCode } from '../protocol/codes/misc.js';
import { bodyOrChunks } from '../protocol/command/chunked-body.js';
import { createResponse, isOneway, markResponse } from '../protocol/command/remoting-command.js';
import type { RemotingCommand } from '../protocol/command/remoting-command.js';
import { encodeFrame, encodeFrameHead, SEPARATE_BODY_BYTES } from '../protocol/frame/frame-codec.js';
import { TransportDefaults } from './defaults.js';
import { releaseAnsweredBody } from './landing-buffers.js';
import type { RequestBytesTracker } from './request-bytes-budget.js';
import type { ProcessorOptions, RequestContext, RequestProcessor, RPCHook } from './types.js';

/** Error remarks that cannot be encoded whole are cut to this many characters. */
const MAX_ERROR_REMARK = 4096;

export const REJECT_REQUEST_REMARK = '[REJECTREQUEST]system busy, start flow control for a while';
export const OVERLOAD_REMARK = '[OVERLOAD]system busy, start flow control for a while';

export function notSupportedRemark(code: number): string {
  return ` request type ${code} not supported`;
}

export function errorRemark(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return `Error: ${String(error)}`;
}

/** What the dispatcher needs of a connection. */
export interface DispatchTarget {
  readonly remoteAddress: string;
  readonly context: RequestContext;
  readonly closed: boolean;
  writeFrame(frame: Buffer): void;
  /** Writes a frame head (encodeFrameHead) then its large body uncopied; absent: whole frames only. */
  writeFrameWithBody?(head: Buffer, body: Buffer): void;
  /** Server side: counts the body bytes of its requests in progress (request-bytes-budget.ts). */
  readonly requestBytes?: RequestBytesTracker | undefined;
}

/**
 * Sees every request before the dispatcher does (fault injection in tests: src/server/faults/). Returns
 * true when it took the request over: answered it, dropped it, or will hand it back later through
 * `resume` (a delay). Unset, it costs the dispatch path one undefined check.
 */
export interface RequestInterceptor {
  intercept(
    target: DispatchTarget,
    request: RemotingCommand,
    resume: (target: DispatchTarget, request: RemotingCommand) => void,
  ): boolean;
}

interface Registration {
  readonly processor: RequestProcessor;
  readonly maxConcurrency: number;
  running: number;
}

function isThenable(value: unknown): value is PromiseLike<RemotingCommand | undefined> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}

export class RequestDispatcher {
  private readonly processors = new Map<number, Registration>();
  private defaultProcessor: Registration | undefined;
  private inProgress = 0;
  private idleWaiters: (() => void)[] = [];
  /** See RequestInterceptor; undefined unless faults are injected. */
  interceptor: RequestInterceptor | undefined;
  private readonly resume = (target: DispatchTarget, request: RemotingCommand): void =>
    this.process(target, request);

  constructor(
    private readonly hooks: readonly RPCHook[],
    private readonly serializeType: SerializeTypeCode,
    private readonly logger: Logger,
  ) {}

  register(code: number, processor: RequestProcessor, options: ProcessorOptions = {}): void {
    this.processors.set(code, this.makeRegistration(processor, options));
  }

  registerDefault(processor: RequestProcessor, options: ProcessorOptions = {}): void {
    this.defaultProcessor = this.makeRegistration(processor, options);
  }

  /** Requests being processed right now (all processors). */
  get running(): number {
    return this.inProgress;
  }

  /** Resolves when no request is being processed. */
  whenIdle(): Promise<void> {
    if (this.inProgress === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  dispatch(target: DispatchTarget, request: RemotingCommand): void {
    if (this.interceptor !== undefined && this.interceptor.intercept(target, request, this.resume)) return;
    this.process(target, request);
  }

  private process(target: DispatchTarget, request: RemotingCommand): void {
    const oneway = isOneway(request);
    const registration = this.processors.get(request.code) ?? this.defaultProcessor;
    if (!registration) {
      this.logger.warn({ code: request.code, from: target.remoteAddress }, 'request code not supported');
      if (!oneway)
        this.answerError(
          target,
          request,
          ResponseCode.REQUEST_CODE_NOT_SUPPORTED,
          notSupportedRemark(request.code),
        );
      return;
    }
    let rejected: boolean;
    try {
      rejected = registration.processor.rejectRequest?.() === true;
    } catch (error) {
      if (!oneway) this.answerError(target, request, ResponseCode.SYSTEM_ERROR, errorRemark(error));
      return;
    }
    if (rejected) {
      if (!oneway) this.answerError(target, request, ResponseCode.SYSTEM_BUSY, REJECT_REQUEST_REMARK);
      return;
    }
    if (registration.running >= registration.maxConcurrency) {
      this.logger.warn({ code: request.code, from: target.remoteAddress }, 'processor overloaded');
      if (!oneway) this.answerError(target, request, ResponseCode.SYSTEM_BUSY, OVERLOAD_REMARK);
      return;
    }
    registration.running++;
    this.inProgress++;
    try {
      for (const hook of this.hooks) hook.beforeRequest?.(target.remoteAddress, request);
    } catch (error) {
      // A hook refused (ACL): the processor never ran, so its refusal fields do not apply.
      this.finished(registration);
      this.failed(target, request, error);
      return;
    }
    let result: ReturnType<RequestProcessor['processRequest']>;
    try {
      result = registration.processor.processRequest(target.context, request);
    } catch (error) {
      this.finished(registration);
      this.failed(target, request, error, registration.processor);
      return;
    }
    if (isThenable(result)) {
      // The body stays in memory until the processor settles: counted so a peer pipelining large
      // requests faster than they are processed is made to wait (request-bytes-budget.ts).
      const tracker = target.requestBytes;
      const held =
        tracker === undefined || registration.processor.waitsForPeers === true
          ? 0
          : (bodyOrChunks(request)?.length ?? 0);
      if (held > 0) tracker!.take(held);
      // Promise.resolve tames foreign thenables: a `then` that throws becomes a rejection, and each
      // outcome is delivered once. answer/failed do not throw; the try keeps it that way for good
      // (inside the callbacks: a .catch would cost a third promise per request).
      Promise.resolve(result).then(
        (response) => {
          if (held > 0) tracker!.give(held);
          this.finished(registration);
          try {
            this.answer(target, request, response);
          } catch (error) {
            this.answerFailed(request, error);
          }
          releaseAnsweredBody(request);
        },
        (error: unknown) => {
          if (held > 0) tracker!.give(held);
          this.finished(registration);
          try {
            this.failed(target, request, error, registration.processor);
          } catch (failure) {
            this.answerFailed(request, failure);
          }
          releaseAnsweredBody(request);
        },
      );
    } else {
      this.finished(registration);
      this.answer(target, request, result);
    }
  }

  private makeRegistration(processor: RequestProcessor, options: ProcessorOptions): Registration {
    const max = options.maxConcurrency ?? TransportDefaults.processorMaxConcurrency;
    if (!(max >= 1)) throw new RangeError(`maxConcurrency must be >= 1, got ${max}`);
    return { processor, maxConcurrency: max, running: 0 };
  }

  private answerFailed(request: RemotingCommand, error: unknown): void {
    this.logger.error({ code: request.code, error: errorRemark(error) }, 'answering a request failed');
  }

  private finished(registration: Registration): void {
    registration.running--;
    if (--this.inProgress === 0 && this.idleWaiters.length > 0) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  private answer(
    target: DispatchTarget,
    request: RemotingCommand,
    response: RemotingCommand | undefined,
    refusal = false,
  ): void {
    try {
      for (const hook of this.hooks) hook.afterResponse?.(target.remoteAddress, request, response);
    } catch (error) {
      // A hook failing on a refusal is answered plainly (failed() would route a refusal back here).
      if (refusal) {
        if (!isOneway(request))
          this.answerError(target, request, ResponseCode.SYSTEM_ERROR, errorRemark(error));
      } else {
        this.failed(target, request, error);
      }
      return;
    }
    if (!response || isOneway(request) || target.closed) return;
    let frame: Buffer;
    let body: Buffer | undefined;
    try {
      // A processor may hand back anything (a frozen or shared object, a non-command): whatever
      // fails here is answered SYSTEM_ERROR instead of escaping into the socket's event handler.
      response.opaque = request.opaque;
      markResponse(response);
      const type = request.serializeType ?? this.serializeType;
      body = response.body;
      if (target.writeFrameWithBody && Buffer.isBuffer(body) && body.length >= SEPARATE_BODY_BYTES) {
        frame = encodeFrameHead(response, type);
      } else {
        body = undefined;
        frame = encodeFrame(response, type);
      }
    } catch (error) {
      this.logger.error({ code: request.code, error: errorRemark(error) }, 'response could not be encoded');
      this.answerError(target, request, ResponseCode.SYSTEM_ERROR, errorRemark(error));
      return;
    }
    if (body !== undefined) target.writeFrameWithBody!(frame, body);
    else target.writeFrame(frame);
  }

  private failed(
    target: DispatchTarget,
    request: RemotingCommand,
    error: unknown,
    processor?: RequestProcessor,
  ): void {
    if (error instanceof RequestRefusedError) {
      this.logger.debug(
        { code: request.code, from: target.remoteAddress, response: error.code, remark: error.message },
        'request refused',
      );
      let extFields: Record<string, string> | undefined;
      try {
        extFields = processor?.refusalExtFields?.(request, error);
      } catch (failure) {
        if (!isOneway(request))
          this.answerError(target, request, ResponseCode.SYSTEM_ERROR, errorRemark(failure));
        return;
      }
      // A refusal is the handler's answer (Java's processors return it as their response): hooks see
      // it and it is encoded in the request's serialize type, like any other answer.
      this.answer(target, request, createResponse(error.code, { remark: error.message, extFields }), true);
      return;
    }
    this.logger.warn(
      { code: request.code, from: target.remoteAddress, error: errorRemark(error) },
      'processor failed',
    );
    if (!isOneway(request)) this.answerError(target, request, ResponseCode.SYSTEM_ERROR, errorRemark(error));
  }

  private answerError(target: DispatchTarget, request: RemotingCommand, code: number, remark: string): void {
    if (target.closed) return;
    let frame: Buffer;
    try {
      frame = encodeFrame(createResponse(code, { remark, opaque: request.opaque }), this.serializeType);
    } catch {
      // Only a remark too long for the 24-bit header length gets here (an error with a huge message).
      const short = `${remark.slice(0, MAX_ERROR_REMARK)}...`;
      frame = encodeFrame(
        createResponse(code, { remark: short, opaque: request.opaque }),
        this.serializeType,
      );
    }
    target.writeFrame(frame);
  }
}
