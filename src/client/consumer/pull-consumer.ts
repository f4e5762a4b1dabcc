/**
 * PullConsumer (Java DefaultMQPullConsumer): the application chooses queues and offsets. It lists a
 * topic's readable queues from the route, pulls from an offset or from the group's stored offset,
 * commits offsets to the broker, looks up queue offsets and messages, and announces itself in the
 * client instance's heartbeats as CONSUME_ACTIVELY. `poll` / `pollAll` read whole topics on top.
 */
import { ClientErrorCode, IllegalArgumentError, MQClientError } from '../../common/errors.js';
import type { ConsumerData, SubscriptionData, TopicRouteData } from '../../protocol/body/index.js';
import { isReadable } from '../../protocol/codes/index.js';
import { checkTopic, decodeOffsetMessageId, wrapNamespace } from '../../protocol/message/index.js';
import { ClientInstance } from '../client-instance.js';
import type { ConsumerMember, ServiceState } from '../client-instance.js';
import { brokerVIPChannel, uniqueInstanceName } from '../client-config.js';
import { MessageQueue } from '../message-queue.js';
import { ConsumerAPI } from './consumer-api.js';
import type { QueueRef } from './consumer-api.js';
import { resolvePullConsumerConfig } from './consumer-options.js';
import type { PullConsumerConfig, PullConsumerOptions } from './consumer-options.js';
import { pollMessages } from './poll.js';
import type { PollOptions } from './poll.js';
import { processPullResult, toPulledMessage } from './pull-processing.js';
import { PullStatus, buildPullSysFlag } from './pull-result.js';
import type { PulledMessage, PullResult } from './pull-result.js';
import { buildSubscriptionData } from './subscription.js';

export interface PullOptions {
  /** Let the broker hold the pull until a message arrives (long polling). Default false. */
  block?: boolean;
  /** Hold time asked of the broker, ms. Default brokerSuspendMaxTimeMillis. */
  suspendMillis?: number;
  /** Request timeout, ms. Default consumerTimeoutMillisWhenSuspend (block) or consumerPullTimeoutMillis. */
  timeoutMillis?: number;
}

export interface PullFromStoredOptions extends PullOptions {
  /** Commit nextBeginOffset to the broker after the pull (unless NO_NEW_MSG). Default false. */
  commit?: boolean;
}

/** The readable queues of a route (Java topicRouteData2TopicSubscribeInfo), by broker name then id. */
export function subscribeQueuesFromRoute(topic: string, route: TopicRouteData): MessageQueue[] {
  const queues: MessageQueue[] = [];
  const datas = [...route.queueDatas].sort((a, b) =>
    a.brokerName < b.brokerName ? -1 : a.brokerName > b.brokerName ? 1 : 0,
  );
  for (const q of datas) {
    if (!isReadable(q.perm)) continue;
    for (let i = 0; i < q.readQueueNums; i++) queues.push(new MessageQueue(topic, q.brokerName, i));
  }
  return queues;
}

function toOffset(name: string, value: bigint | number): bigint {
  const v = typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : value;
  if (typeof v !== 'bigint' || v < 0n)
    throw new IllegalArgumentError(`${name} must be a non-negative integer, got ${String(value)}`);
  return v;
}

export class PullConsumer {
  readonly config: PullConsumerConfig;
  private instance: ClientInstance | undefined;
  private api: ConsumerAPI | undefined;
  private serviceState: ServiceState = 'CREATE_JUST';
  /** Wrapped topic -> subscription announced in heartbeats. */
  private readonly subscriptions = new Map<string, SubscriptionData>();
  /** Wrapped topic -> readable queues of the last route applied. */
  private readonly subscribeInfo = new Map<string, MessageQueue[]>();
  /** Queue key -> broker id suggested by the last pull. */
  private readonly pullFromWhichNode = new Map<string, number>();
  /** Queue key -> offset last committed or read from the broker. */
  private readonly offsetTable = new Map<string, bigint>();

  private readonly instanceOptions: Pick<PullConsumerOptions, 'registry' | 'clientInstance'>;

  constructor(options: PullConsumerOptions) {
    this.config = resolvePullConsumerConfig(options);
    this.instanceOptions = { registry: options.registry, clientInstance: options.clientInstance };
  }

  get state(): ServiceState {
    return this.serviceState;
  }

  get consumerGroup(): string {
    return this.config.consumerGroup;
  }

  /** The client instance in use (after start). */
  get clientInstance(): ClientInstance | undefined {
    return this.instance;
  }

  private get namespace(): string | undefined {
    return this.config.client.namespace;
  }

  private get group(): string {
    return wrapNamespace(this.namespace, this.config.consumerGroup);
  }

