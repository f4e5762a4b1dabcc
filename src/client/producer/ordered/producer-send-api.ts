/**
 * The producer's queue-aware send API (Java DefaultMQProducer's send(msg, mq ...), send(msg, selector,
 * arg ...), send(Collection ...) with a queue or a callback), kept out of producer.ts: Producer
 * extends this class and supplies the two internal steps (`sendTargeted`, `makeBatch`), which own the
 * state checks, message checks and the drain bookkeeping of every send.
 *
 * Every async form takes a SendCallback (onSuccess / onException, exactly one is called, nothing is
 * returned) or returns a Promise, like Producer.sendAsync.
 */
import type { MessageQueue } from '../../message-queue.js';
import type { SendResult } from '../send-result.js';
import { maxBatchBytesOf, sendInParts, splitIntoBatches } from './batch-splitter.js';
import { keyedMessage, toMessage } from './send-forms.js';
import type { AnyMessage, SendBatchesOptions, SendCallback, SendOptions } from './send-forms.js';

import { SendForms } from './send-base.js';
import { selectMessageQueueByHash } from './selectors.js';
import type { MessageQueueSelector } from './selectors.js';

export type { SendBatchesOptions };

export abstract class ProducerSendApi extends SendForms {
  /**
   * Async send. With a callback, its onSuccess/onException is called (exactly one of them) and nothing
   * is returned; without, the returned Promise settles. Transport failures are retried on another broker
   * up to retryTimesWhenSendAsyncFailed times.
   */
  sendAsync(message: AnyMessage, callback: SendCallback, timeoutMillis?: number | SendOptions): Promise<void>;
  sendAsync(message: AnyMessage, timeoutMillis?: number | SendOptions): Promise<SendResult>;
  sendAsync(
    message: AnyMessage,
    callbackOrTimeout?: SendCallback | number | SendOptions,
    timeoutMillis?: number | SendOptions,
  ): Promise<SendResult> | Promise<void> {
    if (
      timeoutMillis === undefined &&
      (callbackOrTimeout === undefined || typeof callbackOrTimeout === 'number')
    )
      return this.sendAsyncPromise(message, callbackOrTimeout ?? this.config.sendMsgTimeout);
    return this.sendAsyncForm(() => toMessage(message), undefined, callbackOrTimeout, timeoutMillis);
  }

  /** Sync send to `queue` (from fetchPublishMessageQueues): one attempt, never another queue. */
  async sendToQueue(
    message: AnyMessage,
    queue: MessageQueue,
    timeoutMillis?: number | SendOptions,
  ): Promise<SendResult> {
    return this.sendSync(toMessage(message), timeoutMillis, { queue });
  }

  /** Async send to `queue`; unanswered transport failures are retried to the same queue only. */
  sendToQueueAsync(
    message: AnyMessage,
    queue: MessageQueue,
    callback: SendCallback,
    timeoutMillis?: number | SendOptions,
  ): Promise<void>;
  sendToQueueAsync(
    message: AnyMessage,
    queue: MessageQueue,
    timeoutMillis?: number | SendOptions,
  ): Promise<SendResult>;
  sendToQueueAsync(
    message: AnyMessage,
    queue: MessageQueue,
    callbackOrTimeout?: SendCallback | number | SendOptions,
    timeoutMillis?: number | SendOptions,
  ): Promise<SendResult> | Promise<void> {
    return this.sendAsyncForm(() => toMessage(message), { queue }, callbackOrTimeout, timeoutMillis);
  }

  /** Oneway send to `queue`: resolves once written. */
  async sendToQueueOneway(message: AnyMessage, queue: MessageQueue, options?: SendOptions): Promise<void> {
    await this.sendTargeted(toMessage(message), 'ONEWAY', options ?? this.config.sendMsgTimeout, { queue });
  }

  /** Sync send to the queue `selector` picks for `arg` (Java send(msg, selector, arg)). */
  async sendWithSelector(
    message: AnyMessage,
    selector: MessageQueueSelector,
    arg: unknown,
    timeoutMillis?: number | SendOptions,
  ): Promise<SendResult> {
    return this.sendSync(toMessage(message), timeoutMillis, { selector, arg });
  }

  /** Async send to the queue `selector(queues, message, arg)` picks; the outcome goes to `callback`. */
  sendWithSelectorAsync(
    message: AnyMessage,
    selector: MessageQueueSelector,
    arg: unknown,
    callback: SendCallback,
    timeoutMillis?: number | SendOptions,
  ): Promise<void>;
  /** Async send to the queue `selector(queues, message, arg)` picks; resolves with the SendResult. */
  sendWithSelectorAsync(
    message: AnyMessage,
    selector: MessageQueueSelector,
    arg: unknown,
    timeoutMillis?: number | SendOptions,
  ): Promise<SendResult>;
  sendWithSelectorAsync(
    message: AnyMessage,
    selector: MessageQueueSelector,
    arg: unknown,
    callbackOrTimeout?: SendCallback | number | SendOptions,
    timeoutMillis?: number | SendOptions,
  ): Promise<SendResult> | Promise<void> {
    return this.sendAsyncForm(() => toMessage(message), { selector, arg }, callbackOrTimeout, timeoutMillis);
  }

