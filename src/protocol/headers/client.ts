/**
 * Client <-> broker housekeeping headers: UNREGISTER_CLIENT (35), GET_CONSUMER_LIST_BY_GROUP (38),
 * CHECK_TRANSACTION_STATE (39, broker -> producer), END_TRANSACTION (37), CONSUMER_SEND_MSG_BACK (36),
 * NOTIFY_CONSUMER_IDS_CHANGED (40, broker -> consumer), RESET_CONSUMER_CLIENT_OFFSET (220),
 * GET_CONSUMER_STATUS_FROM_CLIENT (221), GET_CONSUMER_RUNNING_INFO (307), CONSUME_MESSAGE_DIRECTLY (309).
 * Reflection-encoded in Java (no fixed order); tables keep the Java declaration order, inherited
 * RpcRequestHeader fields last.
 */
import { RPC_REQUEST_FIELDS, TOPIC_REQUEST_FIELDS } from './rpc-fields.js';
import { defineHeader } from './schema.js';
import type { HeaderOf } from './schema.js';

/** Codec of the UNREGISTER_CLIENT (35) request: a client leaving its producer and consumer groups. */
export const UnregisterClientRequestHeader = defineHeader('UnregisterClientRequestHeader', {
  clientID: { type: 'string', required: true },
  producerGroup: { type: 'string' },
  consumerGroup: { type: 'string' },
  ...RPC_REQUEST_FIELDS,
});
/** Value of the UNREGISTER_CLIENT (35) request: a client leaving its producer and consumer groups. */
export type UnregisterClientRequestHeader = HeaderOf<typeof UnregisterClientRequestHeader>;

/** Codec of the GET_CONSUMER_LIST_BY_GROUP (38) request: the group whose client ids are asked. */
export const GetConsumerListByGroupRequestHeader = defineHeader('GetConsumerListByGroupRequestHeader', {
  consumerGroup: { type: 'string', required: true },
  ...RPC_REQUEST_FIELDS,
});
/** Value of the GET_CONSUMER_LIST_BY_GROUP (38) request: the group whose client ids are asked. */
export type GetConsumerListByGroupRequestHeader = HeaderOf<typeof GetConsumerListByGroupRequestHeader>;

/** Sent by the broker to a producer; the body is the half message record. */
export const CheckTransactionStateRequestHeader = defineHeader('CheckTransactionStateRequestHeader', {
  /** 5.x. */
  topic: { type: 'string' },
  tranStateTableOffset: { type: 'long', required: true },
  commitLogOffset: { type: 'long', required: true },
  msgId: { type: 'string' },
  transactionId: { type: 'string' },
  offsetMsgId: { type: 'string' },
  ...RPC_REQUEST_FIELDS,
});
export type CheckTransactionStateRequestHeader = HeaderOf<typeof CheckTransactionStateRequestHeader>;

/** Oneway from the producer; `commitOrRollback` is a MessageSysFlag TRANSACTION_*_TYPE value. */
export const EndTransactionRequestHeader = defineHeader('EndTransactionRequestHeader', {
  /** 5.x. */
  topic: { type: 'string' },
  producerGroup: { type: 'string', required: true },
  tranStateTableOffset: { type: 'long', required: true },
  commitLogOffset: { type: 'long', required: true },
  commitOrRollback: { type: 'int', required: true },
  /** Java Boolean defaulting to false, so Java always sends it. */
  fromTransactionCheck: { type: 'boolean' },
  msgId: { type: 'string', required: true },
  transactionId: { type: 'string' },
  ...RPC_REQUEST_FIELDS,
});
export type EndTransactionRequestHeader = HeaderOf<typeof EndTransactionRequestHeader>;

