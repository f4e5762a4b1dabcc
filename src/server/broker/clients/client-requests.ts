/**
 * Client housekeeping, consumer offsets and rebalance locks — Java ClientManageProcessor,
 * ConsumerManageProcessor and AdminBrokerProcessor's lock requests:
 * HEART_BEAT (34), UNREGISTER_CLIENT (35), CHECK_CLIENT_CONFIG (46), GET_CONSUMER_LIST_BY_GROUP (38),
 * QUERY_CONSUMER_OFFSET (14), UPDATE_CONSUMER_OFFSET (15), LOCK_BATCH_MQ (41), UNLOCK_BATCH_MQ (42).
 */
import { RequestRefusedError } from '../../../common/errors.js';
import { Perm } from '../../../protocol/codes/misc.js';
import { RequestCode } from '../../../protocol/codes/request-code.js';
import { ResponseCode } from '../../../protocol/codes/response-code.js';
import { createResponse } from '../../../protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../../protocol/command/remoting-command.js';
import { encodeConsumerListBody } from '../../../protocol/body/consumer-list.js';
import { decodeHeartbeatData } from '../../../protocol/body/heartbeat.js';
import type { ArrayItemCap } from '../../../protocol/json/fastjson-parse.js';
import { decodeCheckClientRequestBody } from '../../../protocol/body/check-client.js';
import { isTagExpressionType, Sql92SyntaxError } from '../../../protocol/filter/index.js';
import { compileForBroker } from '../core/consumer-filters.js';
import {
  decodeLockBatchRequestBody,
  decodeUnlockBatchRequestBody,
  encodeLockBatchResponseBody,
} from '../../../protocol/body/lock-batch.js';
import {
  GetConsumerListByGroupRequestHeader,
  UnregisterClientRequestHeader,
} from '../../../protocol/headers/client.js';
import {
  QueryConsumerOffsetRequestHeader,
  QueryConsumerOffsetResponseHeader,
  UpdateConsumerOffsetRequestHeader,
} from '../../../protocol/headers/offsets.js';
import { handlerTable } from '../../../transport/handler-table.js';
import type { HandlerTable } from '../../../transport/handler-table.js';
import type { RequestContext } from '../../../transport/types.js';
import type { BrokerContext } from '../core/broker-context.js';
import type { ClientTableLimits } from '../core/client-table-limits.js';
import type { MessageQueueRef } from '../core/rebalance-locks.js';
import { TopicConfigManager } from '../core/topic-config-manager.js';
import { TopicSysFlag } from '../../../protocol/body/topic-config.js';
import { isValidTopicName } from '../core/request-checks.js';
import {
  admitConsumerGroups,
  checkHeartbeat,
  checkLockBatch,
  checkOffsetQuery,
  checkOffsetUpdate,
  logSkippedGroups,
} from './client-checks.js';

const success = (): RemotingCommand => createResponse(ResponseCode.SUCCESS);

export function clientHandlers(ctx: BrokerContext): HandlerTable {
  return handlerTable([
    [RequestCode.HEART_BEAT, (request, context) => heartbeat(ctx, context, request)],
    [RequestCode.UNREGISTER_CLIENT, (request, context) => unregister(ctx, context, request)],
    [RequestCode.CHECK_CLIENT_CONFIG, (request) => checkClientConfig(ctx, request)],
    [RequestCode.GET_CONSUMER_LIST_BY_GROUP, (request) => consumerList(ctx, request)],
    [RequestCode.QUERY_CONSUMER_OFFSET, (request) => queryOffset(ctx, request)],
    [
      RequestCode.UPDATE_CONSUMER_OFFSET,
      (request) => {
        const h = UpdateConsumerOffsetRequestHeader.decode(request.extFields);
        checkOffsetUpdate(ctx, h);
        ctx.offsets.commit(h.consumerGroup, h.topic, h.queueId, h.commitOffset);
        return success();
      },
    ],
    [
      RequestCode.LOCK_BATCH_MQ,
      (request) => {
        const body = decodeLockBatchRequestBody(request.body ?? Buffer.from('{}'));
        checkLockBatch(body);
        const locked = ctx.locks.tryLockBatch(body.consumerGroup, body.mqSet, body.clientId, (mq) =>
          servesQueue(ctx, mq),
        );
        return createResponse(ResponseCode.SUCCESS, {
          body: encodeLockBatchResponseBody({ lockOKMQSet: locked }),
        });
      },
    ],
    [
      RequestCode.UNLOCK_BATCH_MQ,
      (request) => {
        const body = decodeUnlockBatchRequestBody(request.body ?? Buffer.from('{}'));
        checkLockBatch(body);
        ctx.locks.unlockBatch(body.consumerGroup, body.mqSet, body.clientId);
        return success();
      },
    ],
  ]);
}

