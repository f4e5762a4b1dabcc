/**
 * rocketmq-ts public API: an explicit list. What is not named here is internal and free to change.
 *
 * - Producer (DefaultMQProducer semantics) and PullConsumer, with Message / SendResult / PullResult.
 * - Options, hooks (send, check-forbidden, RPC) and the ACL signing hook.
 * - Embedded name server and broker (`startEmbeddedCluster`, `NameServer`, `Broker`).
 * - Typed errors: every error is a `RocketMQError` with a numeric `code`.
 *
 * Low-level access (frames, headers, bodies, the remoting client and server) is the separate entry
 * `rocketmq-ts/protocol` (src/protocol-entry.ts).
 */

// Errors
export {
  ClientErrorCode,
  FrameTooLargeError,
  HeaderFieldError,
  IllegalArgumentError,
  IllegalStateError,
  MQBrokerError,
  MQClientError,
  ProtocolError,
  RemotingConnectError,
  RemotingError,
  RemotingSendRequestError,
  RemotingTimeoutError,
  RemotingTooMuchRequestError,
  RequestTimeoutError,
  RocketMQError,
  TlsHandshakeError,
} from './common/errors.js';
export type { RocketMQErrorOptions, TlsFailure } from './common/errors.js';

// TLS: client and server settings, development certificates
export type { ClientTlsConfig, ClientTlsOption } from './transport/tls/client-tls.js';
export type { ServerTlsConfig, TlsClientAuth, TlsMode } from './transport/tls/server-tls.js';
export { createDevelopmentCertificates } from './transport/tls/x509.js';
export type {
  DevelopmentCertificateOptions,
  DevelopmentCertificates,
  IssuedCertificate,
} from './transport/tls/x509.js';
export {
  BodyDecompressError,
  CodecErrorCode,
  CompressionCodecUnavailableError,
} from './common/codec-errors.js';
export type { BodyLocation } from './common/codec-errors.js';

// Logging
export { consoleLogger, silentLogger } from './common/logger.js';
export type { Logger, LogLevel } from './common/logger.js';

// Messages and the codes users compare against
export { Message } from './protocol/message/message.js';
export type { MessageBody, MessageExt, MessageInit } from './protocol/message/message.js';
export { MessageConst } from './protocol/message/constants.js';
export { RequestCode, requestCodeName } from './protocol/codes/request-code.js';
export { ResponseCode, responseCodeName } from './protocol/codes/response-code.js';

// Timer messages (5.x) and recall (5.3.2+)
export { InvalidTimerMessageError } from './protocol/message/timer-message.js';
export {
  InvalidRecallHandleError,
  decodeRecallHandle,
  encodeRecallHandle,
} from './protocol/message/recall-handle.js';
export type { RecallHandle } from './protocol/message/recall-handle.js';

// Producer
export { DefaultMQProducer, Producer } from './client/producer/producer.js';
export type { SendCallback } from './client/producer/producer.js';
export type { ShutdownOptions } from './client/producer/producer-shutdown.js';
export {
  MessageNotSentError,
  ProducerShutdownError,
  SendOutcomeUnknownError,
} from './client/producer/shutdown-errors.js';
export { PRODUCER_DEFAULTS } from './client/producer/producer-options.js';
// Request-reply
export type { RequestCallback } from './client/producer/producer-request.js';
export { createReplyMessage, getReplyToClient } from './client/request-reply/reply-message.js';
export type { HasProperties } from './client/request-reply/reply-message.js';
export type { ProducerOptions } from './client/producer/producer-options.js';
export type { CompressionTypeName } from './client/producer/compression-options.js';
export type { CompressionType } from './protocol/message/constants.js';
export { SendResult, SendStatus } from './client/producer/send-result.js';
export { BatchRuleError } from './client/producer/message-batch.js';
export {
  BatchSendError,
  QueueSelectionError,
  QueueTargetError,
} from './client/producer/ordered/queue-errors.js';
export type { QueueSelectionFailure } from './client/producer/ordered/queue-errors.js';
export {
  hashQueueIndex,
  selectMessageQueueByHash,
  selectMessageQueueByMachineRoom,
  selectMessageQueueByRandom,
} from './client/producer/ordered/selectors.js';
export type { MessageQueueSelector } from './client/producer/ordered/selectors.js';
export { splitIntoBatches } from './client/producer/ordered/batch-splitter.js';
export type { SendBatchesOptions } from './client/producer/ordered/producer-send-api.js';
export type {
  CheckForbiddenContext,
  CheckForbiddenHook,
  CommunicationMode,
  SendMessageContext,
  SendMessageHook,
  SendMessageType,
} from './client/producer/hooks.js';

