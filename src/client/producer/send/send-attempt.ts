/**
 * One send attempt to one queue, reporting what it came to instead of throwing: prepare the request
 * (or re-aim the call's first one), send it the call's way (sync, async, oneway) and read the answer.
 * With per-attempt preparation (sync, oneway) the after hooks run here, with the attempt's outcome;
 * otherwise the send loop runs them once, when the call settles. The call records each request it
 * hands to the transport until an answer (oneway: the write) settles it, so the producer's drain can
 * tell a send that never left from one whose outcome is unknown (send-call.ts). Each attempt is
 * counted and reported to the send events (send-events.ts).
 *
 * The outcome goes to a sink, not through a promise: an async attempt takes the transport's callback
 * form, so an answer reaches the send loop in the turn that read it, with no promise nor microtask
 * between (a chain of them per send was a large part of a producer's CPU per message). A transport
 * failure is passed on a microtask later instead: the transport reports it from inside its own state
 * change (a failed write is reported before its connection is closed, an abort before the caller's
 * abort handling ends), and a retry or an after hook run right there would see that state half done
 * (a retry went out on the connection being closed). A failure found before the hand-over may reach
 * the sink before `attemptSend` returns.
 */
import type { RemotingCommand } from '../../../protocol/command/remoting-command.js';
import type { MessageQueue } from '../../message-queue.js';
import { processSendResponse } from '../producer-api.js';
import type { ProducerCore } from '../producer-core.js';
import type { SendCall } from './send-call.js';
import { attemptFailed, attemptStarting } from './send-events.js';
import { prepareSend } from './send-prepare.js';
import { retargetSend } from './send-retarget.js';
import type { PreparedSend } from './send-prepare.js';
import type { AttemptOutcome } from './send-policy.js';
import type { SendResult } from '../send-result.js';

/** Receives the outcome of one attempt, exactly once; never throws (it may run on a microtask). */
export interface AttemptSink {
  attempted(outcome: AttemptOutcome): void;
}

export function attemptSend(
  host: ProducerCore,
  call: SendCall,
  mq: MessageQueue,
  timeoutMillis: number,
  preparesOnce: boolean,
  sink: AttemptSink,
): void {
  attemptStarting(host, call, mq);
  // Only when somebody listens to send.retry: the failure is noted before the sink sees it.
  const to: AttemptSink = call.attemptBegan === undefined ? sink : new NotingFailures(host, call, sink);
  attemptOnce(host, call, mq, timeoutMillis, preparesOnce, to);
}

/** attemptSend as a promise of its outcome (the sends to a fixed queue await it). */
export function attemptSendAsPromise(
  host: ProducerCore,
  call: SendCall,
  mq: MessageQueue,
  timeoutMillis: number,
  preparesOnce: boolean,
): Promise<AttemptOutcome> {
  return new Promise((resolve) =>
    attemptSend(host, call, mq, timeoutMillis, preparesOnce, { attempted: resolve }),
  );
}

class NotingFailures implements AttemptSink {
  constructor(
    private readonly host: ProducerCore,
    private readonly call: SendCall,
    private readonly sink: AttemptSink,
  ) {}

  attempted(outcome: AttemptOutcome): void {
    if (!outcome.ok) attemptFailed(this.host, this.call, outcome.error);
    this.sink.attempted(outcome);
  }
}

/** With per-attempt preparation (sync, oneway), the attempt's after hooks run with its outcome. */
function afterHooks(
  host: ProducerCore,
  call: SendCall,
  prepared: PreparedSend,
  preparesOnce: boolean,
  result: SendResult | undefined,
  error?: unknown,
): void {
  if (!preparesOnce) call.finishHooks(host, prepared.hookContext, result, error);
}

function attemptOnce(
  host: ProducerCore,
  call: SendCall,
  mq: MessageQueue,
  timeoutMillis: number,
  preparesOnce: boolean,
  sink: AttemptSink,
): void {
  const reaim = preparesOnce && call.first !== undefined;
  let preparing: PreparedSend | Promise<PreparedSend>;
  try {
    preparing =
      reaim && call.first !== undefined
        ? retargetSend(host, call.first, mq, timeoutMillis)
        : prepareSend(host, call, mq, timeoutMillis);
  } catch (error) {
    return sink.attempted(notPrepared(error, reaim));
  }
  if (!(preparing instanceof Promise)) return dispatch(host, call, preparing, preparesOnce, sink);
  const once = new OnceSink(sink);
  preparing
    .then(
      (prepared) => dispatch(host, call, prepared, preparesOnce, once),
      (error: unknown) => once.attempted(notPrepared(error, reaim)),
    )
    .catch(once.threw);
}

/**
 * A sink told at most once, for the steps run from a promise's callbacks: a throw there (a defect of
 * this code, nothing a peer or a hook can cause: hooks are caught) becomes the attempt's outcome when
 * none was reported yet, instead of an unhandled rejection that stops the process or a send that
 * never settles.
 */
