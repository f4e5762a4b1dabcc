/** Public API of the client layer: producer, client instance, routing policies. */
export { Producer, DefaultMQProducer } from './producer/producer.js';
export type { SendCallback } from './producer/producer.js';
export type { ShutdownOptions } from './producer/producer-shutdown.js';
export type { RequestCallback } from './producer/producer-request.js';
export {
  REPLY_TOPIC_POSTFIX,
  createReplyMessage,
  getReplyToClient,
  replyTopicOf,
} from './request-reply/index.js';
export type { HasProperties } from './request-reply/index.js';
export {
  MessageNotSentError,
  ProducerShutdownError,
  SendOutcomeUnknownError,
} from './producer/shutdown-errors.js';
export { PRODUCER_DEFAULTS, resolveProducerConfig } from './producer/producer-options.js';
export type { ProducerConfig, ProducerOptions } from './producer/producer-options.js';
export { SendResult, SendStatus, sendStatusOf } from './producer/send-result.js';
export type { SendResultInit } from './producer/send-result.js';
export { BatchRuleError, MessageBatch } from './producer/message-batch.js';
export { TransactionMQProducer, TransactionProducer } from './producer/transaction/transaction-producer.js';
export { LocalTransactionState, TransactionSendResult } from './producer/transaction/transaction-types.js';
export type {
  EndTransactionContext,
  EndTransactionHook,
  LocalTransactionOutcome,
  TransactionListener,
} from './producer/transaction/transaction-types.js';
export {
  TRANSACTION_PRODUCER_DEFAULTS,
  resolveTransactionConfig,
} from './producer/transaction/transaction-options.js';
export type {
  TransactionConfig,
  TransactionProducerOptions,
} from './producer/transaction/transaction-options.js';
export type { TransactionCheckMessage } from './transaction-check-routing.js';
export { TopicPublishInfo } from './route/topic-publish-info.js';
export { QueueIndex } from './route/queue-index.js';
export type {
  CheckForbiddenContext,
  CheckForbiddenHook,
  CommunicationMode,
  SendMessageContext,
  SendMessageHook,
  SendMessageType,
} from './producer/hooks.js';
export { ClientInstance } from './client-instance.js';
export type {
  ClientInstanceOptions,
  ConsumerMember,
  ConsumerQueueOffset,
  DefaultRouteRequest,
  InstanceRemoting,
  ProducerMember,
  ServiceState,
  UpdateRouteOptions,
} from './client-instance.js';
export { ClientInstance as MQClientInstance } from './client-instance.js';
export { ClientInstanceRegistry } from './client-instance-registry.js';
export {
  CLIENT_VERSION_DESC,
  RunningInfoProp,
  clientRequestHandlers,
  encodeConsumerRunningInfo,
  encodeConsumerStatus,
} from './client-request-handlers.js';
export type { ClientRequestHost } from './client-request-handlers.js';
export {
  CLIENT_DEFAULTS,
  brokerVIPChannel,
  buildClientId,
  parseNameServerList,
  resolveClientConfig,
} from './client-config.js';
export type { ClientConfig, ClientOptions } from './client-config.js';
export { MQClientAPI } from './mq-client-api.js';
export type { RemotingInvoker } from './mq-client-api.js';
export { sendRequestCode } from './producer/producer-api.js';
export type { SendRequestKind, SendResponseContext } from './producer/producer-api.js';
export { LatencyFaultTolerance } from './latency/latency-fault-tolerance.js';
export type { FaultItem } from './latency/latency-fault-tolerance.js';
export {
  FaultStrategy,
  DEFAULT_LATENCY_MAX,
  DEFAULT_NOT_AVAILABLE_DURATION,
  V5_LATENCY_MAX,
  V5_NOT_AVAILABLE_DURATION,
} from './latency/fault-strategy.js';
export type { FaultStrategyOptions } from './latency/fault-strategy.js';
export { MessageQueue } from './message-queue.js';
export type { QueueId } from './message-queue.js';
export { systemClock } from './clock.js';
export type { Clock, RandomInt } from './clock.js';
export { topicRouteDataEquals, clampDefaultRoute, cloneTopicRouteData } from './route/route-utils.js';
