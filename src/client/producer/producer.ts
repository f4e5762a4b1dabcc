/**
 * Producer (Java DefaultMQProducer): lifecycle and the public send API (sync, async with callbacks
 * or a Promise, oneway, batch); sendAsync, the sends to a queue, by selector or sharding key, async
 * batches and split batches come from ProducerSendApi (ordered/), which reaches the send path through
 * `sendTargeted`. The working parts — config, hooks, fault strategy, publish infos — are on its
 * ProducerCore; the send path is in send/: the loop (send-loop.ts), one attempt
 * (send-attempt.ts), the retry policy per mode (send-policy.ts), request preparation (send-prepare.ts).
 * shutdown() drains: new sends are refused at once, the ones in flight settle with their real outcome
 * within the drain deadline (send/in-flight-sends.ts, send/send-call.ts), then the producer leaves.
 */
import { prepareCompressionCodec } from '../../protocol/message/codecs.js';
import { ClientErrorCode, IllegalStateError, MQClientError } from '../../common/errors.js';
import { checkProducerGroup, withoutNamespace, wrapNamespace } from '../../protocol/message/index.js';
import type { Message, MessageExt, MessageInit } from '../../protocol/message/index.js';
import { checkPositiveInt } from '../client-config.js';
import { instanceCore } from '../client-instance.js';
import type { ClientInstance, ServiceState } from '../client-instance.js';
import { chooseClientInstance } from '../client-instance-registry.js';
import { systemClock } from '../clock.js';
import { MessageQueue } from '../message-queue.js';
import type { CheckForbiddenHook, CommunicationMode, SendMessageHook } from './hooks.js';
import { MessageBatch } from './message-batch.js';
import { ProducerCore } from './producer-core.js';
import { startRequest } from './producer-request.js';
import type { RequestCallback } from './producer-request.js';
import { PRODUCER_OPTION_KEYS, resolveProducerConfig } from './producer-options.js';
import { drainAndLeave } from './producer-shutdown.js';
import type { ShutdownOptions } from './producer-shutdown.js';
import type { ProducerConfig, ProducerOptions } from './producer-options.js';
import { ProducerRequestApi } from './producer-request-api.js';
import { signalOf, timeoutOf, toMessage } from './ordered/send-forms.js';
import { checkOutgoing } from './send/send-checks.js';
import type { SendCallback, SendOptions } from './ordered/send-forms.js';
import { throwIfAborted } from '../../common/abort-error.js';
import type { EventHub } from '../events/event-hub.js';
import type { ProducerEventMap } from './producer-events.js';
import type { QueueTarget } from './ordered/queue-send.js';
import type { AsyncBackpressure } from './send/async-backpressure.js';
import { recallMessage } from './timer-sends.js';
import type { SendResult } from './send-result.js';
import { ProducerShutdownError, STATE_HINTS } from './shutdown-errors.js';
import { startProducerTrace } from '../trace/producer-trace.js';

export type { SendCallback };

let coreOf: (producer: Producer) => ProducerCore;

/** A message producer (Java DefaultMQProducer): sync, async, oneway, batch, ordered and delayed sends through the routes it learns from the name server. Create, `start()`, send, then `shutdown()`. */
export class Producer extends ProducerRequestApi {
  /** The resolved configuration (options with defaults applied). */
  readonly config: ProducerConfig;
  readonly #core: ProducerCore;
  readonly #options: ProducerOptions;
  #state: ServiceState = 'CREATE_JUST';
  #instance: ClientInstance | undefined;
  /** Set when shutdown() began; settles once the producer left its client instance. */
  #shutdown: Promise<void> | undefined;
  #shutdownDone = false;

  /** @internal Option keys this class accepts; a subclass with more options replaces them. */
  protected static readonly optionKeys: object = PRODUCER_OPTION_KEYS;

  static {
    coreOf = (producer) => producer.#core;
  }