// Transactional messages
export {
  TransactionMQProducer,
  TransactionProducer,
} from './client/producer/transaction/transaction-producer.js';
export {
  LocalTransactionState,
  TransactionSendResult,
} from './client/producer/transaction/transaction-types.js';
export type {
  EndTransactionContext,
  EndTransactionHook,
  LocalTransactionOutcome,
  TransactionListener,
} from './client/producer/transaction/transaction-types.js';
export { TRANSACTION_PRODUCER_DEFAULTS } from './client/producer/transaction/transaction-options.js';
export type { TransactionProducerOptions } from './client/producer/transaction/transaction-options.js';
export type { TransactionCheckMessage } from './client/transaction-check-routing.js';

// Options and objects shared by producers and consumers
export { CLIENT_DEFAULTS } from './client/client-config.js';
export type { ClientOptions } from './client/client-config.js';
export {
  defaultNameServerDiscoveryUrl,
  NAME_SERVER_DISCOVERY_DEFAULTS,
} from './client/name-server-discovery-options.js';
export type {
  NameServerAddressSource,
  NameServerDiscoveryOptions,
} from './client/name-server-discovery-options.js';
export { ClientInstance } from './client/client-instance.js';
export type { ClientInstanceOptions } from './client/client-instance.js';
export { MessageQueue } from './client/message-queue.js';
export { AclClientRPCHook } from './client/acl-rpc-hook.js';
export type { AclCredentials } from './client/acl-rpc-hook.js';
export type { RPCHook } from './transport/types.js';

// Pull consumer
export { PullConsumer } from './client/consumer/pull/pull-consumer.js';
export { PULL_CONSUMER_DEFAULTS } from './client/consumer/pull/pull-consumer-options.js';
export type {
  PullConsumerOptions,
  PullFromStoredOptions,
  PullOptions,
} from './client/consumer/pull/pull-consumer-options.js';
export { pollMessages } from './client/consumer/pull/poll.js';
export type { PollOptions } from './client/consumer/pull/poll.js';
export type { QueryMessageOptions } from './client/consumer/pull/query-messages.js';
export { PullResult, PullStatus } from './client/consumer/shared/pull-result.js';
// Subscriptions by message properties (SQL92 selectors; brokers with enablePropertyFilter)
export { MessageSelector } from './client/consumer/shared/subscription.js';
export type { SubscriptionExpression } from './client/consumer/shared/subscription.js';
export { compileSql92, Sql92SyntaxError } from './protocol/filter/index.js';
export type { Sql92Selector, Sql92Properties, Sql92Value } from './protocol/filter/index.js';
export type { PulledMessage } from './client/consumer/shared/pull-result.js';

