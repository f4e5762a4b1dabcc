/**
 * Admin-tool lookups — Java AdminBrokerProcessor (4.9.8) subsets that mqadmin and consoles call:
 * GET_TOPIC_STATS_INFO (202, topicStatus), GET_CONSUME_STATS (208, consumerProgress),
 * GET_CONSUMER_CONNECTION_LIST (203, consumerConnection / consumerProgress),
 * GET_PRODUCER_CONNECTION_LIST (204), QUERY_TOPIC_CONSUME_BY_WHO (300, topicList -c),
 * GET_BROKER_CONFIG (26, getBrokerConfig), GET_CONSUMER_RUNNING_INFO (307: forwarded to the client,
 * consumerStatus / consumerProgress), CONSUME_MESSAGE_DIRECTLY (309: the stored message forwarded to
 * a consumer, mqadmin consumeMessage), GET_BROKER_RUNTIME_INFO (28, clusterList / brokerStatus).
 *
 * Bodies are fastjson bean output. Maps keyed by MessageQueue are written the way fastjson writes a
 * non-String map key — the key object itself, unquoted — and Java's fastjson reads them back:
 *   TopicStatsTable {"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:
 *                      {"lastUpdateTimestamp":0,"maxOffset":0,"minOffset":0},...}}
 *   ConsumeStats    {"consumeTps":0.0,"offsetTable":{{mq}:{"brokerOffset":5,"consumerOffset":3,
 *                      "lastTimestamp":1717000000000},...}}
 *   ConsumerConnection {"connectionSet":[{"clientAddr":..,"clientId":..,"language":"JAVA","version":409}],
 *                      "consumeFromWhere":..,"consumeType":..,"messageModel":..,"subscriptionTable":{topic:{..}}}
 *   ProducerConnection {"connectionSet":[...]}      GroupList {"groupList":[...]}
 */
import { RemotingTimeoutError, RequestRefusedError } from '../../../common/errors.js';
import { RequestCode } from '../../../protocol/codes/request-code.js';
import { ResponseCode } from '../../../protocol/codes/response-code.js';
import { createRequest, createResponse } from '../../../protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../../protocol/command/remoting-command.js';
import { toFastjsonBytes, toFastjsonString } from '../../../protocol/json/fastjson-write.js';
import type { JsonOut } from '../../../protocol/json/fastjson-write.js';
import { subscriptionDataToJson } from '../../../protocol/body/heartbeat.js';
import { encodeKVTable } from '../../../protocol/body/kv-table.js';
import {
  ConsumeMessageDirectlyResultRequestHeader,
  GetConsumerRunningInfoRequestHeader,
} from '../../../protocol/headers/client.js';
import { decodeOffsetMessageId } from '../../../protocol/message/message-id.js';
import {
  GetConsumeStatsRequestHeader as ConsumeStatsHeader,
  GetConsumerConnectionListRequestHeader as ConsumerGroupHeader,
  GetProducerConnectionListRequestHeader as ProducerGroupHeader,
  GetTopicStatsInfoRequestHeader as TopicHeader,
} from '../../../protocol/headers/admin.js';
import { MQVersion } from '../../../protocol/codes/misc.js';
import { decodeMessageRecord } from '../../../protocol/message/record.js';
import { handlerTable } from '../../../transport/handler-table.js';
import type { HandlerTable } from '../../../transport/handler-table.js';
import type { BrokerContext } from '../core/broker-context.js';
import { javaDouble } from '../core/broker-stats.js';
import { storedTopics } from '../core/stored-message.js';
import type { ClientChannelInfo } from '../core/client-manager.js';

/** Java Broker2Client.callClient timeout. */
const CALL_CLIENT_TIMEOUT_MILLIS = 10_000;

/** `{mq}:{value},...` wrapped in braces: a fastjson map with MessageQueue keys. */
function mqMap(brokerName: string, topic: string, entries: [number, JsonOut][]): string {
  const parts = entries.map(
    ([queueId, value]) => `${toFastjsonString({ brokerName, queueId, topic })}:${toFastjsonString(value)}`,
  );
  return `{${parts.join(',')}}`;
}

