/**
 * PULL_MESSAGE (11), 5.x LITE_PULL_MESSAGE (361). Both headers are FastCodes headers in Java: they are
 * written in exactly this order (own fields, then the inherited TopicRequestHeader/RpcRequestHeader ones).
 */
import { TOPIC_REQUEST_FIELDS } from './rpc-fields.js';
import { defineHeader } from './schema.js';
import type { HeaderOf } from './schema.js';

/** Bits of PullMessageRequestHeader.sysFlag (Java PullSysFlag). */
export const PullSysFlag = {
  COMMIT_OFFSET: 0x1,
  SUSPEND: 0x2,
  SUBSCRIPTION: 0x4,
  CLASS_FILTER: 0x8,
  /** 5.x DefaultLitePullConsumer. */
  LITE_PULL: 0x10,
} as const;

/** Codec of the PULL_MESSAGE (11) request: group, queue, offset, batch size, suspend time and subscription. */
export const PullMessageRequestHeader = defineHeader('PullMessageRequestHeader', {
  consumerGroup: { type: 'string', required: true },
  topic: { type: 'string', required: true },
  queueId: { type: 'int', required: true },
  /** First logical offset wanted. */
  queueOffset: { type: 'long', required: true },
  maxMsgNums: { type: 'int', required: true },
  /** PullSysFlag bits. */
  sysFlag: { type: 'int', required: true },
  /** Consumer offset to commit when the COMMIT_OFFSET flag is set. */
  commitOffset: { type: 'long', required: true },
  /** Long-polling hold time. */
  suspendTimeoutMillis: { type: 'number', required: true },
  /** Tag expression, e.g. `*` or `TagA || TagB`. */
  subscription: { type: 'string' },
  subVersion: { type: 'number', required: true },
  /** `TAG` or `SQL92`. */
  expressionType: { type: 'string' },
  /** 5.x. */
  maxMsgBytes: { type: 'int' },
  /** 5.x. */
  requestSource: { type: 'int' },
  /** 5.x (the spelling is Java's). */
  proxyFrowardClientId: { type: 'string' },
  ...TOPIC_REQUEST_FIELDS,
});
/** Value of the PULL_MESSAGE (11) request: group, queue, offset, batch size, suspend time and subscription. */
export type PullMessageRequestHeader = HeaderOf<typeof PullMessageRequestHeader>;

/** Codec of the PULL_MESSAGE (11) response: next, min and max offsets and the suggested broker. */
export const PullMessageResponseHeader = defineHeader('PullMessageResponseHeader', {
  suggestWhichBrokerId: { type: 'number', required: true },
  nextBeginOffset: { type: 'long', required: true },
  minOffset: { type: 'long', required: true },
  maxOffset: { type: 'long', required: true },
  /** 5.x: static topic offset delta. */
  offsetDelta: { type: 'long' },
  /** 5.x. */
  topicSysFlag: { type: 'int' },
  /** 5.x. */
  groupSysFlag: { type: 'int' },
  /** 5.x. */
  forbiddenType: { type: 'int' },
});
/** Value of the PULL_MESSAGE (11) response: next, min and max offsets and the suggested broker. */
export type PullMessageResponseHeader = HeaderOf<typeof PullMessageResponseHeader>;
