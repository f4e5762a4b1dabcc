/**
 * The send loop (Java sendDefaultImpl + the async retries of onExceptionImpl, reference §10.2), one
 * for every mode: find the topic's route, then attempt queue after queue — each moving away from the
 * broker of the previous one — until the mode's policy (send-policy.ts) settles the call. One time
 * budget covers the route lookup and every attempt; only a budget already overrun stops the loop
 * before an attempt (with exactly 0 ms left the transport gets 0 and reports the timeout itself, as
 * Java). Every attempt updates the broker's fault item; a connect failure re-reads the route within
 * what is left of the budget (the broker may have moved). After every wait the loop stops if the
 * producer's drain abandoned the call meanwhile (send-call.ts): the drain has settled it already.
 * Its rare paths (warnings, the errors of an overrun budget or of used-up retries) are in
 * send-loop-steps.ts.
 */
import {
  ClientErrorCode,
  MQClientError,
  RemotingConnectError,
  RemotingError,
} from '../../../common/errors.js';
import type { MessageQueue } from '../../message-queue.js';
import type { TopicPublishInfo } from '../../route/topic-publish-info.js';
import type { ProducerCore } from '../producer-core.js';
import { attemptSend } from './send-attempt.js';
import type { AttemptSink } from './send-attempt.js';
import type { SendCall } from './send-call.js';
import {
  budgetOverrun,
  describe,
  gaveUp,
  settleHooks,
  stopIfAbandoned,
  warnAttemptFailed,
  warnRetry,
} from './send-loop-steps.js';
import { SendBudget, sendPolicyFor } from './send-policy.js';
import type { AttemptOutcome, SendPolicy } from './send-policy.js';
import type { SendResult } from '../send-result.js';

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

/** Where a send call's outcome goes, once (the in-flight tracker: in-flight-sends.ts). */
export interface SendDone {
  succeeded(result: SendResult | undefined): void;
  failed(error: unknown): void;
}

/**
 * Runs one send call. `done` gets the SendResult (sync, async) or undefined (oneway), or the
 * attempt's error for failures the mode does not retry (async: also once its retries are used up),
 * RemotingTooMuchRequestError when the budget ran out before an attempt, else MQClientError
 * "Send [N] times, still failed, ...". It may be told before runSend returns.
 */
export function runSend(
  host: ProducerCore,
  call: SendCall,
  wireTopic: string,
  timeoutMillis: number,
  done: SendDone,
): void {
  new SendLoop(host, call, wireTopic, timeoutMillis, done).start();
}

/**
 * The loop of one call as an object rather than an async function: it waits for every answer, and a
 * suspended function per send in flight (its frame of registers, its await callbacks) costs several
 * times the few fields kept here. It is its attempts' sink, and reports to `done` directly: no promise
 * of its own. Each step runs guarded: what it throws fails the call.
 */
class SendLoop implements AttemptSink {
  readonly budget: SendBudget;
  readonly policy: SendPolicy;
  /**
   * The brokers of the attempts, for the give-up message: an array only once there is a second (a
   * growing array per send allocated a backing store of 17 slots for the one name most sends have).
   */
  firstBroker = '';
  laterBrokers: string[] | undefined = undefined;
  info: TopicPublishInfo | undefined = undefined;
  mq: MessageQueue | undefined = undefined;
  lastError: unknown = undefined;
  /** Index of the attempt under way (0-based). */
  index = 0;
  attemptBegin = 0;

  constructor(
    readonly host: ProducerCore,
    readonly call: SendCall,
    readonly wireTopic: string,
    timeoutMillis: number,
    readonly done: SendDone,
  ) {
    this.budget = new SendBudget(host.clock, timeoutMillis);
    this.policy = sendPolicyFor(call.mode, host.config);
  }

  start(): void {
    // A usable route already known is taken as it is (nothing to wait for).
    const known = this.host.publishInfos.get(this.wireTopic);
    // In the budget's own turn: its start is the time of the first attempt too.
    if (known !== undefined && known.ok()) this.routed(known, this.budget.begin);
    else
      findRoute(this.host, this.wireTopic).then(
        (info) => this.routed(info, this.host.clock.now()),
        (error: unknown) => this.done.failed(error),
      );
  }

