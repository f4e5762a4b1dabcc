/**
 * Broker options and their defaults (Java BrokerConfig / NettyServerConfig / MessageStoreConfig, 4.9.8,
 * reference §12.5). Every default lives in DEFAULT_BROKER_OPTIONS so the CLI and tests share one object.
 */
import { keysOf, rejectUnknownOptions, type OptionKeys } from '../../../common/option-keys.js';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../../../common/logger.js';
import { silentLogger } from '../../../common/logger.js';
import { IllegalArgumentError } from '../../../common/errors.js';
import { Perm } from '../../../protocol/codes/misc.js';
import type { AclCredentials } from '../../../protocol/command/acl-signature.js';
import type { StoreHooks } from '../../store/index.js';
import { DEFAULT_STORE_CONFIG, MAX_INDEX_ENTRIES } from '../../store/index.js';
import type { ClientTlsOption } from '../../../transport/tls/client-tls.js';
import type { ServerTlsConfig } from '../../../transport/tls/server-tls.js';
import { DEFAULT_CLUSTER_NAME, DEFAULT_REGION_ID } from '../../../protocol/codes/misc.js';
import { DEFAULT_MAX_MESSAGE_SIZE } from '../../../protocol/message/validators.js';
import {
  DEFAULT_TRANSACTION_OPTIONS,
  transactionOptionsProblem,
} from '../transaction/transaction-options.js';
import type { TransactionOptions } from '../transaction/transaction-options.js';
import { DEFAULT_TIMER_OPTIONS, checkTimerOptions } from '../timer/timer-config.js';
import type { TimerOptions } from '../timer/timer-config.js';
import { DEFAULT_CLIENT_TABLE_LIMITS, clientTableLimitsProblem } from './client-table-limits.js';
import { DEFAULT_RETENTION_OPTIONS, checkRetentionOptions } from './retention-options.js';
import type { RetentionOptions } from './retention-options.js';
import type { ClientTableLimits } from './client-table-limits.js';

/**
 * Caps of the long-polling hold (PullHoldService), also broker options; not Java options (Java has
 * none). A pull beyond a count or byte cap is answered at once (PULL_NOT_FOUND) instead of parked.
 */
export interface PullHoldLimits {
  /** Longest hold, whatever the client asks, ms (Java clients ask 15 s or 20 s). */
  maxPullHoldMillis: number;
  /** Pulls parked at once for one connection. */
  maxHeldPullsPerConnection: number;
  /** Pulls parked at once in all. */
  maxHeldPulls: number;
  /** Header bytes (ext fields and remark) kept by all parked pulls (one header may be 1 MiB). */
  maxHeldPullBytes: number;
}

export const DEFAULT_PULL_HOLD_LIMITS: PullHoldLimits = Object.freeze({
  maxPullHoldMillis: 60_000,
  maxHeldPullsPerConnection: 4_096,
  /** Java's pull request queue capacity (pullThreadPoolQueueCapacity). */
  maxHeldPulls: 100_000,
  maxHeldPullBytes: 128 * 1024 * 1024,
});

/** When a write is acknowledged: after the page cache write (ASYNC_FLUSH) or after fsync (SYNC_FLUSH), as Java's flushDiskType. */
export type FlushDiskType = 'ASYNC_FLUSH' | 'SYNC_FLUSH';

