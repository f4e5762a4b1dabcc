/**
 * Broker administration: topics (UPDATE_AND_CREATE_TOPIC 17, DELETE_TOPIC_IN_BROKER 215), statistics
 * and connections (202, 203, 204, 208), subscription groups (DELETE_SUBSCRIPTIONGROUP 207).
 */
import { TOPIC_REQUEST_FIELDS } from './rpc-fields.js';
import { defineHeader } from './schema.js';
import type { HeaderOf } from './schema.js';

/** Codec of the UPDATE_AND_CREATE_TOPIC (17) request: creates or updates a topic on a broker. */
export const CreateTopicRequestHeader = defineHeader('CreateTopicRequestHeader', {
  topic: { type: 'string', required: true },
  defaultTopic: { type: 'string', required: true },
  readQueueNums: { type: 'int', required: true },
  writeQueueNums: { type: 'int', required: true },
  /** Perm bits. */
  perm: { type: 'int', required: true },
  /** `SINGLE_TAG` or `MULTI_TAG`. */
  topicFilterType: { type: 'string', required: true },
  topicSysFlag: { type: 'int' },
  /** Java Boolean defaulting to false and marked `@CFNotNull`, so always present. */
  order: { type: 'boolean', required: true },
  /** 5.x: attribute changes, e.g. `+message.type=NORMAL`. */
  attributes: { type: 'string' },
  /** 5.x. */
  force: { type: 'boolean' },
  ...TOPIC_REQUEST_FIELDS,
});
/** Value of the UPDATE_AND_CREATE_TOPIC (17) request: creates or updates a topic on a broker. */
export type CreateTopicRequestHeader = HeaderOf<typeof CreateTopicRequestHeader>;

/** Codec of the DELETE_TOPIC_IN_BROKER (215) / DELETE_TOPIC_IN_NAMESRV (216) request: the topic to delete. */
export const DeleteTopicRequestHeader = defineHeader('DeleteTopicRequestHeader', {
  topic: { type: 'string', required: true },
  ...TOPIC_REQUEST_FIELDS,
});
/** Value of the DELETE_TOPIC_IN_BROKER (215) / DELETE_TOPIC_IN_NAMESRV (216) request: the topic to delete. */
export type DeleteTopicRequestHeader = HeaderOf<typeof DeleteTopicRequestHeader>;

/** GET_TOPIC_STATS_INFO (202). */
export const GetTopicStatsInfoRequestHeader = defineHeader('GetTopicStatsInfoRequestHeader', {
  topic: { type: 'string', required: true },
});
export type GetTopicStatsInfoRequestHeader = HeaderOf<typeof GetTopicStatsInfoRequestHeader>;

/** GET_CONSUMER_CONNECTION_LIST (203). */
export const GetConsumerConnectionListRequestHeader = defineHeader('GetConsumerConnectionListRequestHeader', {
  consumerGroup: { type: 'string', required: true },
});
export type GetConsumerConnectionListRequestHeader = HeaderOf<typeof GetConsumerConnectionListRequestHeader>;

/** GET_PRODUCER_CONNECTION_LIST (204). */
export const GetProducerConnectionListRequestHeader = defineHeader('GetProducerConnectionListRequestHeader', {
  producerGroup: { type: 'string', required: true },
});
export type GetProducerConnectionListRequestHeader = HeaderOf<typeof GetProducerConnectionListRequestHeader>;

/** GET_CONSUME_STATS (208); no topic = every topic the group consumes. */
export const GetConsumeStatsRequestHeader = defineHeader('GetConsumeStatsRequestHeader', {
  consumerGroup: { type: 'string', required: true },
  topic: { type: 'string' },
});
export type GetConsumeStatsRequestHeader = HeaderOf<typeof GetConsumeStatsRequestHeader>;

/** CLONE_GROUP_OFFSET (314): mqadmin cloneGroupOffset. No topic = every topic srcGroup has offsets on. */
export const CloneGroupOffsetRequestHeader = defineHeader('CloneGroupOffsetRequestHeader', {
  srcGroup: { type: 'string', required: true },
  destGroup: { type: 'string', required: true },
  topic: { type: 'string' },
  offline: { type: 'boolean' },
});
export type CloneGroupOffsetRequestHeader = HeaderOf<typeof CloneGroupOffsetRequestHeader>;

/** GET_TOPIC_CONFIG (351, 5.x). `lo`: also the static-topic queue mapping (none here). */
export const GetTopicConfigRequestHeader = defineHeader('GetTopicConfigRequestHeader', {
  topic: { type: 'string', required: true },
  lo: { type: 'boolean' },
});
export type GetTopicConfigRequestHeader = HeaderOf<typeof GetTopicConfigRequestHeader>;

/** DELETE_SUBSCRIPTIONGROUP (207). */
export const DeleteSubscriptionGroupRequestHeader = defineHeader('DeleteSubscriptionGroupRequestHeader', {
  groupName: { type: 'string', required: true },
  /** Also drop the group's consumer offsets. */
  cleanOffset: { type: 'boolean' },
});
export type DeleteSubscriptionGroupRequestHeader = HeaderOf<typeof DeleteSubscriptionGroupRequestHeader>;
