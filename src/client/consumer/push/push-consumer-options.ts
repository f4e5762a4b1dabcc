/**
 * Push consumer options with the Java DefaultMQPushConsumer defaults (4.9.8 / 5.3.x), validated when
 * the consumer is built. Each violation is an IllegalArgumentError saying what to change; nothing
 * is half-applied.
 */
import { ClientErrorCode, IllegalArgumentError, MQClientError } from '../../../common/errors.js';
import { rejectUnknownOptions } from '../../../common/option-keys.js';
import { resolveTraceOptions, type TraceConfig, type TraceOptions } from '../../trace/trace-options.js';
import type { ConsumeFromWhere } from '../../../protocol/body/index.js';
import { DEFAULT_CONSUMER_GROUP, checkGroup } from '../../../protocol/message/index.js';
import { checkPositiveInt, resolveClientConfig } from '../../client-config.js';
import type { ClientConfig, ClientOptions } from '../../client-config.js';
import type { ClientInstance } from '../../client-instance.js';
import type { ClientInstanceRegistry } from '../../client-instance-registry.js';
import type { AllocateMessageQueueStrategy } from './allocate-strategy.js';
import { allocateStrategyOption, checkBroadcastOptions } from './push-consumer-modes.js';
import type { AllocateStrategyName } from './push-consumer-modes.js';
import type { BatchHandler, MessageHandler } from './consume-service.js';
import { PUSH_CONSUMER_OPTION_KEYS } from './push-consumer-option-keys.js';

/** CLUSTERING: the group's members share the queues, each message consumed once per group; BROADCASTING: every member consumes every message (offsets kept locally). */
export type MessageModel = 'CLUSTERING' | 'BROADCASTING';

export interface PushConsumerOptions extends ClientOptions, TraceOptions {
  /** Consumer group; required, and must not be `DEFAULT_CONSUMER`. */
  consumerGroup: string;
  /** Handler of every subscription without its own (one message per call). */
  handler?: MessageHandler;
  /** Handler called with up to consumeMessageBatchMaxSize messages (exclusive with `handler`). */
  batchHandler?: BatchHandler;
  /** CLUSTERING (default: the group shares the queues) or BROADCASTING (every member gets every message). */
  messageModel?: MessageModel;
  /** Where a group with no offset on a queue starts. Default CONSUME_FROM_LAST_OFFSET. */
  consumeFromWhere?: 'CONSUME_FROM_LAST_OFFSET' | 'CONSUME_FROM_FIRST_OFFSET' | 'CONSUME_FROM_TIMESTAMP';
  /** Start time for CONSUME_FROM_TIMESTAMP, ms since the epoch. Default: half an hour before construction. */
  consumeTimestamp?: number;
  /**
   * Queue allocation among the group's members (clustering): a strategy object, or the name of one
   * of Java's (AVG, AVG_BY_CIRCLE, CONSISTENT_HASH). Default: AVG.
   */
  allocateMessageQueueStrategy?: AllocateMessageQueueStrategy | AllocateStrategyName;
  /** Java consumeThreadMin (reported only: handlers are promises). Default 20. */
  consumeThreadMin?: number;
  /** Most handler calls running at once (Java consumeThreadMax). Default 20. */
  consumeThreadMax?: number;
  /** Concurrent consumption pauses a queue whose cached offsets span more than this. Default 2000. */
  consumeConcurrentlyMaxSpan?: number;
  /** Cached messages per queue above which pulling pauses. Default 1000. */
  pullThresholdForQueue?: number;
  /** Cached MiB per queue above which pulling pauses. Default 100. */
  pullThresholdSizeForQueue?: number;
  /** Cached messages per topic (-1: unlimited), split evenly over the topic's queues. Default -1. */
  pullThresholdForTopic?: number;
  /** Cached MiB per topic (-1: unlimited), split evenly over the topic's queues. Default -1. */
  pullThresholdSizeForTopic?: number;
  /** Pause between two pulls of a queue, ms. Default 0. */
  pullInterval?: number;
  /** Messages per pull. Default 32. */
  pullBatchSize?: number;
  /** Messages per batchHandler call. Default 1. */
  consumeMessageBatchMaxSize?: number;
  /** Deliveries before a message goes to the DLQ; -1 means 16. Default -1. */
  maxReconsumeTimes?: number;
  /** Orderly consumption: pause before a failed queue is retried, ms. Default 1000. */
  suspendCurrentQueueTimeMillis?: number;
  /** A handler call running longer than this counts as reconsume later, minutes. Default 15. */
  consumeTimeout?: number;
  /** Shutdown waits this long for running handlers, ms. Default 15000 (Java: 0, see README). */
  awaitTerminationMillisWhenShutdown?: number;
  /** How often offsets are committed to the brokers, ms. Default 5000. */
  persistConsumerOffsetInterval?: number;
  /** How often the group's queues are re-balanced, ms. Default 20000. */
  rebalanceInterval?: number;
  /** Longest time a broker holds a pull with no message (long polling), ms. Default 15000. */
  brokerSuspendMaxTimeMillis?: number;
  /** Timeout of a long-polling pull, ms; must exceed brokerSuspendMaxTimeMillis. Default 30000. */
  consumerTimeoutMillisWhenSuspend?: number;
  /** Back-off after a failed pull, ms. Default 3000. */
  pullTimeDelayMillsWhenException?: number;
  /**
   * Orderly consumption: each queue locked on its broker and consumed one batch at a time, in order;
   * a failed batch pauses the queue (suspendCurrentQueueTimeMillis) and runs again. Default false.
   */
  orderly?: boolean;
  /**
   * BROADCASTING: the directory of the local offset files (`<dir>/<clientId>/<group>/offsets.json`,
   * Java's layout). Required for BROADCASTING (there is no default: never $HOME).
   */
  offsetStoreDir?: string;
  /** Aborting it shuts the consumer down. */
  signal?: AbortSignal;
  /** Share a client instance with other producers/consumers of the same client id. */
  registry?: ClientInstanceRegistry;
  /** Use this client instance (wins over `registry`). */
  clientInstance?: ClientInstance;
}

