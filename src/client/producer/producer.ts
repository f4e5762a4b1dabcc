/**
 * Producer (Java DefaultMQProducer + DefaultMQProducerImpl): lifecycle, the public send API (sync,
 * async with callbacks or a Promise, oneway, batch) and the per-topic publish info. The send loop is
 * in send-default.ts, one attempt in send-kernel.ts, the async retries in send-async.ts.
 */
import { IllegalArgumentError, IllegalStateError, MQClientError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import {
  checkMessage,
  checkProducerGroup,
  Message,
  withoutNamespace,
  wrapNamespace,
} from '../../protocol/message/index.js';
import type { MessageInit, UniqueIdGenerator } from '../../protocol/message/index.js';
import type { ClientInstance, ProducerMember, ServiceState } from '../client-instance.js';
import { chooseClientInstance } from '../client-instance-registry.js';
import { systemClock } from '../clock.js';
import type { Clock, RandomInt } from '../clock.js';
import { FaultStrategy } from '../latency/fault-strategy.js';
import { MessageQueue } from '../message-queue.js';
import type { CheckForbiddenHook, CommunicationMode, SendMessageHook } from './hooks.js';
import { MessageBatch } from './message-batch.js';
import { resolveProducerConfig } from './producer-options.js';
import type { ProducerConfig, ProducerOptions } from './producer-options.js';
import { sendDefaultImpl } from './send-default.js';
import type { KernelHost } from './send-kernel.js';
import type { SendResult } from './send-result.js';
import { TopicPublishInfo } from './topic-publish-info.js';

export interface SendCallback {
  onSuccess(result: SendResult): void;
  onException(error: unknown): void;
}

const STATE_HINTS: Record<ServiceState, string> = {
  CREATE_JUST: 'call start() first',
  RUNNING: 'it is already running',
  SHUTDOWN_ALREADY: 'it was shut down; create a new producer',
  START_FAILED: 'start() failed; create a new producer',
};

export class Producer implements KernelHost, ProducerMember {
  readonly config: ProducerConfig;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly faultStrategy: FaultStrategy;
  readonly sendHooks: SendMessageHook[] = [];
  readonly checkForbiddenHooks: CheckForbiddenHook[] = [];
  /** Wire topic (namespaced) -> publish info. */
  readonly topicPublishInfoTable = new Map<string, TopicPublishInfo>();
  readonly wireGroup: string;
  private serviceState: ServiceState = 'CREATE_JUST';
  private clientInstance: ClientInstance | undefined;
  private readonly random: RandomInt | undefined;

  constructor(private readonly options: ProducerOptions) {
    this.config = resolveProducerConfig(options);
    this.logger = this.config.client.logger;
    this.random = options.random;
    this.clock = options.clock ?? systemClock;
    this.wireGroup = wrapNamespace(this.config.client.namespace, this.config.producerGroup);
    checkProducerGroup(this.wireGroup);
    this.faultStrategy = new FaultStrategy({
      sendLatencyFaultEnable: this.config.sendLatencyFaultEnable,
      ...(this.config.latencyMax && { latencyMax: this.config.latencyMax }),
      ...(this.config.notAvailableDuration && { notAvailableDuration: this.config.notAvailableDuration }),
      clock: this.clock,
      ...(options.random && { random: options.random }),
    });
  }

  get state(): ServiceState {
    return this.serviceState;
  }

  get producerGroup(): string {
    return this.config.producerGroup;
  }

  /** The client instance (available after start()). */
  get instance(): ClientInstance {
    if (this.clientInstance === undefined) throw this.stateError();
    return this.clientInstance;
  }

  get idGenerator(): UniqueIdGenerator {
    return this.instance.idGenerator;
  }

  async start(): Promise<void> {
    if (this.serviceState !== 'CREATE_JUST') {
      throw new IllegalStateError(
        `The producer service state not OK, maybe started once, ${this.serviceState} (${STATE_HINTS[this.serviceState]})`,
      );
    }
    this.serviceState = 'START_FAILED';
    const instance = chooseClientInstance(this.options, this.config.client);
    if (!instance.registerProducer(this.wireGroup, this)) {
      throw new MQClientError(
        `The producer group[${this.wireGroup}] has been created before, specify another name please. (one producer per group and client instance)`,
      );
    }
    this.clientInstance = instance;
    this.topicPublishInfoTable.set(this.config.createTopicKey, new TopicPublishInfo(this.random));
    try {
      instance.start();
    } catch (err) {
      await instance.unregisterProducer(this.wireGroup);
      throw err;
    }
    this.serviceState = 'RUNNING';
    instance.sendHeartbeatToAllBrokers().catch(() => undefined);
    this.logger.info({ group: this.wireGroup, clientId: instance.clientId }, 'producer started');
  }

  /** Unregisters from the brokers and stops the client instance if no one else uses it. */
  async shutdown(): Promise<void> {
    if (this.serviceState !== 'RUNNING') return;
    this.serviceState = 'SHUTDOWN_ALREADY';
    const instance = this.instance;
    await instance.unregisterProducer(this.wireGroup);
    await instance.shutdown();
    this.logger.info({ group: this.wireGroup }, 'producer shut down');
  }

  registerSendMessageHook(hook: SendMessageHook): void {
    this.sendHooks.push(hook);
  }

  registerCheckForbiddenHook(hook: CheckForbiddenHook): void {
    this.checkForbiddenHooks.push(hook);
  }

  /** Sync send: up to 1 + retryTimesWhenSendFailed attempts within one `timeoutMillis` budget. */
  async send(
    message: Message | MessageInit,
    timeoutMillis = this.config.sendMsgTimeout,
  ): Promise<SendResult> {
    return (await this.sendWith(toMessage(message), 'SYNC', timeoutMillis)) as SendResult;
  }

  /**
   * Async send. With a callback, its onSuccess/onException is called (exactly one of them) and nothing
   * is returned; without, the returned Promise settles. Transport failures are retried on another broker
   * up to retryTimesWhenSendAsyncFailed times.
   */
  sendAsync(message: Message | MessageInit, callback: SendCallback, timeoutMillis?: number): void;
  sendAsync(message: Message | MessageInit, timeoutMillis?: number): Promise<SendResult>;
  sendAsync(
    message: Message | MessageInit,
    callbackOrTimeout?: SendCallback | number,
    timeoutMillis?: number,
  ): Promise<SendResult> | void {
    const callback = typeof callbackOrTimeout === 'object' ? callbackOrTimeout : undefined;
    const timeout =
      (typeof callbackOrTimeout === 'number' ? callbackOrTimeout : timeoutMillis) ??
      this.config.sendMsgTimeout;
    const promise = (async () => (await this.sendWith(toMessage(message), 'ASYNC', timeout)) as SendResult)();
    if (callback === undefined) return promise;
    promise.then(
      (result) => this.safely(() => callback.onSuccess(result)),
      (err: unknown) => this.safely(() => callback.onException(err)),
    );
  }

  /** Oneway: one attempt, resolves once the request is written; no result, no retry. */
  async sendOneway(message: Message | MessageInit): Promise<void> {
    await this.sendWith(toMessage(message), 'ONEWAY', this.config.sendMsgTimeout);
  }

  /** Sends messages of one topic as one SEND_BATCH_MESSAGE (sync). */
  async sendBatch(
    messages: readonly (Message | MessageInit)[],
    timeoutMillis = this.config.sendMsgTimeout,
  ): Promise<SendResult> {
    this.makeSureStateOK();
    const batch = MessageBatch.generate(Array.isArray(messages) ? messages.map(toMessage) : [], {
      namespace: this.config.client.namespace,
      maxMessageSize: this.config.maxMessageSize,
      idGenerator: this.idGenerator,
    });
    return (await this.sendWith(batch, 'SYNC', timeoutMillis)) as SendResult;
  }

  /** Writable queues of a topic: new objects, the namespace removed from their topic (as Java). */
  async fetchPublishMessageQueues(topic: string): Promise<MessageQueue[]> {
    this.makeSureStateOK();
    const namespace = this.config.client.namespace;
    const info = await this.tryToFindTopicPublishInfo(wrapNamespace(namespace, topic));
    return (info?.messageQueueList ?? []).map(
      (q) => new MessageQueue(withoutNamespace(q.topic, namespace), q.brokerName, q.queueId),
    );
  }

  private async sendWith(
    message: Message,
    mode: CommunicationMode,
    timeoutMillis: number,
  ): Promise<SendResult | undefined> {
    this.makeSureStateOK();
    checkSendTimeout(timeoutMillis);
    const wireTopic = wrapNamespace(this.config.client.namespace, message?.topic);
    checkMessage(
      message && { topic: wireTopic, body: message.body, properties: message.properties },
      this.config.maxMessageSize,
    );
    return sendDefaultImpl(this, { message, mode }, wireTopic, timeoutMillis);
  }

  private makeSureStateOK(): void {
    if (this.serviceState !== 'RUNNING') throw this.stateError();
  }

  private stateError(): IllegalStateError {
    return new IllegalStateError(
      `The producer service state not OK, ${this.serviceState} (${STATE_HINTS[this.serviceState]})`,
    );
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.logger.warn({ err: String(err) }, 'send callback threw');
    }
  }

  // ---- KernelHost / ProducerMember ----

  async tryToFindTopicPublishInfo(topic: string): Promise<TopicPublishInfo | undefined> {
    let info = this.topicPublishInfoTable.get(topic);
    if (info === undefined || !info.ok()) {
      if (info === undefined) this.topicPublishInfoTable.set(topic, new TopicPublishInfo(this.random));
      await this.instance.updateTopicRouteInfoFromNameServer(topic);
      info = this.topicPublishInfoTable.get(topic);
    }
    if (info !== undefined && (info.haveTopicRouterInfo || info.ok())) return info;
    await this.instance.updateTopicRouteInfoFromNameServer(topic, {
      defaultRoute: {
        createTopicKey: this.config.createTopicKey,
        defaultTopicQueueNums: this.config.defaultTopicQueueNums,
      },
    });
    return this.topicPublishInfoTable.get(topic);
  }

  selectOneMessageQueue(info: TopicPublishInfo, lastBrokerName: string | undefined): MessageQueue {
    return this.faultStrategy.selectOneMessageQueue(info, lastBrokerName);
  }

  updateFaultItem(brokerName: string, latency: number, isolation: boolean): void {
    this.faultStrategy.updateFaultItem(brokerName, latency, isolation);
  }

  async refreshRouteAfterConnectFailure(topic: string, timeoutMillis: number): Promise<void> {
    const timeout = Math.min(this.config.client.mqClientApiTimeout, timeoutMillis);
    if (timeout <= 0 || this.clientInstance === undefined) return;
    await this.clientInstance
      .updateTopicRouteInfoFromNameServer(topic, { timeoutMillis: timeout })
      .catch((err: unknown) =>
        this.logger.warn({ topic, err: String(err) }, 'route refresh after connect failure failed'),
      );
  }

  publishTopics(): Iterable<string> {
    return this.topicPublishInfoTable.keys();
  }

  isPublishTopicNeedUpdate(topic: string): boolean {
    const info = this.topicPublishInfoTable.get(topic);
    return info === undefined || !info.ok();
  }

  updateTopicPublishInfo(topic: string, info: TopicPublishInfo): void {
    if (!this.topicPublishInfoTable.has(topic)) return;
    if (info.routeData === undefined) return;
    const own = TopicPublishInfo.fromRouteData(topic, info.routeData, this.random);
    own.haveTopicRouterInfo = info.haveTopicRouterInfo;
    this.topicPublishInfoTable.set(topic, own);
  }
}

/** Java's class name, for readers coming from the Java client. */
export const DefaultMQProducer = Producer;
export type DefaultMQProducer = Producer;

/**
 * A send's time budget must be a finite number of ms, at least 0: NaN would reach the transport as a
 * deadline that never comes (the call would wait forever), Infinity likewise.
 */
function checkSendTimeout(timeoutMillis: number): void {
  if (typeof timeoutMillis !== 'number' || !Number.isFinite(timeoutMillis) || timeoutMillis < 0) {
    throw new IllegalArgumentError(
      `send timeout must be a finite number of milliseconds >= 0, got ${String(timeoutMillis)} (omit it for sendMsgTimeout)`,
    );
  }
}

function toMessage(m: Message | MessageInit): Message {
  return m instanceof Message || m === null || m === undefined ? m : new Message(m);
}
