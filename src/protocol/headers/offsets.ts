/**
 * Queue offset and message lookups on the broker (GET_MAX_OFFSET 30, GET_MIN_OFFSET 31,
 * SEARCH_OFFSET_BY_TIMESTAMP 29, GET_EARLIEST_MSG_STORETIME 32, QUERY_CONSUMER_OFFSET 14,
 * UPDATE_CONSUMER_OFFSET 15, VIEW_MESSAGE_BY_ID 33, QUERY_MESSAGE 12). Java encodes these by
 * reflection (no fixed wire order); tables keep the Java declaration order, inherited fields last.
 */
import { TOPIC_REQUEST_FIELDS } from './rpc-fields.js';
import { defineHeader } from './schema.js';
import type { HeaderOf } from './schema.js';

/** Codec of the GET_MAX_OFFSET (30) request: topic and queue. */
export const GetMaxOffsetRequestHeader = defineHeader('GetMaxOffsetRequestHeader', {
  topic: { type: 'string', required: true },
  queueId: { type: 'int', required: true },
  /** 5.x, Java primitive defaulting to true: count only committed entries. */
  committed: { type: 'boolean' },
  ...TOPIC_REQUEST_FIELDS,
});
/** Value of the GET_MAX_OFFSET (30) request: topic and queue. */
export type GetMaxOffsetRequestHeader = HeaderOf<typeof GetMaxOffsetRequestHeader>;

/** Codec of the GET_MAX_OFFSET (30) response: the offset after the last message. */
export const GetMaxOffsetResponseHeader = defineHeader('GetMaxOffsetResponseHeader', {
  offset: { type: 'long', required: true },
});
/** Value of the GET_MAX_OFFSET (30) response: the offset after the last message. */
export type GetMaxOffsetResponseHeader = HeaderOf<typeof GetMaxOffsetResponseHeader>;

/** Codec of the GET_MIN_OFFSET (31) request: topic and queue. */
export const GetMinOffsetRequestHeader = defineHeader('GetMinOffsetRequestHeader', {
  topic: { type: 'string', required: true },
  queueId: { type: 'int', required: true },
  ...TOPIC_REQUEST_FIELDS,
});
/** Value of the GET_MIN_OFFSET (31) request: topic and queue. */
export type GetMinOffsetRequestHeader = HeaderOf<typeof GetMinOffsetRequestHeader>;

/** Codec of the GET_MIN_OFFSET (31) response: the first offset still stored. */
export const GetMinOffsetResponseHeader = defineHeader('GetMinOffsetResponseHeader', {
  offset: { type: 'long', required: true },
});
/** Value of the GET_MIN_OFFSET (31) response: the first offset still stored. */
export type GetMinOffsetResponseHeader = HeaderOf<typeof GetMinOffsetResponseHeader>;

/** Codec of the SEARCH_OFFSET_BY_TIMESTAMP (29) request: topic, queue and timestamp (ms). */
export const SearchOffsetRequestHeader = defineHeader('SearchOffsetRequestHeader', {
  topic: { type: 'string', required: true },
  queueId: { type: 'int', required: true },
  /** A Java long: peers may ask for any time (Long.MAX_VALUE = "the end"), not only one below 2^53. */
  timestamp: { type: 'long', required: true },
  /** 5.x BoundaryType: `lower` or `upper`. */
  boundaryType: { type: 'string' },
  ...TOPIC_REQUEST_FIELDS,
});
/** Value of the SEARCH_OFFSET_BY_TIMESTAMP (29) request: topic, queue and timestamp (ms). */
export type SearchOffsetRequestHeader = HeaderOf<typeof SearchOffsetRequestHeader>;

/** Codec of the SEARCH_OFFSET_BY_TIMESTAMP (29) response: the offset found. */
export const SearchOffsetResponseHeader = defineHeader('SearchOffsetResponseHeader', {
  offset: { type: 'long', required: true },
});
/** Value of the SEARCH_OFFSET_BY_TIMESTAMP (29) response: the offset found. */
export type SearchOffsetResponseHeader = HeaderOf<typeof SearchOffsetResponseHeader>;

/** Codec of the GET_EARLIEST_MSG_STORETIME (32) request: topic and queue. */
export const GetEarliestMsgStoretimeRequestHeader = defineHeader('GetEarliestMsgStoretimeRequestHeader', {
  topic: { type: 'string', required: true },
  queueId: { type: 'int', required: true },
  ...TOPIC_REQUEST_FIELDS,
});
/** Value of the GET_EARLIEST_MSG_STORETIME (32) request: topic and queue. */
export type GetEarliestMsgStoretimeRequestHeader = HeaderOf<typeof GetEarliestMsgStoretimeRequestHeader>;

