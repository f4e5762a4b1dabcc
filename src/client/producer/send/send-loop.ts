/**
 * The send loop (Java sendDefaultImpl + the async retries of onExceptionImpl, reference §10.2), one
 * for every mode: find the topic's route, then attempt queue after queue — each moving away from the
 * broker of the previous one — until the mode's policy (send-policy.ts) settles the call. One time
 * budget covers the route lookup and every attempt; only a budget already overrun stops the loop
 * before an attempt (with exactly 0 ms left the transport gets 0 and reports the timeout itself, as
 * Java). Every attempt updates the broker's fault item; a connect failure re-reads the route within
 * what is left of the budget (the broker may have moved). After every wait the loop stops if the
 * producer's drain abandoned the call meanwhile (send-call.ts): the drain has settled it already.
 */
import {
  ClientErrorCode,
  MQBrokerError,
  MQClientError,
  RemotingConnectError,
  RemotingError,
  RemotingTimeoutError,
  RemotingTooMuchRequestError,
} from '../../../common/errors.js';
import type { MessageQueue } from '../../message-queue.js';
import type { TopicPublishInfo } from '../../route/topic-publish-info.js';
import type { ProducerCore } from '../producer-core.js';
import { attemptSend } from './send-attempt.js';
import type { SendCall } from './send-call.js';
import { SendBudget, sendPolicyFor } from './send-policy.js';
import type { SendResult } from '../send-result.js';

/** Client error code of the final "Send [N] times" error, from the last attempt's error. */
export function finalErrorCode(err: unknown): number {
  if (err instanceof MQBrokerError) return err.code;
  if (err instanceof RemotingConnectError) return ClientErrorCode.CONNECT_BROKER_EXCEPTION;
  if (err instanceof RemotingTimeoutError) return ClientErrorCode.ACCESS_BROKER_TIMEOUT;
  if (err instanceof MQClientError) return ClientErrorCode.BROKER_NOT_EXIST_EXCEPTION;
  return -1;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function lastErrorSuffix(err: unknown): string {
  return err === undefined ? '' : `, last error: ${describe(err)}`;
}

/** Finds the publish info or explains why there is none. */
export async function findRoute(host: ProducerCore, wireTopic: string): Promise<TopicPublishInfo> {
  let info: TopicPublishInfo | undefined;
  try {
    info = await host.tryToFindTopicPublishInfo(wireTopic);
  } catch (err) {
    if (err instanceof MQClientError && err.code === ClientErrorCode.NO_NAME_SERVER_EXCEPTION) throw err;
    const servers = host.instance.api.nameServerAddressList.join(';');
    throw new MQClientError(
      `Failed to get the route of topic ${wireTopic} from the name server [${servers}]: ${describe(err)}`,
      {
        code: err instanceof RemotingError ? err.code : ClientErrorCode.NOT_FOUND_TOPIC_EXCEPTION,
        cause: err,
      },
    );
  }
  if (info === undefined || !info.ok()) {
    if (host.instance.api.nameServerAddressList.length === 0) {
      throw new MQClientError('No name server address, please set it. (pass the nameServer option)', {
        code: ClientErrorCode.NO_NAME_SERVER_EXCEPTION,
      });
    }
    throw new MQClientError(
      `No route info of this topic: ${wireTopic} (create the topic, or enable autoCreateTopicEnable on a broker)`,
      { code: ClientErrorCode.NOT_FOUND_TOPIC_EXCEPTION },
    );
  }
  return info;
}

/** After every wait: the producer's drain may have settled the call meanwhile (send-call.ts). */
function stopIfAbandoned(call: SendCall): void {
  if (call.abandoned !== undefined) throw call.abandoned;
}

/** Hooks that run once per call (async) finish with whatever the call settles with. */
function settleHooks(host: ProducerCore, call: SendCall, result: SendResult | undefined, error?: unknown): void {
  call.finishHooks(host, call.first?.hookContext, result, error);
  call.first = undefined;
}

// The rare paths below are functions of their own: runSend stays suspended while its attempt waits
// for an answer, and every local it has is kept per send in flight.

function warnRetry(
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

function warnAttemptFailed(
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
function budgetOverrun(
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
function gaveUp(
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

/**
 * Runs one send call. Resolves with the SendResult (sync, async) or undefined (oneway); rejects with
 * the attempt's error for failures the mode does not retry (async: also once its retries are used
 * up), RemotingTooMuchRequestError when the budget ran out before an attempt, else MQClientError
 * "Send [N] times, still failed, ...".
 */
export async function runSend(
  host: ProducerCore,
  call: SendCall,
  wireTopic: string,
  timeoutMillis: number,
): Promise<SendResult | undefined> {
  const budget = new SendBudget(host.clock, timeoutMillis);
  // A usable route already known is taken as it is (no await: nothing to wait for).
  const known = host.publishInfos.get(wireTopic);
  const info = known !== undefined && known.ok() ? known : await findRoute(host, wireTopic);
  stopIfAbandoned(call);
  const policy = sendPolicyFor(call.mode, host.config);
  const brokersSent: string[] = [];
  let mq: MessageQueue | undefined;
  let lastError: unknown;
  for (let index = 0; ; index++) {
    const previous = mq;
    mq = host.selectOneMessageQueue(info, previous?.brokerName);
    brokersSent.push(mq.brokerName);
    if (previous !== undefined && policy.preparesOnce) {
      warnRetry(host, index, wireTopic, previous, mq, lastError);
    }
    const remaining = budget.remaining();
    if (remaining < 0) {
      if (call.stored !== undefined) return call.stored;
      throw budgetOverrun(host, call, budget, index, lastError);
    }
    const attemptBegin = host.clock.now();
    const outcome = await attemptSend(
      host,
      call,
      mq,
      policy.attemptTimeout(index, remaining),
      policy.preparesOnce,
    );
    stopIfAbandoned(call);
    const elapsed = host.clock.now() - attemptBegin;
    host.updateFaultItem(mq.brokerName, elapsed, !outcome.ok);
    if (outcome.ok) {
      call.stored = outcome.result;
    } else {
      lastError = outcome.error;
      if (!policy.preparesOnce || outcome.stage === 'prepare') {
        warnAttemptFailed(host, index, wireTopic, mq, elapsed, lastError);
      }
      if (lastError instanceof RemotingConnectError) {
        await host.refreshRouteAfterConnectFailure(wireTopic, budget.remaining());
        stopIfAbandoned(call);
      }
    }
    const decision = policy.decide(outcome, {
      attempts: index + 1,
      remaining: budget.remaining(),
      hasEarlierResult: !outcome.ok && call.stored !== undefined,
    });
    switch (decision) {
      case 'retry':
        continue;
      case 'settle': {
        const result = outcome.ok ? outcome.result : undefined;
        settleHooks(host, call, result);
        return result;
      }
      case 'settle-earlier':
        return call.stored;
      case 'fail':
        settleHooks(host, call, undefined, lastError);
        throw lastError;
      case 'give-up': {
        if (call.stored !== undefined) return call.stored;
        throw gaveUp(host, call, budget, index, wireTopic, brokersSent, lastError);
      }
    }
  }
}
