/**
 * One send attempt to one queue, returning what it came to instead of throwing: prepare the request
 * (or re-aim the call's first one), send it the call's way (sync, async, oneway) and read the answer.
 * With per-attempt preparation (sync, oneway) the after hooks run here, with the attempt's outcome;
 * otherwise the send loop runs them once, when the call settles. The call records each request it
 * hands to the transport until an answer (oneway: the write) settles it, so the producer's drain can
 * tell a send that never left from one whose outcome is unknown (send-call.ts). Each attempt is
 * counted and reported to the send events (send-events.ts).
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

export function attemptSend(
  host: ProducerCore,
  call: SendCall,
  mq: MessageQueue,
  timeoutMillis: number,
  preparesOnce: boolean,
): Promise<AttemptOutcome> {
  attemptStarting(host, call, mq);
  const pending = attemptOnce(host, call, mq, timeoutMillis, preparesOnce);
  if (call.attemptBegan === undefined) return pending; // nobody listens to send.retry
  return pending.then((outcome) => {
    if (!outcome.ok) attemptFailed(host, call, outcome.error);
    return outcome;
  });
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

/**
 * Not an async function: an async send may wait long for its answer, and a suspended function (its
 * frame, its await closures) per send in flight weighs on the garbage collector far more than the two
 * callbacks of a `then`.
 */
function attemptOnce(
  host: ProducerCore,
  call: SendCall,
  mq: MessageQueue,
  timeoutMillis: number,
  preparesOnce: boolean,
): Promise<AttemptOutcome> {
  const reaim = preparesOnce && call.first !== undefined;
  let preparing: PreparedSend | Promise<PreparedSend>;
  try {
    preparing =
      reaim && call.first !== undefined
        ? retargetSend(host, call.first, mq, timeoutMillis)
        : prepareSend(host, call, mq, timeoutMillis);
  } catch (error) {
    return Promise.resolve(notPrepared(error, reaim));
  }
  if (!(preparing instanceof Promise)) return dispatch(host, call, preparing, preparesOnce);
  return preparing.then(
    (prepared) => dispatch(host, call, prepared, preparesOnce),
    (error: unknown) => notPrepared(error, reaim),
  );
}

/** A re-aimed request without a broker address fails like a send to it would: retriable. */
function notPrepared(error: unknown, reaim: boolean): AttemptOutcome {
  return { ok: false, error, stage: reaim ? 'dispatch' : 'prepare', answered: false };
}

/** Hands the prepared request to the transport the call's way; resolves with what it came to. */
function dispatch(
  host: ProducerCore,
  call: SendCall,
  prepared: PreparedSend,
  preparesOnce: boolean,
): Promise<AttemptOutcome> {
  if (preparesOnce) call.first ??= prepared;
  const { addr, request, timeoutMillis: timeout } = prepared;
  // Checked in the same turn as the hand-over: once abandoned by the drain, nothing more leaves.
  if (call.abandoned !== undefined) {
    afterHooks(host, call, prepared, preparesOnce, undefined, call.abandoned);
    return Promise.resolve({ ok: false, error: call.abandoned, stage: 'dispatch', answered: false });
  }
  call.handingOver(request, addr);
  let sending: Promise<RemotingCommand | void>;
  try {
    if (call.mode === 'ONEWAY') sending = host.api.sendOneway(addr, request, timeout);
    else if (call.mode === 'SYNC') sending = host.api.sendSync(addr, request, timeout);
    else sending = host.api.sendAsync(addr, request, timeout);
  } catch (error) {
    sending = Promise.reject(error as Error);
  }
  return sending.then(
    (answer) => answered(host, call, prepared, preparesOnce, answer ?? undefined),
    (error: unknown) => {
      afterHooks(host, call, prepared, preparesOnce, undefined, error);
      return { ok: false, error, stage: 'dispatch', answered: false };
    },
  );
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