function connectionJson(c: ClientChannelInfo): JsonOut {
  return {
    clientAddr: c.channel.remoteAddress,
    clientId: c.clientId,
    language: c.language,
    version: c.version,
  };
}

const ok = (body?: Buffer): RemotingCommand =>
  createResponse(ResponseCode.SUCCESS, body === undefined ? {} : { body });

export function adminStatsHandlers(ctx: BrokerContext): HandlerTable {
  return handlerTable([
    [
      RequestCode.GET_TOPIC_STATS_INFO,
      (request) => topicStats(ctx, TopicHeader.decode(request.extFields).topic),
    ],
    [
      RequestCode.GET_CONSUME_STATS,
      (request) => {
        const h = ConsumeStatsHeader.decode(request.extFields);
        return consumeStats(ctx, h.consumerGroup, h.topic);
      },
    ],
    [
      RequestCode.GET_CONSUMER_CONNECTION_LIST,
      (request) => consumerConnections(ctx, ConsumerGroupHeader.decode(request.extFields).consumerGroup),
    ],
    [
      RequestCode.GET_PRODUCER_CONNECTION_LIST,
      (request) => {
        const group = ProducerGroupHeader.decode(request.extFields).producerGroup;
        const channels = ctx.clients.producers.get(group);
        if (!channels) {
          throw new RequestRefusedError(ResponseCode.SYSTEM_ERROR, `the producer group[${group}] not exist`);
        }
        return ok(toFastjsonBytes({ connectionSet: [...channels.values()].map(connectionJson) }));
      },
    ],
    [
      RequestCode.QUERY_TOPIC_CONSUME_BY_WHO,
      (request) => {
        const topic = TopicHeader.decode(request.extFields).topic;
        const groups = new Set<string>();
        for (const [name, info] of ctx.clients.consumers) if (info.subscriptions.has(topic)) groups.add(name);
        for (const g of ctx.offsets.groupsOfTopic(topic)) groups.add(g);
        return ok(toFastjsonBytes({ groupList: [...groups] }));
      },
    ],
    [
      RequestCode.GET_BROKER_CONFIG,
      () =>
        createResponse(ResponseCode.SUCCESS, {
          extFields: { version: toFastjsonString({ counter: 0, timestamp: ctx.stats.bootTimestamp }) },
          body: Buffer.from(brokerConfigText(ctx), 'utf8'),
        }),
    ],
    [
      RequestCode.GET_CONSUMER_RUNNING_INFO,
      (request) => {
        const h = GetConsumerRunningInfoRequestHeader.decode(request.extFields);
        return callConsumer(ctx, request, h.consumerGroup, h.clientId);
      },
    ],
    [RequestCode.CONSUME_MESSAGE_DIRECTLY, (request) => consumeMessageDirectly(ctx, request)],
    [
      RequestCode.GET_BROKER_RUNTIME_INFO,
      async () => ok(encodeKVTable({ table: await ctx.stats.runtimeInfo(ctx.store, ctx.options.storePath) })),
    ],
  ]);
}

/** Store time of the message at `offset` of a queue, 0 when it cannot be read. */
async function storeTimeAt(
  ctx: BrokerContext,
  topic: string,
  queueId: number,
  offset: bigint,
): Promise<number> {
  const r = await ctx.store.getMessage('', topic, queueId, offset, 1);
  const first = r.messages[0];
  return first === undefined ? 0 : decodeMessageRecord(first).storeTimestamp;
}

async function topicStats(ctx: BrokerContext, topic: string): Promise<RemotingCommand> {
  const config = ctx.topics.select(topic);
  if (!config) throw new RequestRefusedError(ResponseCode.TOPIC_NOT_EXIST, `topic[${topic}] not exist`);
  const entries: [number, JsonOut][] = [];
  for (let i = 0; i < config.writeQueueNums; i++) {
    const min = ctx.store.getMinOffsetInQueue(topic, i);
    const max = ctx.store.getMaxOffsetInQueue(topic, i);
    const lastUpdateTimestamp = max > 0n ? await storeTimeAt(ctx, topic, i, max - 1n) : 0;
    entries.push([i, { lastUpdateTimestamp, maxOffset: max, minOffset: min }]);
  }
  const body = `{"offsetTable":${mqMap(ctx.options.brokerName, topic, entries)}}`;
  return ok(Buffer.from(body, 'utf8'));
}

