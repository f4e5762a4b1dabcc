/**
 * The async send path (Java sendMessageAsync + onExceptionImpl): the request goes out through the
 * async (permit-bounded) invocation; a transport failure is retried from the completion handler up to
 * retryTimesWhenSendAsyncFailed times, each retry choosing a queue on another broker than the one that
 * failed, with what is left of the time budget. A broker's error answer is not retried. Fault items
 * are updated on every outcome.
 */
import { ClientErrorCode, MQClientError, RemotingConnectError, RemotingError } from '../../common/errors.js';
import type { RemotingCommand } from '../../protocol/command/remoting-command.js';
import { brokerVIPChannel } from '../client-config.js';
import type { MessageQueue } from '../message-queue.js';
import { finishHooks } from './send-kernel.js';
import type { KernelHost, PreparedSend } from './send-kernel.js';
import type { SendResult } from './send-result.js';
import type { TopicPublishInfo } from './topic-publish-info.js';

export async function dispatchAsync(
  host: KernelHost,
  prepared: PreparedSend,
  mq: MessageQueue,
  info: TopicPublishInfo | undefined,
): Promise<SendResult> {
  const api = host.instance.api;
  let brokerName = mq.brokerName;
  let addr: string | undefined = prepared.addr;
  let request = prepared.request;
  let remaining = prepared.timeoutMillis;
  let retries = 0;
  for (;;) {
    const begin = host.clock.now();
    let failure: unknown;
    if (addr === undefined) {
      failure = new MQClientError(`The broker[${brokerName}] not exist (no master address in the route)`, {
        code: ClientErrorCode.BROKER_NOT_EXIST_EXCEPTION,
      });
    } else {
      let response: RemotingCommand | undefined;
      try {
        response = await api.sendMessageAsync(addr, request, remaining);
      } catch (err) {
        if (!(err instanceof RemotingError)) {
          // Not retried (e.g. the transport was shut down); the hooks still see the outcome.
          host.updateFaultItem(brokerName, host.clock.now() - begin, true);
          finishHooks(host, prepared.hookContext, undefined, err);
          throw err;
        }
        failure = err;
        if (err instanceof RemotingConnectError) {
          await host.refreshRouteAfterConnectFailure(mq.topic, remaining - (host.clock.now() - begin));
        }
      }
      if (response !== undefined) {
        // A broker's answer is final: a stored status is the result, an error code is not retried.
        const cost = host.clock.now() - begin;
        let result: SendResult;
        try {
          result = api.processSendResponse(response, { ...prepared.response, brokerName, brokerAddr: addr });
        } catch (err) {
          host.updateFaultItem(brokerName, cost, true);
          finishHooks(host, prepared.hookContext, undefined, err);
          throw err;
        }
        host.updateFaultItem(brokerName, cost, false);
        finishHooks(host, prepared.hookContext, result);
        return result;
      }
    }
    const cost = host.clock.now() - begin;
    host.updateFaultItem(brokerName, cost, true);
    remaining -= cost;
    retries++;
    if (retries > host.config.retryTimesWhenSendAsyncFailed || remaining <= 0) {
      finishHooks(host, prepared.hookContext, undefined, failure);
      throw failure;
    }
    const target = info !== undefined && info.ok() ? host.selectOneMessageQueue(info, brokerName) : mq;
    host.logger.warn(
      { retry: retries, topic: mq.topic, from: brokerName, to: target.brokerName, err: String(failure) },
      'async send failed, retrying',
    );
    brokerName = target.brokerName;
    const master = host.instance.findBrokerAddressInPublish(brokerName);
    addr = master === undefined ? undefined : brokerVIPChannel(host.config.client.vipChannelEnabled, master);
    request = prepared.retarget(target);
  }
}
