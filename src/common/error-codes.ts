/**
 * Client error codes: what a RocketMQError's `code` is when no broker answered it. 10001-10007 are
 * Java's ClientErrorCode numbers; the others are ours (Java throws those cases with code -1, which
 * says nothing). The README's "Client error codes" table lists them all (a test keeps it in step).
 */

/** Client-side error codes (10001-10007 numbered as Java's ClientErrorCode). */
export const ClientErrorCode = {
  /** Java: a connection to a broker or name server could not be opened (RemotingConnectError). */
  CONNECT_BROKER_EXCEPTION: 10001,
  /** Java: a broker or name server did not answer within the timeout (RemotingTimeoutError). */
  ACCESS_BROKER_TIMEOUT: 10002,
  /** Java: the route names a broker whose address is not known. */
  BROKER_NOT_EXIST_EXCEPTION: 10003,
  /** Java: no name server address is configured (nameServer option, NAMESRV_ADDR). */
  NO_NAME_SERVER_EXCEPTION: 10004,
  /** Java: the name server has no route for the topic. */
  NOT_FOUND_TOPIC_EXCEPTION: 10005,
  /** Java: request-reply: the reply did not arrive in time (RequestTimeoutError). */
  REQUEST_TIMEOUT_EXCEPTION: 10006,
  /** Java: createReplyMessage was given a message that is not a stored request. */
  CREATE_REPLY_MESSAGE_EXCEPTION: 10007,
  /** A TLS handshake failed (TlsHandshakeError). */
  TLS_HANDSHAKE_EXCEPTION: 10100,
  // 10201 and up: not Java codes. Java throws these cases as MQClientException with code -1.
  /** A bad argument or option value (IllegalArgumentError unless a more specific code applies). */
  ILLEGAL_ARGUMENT: 10201,
  /** An options object has a key no option of it is named (a typo: the message names the nearest). */
  UNKNOWN_OPTION: 10202,
  /** Called in the wrong lifecycle state: before start, after shutdown, started twice. */
  ILLEGAL_STATE: 10203,
  /** A topic name that is blank, too long, has illegal characters or is reserved. */
  INVALID_TOPIC: 10204,
  /** A producer or consumer group name that is blank, too long, illegal or reserved. */
  INVALID_GROUP: 10205,
  /** A second producer or consumer of the same group in one client instance. */
  GROUP_ALREADY_REGISTERED: 10206,
  /** The call's time budget ran out before or between attempts (RemotingTooMuchRequestError). */
  CALL_TIMEOUT: 10207,
  /** A request could not be written, or its connection closed before the answer (RemotingSendRequestError). */
  SEND_REQUEST_FAILED: 10208,
  /** Bytes received that are not a valid RocketMQ frame, header or body (ProtocolError). */
  PROTOCOL_ERROR: 10209,
  /** A frame whose declared length is over the maximum frame size (FrameTooLargeError). */
  FRAME_TOO_LARGE: 10210,
  /** A batch that breaks the batch rules: mixed topics, delays, retry topics, too large (BatchRuleError). */
  BATCH_RULE_VIOLATED: 10211,
  /** No queue could be chosen: the selector threw, returned nothing or a queue outside the route. */
  QUEUE_SELECTION_FAILED: 10212,
  /** A batch split into several sends, some of which failed (BatchSendError). */
  BATCH_PARTIALLY_SENT: 10213,
  /** shutdown() settled a send that was never written to a broker (MessageNotSentError). */
  MESSAGE_NOT_SENT: 10214,
  /** shutdown() settled a send that was written but never answered: maybe stored (SendOutcomeUnknownError). */
  SEND_OUTCOME_UNKNOWN: 10215,
  /** The local transaction did not settle within its time limit (LocalTransactionTimeoutError). */
  LOCAL_TRANSACTION_TIMEOUT: 10216,
  /** An API that this kind of client does not offer (sendMessageInTransaction on a plain Producer). */
  NOT_SUPPORTED: 10217,
  /** An ACL configuration file that cannot be read or does not parse (AclConfigError). */
  ACL_CONFIG_INVALID: 10218,
  /** A message pushed by a broker that cannot be used (a reply without a valid reply-to address). */
  BAD_PUSHED_MESSAGE: 10219,
  /** A directory (a store, a config or offset directory) that cannot be created or is not a directory. */
  DIRECTORY_UNUSABLE: 10220,
  /** A broker answered a batch with a number of message ids that does not match the batch. */
  ILLEGAL_SEND_RESULT: 10221,
  /** The caller's AbortSignal aborted the call (AbortError). */
  ABORTED: 10222,
  /** A broadcasting consumer's local offsets file and its .bak are both unreadable (LocalOffsetFileError). */
  LOCAL_OFFSETS_UNREADABLE: 10223,
} as const;
