/**
 * PullConsumer (Java DefaultMQPullConsumer): the application chooses queues and offsets. It lists a
 * topic's readable queues from the route, pulls from an offset or from the group's stored offset,
 * commits offsets to the broker, looks up queue offsets and messages, and announces itself in the
 * client instance's heartbeats as CONSUME_ACTIVELY. `poll` / `pollAll` read whole topics on top.
 */
import { ClientErrorCode, MQClientError } from '../../../common/errors.js';
import { checkTopic, wrapNamespace } from '../../../protocol/message/index.js';
import { instanceCore, type ClientInstance, type ServiceState } from '../../client-instance.js';
import { chooseClientInstance } from '../../client-instance-registry.js';
import type { InstanceCore } from '../../instance-core.js';
import type { MessageQueue } from '../../message-queue.js';
import { ConsumerAPI } from '../shared/consumer-api.js';
import { ConsumerOffsets, offsetsOfTopic } from '../offsets/consumer-offsets.js';
import { PullConsumerMember } from './pull-consumer-member.js';
import { pullConsumerProperties } from './pull-consumer-report.js';
import { resolvePullConsumerConfig } from './pull-consumer-options.js';
import type {
  PullConsumerConfig,
  PullConsumerOptions,
  PullFromStoredOptions,
  PullOptions,
} from './pull-consumer-options.js';
import { subscribeQueuesFromRoute } from '../shared/consumer-routing.js';
import { pollMessages } from './poll.js';
import { pullOnce } from './pull-call.js';
import { EventHub, EventSource } from '../../events/event-hub.js';
import { namesOf } from '../../events/event-types.js';
import { PullConsumerEvents } from './pull-consumer-events.js';
import type { PullConsumerEventMap } from './pull-consumer-events.js';
import type { PollOptions } from './poll.js';
import { viewMessageById } from '../shared/pull-processing.js';
import { queryMessages } from './query-messages.js';
import type { QueryMessageOptions } from './query-messages.js';
import { PullStatus } from '../shared/pull-result.js';
import type { PulledMessage, PullResult } from '../shared/pull-result.js';
import { buildSubscription } from '../shared/subscription.js';
import type { SubscriptionExpression } from '../shared/subscription.js';
import { checkSubscriptionInBrokers } from '../shared/subscription-check.js';
import { startConsumeTracer, type ConsumeTracer } from '../../trace/consumer-trace-start.js';

/** Emits PullConsumerEvents (pull, pull.failure): `consumer.on(name, fn)`. */
export class PullConsumer extends EventSource<PullConsumerEventMap> {
  /** The resolved configuration (options with defaults applied). */
  readonly config: PullConsumerConfig;
  /** The client instance, its working parts and the request API, once started. */
  private attached: { instance: ClientInstance; core: InstanceCore; api: ConsumerAPI } | undefined;
  private serviceState: ServiceState = 'CREATE_JUST';
  private readonly member: PullConsumerMember;
  /** Queue key -> broker id suggested by the last pull. */
  private readonly pullFromWhichNode = new Map<string, number>();
  private readonly offsets: ConsumerOffsets;
  private startTimestamp = 0;
  private readonly instanceOptions: Parameters<typeof chooseClientInstance>[0];
  /** Writes poll()'s consume traces when enableMsgTrace is on (set by `start()`). */
  tracer: ConsumeTracer | undefined; // poll()'s consume traces (enableMsgTrace), once started

  private readonly events: EventHub<PullConsumerEventMap>;

  constructor(options: PullConsumerOptions) {
    super();
    this.config = resolvePullConsumerConfig(options);
    this.events = new EventHub(namesOf(PullConsumerEvents), this.config.client.logger);
    this.instanceOptions = { registry: options.registry, clientInstance: options.clientInstance };
    this.member = new PullConsumerMember(
      wrapNamespace(this.config.client.namespace, this.config.consumerGroup),
      this.config.consumeFromWhere,
      this.config.client.unitMode,
      {
        properties: () =>
          pullConsumerProperties(
            this.config,
            this.attached?.instance.config.instanceName,
            this.startTimestamp,
          ),
        offsets: (topic) => offsetsOfTopic(this.offsets.table, topic),
      },
    );
    this.offsets = new ConsumerOffsets({
      config: this.config,
      wireGroup: this.group,
      running: () => this.running(),
    });
  }

  protected get eventHub(): EventHub<PullConsumerEventMap> {
    return this.events;
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
    return this.attached?.instance;
  }

  private get namespace(): string | undefined {
    return this.config.client.namespace;
  }

