/**
 * SubscriptionGroupConfig as JSON, for UPDATE_AND_CREATE_SUBSCRIPTIONGROUP / GET_ALL_SUBSCRIPTIONGROUP_CONFIG
 * bodies and the entries of subscriptionGroup.json (Java's format, fastjson, alphabetical):
 *   {"brokerId":0,"consumeBroadcastEnable":true,"consumeEnable":true,"consumeFromMinEnable":true,
 *    "groupName":"G","notifyConsumerIdsChangedEnable":true,"retryMaxTimes":16,"retryQueueNums":1,
 *    "whichBrokerWhenConsumeSlowly":1}
 * 5.x adds groupSysFlag, consumeTimeoutMinute, subscriptionDataSet, attributes: read and ignored.
 */
import { parseFastjsonObject } from '../../../protocol/json/fastjson-parse.js';
import { toFastjsonBytes } from '../../../protocol/json/fastjson-write.js';
import type { JsonOut } from '../../../protocol/json/fastjson-write.js';
import { ObjectReader } from '../../../protocol/json/object-reader.js';
import { newSubscriptionGroupConfig } from './groups.js';
import type { SubscriptionGroupConfig } from './groups.js';
import { checkGroupParam, checkIntRange, checkQueueNums } from './request-checks.js';

export function subscriptionGroupToJson(c: SubscriptionGroupConfig): JsonOut {
  return {
    brokerId: c.brokerId,
    consumeBroadcastEnable: c.consumeBroadcastEnable,
    consumeEnable: c.consumeEnable,
    consumeFromMinEnable: c.consumeFromMinEnable,
    groupName: c.groupName,
    notifyConsumerIdsChangedEnable: c.notifyConsumerIdsChangedEnable,
    retryMaxTimes: c.retryMaxTimes,
    retryQueueNums: c.retryQueueNums,
    whichBrokerWhenConsumeSlowly: c.whichBrokerWhenConsumeSlowly,
  };
}

/** The config's JSON text, as a subscriptionGroup.json entry. */
export function subscriptionGroupText(c: SubscriptionGroupConfig): string {
  return toFastjsonBytes(subscriptionGroupToJson(c)).toString('utf8');
}

/** SubscriptionGroupConfig JSON -> config; absent fields keep Java's defaults. */
export function subscriptionGroupFromJson(body: Buffer): SubscriptionGroupConfig {
  const r = new ObjectReader(parseFastjsonObject(body, { maxLength: 1 << 20 }), 'SubscriptionGroupConfig');
  const d = newSubscriptionGroupConfig(r.requiredString('groupName'));
  return {
    groupName: d.groupName,
    consumeEnable: r.bool('consumeEnable', d.consumeEnable),
    consumeFromMinEnable: r.bool('consumeFromMinEnable', d.consumeFromMinEnable),
    consumeBroadcastEnable: r.bool('consumeBroadcastEnable', d.consumeBroadcastEnable),
    retryQueueNums: r.int('retryQueueNums', d.retryQueueNums),
    retryMaxTimes: r.int('retryMaxTimes', d.retryMaxTimes),
    brokerId: r.long('brokerId', d.brokerId),
    whichBrokerWhenConsumeSlowly: r.long('whichBrokerWhenConsumeSlowly', d.whichBrokerWhenConsumeSlowly),
    notifyConsumerIdsChangedEnable: r.bool(
      'notifyConsumerIdsChangedEnable',
      d.notifyConsumerIdsChangedEnable,
    ),
  };
}

/**
 * Java stores whatever config it is sent; a bad name or number here would be the group's retry topic
 * and every send-back of the group later. Refused INVALID_PARAMETER with what to change.
 */
export function checkSubscriptionGroup(c: SubscriptionGroupConfig): void {
  checkGroupParam(c.groupName, 'groupName');
  // 0 retry queues is meaningful: failed messages of the group are dropped instead of retried.
  checkQueueNums('retryQueueNums', c.retryQueueNums, 0);
  checkIntRange('retryMaxTimes', c.retryMaxTimes, 0, 2147483647);
  checkIntRange('brokerId', c.brokerId, 0, Number.MAX_SAFE_INTEGER);
  checkIntRange('whichBrokerWhenConsumeSlowly', c.whichBrokerWhenConsumeSlowly, 0, Number.MAX_SAFE_INTEGER);
}
