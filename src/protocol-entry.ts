/**
 * `rocketmq-ts/protocol`: low-level access to RocketMQ's wire format and remoting layer, for tools
 * that speak the protocol directly (proxies, test doubles, inspectors). An explicit list, like the main
 * entry; these names are public, the rest of src/protocol and src/transport is not.
 */

// Frames and commands
export { decodeFrame, decodeFramePayload, encodeFrame } from './protocol/frame/frame-codec.js';
export { FrameDecoder } from './protocol/frame/frame-decoder.js';
export {
  createRequest,
  createResponse,
  describeCommand,
  isOneway,
  isResponse,
  markOneway,
  markResponse,
} from './protocol/command/remoting-command.js';
export type { CommandInit, RemotingCommand } from './protocol/command/remoting-command.js';
export { bodyOrChunks, ChunkedBody, chunkedBodyOf } from './protocol/command/chunked-body.js';
export { decodeJsonHeader, encodeJsonHeader } from './protocol/command/json-header.js';
export { decodeBinaryHeader, encodeBinaryHeader } from './protocol/command/binary-header.js';

// Codes and flags
export { RequestCode, requestCodeName } from './protocol/codes/request-code.js';
export { ResponseCode, responseCodeName } from './protocol/codes/response-code.js';
export { LanguageCode } from './protocol/codes/language-code.js';
export {
  CommandFlag,
  DEFAULT_MAX_FRAME_LENGTH,
  DEFAULT_PROTOCOL_VERSION,
  MQVersion,
  MASTER_ID,
  Perm,
  SerializeType,
} from './protocol/codes/misc.js';
export type { SerializeTypeCode } from './protocol/codes/misc.js';

// Custom headers: one declared table per header drives encode and decode
export { defineHeader } from './protocol/headers/schema.js';
export type {
  FieldSpec,
  FieldTable,
  FieldType,
  HeaderCodec,
  HeaderOf,
  HeaderValue,
} from './protocol/headers/schema.js';
export {
  AddWritePermOfBrokerRequestHeader,
  AddWritePermOfBrokerResponseHeader,
  BrokerHeartbeatRequestHeader,
  CheckTransactionStateRequestHeader,
  ConsumeMessageDirectlyResultRequestHeader,
  ConsumerSendMsgBackRequestHeader,
  CreateTopicRequestHeader,
  DeleteKVConfigRequestHeader,
  DeleteSubscriptionGroupRequestHeader,
  DeleteTopicFromNamesrvRequestHeader,
  DeleteTopicRequestHeader,
  EndTransactionRequestHeader,
  GetBrokerMemberGroupRequestHeader,
  GetConsumeStatsRequestHeader,
  GetConsumerConnectionListRequestHeader,
  GetConsumerListByGroupRequestHeader,
  GetConsumerRunningInfoRequestHeader,
  GetConsumerStatusRequestHeader,
  GetEarliestMsgStoretimeRequestHeader,
  GetEarliestMsgStoretimeResponseHeader,
  GetKVConfigRequestHeader,
  GetKVConfigResponseHeader,
  GetKVListByNamespaceRequestHeader,
  GetMaxOffsetRequestHeader,
  GetMaxOffsetResponseHeader,
  GetMinOffsetRequestHeader,
  GetMinOffsetResponseHeader,
  GetProducerConnectionListRequestHeader,
  GetRouteInfoRequestHeader,
  GetTopicStatsInfoRequestHeader,
  GetTopicsByClusterRequestHeader,
  NotifyConsumerIdsChangedRequestHeader,
  PullMessageRequestHeader,
  PullMessageResponseHeader,
  PutKVConfigRequestHeader,
  QueryConsumerOffsetRequestHeader,
  QueryConsumerOffsetResponseHeader,
  QueryDataVersionRequestHeader,
  QueryDataVersionResponseHeader,
  QueryMessageRequestHeader,
  QueryMessageResponseHeader,
  RegisterBrokerRequestHeader,
  RegisterBrokerResponseHeader,
  RegisterTopicRequestHeader,
  ReplyMessageRequestHeader,
  ResetOffsetRequestHeader,
  SearchOffsetRequestHeader,
  SearchOffsetResponseHeader,
  SendMessageRequestHeader,
  SendMessageResponseHeader,
  UnRegisterBrokerRequestHeader,
  UnregisterClientRequestHeader,
  UpdateConsumerOffsetRequestHeader,
  ViewMessageRequestHeader,
  WipeWritePermOfBrokerRequestHeader,
  WipeWritePermOfBrokerResponseHeader,
} from './protocol/headers/index.js';
export { PullSysFlag } from './protocol/headers/pull.js';

// Bodies
export { decodeTopicRouteData, encodeTopicRouteData } from './protocol/body/route.js';
export type { BrokerData, QueueData, TopicRouteData } from './protocol/body/route.js';
export { decodeHeartbeatData, encodeHeartbeatData } from './protocol/body/heartbeat.js';
export type { HeartbeatData } from './protocol/body/heartbeat.js';
export { decodeClusterInfo, encodeClusterInfo } from './protocol/body/cluster-info.js';
export { decodeTopicList, encodeTopicList } from './protocol/body/topic-list.js';
export { decodeKVTable, encodeKVTable } from './protocol/body/kv-table.js';

// Messages on the wire and on disk
export { decodeMessageRecord, decodeMessageRecords, encodeMessageRecord } from './protocol/message/record.js';
export type { MessageRecord } from './protocol/message/record.js';
export { decodeBatch, encodeBatch } from './protocol/message/batch.js';
export { decodeProperties, encodeProperties } from './protocol/message/properties.js';
export { MessageConst, MessageSysFlag } from './protocol/message/constants.js';
export { compressBody, decompressBody } from './protocol/message/compression.js';
export {
  checkCompressionCodec,
  compressedSysFlag,
  compressMessageBody,
  COMPRESSION_TYPES,
  decompressMessageBody,
  parseCompressionType,
  prepareCompressionCodec,
} from './protocol/message/codecs.js';
export type { MessageBodyDecompressOptions } from './protocol/message/codecs.js';
export { compressionTypeOf } from './protocol/message/constants.js';
export type { CompressionType } from './protocol/message/constants.js';
export {
  decodeOffsetMessageId,
  decodeUniqueId,
  encodeOffsetMessageId,
  UniqueIdGenerator,
} from './protocol/message/message-id.js';
export { checkGroup, checkTopic, SystemTopic } from './protocol/message/validators.js';
export { javaStringHash } from './protocol/java/string-hash.js';

// Remoting client and server, request handlers
export { RemotingClient } from './transport/remoting-client.js';
export type { RemotingClientConfig, SocketFactory } from './transport/remoting-client.js';
export { RemotingServer } from './transport/remoting-server.js';
export type { RemotingServerConfig } from './transport/remoting-server.js';
export type { InvokeCallback } from './transport/async-call.js';
export type {
  ChannelEventListener,
  ProcessorOptions,
  RemotingChannel,
  RemotingClientOptions,
  RemotingServerOptions,
  RequestContext,
  RequestProcessor,
  RPCHook,
} from './transport/types.js';
export { handlerTable, mergeHandlerTables, registerHandlerTable } from './transport/handler-table.js';
export type { HandlerRegistry, HandlerTable, RequestHandler } from './transport/handler-table.js';
export { RequestRefusedError } from './common/errors.js';
export { releaseBodyAfterAnswer } from './transport/landing-buffers.js';
