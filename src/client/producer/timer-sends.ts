/**
 * Timer messages on the producer side: the send-time check, and recall.
 *
 * Recall of a timer message (Java 5.3.2+ DefaultMQProducerImpl.recallMessage): the handle names the
 * broker that holds the message; RECALL_MESSAGE goes to that broker's master (found through the
 * topic's route), or, when the route does not know it, to a broker of the topic (Java's fallback for
 * proxies). Resolves with the recalled message's id; a refusal is an MQBrokerError with the broker's
 * code (ILLEGAL_OPERATION "recall failed, timestamp invalid" once the message was delivered,
 * NO_PERMISSION when the broker has recall disabled).
 */
import { hasAnyProperty } from '../../protocol/message/properties.js';
import { IllegalArgumentError, MQBrokerError, MQClientError } from '../../common/errors.js';
import { RequestCode } from '../../protocol/codes/request-code.js';
import { ResponseCode } from '../../protocol/codes/response-code.js';
import { createRequest } from '../../protocol/command/remoting-command.js';
import { RecallMessageRequestHeader, RecallMessageResponseHeader } from '../../protocol/headers/recall.js';
import {
  checkTimerMessage,
  TIMER_PROPERTIES,
  checkTopic,
  decodeRecallHandle,
  isDLQTopic,
  isRetryTopic,
  wrapNamespace,
} from '../../protocol/message/index.js';
import { ClientErrorCode } from '../../common/errors.js';
import type { Message } from '../../protocol/message/index.js';
import { MessageBatch } from './message-batch.js';
import type { ProducerCore } from './producer-core.js';
import type { ProducerConfig } from './producer-options.js';

const TIMER_PROPERTY_SET: ReadonlySet<string> = new Set(TIMER_PROPERTIES);

/** Refuses a timer message the broker would mishandle (InvalidTimerMessageError); batches are checked elsewhere. */
export function checkTimerSend(message: Message, config: ProducerConfig): void {
  if (message instanceof MessageBatch) return;
  const props = message.properties;
  // Most messages have no timer: no clock read, no allocation for them.
  if (hasAnyProperty(props, TIMER_PROPERTY_SET))
    checkTimerMessage(props, Date.now(), config.timerMaxDelaySec);
}

export async function recallMessage(
  core: ProducerCore,
  topic: string,
  recallHandle: string,
  timeoutMillis: number,
): Promise<string> {
  if (typeof timeoutMillis !== 'number' || !Number.isFinite(timeoutMillis) || timeoutMillis < 0) {
    throw new IllegalArgumentError(
      `recall timeout must be a finite number of ms >= 0, got ${String(timeoutMillis)}`,
    );
  }
  checkTopic(topic);
  if (isRetryTopic(topic) || isDLQTopic(topic)) {
    throw new IllegalArgumentError(
      `topic is not supported: ${topic} (recall works on the message's own topic)`,
    );
  }
  const handle = decodeRecallHandle(recallHandle); // InvalidRecallHandleError
  const wireTopic = wrapNamespace(core.config.client.namespace, topic);
  const info = await core.tryToFindTopicPublishInfo(wireTopic);
  let addr = core.instance.findBrokerAddressInPublish(handle.brokerName);
  for (const mq of info?.messageQueueList ?? []) {
    addr ??= core.instance.findBrokerAddressInPublish(mq.brokerName);
  }
  if (addr === undefined) {
    throw new MQClientError(
      `The broker service address not found: broker ${handle.brokerName} of the recall handle is not in the route of ${wireTopic}`,
      { code: ClientErrorCode.BROKER_NOT_EXIST_EXCEPTION, retriable: false },
    );
  }
  const request = createRequest(RequestCode.RECALL_MESSAGE, {
    extFields: RecallMessageRequestHeader.encode({
      producerGroup: core.wireGroup,
      topic: wireTopic,
      recallHandle,
      bname: handle.brokerName,
    }),
  });
  const response = await core.instance.remoting.invokeSync(addr, request, timeoutMillis);
  if (response.code !== ResponseCode.SUCCESS) {
    throw new MQBrokerError(response.code, response.remark, addr, { retriable: false });
  }
  return RecallMessageResponseHeader.decode(response.extFields).msgId;
}
