/**
 * The send loop (Java sendDefaultImpl, reference §10.2). One time budget covers the route lookup and
 * every attempt: each attempt may use what is left (5.x: capped by sendMsgMaxTimeoutPerRequest while
 * more attempts remain). Sync sends make 1 + retryTimesWhenSendFailed attempts, each moving away from
 * the broker of the previous one; async and oneway make one (async retries happen in send-async.ts).
 */
import {
  ClientErrorCode,
  MQBrokerError,
  MQClientError,
  ProtocolError,
  RemotingConnectError,
  RemotingError,
  RemotingTimeoutError,
  RemotingTooMuchRequestError,
} from '../../common/errors.js';
import { ResponseCode } from '../../protocol/codes/index.js';
import type { MessageQueue } from '../message-queue.js';
import { dispatchAsync } from './send-async.js';
import { dispatchOneway, dispatchSync, prepareSend } from './send-kernel.js';
import type { KernelHost, PreparedSend, SendCall } from './send-kernel.js';
import { SendStatus } from './send-result.js';
import type { SendResult } from './send-result.js';
import type { TopicPublishInfo } from './topic-publish-info.js';

/**
 * Broker answers worth another attempt on another broker: the 5.x retryResponseCodes (4.9.8's set plus
 * SYSTEM_BUSY, which a 5.x broker answers under flow control, and GO_AWAY, answered by a shutting-down
 * 5.3.2+ server).
 */
export const RETRY_RESPONSE_CODES: ReadonlySet<number> = new Set([
  ResponseCode.TOPIC_NOT_EXIST,
  ResponseCode.SERVICE_NOT_AVAILABLE,
  ResponseCode.SYSTEM_ERROR,
  ResponseCode.SYSTEM_BUSY,
  ResponseCode.NO_PERMISSION,
  ResponseCode.NO_BUYER_ID,
  ResponseCode.NOT_IN_CURRENT_UNIT,
  ResponseCode.GO_AWAY,
]);

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

/** Finds the publish info or explains why there is none. */
async function findRoute(host: KernelHost, wireTopic: string): Promise<TopicPublishInfo> {
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

/**
 * Runs one send call. Resolves with the SendResult (sync, async) or undefined (oneway); rejects with
 * the attempt's error for non-retriable failures, RemotingTooMuchRequestError when the budget ran out
 * before an attempt, else MQClientError "Send [N] times, still failed, ...".
 */
export async function sendDefaultImpl(
  host: KernelHost,
  call: SendCall,
  wireTopic: string,
  timeoutMillis: number,
): Promise<SendResult | undefined> {
  const begin = host.clock.now();
  const info = await findRoute(host, wireTopic);
  const { config } = host;
  const timesTotal = call.mode === 'SYNC' ? 1 + config.retryTimesWhenSendFailed : 1;
  const brokersSent: (string | undefined)[] = new Array<string | undefined>(timesTotal).fill(undefined);
  let mq: MessageQueue | undefined;
  let exception: unknown;
  let result: SendResult | undefined;
  let callTimeout = false;
  let times = 0;
  for (; times < timesTotal; times++) {
    mq = host.selectOneMessageQueue(info, mq?.brokerName);
    brokersSent[times] = mq.brokerName;
    const attemptBegin = host.clock.now();
    const cost = attemptBegin - begin;
    if (timeoutMillis < cost) {
      callTimeout = true;
      break;
    }
    let attemptTimeout = timeoutMillis - cost;
    if (config.sendMsgMaxTimeoutPerRequest >= 0 && times < timesTotal - 1) {
      attemptTimeout = Math.min(attemptTimeout, config.sendMsgMaxTimeoutPerRequest);
    }
    let prepared: PreparedSend;
    try {
      prepared = await prepareSend(host, call, mq, attemptTimeout);
      if (call.mode === 'ONEWAY') {
        await dispatchOneway(host, prepared);
        host.updateFaultItem(mq.brokerName, host.clock.now() - attemptBegin, false);
        return undefined;
      }
      if (call.mode === 'SYNC') {
        result = await dispatchSync(host, prepared);
        host.updateFaultItem(mq.brokerName, host.clock.now() - attemptBegin, false);
        if (result.sendStatus !== SendStatus.SEND_OK && config.retryAnotherBrokerWhenNotStoreOK) continue;
        return result;
      }
    } catch (err) {
      const elapsed = host.clock.now() - attemptBegin;
      host.updateFaultItem(mq.brokerName, elapsed, true);
      exception = err;
      host.logger.warn(
        { attempt: times + 1, broker: mq.brokerName, rt: elapsed, topic: wireTopic, err: describe(err) },
        'send attempt failed',
      );
      if (err instanceof RemotingConnectError) {
        await host.refreshRouteAfterConnectFailure(wireTopic, timeoutMillis - (host.clock.now() - begin));
      }
      if (err instanceof RemotingError || err instanceof MQClientError || err instanceof ProtocolError)
        continue;
      if (err instanceof MQBrokerError && RETRY_RESPONSE_CODES.has(err.code)) continue;
      if (err instanceof MQBrokerError && result !== undefined) return result;
      throw err;
    }
    // ASYNC: the request is ready; its own retries happen on the completion path.
    return dispatchAsync(host, prepared, mq, info);
  }
  if (result !== undefined) return result;
  const cost = host.clock.now() - begin;
  if (callTimeout) {
    throw new RemotingTooMuchRequestError(
      `sendDefaultImpl call timeout: ${cost}ms of the ${timeoutMillis}ms budget used after ${times} attempt(s)` +
        (exception === undefined ? '' : `, last error: ${describe(exception)}`),
      { cause: exception },
    );
  }
  const sent = brokersSent.map((b) => b ?? 'null').join(', ');
  throw new MQClientError(
    `Send [${times}] times, still failed, cost [${cost}]ms, Topic: ${wireTopic}, BrokersSent: [${sent}]` +
      (exception === undefined ? '' : `, last error: ${describe(exception)}`),
    { code: finalErrorCode(exception), cause: exception },
  );
}
