/**
 * Pieces of the send path shared by SEND_MESSAGE(_V2), SEND_BATCH_MESSAGE and CONSUMER_SEND_MSG_BACK:
 * the pre-checks Java runs in AbstractSendMessageProcessor.msgCheck, the store-status → response
 * mapping, and the send responses with their extField order.
 *
 * Every send response carries MSG_REGION and TRACE_ON (Java's preSend adds them before any check), so
 * a refusal thrown by a send check carries them too (`withSendHeaders`): the Java producer reads those
 * fields from error responses as well.
 */
import { RequestRefusedError } from '../../../common/errors.js';
import { ResponseCode } from '../../../protocol/codes/response-code.js';
import { Perm, SerializeType } from '../../../protocol/codes/misc.js';
import { createResponse } from '../../../protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../../protocol/command/remoting-command.js';
import { javaHashMapOrder } from '../../../protocol/java/hash-map.js';
import { MessageConst } from '../../../protocol/message/constants.js';
import { RETRY_GROUP_TOPIC_PREFIX, isNotAllowedSendTopic } from '../../../protocol/message/validators.js';
import { TIMER_TOPIC } from '../timer/timer-transform.js';
import type { SocketAddress } from '../../../protocol/message/record.js';
import type { RequestHandler } from '../../../transport/handler-table.js';
import type { RequestContext } from '../../../transport/types.js';
import type { PutMessageStatus } from '../../store/index.js';
import type { BrokerContext } from '../core/broker-context.js';
import type { TopicConfig } from '../../../protocol/body/topic-config.js';
import { TopicSysFlag } from '../../../protocol/body/topic-config.js';
import { FAQ_SUGGEST } from '../../faq.js';
import { refuseInvalid } from '../core/request-checks.js';
import { checkTopicName, topicConfigToString } from '../core/topic-config.js';

/** Queues of a `%DLQ%` topic (Java DLQ_NUMS_PER_GROUP). */
export const DLQ_NUMS_PER_GROUP = 1;

/** The extFields Java's preSend puts on every send response, in its order. */
function preSendFields(ctx: BrokerContext): Record<string, string> {
  return {
    [MessageConst.PROPERTY_MSG_REGION]: ctx.options.regionId,
    [MessageConst.PROPERTY_TRACE_SWITCH]: String(ctx.options.traceOn),
  };
}
const PRE_SEND_KEYS = [MessageConst.PROPERTY_MSG_REGION, MessageConst.PROPERTY_TRACE_SWITCH];

/** A send answer that is not a stored message: its code, its remark and the preSend fields. */
export function sendResponse(ctx: BrokerContext, code: number, remark: string): RemotingCommand {
  return createResponse(code, { remark, extFields: preSendFields(ctx) });
}

/**
 * The send handler whose refusals carry the preSend fields (the dispatcher adds them to the answer of a
 * RequestRefusedError); other errors are answered as any handler's.
 */
export function withSendHeaders(ctx: BrokerContext, handler: RequestHandler): RequestHandler {
  // No promise of its own per send: the dispatcher asks for the fields only when it answers a refusal.
  return Object.assign((request: RemotingCommand, context: RequestContext) => handler(request, context), {
    refusalExtFields: () => preSendFields(ctx),
  });
}

export interface SendCheckInput {
  topic: string;
  defaultTopic: string;
  defaultTopicQueueNums: number;
  queueId: number;
  unitMode: boolean;
}

/**
 * Java msgCheck, without its side effect: broker write permission for order topics, topic name,
 * not-allowed topics, topic existence (planning auto-creation from the default topic, or a `%RETRY%`
 * topic with one queue) and the queue id. Returns the topic config, planned when `isNew`: the caller
 * stores it with `ctx.topics.adopt` once every other check passed. Refuses with RequestRefusedError.
 */
