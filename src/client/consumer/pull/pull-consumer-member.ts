/**
 * What a PullConsumer shows its client instance (Java MQConsumerInner): the subscribed topics whose
 * routes the instance refreshes, their readable queues, and the consumer's heartbeat entry
 * (CONSUME_ACTIVELY, CLUSTERING).
 */
import type {
  ConsumeFromWhere,
  ConsumerData,
  SubscriptionData,
  TopicRouteData,
} from '../../../protocol/body/index.js';
import type { ConsumerMember, ConsumerQueueOffset } from '../../client-instance.js';
import type { MessageQueue } from '../../message-queue.js';
import { subscribeQueuesFromRoute } from '../shared/consumer-routing.js';
import { buildSubscription, sameFilter } from '../shared/subscription.js';
import type { SubscriptionExpression } from '../shared/subscription.js';

/** What the consumer reports to a broker asking about it (GET_CONSUMER_RUNNING_INFO / _STATUS_FROM_CLIENT). */
export interface PullConsumerReport {
  properties?: () => Record<string, string>;
  offsets?: (topic: string) => ConsumerQueueOffset[];
}

export class PullConsumerMember implements ConsumerMember {
  /** Wire topic -> subscription announced in heartbeats. */
  readonly subscriptions = new Map<string, SubscriptionData>();
  /** Wire topic -> readable queues of the last route applied. */
  readonly subscribeInfo = new Map<string, MessageQueue[]>();

  constructor(
    private readonly groupName: string,
    private readonly consumeFromWhere: ConsumeFromWhere,
    private readonly unitMode: boolean,
    private readonly report: PullConsumerReport = {},
  ) {}

  runningProperties(): Record<string, string> {
    return this.report.properties?.() ?? {};
  }

  offsetsOf(topic: string): ConsumerQueueOffset[] {
    return this.report.offsets?.(topic) ?? [];
  }

  /** Records a subscription; a changed expression gets a new subVersion, an unchanged one keeps its own. */
  subscribe(wireTopic: string, subExpression: SubscriptionExpression): void {
    const next = buildSubscription(wireTopic, subExpression);
    const old = this.subscriptions.get(wireTopic);
    if (old === undefined || !sameFilter(old, next)) this.subscriptions.set(wireTopic, next);
  }

  subscribedTopics(): Iterable<string> {
    return this.subscriptions.keys();
  }

  isSubscribeTopicNeedUpdate(topic: string): boolean {
    return this.subscriptions.has(topic) && !this.subscribeInfo.has(topic);
  }

  updateTopicSubscribeInfo(topic: string, route: TopicRouteData): void {
    this.subscribeInfo.set(topic, subscribeQueuesFromRoute(topic, route));
  }

  consumerData(): ConsumerData {
    return {
      groupName: this.groupName,
      consumeType: 'CONSUME_ACTIVELY',
      messageModel: 'CLUSTERING',
      consumeFromWhere: this.consumeFromWhere,
      subscriptionDataSet: [...this.subscriptions.values()],
      unitMode: this.unitMode,
    };
  }
}