  async start(): Promise<void> {
    if (this.serviceState !== 'CREATE_JUST') {
      throw new MQClientError(
        `The PullConsumer service state is ${this.serviceState}, it may be started only once`,
      );
    }
    this.serviceState = 'START_FAILED';
    const clientConfig = {
      ...this.config.client,
      instanceName: uniqueInstanceName(this.config.client.instanceName),
    };
    const instance =
      this.instanceOptions.clientInstance ??
      this.instanceOptions.registry?.getOrCreate(clientConfig) ??
      new ClientInstance(clientConfig);
    if (!instance.registerConsumer(this.group, this.member())) {
      throw new MQClientError(
        `The consumer group[${this.config.consumerGroup}] has been created before, specify another name please.`,
      );
    }
    this.instance = instance;
    this.api = new ConsumerAPI(instance.remoting);
    instance.start();
    this.serviceState = 'RUNNING';
    for (const topic of this.config.registerTopics) await this.subscribe(topic);
  }

  /** Leaves the client instance (UNREGISTER_CLIENT to the brokers); the instance stops with its last member. */
  async shutdown(): Promise<void> {
    if (this.serviceState !== 'RUNNING') {
      this.serviceState = 'SHUTDOWN_ALREADY';
      return;
    }
    this.serviceState = 'SHUTDOWN_ALREADY';
    const instance = this.instance as ClientInstance;
    await instance.unregisterConsumer(this.group);
    await instance.shutdown();
  }

  private running(): { instance: ClientInstance; api: ConsumerAPI } {
    if (this.serviceState !== 'RUNNING' || !this.instance || !this.api) {
      throw new MQClientError(`The PullConsumer is ${this.serviceState}, call start() first`);
    }
    return { instance: this.instance, api: this.api };
  }

  private member(): ConsumerMember {
    return {
      subscribedTopics: () => this.subscriptions.keys(),
      isSubscribeTopicNeedUpdate: (topic) => this.subscriptions.has(topic) && !this.subscribeInfo.has(topic),
      updateTopicSubscribeInfo: (topic, route) => {
        this.subscribeInfo.set(topic, subscribeQueuesFromRoute(topic, route));
      },
      consumerData: (): ConsumerData => ({
        groupName: this.group,
        consumeType: 'CONSUME_ACTIVELY',
        messageModel: 'CLUSTERING',
        consumeFromWhere: this.config.consumeFromWhere,
        subscriptionDataSet: [...this.subscriptions.values()],
        unitMode: this.config.client.unitMode,
      }),
    };
  }

