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
import { prepareSend, retargetSend } from './send-prepare.js';
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

async function attemptOnce(
  host: ProducerCore,
  call: SendCall,
  mq: MessageQueue,
  timeoutMillis: number,
  preparesOnce: boolean,
): Promise<AttemptOutcome> {
  const reaim = preparesOnce && call.first !== undefined;
  let prepared: PreparedSend;
  try {
    prepared =
      reaim && call.first !== undefined
        ? retargetSend(host, call.first, mq, timeoutMillis)
        : await prepareSend(host, call, mq, timeoutMillis);
  } catch (error) {
    // A re-aimed request without a broker address fails like a send to it would: retriable.
    return { ok: false, error, stage: reaim ? 'dispatch' : 'prepare', answered: false };
  }
  if (preparesOnce) call.first ??= prepared;
  const afterHooks = (result: SendResult | undefined, error?: unknown): void => {
    if (!preparesOnce) call.finishHooks(host, prepared.hookContext, result, error);
  };
  const { addr, request, timeoutMillis: timeout } = prepared;
  // Checked in the same turn as the hand-over: once abandoned by the drain, nothing more leaves.
  if (call.abandoned !== undefined) {
    afterHooks(undefined, call.abandoned);
    return { ok: false, error: call.abandoned, stage: 'dispatch', answered: false };
  }
  call.handingOver(request, addr);
  let answer: RemotingCommand | undefined;
  try {
    if (call.mode === 'ONEWAY') await host.api.sendOneway(addr, request, timeout);
    else if (call.mode === 'SYNC') answer = await host.api.sendSync(addr, request, timeout);
    else answer = await host.api.sendAsync(addr, request, timeout);
    call.answered(request);
  } catch (error) {
    afterHooks(undefined, error);
    return { ok: false, error, stage: 'dispatch', answered: false };
  }
  let result: SendResult | undefined;
  if (answer !== undefined) {
    try {
      result = processSendResponse(answer, prepared.response);
    } catch (error) {
      afterHooks(undefined, error);
      return { ok: false, error, stage: 'dispatch', answered: true };
    }
  }
  afterHooks(result);
  return { ok: true, result };
}
