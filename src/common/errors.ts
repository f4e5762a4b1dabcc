/**
 * Error classes of rocketmq-ts. Every error carries a numeric `code`: a RocketMQ response code
 * (broker / name server answers) or a client error code (ClientErrorCode, CodecErrorCode): never -1,
 * every error a user can get says what kind it is by its code (README "Client error codes"). Plus
 * `retriable`, which tells the producer's send loop whether another attempt may help (the one
 * thing it reads). Retriable by default: transport failures (RemotingError), client-side failures
 * (MQClientError) and malformed frames or headers (ProtocolError), as Java's send loop retries
 * RemotingException and MQClientException; a broker's answer (MQBrokerError) by its response code
 * (retriable-codes.ts). Callers test with `instanceof`, never by message text.
 */
import { ClientErrorCode } from './error-codes.js';
import { errorToJSON } from './json-form.js';
import { isRetriableResponseCode } from './retriable-codes.js';

export { ClientErrorCode } from './error-codes.js';

/** The base class requires a code; subclasses with one obvious code default to it. */
export interface CodedErrorOptions extends RocketMQErrorOptions {
  code: number;
}

/** Construction options of RocketMQError: numeric `code`, whether a retry may succeed (`retriable`), and the `cause`. */
export interface RocketMQErrorOptions {
  /** Numeric code (see RocketMQError.code). */
  code?: number;
  /** Whether a retry may succeed; default depends on the class. */
  retriable?: boolean;
  /** The underlying error, kept as `cause`. */
  cause?: unknown;
}

/** Base class of every error this library throws on purpose. */
export class RocketMQError extends Error {
  /** Numeric error code: a ClientErrorCode for client-side errors, the broker's response code for MQBrokerError. */
  readonly code: number;
  /** True when trying again (e.g. on another broker) may succeed; producers retry only retriable errors. */
  readonly retriable: boolean;

  constructor(message: string, options: CodedErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
    this.retriable = options.retriable ?? false;
  }

  /**
   * What JSON.stringify writes: name, code, message, retriable, the own fields of the subclass (bigints
   * as decimal strings, Buffers as `{ base64 }`), and `cause` when it is an Error (its name, message
   * and code) or plain JSON. Never throws.
   */
  toJSON(): Record<string, unknown> {
    return errorToJSON(this);
  }
}

/**
 * Bytes that do not form a valid RocketMQ frame or header. The connection that sent them is closed.
 * Retriable by the producer: another broker may answer well formed (Java's RemotingCommandException
 * is a RemotingException).
 */
export class ProtocolError extends RocketMQError {
  constructor(message: string, options: RocketMQErrorOptions = {}) {
    super(message, { retriable: true, code: ClientErrorCode.PROTOCOL_ERROR, ...options });
  }
}

/** A frame whose declared length exceeds the configured maximum. */
export class FrameTooLargeError extends ProtocolError {
  constructor(
    /** Frame length the peer declared, bytes. */
    readonly declaredLength: number,
    /** Largest frame accepted, bytes. */
    readonly maxFrameLength: number,
  ) {
    super(`frame length ${declaredLength} is outside 0..${maxFrameLength} (maximum frame size)`, {
      code: ClientErrorCode.FRAME_TOO_LARGE,
    });
  }
}

/**
 * A frame header over one of the decoder's limits: more bytes than `maxHeaderLength` or more fields
 * than `maxHeaderFields`. Its code is MESSAGE_ILLEGAL (13), what Java answers for over-long send
 * properties; the connection is closed, after answering the request when its opaque could be read.
 */
export class HeaderLimitError extends ProtocolError {
  /** Opaque of the refused request, when it could be read and the request expects an answer. */
  answerOpaque: number | undefined = undefined;

  constructor(
    readonly limit: 'headerLength' | 'headerFields',
    readonly max: number,
    message: string,
  ) {
    super(message, { code: 13 });
  }
}

/** A required custom-header field is absent, or a field value cannot be parsed. Maps to SYSTEM_ERROR. */
export class HeaderFieldError extends ProtocolError {
  constructor(message: string) {
    super(message, { code: 1 });
  }
}

/** Wrong use of the API by the caller (bad option, bad argument). Never retried. */
export class IllegalArgumentError extends RocketMQError {
  constructor(message: string, options: RocketMQErrorOptions = {}) {
    super(message, { code: ClientErrorCode.ILLEGAL_ARGUMENT, ...options });
  }
}

/** Base of transport failures (Java RemotingException). Retriable by the producer. */
export class RemotingError extends RocketMQError {
  constructor(message: string, options: CodedErrorOptions) {
    super(message, { retriable: true, ...options });
  }
}

/** Could not open a connection to the address (refused, unreachable, connect timeout). */
export class RemotingConnectError extends RemotingError {
  constructor(
    /** Address (`host:port`) of the peer. */
    readonly address: string,
    options: RocketMQErrorOptions & { reason?: string } = {},
  ) {
    super(`connect to ${address} failed${options.reason ? `: ${options.reason}` : ''}`, {
      code: ClientErrorCode.CONNECT_BROKER_EXCEPTION,
      ...options,
    });
  }
}

