/** Public API of the broker. */
export { Broker } from './broker.js';
export {
  DEFAULT_BROKER_OPTIONS,
  DEFAULT_MESSAGE_DELAY_LEVEL,
  resolveBrokerOptions,
  parseDelayLevels,
} from './broker-config.js';
export type { BrokerOptions, FlushDiskType, ResolvedBrokerOptions } from './broker-config.js';
export { TopicConfigManager, SCHEDULE_TOPIC_QUEUE_NUM } from './topic-config-manager.js';
export { topicConfigToString, permToString } from './topic-config.js';
export type { TopicConfig } from '../../protocol/body/topic-config.js';
export { buildTagFilter, pullStatusToCode } from './pull-processor.js';
export { PullSysFlag } from '../../protocol/headers/pull.js';