  /**
   * Announces a subscription in the heartbeats (Java registerTopics) and keeps the topic's route
   * fresh; sends a heartbeat at once so the brokers list this consumer.
   */
  async subscribe(topic: string, subExpression = '*'): Promise<void> {
    const { instance } = this.running();
    checkTopic(topic);
    const wrapped = wrapNamespace(this.namespace, topic);
    const old = this.subscriptions.get(wrapped);
    if (old === undefined || old.subString !== buildSubscriptionData(wrapped, subExpression, 0).subString) {
      this.subscriptions.set(wrapped, buildSubscriptionData(wrapped, subExpression));
    }
    await this.fetchMessageQueues(topic);
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

  private ref(mq: MessageQueue): QueueRef & { key: string } {
    const topic = wrapNamespace(this.namespace, mq.topic);
    return {
      topic,
      queueId: mq.queueId,
      brokerName: mq.brokerName,
      key: `${topic}@${mq.brokerName}@${mq.queueId}`,
    };
  }

  private async brokerAddr(mq: QueueRef & { key: string }, forPull: boolean): Promise<string> {
    const { instance } = this.running();
    const brokerName = mq.brokerName as string;
    const find = (): string | undefined =>
      forPull
        ? instance.findBrokerAddressInSubscribe(brokerName, this.pullFromWhichNode.get(mq.key) ?? 0, false)
            ?.brokerAddr
        : instance.findBrokerAddressInPublish(brokerName);
    let addr = find();
    if (addr === undefined) {
      await instance.updateTopicRouteInfoFromNameServer(mq.topic);
      addr = find();
    }
    if (addr === undefined) {
      throw new MQClientError(`The broker[${brokerName}] not exist`, {
        code: ClientErrorCode.BROKER_NOT_EXIST_EXCEPTION,
      });
    }
    return addr;
  }

  /** One pull from `offset` (Java pull / pullBlockIfNotFound with `block`). */
  async pull(
    mq: MessageQueue,
    subExpression: string | undefined,
    offset: bigint | number,
    maxNums: number,
    options: PullOptions = {},
  ): Promise<PullResult> {
    const { api, instance } = this.running();
    const queueOffset = toOffset('offset', offset);
    if (!Number.isInteger(maxNums) || maxNums <= 0)
      throw new IllegalArgumentError(`maxNums must be a positive integer, got ${maxNums}`);
    const ref = this.ref(mq);
    const subscription = buildSubscriptionData(ref.topic, subExpression);
    const block = options.block ?? false;
    const c = this.config;
    const timeout =
      options.timeoutMillis ?? (block ? c.consumerTimeoutMillisWhenSuspend : c.consumerPullTimeoutMillis);
    const addr = await this.brokerAddr(ref, true);
    const raw = await api.pullMessage(
      addr,
      {
        consumerGroup: this.group,
        topic: ref.topic,
        queueId: mq.queueId,
        queueOffset,
        maxMsgNums: maxNums,
        sysFlag: buildPullSysFlag({ suspend: block, subscription: true }),
        commitOffset: 0n,
        suspendTimeoutMillis: options.suspendMillis ?? c.brokerSuspendMaxTimeMillis,
        subscription: subscription.subString,
        subVersion: 0,
        expressionType: subscription.expressionType,
        bname: mq.brokerName,
      },
      timeout,
    );
    this.pullFromWhichNode.set(ref.key, raw.suggestWhichBrokerId);
    return processPullResult(raw, subscription, {
      brokerName: mq.brokerName,
      namespace: this.namespace,
      logger: instance.logger,
    });
  }

  pullBlockIfNotFound(
    mq: MessageQueue,
    subExpression: string | undefined,
    offset: bigint | number,
    maxNums: number,
  ): Promise<PullResult> {
    return this.pull(mq, subExpression, offset, maxNums, { block: true });
  }

  /** Pulls from the group's offset (none stored: per consumeFromWhere), optionally committing the next one. */
  async pullFromStored(
    mq: MessageQueue,
    subExpression: string | undefined,
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
  async startOffset(mq: MessageQueue, from: 'beginning' | 'end' | 'stored'): Promise<bigint> {
    if (from === 'beginning') return this.minOffset(mq);
    if (from === 'end') return this.maxOffset(mq);
    const stored = await this.fetchConsumeOffset(mq, false);
    if (stored >= 0n) return stored;
    switch (this.config.consumeFromWhere) {
      case 'CONSUME_FROM_FIRST_OFFSET':
        return this.minOffset(mq);
      case 'CONSUME_FROM_TIMESTAMP':
        return this.searchOffset(mq, this.config.consumeTimestamp);
      default:
        return this.maxOffset(mq);
    }
  }

  /** UPDATE_CONSUMER_OFFSET to the queue's master (answered; failures throw). */
  async commitOffset(mq: MessageQueue, offset: bigint | number): Promise<void> {
    const { api } = this.running();
    const value = toOffset('offset', offset);
    const ref = this.ref(mq);
    const addr = await this.brokerAddr(ref, false);
    await api.updateConsumerOffset(addr, this.group, ref, value, this.config.client.mqClientApiTimeout);
    this.offsetTable.set(ref.key, value);
  }

  /**
   * The group's offset for the queue: QUERY_CONSUMER_OFFSET (or, with fromStore false, the offset this
   * consumer last committed or read); -1 when the broker has none.
   */
  async fetchConsumeOffset(mq: MessageQueue, fromStore = true): Promise<bigint> {
    const { api } = this.running();
    const ref = this.ref(mq);
    const local = this.offsetTable.get(ref.key);
    if (!fromStore && local !== undefined) return local;
    const addr = await this.brokerAddr(ref, false);
    const offset = await api.queryConsumerOffset(
      addr,
      this.group,
      ref,
      this.config.client.mqClientApiTimeout,
    );
    if (offset === undefined) return -1n;
    this.offsetTable.set(ref.key, offset);
    return offset;
  }

  async minOffset(mq: MessageQueue): Promise<bigint> {
    const { api } = this.running();
    const ref = this.ref(mq);
    return api.getMinOffset(await this.brokerAddr(ref, false), ref, this.config.client.mqClientApiTimeout);
  }

  /** The offset after the last message (the number of entries in the queue). */
  async maxOffset(mq: MessageQueue): Promise<bigint> {
    const { api } = this.running();
    const ref = this.ref(mq);
    return api.getMaxOffset(await this.brokerAddr(ref, false), ref, this.config.client.mqClientApiTimeout);
  }

  async searchOffset(mq: MessageQueue, timestamp: number): Promise<bigint> {
    const { api } = this.running();
    const ref = this.ref(mq);
    return api.searchOffset(
      await this.brokerAddr(ref, false),
      ref,
      timestamp,
      this.config.client.mqClientApiTimeout,
    );
  }

  async earliestMsgStoreTime(mq: MessageQueue): Promise<number> {
    const { api } = this.running();
    const ref = this.ref(mq);
    return api.getEarliestMsgStoreTime(
      await this.brokerAddr(ref, false),
      ref,
      this.config.client.mqClientApiTimeout,
    );
  }

  /** The message with this offset message id, read from the broker the id names (VIEW_MESSAGE_BY_ID). */
  async viewMessage(offsetMsgId: string): Promise<PulledMessage> {
    const { api, instance } = this.running();
    let decoded: ReturnType<typeof decodeOffsetMessageId>;
    try {
      decoded = decodeOffsetMessageId(offsetMsgId);
    } catch (err) {
      throw new MQClientError(
        `query message by id finished, but no message. (not an offset message id: ${offsetMsgId})`,
        {
          code: 208,
          cause: err,
        },
      );
    }
    const addr = brokerVIPChannel(this.config.client.vipChannelEnabled, decoded.address);
    const record = await api.viewMessage(
      addr,
      decoded.commitLogOffset,
      this.config.client.mqClientApiTimeout,
    );
    const msg = toPulledMessage(record, {
      brokerName: '',
      namespace: this.namespace,
      logger: instance.logger,
    });
    delete msg.brokerName;
    return msg;
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