/**
 * What went wrong in a TLS handshake: the server's certificate is not signed by a trusted CA
 * (`unknown-ca`), does not name the host or `servername` (`hostname-mismatch`), is `expired` or
 * `not-yet-valid`; the server wants a client certificate (`client-certificate-required`) or refused
 * ours (`client-certificate-rejected`); the server closed the connection mid-handshake, as a TLS-disabled
 * server does (`handshake-refused`); the server does not speak TLS (`not-tls`); anything else (`protocol`).
 */
export type TlsFailure =
  | 'unknown-ca'
  | 'hostname-mismatch'
  | 'expired'
  | 'not-yet-valid'
  | 'client-certificate-required'
  | 'client-certificate-rejected'
  | 'handshake-refused'
  | 'not-tls'
  | 'protocol';

/**
 * A TLS handshake failed. Not retriable: another attempt meets the same certificate or configuration
 * (a send fails at once instead of spending its retries). `tlsCode` is Node's / OpenSSL's error code.
 */
export class TlsHandshakeError extends RemotingConnectError {
  constructor(
    address: string,
    /** What went wrong, classified (unknown CA, host name mismatch, expired, refused, not TLS, protocol). */
    readonly failure: TlsFailure,
    /** Node's / OpenSSL's error code, when there is one. */
    readonly tlsCode: string | undefined,
    explanation: string,
    cause?: unknown,
  ) {
    super(address, {
      reason: `TLS handshake failed (${failure}${tlsCode ? `, ${tlsCode}` : ''}): ${explanation}`,
      code: ClientErrorCode.TLS_HANDSHAKE_EXCEPTION,
      retriable: false,
      cause,
    });
  }
}

/** No response arrived within the request's timeout. */
export class RemotingTimeoutError extends RemotingError {
  constructor(
    /** Address (`host:port`) of the peer. */
    readonly address: string,
    /** The timeout that passed, ms. */
    readonly timeoutMillis: number,
    options: RocketMQErrorOptions & { detail?: string } = {},
  ) {
    super(
      `wait response on the channel <${address}> timeout, ${timeoutMillis}(ms)${options.detail ? `: ${options.detail}` : ''}`,
      { code: ClientErrorCode.ACCESS_BROKER_TIMEOUT, ...options },
    );
  }
}

/** The request could not be written, or the connection closed before its response arrived. */
export class RemotingSendRequestError extends RemotingError {
  constructor(
    /** Address (`host:port`) of the peer. */
    readonly address: string,
    options: RocketMQErrorOptions & { reason?: string } = {},
  ) {
    super(`send request to <${address}> failed${options.reason ? `: ${options.reason}` : ''}`, {
      code: ClientErrorCode.SEND_REQUEST_FAILED,
      ...options,
    });
  }
}

/** Too many requests in flight (no permit within the timeout), or no time budget left. */
export class RemotingTooMuchRequestError extends RemotingError {
  constructor(message: string, options: RocketMQErrorOptions = {}) {
    super(message, { code: ClientErrorCode.CALL_TIMEOUT, ...options });
  }
}

/**
 * Client-side failure with a client error code (Java MQClientException). Retriable by the producer
 * (Java's send loop retries every MQClientException: a broker without a known address, a veto).
 */
export class MQClientError extends RocketMQError {
  constructor(message: string, options: CodedErrorOptions) {
    super(message, { retriable: true, ...options });
  }
}

/**
 * An error answer from a broker or name server (Java MQBrokerException). `code` is the response code;
 * `retriable` comes from the response-code table unless given.
 */
export class MQBrokerError extends RocketMQError {
  constructor(
    code: number,
    /** The remark of the error response (the server's explanation). */
    readonly remark: string | undefined,
    /** Address of the broker or name server that answered, when known. */
    readonly brokerAddress?: string,
    options: RocketMQErrorOptions = {},
  ) {
    super(`CODE: ${code}  DESC: ${remark ?? ''}${brokerAddress ? `  BROKER: ${brokerAddress}` : ''}`, {
      retriable: isRetriableResponseCode(code),
      ...options,
      code,
    });
  }
}

/** The object was used in the wrong lifecycle state (send before start, start twice, ...). */
export class IllegalStateError extends RocketMQError {
  constructor(message: string, options: RocketMQErrorOptions = {}) {
    super(message, { code: ClientErrorCode.ILLEGAL_STATE, ...options });
  }
}

/**
 * A server-side request handler's refusal: `code` is the response code to answer with and the message
 * is the remark, written as is. Handlers throw it (or reject with it); the transport's dispatcher turns
 * it into the error response, so no handler builds refusal responses by hand. A refusal must be thrown
 * before anything of the request is applied.
 */
export class RequestRefusedError extends RocketMQError {
  constructor(code: number, remark: string) {
    super(remark, { code });
  }
}

/**
 * A request-reply request whose reply did not arrive within its timeout (Java RequestTimeoutException,
 * code REQUEST_TIMEOUT_EXCEPTION 10006). The request itself may have been delivered.
 */
export class RequestTimeoutError extends RocketMQError {
  constructor(
    message: string,
    /** The timeout that passed, ms. */
    readonly timeoutMillis: number,
  ) {
    super(message, { code: ClientErrorCode.REQUEST_TIMEOUT_EXCEPTION });
  }
}
