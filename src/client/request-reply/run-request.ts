/**
 * The request half of request-reply (Java DefaultMQProducerImpl.request + prepareSendRequest),
 * independent of how the request message is sent: the caller passes the send (the producer's async
 * send to the default queue; a chosen queue or a selector work the same way).
 *
 *  1. CORRELATION_ID (a random UUID), REPLY_TO_CLIENT (this client instance's id) and TTL (the
 *     timeout in ms, as a decimal string) are set on the message
 *  2. without a route for the topic yet: fetch it, then heartbeat every broker, so that the broker
 *     the reply reaches knows this client's connection (the `prepare` step)
 *  3. the request waits in the instance's RequestFutureTable; the message is sent with what is left
 *     of the timeout; the reply, a send failure or the deadline (start + timeout) ends the wait
 */
import { randomUUID } from 'node:crypto';
import { ClientErrorCode, MQClientError, RocketMQError } from '../../common/errors.js';
import { MessageConst } from '../../protocol/message/index.js';
import type { Message, MessageExt } from '../../protocol/message/index.js';
import { throwIfAborted } from '../../common/abort-error.js';
import { monotonicNow } from '../../transport/sweeper.js';
import { untilAborted } from '../abortable.js';
import type { RequestFutureTable } from './request-table.js';

/** Sends the prepared request message within `timeoutMillis` (resolves once the broker stored it). */
export type SendRequestMessage = (
  message: Message,
  timeoutMillis: number,
  signal: AbortSignal | undefined,
) => Promise<unknown>;

/** What a request needs from its producer and client instance. */
export interface RequestHost {
  readonly requests: RequestFutureTable;
  /** Id of the client instance: where the broker pushes the reply. */
  readonly clientId: string;
  /** Makes sure the topic's route is known and the brokers know this client (Java prepareSendRequest). */
  prepare(topic: string): Promise<void>;
}

export interface RequestOptions {
  /**
   * How a failed send is reported: wrapped in MQClientError "send request message to <topic> fail"
   * (Java's blocking request) or as is (Java's RequestCallback.onException). Default true.
   */
  wrapSendError?: boolean;
  /**
   * Aborting settles the request at once with AbortError: its reply-table entry is removed and its
   * send aborted. An aborted signal rejects before anything is sent.
   */
  signal?: AbortSignal | undefined;
}

/** Step 1: the request properties; returns the correlation id. */
export function prepareRequestMessage(message: Message, clientId: string, timeoutMillis: number): string {
  const correlationId = randomUUID();
  message.putProperty(MessageConst.PROPERTY_CORRELATION_ID, correlationId);
  message.putProperty(MessageConst.PROPERTY_MESSAGE_REPLY_TO_CLIENT, clientId);
  message.putProperty(MessageConst.PROPERTY_MESSAGE_TTL, String(timeoutMillis));
  return correlationId;
}

/** Sends `message` as a request and resolves with its reply (see the steps above). */
export async function runRequest(
  host: RequestHost,
  message: Message,
  timeoutMillis: number,
  send: SendRequestMessage,
  options: RequestOptions = {},
): Promise<MessageExt> {
  const begin = monotonicNow();
  const signal = options.signal;
  throwIfAborted(signal, 'request');
  const correlationId = prepareRequestMessage(message, host.clientId, timeoutMillis);
  const topic = message.topic;
  const what = `request to <${topic}>`;
  await untilAborted(host.prepare(topic), signal, what);
  const remaining = Math.max(0, Math.floor(timeoutMillis - (monotonicNow() - begin)));
  const reply = new Promise<MessageExt>((resolve, reject) =>
    host.requests.add({
      correlationId,
      topic,
      timeoutMillis,
      remainingMillis: remaining,
      onReply: resolve,
      onError: reject,
    }),
  );
  send(message, remaining, signal).then(
    () => host.requests.markSent(correlationId),
    (err: unknown) =>
      host.requests.fail(
        correlationId,
        options.wrapSendError === false
          ? err
          : new MQClientError(`send request message to <${topic}> fail`, {
              cause: err,
              retriable: false,
              code: err instanceof RocketMQError ? err.code : ClientErrorCode.SEND_REQUEST_FAILED,
            }),
      ),
  );
  return untilAborted(reply, signal, what, (error) => host.requests.fail(correlationId, error));
}
