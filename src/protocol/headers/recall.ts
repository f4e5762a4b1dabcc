/**
 * RECALL_MESSAGE (370, 5.3.2+): Java RecallMessageRequestHeader extends TopicRequestHeader, so its own
 * fields come first (producerGroup, topic, recallHandle), then lo and the RpcRequestHeader fields; the
 * producer sets `bname` to the broker named in the handle. The answer carries the recalled message's
 * id (its UNIQ_KEY) as `msgId`, and MSG_REGION.
 */
import { MessageConst } from '../message/constants.js';
import { TOPIC_REQUEST_FIELDS } from './rpc-fields.js';
import { defineHeader } from './schema.js';
import type { HeaderOf } from './schema.js';

export const RecallMessageRequestHeader = defineHeader('RecallMessageRequestHeader', {
  producerGroup: { type: 'string' },
  topic: { type: 'string', required: true },
  recallHandle: { type: 'string', required: true },
  ...TOPIC_REQUEST_FIELDS,
});
export type RecallMessageRequestHeader = HeaderOf<typeof RecallMessageRequestHeader>;

export const RecallMessageResponseHeader = defineHeader('RecallMessageResponseHeader', {
  msgId: { type: 'string', required: true },
  msgRegion: { type: 'string', wire: MessageConst.PROPERTY_MSG_REGION },
});
export type RecallMessageResponseHeader = HeaderOf<typeof RecallMessageResponseHeader>;
