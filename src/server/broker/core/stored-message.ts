/**
 * What a broker writes into the store besides a producer's own record: the property string in the
 * order a 4.9.8 broker serializes it, and a stored message put again under another topic and queue
 * (delayed delivery, consumer send-back).
 */
import { MessageConst } from '../../../protocol/message/constants.js';
import { tagsCode } from '../../../protocol/message/tags-code.js';
import {
  NAME_VALUE_SEPARATOR,
  PROPERTY_SEPARATOR,
  decodeProperties,
} from '../../../protocol/message/properties.js';
import { javaHashMapOrder, sameKeys } from '../../../protocol/java/hash-map.js';
import type { MessageRecord } from '../../../protocol/message/record.js';
import type { PutMessageInput } from '../../store/index.js';

/**
 * Serializes a property map the way a 4.9.8 broker does (messageProperties2String over a HashMap):
 * Java HashMap iteration order, no trailing separator. A key valued undefined counts for the map's
 * table size (a key Java removed from its map) but is not written.
 */
export function propertiesToStoredString(props: Readonly<Record<string, string | undefined>>): string {
  const keys = Object.keys(props);
  let order = lastOrder;
  if (!sameKeys(keys, lastKeys)) {
    order = javaHashMapOrder(keys);
    lastKeys = keys;
    lastOrder = order;
  }
  let out = '';
  let first = true;
  for (const k of order) {
    const v = props[k];
    if (v === undefined) continue;
    out = first ? k + NAME_VALUE_SEPARATOR + v : out + PROPERTY_SEPARATOR + k + NAME_VALUE_SEPARATOR + v;
    first = false;
  }
  return out;
}

// The key list of the previous call and its order: a broker stores message after message with the
// same keys, and comparing them costs less than the memo lookup of javaHashMapOrder (a join and a
// hash of the joined keys).
let lastKeys: readonly string[] = [];
let lastOrder: readonly string[] = [];

/**
 * A stored message put again under another topic and queue with edited properties (delayed delivery,
 * consumer send-back): body, flags, timestamps and hosts kept; no flush wait; tags code from `props`.
 */
export function reputInput(
  record: MessageRecord,
  topic: string,
  queueId: number,
  props: Readonly<Record<string, string>>,
  reconsumeTimes: number,
): PutMessageInput {
  return {
    topic,
    queueId,
    flag: record.flag,
    body: record.body,
    properties: propertiesToStoredString(props),
    sysFlag: record.sysFlag,
    bornTimestamp: record.bornTimestamp,
    bornHost: record.bornHost,
    storeHost: record.storeHost,
    reconsumeTimes,
    preparedTransactionOffset: 0n,
    waitStoreMsgOK: false,
    tagsCode: tagsCode(props[MessageConst.PROPERTY_TAGS]),
  };
}

/**
 * The topics a stored message belongs to, for access checks: its own, and the REAL_TOPIC it will be
 * delivered to when stored under an internal topic (a delayed, timer or half message in
 * SCHEDULE_TOPIC_XXXX, rmq_sys_wheel_timer or RMQ_SYS_TRANS_HALF_TOPIC). A delivered message's
 * REAL_TOPIC, when it has one, is its own topic.
 */
export function storedTopics(record: Pick<MessageRecord, 'topic' | 'properties'>): readonly string[] {
  const real = decodeProperties(record.properties)[MessageConst.PROPERTY_REAL_TOPIC];
  return real === undefined || real === record.topic ? [record.topic] : [record.topic, real];
}
