/**
 * Pieces of the send path shared by SEND_MESSAGE(_V2), SEND_BATCH_MESSAGE and CONSUMER_SEND_MSG_BACK:
 * the pre-checks Java runs in AbstractSendMessageProcessor.msgCheck, the stored property string, the
 * store-status → response mapping and the response extField order.
 */
import { ResponseCode } from '../../protocol/codes/response-code.js';
import { Perm, SerializeType } from '../../protocol/codes/misc.js';
import { createResponse } from '../../protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../protocol/command/remoting-command.js';
import { javaHashMapOrder } from '../../protocol/java/hash-map.js';
import { NAME_VALUE_SEPARATOR, PROPERTY_SEPARATOR } from '../../protocol/message/properties.js';
import {
  RETRY_GROUP_TOPIC_PREFIX,
  isNotAllowedSendTopic,
  isTopicOrGroupIllegal,
} from '../../protocol/message/validators.js';
import { MessageConst } from '../../protocol/message/constants.js';
import { tagsCode } from '../../protocol/message/tags-code.js';
import type { MessageRecord, SocketAddress } from '../../protocol/message/record.js';
import type { PutMessageInput, PutMessageStatus } from '../store/index.js';
import type { BrokerContext } from './broker-context.js';
import type { TopicConfig } from '../../protocol/body/topic-config.js';
import { TopicSysFlag } from '../../protocol/body/topic-config.js';
import { FAQ_SUGGEST } from '../faq.js';
import { topicConfigToString } from './topic-config.js';

export const TOPIC_MAX_LENGTH = 127;

/** A response being built: extFields start with MSG_REGION and TRACE_ON, as Java's preSend adds them. */
export function newSendResponse(ctx: BrokerContext): RemotingCommand {
  return createResponse(ResponseCode.SYSTEM_ERROR, {
    extFields: {
      [MessageConst.PROPERTY_MSG_REGION]: ctx.options.regionId,
      [MessageConst.PROPERTY_TRACE_SWITCH]: String(ctx.options.traceOn),
    },
  });
}

export function fail(response: RemotingCommand, code: number, remark: string): RemotingCommand {
  response.code = code;
  response.remark = remark;
  return response;
}

/** Java TopicValidator.validateTopic (4.9.8 codes): undefined when fine, else [code, remark]. */
export function validateTopic(topic: string): [number, string] | undefined {
  if (topic.trim().length === 0) return [ResponseCode.SYSTEM_ERROR, 'The specified topic is blank.'];
  if (isTopicOrGroupIllegal(topic)) {
    return [
      ResponseCode.SYSTEM_ERROR,
      'The specified topic contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$',
    ];
  }
  if (topic.length > TOPIC_MAX_LENGTH) {
    return [ResponseCode.SYSTEM_ERROR, 'The specified topic is longer than topic max length.'];
  }
  return undefined;
}

export interface SendCheckInput {
  topic: string;
  defaultTopic: string;
  defaultTopicQueueNums: number;
  queueId: number;
  unitMode: boolean;
}

/**
 * Java msgCheck: broker write permission for order topics, topic name, not-allowed topics, topic
 * existence (auto-creating from the default topic, or `%RETRY%` topics with one queue) and the queue
 * id. Returns the topic config, or undefined after filling `response` with the failure.
 */
export function checkSend(
  ctx: BrokerContext,
  req: SendCheckInput,
  remoteAddress: string,
  response: RemotingCommand,
): TopicConfig | undefined {
  const { topic } = req;
  if ((ctx.options.brokerPermission & Perm.WRITE) === 0 && ctx.topics.isOrderTopic(topic)) {
    fail(
      response,
      ResponseCode.NO_PERMISSION,
      `the broker[${ctx.storeHost().ip}] sending message is forbidden`,
    );
    return undefined;
  }
  const invalid = validateTopic(topic);
  if (invalid) {
    fail(response, invalid[0], invalid[1]);
    return undefined;
  }
  if (isNotAllowedSendTopic(topic)) {
    fail(response, ResponseCode.NO_PERMISSION, `Sending message to topic[${topic}] is forbidden.`);
    return undefined;
  }
  let config = ctx.topics.select(topic);
  if (!config) {
    const isRetry = topic.startsWith(RETRY_GROUP_TOPIC_PREFIX);
    const sysFlag = req.unitMode ? (isRetry ? TopicSysFlag.UNIT_SUB : TopicSysFlag.UNIT) : 0;
    ctx.logger.warn({ topic, producer: remoteAddress }, 'the topic does not exist');
    config = ctx.topics.createInSendMessage(topic, req.defaultTopic, req.defaultTopicQueueNums, sysFlag);
    if (!config && isRetry) {
      config = ctx.topics.createInSendMessageBack(topic, 1, Perm.READ | Perm.WRITE, sysFlag);
    }
    if (!config) {
      fail(
        response,
        ResponseCode.TOPIC_NOT_EXIST,
        `topic[${topic}] not exist, apply first please!${FAQ_SUGGEST}`,
      );
      return undefined;
    }
  }
  if (req.queueId >= Math.max(config.writeQueueNums, config.readQueueNums)) {
    fail(
      response,
      ResponseCode.SYSTEM_ERROR,
      `request queueId[${req.queueId}] is illegal, ${topicConfigToString(config)} Producer: ${remoteAddress}`,
    );
    return undefined;
  }
  return config;
}