/** Defaults of PushConsumerOptions (times in ms, sizes in MiB where Java uses MiB), as in Java's DefaultMQPushConsumer. */
export const PUSH_CONSUMER_DEFAULTS = {
  messageModel: 'CLUSTERING',
  consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
  consumeThreadMin: 20,
  consumeThreadMax: 20,
  consumeConcurrentlyMaxSpan: 2000,
  pullThresholdForQueue: 1000,
  pullThresholdSizeForQueue: 100,
  pullThresholdForTopic: -1,
  pullThresholdSizeForTopic: -1,
  pullInterval: 0,
  pullBatchSize: 32,
  consumeMessageBatchMaxSize: 1,
  maxReconsumeTimes: -1,
  suspendCurrentQueueTimeMillis: 1000,
  consumeTimeout: 15,
  awaitTerminationMillisWhenShutdown: 15_000,
  persistConsumerOffsetInterval: 5000,
  rebalanceInterval: 20_000,
  brokerSuspendMaxTimeMillis: 15_000,
  consumerTimeoutMillisWhenSuspend: 30_000,
  pullTimeDelayMillsWhenException: 3000,
  /** Java PULL_TIME_DELAY_MILLS_WHEN_FLOW_CONTROL. */
  flowControlDelayMillis: 50,
  /** Java PULL_TIME_DELAY_MILLS_WHEN_SUSPEND (consumer paused). */
  suspendDelayMillis: 1000,
  /** Java resubmits a message whose send-back failed after 5 s. */
  localRetryDelayMillis: 5000,
  consumeTimestampLookbackMillis: 30 * 60 * 1000,
} as const;

type NumericOption = Exclude<
  {
    [K in keyof typeof PUSH_CONSUMER_DEFAULTS]: (typeof PUSH_CONSUMER_DEFAULTS)[K] extends number ? K : never;
  }[keyof typeof PUSH_CONSUMER_DEFAULTS],
  'flowControlDelayMillis' | 'suspendDelayMillis' | 'localRetryDelayMillis' | 'consumeTimestampLookbackMillis'
>;

export type PushConsumerConfig = { readonly [K in NumericOption]: number } & TraceConfig & {
    readonly client: ClientConfig;
    readonly consumerGroup: string;
    readonly messageModel: MessageModel;
    readonly consumeFromWhere: ConsumeFromWhere;
    readonly consumeTimestamp: number;
    readonly allocateMessageQueueStrategy: AllocateMessageQueueStrategy;
    readonly handler: MessageHandler | undefined;
    readonly batchHandler: BatchHandler | undefined;
    readonly orderly: boolean;
    readonly offsetStoreDir: string | undefined;
  };

const FROM_WHERE: readonly string[] = [
  'CONSUME_FROM_LAST_OFFSET',
  'CONSUME_FROM_FIRST_OFFSET',
  'CONSUME_FROM_TIMESTAMP',
];

/** [name, min, max] of every numeric option (Java DefaultMQPushConsumerImpl.checkConfig ranges). */
const RANGES: readonly [NumericOption, number, number][] = [
  ['consumeThreadMin', 1, 1000],
  ['consumeThreadMax', 1, 1000],
  ['consumeConcurrentlyMaxSpan', 1, 65535],
  ['pullThresholdForQueue', 1, 65535],
  ['pullThresholdSizeForQueue', 1, 1024],
  ['pullThresholdForTopic', -1, 6553500],
  ['pullThresholdSizeForTopic', -1, 102400],
  ['pullInterval', 0, 65535],
  ['pullBatchSize', 1, 1024],
  ['consumeMessageBatchMaxSize', 1, 1024],
  ['maxReconsumeTimes', -1, 2_147_483_647],
  ['suspendCurrentQueueTimeMillis', 0, 2_147_483_647],
  ['consumeTimeout', 1, 2_147_483_647],
  ['awaitTerminationMillisWhenShutdown', 0, 2_147_483_647],
  ['persistConsumerOffsetInterval', 1, 2_147_483_647],
  ['rebalanceInterval', 1, 2_147_483_647],
  ['brokerSuspendMaxTimeMillis', 1, 2_147_483_647],
  ['consumerTimeoutMillisWhenSuspend', 1, 2_147_483_647],
  ['pullTimeDelayMillsWhenException', 0, 2_147_483_647],
];

