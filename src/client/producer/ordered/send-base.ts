/**
 * What every send form of ProducerSendApi comes down to: a sync send, an async send in its promise
 * or callback form under the backpressure gate, and the fast path of the plain promise form. Producer
 * supplies the internal steps (the abstract members).
 */
import type { Message } from '../../../protocol/message/index.js';
import { EventSource } from '../../events/event-hub.js';
import type { CommunicationMode } from '../hooks.js';
import type { MessageBatch } from '../message-batch.js';
import type { ProducerConfig } from '../producer-options.js';
import type { ProducerEventMap } from '../producer-events.js';
import type { SendResult } from '../send-result.js';
import { admitAsync, permitsAtOnce } from '../send/async-backpressure.js';
import type { AsyncBackpressure } from '../send/async-backpressure.js';
import type { QueueTarget } from './queue-send.js';
import { deliver, isSendCallback, toMessage } from './send-forms.js';
import type { AnyMessage, SendCallback, SendOptions } from './send-forms.js';

export abstract class SendForms extends EventSource<ProducerEventMap> {
  abstract readonly config: ProducerConfig;

  /**
   * Internal: one send of `message` in `mode`, to `target` (undefined: the default queue choice).
   * `heldPermits`: backpressure permits the send holds, given back by the send once it settled.
   */
  protected abstract sendTargeted(
    message: Message,
    mode: CommunicationMode,
    timeoutMillis: number | SendOptions,
    target: QueueTarget | undefined,
    heldPermits?: number,
  ): Promise<SendResult | undefined>;

  /** Internal: the messages as one batch (state and batch rules checked). */
  protected abstract makeBatch(messages: readonly AnyMessage[]): MessageBatch;

  /** Internal: the async backpressure gate (enableBackpressureForAsyncMode), or undefined. */
  protected abstract asyncBackpressure(): AsyncBackpressure | undefined;

  /** Internal: a SendCallback threw. */
  protected abstract callbackThrew(error: unknown): void;

  /**
   * The common async send (a promise, a plain timeout) as sendAsyncForm does it, without its closures and
   * admission object when the backpressure gate has room: a producer may make 100k of these a second.
   * The permits go with the send, which gives them back as it settles (no promise chained per send).
   */
  protected sendAsyncPromise(message: AnyMessage, timeoutMillis: number): Promise<SendResult> {
    const gate = this.asyncBackpressure();
    let msg: Message;
    let permits: number | undefined;
    try {
      msg = toMessage(message);
      permits = permitsAtOnce(gate, msg);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    if (permits === undefined)
      return this.sendAsyncForm(() => msg, undefined, timeoutMillis, undefined) as Promise<SendResult>;
    return this.sendTargeted(
      msg,
      'ASYNC',
      timeoutMillis,
      undefined,
      gate === undefined ? undefined : permits,
    ) as Promise<SendResult>;
  }

  /** A sync send (`timeoutMillis` undefined: sendMsgTimeout). */
  protected async sendSync(
    message: Message,
    timeoutMillis: number | SendOptions | undefined,
    target: QueueTarget | undefined,
  ): Promise<SendResult> {
    const timeout = timeoutMillis ?? this.config.sendMsgTimeout;
    return (await this.sendTargeted(message, 'SYNC', timeout, target)) as SendResult;
  }

  /** An async send in the promise or the callback form, waiting for room under the backpressure gate. */
  protected sendAsyncForm(
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
      // An invalid signal is refused by the send itself, once admitted.
      typeof timeout === 'object' && timeout.signal instanceof AbortSignal ? timeout.signal : undefined,
    );
    return deliver(result, callback, (err) => this.callbackThrew(err)) ?? admitted;
  }
}