/** Codec of the CONSUMER_SEND_MSG_BACK (36) request: a consumed message returned for retry (or to the DLQ). */
export const ConsumerSendMsgBackRequestHeader = defineHeader('ConsumerSendMsgBackRequestHeader', {
  /** Commit-log physical offset of the message sent back. */
  offset: { type: 'long', required: true },
  group: { type: 'string', required: true },
  delayLevel: { type: 'int', required: true },
  originMsgId: { type: 'string' },
  originTopic: { type: 'string' },
  /** Java primitive, always sent. */
  unitMode: { type: 'boolean' },
  maxReconsumeTimes: { type: 'int' },
  ...RPC_REQUEST_FIELDS,
});
/** Value of the CONSUMER_SEND_MSG_BACK (36) request: a consumed message returned for retry (or to the DLQ). */
export type ConsumerSendMsgBackRequestHeader = HeaderOf<typeof ConsumerSendMsgBackRequestHeader>;

/** Codec of the NOTIFY_CONSUMER_IDS_CHANGED (40) request (broker to client): the group whose members changed. */
export const NotifyConsumerIdsChangedRequestHeader = defineHeader('NotifyConsumerIdsChangedRequestHeader', {
  consumerGroup: { type: 'string', required: true },
  ...RPC_REQUEST_FIELDS,
});
/** Value of the NOTIFY_CONSUMER_IDS_CHANGED (40) request (broker to client): the group whose members changed. */
export type NotifyConsumerIdsChangedRequestHeader = HeaderOf<typeof NotifyConsumerIdsChangedRequestHeader>;

/*
 * Broker -> client admin calls (the broker forwards them from mqadmin or answers them itself). In
 * 4.9.8 these implement CommandCustomHeader directly; 5.x adds the inherited optional tails below.
 */

/** GET_CONSUMER_RUNNING_INFO (307). */
export const GetConsumerRunningInfoRequestHeader = defineHeader('GetConsumerRunningInfoRequestHeader', {
  consumerGroup: { type: 'string', required: true },
  clientId: { type: 'string', required: true },
  /** Java primitive (@CFNullable), so Java always sends it. */
  jstackEnable: { type: 'boolean' },
  ...RPC_REQUEST_FIELDS,
});
export type GetConsumerRunningInfoRequestHeader = HeaderOf<typeof GetConsumerRunningInfoRequestHeader>;

/** GET_CONSUMER_STATUS_FROM_CLIENT (221). */
export const GetConsumerStatusRequestHeader = defineHeader('GetConsumerStatusRequestHeader', {
  topic: { type: 'string', required: true },
  group: { type: 'string', required: true },
  clientAddr: { type: 'string' },
  ...TOPIC_REQUEST_FIELDS,
});
export type GetConsumerStatusRequestHeader = HeaderOf<typeof GetConsumerStatusRequestHeader>;

/** CONSUME_MESSAGE_DIRECTLY (309); the body is the message record. 5.x adds topic and sys flags. */
export const ConsumeMessageDirectlyResultRequestHeader = defineHeader(
  'ConsumeMessageDirectlyResultRequestHeader',
  {
    consumerGroup: { type: 'string', required: true },
    clientId: { type: 'string' },
    msgId: { type: 'string' },
    brokerName: { type: 'string' },
    ...TOPIC_REQUEST_FIELDS,
  },
);
export type ConsumeMessageDirectlyResultRequestHeader = HeaderOf<
  typeof ConsumeMessageDirectlyResultRequestHeader
>;

/**
 * RESET_CONSUMER_CLIENT_OFFSET (220, broker -> consumer) and INVOKE_BROKER_TO_RESET_OFFSET (222).
 * The wire name of the flag is the Java field name `isForce`. 5.x adds queueId (an int, -1 = every
 * queue, which 5.x tools write) and offset (a Long, -1 = none: reset by timestamp); written only
 * when set, so 4.x peers see the 4.x header.
 */
export const ResetOffsetRequestHeader = defineHeader('ResetOffsetRequestHeader', {
  topic: { type: 'string', required: true },
  group: { type: 'string', required: true },
  /** Milliseconds since the epoch; -1 = the end of each queue. */
  timestamp: { type: 'number', required: true },
  isForce: { type: 'boolean', required: true },
  queueId: { type: 'int' },
  offset: { type: 'long' },
  ...TOPIC_REQUEST_FIELDS,
});
export type ResetOffsetRequestHeader = HeaderOf<typeof ResetOffsetRequestHeader>;
