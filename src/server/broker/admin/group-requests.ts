/**
 * Subscription-group administration — Java AdminBrokerProcessor (4.9.8): mqadmin updateSubGroup /
 * deleteSubGroup and consoles listing groups:
 *   UPDATE_AND_CREATE_SUBSCRIPTIONGROUP (200)  body = SubscriptionGroupConfig JSON
 *   GET_ALL_SUBSCRIPTIONGROUP_CONFIG (201)     body = SubscriptionGroupWrapper
 *       {"dataVersion":{"counter":n,"timestamp":ms},"subscriptionGroupTable":{"G":{<config>},...}}
 *   CLONE_GROUP_OFFSET (314)                   header srcGroup, destGroup [, topic, offline]: mqadmin
 *                                              cloneGroupOffset, destGroup gets srcGroup's offsets
 *   DELETE_SUBSCRIPTIONGROUP (207)             header groupName [, 5.x cleanOffset: the group's
 *                                              committed offsets go too]
 * The config JSON is in group-json.ts. As Java, the table is saved to config/subscriptionGroup.json
 * before an update or a deletion is answered (auto-created groups with the periodic save).
 */
import { toFastjsonBytes } from '../../../protocol/json/fastjson-write.js';
import type { JsonOut } from '../../../protocol/json/fastjson-write.js';
import { RequestCode } from '../../../protocol/codes/request-code.js';
import { RequestRefusedError } from '../../../common/errors.js';
import { ResponseCode } from '../../../protocol/codes/response-code.js';
import { createResponse } from '../../../protocol/command/remoting-command.js';
import {
  CloneGroupOffsetRequestHeader,
  DeleteSubscriptionGroupRequestHeader as DeleteGroupHeader,
} from '../../../protocol/headers/admin.js';
import { handlerTable } from '../../../transport/handler-table.js';
import type { HandlerTable } from '../../../transport/handler-table.js';
import type { BrokerContext } from '../core/broker-context.js';
import {
  checkSubscriptionGroup,
  subscriptionGroupFromJson,
  subscriptionGroupToJson,
} from '../core/group-json.js';
import { checkGroupParam, checkTopicParam } from '../core/request-checks.js';

export function groupAdminHandlers(ctx: BrokerContext): HandlerTable {
  const groups = ctx.groups.table;
  return handlerTable([
    [
      RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP,
      async (request, context) => {
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
        await ctx.saveGroups();
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
        const version = ctx.groups.dataVersion;
        for (const [name, c] of groups) table.set(name, subscriptionGroupToJson(c));
        return createResponse(ResponseCode.SUCCESS, {
          body: toFastjsonBytes({
            dataVersion: { counter: version.counter, timestamp: version.timestamp },
            subscriptionGroupTable: table,
          }),
        });
      },
    ],
    [
      RequestCode.CLONE_GROUP_OFFSET,
      (request) => {
        const h = CloneGroupOffsetRequestHeader.decode(request.extFields);
        checkGroupParam(h.srcGroup, 'srcGroup');
        checkGroupParam(h.destGroup, 'destGroup');
        if (h.topic !== undefined && h.topic.trim() !== '') checkTopicParam(h.topic);
        // Java: the named topic, else every topic the source group has offsets on; topics this broker
        // does not serve, and (unless offline) topics an online source group does not subscribe to,
        // are skipped.
        const topics =
          h.topic !== undefined && h.topic.trim() !== '' ? [h.topic] : ctx.offsets.topicsOfGroup(h.srcGroup);
        const online = h.offline === true ? undefined : ctx.clients.consumerGroup(h.srcGroup);
        for (const topic of topics) {
          if (!ctx.topics.table.has(topic)) continue;
          if (online !== undefined && online.subscriptions.size > 0 && !online.subscriptions.has(topic))
            continue;
          ctx.offsets.cloneOffsets(h.srcGroup, h.destGroup, topic);
        }
        return createResponse(ResponseCode.SUCCESS);
      },
    ],
    [
      RequestCode.DELETE_SUBSCRIPTIONGROUP,
      async (request) => {
        const h = DeleteGroupHeader.decode(request.extFields);
        checkGroupParam(h.groupName, 'groupName');
        if (ctx.groups.delete(h.groupName)) await ctx.saveGroups();
        if (h.cleanOffset === true) ctx.offsets.deleteGroup(h.groupName);
        return createResponse(ResponseCode.SUCCESS);
      },
    ],
  ]);
}
