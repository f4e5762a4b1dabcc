/**
 * INVOKE_BROKER_TO_RESET_OFFSET (222): mqadmin resetOffsetByTime and the dashboard move a group's
 * offsets on one topic — Java 4.9.8 AdminBrokerProcessor.resetOffset + Broker2Client.resetOffset
 * (5.3.3 with useServerSideResetOffset=false). mqadmin falls back to its old path (GET_CONSUME_STATS,
 * SEARCH_OFFSET_BY_TIMESTAMP, UPDATE_CONSUMER_OFFSET) only on CONSUMER_NOT_ONLINE.
 *
 *   request  header ResetOffsetRequestHeader {topic, group, timestamp, isForce[, 5.x queueId, offset]}
 *            language CPP = the consumers get ResetOffsetBodyForC instead of ResetOffsetBody
 *   per write queue i of the topic (only queueId when a 5.x tool names one):
 *     committed = the group's committed offset; none -> SYSTEM_ERROR "THe consumer group <G> not exist"
 *     target    = timestamp -1: the queue's max offset; else the first offset stored at or after it
 *                 (5.x, queueId named: the header's offset when given, within [min, max]); < 0 -> 0
 *     new       = isForce || target < committed ? target : committed
 *   no consumer of the group online -> CONSUMER_NOT_ONLINE (206), nothing changed
 *   else        -> RESET_CONSUMER_CLIENT_OFFSET (220) oneway to every consumer connection of the group
 *                  (header {topic, group, timestamp, isForce false}, body = the table), and
 *                  SUCCESS with body ResetOffsetBody {"offsetTable":{{mq}:offset,...}}
 *
 * Ours beyond Broker2Client: the new offsets are also committed here (as 5.3.3's default
 * server-side reset, ConsumerOffsetManager.assignResetOffset, does), so the stored offsets match the
 * answer at once and queues no online consumer holds move too; the consumers commit the same values
 * when they take the push. Every check runs before anything is sent or committed: a client too old
 * for the push refuses the whole request (Java refuses after pushing to the connections before it).
 */
import { RequestRefusedError } from '../../../common/errors.js';
import {
  encodeResetOffsetBody,
  encodeResetOffsetBodyForC,
} from '../../../protocol/body/reset-offset-body.js';
import type { ResetOffsetEntry } from '../../../protocol/body/reset-offset-body.js';
import { MQVersion } from '../../../protocol/codes/misc.js';
import { RequestCode } from '../../../protocol/codes/request-code.js';
import { ResponseCode } from '../../../protocol/codes/response-code.js';
import { createRequest, createResponse } from '../../../protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../../protocol/command/remoting-command.js';
import { ResetOffsetRequestHeader } from '../../../protocol/headers/client.js';
import { handlerTable } from '../../../transport/handler-table.js';
import type { HandlerTable } from '../../../transport/handler-table.js';
import type { RequestContext } from '../../../transport/types.js';
import type { BrokerContext } from '../core/broker-context.js';
import { checkGroupParam, checkTopicParam } from '../core/request-checks.js';

/** Java Broker2Client.resetOffset: invokeOneway(channel, request, 5000). */
const PUSH_TIMEOUT_MILLIS = 5000;

export function resetOffsetHandlers(ctx: BrokerContext): HandlerTable {
  return handlerTable([
    [RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, (request, context) => resetOffset(ctx, request, context)],
  ]);
}

