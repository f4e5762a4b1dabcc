/**
 * Where a checked send goes (Java DefaultMQProducer sendByAccumulator / sendDirect): into the
 * accumulator when auto-batching is on and the message may be batched, else straight into the send
 * path as its own send call (`runCall`: tracked for the shutdown drain, then the send loop or the
 * fixed-queue sends).
 *
 * A message may be batched (Java canBatch, plus what our batch rules refuse) when it is sent sync or
 * async (never oneway), is no batch itself, has no delay level nor timer (TIMER_DELAY_MS,
 * TIMER_DELAY_SEC, TIMER_DELIVER_MS, __STARTDELIVERTIME), is not for a %RETRY% topic, carries no
 * PGROUP (transactional half messages), is no request or reply (CORRELATION_ID, MSG_TYPE=reply),
 * and the accumulator's total budget has room. A body over batchMaxBytes goes alone too (Java would
 * send it at once as a batch, uncompressed, and a body near maxMessageSize would not fit a batch). A queue send is batched per queue; a selector send
 * asks its selector first and is then batched per chosen queue (Java invokeMessageQueueSelector,
 * then the accumulator keyed by that queue).
 *
 * One difference from Java, on purpose: Java batches only the overloads without a timeout argument;
 * here every sync/async send may be batched, and a batch gets the smallest budget its messages have left.
 */
import { hasAnyProperty } from '../../../protocol/message/properties.js';
import {
  isRetryTopic,
  MessageConst,
  withoutNamespace,
  wrapNamespace,
} from '../../../protocol/message/index.js';
import type { Message } from '../../../protocol/message/index.js';
import { MAX_PROPERTIES_LENGTH } from '../../../protocol/message/record-layout.js';
import { MessageQueue } from '../../message-queue.js';
import type { CommunicationMode } from '../hooks.js';
import { MessageBatch } from '../message-batch.js';
import type { ProducerCore } from '../producer-core.js';
import { batchEntrySize } from '../ordered/batch-splitter.js';
import { runQueueSend, selectQueue, wireQueueOf } from '../ordered/queue-send.js';
import type { QueueTarget } from '../ordered/queue-send.js';
import { SendCall } from '../send/send-call.js';
import { runSend } from '../send/send-loop.js';
import type { SendResult } from '../send-result.js';
import { MessageNotSentError } from '../shutdown-errors.js';
import { ProduceAccumulator } from './produce-accumulator.js';

const UNBATCHABLE_PROPERTIES = new Set([
  MessageConst.PROPERTY_TIMER_DELAY_MS,
  MessageConst.PROPERTY_TIMER_DELAY_SEC,
  MessageConst.PROPERTY_TIMER_DELIVER_MS,
  MessageConst.PROPERTY_START_DELIVER_TIME,
  MessageConst.PROPERTY_PRODUCER_GROUP,
  MessageConst.PROPERTY_CORRELATION_ID,
  MessageConst.PROPERTY_MESSAGE_TYPE, // refused only for a reply (below)
]);

/** Whether auto-batching may take `message` (see the file header; the budget is checked apart). */
export function canBatch(message: Message): boolean {
  if (message instanceof MessageBatch || message.delayTimeLevel > 0 || isRetryTopic(message.topic)) {
    return false;
  }
  const props = message.properties;
  if (!hasAnyProperty(props, UNBATCHABLE_PROPERTIES)) return true;
  for (const name of UNBATCHABLE_PROPERTIES) {
    if (name !== MessageConst.PROPERTY_MESSAGE_TYPE && props[name] !== undefined) return false;
  }
  return props[MessageConst.PROPERTY_MESSAGE_TYPE] !== MessageConst.REPLY_MESSAGE_FLAG;
}

/**
 * Whether `message` fits a batch body alone (its entry within maxMessageSize). A message that does
 * not would fail the batch it joined, and every message with it, where sent alone it may go through
 * (a batch entry takes more bytes than the same message's own request body). Measured only when its
 * body leaves less room than properties can take (never with the 4 MiB default and batchMaxBytes).
 */
function fitsBatchEntry(message: Message, maxMessageSize: number): boolean {
  if (message.bodyBytes().length + BATCH_ENTRY_OVERHEAD + MAX_PROPERTIES_LENGTH <= maxMessageSize)
    return true;
  return batchEntrySize(message) <= maxMessageSize;
}

/** A batch entry's bytes besides its body and properties (batch-splitter.ts). */
const BATCH_ENTRY_OVERHEAD = 22;

/**
 * One send call through the send path: tracked for the drain, to `target` when given; the
 * backpressure permits it holds (`heldPermits`) go back when it settles.
 */
export function runCall(
  core: ProducerCore,
  message: Message,
  mode: CommunicationMode,
  timeoutMillis: number,
  target: QueueTarget | undefined,
  signal?: AbortSignal,
  heldPermits?: number,
): Promise<SendResult | undefined> {
  const wireTopic = wrapNamespace(core.config.client.namespace, message.topic);
  const call = new SendCall(message, mode, wireTopic, signal);
  return core.inFlightSends.run(call, heldPermits, (done) => {
    if (target === undefined) return runSend(core, call, wireTopic, timeoutMillis, done);
    runQueueSend(core, call, wireTopic, target, timeoutMillis).then(
      (result) => done.succeeded(result),
      (error: unknown) => done.failed(error),
    );
  });
}

export class SendGate {
  /** Present when autoBatch is on. */
  readonly accumulator: ProduceAccumulator | undefined;

