/**
 * Subscription-group administration — Java AdminBrokerProcessor (4.9.8): mqadmin updateSubGroup /
 * deleteSubGroup and consoles listing groups:
 *   UPDATE_AND_CREATE_SUBSCRIPTIONGROUP (200)  body = SubscriptionGroupConfig JSON
 *   GET_ALL_SUBSCRIPTIONGROUP_CONFIG (201)     body = SubscriptionGroupWrapper
 *       {"dataVersion":{"counter":n,"timestamp":ms},"subscriptionGroupTable":{"G":{<config>},...}}
 *   DELETE_SUBSCRIPTIONGROUP (207)             header groupName [, 5.x cleanOffset]
 * Config JSON (fastjson, alphabetical): {"brokerId":0,"consumeBroadcastEnable":true,"consumeEnable":true,
 *   "consumeFromMinEnable":true,"groupName":"G","notifyConsumerIdsChangedEnable":true,"retryMaxTimes":16,
 *   "retryQueueNums":1,"whichBrokerWhenConsumeSlowly":1}
 * 5.x adds groupSysFlag, consumeTimeoutMinute, subscriptionDataSet, attributes: read and ignored.
 * The table is kept in memory (the broker does not persist subscriptionGroup.json).
 */
import { parseFastjsonObject } from '../../../protocol/json/fastjson-parse.js';
import { toFastjsonBytes } from '../../../protocol/json/fastjson-write.js';
import type { JsonOut } from '../../../protocol/json/fastjson-write.js';
import { ObjectReader } from '../../../protocol/json/object-reader.js';
import { RequestCode } from '../../../protocol/codes/request-code.js';
import { RequestRefusedError } from '../../../common/errors.js';
import { ResponseCode } from '../../../protocol/codes/response-code.js';
import { createResponse } from '../../../protocol/command/remoting-command.js';
import { DeleteSubscriptionGroupRequestHeader as DeleteGroupHeader } from '../../../protocol/headers/admin.js';
import { handlerTable } from '../../../transport/handler-table.js';
import type { HandlerTable } from '../../../transport/handler-table.js';
import type { BrokerContext } from '../core/broker-context.js';
import { newSubscriptionGroupConfig } from '../core/groups.js';
import { checkGroupParam, checkIntRange, checkQueueNums } from '../core/request-checks.js';
import type { SubscriptionGroupConfig } from '../core/groups.js';

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
function checkSubscriptionGroup(c: SubscriptionGroupConfig): void {
  checkGroupParam(c.groupName, 'groupName');
  // 0 retry queues is meaningful: failed messages of the group are dropped instead of retried.
  checkQueueNums('retryQueueNums', c.retryQueueNums, 0);
  checkIntRange('retryMaxTimes', c.retryMaxTimes, 0, 2147483647);
  checkIntRange('brokerId', c.brokerId, 0, Number.MAX_SAFE_INTEGER);
  checkIntRange('whichBrokerWhenConsumeSlowly', c.whichBrokerWhenConsumeSlowly, 0, Number.MAX_SAFE_INTEGER);
}

export function groupAdminHandlers(ctx: BrokerContext): HandlerTable {
  const groups = ctx.groups.table;
  let version = { counter: 0, timestamp: Date.now() };
  const bump = (): void => {
    version = { counter: version.counter + 1, timestamp: Date.now() };
  };
  return handlerTable([
    [
      RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP,
      (request, context) => {
        if (request.body === undefined || request.body.length === 0) {
          // Java decodes a null config and fails on it (SYSTEM_ERROR); say what is missing instead.
          throw new RequestRefusedError(
            ResponseCode.SYSTEM_ERROR,
            'UPDATE_AND_CREATE_SUBSCRIPTIONGROUP needs a body: the SubscriptionGroupConfig JSON to store',
          );
        }
        const config = subscriptionGroupFromJson(request.body);
        checkSubscriptionGroup(config);
        ctx.groups.put(config);
        bump();
        ctx.logger.info(
          { group: config.groupName, remote: context.channel.remoteAddress },
          'subscription group created or updated',
        );
        return createResponse(ResponseCode.SUCCESS);
      },
    ],
    [
      RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG,
      () => {
        const table = new Map<string, JsonOut>();
        for (const [name, c] of groups) table.set(name, subscriptionGroupToJson(c));
        return createResponse(ResponseCode.SUCCESS, {
          body: toFastjsonBytes({ dataVersion: { ...version }, subscriptionGroupTable: table }),
        });
      },
    ],
    [
      RequestCode.DELETE_SUBSCRIPTIONGROUP,
      (request) => {
        const h = DeleteGroupHeader.decode(request.extFields);
        checkGroupParam(h.groupName, 'groupName');
        if (groups.delete(h.groupName)) bump();
        return createResponse(ResponseCode.SUCCESS);
      },
    ],
  ]);
}