class OnceSink implements AttemptSink {
  private done = false;

  constructor(private readonly sink: AttemptSink) {}

  attempted(outcome: AttemptOutcome): void {
    if (this.done) return;
    this.done = true;
    this.sink.attempted(outcome);
  }

  readonly threw = (error: unknown): void =>
    this.attempted({ ok: false, error, stage: 'dispatch', answered: false });
}

/** A re-aimed request without a broker address fails like a send to it would: retriable. */
function notPrepared(error: unknown, reaim: boolean): AttemptOutcome {
  return { ok: false, error, stage: reaim ? 'dispatch' : 'prepare', answered: false };
}

/** Hands the prepared request to the transport the call's way; the sink gets what it came to. */
function dispatch(
  host: ProducerCore,
  call: SendCall,
  prepared: PreparedSend,
  preparesOnce: boolean,
  sink: AttemptSink,
): void {
  if (preparesOnce) call.first ??= prepared;
  const { addr, request, timeoutMillis: timeout } = prepared;
  // Checked in the same turn as the hand-over: once abandoned by the drain, nothing more leaves.
  if (call.abandoned !== undefined) {
    afterHooks(host, call, prepared, preparesOnce, undefined, call.abandoned);
    return sink.attempted({ ok: false, error: call.abandoned, stage: 'dispatch', answered: false });
  }
  call.handingOver(request, addr);
  if (call.mode === 'ASYNC') {
    // The transport's callback form (its callback never throws into the transport: see `settled`).
    const attempt = new DispatchedAttempt(host, call, prepared, preparesOnce, sink);
    try {
      host.api.sendAsyncThen(addr, request, timeout, attempt.settled);
    } catch (error) {
      attempt.settled(error as Error);
    }
    return;
  }
  let sending: Promise<RemotingCommand | void>;
  try {
    sending =
      call.mode === 'ONEWAY'
        ? host.api.sendOneway(addr, request, timeout)
        : host.api.sendSync(addr, request, timeout);
  } catch (error) {
    sending = Promise.reject(error as Error);
  }
  const once = new OnceSink(sink);
  sending
    .then(
      (answer) => once.attempted(answered(host, call, prepared, preparesOnce, answer ?? undefined)),
      (error: unknown) => once.attempted(failed(host, call, prepared, preparesOnce, error)),
    )
    .catch(once.threw);
}

/** An async attempt handed to the transport: its callback, settling the attempt once. */
class DispatchedAttempt {
  private done = false;

  constructor(
    private readonly host: ProducerCore,
    private readonly call: SendCall,
    private readonly prepared: PreparedSend,
    private readonly preparesOnce: boolean,
    private readonly sink: AttemptSink,
  ) {}

  readonly settled = (error: Error | null, response?: RemotingCommand): void => {
    if (this.done) return;
    this.done = true;
    const { host, call, prepared, preparesOnce } = this;
    // A throw while working out the outcome (a defect: see OnceSink) is the outcome: the transport
    // would only log it, and the send would never settle.
    if (!error) {
      let outcome: AttemptOutcome;
      try {
        outcome = answered(host, call, prepared, preparesOnce, response);
      } catch (thrown) {
        outcome = { ok: false, error: thrown, stage: 'dispatch', answered: true };
      }
      return this.sink.attempted(outcome);
    }
    // Out of the transport's state change first (see the file header).
    queueMicrotask(() => {
      let outcome: AttemptOutcome;
      try {
        outcome = failed(host, call, prepared, preparesOnce, error);
      } catch (thrown) {
        outcome = { ok: false, error: thrown, stage: 'dispatch', answered: false };
      }
      this.sink.attempted(outcome);
    });
  };
}

/** The transport failed the request (never answered, or not written). */
function failed(
  host: ProducerCore,
  call: SendCall,
  prepared: PreparedSend,
  preparesOnce: boolean,
  error: unknown,
): AttemptOutcome {
  afterHooks(host, call, prepared, preparesOnce, undefined, error);
  return { ok: false, error, stage: 'dispatch', answered: false };
}

/** The transport delivered (an answer, or for oneway the write): the attempt's outcome. */
function answered(
  host: ProducerCore,
  call: SendCall,
  prepared: PreparedSend,
  preparesOnce: boolean,
  answer: RemotingCommand | undefined,
): AttemptOutcome {
  call.answered(prepared.request);
  let result: SendResult | undefined;
  if (answer !== undefined) {
    try {
      result = processSendResponse(answer, prepared.response);
    } catch (error) {
      afterHooks(host, call, prepared, preparesOnce, undefined, error);
      return { ok: false, error, stage: 'dispatch', answered: true };
    }
  }
  afterHooks(host, call, prepared, preparesOnce, result);
  return { ok: true, result };
}