export function checkSend(
  ctx: BrokerContext,
  req: SendCheckInput,
  remoteAddress: string,
): { config: TopicConfig; isNew: boolean } {
  const { topic } = req;
  if ((ctx.options.brokerPermission & Perm.WRITE) === 0 && ctx.topics.isOrderTopic(topic)) {
    throw new RequestRefusedError(
      ResponseCode.NO_PERMISSION,
      `the broker[${ctx.storeHost().ip}] sending message is forbidden`,
    );
  }
  checkTopicName(topic);
  // Ours besides Java's list: a message stored straight into the timer topic keeps the REAL_TOPIC its
  // sender chose, and the timer delivers it there later, past every check of that topic (its
  // permission, the ACL). Only the broker writes the timer topic (Java 5.3.3 lets clients send to it).
  if (isNotAllowedSendTopic(topic) || topic === TIMER_TOPIC) {
    throw new RequestRefusedError(
      ResponseCode.NO_PERMISSION,
      `Sending message to topic[${topic}] is forbidden.`,
    );
  }
  let config = ctx.topics.select(topic);
  const isNew = config === undefined;
  if (!config) {
    const isRetry = topic.startsWith(RETRY_GROUP_TOPIC_PREFIX);
    const sysFlag = req.unitMode ? (isRetry ? TopicSysFlag.UNIT_SUB : TopicSysFlag.UNIT) : 0;
    ctx.logger.warn({ topic, producer: remoteAddress }, 'the topic does not exist');
    config = ctx.topics.planInSendMessage(topic, req.defaultTopic, req.defaultTopicQueueNums, sysFlag);
    if (!config && isRetry) {
      config = ctx.topics.planInSendMessageBack(topic, 1, Perm.READ | Perm.WRITE, sysFlag);
    }
    if (!config) {
      throw new RequestRefusedError(
        ResponseCode.TOPIC_NOT_EXIST,
        `topic[${topic}] not exist, apply first please!${FAQ_SUGGEST}`,
      );
    }
    // Java would create a topic without queues here, then refuse every send to it.
    if (config.writeQueueNums < 1) {
      refuseInvalid(
        `defaultTopicQueueNums ${req.defaultTopicQueueNums} cannot create topic[${topic}]: ` +
          `send with defaultTopicQueueNums of at least 1 (the producer's defaultTopicQueueNums option)`,
      );
    }
  }
  if (req.queueId >= Math.max(config.writeQueueNums, config.readQueueNums)) {
    throw new RequestRefusedError(
      ResponseCode.SYSTEM_ERROR,
      `request queueId[${req.queueId}] is illegal, ${topicConfigToString(config)} Producer: ${remoteAddress}`,
    );
  }
  return { config, isNew };
}

/** Java `ThreadLocalRandom.nextInt(99999999) % n`. */
export function randomQueueId(queueNums: number): number {
  return queueNums > 0 ? Math.floor(Math.random() * 99999999) % queueNums : 0;
}

/**
 * "ip:port" → SocketAddress (IPv6 may come bracketed or bare). The last answer is kept: a connection
 * sends many messages in a row (the result is frozen, as callers share it).
 */
export function parseSocketAddress(addr: string): SocketAddress {
  if (addr === lastParsed.addr) return lastParsed.value;
  const colon = addr.lastIndexOf(':');
  const ip = addr.slice(0, colon).replace(/^\[|\]$/g, '');
  const value = Object.freeze({ ip, port: Number(addr.slice(colon + 1)) });
  lastParsed = { addr, value };
  return value;
}
let lastParsed: { addr: string; value: SocketAddress } = {
  addr: '',
  value: Object.freeze({ ip: '', port: 0 }),
};

type PutStatusAnswer = readonly [code: number, remark: string | undefined, sendOK: boolean];
// The answers of stored messages, shared: one is looked up per message sent.
const PUT_OK: PutStatusAnswer = [ResponseCode.SUCCESS, undefined, true];
const FLUSH_DISK_TIMEOUT: PutStatusAnswer = [ResponseCode.FLUSH_DISK_TIMEOUT, undefined, true];
const FLUSH_SLAVE_TIMEOUT: PutStatusAnswer = [ResponseCode.FLUSH_SLAVE_TIMEOUT, undefined, true];
const SLAVE_NOT_AVAILABLE: PutStatusAnswer = [ResponseCode.SLAVE_NOT_AVAILABLE, undefined, true];

/**
 * Java's diskUtil() in the disk-full remark: the used share of the commit log's, consume queues' and
 * index's file systems as "%5.2f" (one file system here, so three times the same figure).
 */
function diskUtil(ctx: BrokerContext): string {
  const ratio = ctx.store.diskUsedRatio.toFixed(2).padStart(5);
  return `CL: ${ratio} CQ: ${ratio} INDEX: ${ratio}`;
}

