/**
 * What a pull consumer tells a broker that asks about it on behalf of an admin tool:
 * GET_CONSUMER_RUNNING_INFO properties (Java MixAll.object2Properties of DefaultMQPullConsumer, the
 * settings that exist here, plus PROP_CONSUMER_START_TIMESTAMP) and GET_CONSUMER_STATUS_FROM_CLIENT
 * offsets (Java RemoteBrokerOffsetStore.cloneOffsetTable).
 */
import type { ConsumerQueueOffset } from '../client-instance.js';
import type { PullConsumerConfig } from './consumer-options.js';

export function pullConsumerProperties(
  config: PullConsumerConfig,
  instanceName: string | undefined,
  startTimestamp: number,
): Record<string, string> {
  const c = config.client;
  return {
    consumerGroup: config.consumerGroup,
    messageModel: 'CLUSTERING',
    brokerSuspendMaxTimeMillis: String(config.brokerSuspendMaxTimeMillis),
    consumerTimeoutMillisWhenSuspend: String(config.consumerTimeoutMillisWhenSuspend),
    consumerPullTimeoutMillis: String(config.consumerPullTimeoutMillis),
    unitMode: String(c.unitMode),
    namesrvAddr: c.nameServerAddresses.join(';'),
    clientIP: c.clientIP,
    instanceName: instanceName ?? c.instanceName,
    pollNameServerInterval: String(c.pollNameServerInterval),
    heartbeatBrokerInterval: String(c.heartbeatBrokerInterval),
    mqClientApiTimeout: String(c.mqClientApiTimeout),
    vipChannelEnabled: String(c.vipChannelEnabled),
    ...(c.namespace !== undefined && { namespace: c.namespace }),
    PROP_CONSUMER_START_TIMESTAMP: String(startTimestamp),
  };
}

/**
 * The offsets held for the queues of a wire topic. Keys are `topic@brokerName@queueId` (topics cannot
 * contain `@`; the queue id follows the last one).
 */
export function offsetsOfTopic(
  offsetTable: ReadonlyMap<string, bigint>,
  wireTopic: string,
): ConsumerQueueOffset[] {
  const out: ConsumerQueueOffset[] = [];
  for (const [key, offset] of offsetTable) {
    const first = key.indexOf('@');
    const last = key.lastIndexOf('@');
    if (first <= 0 || last <= first || key.slice(0, first) !== wireTopic) continue;
    out.push({
      topic: wireTopic,
      brokerName: key.slice(first + 1, last),
      queueId: Number(key.slice(last + 1)),
      offset,
    });
  }
  return out;
}
