/**
 * Public API of the broker. Its folders name its parts: core/ (context, options, topic table, client and
 * group tables, name-server registration) is shared by send/, pull/, clients/ (heartbeats, offsets,
 * rebalance locks), admin/ and schedule/ (delayed delivery), and imports none of them (lint rule);
 * broker-handlers.ts merges the parts' handler tables and broker.ts assembles the broker.
 */
export { Broker } from './broker.js';
export {
  DEFAULT_BROKER_OPTIONS,
  DEFAULT_MESSAGE_DELAY_LEVEL,
  resolveBrokerOptions,
  parseDelayLevels,
} from './core/broker-config.js';
export type { BrokerOptions, FlushDiskType, ResolvedBrokerOptions } from './core/broker-config.js';
export { TopicConfigManager, SCHEDULE_TOPIC_QUEUE_NUM } from './core/topic-config-manager.js';
export { topicConfigToString, permToString } from './core/topic-config.js';
export type { TopicConfig } from '../../protocol/body/topic-config.js';
export { buildTagFilter, pullStatusToCode } from './pull/pull-requests.js';
export { PullSysFlag } from '../../protocol/headers/pull.js';