// Message trace (Java format on RMQ_SYS_TRACE_TOPIC)
export { decodeTraceData, encodeTraceContext } from './protocol/body/trace-data.js';
export type { TraceBean, TraceContext, TraceMessageType, TraceType } from './protocol/body/trace-data.js';
export { formatMessageTrace, readMessageTrace } from './client/consumer/pull/message-trace-reader.js';
export type { MessageTraceView, ReadTraceOptions } from './client/consumer/pull/message-trace-reader.js';
export type { TraceOptions } from './client/trace/trace-options.js';
export type {
  ConsumeOutcome,
  ConsumeReturnType,
  ConsumeTracer,
  ConsumeTraceToken,
} from './client/trace/consume-tracer.js';
// Push consumer
export { PushConsumer } from './client/consumer/push/push-consumer.js';
export { PUSH_CONSUMER_DEFAULTS } from './client/consumer/push/push-consumer-options.js';
export type { MessageModel, PushConsumerOptions } from './client/consumer/push/push-consumer-options.js';
export { ConsumeResult } from './client/consumer/push/consume-service.js';
export type {
  BatchHandler,
  ConsumeContext,
  ConsumedMessage,
  MessageHandler,
} from './client/consumer/push/consume-service.js';
export { AllocateMessageQueueAveragely } from './client/consumer/push/allocate-averagely.js';
export type { AllocateMessageQueueStrategy } from './client/consumer/push/allocate-strategy.js';
export type { PushMessageIterator } from './client/consumer/push/message-iterator.js';
export {
  AllocateMachineRoomNearby,
  AllocateMessageQueueAveragelyByCircle,
  AllocateMessageQueueByConfig,
  AllocateMessageQueueByMachineRoom,
  AllocateMessageQueueConsistentHash,
} from './client/consumer/allocate/index.js';
export type {
  ConsistentHashOptions,
  HashFunction,
  MachineRoomResolver,
} from './client/consumer/allocate/index.js';
export type { AllocateStrategyName } from './client/consumer/push/push-consumer-modes.js';
export type { OrderlyConsumeContext } from './client/consumer/push/consume-orderly.js';
export { LocalOffsetFileError } from './client/consumer/offsets/local-file-offset-store.js';

// Servers
export { NameServer } from './server/namesrv/name-server.js';
export type { NameServerOptions } from './server/namesrv/name-server.js';
export { Broker } from './server/broker/broker.js';
export type { BrokerOptions, FlushDiskType } from './server/broker/core/broker-config.js';
export { startEmbeddedCluster } from './server/embedded-cluster.js';
export type { BrokerFaults, EmbeddedCluster, EmbeddedClusterOptions } from './server/embedded-cluster.js';
export { parseFaultSpec } from './server/faults/fault-rules.js';
export type { ClusterFaultRule, FaultKind, FaultRule } from './server/faults/fault-rules.js';
export type { FaultHandle } from './server/faults/fault-injector.js';
export { AclConfigError } from './server/acl/acl-errors.js';
export type { NamesrvQueryAccess } from './server/acl/acl-guard.js';

// Instrumentation events (`producer.on(ProducerEvents.SEND_SUCCESS, fn)`) and AbortSignal support
export { AbortError } from './common/abort-error.js';
export { ClientEvents } from './client/events/event-types.js';
export type {
  ClientEventMap,
  ConnectEvent,
  DisconnectEvent,
  HeartbeatFailureEvent,
  RequestTimeoutEvent,
  RouteChangeEvent,
} from './client/events/event-types.js';
export type { EventListener } from './client/events/event-hub.js';
export { ProducerEvents } from './client/producer/producer-events.js';
export type {
  BrokerIsolatedEvent,
  BrokerReadmittedEvent,
  InFlightEvent,
  ProducerEventMap,
  SendAttemptEvent,
  SendEventBase,
  SendFailureEvent,
  SendRetryEvent,
  SendStartEvent,
  SendSuccessEvent,
} from './client/producer/producer-events.js';
export { PullConsumerEvents } from './client/consumer/pull/pull-consumer-events.js';
export type {
  PullConsumerEventMap,
  PullEvent,
  PullFailureEvent,
} from './client/consumer/pull/pull-consumer-events.js';
export { PushConsumerEvents } from './client/consumer/push/push-consumer-events.js';
export type {
  ConsumeEvent,
  ConsumeFailureEvent,
  PushConsumerEventMap,
  PushPullFailureEvent,
  RebalanceEvent,
} from './client/consumer/push/push-consumer-events.js';
export type { ConsumeInterceptor, ConsumeReport } from './client/consumer/push/consume-hooks.js';
export type { SendOptions } from './client/producer/ordered/send-forms.js';
