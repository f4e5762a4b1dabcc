/**
 * SEND_MESSAGE (10) / SEND_MESSAGE_V2 (310) / SEND_BATCH_MESSAGE (320) / SEND_REPLY_MESSAGE(_V2) (324/325).
 *
 * One table serves both forms: V1 keys are the Java field names, V2 (`{ v2: true }`) the one-letter
 * names a..n of SendMessageRequestHeaderV2. Field order is the V2 fast-encoding order (a..n), which is
 * the order Java writes them in the ROCKETMQ binary form.
 */
import { MessageConst } from '../message/constants.js';
import { defineHeader } from './schema.js';
import type { HeaderOf } from './schema.js';

/** Codec of the SEND_MESSAGE (10) request header (the V2 form with one-letter keys is SEND_MESSAGE_V2, 310). */
export const SendMessageRequestHeader = defineHeader('SendMessageRequestHeader', {
  producerGroup: { type: 'string', required: true, v2: 'a' },
  topic: { type: 'string', required: true, v2: 'b' },
  /** Auto-creation template topic, `TBW102`. */
  defaultTopic: { type: 'string', required: true, v2: 'c' },
  defaultTopicQueueNums: { type: 'int', required: true, v2: 'd' },
  /** < 0 lets the broker pick a queue. */
  queueId: { type: 'int', required: true, v2: 'e' },
  sysFlag: { type: 'int', required: true, v2: 'f' },
  bornTimestamp: { type: 'number', required: true, v2: 'g' },
  flag: { type: 'int', required: true, v2: 'h' },
  /** Message properties string (name \u0001 value \u0002 ...). */
  properties: { type: 'string', v2: 'i' },
  reconsumeTimes: { type: 'int', v2: 'j' },
  /** Java primitive boolean: Java clients always send it; absent decodes as undefined (treat as false). */
  unitMode: { type: 'boolean', v2: 'k' },
  maxReconsumeTimes: { type: 'int', v2: 'l' },
  /** Java primitive boolean, always sent by Java clients. */
  batch: { type: 'boolean', v2: 'm' },
  /** Broker name of the target queue (RpcRequestHeader.bname; V2 `n`), 4.9.5+ / 5.1.0+. */
  bname: { type: 'string', v2: 'n' },
});
/** Value of the SEND_MESSAGE (10) request header (the V2 form with one-letter keys is SEND_MESSAGE_V2, 310). */
export type SendMessageRequestHeader = HeaderOf<typeof SendMessageRequestHeader>;

/**
 * Response to the send requests. Java writes msgId, queueId, queueOffset, transactionId (and 5.x
 * batchUniqId, recallHandle) first, then the two extras every send response carries:
 * TRACE_ON and MSG_REGION (set before any check, so also present on error responses).
 */
export const SendMessageResponseHeader = defineHeader('SendMessageResponseHeader', {
  /** Offset message id (batch: comma-joined). */
  msgId: { type: 'string', required: true },
  queueId: { type: 'int', required: true },
  queueOffset: { type: 'long', required: true },
  /** 5.x: the stored message's UNIQ_KEY; 4.9 never sets it. */
  transactionId: { type: 'string' },
  /** 5.x inner batch. */
  batchUniqId: { type: 'string' },
  /** 5.3.2+: timer message recall handle. */
  recallHandle: { type: 'string' },
  /**
   * Broker traceOn as text ("true" / "false"): Java clients treat anything but exactly "false" as on,
   * which a boolean decode (parseBoolean) would not reproduce for "FALSE" or "no".
   */
  traceOn: { type: 'string', wire: MessageConst.PROPERTY_TRACE_SWITCH },
  /** Broker regionId; clients default an absent or empty value to `DefaultRegion`. */
  msgRegion: { type: 'string', wire: MessageConst.PROPERTY_MSG_REGION },
});
export type SendMessageResponseHeader = HeaderOf<typeof SendMessageResponseHeader>;
