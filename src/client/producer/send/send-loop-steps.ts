/**
 * The send loop's rare paths and settling steps, apart from the loop (send-loop.ts): the warnings it
 * logs, the errors a call settles with when its budget or its retries run out, and the once-per-call
 * hooks finished with the outcome.
 */
import {
  ClientErrorCode,
  MQBrokerError,
  MQClientError,
  RemotingConnectError,
  RemotingTimeoutError,
  RemotingTooMuchRequestError,
} from '../../../common/errors.js';
import type { MessageQueue } from '../../message-queue.js';
import type { ProducerCore } from '../producer-core.js';
import type { SendResult } from '../send-result.js';
import type { SendCall } from './send-call.js';
import type { SendBudget } from './send-policy.js';

/** Client error code of the final "Send [N] times" error, from the last attempt's error. */
export function finalErrorCode(err: unknown): number {
  if (err instanceof MQBrokerError) return err.code;
  if (err instanceof RemotingConnectError) return ClientErrorCode.CONNECT_BROKER_EXCEPTION;
  if (err instanceof RemotingTimeoutError) return ClientErrorCode.ACCESS_BROKER_TIMEOUT;
  if (err instanceof MQClientError) return ClientErrorCode.BROKER_NOT_EXIST_EXCEPTION;
  return -1;
}

/** An error as text for a message. */
export function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function lastErrorSuffix(err: unknown): string {
  return err === undefined ? '' : `, last error: ${describe(err)}`;
}

/** After every wait: the producer's drain may have settled the call meanwhile (send-call.ts). */
export function stopIfAbandoned(call: SendCall): void {
  if (call.abandoned !== undefined) throw call.abandoned;
}

/** Hooks that run once per call (async) finish with whatever the call settles with. */
export function settleHooks(
  host: ProducerCore,
  call: SendCall,
  result: SendResult | undefined,
  error?: unknown,
): void {
  call.finishHooks(host, call.first?.hookContext, result, error);
  call.first = undefined;
}

/** Logs an async retry on another broker. */
export function warnRetry(
  host: ProducerCore,
  index: number,
  topic: string,
  from: MessageQueue,
  to: MessageQueue,
  lastError: unknown,
): void {
  const err = String(lastError);
  host.logger.warn(
    { retry: index, topic, from: from.brokerName, to: to.brokerName, err },
    'async send failed, retrying',
  );
}

/** Logs a failed attempt. */
export function warnAttemptFailed(
  host: ProducerCore,
  index: number,
  topic: string,
  mq: MessageQueue,
  rt: number,
  lastError: unknown,
): void {
  const err = describe(lastError);
  host.logger.warn({ attempt: index + 1, broker: mq.brokerName, rt, topic, err }, 'send attempt failed');
}

/** The budget ran out before attempt `index`: the error the call settles with (hooks told). */
export function budgetOverrun(
  host: ProducerCore,
  call: SendCall,
  budget: SendBudget,
  index: number,
  lastError: unknown,
): Error {
  const error = new RemotingTooMuchRequestError(
    `sendDefaultImpl call timeout: ${budget.elapsed()}ms of the ${budget.timeoutMillis}ms budget used after ${index} attempt(s)` +
      lastErrorSuffix(lastError),
    { cause: lastError },
  );
  settleHooks(host, call, undefined, error);
  return error;
}

/** Retries used up: the "Send [N] times" error the call settles with (hooks told). */
export function gaveUp(
  host: ProducerCore,
  call: SendCall,
  budget: SendBudget,
  index: number,
  topic: string,
  brokersSent: string[],
  lastError: unknown,
): Error {
  const error = new MQClientError(
    `Send [${index + 1}] times, still failed, cost [${budget.elapsed()}]ms, Topic: ${topic}, ` +
      `BrokersSent: [${brokersSent.join(', ')}]` +
      lastErrorSuffix(lastError),
    { code: finalErrorCode(lastError), cause: lastError },
  );
  settleHooks(host, call, undefined, error);
  return error;
}