/** Java `ThreadLocalRandom.nextInt(99999999) % n`. */
export function randomQueueId(queueNums: number): number {
  return queueNums > 0 ? Math.floor(Math.random() * 99999999) % queueNums : 0;
}

/**
 * Serializes a property map the way a 4.9.8 broker does (messageProperties2String over a HashMap):
 * Java HashMap iteration order, no trailing separator.
 */
export function propertiesToStoredString(props: Readonly<Record<string, string>>): string {
  const keys = javaHashMapOrder(Object.keys(props));
  const parts: string[] = [];
  for (const k of keys) {
    const v = props[k];
    if (v !== undefined) parts.push(k + NAME_VALUE_SEPARATOR + v);
  }
  return parts.join(PROPERTY_SEPARATOR);
}

/**
 * A stored message put again under another topic and queue with edited properties (delayed delivery,
 * consumer send-back): body, flags, timestamps and hosts kept; no flush wait; tags code from `props`.
 */
export function reputInput(
  record: MessageRecord,
  topic: string,
  queueId: number,
  props: Readonly<Record<string, string>>,
  reconsumeTimes: number,
): PutMessageInput {
  return {
    topic,
    queueId,
    flag: record.flag,
    body: record.body,
    properties: propertiesToStoredString(props),
    sysFlag: record.sysFlag,
    bornTimestamp: record.bornTimestamp,
    bornHost: record.bornHost,
    storeHost: record.storeHost,
    reconsumeTimes,
    preparedTransactionOffset: 0n,
    waitStoreMsgOK: false,
    tagsCode: tagsCode(props[MessageConst.PROPERTY_TAGS]),
  };
}

/** "ip:port" → SocketAddress (IPv6 may come bracketed or bare). */
export function parseSocketAddress(addr: string): SocketAddress {
  const colon = addr.lastIndexOf(':');
  const ip = addr.slice(0, colon).replace(/^\[|\]$/g, '');
  return { ip, port: Number(addr.slice(colon + 1)) };
}

/** Java's send answer for each store status: [code, remark, sendOK]. */
export function mapPutStatus(
  ctx: BrokerContext,
  status: PutMessageStatus,
): [number, string | undefined, boolean] {
  switch (status) {
    case 'PUT_OK':
      return [ResponseCode.SUCCESS, undefined, true];
    case 'FLUSH_DISK_TIMEOUT':
      return [ResponseCode.FLUSH_DISK_TIMEOUT, undefined, true];
    case 'FLUSH_SLAVE_TIMEOUT':
      return [ResponseCode.FLUSH_SLAVE_TIMEOUT, undefined, true];
    case 'SLAVE_NOT_AVAILABLE':
      return [ResponseCode.SLAVE_NOT_AVAILABLE, undefined, true];
    case 'CREATE_MAPPED_FILE_FAILED':
      return [ResponseCode.SYSTEM_ERROR, 'create mapped file failed, server is busy or broken.', false];
    case 'MESSAGE_ILLEGAL':
    case 'PROPERTIES_SIZE_EXCEEDED':
      return [
        ResponseCode.MESSAGE_ILLEGAL,
        `the message is illegal, maybe msg body or properties length not matched. msg body length limit ${ctx.options.maxMessageSize}B, msg properties length limit 32KB.`,
        false,
      ];
    case 'SERVICE_NOT_AVAILABLE':
      return [
        ResponseCode.SERVICE_NOT_AVAILABLE,
        "service not available now. It may be caused by one of the following reasons: the broker's disk is full [CL:  0.00 CQ:  0.00 INDEX:  0.00], messages are put to the slave, message store has been shut down, etc.",
        false,
      ];
    case 'OS_PAGECACHE_BUSY':
      return [
        ResponseCode.SYSTEM_ERROR,
        '[PC_SYNCHRONIZED]broker busy, start flow control for a while',
        false,
      ];
    case 'UNKNOWN_ERROR':
      return [ResponseCode.SYSTEM_ERROR, 'UNKNOWN_ERROR', false];
    default:
      return [ResponseCode.SYSTEM_ERROR, 'UNKNOWN_ERROR DEFAULT', false];
  }
}

/**
 * Fills a successful send response. Key order copies Java's: the JSON form iterates the extFields
 * HashMap (queueId, TRACE_ON, MSG_REGION, msgId, queueOffset); the ROCKETMQ form writes the header
 * fields first (a FastCodesHeader), then the extras map in HashMap order (TRACE_ON, MSG_REGION).
 */
export function fillSendSuccess(
  response: RemotingCommand,
  request: RemotingCommand,
  fields: { msgId: string; queueId: number; queueOffset: bigint },
): void {
  const extras = response.extFields ?? {};
  const values: Record<string, string> = {
    msgId: fields.msgId,
    queueId: String(fields.queueId),
    queueOffset: fields.queueOffset.toString(),
    ...extras,
  };
  const order =
    request.serializeType === SerializeType.ROCKETMQ
      ? ['msgId', 'queueId', 'queueOffset', ...javaHashMapOrder(Object.keys(extras))]
      : javaHashMapOrder(Object.keys(values));
  const out: Record<string, string> = {};
  for (const k of order) out[k] = values[k] as string;
  response.extFields = out;
  delete response.remark;
}
