/**
 * PushConsumer (Java DefaultMQPushConsumer): subscribe topics with a handler (or iterate with
 * `for await`), and the client pulls, shares the queues with the group's other members, retries
 * failures through the retry topic and commits offsets. It joins the client instance of its client
 * id like producers and pull consumers do. Lifecycle: construct (options validated), subscribe,
 * start, shutdown (handlers in flight finish within a deadline, offsets committed, unregistered).
 */
import { ClientErrorCode, IllegalArgumentError, MQClientError } from '../../../common/errors.js';
import type { SubscriptionData } from '../../../protocol/body/index.js';
import { RETRY_GROUP_TOPIC_PREFIX, checkTopic, wrapNamespace } from '../../../protocol/message/index.js';
import type { ClientInstance, ServiceState } from '../../client-instance.js';
import { instanceCore } from '../../client-instance.js';
import { chooseClientInstance } from '../../client-instance-registry.js';
import type { MessageQueue } from '../../message-queue.js';
import type { BackgroundTasks } from '../../background-tasks.js';
import type { ConsumedMessage, MessageHandler } from './consume-service.js';
import { PushMessageIterator } from './message-iterator.js';
import { resolvePushConsumerConfig } from './push-consumer-options.js';
import type { PushConsumerConfig, PushConsumerOptions } from './push-consumer-options.js';
import { PushRuntime } from './push-runtime.js';
import { startPushTasks } from './push-tasks.js';
import type { Attachment } from './push-runtime.js';
import { buildSubscription } from '../shared/subscription.js';
import type { SubscriptionExpression } from '../shared/subscription.js';
import { checkSubscriptionInBrokers } from '../shared/subscription-check.js';
import { startConsumeTracer, type ConsumeTracer } from '../../trace/consumer-trace-start.js';
import { traceInterceptor } from './push-trace.js';
import type { ConsumeInterceptor } from './consume-hooks.js';
import { EventSource, type EventHub } from '../../events/event-hub.js';
import {
  consumeEventsInterceptor,
  PushConsumerEvents,
  type PushConsumerEventMap,
} from './push-consumer-events.js';
import { ClientEvents } from '../../events/event-types.js';

/**
 * A consumer the client feeds (Java DefaultMQPushConsumer): subscribe topics with a handler or iterate
 * `messages()`; the client pulls, balances queues across the group, retries failures and commits
 * offsets. Emits PushConsumerEvents (rebalance, consume.success, consume.failure, pull.failure,
 * heartbeat.failure).
 */
export class PushConsumer extends EventSource<PushConsumerEventMap> {
  /** The resolved configuration (options with defaults applied). */
  readonly config: PushConsumerConfig;
  private serviceState: ServiceState = 'CREATE_JUST';
  /** User-view topic -> subscription (wire topic inside); the retry topic is added at start. */
  private readonly subscriptions = new Map<string, SubscriptionData>();
  private readonly topicHandlers = new Map<string, MessageHandler>();
  private iterator: PushMessageIterator | undefined;
  private readonly runtime: PushRuntime;
  private readonly instanceOptions: Parameters<typeof chooseClientInstance>[0];
  private tasks: BackgroundTasks | undefined;
  private stopping: Promise<void> | undefined;
  /** The start() under way (shutdown waits for it). */
  private starting: Promise<void> | undefined;
  private readonly onAbort = (): void => void this.shutdown();
  /** Stops passing on the instance's heartbeat failures (set by start). */
  private offHeartbeatFailure: (() => void) | undefined;
  private readonly signal: AbortSignal | undefined;
  private tracer: ConsumeTracer | undefined;

