/**
 * Pull consumer options with the Java DefaultMQPullConsumer defaults, validated when the consumer is
 * built. Each violation is an IllegalArgumentError (or the validator's MQClientError for the group)
 * saying what to change.
 */
import { rejectUnknownOptions, type OptionKeys } from '../../../common/option-keys.js';
import { ClientErrorCode, IllegalArgumentError, MQClientError } from '../../../common/errors.js';
import { resolveTraceOptions } from '../../trace/trace-options.js';
import type { TraceConfig, TraceOptions } from '../../trace/trace-options.js';
import type { ConsumeFromWhere } from '../../../protocol/body/index.js';
import { DEFAULT_CONSUMER_GROUP, checkGroup } from '../../../protocol/message/index.js';
import { checkPositiveInt, CLIENT_OPTION_KEYS, resolveClientConfig } from '../../client-config.js';
import type { ClientConfig, ClientOptions } from '../../client-config.js';
import type { ClientInstance } from '../../client-instance.js';
import type { ClientInstanceRegistry } from '../../client-instance-registry.js';

/** Options of a PullConsumer (Java DefaultLitePullConsumer / DefaultMQPullConsumer): group, offsets policy, pull timeouts, plus the client and trace options. */
export interface PullConsumerOptions extends ClientOptions, TraceOptions {
  /** Consumer group; required, and must not be `DEFAULT_CONSUMER`. */
  consumerGroup: string;
  /**
   * Where pullFromStored (and poll with `from: 'stored'`) starts on a queue the group has no offset
   * for: the first offset, the last one, or the first message stored at `consumeTimestamp`.
   * Default CONSUME_FROM_LAST_OFFSET.
   */
  consumeFromWhere?: 'CONSUME_FROM_LAST_OFFSET' | 'CONSUME_FROM_FIRST_OFFSET' | 'CONSUME_FROM_TIMESTAMP';
  /** Start time for CONSUME_FROM_TIMESTAMP, ms since the epoch. Default: half an hour before start. */
  consumeTimestamp?: number;
  /** Longest time the broker holds a blocking pull (long polling), ms. Default 20000. */
  brokerSuspendMaxTimeMillis?: number;
  /** Timeout of a blocking pull, ms; must exceed brokerSuspendMaxTimeMillis. Default 30000. */
  consumerTimeoutMillisWhenSuspend?: number;
  /** Timeout of a non-blocking pull, ms. Default 10000. */
  consumerPullTimeoutMillis?: number;
  /** Topics subscribed (`*`) at start: their routes are kept fresh and announced in heartbeats. */
  registerTopics?: readonly string[];
  /** Share a client instance with other producers/consumers of the same client id. */
  registry?: ClientInstanceRegistry;
  /** Use this client instance (wins over `registry`). */
  clientInstance?: ClientInstance;
}

/** Every key of PullConsumerOptions: add a line here with each new option. */
export const PULL_CONSUMER_OPTION_KEYS: OptionKeys<PullConsumerOptions> = {
  ...CLIENT_OPTION_KEYS,
  consumerGroup: true,
  enableMsgTrace: true,
  customizedTraceTopic: true,
  consumeFromWhere: true,
  consumeTimestamp: true,
  brokerSuspendMaxTimeMillis: true,
  consumerTimeoutMillisWhenSuspend: true,
  consumerPullTimeoutMillis: true,
  registerTopics: true,
  registry: true,
  clientInstance: true,
};

/** Defaults of PullConsumerOptions (times in ms), as in Java. */
export const PULL_CONSUMER_DEFAULTS = {
  consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
  brokerSuspendMaxTimeMillis: 20_000,
  consumerTimeoutMillisWhenSuspend: 30_000,
  consumerPullTimeoutMillis: 10_000,
  /** consumeTimestamp = start time minus this. */
  consumeTimestampLookbackMillis: 30 * 60 * 1000,
} as const;

const FROM_WHERE: readonly string[] = [
  'CONSUME_FROM_LAST_OFFSET',
  'CONSUME_FROM_FIRST_OFFSET',
  'CONSUME_FROM_TIMESTAMP',
];