function heartbeat(ctx: BrokerContext, context: RequestContext, request: RemotingCommand): RemotingCommand {
  const data = decodeHeartbeatData(request.body ?? Buffer.from('{}'), {
    arrayCapsByKey: heartbeatArrayCaps(ctx.options),
  });
  checkHeartbeat(data, ctx.options);
  const names = data.consumerDataSet.map((consumer) => consumer.groupName);
  // Every check passes before anything is kept; new groups without room are skipped, not refused.
  const { configs, skipped } = admitConsumerGroups(ctx, names);
  logSkippedGroups(ctx, skipped, data.clientID);
  const info = {
    channel: context.channel,
    clientId: data.clientID,
    language: request.language ?? 'OTHER',
    version: request.version,
  };
  data.consumerDataSet.forEach((consumer, i) => {
    if (skipped.has(consumer.groupName)) return;
    const planned = configs[i];
    let notify = true;
    if (planned) {
      const group = ctx.groups.keep(planned);
      notify = group.notifyConsumerIdsChangedEnable;
      createRetryTopic(ctx, consumer.groupName, group.retryQueueNums, consumer.unitMode);
    }
    const changed = ctx.clients.registerConsumer(consumer, info, notify);
    ctx.consumerFilters.register(consumer.groupName, consumer.subscriptionDataSet);
    if (changed) {
      ctx.logger.info(
        { group: consumer.groupName, clientId: data.clientID, remote: context.channel.remoteAddress },
        'new consumer connected or subscription changed',
      );
    }
  });
  // Java registers any producer group a heartbeat names; a transaction check then sends that group's
  // half messages to it. With access control on, the account's rights go with the registration.
  const mayAccess = ctx.accessOf(request);
  for (const producer of data.producerDataSet) {
    ctx.clients.registerProducer(producer.groupName, { ...info, mayAccess });
  }
  return success();
}

/**
 * A heartbeat far over the caps (10,000 groups) stops parsing at the first group or subscription
 * beyond, instead of being parsed in full, and is refused naming the cap as checkHeartbeat does.
 * Only these lists are capped: a subscription's tagsSet / codeSet have no bound but the body size.
 */
function heartbeatArrayCaps(limits: ClientTableLimits): ReadonlyMap<string, ArrayItemCap> {
  const groups: ArrayItemCap = {
    max: limits.maxHeartbeatGroups,
    refuse: (key) =>
      new RequestRefusedError(
        ResponseCode.INVALID_PARAMETER,
        `heartbeat ${key} has more than ${limits.maxHeartbeatGroups} groups (maxHeartbeatGroups)`,
      ),
  };
  const subscriptions: ArrayItemCap = {
    max: limits.maxSubscriptionsPerGroup,
    refuse: () =>
      new RequestRefusedError(
        ResponseCode.INVALID_PARAMETER,
        `heartbeat group has more than ${limits.maxSubscriptionsPerGroup} subscriptions (maxSubscriptionsPerGroup)`,
      ),
  };
  return new Map([
    ['consumerDataSet', groups],
    ['producerDataSet', groups],
    ['subscriptionDataSet', subscriptions],
  ]);
}

/**
 * True for a queue of this broker: its name, a topic it has, a queue id below the topic's queue count.
 * Only those locks are stored (rebalance-locks.ts); Java stores any queue it is sent.
 */
function servesQueue(ctx: BrokerContext, mq: MessageQueueRef): boolean {
  if (mq.brokerName !== ctx.options.brokerName) return false;
  const topic = ctx.topics.select(mq.topic);
  return topic !== undefined && mq.queueId < Math.max(topic.readQueueNums, topic.writeQueueNums);
}

/**
 * Java creates the group's retry topic on every heartbeat (a no-op once it exists). Not for a group
 * without retry queues, nor for one whose name is too long to prefix (the heartbeat still counts).
 */
function createRetryTopic(ctx: BrokerContext, group: string, queueNums: number, unitMode: boolean): void {
  const topic = TopicConfigManager.retryTopic(group);
  if (queueNums < 1 || ctx.topics.select(topic) !== undefined) return;
  if (!isValidTopicName(topic)) {
    ctx.logger.warn({ group: group.slice(0, 64) }, 'the group name is too long for a retry topic');
    return;
  }
  ctx.topics.createInSendMessageBack(
    topic,
    queueNums,
    Perm.READ | Perm.WRITE,
    unitMode ? TopicSysFlag.UNIT_SUB : 0,
  );
}

