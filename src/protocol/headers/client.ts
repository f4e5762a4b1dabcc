/**
 * Client <-> broker housekeeping headers: UNREGISTER_CLIENT (35), GET_CONSUMER_LIST_BY_GROUP (38),
 * CHECK_TRANSACTION_STATE (39, broker -> producer), END_TRANSACTION (37), CONSUMER_SEND_MSG_BACK (36),
 * NOTIFY_CONSUMER_IDS_CHANGED (40, broker -> consumer). Reflection-encoded in Java (no fixed order);
 * tables keep the Java declaration order, inherited RpcRequestHeader fields last.
 */
import { RPC_REQUEST_FIELDS } from './rpc-fields.js';
import { defineHeader } from './schema.js';
import type { HeaderOf } from './schema.js';

export const UnregisterClientRequestHeader = defineHeader('UnregisterClientRequestHeader', {
  clientID: { type: 'string', required: true },
  producerGroup: { type: 'string' },
  consumerGroup: { type: 'string' },
  ...RPC_REQUEST_FIELDS,
});
export type UnregisterClientRequestHeader = HeaderOf<typeof UnregisterClientRequestHeader>;

export const GetConsumerListByGroupRequestHeader = defineHeader('GetConsumerListByGroupRequestHeader', {
  consumerGroup: { type: 'string', required: true },
  ...RPC_REQUEST_FIELDS,
});
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
export type ConsumerSendMsgBackRequestHeader = HeaderOf<typeof ConsumerSendMsgBackRequestHeader>;

export const NotifyConsumerIdsChangedRequestHeader = defineHeader('NotifyConsumerIdsChangedRequestHeader', {
  consumerGroup: { type: 'string', required: true },
  ...RPC_REQUEST_FIELDS,
});
export type NotifyConsumerIdsChangedRequestHeader = HeaderOf<typeof NotifyConsumerIdsChangedRequestHeader>;
