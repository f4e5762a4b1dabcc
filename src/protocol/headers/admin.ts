/** Broker topic administration: UPDATE_AND_CREATE_TOPIC (17), DELETE_TOPIC_IN_BROKER (215). */
import { TOPIC_REQUEST_FIELDS } from './rpc-fields.js';
import { defineHeader } from './schema.js';
import type { HeaderOf } from './schema.js';

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
  /** Java Boolean defaulting to false and marked @CFNotNull, so always present. */
  order: { type: 'boolean', required: true },
  /** 5.x: attribute changes, e.g. `+message.type=NORMAL`. */
  attributes: { type: 'string' },
  /** 5.x. */
  force: { type: 'boolean' },
  ...TOPIC_REQUEST_FIELDS,
});
export type CreateTopicRequestHeader = HeaderOf<typeof CreateTopicRequestHeader>;

export const DeleteTopicRequestHeader = defineHeader('DeleteTopicRequestHeader', {
  topic: { type: 'string', required: true },
  ...TOPIC_REQUEST_FIELDS,
});
export type DeleteTopicRequestHeader = HeaderOf<typeof DeleteTopicRequestHeader>;
