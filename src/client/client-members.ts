/** What a client instance needs from its members (Java MQProducerInner / MQConsumerInner). */
import type { ConsumerData, TopicRouteData } from '../protocol/body/index.js';
import type { JsonOut } from '../protocol/json/fastjson-write.js';
import type { MessageExt } from '../protocol/message/index.js';

/** What the instance needs from a producer (Java MQProducerInner). */
export interface ProducerMember {
  /** Topics whose routes the instance keeps fresh. */
  publishTopics(): Iterable<string>;
  /** True when the producer has no usable publish info for the topic. */
  isPublishTopicNeedUpdate(topic: string): boolean;
  /** Called with the new route of a topic (shared by every producer: read it, never change it). */
  updateTopicPublishInfo(topic: string, route: TopicRouteData): void;
}

/** What the instance needs from a consumer (Java MQConsumerInner); for the pull consumer. */
export interface ConsumerMember {
  subscribedTopics(): Iterable<string>;
  isSubscribeTopicNeedUpdate?(topic: string): boolean;
  /** Called with a private copy of the new route of a subscribed topic. */
  updateTopicSubscribeInfo?(topic: string, route: TopicRouteData): void;
  /** This consumer's entry in the heartbeat. */
  consumerData(): ConsumerData;
  /** Settings reported in GET_CONSUMER_RUNNING_INFO (Java MixAll.object2Properties of the consumer). */
  runningProperties?(): Record<string, string>;
  /** Offsets this consumer holds for the topic's queues (GET_CONSUMER_STATUS_FROM_CLIENT). */
  offsetsOf?(topic: string): ConsumerQueueOffset[];
  /** Push consumers: rebalance now (NOTIFY_CONSUMER_IDS_CHANGED). */
  rebalanceImmediately?(): void;
  /** Push consumers: the mqTable and statusTable of GET_CONSUMER_RUNNING_INFO. */
  runningInfoTables?(): RunningInfoTables;
  /** Push consumers: CONSUME_MESSAGE_DIRECTLY (the handler run on one message). */
  consumeMessageDirectly?(msg: MessageExt, brokerName: string): Promise<DirectConsumeResult>;
  /** Push consumers: RESET_CONSUMER_CLIENT_OFFSET (queue key `wireTopic@broker@id` -> offset). */
  resetOffset?(wireTopic: string, offsets: ReadonlyMap<string, bigint>): Promise<void>;
}

/** Java ConsumerRunningInfo's push tables: ProcessQueueInfo by queue (wire topic), ConsumeStatus by topic. */
export interface RunningInfoTables {
  mqTable: { topic: string; brokerName: string; queueId: number; info: JsonOut }[];
  statusTable: Map<string, JsonOut>;
}

/** Java ConsumeMessageDirectlyResult (consumeResult is a CMResult name). */
export interface DirectConsumeResult {
  order: boolean;
  autoCommit: boolean;
  consumeResult: 'CR_SUCCESS' | 'CR_LATER' | 'CR_RETURN_NULL' | 'CR_THROW_EXCEPTION';
  remark: string;
  spentTimeMills: number;
}

/** One queue offset a consumer holds (wire topic). */
export interface ConsumerQueueOffset {
  topic: string;
  brokerName: string;
  queueId: number;
  offset: bigint;
}

export interface DefaultRouteRequest {
  /** Template topic whose route stands in (createTopicKey, `TBW102`). */
  createTopicKey: string;
  /** Queue-count clamp (defaultTopicQueueNums). */
  defaultTopicQueueNums: number;
}

export interface UpdateRouteOptions {
  /** Use the template topic's route under this topic's name (the auto-creation fallback). */
  defaultRoute?: DefaultRouteRequest;
  /** Timeout of the name server call (default mqClientApiTimeout). */
  timeoutMillis?: number;
}

export type ServiceState = 'CREATE_JUST' | 'RUNNING' | 'SHUTDOWN_ALREADY' | 'START_FAILED';
