/**
 * Requests a broker sends over a client's connection (Java ClientRemotingProcessor), as a handler
 * table, answered the way a Java client with only producers and pull consumers answers them:
 *
 *   CHECK_TRANSACTION_STATE (39, oneway)          to the group's TransactionProducer (transaction-check-routing.ts)
 *   NOTIFY_CONSUMER_IDS_CHANGED (40, oneway)      a push consumer of the group rebalances; else logged
 *   RESET_CONSUMER_CLIENT_OFFSET (220, oneway)    a push consumer moves its offsets; else logged (Java resets only push consumers)
 *   GET_CONSUMER_STATUS_FROM_CLIENT (221)         SUCCESS, GetConsumerStatusBody with the consumer's offsets
 *   GET_CONSUMER_RUNNING_INFO (307)               SUCCESS, ConsumerRunningInfo; unknown group: refused
 *                                                 SYSTEM_ERROR "The Consumer Group <g> not exist in this consumer"
 *   CONSUME_MESSAGE_DIRECTLY (309)                a push consumer runs its handler (push-consumer-requests.ts); else
 *                                                 refused the same way (Java answers so for every non-push consumer)
 *   PUSH_REPLY_MESSAGE_TO_CLIENT (326)            request-reply/reply-handler.ts, merged in by the client instance
 *
 * Refusals are thrown as RequestRefusedError, which the transport's dispatcher answers; a code not in
 * the table is answered REQUEST_CODE_NOT_SUPPORTED by the dispatcher. A handler returning undefined
 * sends no answer, as Java's processor returning null.
 */