  constructor(options: PushConsumerOptions) {
    super();
    this.config = resolvePushConsumerConfig(options);
    this.instanceOptions = { registry: options.registry, clientInstance: options.clientInstance };
    this.runtime = new PushRuntime(this.config, this.subscriptions, (topic) => this.handlerFor(topic));
    this.signal = options.signal;
    const events = this.runtime.events;
    this.runtime.hooks.add(consumeEventsInterceptor(events), () => !events.active);
    options.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** The event hub behind on / once / off. */
  protected get eventHub(): EventHub<PushConsumerEventMap> {
    return this.runtime.events;
  }

  /**
   * Runs `interceptor` around every handler call (instrumentation: rocketmq-ts/otel uses it); the
   * first added is the outermost. Returns the function that removes it.
   */
  interceptConsume(interceptor: ConsumeInterceptor): () => void {
    return this.runtime.hooks.add(interceptor);
  }

  /** Lifecycle state: CREATE_JUST until `start()`, RUNNING, then SHUTDOWN_ALREADY (START_FAILED if `start()` threw). */
  get state(): ServiceState {
    return this.serviceState;
  }

  /** The consumer group as configured (without the namespace prefix). */
  get consumerGroup(): string {
    return this.config.consumerGroup;
  }

  /** The client instance in use (after start). */
  get clientInstance(): ClientInstance | undefined {
    return this.runtime.attached?.instance;
  }

  /** The queues this consumer pulls now (its share of the group's queues). */
  assignedQueues(): MessageQueue[] {
    return this.runtime.assignedQueues();
  }

  /** Pull held back by flow control so far (counts of 50 ms pauses). */
  get flowControlTimes(): number {
    return this.runtime.pullService.flowControlTimes;
  }

  /**
   * Subscribes a topic with a tag expression (`*`, `TagA || TagB`) or `{ type: 'SQL92', expression }`,
   * and optionally its own per-message handler. Allowed before and after start; subscribing a topic
   * again replaces its expression.
   */
  async subscribe(
    topic: string,
    expression: SubscriptionExpression = '*',
    handler?: MessageHandler,
  ): Promise<void> {
    checkTopic(topic);
    if (topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)) {
      throw new IllegalArgumentError(
        `topic ${topic} is a retry topic: the consumer subscribes its own at start`,
      );
    }
    if (handler !== undefined && typeof handler !== 'function') {
      throw new IllegalArgumentError(`a subscription handler must be a function, got ${typeof handler}`);
    }
    if (this.serviceState === 'SHUTDOWN_ALREADY' || this.stopping !== undefined) {
      throw new MQClientError('The PushConsumer is shut down, create a new consumer to subscribe again', {
        code: ClientErrorCode.ILLEGAL_STATE,
      });
    }
    const data = buildSubscription(wrapNamespace(this.config.client.namespace, topic), expression);
    if (this.serviceState === 'RUNNING' && handler === undefined && this.handlerFor('') === undefined) {
      throw new IllegalArgumentError(`no handler for topic ${topic}: pass one to subscribe()`);
    }
    this.subscriptions.set(topic, data);
    if (handler !== undefined) this.topicHandlers.set(topic, handler);
    else this.topicHandlers.delete(topic);
    if (this.serviceState === 'RUNNING') await this.runtime.subscriptionChanged(topic);
  }

  /** Stops consuming a topic (its queues are dropped at the next rebalance, which runs now). */
  async unsubscribe(topic: string): Promise<void> {
    this.subscriptions.delete(topic);
    this.topicHandlers.delete(topic);
    if (this.serviceState === 'RUNNING') await this.runtime.subscriptionChanged(undefined);
  }

  /** Pauses pulling (Java suspend): messages already pulled are still consumed. */
  suspend(): void {
    this.runtime.paused = true;
  }

  /** Resumes pulling after `suspend()`. */
  resume(): void {
    this.runtime.paused = false;
  }

  /**
   * The messages as an async iterator (instead of a handler). Each message is consumed once the loop
   * asks for the next one, unless `nack()` was called on the iterator; leaving the loop shuts the
   * consumer down. Call it once, before start(), with no handler configured.
   */
  messages(): PushMessageIterator {
    if (
      this.config.handler !== undefined ||
      this.config.batchHandler !== undefined ||
      this.topicHandlers.size > 0
    ) {
      throw new IllegalArgumentError(
        'messages() replaces the handler: create the consumer without handler / batchHandler',
      );
    }
    if (this.iterator !== undefined)
      throw new IllegalArgumentError('messages() may be called once per consumer');
    if (this.serviceState === 'SHUTDOWN_ALREADY')
      throw new MQClientError('The PushConsumer is shut down', { code: ClientErrorCode.ILLEGAL_STATE });
    this.iterator = new PushMessageIterator(() => this.shutdown());
    return this.iterator;
  }

  private handlerFor(topic: string) {
    const own = this.topicHandlers.get(topic);
    if (own !== undefined) return { kind: 'message' as const, fn: own };
    if (this.config.batchHandler !== undefined)
      return { kind: 'batch' as const, fn: this.config.batchHandler };
    const fn = this.config.handler ?? this.iterator?.handler;
    return fn === undefined ? undefined : { kind: 'message' as const, fn };
  }

  /** Joins the client instance, registers the group and starts pulling; throws when started twice, without a handler, or with an aborted signal. */
  start(): Promise<void> {
    const starting = this.startOnce();
    if (this.starting === undefined) {
      this.starting = starting;
      const done = (): void => {
        if (this.starting === starting) this.starting = undefined;
      };
      starting.then(done, done);
    }
    return starting;
  }