  private get group(): string {
    return wrapNamespace(this.namespace, this.config.consumerGroup);
  }

  /** Joins a client instance, registers the group, starts heartbeats and subscribes the registerTopics; throws IllegalStateError when called twice. */
  async start(): Promise<void> {
    if (this.serviceState !== 'CREATE_JUST') {
      throw new MQClientError(
        `The PullConsumer service state is ${this.serviceState}, it may be started only once`,
        { code: ClientErrorCode.ILLEGAL_STATE },
      );
    }
    this.serviceState = 'START_FAILED';
    this.startTimestamp = Date.now();
    const instance = chooseClientInstance(this.instanceOptions, this.config.client);
    const shared = instanceCore(instance);
    if (!shared.registerConsumer(this.group, this.member)) {
      throw new MQClientError(
        `The consumer group[${this.config.consumerGroup}] has been created before, specify another name please.`,
        { code: ClientErrorCode.GROUP_ALREADY_REGISTERED },
      );
    }
    try {
      shared.start();
      this.attached = { instance, core: shared, api: new ConsumerAPI(shared.remoting) };
      this.serviceState = 'RUNNING';
      this.tracer = await startConsumeTracer(this.config, instance);
      for (const topic of this.config.registerTopics) await this.subscribe(topic);
    } catch (err) {
      // Leave nothing behind: as if start() had never been called, except that the state says why.
      this.serviceState = 'START_FAILED';
      await shared.unregisterConsumer(this.group);
      await shared.shutdown();
      throw err;
    }
  }

  /** Leaves the client instance (UNREGISTER_CLIENT to the brokers); the instance stops with its last member. */
  async shutdown(): Promise<void> {
    if (this.serviceState !== 'RUNNING') {
      this.serviceState = 'SHUTDOWN_ALREADY';
      return;
    }
    this.serviceState = 'SHUTDOWN_ALREADY';
    const { core } = this.attached as { core: InstanceCore };
    await this.tracer?.shutdown();
    await core.unregisterConsumer(this.group);
    await core.shutdown();
  }

  private running(): { instance: InstanceCore; api: ConsumerAPI } {
    if (this.serviceState !== 'RUNNING' || this.attached === undefined) {
      const hint =
        this.serviceState === 'CREATE_JUST' ? 'call start() first' : 'create a new consumer to read again';
      throw new MQClientError(`The PullConsumer is ${this.serviceState}, ${hint}`, {
        code: ClientErrorCode.ILLEGAL_STATE,
      });
    }
    return { instance: this.attached.core, api: this.attached.api };
  }

  /**
   * Announces a subscription in the heartbeats (Java registerTopics) and keeps the topic's route
   * fresh; sends a heartbeat at once so the brokers list this consumer. A SQL92 selector
   * (MessageSelector.bySql) is parsed first and then checked with the topic's brokers
   * (CHECK_CLIENT_CONFIG): a broker that cannot filter it refuses the subscription here.
   */
  async subscribe(topic: string, subExpression: SubscriptionExpression = '*'): Promise<void> {
    const { instance, api } = this.running();
    checkTopic(topic);
    const wireTopic = wrapNamespace(this.namespace, topic);
    const subscription = buildSubscription(wireTopic, subExpression);
    await this.fetchMessageQueues(topic);
    await checkSubscriptionInBrokers(instance, api, this.group, subscription);
    this.member.subscribe(wireTopic, subExpression);
    await instance.sendHeartbeatToAllBrokers();
  }

  /** The topic's readable queues, fresh from the name server (Java fetchSubscribeMessageQueues). */
  async fetchMessageQueues(topic: string): Promise<MessageQueue[]> {
    const { instance } = this.running();
    checkTopic(topic);
    const wrapped = wrapNamespace(this.namespace, topic);
    await instance.updateTopicRouteInfoFromNameServer(wrapped);
    const route = instance.getAnExistTopicRouteData(wrapped);
    const queues = route ? subscribeQueuesFromRoute(topic, route) : [];
    if (queues.length === 0) {
      throw new MQClientError(`Can not find Message Queue for this topic, ${topic}`, {
        code: ClientErrorCode.NOT_FOUND_TOPIC_EXCEPTION,
      });
    }
    return queues;
  }

  /** One pull from `offset` (Java pull / pullBlockIfNotFound with `block`); `signal` aborts it. */
  pull(
    mq: MessageQueue,
    subExpression: SubscriptionExpression | undefined,
    offset: bigint | number,
    maxNums: number,
    options: PullOptions = {},
  ): Promise<PullResult> {
    const { api, instance } = this.running();
    const context = { api, instance, config: this.config, group: this.group, events: this.events };
    return pullOnce(
      { ...context, pullFromWhichNode: this.pullFromWhichNode },
      mq,
      subExpression,
      offset,
      maxNums,
      options,
    );
  }

