/**
 * What a push consumer tells a broker asking on behalf of an admin tool (Java
 * DefaultMQPushConsumerImpl.consumerRunningInfo): its settings as properties (MixAll.object2Properties
 * of DefaultMQPushConsumer, the settings that exist here) plus PROP_CONSUMEORDERLY,
 * PROP_THREADPOOL_CORE_SIZE and PROP_CONSUMER_START_TIMESTAMP; a ProcessQueueInfo per queue and a
 * ConsumeStatus per subscribed topic.
 */
import { wrapNamespace } from '../../../protocol/message/index.js';
import type { RunningInfoTables } from '../../client-members.js';
import type { ConsumeStats } from './consume-stats.js';
import type { ProcessQueue } from './process-queue.js';
import type { PushConsumerConfig } from './push-consumer-options.js';

export function pushConsumerProperties(
  config: PushConsumerConfig,
  instanceName: string | undefined,
  startTimestamp: number,
): Record<string, string> {
  const c = config.client;
  const props: Record<string, string> = {
    consumerGroup: config.consumerGroup,
    messageModel: config.messageModel,
    consumeFromWhere: config.consumeFromWhere,
    consumeTimestamp: String(config.consumeTimestamp),
    allocateMessageQueueStrategy: config.allocateMessageQueueStrategy.name,
    unitMode: String(c.unitMode),
    namesrvAddr: c.nameServerAddresses.join(';'),
    clientIP: c.clientIP,
    instanceName: instanceName ?? c.instanceName,
    pollNameServerInterval: String(c.pollNameServerInterval),
    heartbeatBrokerInterval: String(c.heartbeatBrokerInterval),
    mqClientApiTimeout: String(c.mqClientApiTimeout),
    vipChannelEnabled: String(c.vipChannelEnabled),
    ...(c.namespace !== undefined && { namespace: c.namespace }),
    PROP_CONSUMEORDERLY: String(config.orderly),
    PROP_THREADPOOL_CORE_SIZE: String(config.consumeThreadMin),
    PROP_CONSUMER_START_TIMESTAMP: String(startTimestamp),
  };
  for (const name of [
    'consumeThreadMin',
    'consumeThreadMax',
    'consumeConcurrentlyMaxSpan',
    'pullThresholdForQueue',
    'pullThresholdSizeForQueue',
    'pullThresholdForTopic',
    'pullThresholdSizeForTopic',
    'pullInterval',
    'pullBatchSize',
    'consumeMessageBatchMaxSize',
    'maxReconsumeTimes',
    'suspendCurrentQueueTimeMillis',
    'consumeTimeout',
    'awaitTerminationMillisWhenShutdown',
    'persistConsumerOffsetInterval',
  ] as const) {
    props[name] = String(config[name]);
  }
  return props;
}

/** Java ProcessQueue.fillProcessQueueInfo plus the offset held (commitOffset), by queue. */
export function runningInfoTables(
  config: PushConsumerConfig,
  queues: Iterable<ProcessQueue>,
  committed: (pq: ProcessQueue) => bigint,
  stats: ConsumeStats,
  topics: Iterable<string>,
): RunningInfoTables {
  const ns = config.client.namespace;
  const mqTable: RunningInfoTables['mqTable'] = [];
  for (const pq of queues) {
    const min = pq.minOffset;
    mqTable.push({
      topic: wrapNamespace(ns, pq.mq.topic),
      brokerName: pq.mq.brokerName,
      queueId: pq.mq.queueId,
      info: {
        cachedMsgCount: pq.msgCount,
        cachedMsgMaxOffset: min === undefined ? 0 : pq.maxOffset,
        cachedMsgMinOffset: min ?? 0,
        cachedMsgSizeInMiB: Math.floor(pq.msgSizeInMiB),
        commitOffset: committed(pq),
        droped: pq.dropped,
        lastConsumeTimestamp: pq.lastConsumeTimestamp,
        lastLockTimestamp: pq.lastLockTimestamp,
        lastPullTimestamp: pq.lastPullTimestamp,
        locked: pq.locked,
        transactionMsgCount: 0,
        transactionMsgMaxOffset: 0,
        transactionMsgMinOffset: 0,
        tryUnlockTimes: pq.tryUnlockTimes,
      },
    });
  }
  const statusTable = new Map<string, Record<string, number>>();
  for (const topic of topics) {
    const s = stats.status(topic);
    statusTable.set(wrapNamespace(ns, topic), {
      consumeFailedMsgs: s.consumeFailedMsgs,
      consumeFailedTPS: s.consumeFailedTPS,
      consumeOKTPS: s.consumeOKTPS,
      consumeRT: s.consumeRT,
      pullRT: s.pullRT,
      pullTPS: s.pullTPS,
    });
  }
  return { mqTable, statusTable };
}