/** Codec of the GET_EARLIEST_MSG_STORETIME (32) response: store time of the oldest message, ms. */
export const GetEarliestMsgStoretimeResponseHeader = defineHeader('GetEarliestMsgStoretimeResponseHeader', {
  timestamp: { type: 'number', required: true },
});
/** Value of the GET_EARLIEST_MSG_STORETIME (32) response: store time of the oldest message, ms. */
export type GetEarliestMsgStoretimeResponseHeader = HeaderOf<typeof GetEarliestMsgStoretimeResponseHeader>;

/** Codec of the QUERY_CONSUMER_OFFSET (14) request: group, topic and queue. */
export const QueryConsumerOffsetRequestHeader = defineHeader('QueryConsumerOffsetRequestHeader', {
  consumerGroup: { type: 'string', required: true },
  topic: { type: 'string', required: true },
  queueId: { type: 'int', required: true },
  /** 5.x. */
  setZeroIfNotFound: { type: 'boolean' },
  ...TOPIC_REQUEST_FIELDS,
});
/** Value of the QUERY_CONSUMER_OFFSET (14) request: group, topic and queue. */
export type QueryConsumerOffsetRequestHeader = HeaderOf<typeof QueryConsumerOffsetRequestHeader>;

/** Codec of the QUERY_CONSUMER_OFFSET (14) response: the group's committed offset. */
export const QueryConsumerOffsetResponseHeader = defineHeader('QueryConsumerOffsetResponseHeader', {
  offset: { type: 'long', required: true },
});
/** Value of the QUERY_CONSUMER_OFFSET (14) response: the group's committed offset. */
export type QueryConsumerOffsetResponseHeader = HeaderOf<typeof QueryConsumerOffsetResponseHeader>;

/** Codec of the UPDATE_CONSUMER_OFFSET (15) request: commits a group's offset for a queue. */
export const UpdateConsumerOffsetRequestHeader = defineHeader('UpdateConsumerOffsetRequestHeader', {
  consumerGroup: { type: 'string', required: true },
  topic: { type: 'string', required: true },
  queueId: { type: 'int', required: true },
  commitOffset: { type: 'long', required: true },
  ...TOPIC_REQUEST_FIELDS,
});
/** Value of the UPDATE_CONSUMER_OFFSET (15) request: commits a group's offset for a queue. */
export type UpdateConsumerOffsetRequestHeader = HeaderOf<typeof UpdateConsumerOffsetRequestHeader>;

/** VIEW_MESSAGE_BY_ID: `offset` is the commit-log physical offset. */
export const ViewMessageRequestHeader = defineHeader('ViewMessageRequestHeader', {
  /** 5.x. */
  topic: { type: 'string' },
  offset: { type: 'long', required: true },
});
export type ViewMessageRequestHeader = HeaderOf<typeof ViewMessageRequestHeader>;

/**
 * QUERY_MESSAGE. Timestamps are `long`: a unique-key query sends endTimestamp = Long.MAX_VALUE.
 * `_UNIQUE_KEY_QUERY` is an extra extField the client adds next to the header.
 */
export const QueryMessageRequestHeader = defineHeader('QueryMessageRequestHeader', {
  topic: { type: 'string', required: true },
  key: { type: 'string', required: true },
  maxNum: { type: 'int', required: true },
  beginTimestamp: { type: 'long', required: true },
  endTimestamp: { type: 'long', required: true },
  uniqueKeyQuery: { type: 'boolean', wire: '_UNIQUE_KEY_QUERY' },
  ...TOPIC_REQUEST_FIELDS,
});
export type QueryMessageRequestHeader = HeaderOf<typeof QueryMessageRequestHeader>;

/** Codec of the QUERY_MESSAGE (12) response: when the index was last updated (timestamp and physical offset). */
export const QueryMessageResponseHeader = defineHeader('QueryMessageResponseHeader', {
  indexLastUpdateTimestamp: { type: 'number', required: true },
  indexLastUpdatePhyoffset: { type: 'long', required: true },
});
/** Value of the QUERY_MESSAGE (12) response: when the index was last updated (timestamp and physical offset). */
export type QueryMessageResponseHeader = HeaderOf<typeof QueryMessageResponseHeader>;