  /** Oneway send to the queue the selector picks: no response awaited, no retry. */
  async sendWithSelectorOneway(
    message: AnyMessage,
    selector: MessageQueueSelector,
    arg: unknown,
    options?: SendOptions,
  ): Promise<void> {
    const timeout = options ?? this.config.sendMsgTimeout;
    await this.sendTargeted(toMessage(message), 'ONEWAY', timeout, { selector, arg });
  }

  /**
   * Ordered send by sharding key: the queue SelectMessageQueueByHash picks for the key (the same queue
   * a Java producer picks), and the key in the message's __SHARDINGKEY property (5.x).
   */
  async sendOrderly(
    message: AnyMessage,
    shardingKey: string,
    timeoutMillis?: number | SendOptions,
  ): Promise<SendResult> {
    const msg = keyedMessage(message, shardingKey);
    return this.sendSync(msg, timeoutMillis, { selector: selectMessageQueueByHash, arg: shardingKey });
  }

  /** Async ordered send: messages with the same `shardingKey` go to the same queue (hash of the key); the outcome goes to `callback`. */
  sendOrderlyAsync(
    message: AnyMessage,
    shardingKey: string,
    callback: SendCallback,
    timeoutMillis?: number | SendOptions,
  ): Promise<void>;
  /** Async ordered send: messages with the same `shardingKey` go to the same queue (hash of the key); resolves with the SendResult. */
  sendOrderlyAsync(
    message: AnyMessage,
    shardingKey: string,
    timeoutMillis?: number | SendOptions,
  ): Promise<SendResult>;
  sendOrderlyAsync(
    message: AnyMessage,
    shardingKey: string,
    callbackOrTimeout?: SendCallback | number | SendOptions,
    timeoutMillis?: number | SendOptions,
  ): Promise<SendResult> | Promise<void> {
    const target = { selector: selectMessageQueueByHash, arg: shardingKey };
    return this.sendAsyncForm(
      () => keyedMessage(message, shardingKey),
      target,
      callbackOrTimeout,
      timeoutMillis,
    );
  }

  /** Oneway ordered send to the queue chosen by the hash of `shardingKey`: no response awaited. */
  async sendOrderlyOneway(message: AnyMessage, shardingKey: string, options?: SendOptions): Promise<void> {
    const msg = keyedMessage(message, shardingKey);
    const target = { selector: selectMessageQueueByHash, arg: shardingKey };
    await this.sendTargeted(msg, 'ONEWAY', options ?? this.config.sendMsgTimeout, target);
  }

  /** Async batch (one SEND_BATCH_MESSAGE); retried on another broker like sendAsync. */
  sendBatchAsync(
    messages: readonly AnyMessage[],
    callback: SendCallback,
    timeoutMillis?: number | SendOptions,
  ): Promise<void>;
  sendBatchAsync(messages: readonly AnyMessage[], timeoutMillis?: number | SendOptions): Promise<SendResult>;
  sendBatchAsync(
    messages: readonly AnyMessage[],
    callbackOrTimeout?: SendCallback | number | SendOptions,
    timeoutMillis?: number | SendOptions,
  ): Promise<SendResult> | Promise<void> {
    return this.sendAsyncForm(() => this.makeBatch(messages), undefined, callbackOrTimeout, timeoutMillis);
  }

  /** Sync batch to one queue. */
  async sendBatchToQueue(
    messages: readonly AnyMessage[],
    queue: MessageQueue,
    timeoutMillis?: number | SendOptions,
  ): Promise<SendResult> {
    return this.sendSync(this.makeBatch(messages), timeoutMillis, { queue });
  }

  /** Async send of a batch (one topic) to the given queue; the outcome goes to `callback`. */
  sendBatchToQueueAsync(
    messages: readonly AnyMessage[],
    queue: MessageQueue,
    callback: SendCallback,
    timeoutMillis?: number | SendOptions,
  ): Promise<void>;
  /** Async send of a batch (one topic) to the given queue; resolves with the SendResult. */
  sendBatchToQueueAsync(
    messages: readonly AnyMessage[],
    queue: MessageQueue,
    timeoutMillis?: number | SendOptions,
  ): Promise<SendResult>;
  sendBatchToQueueAsync(
    messages: readonly AnyMessage[],
    queue: MessageQueue,
    callbackOrTimeout?: SendCallback | number | SendOptions,
    timeoutMillis?: number | SendOptions,
  ): Promise<SendResult> | Promise<void> {
    return this.sendAsyncForm(() => this.makeBatch(messages), { queue }, callbackOrTimeout, timeoutMillis);
  }

  /**
   * Sends a list of any length as consecutive sync batches, each within `maxBatchBytes`; resolves with
   * one SendResult per sub-batch. Every batch rule is checked on the whole list before anything is
   * sent; a failing sub-batch stops the rest (BatchSendError, with the results before it).
   */
  async sendBatches(
    messages: readonly AnyMessage[],
    options: SendBatchesOptions = {},
  ): Promise<SendResult[]> {
    const maxBatchBytes = maxBatchBytesOf(options.maxBatchBytes, this.config.maxMessageSize);
    const whole = this.makeBatch(messages);
    return sendInParts(splitIntoBatches(whole.messages, maxBatchBytes), (part) =>
      this.sendSync(this.makeBatch(part), options, undefined),
    );
  }
}
