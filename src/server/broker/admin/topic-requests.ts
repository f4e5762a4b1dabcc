/**
 * Topic administration and queue lookups — Java AdminBrokerProcessor / QueryMessageProcessor subsets:
 * UPDATE_AND_CREATE_TOPIC (17), DELETE_TOPIC_IN_BROKER (215), GET_ALL_TOPIC_CONFIG (21),
 * GET_MAX_OFFSET (30), GET_MIN_OFFSET (31), SEARCH_OFFSET_BY_TIMESTAMP (29),
 * GET_EARLIEST_MSG_STORETIME (32), VIEW_MESSAGE_BY_ID (33), GET_TOPIC_CONFIG (351, 5.x).
 * Admin-tool statistics and connection lists are in stats-requests.ts, groups in group-requests.ts.
 */
import { RequestRefusedError } from '../../../common/errors.js';
import { RequestCode } from '../../../protocol/codes/request-code.js';
import { ResponseCode } from '../../../protocol/codes/response-code.js';
import { createResponse } from '../../../protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../../protocol/command/remoting-command.js';
import { toFastjsonBytes } from '../../../protocol/json/fastjson-write.js';
import { decodeMessageRecord } from '../../../protocol/message/record.js';
import {
  makeTopicConfig,
  parseTopicFilterType,
  topicConfigToJson,
  topicConfigWrapperToJson,
} from '../../../protocol/body/topic-config.js';
import {
  CreateTopicRequestHeader,
  DeleteTopicRequestHeader,
  GetTopicConfigRequestHeader,
} from '../../../protocol/headers/admin.js';
import {
  GetEarliestMsgStoretimeRequestHeader,
  GetEarliestMsgStoretimeResponseHeader,
  GetMaxOffsetRequestHeader,
  GetMaxOffsetResponseHeader,
  GetMinOffsetRequestHeader,
  GetMinOffsetResponseHeader,
  SearchOffsetRequestHeader,
  SearchOffsetResponseHeader,
  ViewMessageRequestHeader,
} from '../../../protocol/headers/offsets.js';
import { handlerTable } from '../../../transport/handler-table.js';
import type { HandlerTable } from '../../../transport/handler-table.js';
import type { RequestContext } from '../../../transport/types.js';
import type { BrokerContext } from '../core/broker-context.js';
import { checkQueueId, checkTopicNumbers, checkTopicParam } from '../core/request-checks.js';
import { checkTopicName } from '../core/topic-config.js';
import { storedTopics } from '../core/stored-message.js';

const ok = (init: Parameters<typeof createResponse>[1] = {}): RemotingCommand =>
  createResponse(ResponseCode.SUCCESS, init);

