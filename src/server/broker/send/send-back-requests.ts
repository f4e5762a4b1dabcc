/**
 * CONSUMER_SEND_MSG_BACK (36) — Java SendMessageProcessor.asyncConsumerSendMsgBack, 4.9.8: a consumer
 * hands back a message it failed to consume. The stored record is copied to `%RETRY%<group>` with
 * reconsumeTimes + 1 and a delay level (0 → 3 + reconsumeTimes), or to `%DLQ%<group>` once
 * reconsumeTimes reaches the group's maximum (or the delay level is negative).
 */
import { RequestRefusedError } from '../../../common/errors.js';
import { MQVersion, Perm } from '../../../protocol/codes/misc.js';
import { RequestCode } from '../../../protocol/codes/request-code.js';
import { ResponseCode } from '../../../protocol/codes/response-code.js';
import { createResponse } from '../../../protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../../protocol/command/remoting-command.js';
import { ConsumerSendMsgBackRequestHeader } from '../../../protocol/headers/client.js';
import { MessageConst } from '../../../protocol/message/constants.js';
import { encodeOffsetMessageId } from '../../../protocol/message/message-id.js';
import { decodeProperties } from '../../../protocol/message/properties.js';
import { decodeMessageRecord } from '../../../protocol/message/record.js';
import { DLQ_GROUP_TOPIC_PREFIX } from '../../../protocol/message/validators.js';
import { handlerTable } from '../../../transport/handler-table.js';
import type { HandlerTable } from '../../../transport/handler-table.js';
import type { BrokerContext } from '../core/broker-context.js';
import { reputInput, storedTopics } from '../core/stored-message.js';
import type { ScheduleService } from '../schedule/schedule-service.js';
import { DLQ_NUMS_PER_GROUP, randomQueueId } from './send-support.js';
import { retryTopicOf } from '../core/request-checks.js';
import { TopicSysFlag } from '../../../protocol/body/topic-config.js';
import { FAQ_SUGGEST } from '../../faq.js';

export function sendBackHandlers(ctx: BrokerContext, schedule: ScheduleService): HandlerTable {
  return handlerTable([
    [RequestCode.CONSUMER_SEND_MSG_BACK, (request) => consumerSendMsgBack(ctx, schedule, request)],
  ]);
}

async function consumerSendMsgBack(
  ctx: BrokerContext,
  schedule: ScheduleService,
  request: RemotingCommand,
): Promise<RemotingCommand> {
  const h = ConsumerSendMsgBackRequestHeader.decode(request.extFields);
  // 5.x refuses to auto-create an illegal or overlong group here (SUBSCRIPTION_GROUP_NOT_EXIST).
  const group = ctx.groups.lookup(h.group);
  if (!group) {
    throw new RequestRefusedError(
      ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST,
      `subscription group not exist, ${h.group} ${FAQ_SUGGEST}`,
    );
  }
  if ((ctx.options.brokerPermission & Perm.WRITE) === 0) {
    throw new RequestRefusedError(
      ResponseCode.NO_PERMISSION,
      `the broker[${ctx.storeHost().ip}] sending message is forbidden`,
    );
  }
  if (group.retryQueueNums <= 0) {
    ctx.groups.keep(group);
    return createResponse(ResponseCode.SUCCESS);
  }

  let topic = retryTopicOf(h.group);
  let queueId = randomQueueId(group.retryQueueNums);
  const retryConfig = ctx.topics.planInSendMessageBack(
    topic,
    group.retryQueueNums,
    Perm.READ | Perm.WRITE,
    h.unitMode ? TopicSysFlag.UNIT_SUB : 0,
  );
  if ((retryConfig.perm & Perm.WRITE) === 0) {
    throw new RequestRefusedError(
      ResponseCode.NO_PERMISSION,
      `the topic[${topic}] sending message is forbidden`,
    );
  }
  const raw = h.offset >= 0n ? await ctx.store.lookMessageByOffset(h.offset) : undefined;
  if (!raw) {
    throw new RequestRefusedError(ResponseCode.SYSTEM_ERROR, `look message by offset failed, ${h.offset}`);
  }
  const record = decodeMessageRecord(raw);
  // Ours: the message must be one the caller may consume (Java checks only the group, so any signed
  // account could copy any topic's message into its own retry topic and read it).
  ctx.authorize(request, () => storedTopics(record), 'SUB');
  const props = decodeProperties(record.properties);
  if (props[MessageConst.PROPERTY_RETRY_TOPIC] === undefined)
    props[MessageConst.PROPERTY_RETRY_TOPIC] = record.topic;
  props[MessageConst.PROPERTY_WAIT_STORE_MSG_OK] = 'false';

  let delayLevel = h.delayLevel;
  let maxReconsumeTimes = group.retryMaxTimes;
  if (request.version >= MQVersion.V3_4_9 && h.maxReconsumeTimes !== undefined)
    maxReconsumeTimes = h.maxReconsumeTimes;
  const toDLQ = record.reconsumeTimes >= maxReconsumeTimes || delayLevel < 0;
  let createDlq: (() => void) | undefined;
  if (toDLQ) {
    topic = DLQ_GROUP_TOPIC_PREFIX + h.group;
    queueId = randomQueueId(DLQ_NUMS_PER_GROUP);
    const dlqTopic = topic;
    createDlq = () =>
      ctx.topics.createInSendMessageBack(dlqTopic, DLQ_NUMS_PER_GROUP, Perm.READ | Perm.WRITE, 0);
    props[MessageConst.PROPERTY_DELAY_TIME_LEVEL] = '0';
  } else {
    if (delayLevel === 0) delayLevel = 3 + record.reconsumeTimes;
    props[MessageConst.PROPERTY_DELAY_TIME_LEVEL] = String(delayLevel);
  }
  if (!props[MessageConst.PROPERTY_ORIGIN_MESSAGE_ID]) {
    props[MessageConst.PROPERTY_ORIGIN_MESSAGE_ID] = encodeOffsetMessageId(
      record.storeHost,
      record.physicalOffset,
    );
  }
  const input = reputInput(record, topic, queueId, props, record.reconsumeTimes + 1);
  if (!toDLQ) schedule.rewriteIfDelayed(input, props);
  // Every check passed, the store's included: what Java creates on its way (group, retry topic, DLQ)
  // is stored only for a message the store takes.
  const result = await ctx.store.putMessage(input, () => {
    ctx.groups.keep(group);
    ctx.topics.adopt(retryConfig);
    createDlq?.();
  });
  if (result.status !== 'PUT_OK') throw new RequestRefusedError(ResponseCode.SYSTEM_ERROR, result.status);
  // A retry topic or DLQ created moments ago is on disk before the answer.
  await ctx.topicSaved(retryConfig.topicName);
  await ctx.topicSaved(topic);
  return createResponse(ResponseCode.SUCCESS);
}