/** Every broker option, defaults filled in (transaction/transaction-options.ts, timer/timer-config.ts). */
export interface ResolvedBrokerOptions
  extends PullHoldLimits, ClientTableLimits, TransactionOptions, TimerOptions, RetentionOptions {
  /** Name servers to register with ("ip:port"); empty = a standalone broker nobody can route to. */
  namesrvAddrs: string[];
  /** Address to listen on; also the advertised address unless `brokerIP` is set. */
  host: string;
  /** Listen port; 0 picks a free one. */
  port: number;
  /** Address written into message ids, registrations and store hosts (Java brokerIP1). */
  brokerIP: string | undefined;
  brokerName: string;
  clusterName: string;
  /** 0 = master. */
  brokerId: number;
  storePath: string;
  flushDiskType: FlushDiskType;
  autoCreateTopicEnable: boolean;
  autoCreateSubscriptionGroup: boolean;
  /** Queue count of TBW102; auto-created topics get min(producer's request (4), this). */
  defaultTopicQueueNums: number;
  registerIntervalMillis: number;
  /** Delay of the first periodic registration after the one done at start. */
  registerTimeoutMillis: number;
  maxMessageSize: number;
  /**
   * Percent of the store's file system in use above which writes are refused as disk full (Java
   * diskSpaceWarningLevelRatio, 90), and at or below which they resume (diskSpaceCleanForciblyRatio, 85).
   */
  diskSpaceWarningLevelRatio: number;
  diskSpaceCleanForciblyRatio: number;
  /**
   * Percent of the machine's memory a message may lie behind the log's end and still count as "in
   * memory" (Java accessMessageInMemoryMaxRatio, 40): further back, pulls take smaller batches and a
   * new group's offset query is answered QUERY_NOT_FOUND instead of 0 (its consumeFromWhere applies).
   */
  accessMessageInMemoryMaxRatio: number;
  commitLogSegmentSize: number | undefined;
  syncFlushTimeoutMillis: number;
  /** Index messages by KEYS and UNIQ_KEY for QUERY_MESSAGE (Java messageIndexEnable, true). */
  messageIndexEnable: boolean;
  /**
   * Most entries of the in-memory message index (one per key of a message), oldest dropped first;
   * ~34 bytes each at the bound (MessageStoreConfig.messageIndexMaxEntries). Not a Java option.
   */
  messageIndexMaxEntries: number;
  /** PermName bits of the whole broker (6 = read + write). */
  brokerPermission: number;
  regionId: string;
  traceOn: boolean;
  /** Store replies (SEND_REPLY_MESSAGE) in `<cluster>_REPLY_TOPIC` besides pushing them (Java true). */
  storeReplyMessageEnable: boolean;
  /**
   * SEND_REPLY_MESSAGE(_V2) run on their own pool (each may wait 10 s on its push): this many at once
   * (Java processReplyMessageThreadPoolNums, 16 + 2 x cores), this many more queued (Java
   * replyThreadPoolQueueCapacity, 10000); beyond, SYSTEM_BUSY "[OVERLOAD]...".
   */
  processReplyMessageThreadPoolNums: number;
  replyThreadPoolQueueCapacity: number;
  clusterTopicEnable: boolean;
  brokerTopicEnable: boolean;
  /** Create the message-trace topic `msgTraceTopicName` (1 queue) at start (Java; default false). */
  traceTopicEnable: boolean;
  msgTraceTopicName: string;
  /** A client channel not refreshed by a heartbeat for this long is dropped (Java 120 s). */
  channelExpiredTimeoutMillis: number;
  /** Period of the client-channel expiry scan (Java 10 s). */
  clientScanIntervalMillis: number;
  longPollingEnable: boolean;
  /**
   * Java enablePropertyFilter (default false): serve SQL92 subscriptions (filter pulls by message
   * properties). Off, a SQL92 subscription is refused with Java's "The broker does not support
   * consumer to filter message by SQL92". `rmq dev` turns it on.
   */
  enablePropertyFilter: boolean;
  /** Hold time of a suspended pull when long polling is off (Java shortPollingTimeMills). */
  shortPollingTimeMillis: number;
  /** Order locks expire after this (Java rocketmq.broker.rebalance.lockMaxLiveTime). */
  rebalanceLockMaxLiveTimeMillis: number;
  /** Send NOTIFY_CONSUMER_IDS_CHANGED when a group's members change (Java BrokerConfig, true). */
  notifyConsumerIdsChangedEnable: boolean;
  /** Period of consumer-offset / delay-offset persistence (Java flushConsumerOffsetInterval). */
  flushConsumerOffsetIntervalMillis: number;
  /** Delay levels, e.g. "1s 5s 10s 30s 1m ..." (Java messageDelayLevel). */
  messageDelayLevel: string;
  /**
   * Most client connections open at once (0 = none of the broker's own; the process's bound, 3/4 of
   * its open-file limit, still applies): see RemotingServerOptions.maxConnections. Not a Java option.
   */
  maxConnections: number;
  /** TLS of the broker's port: mode (disabled / permissive / enforcing), certificate, client auth. */
  tls: ServerTlsConfig | undefined;
  /** TLS of the broker's connections to the name servers (Java: tls.enable on the broker). */
  namesrvTls: ClientTlsOption | undefined;
  logger: Logger;
  /** Store test hooks (e.g. a slow fdatasync); not a Java option. */
  storeHooks: StoreHooks | undefined;
  /** Access control (Java aclEnable): plain_acl.yml, or a directory of them; undefined = off. */
  aclFile: string | undefined;
  /** How often the ACL file is checked for changes, ms. */
  aclReloadIntervalMillis: number;
  /** Sign registrations to name servers that enforce access control (an admin account there). */
  namesrvCredentials: AclCredentials | undefined;
}

export const DEFAULT_MESSAGE_DELAY_LEVEL = '1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h';

