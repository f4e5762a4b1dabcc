/**
 * The request-reply forms of the producer (Java DefaultMQProducer.request overloads): to the default
 * queue choice, to a given queue, and to a selector's choice, each as a Promise or with a
 * RequestCallback. They differ only in where the request message is sent; the protocol (correlation
 * id, reply table, timeout) is in producer-request.ts and ../request-reply/. The Producer supplies
 * `startTargetedRequest`, which owns the state checks and sends through the same paths as
 * sendAsync / sendToQueueAsync / sendWithSelectorAsync (so a queue-bound request is never retried on
 * another queue).
 */
import { ClientErrorCode, MQClientError } from '../../common/errors.js';
import type { Message, MessageExt, MessageInit } from '../../protocol/message/index.js';
import type { MessageQueue } from '../message-queue.js';
import { ProducerSendApi } from './ordered/producer-send-api.js';
import type { QueueTarget } from './ordered/queue-send.js';
import type { MessageQueueSelector } from './ordered/selectors.js';
import type { SendOptions } from './ordered/send-forms.js';
import type { RequestCallback } from './producer-request.js';
import type { TransactionSendResult } from './transaction/transaction-types.js';

type AnyMessage = Message | MessageInit;

export abstract class ProducerRequestApi extends ProducerSendApi {
  /** Internal: a request sent to `target` (undefined: the default queue choice). */
  protected abstract startTargetedRequest(
    message: AnyMessage,
    callbackOrTimeout: RequestCallback | number | SendOptions | undefined,
    timeoutMillis: number | SendOptions | undefined,
    target: QueueTarget | undefined,
  ): Promise<MessageExt> | void;

  /**
   * Request-reply (Java request): resolves with the reply (RequestTimeoutError after `timeoutMillis`,
   * default sendMsgTimeout) or calls a RequestCallback.
   */
  request(message: AnyMessage, timeoutMillis?: number | SendOptions): Promise<MessageExt>;
  request(message: AnyMessage, callback: RequestCallback, timeoutMillis?: number | SendOptions): void;
  request(
    message: AnyMessage,
    a?: RequestCallback | number | SendOptions,
    b?: number,
  ): Promise<MessageExt> | void {
    return this.startTargetedRequest(message, a, b, undefined);
  }

  /** Request sent to one queue (Java request(msg, mq, timeout)); never moved to another queue. */
  requestToQueue(
    message: AnyMessage,
    queue: MessageQueue,
    timeoutMillis?: number | SendOptions,
  ): Promise<MessageExt>;
  requestToQueue(
    message: AnyMessage,
    queue: MessageQueue,
    callback: RequestCallback,
    timeoutMillis?: number | SendOptions,
  ): void;
  requestToQueue(
    message: AnyMessage,
    queue: MessageQueue,
    a?: RequestCallback | number | SendOptions,
    b?: number | SendOptions,
  ): Promise<MessageExt> | void {
    return this.startTargetedRequest(message, a, b, { queue });
  }

  /** Request sent to the queue a selector picks (Java request(msg, selector, arg, timeout)). */
  requestWithSelector(
    message: AnyMessage,
    selector: MessageQueueSelector,
    arg: unknown,
    timeoutMillis?: number | SendOptions,
  ): Promise<MessageExt>;
  requestWithSelector(
    message: AnyMessage,
    selector: MessageQueueSelector,
    arg: unknown,
    callback: RequestCallback,
    timeoutMillis?: number | SendOptions,
  ): void;
  requestWithSelector(
    message: AnyMessage,
    selector: MessageQueueSelector,
    arg: unknown,
    a?: RequestCallback | number | SendOptions,
    b?: number | SendOptions,
  ): Promise<MessageExt> | void {
    return this.startTargetedRequest(message, a, b, { selector, arg });
  }

  /** Refused: only a TransactionProducer (with its listener) sends transactional messages, as in Java. */
  sendMessageInTransaction(_message: Message | MessageInit, _arg?: unknown): Promise<TransactionSendResult> {
    return Promise.reject(
      new MQClientError(
        'sendMessageInTransaction not implement, please use TransactionMQProducer class (a TransactionProducer)',
        { code: ClientErrorCode.NOT_SUPPORTED },
      ),
    );
  }
}
