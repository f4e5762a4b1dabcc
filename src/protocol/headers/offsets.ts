/**
 * Queue offset and message lookups on the broker (GET_MAX_OFFSET 30, GET_MIN_OFFSET 31,
 * SEARCH_OFFSET_BY_TIMESTAMP 29, GET_EARLIEST_MSG_STORETIME 32, QUERY_CONSUMER_OFFSET 14,
 * UPDATE_CONSUMER_OFFSET 15, VIEW_MESSAGE_BY_ID 33, QUERY_MESSAGE 12). Java encodes these by
 * reflection (no fixed wire order); tables keep the Java declaration order, inherited fields last.
 */
import { TOPIC_REQUEST_FIELDS } from './rpc-fields.js';
import { defineHeader } from './schema.js';
import type { HeaderOf } from './schema.js';

export const GetMaxOffsetRequestHeader = defineHeader('GetMaxOffsetRequestHeader', {
  topic: { type: 'string', required: true },
  queueId: { type: 'int', required: true },
  /** 5.x, Java primitive defaulting to true: count only committed entries. */
  committed: { type: 'boolean' },
  ...TOPIC_REQUEST_FIELDS,
});
export type GetMaxOffsetRequestHeader = HeaderOf<typeof GetMaxOffsetRequestHeader>;

export const GetMaxOffsetResponseHeader = defineHeader('GetMaxOffsetResponseHeader', {
  offset: { type: 'long', required: true },
});
export type GetMaxOffsetResponseHeader = HeaderOf<typeof GetMaxOffsetResponseHeader>;

export const GetMinOffsetRequestHeader = defineHeader('GetMinOffsetRequestHeader', {
  topic: { type: 'string', required: true },
  queueId: { type: 'int', required: true },
  ...TOPIC_REQUEST_FIELDS,
});
export type GetMinOffsetRequestHeader = HeaderOf<typeof GetMinOffsetRequestHeader>;

export const GetMinOffsetResponseHeader = defineHeader('GetMinOffsetResponseHeader', {
  offset: { type: 'long', required: true },
});
export type GetMinOffsetResponseHeader = HeaderOf<typeof GetMinOffsetResponseHeader>;

export const SearchOffsetRequestHeader = defineHeader('SearchOffsetRequestHeader', {
  topic: { type: 'string', required: true },
  queueId: { type: 'int', required: true },
  timestamp: { type: 'number', required: true },
  /** 5.x BoundaryType: `lower` or `upper`. */
  boundaryType: { type: 'string' },
  ...TOPIC_REQUEST_FIELDS,
});
export type SearchOffsetRequestHeader = HeaderOf<typeof SearchOffsetRequestHeader>;

export const SearchOffsetResponseHeader = defineHeader('SearchOffsetResponseHeader', {
  offset: { type: 'long', required: true },
});
export type SearchOffsetResponseHeader = HeaderOf<typeof SearchOffsetResponseHeader>;

export const GetEarliestMsgStoretimeRequestHeader = defineHeader('GetEarliestMsgStoretimeRequestHeader', {
  topic: { type: 'string', required: true },
  queueId: { type: 'int', required: true },
  ...TOPIC_REQUEST_FIELDS,
});
export type GetEarliestMsgStoretimeRequestHeader = HeaderOf<typeof GetEarliestMsgStoretimeRequestHeader>;

export const GetEarliestMsgStoretimeResponseHeader = defineHeader('GetEarliestMsgStoretimeResponseHeader', {
  timestamp: { type: 'number', required: true },
});
export type GetEarliestMsgStoretimeResponseHeader = HeaderOf<typeof GetEarliestMsgStoretimeResponseHeader>;

export const QueryConsumerOffsetRequestHeader = defineHeader('QueryConsumerOffsetRequestHeader', {
  consumerGroup: { type: 'string', required: true },
  topic: { type: 'string', required: true },
  queueId: { type: 'int', required: true },
  /** 5.x. */
  setZeroIfNotFound: { type: 'boolean' },
  ...TOPIC_REQUEST_FIELDS,
});
export type QueryConsumerOffsetRequestHeader = HeaderOf<typeof QueryConsumerOffsetRequestHeader>;

export const QueryConsumerOffsetResponseHeader = defineHeader('QueryConsumerOffsetResponseHeader', {
  offset: { type: 'long', required: true },
});
export type QueryConsumerOffsetResponseHeader = HeaderOf<typeof QueryConsumerOffsetResponseHeader>;

export const UpdateConsumerOffsetRequestHeader = defineHeader('UpdateConsumerOffsetRequestHeader', {
  consumerGroup: { type: 'string', required: true },
  topic: { type: 'string', required: true },
  queueId: { type: 'int', required: true },
  commitOffset: { type: 'long', required: true },
  ...TOPIC_REQUEST_FIELDS,
});
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

export const QueryMessageResponseHeader = defineHeader('QueryMessageResponseHeader', {
  indexLastUpdateTimestamp: { type: 'number', required: true },
  indexLastUpdatePhyoffset: { type: 'long', required: true },
});
export type QueryMessageResponseHeader = HeaderOf<typeof QueryMessageResponseHeader>;