export const DEFAULT_BROKER_OPTIONS: Omit<ResolvedBrokerOptions, 'namesrvAddrs' | 'logger'> = {
  host: '127.0.0.1',
  port: 10911,
  brokerIP: undefined,
  brokerName: 'broker-a',
  clusterName: DEFAULT_CLUSTER_NAME,
  brokerId: 0,
  storePath: path.join(os.homedir(), 'store'),
  flushDiskType: 'ASYNC_FLUSH',
  autoCreateTopicEnable: true,
  autoCreateSubscriptionGroup: true,
  defaultTopicQueueNums: 8,
  registerIntervalMillis: 30_000,
  registerTimeoutMillis: 6_000,
  maxMessageSize: DEFAULT_MAX_MESSAGE_SIZE,
  diskSpaceWarningLevelRatio: 90,
  diskSpaceCleanForciblyRatio: 85,
  accessMessageInMemoryMaxRatio: 40,
  commitLogSegmentSize: undefined,
  syncFlushTimeoutMillis: 5_000,
  messageIndexEnable: DEFAULT_STORE_CONFIG.messageIndexEnable,
  messageIndexMaxEntries: DEFAULT_STORE_CONFIG.messageIndexMaxEntries,
  brokerPermission: Perm.READ | Perm.WRITE,
  regionId: DEFAULT_REGION_ID,
  traceOn: true,
  storeReplyMessageEnable: true,
  processReplyMessageThreadPoolNums: 16 + os.availableParallelism() * 2,
  replyThreadPoolQueueCapacity: 10_000,
  clusterTopicEnable: true,
  brokerTopicEnable: true,
  traceTopicEnable: false,
  msgTraceTopicName: 'RMQ_SYS_TRACE_TOPIC',
  channelExpiredTimeoutMillis: 120_000,
  clientScanIntervalMillis: 10_000,
  longPollingEnable: true,
  enablePropertyFilter: false,
  shortPollingTimeMillis: 1_000,
  ...DEFAULT_PULL_HOLD_LIMITS,
  ...DEFAULT_CLIENT_TABLE_LIMITS,
  ...DEFAULT_TIMER_OPTIONS,
  ...DEFAULT_RETENTION_OPTIONS,
  rebalanceLockMaxLiveTimeMillis: 60_000,
  notifyConsumerIdsChangedEnable: true,
  flushConsumerOffsetIntervalMillis: 5_000,
  messageDelayLevel: DEFAULT_MESSAGE_DELAY_LEVEL,
  ...DEFAULT_TRANSACTION_OPTIONS,
  storeHooks: undefined,
  maxConnections: 0,
  tls: undefined,
  namesrvTls: undefined,
  aclFile: undefined,
  aclReloadIntervalMillis: 1_000,
  namesrvCredentials: undefined,
};

/** What `new Broker(...)` takes: any subset of the options; the rest default. */
export type BrokerOptions = Partial<ResolvedBrokerOptions>;

/** The defaults name every broker option but these two: a new option is a new default. */
const BROKER_OPTION_KEYS: OptionKeys<BrokerOptions> = {
  ...keysOf(DEFAULT_BROKER_OPTIONS),
  namesrvAddrs: true,
  logger: true,
};

function check(ok: boolean, message: string): void {
  if (!ok) throw new IllegalArgumentError(`invalid broker option: ${message}`);
}