/** Java's send answer for each store status: [code, remark, sendOK]. */
export function mapPutStatus(ctx: BrokerContext, status: PutMessageStatus): PutStatusAnswer {
  switch (status) {
    case 'PUT_OK':
      return PUT_OK;
    case 'FLUSH_DISK_TIMEOUT':
      return FLUSH_DISK_TIMEOUT;
    case 'FLUSH_SLAVE_TIMEOUT':
      return FLUSH_SLAVE_TIMEOUT;
    case 'SLAVE_NOT_AVAILABLE':
      return SLAVE_NOT_AVAILABLE;
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
        `service not available now. It may be caused by one of the following reasons: the broker's disk is full [${diskUtil(ctx)}], messages are put to the slave, message store has been shut down, etc.`,
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
 * The answer for a stored message (SUCCESS, or a flush / slave timeout after the message was
 * written). Key order copies Java's: the JSON form iterates the extFields HashMap (queueId, TRACE_ON,
 * MSG_REGION, msgId, queueOffset, then recallHandle and transactionId when present); the ROCKETMQ
 * form writes the header fields first, in their declared order (a FastCodesHeader: msgId, queueId,
 * queueOffset, transactionId, recallHandle), then the extras map in HashMap order (TRACE_ON,
 * MSG_REGION). `transactionId` is the message's UNIQ_KEY, as 5.x answers it (send-answer.ts).
 */
export function sendStoredResponse(
  ctx: BrokerContext,
  request: RemotingCommand,
  code: number,
  fields: {
    msgId: string;
    queueId: number;
    queueOffset: bigint | number;
    recallHandle?: string | undefined;
    transactionId?: string | undefined;
  },
): RemotingCommand {
  const withHandle = fields.recallHandle !== undefined;
  const transactionId = fields.transactionId;
  const rocketmq = request.serializeType === SerializeType.ROCKETMQ;
  const traceOn = String(ctx.options.traceOn);
  if (!rocketmq && !withHandle) {
    // The common answers (JSON, no recall handle) as literals in storedResponseOrder(false, false,
    // ...): the loop below writes every key at one megamorphic site. test/integration/broker-send.test.ts
    // checks these keys, in this order, against Java's answers (captures) and the computed order.
    if (transactionId === undefined) {
      return createResponse(code, {
        extFields: {
          queueId: String(fields.queueId),
          TRACE_ON: traceOn,
          MSG_REGION: ctx.options.regionId,
          msgId: fields.msgId,
          queueOffset: fields.queueOffset.toString(),
        },
      });
    }
    return createResponse(code, {
      extFields: {
        queueId: String(fields.queueId),
        TRACE_ON: traceOn,
        MSG_REGION: ctx.options.regionId,
        msgId: fields.msgId,
        queueOffset: fields.queueOffset.toString(),
        transactionId,
      },
    });
  }
  const values: Record<string, string | undefined> = {
    msgId: fields.msgId,
    queueId: String(fields.queueId),
    queueOffset: fields.queueOffset.toString(),
    transactionId,
    recallHandle: fields.recallHandle,
    [MessageConst.PROPERTY_MSG_REGION]: ctx.options.regionId,
    [MessageConst.PROPERTY_TRACE_SWITCH]: traceOn,
  };
  const out: Record<string, string> = {};
  for (const k of storedResponseOrder(rocketmq, withHandle, transactionId !== undefined)) {
    out[k] = values[k] as string;
  }
  return createResponse(code, { extFields: out });
}

/**
 * Field order of a stored-message answer: the header's own fields in declaration order, then the
 * preSend ones in HashMap order (ROCKETMQ serialization); all of them in HashMap order (JSON). The key
 * sets are fixed, so each of the eight orders is computed once, not per message.
 */
export function storedResponseOrder(
  rocketmq: boolean,
  withHandle: boolean,
  withTransactionId: boolean,
): readonly string[] {
  const index = (rocketmq ? 4 : 0) + (withHandle ? 2 : 0) + (withTransactionId ? 1 : 0);
  let order = STORED_RESPONSE_ORDERS[index];
  if (order === undefined) {
    const own = [
      'msgId',
      'queueId',
      'queueOffset',
      ...(withTransactionId ? ['transactionId'] : []),
      ...(withHandle ? ['recallHandle'] : []),
    ];
    order = rocketmq
      ? [...own, ...javaHashMapOrder(PRE_SEND_KEYS)]
      : javaHashMapOrder([...own, ...PRE_SEND_KEYS]);
    STORED_RESPONSE_ORDERS[index] = order;
  }
  return order;
}
const STORED_RESPONSE_ORDERS: (readonly string[] | undefined)[] = [];