export function topicAdminHandlers(ctx: BrokerContext): HandlerTable {
  const store = ctx.store;
  return handlerTable([
    [RequestCode.UPDATE_AND_CREATE_TOPIC, (request, context) => createTopic(ctx, context, request)],
    [RequestCode.DELETE_TOPIC_IN_BROKER, (request, context) => deleteTopic(ctx, context, request)],
    [
      RequestCode.GET_ALL_TOPIC_CONFIG,
      () => ok({ body: toFastjsonBytes(topicConfigWrapperToJson(ctx.topics.snapshot(), false), 'plain') }),
    ],
    [
      RequestCode.GET_TOPIC_CONFIG,
      (request) => {
        const h = GetTopicConfigRequestHeader.decode(request.extFields);
        const config = ctx.topics.table.get(h.topic);
        if (config === undefined) {
          throw new RequestRefusedError(
            ResponseCode.TOPIC_NOT_EXIST,
            `No topic in this broker. topic: ${h.topic.slice(0, 255)}`,
          );
        }
        // TopicConfigAndQueueMapping: the config, and no mappingDetail (no static topics here).
        return ok({ body: toFastjsonBytes(topicConfigToJson(config, true)) });
      },
    ],
    [
      RequestCode.GET_MAX_OFFSET,
      (request) => {
        const h = GetMaxOffsetRequestHeader.decode(request.extFields);
        checkQueueLookup(h);
        const offset = store.getMaxOffsetInQueue(h.topic, h.queueId);
        return ok({ extFields: GetMaxOffsetResponseHeader.encode({ offset }) });
      },
    ],
    [
      RequestCode.GET_MIN_OFFSET,
      (request) => {
        const h = GetMinOffsetRequestHeader.decode(request.extFields);
        checkQueueLookup(h);
        const offset = store.getMinOffsetInQueue(h.topic, h.queueId);
        return ok({ extFields: GetMinOffsetResponseHeader.encode({ offset }) });
      },
    ],
    [
      RequestCode.SEARCH_OFFSET_BY_TIMESTAMP,
      async (request) => {
        const h = SearchOffsetRequestHeader.decode(request.extFields);
        checkQueueLookup(h);
        const boundary = h.boundaryType?.toLowerCase() === 'upper' ? 'UPPER' : 'LOWER';
        // Every store time is far below 2^53: a time beyond it searches as if it were 2^53 - 1.
        const max = BigInt(Number.MAX_SAFE_INTEGER);
        const clamped = h.timestamp > max ? max : h.timestamp < -max ? -max : h.timestamp;
        const offset = await store.getOffsetByTimestamp(h.topic, h.queueId, Number(clamped), boundary);
        return ok({ extFields: SearchOffsetResponseHeader.encode({ offset }) });
      },
    ],
    [
      RequestCode.GET_EARLIEST_MSG_STORETIME,
      async (request) => {
        const h = GetEarliestMsgStoretimeRequestHeader.decode(request.extFields);
        checkQueueLookup(h);
        const timestamp = await store.getEarliestMessageTime(h.topic, h.queueId);
        return ok({ extFields: GetEarliestMsgStoretimeResponseHeader.encode({ timestamp }) });
      },
    ],
    [
      RequestCode.VIEW_MESSAGE_BY_ID,
      async (request) => {
        const h = ViewMessageRequestHeader.decode(request.extFields);
        const record = h.offset >= 0n ? await store.lookMessageByOffset(h.offset) : undefined;
        if (!record) {
          throw new RequestRefusedError(
            ResponseCode.SYSTEM_ERROR,
            `can not find message by the offset, ${h.offset}`,
          );
        }
        // Ours: only an account that may read the message's topics gets it (Java checks nothing here).
        ctx.authorize(request, () => storedTopics(decodeMessageRecord(record)), 'SUB');
        return ok({ body: record });
      },
    ],
  ]);
}

/** Offset lookups read only; a bad name or queue id can never have an answer (Java checks neither). */
function checkQueueLookup(h: { topic: string; queueId: number }): void {
  checkTopicParam(h.topic);
  checkQueueId(h.queueId);
}

/** The checks creation and deletion share: a valid name that is not a system topic (4.9.8 codes). */
function checkAdminTopic(ctx: BrokerContext, topic: string): void {
  checkTopicName(topic);
  if (ctx.topics.isSystemTopic(topic)) {
    throw new RequestRefusedError(
      ResponseCode.SYSTEM_ERROR,
      `The topic[${topic}] is conflict with system topic.`,
    );
  }
}

async function createTopic(
  ctx: BrokerContext,
  context: RequestContext,
  request: RemotingCommand,
): Promise<RemotingCommand> {
  const h = CreateTopicRequestHeader.decode(request.extFields);
  ctx.logger.info({ remote: context.channel.remoteAddress, topic: h.topic }, 'updateAndCreateTopic');
  checkAdminTopic(ctx, h.topic);
  checkTopicNumbers(h);
  const config = makeTopicConfig(h.topic, {
    readQueueNums: h.readQueueNums,
    writeQueueNums: h.writeQueueNums,
    perm: h.perm,
    topicFilterType: parseTopicFilterType(h.topicFilterType, 'topicFilterType'),
    topicSysFlag: h.topicSysFlag ?? 0,
    order: h.order,
  });
  ctx.topics.update(config);
  await ctx.topicSaved(config.topicName); // answered once topics.json has it, as Java
  return ok();
}

async function deleteTopic(
  ctx: BrokerContext,
  context: RequestContext,
  request: RemotingCommand,
): Promise<RemotingCommand> {
  const h = DeleteTopicRequestHeader.decode(request.extFields);
  ctx.logger.info({ remote: context.channel.remoteAddress, topic: h.topic }, 'deleteTopic');
  checkAdminTopic(ctx, h.topic);
  ctx.topics.delete(h.topic);
  const saved = ctx.topicSaved(h.topic); // answered once topics.json lacks it, as Java
  // As 5.x: committed offsets go with the queues. Kept, they would point past the end of the
  // recreated topic's queues and the OFFSET_MOVED correction would skip its first messages.
  ctx.offsets.deleteTopic(h.topic);
  await ctx.store.deleteTopic(h.topic);
  await saved;
  return ok();
}