  /** A long-polling pull: the broker holds it up to brokerSuspendMaxTimeMillis until a message arrives (Java pullBlockIfNotFound). */
  pullBlockIfNotFound(
    mq: MessageQueue,
    subExpression: SubscriptionExpression | undefined,
    offset: bigint | number,
    maxNums: number,
  ): Promise<PullResult> {
    return this.pull(mq, subExpression, offset, maxNums, { block: true });
  }

  /** Pulls from the group's offset (none stored: per consumeFromWhere), optionally committing the next one. */
  async pullFromStored(
    mq: MessageQueue,
    subExpression: SubscriptionExpression | undefined,
    maxNums: number,
    options: PullFromStoredOptions = {},
  ): Promise<PullResult> {
    const offset = await this.startOffset(mq, 'stored');
    const result = await this.pull(mq, subExpression, offset, maxNums, options);
    if (options.commit && result.pullStatus !== PullStatus.NO_NEW_MSG && result.nextBeginOffset !== offset) {
      await this.commitOffset(mq, result.nextBeginOffset);
    }
    return result;
  }

  /** Where a reader starts: the first offset, the last one, or the group's (falling back to consumeFromWhere). */
  startOffset(mq: MessageQueue, from: 'beginning' | 'end' | 'stored'): Promise<bigint> {
    return this.offsets.start(mq, from);
  }

  /** UPDATE_CONSUMER_OFFSET to the queue's master (answered; failures throw). */
  commitOffset(mq: MessageQueue, offset: bigint | number): Promise<void> {
    return this.offsets.commit(mq, offset);
  }

  /**
   * The group's offset for the queue: QUERY_CONSUMER_OFFSET (or, with fromStore false, the offset this
   * consumer last committed or read); -1 when the broker has none. `zeroIfNotFound: false` sends
   * setZeroIfNotFound=false, so a 5.x broker answers -1 rather than 0 for a group it never saw.
   */
  fetchConsumeOffset(mq: MessageQueue, fromStore = true, opts: { zeroIfNotFound?: boolean } = {}) {
    return this.offsets.fetch(mq, fromStore, opts.zeroIfNotFound ?? true);
  }

  /** The offset of the first message still stored in the queue. */
  minOffset(mq: MessageQueue): Promise<bigint> {
    return this.offsets.min(mq);
  }

  /** The offset after the last message (the number of entries in the queue). */
  maxOffset(mq: MessageQueue): Promise<bigint> {
    return this.offsets.max(mq);
  }

  /** The offset of the first message stored at or after `timestamp` (ms). */
  searchOffset(mq: MessageQueue, timestamp: number): Promise<bigint> {
    return this.offsets.search(mq, timestamp);
  }

  /** Store time (ms since epoch) of the oldest message in the queue. */
  earliestMsgStoreTime(mq: MessageQueue): Promise<number> {
    return this.offsets.earliestStoreTime(mq);
  }

  /** The message with this offset message id, read from the broker the id names (VIEW_MESSAGE_BY_ID). */
  viewMessage(offsetMsgId: string): Promise<PulledMessage> {
    const { api, instance } = this.running();
    return viewMessageById(api, offsetMsgId, instance.config);
  }

  /**
   * Messages of `topic` whose KEYS hold `key`, or with `uniqueKey` the message whose id (UNIQ_KEY)
   * is `key`, from every broker of the topic (QUERY_MESSAGE, Java queryMessage / viewMessage(topic,
   * msgId)); [] when none. See query-messages.ts.
   */
  queryMessage(topic: string, key: string, options: QueryMessageOptions = {}): Promise<PulledMessage[]> {
    const { api, instance } = this.running();
    checkTopic(topic);
    return queryMessages(instance, api, instance.config, topic, key, options);
  }

  /** Reads a topic queue by queue (see PollOptions); committing the group's offsets when asked. */
  poll(topic: string, options: PollOptions = {}): AsyncGenerator<PulledMessage, void, undefined> {
    return pollMessages(this, topic, options);
  }

  /** Every message of the topic from the beginning (by default) until every queue is caught up. */
  async pollAll(topic: string, options: PollOptions = {}): Promise<PulledMessage[]> {
    const out: PulledMessage[] = [];
    for await (const m of this.poll(topic, { from: 'beginning', ...options })) out.push(m);
    return out;
  }
}
