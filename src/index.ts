/**
 * rocketmq-ts public API.
 *
 * - Producer (DefaultMQProducer semantics) and PullConsumer, with Message / SendResult / PullResult.
 * - Embedded name server and broker (`startEmbeddedCluster`, `NameServer`, `Broker`) for local runs and tests.
 * - The remoting layer (`RemotingClient`, `RemotingServer`) and the protocol codecs, for tools that speak
 *   RocketMQ directly (namespaced as `protocol` to keep the top level small).
 * - Typed errors: every error is a `RocketMQError` with a numeric `code`.
 */

// Errors and logging
export * from './common/errors.js';
export { consoleLogger, silentLogger } from './common/logger.js';
export type { Logger, LogLevel } from './common/logger.js';

// Messages
export { Message } from './protocol/message/message.js';
export type { MessageInit, MessageExt, MessageBody } from './protocol/message/message.js';
export { MessageConst, MessageSysFlag } from './protocol/message/constants.js';

// Codes
export { RequestCode, requestCodeName } from './protocol/codes/request-code.js';
export { ResponseCode, responseCodeName } from './protocol/codes/response-code.js';
export { LanguageCode } from './protocol/codes/language-code.js';
export { SerializeType, MQVersion, Perm } from './protocol/codes/misc.js';

// Client: producer, consumer, shared client instance
export * from './client/index.js';
export * from './client/consumer/index.js';
export { MessageQueue } from './client/message-queue.js';
export { AclClientRPCHook, aclSignature } from './client/acl-rpc-hook.js';
export type { AclCredentials } from './client/acl-rpc-hook.js';

// Transport
export { RemotingClient, RemotingServer } from './transport/index.js';
export type {
  RPCHook,
  RemotingChannel,
  RequestContext,
  RequestProcessor,
  RemotingClientOptions,
  RemotingServerOptions,
  RemotingClientConfig,
  RemotingServerConfig,
  SocketFactory,
  InvokeCallback,
  ProcessorOptions,
  ChannelEventListener,
} from './transport/index.js';
export { createRequest, createResponse } from './protocol/command/remoting-command.js';
export type { RemotingCommand } from './protocol/command/remoting-command.js';

// Servers
export { NameServer } from './server/namesrv/index.js';
export type { NameServerOptions } from './server/namesrv/index.js';
export { Broker } from './server/broker/index.js';
export type { BrokerOptions } from './server/broker/index.js';
export { startEmbeddedCluster } from './server/embedded-cluster.js';
export type { EmbeddedCluster, EmbeddedClusterOptions } from './server/embedded-cluster.js';

// Protocol codecs, for tools that speak the wire format directly
export * as protocol from './protocol/index.js';