async function resetOffset(
  ctx: BrokerContext,
  request: RemotingCommand,
  context: RequestContext,
): Promise<RemotingCommand> {
  const h = ResetOffsetRequestHeader.decode(request.extFields);
  ctx.logger.info(
    {
      remote: context.channel.remoteAddress,
      topic: h.topic,
      group: h.group,
      timestamp: h.timestamp,
      isForce: h.isForce,
    },
    '[reset-offset] reset offset started',
  );
  checkTopicParam(h.topic);
  checkGroupParam(h.group);
  const table = await resetTable(ctx, h);

  const info = ctx.clients.consumerGroup(h.group);
  const consumers = info ? [...info.channels.values()].filter((c) => !c.channel.closed) : [];
  if (consumers.length === 0) {
    throw new RequestRefusedError(
      ResponseCode.CONSUMER_NOT_ONLINE,
      `Consumer not online, so can not reset offset, Group: ${h.group} Topic: ${h.topic} Timestamp: ${h.timestamp}`,
    );
  }
  const old = consumers.find((c) => c.version < MQVersion.V3_0_7_SNAPSHOT);
  if (old !== undefined) {
    throw new RequestRefusedError(
      ResponseCode.SYSTEM_ERROR,
      `the client does not support this feature. version=${old.version} (${old.channel.remoteAddress})`,
    );
  }

  for (const e of table) {
    if (e.offset !== ctx.offsets.query(h.group, h.topic, e.queueId)) {
      ctx.offsets.commit(h.group, h.topic, e.queueId, e.offset);
    }
  }
  const push = createRequest(RequestCode.RESET_CONSUMER_CLIENT_OFFSET, {
    extFields: ResetOffsetRequestHeader.encode({
      topic: h.topic,
      group: h.group,
      timestamp: h.timestamp,
      isForce: false,
    }),
    body: request.language === 'CPP' ? encodeResetOffsetBodyForC(table) : encodeResetOffsetBody(table),
  });
  for (const c of consumers) {
    c.channel.invokeOneway(push, PUSH_TIMEOUT_MILLIS).then(
      () =>
        ctx.logger.info(
          { topic: h.topic, group: h.group, clientId: c.clientId },
          '[reset-offset] reset offset pushed',
        ),
      (err: unknown) =>
        ctx.logger.warn(
          { topic: h.topic, group: h.group, clientId: c.clientId, err: String(err) },
          '[reset-offset] reset offset push failed',
        ),
    );
  }
  return createResponse(ResponseCode.SUCCESS, { body: encodeResetOffsetBody(table) });
}

/** The new offset of every queue the request covers; refuses before anything changed. */
async function resetTable(ctx: BrokerContext, h: ResetOffsetRequestHeader): Promise<ResetOffsetEntry[]> {
  const config = ctx.topics.select(h.topic);
  if (!config) {
    // 5.3.3 code; 4.9.8 answered SYSTEM_ERROR (mqadmin fails on either).
    throw new RequestRefusedError(
      ResponseCode.TOPIC_NOT_EXIST,
      `[reset-offset] reset offset failed, no topic in this broker. topic=${h.topic}`,
    );
  }
  const oneQueue = h.queueId !== undefined && h.queueId >= 0 ? h.queueId : undefined;
  if (oneQueue !== undefined && oneQueue >= config.writeQueueNums) {
    throw new RequestRefusedError(
      ResponseCode.SYSTEM_ERROR,
      `queueId ${oneQueue} is not a write queue of topic ${h.topic} (0..${config.writeQueueNums - 1})`,
    );
  }
  const queueIds =
    oneQueue !== undefined ? [oneQueue] : Array.from({ length: config.writeQueueNums }, (_, i) => i);
  const brokerName = ctx.options.brokerName;
  const table: ResetOffsetEntry[] = [];
  for (const queueId of queueIds) {
    const committed = ctx.offsets.query(h.group, h.topic, queueId);
    if (committed === -1n) {
      throw new RequestRefusedError(ResponseCode.SYSTEM_ERROR, `THe consumer group <${h.group}> not exist`);
    }
    let target = await targetOffset(ctx, h, queueId, oneQueue !== undefined);
    if (target < 0n) target = 0n;
    const offset = h.isForce || target < committed ? target : committed;
    table.push({ topic: h.topic, brokerName, queueId, offset });
  }
  return table;
}

async function targetOffset(
  ctx: BrokerContext,
  h: ResetOffsetRequestHeader,
  queueId: number,
  named: boolean,
): Promise<bigint> {
  if (named && h.offset !== undefined && h.offset !== -1n) {
    const min = ctx.store.getMinOffsetInQueue(h.topic, queueId);
    const max = ctx.store.getMaxOffsetInQueue(h.topic, queueId);
    if (h.offset < min || h.offset > max) {
      throw new RequestRefusedError(
        ResponseCode.SYSTEM_ERROR,
        `Target offset ${h.offset} not in consume queue range [${min}-${max}]`,
      );
    }
    return h.offset;
  }
  if (h.timestamp === -1) return ctx.store.getMaxOffsetInQueue(h.topic, queueId);
  return ctx.store.getOffsetByTimestamp(h.topic, queueId, h.timestamp, 'LOWER');
}