import { RequestRefusedError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { subscriptionDataToJson } from '../protocol/body/index.js';
import type { ConsumerData } from '../protocol/body/index.js';
import { toFastjsonString } from '../protocol/json/fastjson-write.js';
import type { JsonOut } from '../protocol/json/fastjson-write.js';
import { DEFAULT_PROTOCOL_VERSION_DESC, RequestCode, ResponseCode } from '../protocol/codes/index.js';
import { createResponse } from '../protocol/command/remoting-command.js';
import {
  ConsumeMessageDirectlyResultRequestHeader,
  GetConsumerRunningInfoRequestHeader,
  GetConsumerStatusRequestHeader,
  NotifyConsumerIdsChangedRequestHeader,
  ResetOffsetRequestHeader,
} from '../protocol/headers/client.js';
import { handlerTable } from '../transport/handler-table.js';
import type { HandlerTable, RequestHandler } from '../transport/handler-table.js';
import type { ConsumerMember } from './client-members.js';
import { consumeDirectly, encodeMqTable, resetConsumerOffset } from './push-consumer-requests.js';
import { routeTransactionCheck } from './transaction-check-routing.js';
import type { TransactionCheckHost } from './transaction-check-routing.js';

/** ConsumerRunningInfo property names (Java ConsumerRunningInfo.PROP_*). */
export const RunningInfoProp = {
  NAMESERVER_ADDR: 'PROP_NAMESERVER_ADDR',
  CONSUME_TYPE: 'PROP_CONSUME_TYPE',
  CLIENT_VERSION: 'PROP_CLIENT_VERSION',
  CONSUMER_START_TIMESTAMP: 'PROP_CONSUMER_START_TIMESTAMP',
} as const;

/** MQVersion.getVersionDesc of the version our requests announce. */
export const CLIENT_VERSION_DESC = DEFAULT_PROTOCOL_VERSION_DESC;

/** What the handlers need from their client instance. */
export interface ClientRequestHost extends TransactionCheckHost {
  readonly logger: Logger;
  findConsumer(group: string): ConsumerMember | undefined;
  nameServerAddressList(): readonly string[];
}

function notInThisConsumer(group: string | undefined): RequestRefusedError {
  return new RequestRefusedError(
    ResponseCode.SYSTEM_ERROR,
    `The Consumer Group <${group ?? 'null'}> not exist in this consumer`,
  );
}

function sortedObject(entries: Iterable<[string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) out[k] = v;
  return out;
}

/**
 * ConsumerRunningInfo JSON (fastjson, fields alphabetical; jstack left out): properties,
 * subscriptionSet (a TreeSet ordered by `topic@subString`), and the push tables (empty for others).
 */
export function encodeConsumerRunningInfo(consumer: ConsumerMember, host: ClientRequestHost): Buffer {
  const data: ConsumerData = consumer.consumerData();
  const props = new Map(Object.entries(consumer.runningProperties?.() ?? {}));
  props.set(
    RunningInfoProp.NAMESERVER_ADDR,
    host
      .nameServerAddressList()
      .map((a) => `${a};`)
      .join(''),
  );
  props.set(RunningInfoProp.CONSUME_TYPE, data.consumeType ?? 'CONSUME_ACTIVELY');
  props.set(RunningInfoProp.CLIENT_VERSION, CLIENT_VERSION_DESC);
  const key = (s: { topic: string; subString: string }): string => `${s.topic}@${s.subString}`;
  const subscriptions = [...data.subscriptionDataSet].sort((a, b) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0,
  );
  const tables = consumer.runningInfoTables?.();
  const statusTable: JsonOut = tables?.statusTable ?? {};
  // fastjson writes a MessageQueue map key as the object itself: the mqTable text is built apart.
  const body: JsonOut = {
    mqTable: '\u0000MQTABLE\u0000',
    properties: sortedObject(props),
    statusTable,
    subscriptionSet: subscriptions.map(subscriptionDataToJson),
  };
  const text = toFastjsonString(body).replace('"\\u0000MQTABLE\\u0000"', () =>
    encodeMqTable(tables, (v) => toFastjsonString(v)),
  );
  return Buffer.from(text, 'utf8');
}

/**
 * GetConsumerStatusBody JSON: `{"consumerTable":{},"messageQueueTable":{<MessageQueue>:<offset>,...}}`.
 * fastjson writes a MessageQueue map key as the object itself.
 */
export function encodeConsumerStatus(
  offsets: Iterable<{ topic: string; brokerName: string; queueId: number; offset: bigint }>,
): Buffer {
  const entries = [...offsets].map(
    (o) =>
      toFastjsonString({ brokerName: o.brokerName, queueId: o.queueId, topic: o.topic }) +
      ':' +
      o.offset.toString(),
  );
  return Buffer.from(`{"consumerTable":{},"messageQueueTable":{${entries.join(',')}}}`, 'utf8');
}

/** The client's handler table (registered on its RemotingClient by the client instance). */
export function clientRequestHandlers(host: ClientRequestHost): HandlerTable {
  const { logger } = host;
  const checkTransactionState: RequestHandler = (request, context) => {
    routeTransactionCheck(host, request, context.channel.remoteAddress);
    return undefined;
  };
  const notifyConsumerIdsChanged: RequestHandler = (request, context) => {
    const h = NotifyConsumerIdsChangedRequestHeader.decodeLenient(request.extFields);
    const consumer = h.consumerGroup === undefined ? undefined : host.findConsumer(h.consumerGroup);
    consumer?.rebalanceImmediately?.();
    logger.info(
      { from: context.channel.remoteAddress, group: h.consumerGroup },
      'broker notified a consumer group change',
    );
    return undefined;
  };
  const resetConsumerClientOffset: RequestHandler = (request, context) => {
    const h = ResetOffsetRequestHeader.decodeLenient(request.extFields);
    const consumer = h.group === undefined ? undefined : host.findConsumer(h.group);
    if (resetConsumerOffset(consumer, request, logger)) return undefined;
    logger.info(
      { from: context.channel.remoteAddress, group: h.group, topic: h.topic },
      'reset-offset request ignored: only push consumers reset their offsets on request',
    );
    return undefined;
  };
  const getConsumerStatus: RequestHandler = (request) => {
    const h = GetConsumerStatusRequestHeader.decodeLenient(request.extFields);
    const consumer = h.group === undefined ? undefined : host.findConsumer(h.group);
    const offsets = consumer?.offsetsOf?.(h.topic ?? '') ?? [];
    return createResponse(ResponseCode.SUCCESS, { body: encodeConsumerStatus(offsets) });
  };
  const getConsumerRunningInfo: RequestHandler = (request) => {
    const group = GetConsumerRunningInfoRequestHeader.decodeLenient(request.extFields).consumerGroup;
    const consumer = group === undefined ? undefined : host.findConsumer(group);
    if (consumer === undefined) throw notInThisConsumer(group);
    return createResponse(ResponseCode.SUCCESS, { body: encodeConsumerRunningInfo(consumer, host) });
  };
  const consumeMessageDirectly: RequestHandler = (request) => {
    const group = ConsumeMessageDirectlyResultRequestHeader.decodeLenient(request.extFields).consumerGroup;
    const consumer = group === undefined ? undefined : host.findConsumer(group);
    // Answered at once (synchronously) unless a push consumer of the group runs its handler.
    if (consumer?.consumeMessageDirectly === undefined) throw notInThisConsumer(group);
    return consumeDirectly(consumer, request);
  };

  return handlerTable([
    [RequestCode.CHECK_TRANSACTION_STATE, checkTransactionState],
    [RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, notifyConsumerIdsChanged],
    [RequestCode.RESET_CONSUMER_CLIENT_OFFSET, resetConsumerClientOffset],
    [RequestCode.GET_CONSUMER_STATUS_FROM_CLIENT, getConsumerStatus],
    [RequestCode.GET_CONSUMER_RUNNING_INFO, getConsumerRunningInfo],
    [RequestCode.CONSUME_MESSAGE_DIRECTLY, consumeMessageDirectly],
  ]);
}