/** enableMsgTrace: poll() records SubBefore / SubAfter traces (trace/consume-tracer.ts); pull() does not. */
export interface PullConsumerConfig extends TraceConfig {
  readonly client: ClientConfig;
  readonly consumerGroup: string;
  readonly consumeFromWhere: ConsumeFromWhere;
  readonly consumeTimestamp: number;
  readonly brokerSuspendMaxTimeMillis: number;
  readonly consumerTimeoutMillisWhenSuspend: number;
  readonly consumerPullTimeoutMillis: number;
  readonly registerTopics: readonly string[];
}

export function resolvePullConsumerConfig(options: PullConsumerOptions): PullConsumerConfig {
  if (options === null || typeof options !== 'object') {
    throw new IllegalArgumentError('pull consumer options must be an object with at least consumerGroup');
  }
  rejectUnknownOptions(options, PULL_CONSUMER_OPTION_KEYS, 'pull consumer options');
  checkGroup(options.consumerGroup);
  if (options.consumerGroup === DEFAULT_CONSUMER_GROUP) {
    throw new MQClientError(
      `consumerGroup can not equal ${DEFAULT_CONSUMER_GROUP}, please specify another one.`,
      { code: ClientErrorCode.INVALID_GROUP },
    );
  }
  const d = PULL_CONSUMER_DEFAULTS;
  const consumeFromWhere = options.consumeFromWhere ?? d.consumeFromWhere;
  if (!FROM_WHERE.includes(consumeFromWhere)) {
    throw new IllegalArgumentError(
      `option consumeFromWhere must be one of ${FROM_WHERE.join(', ')}, got ${String(consumeFromWhere)}`,
    );
  }
  const suspend = options.brokerSuspendMaxTimeMillis ?? d.brokerSuspendMaxTimeMillis;
  const whenSuspend = options.consumerTimeoutMillisWhenSuspend ?? d.consumerTimeoutMillisWhenSuspend;
  const pullTimeout = options.consumerPullTimeoutMillis ?? d.consumerPullTimeoutMillis;
  checkPositiveInt('brokerSuspendMaxTimeMillis', suspend);
  checkPositiveInt('consumerTimeoutMillisWhenSuspend', whenSuspend);
  checkPositiveInt('consumerPullTimeoutMillis', pullTimeout);
  if (whenSuspend <= suspend) {
    throw new IllegalArgumentError(
      `option consumerTimeoutMillisWhenSuspend (${whenSuspend}) must be greater than brokerSuspendMaxTimeMillis (${suspend})`,
    );
  }
  if (options.consumeTimestamp !== undefined)
    checkPositiveInt('consumeTimestamp', options.consumeTimestamp, true);
  const registerTopics = [...(options.registerTopics ?? [])];
  return Object.freeze({
    client: resolveClientConfig(options),
    consumerGroup: options.consumerGroup,
    consumeFromWhere,
    consumeTimestamp: options.consumeTimestamp ?? Date.now() - d.consumeTimestampLookbackMillis,
    brokerSuspendMaxTimeMillis: suspend,
    consumerTimeoutMillisWhenSuspend: whenSuspend,
    consumerPullTimeoutMillis: pullTimeout,
    registerTopics: Object.freeze(registerTopics),
    ...resolveTraceOptions(options),
  });
}

/** Options of one pull. */
export interface PullOptions {
  /** Let the broker hold the pull until a message arrives (long polling). Default false. */
  block?: boolean;
  /** Hold time asked of the broker, ms. Default brokerSuspendMaxTimeMillis. */
  suspendMillis?: number;
  /** Request timeout, ms. Default consumerTimeoutMillisWhenSuspend (block) or consumerPullTimeoutMillis. */
  timeoutMillis?: number;
  /**
   * Aborting settles the pull at once with AbortError (ClientErrorCode.ABORTED) and removes its
   * response-table entry; an aborted signal rejects before any request.
   */
  signal?: AbortSignal | undefined;
}

/** Options of a pull from the group's stored offset. */
export interface PullFromStoredOptions extends PullOptions {
  /** Commit nextBeginOffset to the broker after the pull (unless NO_NEW_MSG). Default false. */
  commit?: boolean;
}

/** A pull's times must be finite ms >= 0: NaN would be a transport deadline that never comes. */
export function checkPullMillis(name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new IllegalArgumentError(
      `pull option ${name} must be a finite number of ms >= 0, got ${String(value)}`,
    );
  }
}
