/**
 * Reply messages: building one from a received request (Java MessageUtil.createReplyMessage) and
 * decoding the one a broker pushes with PUSH_REPLY_MESSAGE_TO_CLIENT (Java
 * ClientRemotingProcessor.receiveReplyMessage).
 *
 * A request carries CORRELATION_ID, REPLY_TO_CLIENT and TTL (set by the requester) and CLUSTER (set
 * by the broker that stored it). Its reply goes to the topic `<CLUSTER>_REPLY_TOPIC` with MSG_TYPE
 * `reply` and the three requester properties copied, which makes the producer send it with
 * SEND_REPLY_MESSAGE(_V2) and the broker push it to the requester's connection.
 */
import { ClientErrorCode, MQClientError } from '../../common/errors.js';
import { MessageConst, Message, messageExtFromRecord } from '../../protocol/message/index.js';
import type { MessageBody, MessageExt, SocketAddress } from '../../protocol/message/index.js';
import type { ReplyMessageRequestHeader } from '../../protocol/headers/reply.js';

/** Suffix of the per-cluster reply topic (Java MixAll.REPLY_TOPIC_POSTFIX). */
export const REPLY_TOPIC_POSTFIX = 'REPLY_TOPIC';

/** `<cluster>_REPLY_TOPIC` (Java MixAll.getReplyTopic). */
export function replyTopicOf(clusterName: string): string {
  return `${clusterName}_${REPLY_TOPIC_POSTFIX}`;
}

/** Anything with a property map: a pulled MessageExt, a reply, or a Message. */
export interface HasProperties {
  readonly properties: Readonly<Record<string, string>>;
}

/**
 * The reply to a received request message, to send with any producer (`producer.send(reply)`).
 * Throws MQClientError CREATE_REPLY_MESSAGE_EXCEPTION (10007) when the request is missing or has no
 * CLUSTER property (it was not stored by a broker, or is not a request), as Java does.
 */
export function createReplyMessage(
  requestMessage: HasProperties | null | undefined,
  body: MessageBody,
): Message {
  if (requestMessage === null || requestMessage === undefined) {
    throw new MQClientError('create reply message fail, requestMessage cannot be null.', {
      code: ClientErrorCode.CREATE_REPLY_MESSAGE_EXCEPTION,
      retriable: false,
    });
  }
  const props = requestMessage.properties;
  const cluster = props[MessageConst.PROPERTY_CLUSTER];
  if (cluster === undefined) {
    throw new MQClientError(
      `create reply message fail, requestMessage error, property[${MessageConst.PROPERTY_CLUSTER}] is null. (reply to a message read from a broker: the broker sets it when it stores the request)`,
      { code: ClientErrorCode.CREATE_REPLY_MESSAGE_EXCEPTION, retriable: false },
    );
  }
  const reply = new Message(replyTopicOf(cluster), body);
  reply.putProperty(MessageConst.PROPERTY_MESSAGE_TYPE, MessageConst.REPLY_MESSAGE_FLAG);
  // Java copies them even when absent (a null value is never serialized): same result.
  for (const name of [
    MessageConst.PROPERTY_CORRELATION_ID,
    MessageConst.PROPERTY_MESSAGE_REPLY_TO_CLIENT,
    MessageConst.PROPERTY_MESSAGE_TTL,
  ]) {
    const value = props[name];
    if (value !== undefined) reply.putProperty(name, value);
  }
  return reply;
}

/** Client id a request asks its reply to be pushed to (Java MessageUtil.getReplyToClient). */
export function getReplyToClient(message: HasProperties): string | undefined {
  return message.properties[MessageConst.PROPERTY_MESSAGE_REPLY_TO_CLIENT];
}

/** "ip:port" (IPv6 unbracketed or bracketed; split at the last ':'). */
function socketAddress(text: string): SocketAddress {
  const colon = text.lastIndexOf(':');
  const port = Number(text.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new MQClientError(`bad address "${text}" in a pushed reply message`, {
      retriable: false,
      code: ClientErrorCode.BAD_PUSHED_MESSAGE,
    });
  }
  return { ip: text.slice(0, colon).replace(/^\[|\]$/g, ''), port };
}

/**
 * The reply message a broker pushed: topic, queue, born/store hosts and times, flag, properties and
 * reconsume times from the header, the body from the frame (inflated when its sysFlag says
 * compressed), plus ARRIVE_TIME (when this client received it), as Java's MessageExt. It was not
 * read from a queue: queue offset and commit-log offset are 0.
 */
export function replyMessageFromPush(
  header: ReplyMessageRequestHeader,
  body: Buffer,
  receivedAt: number,
): MessageExt {
  const reply = messageExtFromRecord({
    topic: header.topic,
    queueId: header.queueId,
    flag: header.flag,
    queueOffset: 0n,
    physicalOffset: 0n,
    sysFlag: header.sysFlag,
    bornTimestamp: header.bornTimestamp,
    bornHost: socketAddress(header.bornHost),
    storeTimestamp: header.storeTimestamp,
    storeHost: socketAddress(header.storeHost),
    reconsumeTimes: header.reconsumeTimes ?? 0,
    preparedTransactionOffset: 0n,
    body,
    properties: header.properties ?? '',
    bodyCrc: 0,
    storeSize: 0,
  });
  reply.properties[MessageConst.PROPERTY_REPLY_MESSAGE_ARRIVE_TIME] = String(receivedAt);
  return reply;
}