  constructor(private readonly core: ProducerCore) {
    const { config } = core;
    this.accumulator = config.autoBatch.autoBatch
      ? new ProduceAccumulator({
          config: config.autoBatch,
          clock: core.clock,
          maxMessageSize: config.maxMessageSize,
          makeBatch: (messages) =>
            MessageBatch.generate(messages, {
              namespace: config.client.namespace,
              maxMessageSize: config.maxMessageSize,
              idGenerator: core.idGenerator,
              prechecked: true,
            }),
          sendBatch: (batch, mode, timeout, queue) =>
            runCall(core, batch, mode, timeout, queue === undefined ? undefined : { queue }),
          release: (permits) => core.backpressure?.release(permits),
        })
      : undefined;
  }

  /**
   * Sends a checked message: batched when it may be (file header), else as its own call. A send with
   * an AbortSignal goes alone: aborting it must withdraw its own request, not a batch's.
   * `heldPermits` (backpressure) are given back once the send settled; this never throws.
   */
  send(
    message: Message,
    mode: CommunicationMode,
    timeoutMillis: number,
    target: QueueTarget | undefined,
    signal?: AbortSignal,
    heldPermits?: number,
  ): Promise<SendResult | undefined> {
    let sending: Promise<SendResult | undefined>;
    try {
      const accumulator = signal === undefined ? this.#accumulatorFor(message, mode) : undefined;
      if (accumulator === undefined) {
        // The tracker gives the permits back when the call settles (no promise wrapped around it).
        const gate = this.core.backpressure;
        const held = gate === undefined ? undefined : heldPermits;
        return runCall(this.core, message, mode, timeoutMillis, target, signal, held);
      } else if (target === undefined) {
        return this.#add(accumulator, message, mode, undefined, timeoutMillis, heldPermits);
      } else {
        sending = this.#addToQueue(accumulator, message, mode, target, timeoutMillis);
      }
    } catch (error) {
      sending = Promise.reject(error as Error);
    }
    const gate = this.core.backpressure;
    return heldPermits === undefined || gate === undefined ? sending : gate.holding(sending, heldPermits);
  }

  /** The accumulator when `message` may go into it (auto-batching on, the message and the budget allow it). */
  #accumulatorFor(message: Message, mode: CommunicationMode): ProduceAccumulator | undefined {
    const accumulator = this.accumulator;
    if (
      accumulator === undefined ||
      mode === 'ONEWAY' ||
      !canBatch(message) ||
      !accumulator.hasRoom() ||
      message.bodyBytes().length > this.core.config.autoBatch.batchMaxBytes ||
      !fitsBatchEntry(message, this.core.config.maxMessageSize)
    )
      return undefined;
    return accumulator;
  }

  /**
   * Shutdown: every open batch leaves now, and the accumulator takes no more sends (a queue send
   * whose selection ends later fails as not sent: nothing would flush it).
   */
  flush(): void {
    this.#closed = true;
    this.accumulator?.flushAll();
  }

  /**
   * Shutdown, before flush(): waits (at most `timeoutMillis`) for the queue selections of batched
   * queue and selector sends, so that their messages join the batches the flush sends. Without it, a
   * selector send made just before shutdown() missed the flush and the drain, and failed after
   * shutdown() had returned.
   */
  async whenSelected(timeoutMillis: number): Promise<void> {
    if (this.#selecting.size === 0 || timeoutMillis <= 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.#selecting]),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMillis))),
    ]);
    clearTimeout(timer);
  }

  /** Queue selections of batched sends under way (whenSelected). */
  readonly #selecting = new Set<Promise<unknown>>();
  #closed = false;

  async #addToQueue(
    accumulator: ProduceAccumulator,
    message: Message,
    mode: CommunicationMode,
    target: QueueTarget,
    timeoutMillis: number,
  ): Promise<SendResult> {
    const { core } = this;
    const begin = core.clock.now();
    const namespace = core.config.client.namespace;
    let wire: Awaited<ReturnType<typeof selectQueue>>;
    if ('queue' in target) wire = wireQueueOf(target.queue, message, namespace);
    else {
      const selecting = selectQueue(
        core,
        message,
        wrapNamespace(namespace, message.topic),
        target.selector,
        target.arg,
      );
      this.#selecting.add(selecting);
      try {
        wire = await selecting;
      } finally {
        this.#selecting.delete(selecting);
      }
    }
    const queue = new MessageQueue(withoutNamespace(wire.topic, namespace), wire.brokerName, wire.queueId);
    const left = Math.max(0, timeoutMillis - (core.clock.now() - begin));
    return this.#add(accumulator, message, mode, queue, left);
  }

  #add(
    accumulator: ProduceAccumulator,
    message: Message,
    mode: CommunicationMode,
    queue: MessageQueue | undefined,
    timeoutMillis: number,
    heldPermits?: number,
  ): Promise<SendResult> {
    if (this.#closed) {
      if (heldPermits !== undefined) this.core.backpressure?.release(heldPermits);
      return Promise.reject(
        new MessageNotSentError(
          'the producer shut down before the send could join a batch (its queue was still being selected): nothing was sent',
        ),
      );
    }
    // The id is set when the message is accepted (Java setUniqID before the accumulator).
    if (message.getProperty(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX) === undefined) {
      message.putProperty(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX, this.core.idGenerator.next());
    }
    return accumulator.add(message, mode, queue, timeoutMillis, heldPermits);
  }
}