async function consumeStats(
  ctx: BrokerContext,
  group: string,
  topic: string | undefined,
): Promise<RemotingCommand> {
  const topics = topic === undefined || topic.trim() === '' ? ctx.offsets.topicsOfGroup(group) : [topic];
  const subscriptions = ctx.clients.consumerGroup(group)?.subscriptions;
  const tables: string[] = [];
  for (const t of topics) {
    const config = ctx.topics.select(t);
    if (!config) continue;
    if (subscriptions && subscriptions.size > 0 && !subscriptions.has(t)) continue;
    const entries: [number, JsonOut][] = [];
    for (let i = 0; i < config.readQueueNums; i++) {
      const brokerOffset = ctx.store.getMaxOffsetInQueue(t, i);
      let consumerOffset = ctx.offsets.query(group, t, i);
      if (consumerOffset < 0n) consumerOffset = 0n;
      // 5.x: how far the group has pulled (5.x mqadmin prints pullOffset - consumerOffset as in flight).
      const pulled = ctx.offsets.queryPullOffset(group, t, i);
      const pullOffset = pulled > consumerOffset ? pulled : consumerOffset;
      const lastTimestamp = consumerOffset > 0n ? await storeTimeAt(ctx, t, i, consumerOffset - 1n) : 0;
      entries.push([i, { brokerOffset, consumerOffset, lastTimestamp, pullOffset }]); // fastjson: sorted names
    }
    const m = mqMap(ctx.options.brokerName, t, entries);
    if (entries.length > 0) tables.push(m.slice(1, -1));
  }
  // No per-group pull rate is kept: consumeTps stays 0.0.
  const body = `{"consumeTps":${javaDouble(0)},"offsetTable":{${tables.join(',')}}}`;
  return ok(Buffer.from(body, 'utf8'));
}

function consumerConnections(ctx: BrokerContext, group: string): RemotingCommand {
  const info = ctx.clients.consumerGroup(group);
  if (!info) {
    throw new RequestRefusedError(
      ResponseCode.CONSUMER_NOT_ONLINE,
      `the consumer group[${group}] not online`,
    );
  }
  const subscriptionTable = new Map<string, JsonOut>();
  for (const [t, sub] of info.subscriptions) subscriptionTable.set(t, subscriptionDataToJson(sub));
  return ok(
    toFastjsonBytes({
      connectionSet: [...info.channels.values()].map(connectionJson),
      consumeFromWhere: info.consumeFromWhere,
      consumeType: info.consumeType,
      messageModel: info.messageModel,
      subscriptionTable,
    }),
  );
}

/**
 * Java AdminBrokerProcessor.consumeMessageDirectly (mqadmin consumeMessage, the dashboard's resend):
 * the stored message the msgId points at goes to one consumer of the group, which consumes it and
 * answers with its ConsumeMessageDirectlyResult. The request's ext fields go on with this broker's
 * name added. Ours: only an account that may read the message's topics may have it consumed.
 */
async function consumeMessageDirectly(
  ctx: BrokerContext,
  request: RemotingCommand,
): Promise<RemotingCommand> {
  const h = ConsumeMessageDirectlyResultRequestHeader.decode(request.extFields);
  let offset = -1n;
  try {
    if (h.msgId !== undefined) offset = decodeOffsetMessageId(h.msgId).commitLogOffset;
  } catch {
    // not an offset message id: no message (below)
  }
  const record = offset >= 0n ? await ctx.store.lookMessageByOffset(offset) : undefined;
  if (!record) {
    // Java fails on the missing message with a NullPointerException (SYSTEM_ERROR); say which.
    throw new RequestRefusedError(
      ResponseCode.SYSTEM_ERROR,
      `no message is stored at the offset of msgId ${String(h.msgId).slice(0, 64)}: give an offset message id of this broker`,
    );
  }
  ctx.authorize(request, () => storedTopics(decodeMessageRecord(record)), 'SUB');
  const forward = {
    ...request,
    extFields: { ...request.extFields, brokerName: ctx.options.brokerName },
    body: record,
  };
  return callConsumer(ctx, forward, h.consumerGroup, h.clientId ?? '');
}

