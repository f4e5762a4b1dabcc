/**
 * DefaultMQProducer options with the Java defaults (reference §9.2), validated when the producer is
 * built. Each violation is an IllegalArgumentError (or the validator's MQClientError for the group)
 * saying what to change.
 */
import { rejectUnknownOptions, type OptionKeys } from '../../common/option-keys.js';
import { IllegalArgumentError } from '../../common/errors.js';
import { DEFAULT_COMPRESS_LEVEL, DEFAULT_COMPRESS_THRESHOLD } from '../../protocol/message/compression.js';
import {
  checkProducerGroup,
  checkTopic,
  DEFAULT_MAX_MESSAGE_SIZE,
  SystemTopic,
} from '../../protocol/message/validators.js';
import type { CompressionType } from '../../protocol/message/constants.js';
import { resolveCompression } from './compression-options.js';
import { resolveTraceOptions } from '../trace/trace-options.js';
import type { TraceConfig, TraceOptions } from '../trace/trace-options.js';
import type { CompressionTypeName } from './compression-options.js';
import { DEFAULT_TIMER_MAX_DELAY_SEC } from '../../protocol/message/timer-message.js';
import { TransportDefaults } from '../../transport/defaults.js';
import { checkPositiveInt, CLIENT_OPTION_KEYS, resolveClientConfig } from '../client-config.js';
import type { ClientConfig, ClientOptions } from '../client-config.js';
import type { Clock, RandomInt } from '../clock.js';
import type { ClientInstance } from '../client-instance.js';
import type { ClientInstanceRegistry } from '../client-instance-registry.js';
import { AUTO_BATCH_DEFAULTS, resolveAutoBatch } from './batching/auto-batch-options.js';
import type { AutoBatchConfig, AutoBatchOptions } from './batching/auto-batch-options.js';
import { BACKPRESSURE_DEFAULTS, resolveBackpressure } from './send/async-backpressure.js';
import type { BackpressureConfig, BackpressureOptions } from './send/async-backpressure.js';

/** How late at most the transport reports an async send's timeout (one scan period plus its grace). */
const ASYNC_TIMEOUT_LATENESS = TransportDefaults.scanIntervalMillis + TransportDefaults.scanGraceMillis;

/** enableMsgTrace: a Pub record per send, an EndTransaction record per transaction end (trace/). */
export interface ProducerOptions extends ClientOptions, TraceOptions, AutoBatchOptions, BackpressureOptions {
  /** Producer group; required, and must not be `DEFAULT_PRODUCER`. */
  producerGroup: string;
  /** Total time budget of one send call (all attempts), ms. Default 3000. */
  sendMsgTimeout?: number;
  /** 5.x: cap of one attempt while more attempts remain, ms; -1 (default) = no cap. */
  sendMsgMaxTimeoutPerRequest?: number;
  /** Extra attempts of a sync send. Default 2 (3 attempts). */
  retryTimesWhenSendFailed?: number;
  /** Extra attempts of an async send, made from the response callback. Default 2. */
  retryTimesWhenSendAsyncFailed?: number;
  /** Sync: try another broker when the status is not SEND_OK. Default false. */
  retryAnotherBrokerWhenNotStoreOK?: boolean;
  /** Bodies of at least this many bytes are compressed (never batches). Default 4096; 0 = every body. */
  compressMsgBodyOverHowmuch?: number;
  /** Codec of compressed bodies: 'ZLIB' (default), 'LZ4' or 'ZSTD', any case (Java compressType). */
  compressType?: CompressionTypeName;
  /** Level: zlib 0..9, zstd 1..22, ignored by LZ4 (as Java). Default 5. */
  compressLevel?: number;
  /** Largest body accepted, bytes. Default 4 MiB. */
  maxMessageSize?: number;
  /** Template topic for auto-creation. Default `TBW102`. */
  createTopicKey?: string;
  /** Queues of an auto-created topic. Default 4. */
  defaultTopicQueueNums?: number;
  /** Latency fault tolerance in queue selection. Default false. */
  sendLatencyFaultEnable?: boolean;
  /** Latency thresholds, ms (default 4.9.8: 50, 100, 550, 1000, 2000, 3000, 15000). */
  latencyMax?: readonly number[];
  /** Isolation per threshold, ms (default 4.9.8: 0, 0, 30000, 60000, 120000, 180000, 600000). */
  notAvailableDuration?: readonly number[];
  /** Send with V2 (one-letter) headers: SEND_MESSAGE_V2 / SEND_REPLY_MESSAGE_V2. Default true. */
  sendSmartMsg?: boolean;
  /**
   * How long shutdown() waits for the sends in flight to settle, ms (0: not at all); what is still
   * unsettled then fails with MessageNotSentError or SendOutcomeUnknownError. Default: sendMsgTimeout
   * + 2000, by when every send with the default budget has settled by itself (the transport reports
   * async timeouts up to 2 s late: its scan runs every second with a second of grace).
   */
  shutdownTimeoutMillis?: number;
  /**
   * Longest timer delay a send accepts, s: the broker's timerMaxDelaySec (Java default 3 days). Raise
   * it only for a broker configured higher; the broker refuses beyond its own anyway.
   */
  timerMaxDelaySec?: number;
  /** Share a client instance with other producers/consumers of the same client id. */
  registry?: ClientInstanceRegistry;
  /** Use this client instance (wins over `registry`). */
  clientInstance?: ClientInstance;
  /** Time source of the send time budget and the latency fault tolerance (tests). Default Date.now. */
  clock?: Clock;
  /** Random source of queue selection (tests). */
  random?: RandomInt;
}

