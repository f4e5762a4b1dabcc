/**
 * The shapes every send method shares: the message as a Message or its init object, and the two
 * async forms (a SendCallback, or a Promise when none is given).
 */
import { Message } from '../../../protocol/message/index.js';
import type { MessageInit } from '../../../protocol/message/index.js';
import type { SendResult } from '../send-result.js';

export interface SendCallback {
  onSuccess(result: SendResult): void;
  onException(error: unknown): void;
}

export type AnyMessage = Message | MessageInit;

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
