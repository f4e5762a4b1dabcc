/**
 * Every key of PushConsumerOptions (the resolver refuses any other, naming the nearest): add a line
 * here with each new option. Kept in its own file beside push-consumer-options.ts, which is near the
 * size ceiling.
 */
import type { OptionKeys } from '../../../common/option-keys.js';
import { CLIENT_OPTION_KEYS } from '../../client-config.js';
import type { PushConsumerOptions } from './push-consumer-options.js';

export const PUSH_CONSUMER_OPTION_KEYS: OptionKeys<PushConsumerOptions> = {
  ...CLIENT_OPTION_KEYS,
  consumerGroup: true,
  enableMsgTrace: true,
  customizedTraceTopic: true,
  handler: true,
  batchHandler: true,
  messageModel: true,
  consumeFromWhere: true,
  consumeTimestamp: true,
  allocateMessageQueueStrategy: true,
  consumeThreadMin: true,
  consumeThreadMax: true,
  consumeConcurrentlyMaxSpan: true,
  pullThresholdForQueue: true,
  pullThresholdSizeForQueue: true,
  pullThresholdForTopic: true,
  pullThresholdSizeForTopic: true,
  pullInterval: true,
  pullBatchSize: true,
  consumeMessageBatchMaxSize: true,
  maxReconsumeTimes: true,
  suspendCurrentQueueTimeMillis: true,
  consumeTimeout: true,
  awaitTerminationMillisWhenShutdown: true,
  persistConsumerOffsetInterval: true,
  rebalanceInterval: true,
  brokerSuspendMaxTimeMillis: true,
  consumerTimeoutMillisWhenSuspend: true,
  pullTimeDelayMillsWhenException: true,
  orderly: true,
  offsetStoreDir: true,
  signal: true,
  registry: true,
  clientInstance: true,
};