/** Every key of ProducerOptions: add a line here with each new producer option. */
export const PRODUCER_OPTION_KEYS: OptionKeys<ProducerOptions> = {
  ...CLIENT_OPTION_KEYS,
  producerGroup: true,
  autoBatch: true,
  batchMaxDelayMs: true,
  batchMaxBytes: true,
  totalBatchMaxBytes: true,
  enableBackpressureForAsyncMode: true,
  backPressureForAsyncSendNum: true,
  backPressureForAsyncSendSize: true,
  enableMsgTrace: true,
  customizedTraceTopic: true,
  sendMsgTimeout: true,
  sendMsgMaxTimeoutPerRequest: true,
  retryTimesWhenSendFailed: true,
  retryTimesWhenSendAsyncFailed: true,
  retryAnotherBrokerWhenNotStoreOK: true,
  compressMsgBodyOverHowmuch: true,
  compressType: true,
  compressLevel: true,
  maxMessageSize: true,
  createTopicKey: true,
  defaultTopicQueueNums: true,
  sendLatencyFaultEnable: true,
  latencyMax: true,
  notAvailableDuration: true,
  sendSmartMsg: true,
  shutdownTimeoutMillis: true,
  timerMaxDelaySec: true,
  registry: true,
  clientInstance: true,
  clock: true,
  random: true,
};

/** Defaults of ProducerOptions (times in ms, sizes in bytes), as in Java's DefaultMQProducer. */
export const PRODUCER_DEFAULTS = {
  sendMsgTimeout: 3000,
  sendMsgMaxTimeoutPerRequest: -1,
  retryTimesWhenSendFailed: 2,
  retryTimesWhenSendAsyncFailed: 2,
  retryAnotherBrokerWhenNotStoreOK: false,
  compressMsgBodyOverHowmuch: DEFAULT_COMPRESS_THRESHOLD,
  compressType: 'ZLIB',
  compressLevel: DEFAULT_COMPRESS_LEVEL,
  maxMessageSize: DEFAULT_MAX_MESSAGE_SIZE,
  createTopicKey: SystemTopic.AUTO_CREATE_TOPIC_KEY_TOPIC,
  defaultTopicQueueNums: 4,
  sendLatencyFaultEnable: false,
  sendSmartMsg: true,
  timerMaxDelaySec: DEFAULT_TIMER_MAX_DELAY_SEC,
  ...AUTO_BATCH_DEFAULTS,
  ...BACKPRESSURE_DEFAULTS,
} as const;

export interface ProducerConfig extends TraceConfig {
  readonly client: ClientConfig;
  readonly producerGroup: string;
  readonly sendMsgTimeout: number;
  readonly sendMsgMaxTimeoutPerRequest: number;
  readonly retryTimesWhenSendFailed: number;
  readonly retryTimesWhenSendAsyncFailed: number;
  readonly retryAnotherBrokerWhenNotStoreOK: boolean;
  readonly compressMsgBodyOverHowmuch: number;
  readonly compressType: CompressionType;
  readonly compressLevel: number;
  readonly maxMessageSize: number;
  readonly createTopicKey: string;
  readonly defaultTopicQueueNums: number;
  readonly sendLatencyFaultEnable: boolean;
  readonly latencyMax: readonly number[] | undefined;
  readonly notAvailableDuration: readonly number[] | undefined;
  readonly sendSmartMsg: boolean;
  readonly shutdownTimeoutMillis: number;
  readonly timerMaxDelaySec: number;
  /** Auto-batching (batching/auto-batch-options.ts). */
  readonly autoBatch: AutoBatchConfig;
  /** Async backpressure (send/async-backpressure.ts). */
  readonly backpressure: BackpressureConfig;
}