  constructor(options: ProducerOptions) {
    super();
    this.config = resolveProducerConfig(options, new.target.optionKeys);
    this.#options = options;
    this.#core = new ProducerCore(this.config, options.clock ?? systemClock, options.random);
    checkProducerGroup(this.#core.wireGroup);
  }

  /** Lifecycle state: CREATE_JUST until `start()`, RUNNING, then SHUTDOWN_ALREADY (START_FAILED if `start()` threw). */
  get state(): ServiceState {
    return this.#state;
  }

  protected get eventHub(): EventHub<ProducerEventMap> {
    return this.#core.events;
  }

  /** The producer group as configured (without the namespace prefix sent on the wire). */
  get producerGroup(): string {
    return this.config.producerGroup;
  }

  /** The client instance (available after start()). */
  get instance(): ClientInstance {
    if (this.#instance === undefined) throw this.#stateError();
    return this.#instance;
  }

  /** Joins a client instance (shared per client id), registers the group and starts heartbeats; throws IllegalStateError when called twice and MQClientError GROUP_ALREADY_REGISTERED when the group is taken in that instance. */
  async start(): Promise<void> {
    if (this.#state !== 'CREATE_JUST') {
      throw new IllegalStateError(
        `The producer service state not OK, maybe started once, ${this.#state} (${STATE_HINTS[this.#state]})`,
      );
    }
    this.#state = 'START_FAILED';
    await prepareCompressionCodec(this.config.compressType); // the zstd WebAssembly encoder, where needed
    const core = this.#core;
    const instance = chooseClientInstance(this.#options, this.config.client);
    const shared = instanceCore(instance);
    if (!shared.registerProducer(core.wireGroup, core.publishInfos)) {
      throw new MQClientError(
        `The producer group[${core.wireGroup}] has been created before, specify another name please. (one producer per group and client instance)`,
        { code: ClientErrorCode.GROUP_ALREADY_REGISTERED },
      );
    }
    this.#instance = instance;
    core.attach(shared);
    core.publishInfos.track(this.config.createTopicKey);
    try {
      shared.start();
    } catch (err) {
      await shared.unregisterProducer(core.wireGroup);
      throw err;
    }
    this.#state = 'RUNNING';
    await startProducerTrace(core, instance, (options) => new Producer(options));
    shared.sendHeartbeatToAllBrokers().catch(() => undefined);
    core.logger.info({ group: core.wireGroup, clientId: instance.clientId }, 'producer started');
  }

  /**
   * Drains, then leaves: refuses new sends at once (ProducerShutdownError), waits up to
   * `timeoutMillis` (default: the shutdownTimeoutMillis option) for every send in flight — retries
   * and send hooks included — to settle with its real outcome, fails the rest (MessageNotSentError
   * when nothing left, SendOutcomeUnknownError when a request went out unanswered), unregisters from
   * the brokers and stops the client instance if no one else uses it. A second call waits for the first.
   */
  shutdown(options: ShutdownOptions = {}): Promise<void> {
    if (this.#shutdown !== undefined) return this.#shutdown;
    if (this.#state !== 'RUNNING') return Promise.resolve();
    const timeoutMillis = options?.timeoutMillis ?? this.config.shutdownTimeoutMillis;
    try {
      checkPositiveInt('timeoutMillis of shutdown()', timeoutMillis, true);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    this.#state = 'SHUTDOWN_ALREADY';
    this.#shutdown = drainAndLeave(this.#core, timeoutMillis).finally(() => (this.#shutdownDone = true));
    return this.#shutdown;
  }

  /** Adds a hook called before and after every send attempt (Java SendMessageHook); hook errors are logged, never fail the send. */
  registerSendMessageHook(hook: SendMessageHook): void {
    this.#core.sendHooks.push(hook);
  }

  /** Adds a hook that may veto a send attempt by throwing (Java CheckForbiddenHook). */
  registerCheckForbiddenHook(hook: CheckForbiddenHook): void {
    this.#core.checkForbiddenHooks.push(hook);
  }

  /** Sync send: up to 1 + retryTimesWhenSendFailed attempts within one `timeoutMillis` budget. */
  async send(
    message: Message | MessageInit,
    timeoutMillis: number | SendOptions = this.config.sendMsgTimeout,
  ): Promise<SendResult> {
    return (await this.#sendWith(toMessage(message), 'SYNC', timeoutMillis)) as SendResult;
  }

  /** Oneway: one attempt, resolves once the request is written; no result, no retry. */
  async sendOneway(message: Message | MessageInit, options?: SendOptions): Promise<void> {
    await this.#sendWith(toMessage(message), 'ONEWAY', options ?? this.config.sendMsgTimeout);
  }

  /** Sends messages of one topic as one SEND_BATCH_MESSAGE (sync). */
  async sendBatch(
    messages: readonly (Message | MessageInit)[],
    timeoutMillis: number | SendOptions = this.config.sendMsgTimeout,
  ): Promise<SendResult> {
    return (await this.#sendWith(this.makeBatch(messages), 'SYNC', timeoutMillis)) as SendResult;
  }

  protected makeBatch(messages: readonly (Message | MessageInit)[]): MessageBatch {
    this.#makeSureStateOK();
    return MessageBatch.generate(Array.isArray(messages) ? messages.map(toMessage) : [], {
      namespace: this.config.client.namespace,
      maxMessageSize: this.config.maxMessageSize,
      idGenerator: this.#core.idGenerator,
    });
  }

  protected sendTargeted(
    message: Message,
    mode: CommunicationMode,
    timeoutMillis: number | SendOptions,
    target: QueueTarget | undefined,
    heldPermits?: number,
  ): Promise<SendResult | undefined> {
    return this.#sendWith(message, mode, timeoutMillis, target, heldPermits);
  }

  protected asyncBackpressure(): AsyncBackpressure | undefined {
    return this.#core.backpressure;
  }

  protected callbackThrew(error: unknown): void {
    this.#core.logger.warn({ err: String(error) }, 'send callback threw');
  }

  protected startTargetedRequest(
    m: Message | MessageInit,
    a: RequestCallback | number | SendOptions | undefined,
    b: number | SendOptions | undefined,
    target: QueueTarget | undefined,
  ): Promise<MessageExt> | void {
    const send = (msg: Message, timeoutMillis: number, signal: AbortSignal | undefined) =>
      this.#sendWith(msg, 'ASYNC', signal ? { timeoutMillis, signal } : timeoutMillis, target);
    return startRequest(this.#core, toMessage(m), a, b, send, () => this.#makeSureStateOK());
  }

  /** Recalls a pending timer message by SendResult.recallHandle (timer-sends.ts); resolves with its id. */
  async recall(
    topic: string,
    recallHandle: string,
    timeoutMillis = this.config.sendMsgTimeout,
  ): Promise<string> {
    this.#makeSureStateOK();
    return recallMessage(this.#core, topic, recallHandle, timeoutMillis);
  }

  /** Writable queues of a topic: new objects, the namespace removed from their topic (as Java). */
  async fetchPublishMessageQueues(topic: string): Promise<MessageQueue[]> {
    this.#makeSureStateOK();
    const namespace = this.config.client.namespace;
    const info = await this.#core.tryToFindTopicPublishInfo(wrapNamespace(namespace, topic));
    return (info?.messageQueueList ?? []).map(
      (q) => new MessageQueue(withoutNamespace(q.topic, namespace), q.brokerName, q.queueId),
    );
  }

  /** Not async (no second promise per send): a refused send rejects, it never throws. */
  #sendWith(
    message: Message,
    mode: CommunicationMode,
    timing: number | SendOptions,
    target?: QueueTarget,
    heldPermits?: number,
  ): Promise<SendResult | undefined> {
    try {
      const signal = signalOf(timing);
      throwIfAborted(signal, 'send');
      const timeoutMillis = timeoutOf(timing, this.config.sendMsgTimeout);
      this.#makeSureStateOK();
      checkOutgoing(message, timeoutMillis, this.config);
      // Auto-batching or alone; from here on the send gives back the permits it holds.
      return this.#core.gate.send(message, mode, timeoutMillis, target, signal, heldPermits);
    } catch (error) {
      if (heldPermits !== undefined) this.#core.backpressure?.release(heldPermits);
      return Promise.reject(error as Error);
    }
  }

  #makeSureStateOK(): void {
    if (this.#state !== 'RUNNING') throw this.#stateError();
  }

  #stateError(): IllegalStateError {
    if (this.#shutdown !== undefined && !this.#shutdownDone) {
      return new ProducerShutdownError(
        `The producer is shutting down (${this.#state}): new sends are refused while those in flight drain`,
      );
    }
    const message = `The producer service state not OK, ${this.#state} (${STATE_HINTS[this.#state]})`;
    return this.#shutdown !== undefined ? new ProducerShutdownError(message) : new IllegalStateError(message);
  }
}

/** The working parts of a producer (its send path uses them; tests may too); not public API. */
export function producerCore(producer: Producer): ProducerCore {
  return coreOf(producer);
}

/** Diagnostics of a producer (soak runs, tests); not public API. */
export interface ProducerStats {
  /** Send calls not settled yet. */
  readonly sendsInFlight: number;
  /** Requests waiting for a response on the producer's client instance (undefined before start). */
  readonly responseTableSize: number | undefined;
}

export function producerStats(producer: Producer): ProducerStats {
  const core = coreOf(producer);
  let responseTableSize: number | undefined;
  try {
    responseTableSize = core.instance.responseTableSize;
  } catch {
    responseTableSize = undefined;
  }
  return { sendsInFlight: core.inFlightSends.size, responseTableSize };
}

/** Java's class name, for readers coming from the Java client. */
export const DefaultMQProducer = Producer;
export type DefaultMQProducer = Producer;