/** Java AdminBrokerProcessor.callConsumer: the request goes to the client, its answer comes back. */
async function callConsumer(
  ctx: BrokerContext,
  request: RemotingCommand,
  group: string,
  clientId: string,
): Promise<RemotingCommand> {
  const info = ctx.clients.consumerGroup(group);
  const client = info ? [...info.channels.values()].find((c) => c.clientId === clientId) : undefined;
  if (!client) {
    throw new RequestRefusedError(
      ResponseCode.SYSTEM_ERROR,
      `The Consumer <${group}> <${clientId}> not online`,
    );
  }
  if (client.version < MQVersion.V3_1_8_SNAPSHOT) {
    throw new RequestRefusedError(
      ResponseCode.SYSTEM_ERROR,
      `The Consumer <${clientId}> Version <${client.version}> too low to finish, please upgrade it to V3_1_8_SNAPSHOT`,
    );
  }
  const forward = createRequest(request.code, {
    ...(request.extFields && { extFields: request.extFields }),
    ...(request.body && { body: request.body }),
  });
  try {
    const r = await client.channel.invoke(forward, CALL_CLIENT_TIMEOUT_MILLIS);
    return createResponse(r.code, {
      ...(r.remark !== undefined && { remark: r.remark }),
      ...(r.extFields && { extFields: r.extFields }),
      ...(r.body && { body: r.body }),
    });
  } catch (err) {
    if (err instanceof RemotingTimeoutError) {
      throw new RequestRefusedError(
        ResponseCode.CONSUME_MSG_TIMEOUT,
        `consumer <${group}> <${clientId}> Timeout: ${(err as Error).message}`,
      );
    }
    throw new RequestRefusedError(
      ResponseCode.SYSTEM_ERROR,
      `invoke consumer <${group}> <${clientId}> Exception: ${(err as Error).message}`,
    );
  }
}

/** java.util.Properties text of the settings this broker has (Java BrokerConfig / store names). */
function brokerConfigText(ctx: BrokerContext): string {
  const o = ctx.options;
  const entries: [string, string | number | boolean][] = [
    ['brokerClusterName', o.clusterName],
    ['brokerName', o.brokerName],
    ['brokerId', o.brokerId],
    ['brokerIP1', ctx.storeHost().ip],
    ['listenPort', ctx.storeHost().port],
    ['namesrvAddr', o.namesrvAddrs.join(';')],
    ['storePathRootDir', o.storePath],
    ['brokerPermission', o.brokerPermission],
    ['autoCreateTopicEnable', o.autoCreateTopicEnable],
    ['autoCreateSubscriptionGroup', o.autoCreateSubscriptionGroup],
    ['defaultTopicQueueNums', o.defaultTopicQueueNums],
    ['clusterTopicEnable', o.clusterTopicEnable],
    ['brokerTopicEnable', o.brokerTopicEnable],
    ['maxMessageSize', o.maxMessageSize],
    ['flushDiskType', o.flushDiskType],
    ['syncFlushTimeout', o.syncFlushTimeoutMillis],
    ['registerNameServerPeriod', o.registerIntervalMillis],
    ['registerBrokerTimeoutMills', o.registerTimeoutMillis],
    ['longPollingEnable', o.longPollingEnable],
    ['enablePropertyFilter', o.enablePropertyFilter],
    ['shortPollingTimeMills', o.shortPollingTimeMillis],
    ['flushConsumerOffsetInterval', o.flushConsumerOffsetIntervalMillis],
    ['messageDelayLevel', o.messageDelayLevel],
    ['regionId', o.regionId],
    ['traceOn', o.traceOn],
    ['rejectTransactionMessage', o.rejectTransactionMessage],
    ['transactionTimeOut', o.transactionTimeoutMillis],
    ['transactionCheckMax', o.transactionCheckMax],
    ['transactionCheckInterval', o.transactionCheckIntervalMillis],
  ];
  return entries.map(([k, v]) => `${k}=${String(v)}\n`).join('');
}