function checkDurations(name: string, list: readonly number[] | undefined): void {
  if (list === undefined) return;
  if (!Array.isArray(list) || list.length === 0 || list.some((v) => !Number.isInteger(v) || v < 0)) {
    throw new IllegalArgumentError(`option ${name} must be a non-empty list of non-negative integers (ms)`);
  }
}

/** `known`: the option keys of the class being built (a TransactionProducer accepts more). */
export function resolveProducerConfig(
  options: ProducerOptions,
  known: OptionKeys<object> = PRODUCER_OPTION_KEYS,
): ProducerConfig {
  if (options === null || typeof options !== 'object') {
    throw new IllegalArgumentError('producer options must be an object with at least producerGroup');
  }
  rejectUnknownOptions(options, known, 'producer options');
  checkProducerGroup(options.producerGroup);
  const o = { ...PRODUCER_DEFAULTS, ...stripUndefined(options) };
  checkPositiveInt('sendMsgTimeout', o.sendMsgTimeout);
  if (o.sendMsgMaxTimeoutPerRequest !== -1)
    checkPositiveInt('sendMsgMaxTimeoutPerRequest (or -1)', o.sendMsgMaxTimeoutPerRequest);
  checkPositiveInt('retryTimesWhenSendFailed', o.retryTimesWhenSendFailed, true);
  checkPositiveInt('retryTimesWhenSendAsyncFailed', o.retryTimesWhenSendAsyncFailed, true);
  checkPositiveInt('compressMsgBodyOverHowmuch', o.compressMsgBodyOverHowmuch, true);
  checkPositiveInt('maxMessageSize', o.maxMessageSize);
  checkPositiveInt('defaultTopicQueueNums', o.defaultTopicQueueNums);
  checkPositiveInt('timerMaxDelaySec', o.timerMaxDelaySec);
  const shutdownTimeoutMillis = o.shutdownTimeoutMillis ?? o.sendMsgTimeout + ASYNC_TIMEOUT_LATENESS;
  checkPositiveInt('shutdownTimeoutMillis', shutdownTimeoutMillis, true);
  const compression = resolveCompression(o.compressType, o.compressLevel);
  checkTopic(o.createTopicKey);
  checkDurations('latencyMax', options.latencyMax);
  checkDurations('notAvailableDuration', options.notAvailableDuration);
  const lm = options.latencyMax?.length;
  const nd = options.notAvailableDuration?.length;
  if ((lm ?? 7) !== (nd ?? 7)) {
    throw new IllegalArgumentError(
      'options latencyMax and notAvailableDuration must have the same number of entries',
    );
  }
  return Object.freeze({
    client: resolveClientConfig(options),
    producerGroup: options.producerGroup,
    sendMsgTimeout: o.sendMsgTimeout,
    sendMsgMaxTimeoutPerRequest: o.sendMsgMaxTimeoutPerRequest,
    retryTimesWhenSendFailed: o.retryTimesWhenSendFailed,
    retryTimesWhenSendAsyncFailed: o.retryTimesWhenSendAsyncFailed,
    retryAnotherBrokerWhenNotStoreOK: !!o.retryAnotherBrokerWhenNotStoreOK,
    compressMsgBodyOverHowmuch: o.compressMsgBodyOverHowmuch,
    ...compression,
    maxMessageSize: o.maxMessageSize,
    createTopicKey: o.createTopicKey,
    defaultTopicQueueNums: o.defaultTopicQueueNums,
    sendLatencyFaultEnable: !!o.sendLatencyFaultEnable,
    latencyMax: options.latencyMax ? [...options.latencyMax] : undefined,
    notAvailableDuration: options.notAvailableDuration ? [...options.notAvailableDuration] : undefined,
    sendSmartMsg: !!o.sendSmartMsg,
    shutdownTimeoutMillis,
    timerMaxDelaySec: o.timerMaxDelaySec,
    ...resolveTraceOptions(options),
    autoBatch: resolveAutoBatch(options),
    backpressure: resolveBackpressure(options),
  });
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