  private async startOnce(): Promise<void> {
    if (this.serviceState !== 'CREATE_JUST') {
      throw new MQClientError(
        `The PushConsumer service state is ${this.serviceState}, it may be started only once`,
        { code: ClientErrorCode.ILLEGAL_STATE },
      );
    }
    const missing = [...this.subscriptions.keys()].filter((t) => this.handlerFor(t) === undefined);
    if (missing.length > 0 || (this.subscriptions.size === 0 && this.handlerFor('') === undefined)) {
      throw new IllegalArgumentError(
        'no handler: pass option handler or batchHandler, a handler to subscribe(), or call consumer.messages() before start() and iterate it',
      );
    }
    if (this.signal?.aborted === true) {
      throw new MQClientError('The PushConsumer signal is aborted already: create a new consumer', {
        code: ClientErrorCode.ABORTED,
      });
    }
    this.serviceState = 'START_FAILED';
    const c = this.config;
    if (c.messageModel === 'CLUSTERING') {
      const retry = `${RETRY_GROUP_TOPIC_PREFIX}${c.consumerGroup}`;
      this.subscriptions.set(retry, buildSubscription(wrapNamespace(c.client.namespace, retry), '*'));
    }
    const instance = chooseClientInstance(this.instanceOptions, c.client, c.messageModel === 'BROADCASTING');
    const core = instanceCore(instance);
    const attachment: Attachment = { instance, core };
    if (!core.registerConsumer(this.runtime.wireGroup, this.runtime.member)) {
      throw new MQClientError(
        `The consumer group[${c.consumerGroup}] has been created before, specify another name please.`,
        { code: ClientErrorCode.GROUP_ALREADY_REGISTERED },
      );
    }
    // The instance's refused heartbeats, as this consumer's events (the first is sent below).
    const events = this.runtime.events;
    this.offHeartbeatFailure = core.events.on(ClientEvents.HEARTBEAT_FAILURE, (e) => {
      if (events.listening(PushConsumerEvents.HEARTBEAT_FAILURE)) {
        events.emit(PushConsumerEvents.HEARTBEAT_FAILURE, e);
      }
    });
    try {
      core.start();
      this.runtime.attach(attachment);
      await this.runtime.offsetStore.load();
      this.serviceState = 'RUNNING';
      await this.runtime.refreshRoutes();
      // Java checkClientInBroker: a SQL92 subscription a broker cannot filter fails the start.
      const { api } = this.runtime.running();
      for (const data of this.subscriptions.values()) {
        await checkSubscriptionInBrokers(core, api, this.runtime.wireGroup, data);
      }
      await core.sendHeartbeatToAllBrokers();
      this.tracer = await startConsumeTracer(c, instance);
      if (this.tracer !== undefined) this.runtime.hooks.add(traceInterceptor(this.tracer));
      await this.runtime.rebalance.rebalance();
      this.tasks = startPushTasks(this.runtime, c, core.logger);
    } catch (err) {
      this.serviceState = 'START_FAILED';
      this.offHeartbeatFailure?.();
      this.tasks?.stop();
      this.runtime.pullService.stop();
      this.runtime.rebalance.stop();
      await core.unregisterConsumer(this.runtime.wireGroup);
      await core.shutdown();
      throw err;
    }
  }

  /**
   * Stops pulling, lets running handlers finish (awaitTerminationMillisWhenShutdown), commits the
   * offsets of what was consumed, drops the queues and leaves the client instance.
   */
  shutdown(): Promise<void> {
    if (this.stopping !== undefined) return this.stopping;
    const starting = this.starting;
    if (starting !== undefined) {
      // A shutdown while start() runs (an abort signal, say) waits for it, then stops what it started:
      // seen as not running meanwhile, the consumer was marked shut down and then started anyway.
      const afterStart = (): Promise<void> => {
        this.starting = undefined;
        return this.shutdownNow();
      };
      this.stopping = starting.then(afterStart, afterStart);
      return this.stopping;
    }
    return this.shutdownNow();
  }

  private shutdownNow(): Promise<void> {
    if (this.serviceState !== 'RUNNING') {
      this.serviceState = 'SHUTDOWN_ALREADY';
      this.iterator?.end();
      return Promise.resolve();
    }
    this.stopping = this.stop();
    return this.stopping;
  }

  private async stop(): Promise<void> {
    const c = this.config;
    this.tasks?.stop();
    this.runtime.rebalance.stop();
    this.runtime.pullService.stop();
    this.iterator?.end();
    const deadline = Date.now() + c.awaitTerminationMillisWhenShutdown;
    await this.runtime.consumeService.shutdown(deadline);
    await this.runtime.settle(deadline);
    await this.runtime.persistAll();
    // Orderly: the locks go once the offsets are committed (the next owner starts from them).
    await this.runtime.queueLocks?.unlock(this.assignedQueues(), [
      ...this.runtime.rebalance.processQueueTable.values(),
    ]);
    this.runtime.rebalance.dropAll();
    await this.tracer?.shutdown(); // the traces of what was consumed, before the instance goes
    this.serviceState = 'SHUTDOWN_ALREADY';
    this.offHeartbeatFailure?.();
    const core = this.runtime.attached?.core;
    if (core !== undefined) {
      await core.unregisterConsumer(this.runtime.wireGroup);
      await core.shutdown();
    }
  }
}

export type { ConsumedMessage };