/** Fills defaults and validates; throws IllegalArgumentError naming the bad option. */
export function resolveBrokerOptions(input: BrokerOptions = {}): ResolvedBrokerOptions {
  rejectUnknownOptions(input, BROKER_OPTION_KEYS, 'broker options');
  const defined = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  const o: ResolvedBrokerOptions = {
    ...DEFAULT_BROKER_OPTIONS,
    namesrvAddrs: [],
    logger: silentLogger,
    ...(defined as BrokerOptions),
  };
  check(Array.isArray(o.namesrvAddrs), 'namesrvAddrs must be an array of "ip:port"');
  check(Number.isInteger(o.port) && o.port >= 0 && o.port <= 65535, `port ${o.port} is outside 0..65535`);
  check(
    /^[%|a-zA-Z0-9_-]+$/.test(o.brokerName),
    `brokerName "${o.brokerName}" must match ^[%|a-zA-Z0-9_-]+$`,
  );
  check(
    /^[%|a-zA-Z0-9_-]+$/.test(o.clusterName),
    `clusterName "${o.clusterName}" must match ^[%|a-zA-Z0-9_-]+$`,
  );
  check(Number.isInteger(o.brokerId) && o.brokerId >= 0, 'brokerId must be a non-negative integer');
  check(
    o.flushDiskType === 'ASYNC_FLUSH' || o.flushDiskType === 'SYNC_FLUSH',
    'flushDiskType must be ASYNC_FLUSH or SYNC_FLUSH',
  );
  check(
    Number.isInteger(o.defaultTopicQueueNums) && o.defaultTopicQueueNums > 0,
    'defaultTopicQueueNums must be > 0',
  );
  check(o.registerIntervalMillis > 0, 'registerIntervalMillis must be > 0');
  check(o.maxMessageSize > 0, 'maxMessageSize must be > 0');
  check(
    o.diskSpaceCleanForciblyRatio > 0 &&
      o.diskSpaceCleanForciblyRatio <= o.diskSpaceWarningLevelRatio &&
      o.diskSpaceWarningLevelRatio <= 100,
    'disk ratios must satisfy 0 < diskSpaceCleanForciblyRatio <= diskSpaceWarningLevelRatio <= 100 (percent)',
  );
  check(
    Number.isInteger(o.accessMessageInMemoryMaxRatio) &&
      o.accessMessageInMemoryMaxRatio >= 0 &&
      o.accessMessageInMemoryMaxRatio <= 100,
    'accessMessageInMemoryMaxRatio must be an integer from 0 to 100 (percent)',
  );
  for (const name of ['processReplyMessageThreadPoolNums', 'replyThreadPoolQueueCapacity'] as const) {
    check(Number.isInteger(o[name]) && o[name] >= 1, `${name} must be an integer >= 1`);
  }
  check(
    Number.isInteger(o.rebalanceLockMaxLiveTimeMillis) && o.rebalanceLockMaxLiveTimeMillis > 0,
    'rebalanceLockMaxLiveTimeMillis must be a whole number of milliseconds > 0',
  );
  check(
    typeof o.notifyConsumerIdsChangedEnable === 'boolean',
    'notifyConsumerIdsChangedEnable must be true or false',
  );
  check(typeof o.storePath === 'string' && o.storePath.length > 0, 'storePath must be a directory path');
  check(typeof o.messageIndexEnable === 'boolean', 'messageIndexEnable must be true or false');
  check(
    Number.isInteger(o.messageIndexMaxEntries) &&
      o.messageIndexMaxEntries >= 1 &&
      o.messageIndexMaxEntries <= MAX_INDEX_ENTRIES,
    'messageIndexMaxEntries must be a whole number from 1 to 268435456 (2^28)',
  );
  check(
    Number.isInteger(o.maxConnections) && o.maxConnections >= 0,
    'maxConnections must be a whole number >= 0 (0 = no bound of its own)',
  );
  const limitsProblem = clientTableLimitsProblem(o);
  check(limitsProblem === undefined, limitsProblem ?? '');
  const txProblem = transactionOptionsProblem(o);
  check(txProblem === undefined, txProblem ?? '');
  checkTimerOptions(o);
  checkRetentionOptions(o);
  checkRetentionKeepsScheduled(o);
  return o;
}

/**
 * A timer or delayed message waits in the commit log until it is due: with retention on, the log
 * must be kept longer than the longest delay, or the message is deleted before it is delivered (Java
 * 5.x rolls long timers forward instead; we refuse the combination).
 */
function checkRetentionKeepsScheduled(o: ResolvedBrokerOptions): void {
  if (!o.cleanFileEnable) return;
  const kept = o.fileReservedTime * 3_600_000;
  const longestLevel = Math.max(0, ...parseDelayLevels(o.messageDelayLevel));
  const longestTimer = o.timerMaxDelaySec * 1000;
  const [what, ms] =
    longestTimer >= longestLevel
      ? [`timerMaxDelaySec (${o.timerMaxDelaySec} s)`, longestTimer]
      : [`the longest messageDelayLevel (${longestLevel / 1000} s)`, longestLevel];
  if (ms > kept) {
    throw new IllegalArgumentError(
      `invalid broker option: fileReservedTime (${o.fileReservedTime} h) keeps the commit log less long than ${what}: ` +
        'delayed and timer messages would be deleted before they are due; raise fileReservedTime or lower the delay',
    );
  }
}

/** Delay level n (1-based) → milliseconds, from a "1s 5s 1m 2h 1d" list. */
export function parseDelayLevels(spec: string): number[] {
  const unit: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  return spec
    .trim()
    .split(/\s+/)
    .map((item) => {
      const m = /^(\d+)([smhd])$/.exec(item);
      if (!m) throw new IllegalArgumentError(`invalid delay level "${item}" (use e.g. 5s, 1m, 2h)`);
      return Number(m[1]) * (unit[m[2] as string] as number);
    });
}