  /** The route is known at `now` (a reading of host.clock). */
  private routed(info: TopicPublishInfo, now: number): void {
    try {
      stopIfAbandoned(this.call);
      this.info = info;
      this.attempt(now);
    } catch (error) {
      this.done.failed(error);
    }
  }

  /** AttemptSink: the outcome of the attempt under way. */
  attempted(outcome: AttemptOutcome): void {
    try {
      this.afterAttempt(outcome);
    } catch (error) {
      this.done.failed(error);
    }
  }

  /**
   * Attempt `index`: the next queue, away from the previous attempt's broker. `now` is host.clock's
   * reading just taken by the caller, in this turn (one read per step: a send makes several steps).
   */
  private attempt(now: number): void {
    const { host, call, policy } = this;
    const previous = this.mq;
    const mq = host.selectOneMessageQueue(this.info!, previous?.brokerName);
    this.mq = mq;
    if (this.index === 0) this.firstBroker = mq.brokerName;
    else (this.laterBrokers ??= []).push(mq.brokerName);
    if (previous !== undefined && policy.preparesOnce) {
      warnRetry(host, this.index, this.wireTopic, previous, mq, this.lastError);
    }
    const remaining = this.budget.remainingAt(now);
    if (remaining < 0) {
      if (call.stored !== undefined) return this.done.succeeded(call.stored);
      throw budgetOverrun(host, call, this.budget, this.index, this.lastError);
    }
    this.attemptBegin = now;
    const timeout = policy.attemptTimeout(this.index, remaining);
    attemptSend(host, call, mq, timeout, policy.preparesOnce, this);
  }

  private afterAttempt(outcome: AttemptOutcome): void {
    const { host, call } = this;
    stopIfAbandoned(call);
    const mq = this.mq!;
    const now = host.clock.now();
    const elapsed = now - this.attemptBegin;
    host.updateFaultItem(mq.brokerName, elapsed, !outcome.ok);
    if (outcome.ok) {
      call.stored = outcome.result;
    } else {
      const lastError = (this.lastError = outcome.error);
      if (!this.policy.preparesOnce || outcome.stage === 'prepare') {
        warnAttemptFailed(host, this.index, this.wireTopic, mq, elapsed, lastError);
      }
      if (lastError instanceof RemotingConnectError) {
        host.refreshRouteAfterConnectFailure(this.wireTopic, this.budget.remainingAt(now)).then(() => {
          try {
            stopIfAbandoned(call);
            this.decide(outcome, host.clock.now());
          } catch (error) {
            this.done.failed(error);
          }
        }, this.done.failed.bind(this.done));
        return;
      }
    }
    this.decide(outcome, now);
  }

  /** What comes after `outcome`, at `now` (host.clock's reading, this turn). */
  private decide(outcome: AttemptOutcome, now: number): void {
    const { host, call } = this;
    const decision = this.policy.decide(outcome, {
      attempts: this.index + 1,
      remaining: this.budget.remainingAt(now),
      hasEarlierResult: !outcome.ok && call.stored !== undefined,
    });
    switch (decision) {
      case 'retry':
        this.index++;
        this.attempt(now);
        return;
      case 'settle': {
        const result = outcome.ok ? outcome.result : undefined;
        settleHooks(host, call, result);
        return this.done.succeeded(result);
      }
      case 'settle-earlier':
        return this.done.succeeded(call.stored);
      case 'fail':
        settleHooks(host, call, undefined, this.lastError);
        throw this.lastError;
      case 'give-up': {
        if (call.stored !== undefined) return this.done.succeeded(call.stored);
        const { budget, index, wireTopic, firstBroker, laterBrokers, lastError } = this;
        const brokersSent = [firstBroker, ...(laterBrokers ?? [])];
        throw gaveUp(host, call, budget, index, wireTopic, brokersSent, lastError);
      }
    }
  }
}