export function resolvePushConsumerConfig(options: PushConsumerOptions): PushConsumerConfig {
  if (options === null || typeof options !== 'object') {
    throw new IllegalArgumentError('push consumer options must be an object with at least consumerGroup');
  }
  rejectUnknownOptions(options, PUSH_CONSUMER_OPTION_KEYS, 'push consumer options');
  checkGroup(options.consumerGroup);
  if (options.consumerGroup === DEFAULT_CONSUMER_GROUP) {
    throw new MQClientError(
      `consumerGroup can not equal ${DEFAULT_CONSUMER_GROUP}, please specify another one.`,
      { code: ClientErrorCode.INVALID_GROUP },
    );
  }
  const d = PUSH_CONSUMER_DEFAULTS;
  const numbers = {} as Record<NumericOption, number>;
  for (const [name, min, max] of RANGES) {
    // An explicit consumeThreadMax below 20 lowers the default consumeThreadMin with it.
    const fallback =
      name === 'consumeThreadMin' && typeof options.consumeThreadMax === 'number'
        ? Math.min(d.consumeThreadMin, options.consumeThreadMax)
        : d[name];
    const value = options[name] ?? fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new IllegalArgumentError(
        `option ${name} must be an integer in [${min}, ${max}], got ${String(value)}`,
      );
    }
    numbers[name] = value;
  }
  if (numbers.consumeThreadMin > numbers.consumeThreadMax) {
    throw new IllegalArgumentError(
      `option consumeThreadMin (${numbers.consumeThreadMin}) must not exceed consumeThreadMax (${numbers.consumeThreadMax})`,
    );
  }
  if (numbers.consumerTimeoutMillisWhenSuspend <= numbers.brokerSuspendMaxTimeMillis) {
    throw new IllegalArgumentError(
      `option consumerTimeoutMillisWhenSuspend (${numbers.consumerTimeoutMillisWhenSuspend}) must be greater than brokerSuspendMaxTimeMillis (${numbers.brokerSuspendMaxTimeMillis})`,
    );
  }
  for (const name of ['pullThresholdForTopic', 'pullThresholdSizeForTopic'] as const) {
    if (numbers[name] === 0)
      throw new IllegalArgumentError(`option ${name} must be -1 (unlimited) or positive`);
  }
  const messageModel = options.messageModel ?? d.messageModel;
  if (messageModel !== 'CLUSTERING' && messageModel !== 'BROADCASTING') {
    throw new IllegalArgumentError(
      `option messageModel must be CLUSTERING or BROADCASTING, got ${String(messageModel)}`,
    );
  }
  const offsetStoreDir = checkBroadcastOptions(options, messageModel);
  const consumeFromWhere = options.consumeFromWhere ?? d.consumeFromWhere;
  if (!FROM_WHERE.includes(consumeFromWhere)) {
    throw new IllegalArgumentError(
      `option consumeFromWhere must be one of ${FROM_WHERE.join(', ')}, got ${String(consumeFromWhere)}`,
    );
  }
  if (options.consumeTimestamp !== undefined)
    checkPositiveInt('consumeTimestamp', options.consumeTimestamp, true);
  checkHandlers(options);
  const strategy = allocateStrategyOption(options.allocateMessageQueueStrategy);
  if (
    typeof strategy !== 'object' ||
    typeof strategy.allocate !== 'function' ||
    typeof strategy.name !== 'string'
  ) {
    throw new IllegalArgumentError(
      'option allocateMessageQueueStrategy must be an object with a name and allocate(group, currentCid, mqAll, cidAll)',
    );
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new IllegalArgumentError('option signal must be an AbortSignal');
  }
  return Object.freeze({
    ...numbers,
    client: resolveClientConfig(options),
    ...resolveTraceOptions(options),
    consumerGroup: options.consumerGroup,
    messageModel,
    consumeFromWhere,
    consumeTimestamp: options.consumeTimestamp ?? Date.now() - d.consumeTimestampLookbackMillis,
    allocateMessageQueueStrategy: strategy,
    handler: options.handler,
    batchHandler: options.batchHandler,
    orderly: options.orderly ?? false,
    offsetStoreDir,
  });
}

function checkHandlers(options: PushConsumerOptions): void {
  for (const name of ['handler', 'batchHandler'] as const) {
    const fn = options[name];
    if (fn !== undefined && typeof fn !== 'function') {
      throw new IllegalArgumentError(`option ${name} must be a function, got ${typeof fn}`);
    }
  }
  if (options.handler !== undefined && options.batchHandler !== undefined) {
    throw new IllegalArgumentError('give either option handler or option batchHandler, not both');
  }
}

/** Java's maxReconsumeTimes for concurrent consumption: -1 means 16. */
export function effectiveMaxReconsumeTimes(config: PushConsumerConfig): number {
  return config.maxReconsumeTimes === -1 ? 16 : config.maxReconsumeTimes;
}
