/**
 * PUSH_REPLY_MESSAGE_TO_CLIENT (326, broker -> requesting client): a reply message pushed to the
 * client whose id is in its REPLY_TO_CLIENT property. The body is the reply's body as the replier
 * sent it (compressed when sysFlag says so); everything else travels in this header: the replier's
 * SendMessageRequestHeader fields, then where the broker saw it come from and when.
 *
 * Java ReplyMessageRequestHeader field order (4.9.8; 5.x extends TopicQueueRequestHeader, whose
 * optional fields come last). Reflection-encoded: on the wire the keys follow Java's HashMap order.
 */
import { TOPIC_REQUEST_FIELDS } from './rpc-fields.js';
import { defineHeader } from './schema.js';
import type { HeaderOf } from './schema.js';

/** Codec of the PUSH_REPLY_MESSAGE_TO_CLIENT (326) request: a reply message pushed by the broker to the requesting client. */
export const ReplyMessageRequestHeader = defineHeader('ReplyMessageRequestHeader', {
  producerGroup: { type: 'string', required: true },
  topic: { type: 'string', required: true },
  defaultTopic: { type: 'string', required: true },
  defaultTopicQueueNums: { type: 'int', required: true },
  queueId: { type: 'int', required: true },
  sysFlag: { type: 'int', required: true },
  bornTimestamp: { type: 'number', required: true },
  flag: { type: 'int', required: true },
  /** The reply's properties string, with PUSH_REPLY_TIME added by the broker. */
  properties: { type: 'string' },
  reconsumeTimes: { type: 'int' },
  /** Java primitive boolean, always sent. */
  unitMode: { type: 'boolean' },
  /** "ip:port" of the replier's connection as the broker sees it. */
  bornHost: { type: 'string', required: true },
  /** "ip:port" of the broker (its store host). */
  storeHost: { type: 'string', required: true },
  /** Java primitive long: when the broker pushed the reply (ms). */
  storeTimestamp: { type: 'number', required: true },
  ...TOPIC_REQUEST_FIELDS,
});
/** Value of the PUSH_REPLY_MESSAGE_TO_CLIENT (326) request: a reply message pushed by the broker to the requesting client. */
export type ReplyMessageRequestHeader = HeaderOf<typeof ReplyMessageRequestHeader>;