/**
 * Java checkClientConfig: a tag subscription is fine; a non-tag one needs enablePropertyFilter and
 * an expression that compiles (SUBSCRIPTION_PARSE_FAILED with the compiler's message).
 */
function checkClientConfig(ctx: BrokerContext, request: RemotingCommand): RemotingCommand {
  const sub = request.body ? decodeCheckClientRequestBody(request.body).subscriptionData : undefined;
  if (sub === undefined || isTagExpressionType(sub.expressionType)) return success();
  if (!ctx.options.enablePropertyFilter) {
    throw new RequestRefusedError(
      ResponseCode.SYSTEM_ERROR,
      `The broker does not support consumer to filter message by ${sub.expressionType}`,
    );
  }
  try {
    compileForBroker(sub.subString, sub.expressionType);
  } catch (err) {
    if (!(err instanceof Sql92SyntaxError)) throw err;
    throw new RequestRefusedError(ResponseCode.SUBSCRIPTION_PARSE_FAILED, err.message);
  }
  return success();
}

function unregister(ctx: BrokerContext, context: RequestContext, request: RemotingCommand): RemotingCommand {
  const h = UnregisterClientRequestHeader.decode(request.extFields);
  if (h.producerGroup !== undefined) ctx.clients.unregisterProducer(h.producerGroup, context.channel);
  if (h.consumerGroup !== undefined) {
    // A look only: unregistering never creates the group.
    const notify = ctx.groups.table.get(h.consumerGroup)?.notifyConsumerIdsChangedEnable ?? true;
    ctx.clients.unregisterConsumer(h.consumerGroup, context.channel, notify);
    if (!ctx.clients.consumerGroup(h.consumerGroup)) ctx.consumerFilters.unregisterGroup(h.consumerGroup);
  }
  return success();
}

function consumerList(ctx: BrokerContext, request: RemotingCommand): RemotingCommand {
  const h = GetConsumerListByGroupRequestHeader.decode(request.extFields);
  const ids = ctx.clients.consumerIds(h.consumerGroup);
  if (ids.length > 0) {
    return createResponse(ResponseCode.SUCCESS, { body: encodeConsumerListBody({ consumerIdList: ids }) });
  }
  throw new RequestRefusedError(ResponseCode.SYSTEM_ERROR, `no consumer for this group, ${h.consumerGroup}`);
}

/**
 * Java queryConsumerOffset: the committed offset; else 0 when the queue still holds its first
 * message (min offset 0), so a new group starts at the beginning; else QUERY_NOT_FOUND, letting
 * the client apply its consumeFromWhere.
 */
async function queryOffset(ctx: BrokerContext, request: RemotingCommand): Promise<RemotingCommand> {
  const h = QueryConsumerOffsetRequestHeader.decode(request.extFields);
  checkOffsetQuery(h);
  const offset = ctx.offsets.query(h.consumerGroup, h.topic, h.queueId);
  if (offset >= 0n) {
    return createResponse(ResponseCode.SUCCESS, {
      extFields: QueryConsumerOffsetResponseHeader.encode({ offset }),
    });
  }
  // 5.x: a caller sending setZeroIfNotFound=false (the proxy, some tools) wants the plain answer.
  if (h.setZeroIfNotFound === false) {
    throw new RequestRefusedError(
      ResponseCode.QUERY_NOT_FOUND,
      'Not found, do not set to zero, maybe this group boot first',
    );
  }
  // A new group starts at 0 only while message 0 is still "in memory" (Java 4.9.8
  // checkInDiskByConsumeOffset: less than accessMessageInMemoryMaxRatio % of the machine's memory
  // behind the log's end); a long backlog is left to the client's consumeFromWhere (QUERY_NOT_FOUND),
  // or a CONSUME_FROM_LAST_OFFSET group would replay it all.
  const min = ctx.store.getMinOffsetInQueue(h.topic, h.queueId);
  if (min <= 0n && !(await ctx.store.checkInDiskByConsumeOffset(h.topic, h.queueId, 0n))) {
    return createResponse(ResponseCode.SUCCESS, {
      extFields: QueryConsumerOffsetResponseHeader.encode({ offset: 0n }),
    });
  }
  throw new RequestRefusedError(
    ResponseCode.QUERY_NOT_FOUND,
    'Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first',
  );
}
