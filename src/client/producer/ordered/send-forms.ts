/**
 * The shapes every send method shares: the message as a Message or its init object, the timeout as
 * a number of ms or SendOptions (timeout and AbortSignal), and the two async forms (a SendCallback,
 * or a Promise when none is given).
 */
import { checkSignal } from '../../../common/abort-error.js';
import { IllegalArgumentError } from '../../../common/errors.js';
import { Message, MessageConst } from '../../../protocol/message/index.js';
import type { MessageInit } from '../../../protocol/message/index.js';
import type { SendResult } from '../send-result.js';

/** Callback form of an async send (Java SendCallback): exactly one of its methods is called once. */
export interface SendCallback {
  /** Called with the broker's result when the send succeeds. */
  onSuccess(result: SendResult): void;
  /** Called with the error when the send fails after its retries. */
  onException(error: unknown): void;
}

export type AnyMessage = Message | MessageInit;

/** Per-call options of every send method (where a timeout in ms is accepted, these are too). */
export interface SendOptions {
  /** Time budget of the call, ms. Default: the producer's sendMsgTimeout. */
  timeoutMillis?: number | undefined;
  /**
   * Aborting settles the call at once with AbortError (ClientErrorCode.ABORTED): requests waiting
   * for an answer leave the response table, nothing more is sent. An aborted signal rejects before
   * any I/O. A request that reached a broker may still be stored there.
   */
  signal?: AbortSignal | undefined;
}

/** The timeout of a `number | SendOptions` argument (no allocation on the number path). */
export function timeoutOf(arg: number | SendOptions | undefined, defaultMillis: number): number {
  if (typeof arg === 'object' && arg !== null) return arg.timeoutMillis ?? defaultMillis;
  return arg ?? defaultMillis;
}

/** The AbortSignal of a `number | SendOptions` argument; anything but an AbortSignal is refused. */
export function signalOf(arg: number | SendOptions | undefined): AbortSignal | undefined {
  return typeof arg === 'object' && arg !== null ? checkSignal(arg.signal, 'send options') : undefined;
}

/** True for a SendCallback (an object with onSuccess), false for SendOptions or a number. */
export function isSendCallback(arg: unknown): arg is SendCallback {
  return typeof (arg as SendCallback | null)?.onSuccess === 'function';
}

export function toMessage(m: AnyMessage): Message {
  return m instanceof Message || m === null || m === undefined ? m : new Message(m);
}

/**
 * Without a callback: the promise. With one: exactly one of onSuccess / onException is called when
 * the promise settles (a callback that throws is reported to `callbackThrew`), and nothing is returned.
 */
export function deliver(
  promise: Promise<SendResult>,
  callback: SendCallback | undefined,
  callbackThrew: (error: unknown) => void,
): Promise<SendResult> | void {
  if (callback === undefined) return promise;
  const safely = (fn: () => void): void => {
    try {
      fn();
    } catch (err) {
      callbackThrew(err);
    }
  };
  promise.then(
    (result) => safely(() => callback.onSuccess(result)),
    (err: unknown) => safely(() => callback.onException(err)),
  );
}

export interface SendBatchesOptions extends SendOptions {
  /** Budget of each sub-batch's send, ms (default sendMsgTimeout); `signal` aborts the sub-batch under way. */
  timeoutMillis?: number | undefined;
  /** Size limit of each sub-batch's body, bytes (default and maximum: maxMessageSize). */
  maxBatchBytes?: number;
}

export function checkShardingKey(key: unknown): string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new IllegalArgumentError(
      `the sharding key must be a non-empty string, got ${typeof key === 'string' ? '""' : typeof key}`,
    );
  }
  return key;
}

/**
 * A send's time budget must be a finite number of ms, at least 0: NaN would reach the transport as a
 * deadline that never comes (the call would wait forever), Infinity likewise.
 */
export function checkSendTimeout(timeoutMillis: number): void {
  if (typeof timeoutMillis !== 'number' || !Number.isFinite(timeoutMillis) || timeoutMillis < 0) {
    throw new IllegalArgumentError(
      `send timeout must be a finite number of milliseconds >= 0, got ${String(timeoutMillis)} (omit it for sendMsgTimeout)`,
    );
  }
}

/** An ordered send's message: the sharding key checked and set as __SHARDINGKEY (Java's property). */
export function keyedMessage(message: AnyMessage, shardingKey: string): Message {
  const msg = toMessage(message);
  checkShardingKey(shardingKey);
  msg?.putProperty?.(MessageConst.PROPERTY_SHARDING_KEY, shardingKey);
  return msg;
}
