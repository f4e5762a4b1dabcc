/**
 * What a pull consumer tells a broker that asks about it on behalf of an admin tool:
 * GET_CONSUMER_RUNNING_INFO properties (Java MixAll.object2Properties of DefaultMQPullConsumer, the
 * settings that exist here, plus PROP_CONSUMER_START_TIMESTAMP). Its GET_CONSUMER_STATUS_FROM_CLIENT
 * offsets come from offsets/consumer-offsets.ts (offsetsOfTopic).
 */
import type { PullConsumerConfig } from './pull-consumer-options.js';

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
