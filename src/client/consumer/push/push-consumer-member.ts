/**
 * What a PushConsumer shows its client instance (Java MQConsumerInner of DefaultMQPushConsumerImpl):
 * the subscribed topics (retry topic included), their readable queues, the heartbeat entry
 * (CONSUME_PASSIVELY), and the answers to broker requests about it: running info, offsets, a
 * rebalance on NOTIFY_CONSUMER_IDS_CHANGED, CONSUME_MESSAGE_DIRECTLY and RESET_CONSUMER_CLIENT_OFFSET.
 */
import type { ConsumerData, SubscriptionData, TopicRouteData } from '../../../protocol/body/index.js';
import type { MessageExt } from '../../../protocol/message/index.js';
import { withoutNamespace } from '../../../protocol/message/index.js';
import type { ConsumerMember, ConsumerQueueOffset, RunningInfoTables } from '../../client-members.js';
import type { MessageQueue } from '../../message-queue.js';
import { subscribeQueuesFromRoute } from '../shared/consumer-routing.js';
import type { DirectConsumeResult } from './consume-service.js';
import type { PushConsumerConfig } from './push-consumer-options.js';

/** What the member asks of its consumer. */
export interface PushMemberHost {
  readonly config: PushConsumerConfig;
  readonly wireGroup: string;
  /** User-view topic -> subscription (wire topic inside). */
  readonly subscriptions: ReadonlyMap<string, SubscriptionData>;
  readonly subscribeInfo: Map<string, MessageQueue[]>;
  /** A subscribed topic's queues changed. */
  queuesChanged(topic: string): void;
  rebalanceImmediately(): void;
  runningProperties(): Record<string, string>;
  runningInfoTables(): RunningInfoTables;
  offsetsOf(wireTopic: string): ConsumerQueueOffset[];
  consumeMessageDirectly(msg: MessageExt, brokerName: string): Promise<DirectConsumeResult>;
  resetOffset(topic: string, offsets: ReadonlyMap<string, bigint>): Promise<void>;
}

export class PushConsumerMember implements ConsumerMember {
  constructor(private readonly host: PushMemberHost) {}

  private userTopic(wireTopic: string): string {
    const ns = this.host.config.client.namespace;
    return ns ? withoutNamespace(wireTopic, ns) : wireTopic;
  }

  subscribedTopics(): Iterable<string> {
    return [...this.host.subscriptions.values()].map((s) => s.topic);
  }

  isSubscribeTopicNeedUpdate(wireTopic: string): boolean {
    const topic = this.userTopic(wireTopic);
    return this.host.subscriptions.has(topic) && !this.host.subscribeInfo.has(topic);
  }

  updateTopicSubscribeInfo(wireTopic: string, route: TopicRouteData): void {
    const topic = this.userTopic(wireTopic);
    if (!this.host.subscriptions.has(topic)) return;
    const next = subscribeQueuesFromRoute(topic, route);
    const old = this.host.subscribeInfo.get(topic);
    this.host.subscribeInfo.set(topic, next);
    const key = (qs: readonly MessageQueue[]): string =>
      qs
        .map((q) => q.key())
        .sort()
        .join(',');
    if (old === undefined || key(old) !== key(next)) this.host.queuesChanged(topic);
  }

  consumerData(): ConsumerData {
    const c = this.host.config;
    return {
      groupName: this.host.wireGroup,
      consumeType: 'CONSUME_PASSIVELY',
      messageModel: c.messageModel,
      consumeFromWhere: c.consumeFromWhere,
      subscriptionDataSet: [...this.host.subscriptions.values()],
      unitMode: c.client.unitMode,
    };
  }

  runningProperties(): Record<string, string> {
    return this.host.runningProperties();
  }

  runningInfoTables(): RunningInfoTables {
    return this.host.runningInfoTables();
  }

  offsetsOf(wireTopic: string): ConsumerQueueOffset[] {
    return this.host.offsetsOf(wireTopic);
  }

  rebalanceImmediately(): void {
    this.host.rebalanceImmediately();
  }

  consumeMessageDirectly(msg: MessageExt, brokerName: string): Promise<DirectConsumeResult> {
    return this.host.consumeMessageDirectly(msg, brokerName);
  }

  resetOffset(wireTopic: string, offsets: ReadonlyMap<string, bigint>): Promise<void> {
    return this.host.resetOffset(this.userTopic(wireTopic), offsets);
  }
}
