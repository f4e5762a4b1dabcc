/**
 * The producer's queue-aware send API (Java DefaultMQProducer's send(msg, mq ...), send(msg, selector,
 * arg ...), send(Collection ...) with a queue or a callback), kept out of producer.ts: Producer
 * extends this class and supplies the two internal steps (`sendTargeted`, `makeBatch`), which own the
 * state checks, message checks and the drain bookkeeping of every send.
 *
 * Every async form takes a SendCallback (onSuccess / onException, exactly one is called, nothing is
 * returned) or returns a Promise, like Producer.sendAsync.
 */
import { IllegalArgumentError } from '../../../common/errors.js';
import type { Message } from '../../../protocol/message/index.js';
import type { MessageQueue } from '../../message-queue.js';
import type { CommunicationMode } from '../hooks.js';
import type { MessageBatch } from '../message-batch.js';
import type { ProducerConfig } from '../producer-options.js';
import type { SendResult } from '../send-result.js';
import { splitIntoBatches } from './batch-splitter.js';
import { BatchSendError } from './queue-errors.js';
import { deliver, isSendCallback, keyedMessage, toMessage } from './send-forms.js';
import type { AnyMessage, SendBatchesOptions, SendCallback, SendOptions } from './send-forms.js';
import { admitAsync } from '../send/async-backpressure.js';
import type { AsyncBackpressure } from '../send/async-backpressure.js';
import { EventSource } from '../../events/event-hub.js';
import type { ProducerEventMap } from '../producer-events.js';

export type { SendBatchesOptions };
import type { QueueTarget } from './queue-send.js';
import { selectMessageQueueByHash } from './selectors.js';
import type { MessageQueueSelector } from './selectors.js';

export abstract class ProducerSendApi extends EventSource<ProducerEventMap> {
  abstract readonly config: ProducerConfig;

  /** Internal: one send of `message` in `mode`, to `target` (undefined: the default queue choice). */
  protected abstract sendTargeted(
    message: Message,
    mode: CommunicationMode,
    timeoutMillis: number | SendOptions,
    target: QueueTarget | undefined,
  ): Promise<SendResult | undefined>;

  /** Internal: the messages as one batch (state and batch rules checked). */
  protected abstract makeBatch(messages: readonly AnyMessage[]): MessageBatch;

  /** Internal: the async backpressure gate (enableBackpressureForAsyncMode), or undefined. */
  protected abstract asyncBackpressure(): AsyncBackpressure | undefined;

  /** Internal: a SendCallback threw. */
  protected abstract callbackThrew(error: unknown): void;

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
    return this.#async(() => toMessage(message), undefined, callbackOrTimeout, timeoutMillis);
  }

  /** Sync send to `queue` (from fetchPublishMessageQueues): one attempt, never another queue. */
  async sendToQueue(
    message: AnyMessage,
    queue: MessageQueue,
    timeoutMillis?: number | SendOptions,
  ): Promise<SendResult> {
    return this.#sync(toMessage(message), timeoutMillis, { queue });
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
    return this.#async(() => toMessage(message), { queue }, callbackOrTimeout, timeoutMillis);
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
    return this.#sync(toMessage(message), timeoutMillis, { selector, arg });
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
    return this.#async(() => toMessage(message), { selector, arg }, callbackOrTimeout, timeoutMillis);
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
    return this.#sync(msg, timeoutMillis, { selector: selectMessageQueueByHash, arg: shardingKey });
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
    return this.#async(() => keyedMessage(message, shardingKey), target, callbackOrTimeout, timeoutMillis);
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
    return this.#async(() => this.makeBatch(messages), undefined, callbackOrTimeout, timeoutMillis);
  }

  /** Sync batch to one queue. */
  async sendBatchToQueue(
    messages: readonly AnyMessage[],
    queue: MessageQueue,
    timeoutMillis?: number | SendOptions,
  ): Promise<SendResult> {
    return this.#sync(this.makeBatch(messages), timeoutMillis, { queue });
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
    return this.#async(() => this.makeBatch(messages), { queue }, callbackOrTimeout, timeoutMillis);
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
    const maxBatchBytes = options.maxBatchBytes ?? this.config.maxMessageSize;
    if (
      !Number.isSafeInteger(maxBatchBytes) ||
      maxBatchBytes < 1 ||
      maxBatchBytes > this.config.maxMessageSize
    ) {
      throw new IllegalArgumentError(
        `maxBatchBytes must be an integer in 1..maxMessageSize (${this.config.maxMessageSize}), got ${String(maxBatchBytes)}`,
      );
    }
    const whole = this.makeBatch(messages);
    const parts = splitIntoBatches(whole.messages, maxBatchBytes);
    const results: SendResult[] = [];
    for (const [index, part] of parts.entries()) {
      try {
        results.push(await this.#sync(this.makeBatch(part), options, undefined));
      } catch (err) {
        throw new BatchSendError(results, index, parts.length, err);
      }
    }
    return results;
  }

  async #sync(
    message: Message,
    timeoutMillis: number | SendOptions | undefined,
    target: QueueTarget | undefined,
  ): Promise<SendResult> {
    const timeout = timeoutMillis ?? this.config.sendMsgTimeout;
    return (await this.sendTargeted(message, 'SYNC', timeout, target)) as SendResult;
  }

  #async(
    message: () => Message,
    target: QueueTarget | undefined,
    callbackOrTimeout: SendCallback | number | SendOptions | undefined,
    timeoutMillis: number | SendOptions | undefined,
  ): Promise<SendResult> | Promise<void> {
    const callback = isSendCallback(callbackOrTimeout) ? callbackOrTimeout : undefined;
    const timeout =
      (callback === undefined && callbackOrTimeout !== undefined
        ? (callbackOrTimeout as number | SendOptions)
        : timeoutMillis) ?? this.config.sendMsgTimeout;
    const budget =
      typeof timeout === 'number' ? timeout : (timeout.timeoutMillis ?? this.config.sendMsgTimeout);
    // With backpressure on, the send first waits for room (within its budget); the callback form
    // resolves once it is in. The send then gets what is left of the budget, and the caller's signal.
    const { admitted, result } = admitAsync(
      this.asyncBackpressure(),
      message,
      budget,
      (msg, left) =>
        this.sendTargeted(
          msg,
          'ASYNC',
          typeof timeout === 'number' ? left : { ...timeout, timeoutMillis: left },
          target,
        ) as Promise<SendResult>,
    );
    return deliver(result, callback, (err) => this.callbackThrew(err)) ?? admitted;
  }
}
