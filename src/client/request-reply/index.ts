/** Request-reply (Java 4.6+): the core shared by the client instance and the producer. */
export { REQUEST_SCAN_INTERVAL_MILLIS, RequestFutureTable } from './request-table.js';
export type { PendingRequestInit } from './request-table.js';
export { replyHandlers } from './reply-handler.js';
export {
  REPLY_TOPIC_POSTFIX,
  createReplyMessage,
  getReplyToClient,
  replyMessageFromPush,
  replyTopicOf,
} from './reply-message.js';
export type { HasProperties } from './reply-message.js';
export { prepareRequestMessage, runRequest } from './run-request.js';
export type { RequestHost, RequestOptions, SendRequestMessage } from './run-request.js';
