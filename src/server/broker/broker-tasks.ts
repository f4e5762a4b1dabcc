/**
 * Broker housekeeping outside request handling: the message store, config store and name-server
 * registrar from the options, recording topic changes in the config store,
 * the periodic timers (name-server registration, idle client scan, delay-offset save), telling
 * consumers their group changed, and the address to advertise.
 */
import os from 'node:os';
import type { Logger } from '../../common/logger.js';
import { RequestCode } from '../../protocol/codes/request-code.js';
import { createRequest } from '../../protocol/command/remoting-command.js';
import { NotifyConsumerIdsChangedRequestHeader } from '../../protocol/headers/client.js';
import type { RemotingChannel } from '../../transport/index.js';
import { ConfigStore, MessageStore } from '../store/index.js';
import type { SocketAddress } from '../../protocol/message/record.js';
import type { RemotingClient } from '../../transport/index.js';
import { BrokerRegistrar } from './core/registration.js';
import { retentionOptionsOf } from './core/retention-options.js';
import type { ResolvedBrokerOptions } from './core/broker-config.js';
import type { ClientManager } from './core/client-manager.js';
import type { ConsumerFilterTable } from './core/consumer-filters.js';
import type { RebalanceLockManager } from './core/rebalance-locks.js';
import type { ScheduleService } from './schedule/schedule-service.js';
import { TopicConfigManager } from './core/topic-config-manager.js';
import type { TopicChange } from './core/topic-config-manager.js';
import type { DataVersion } from '../../protocol/body/topic-config.js';
import {
  checkSubscriptionGroup,
  subscriptionGroupFromJson,
  subscriptionGroupText,
} from './core/group-json.js';
import type { GroupChange, SubscriptionGroupConfig, SubscriptionGroupManager } from './core/groups.js';

/** The broker's topic table from its options; `persist` saves a change, `onChanged` re-registers. */
export function topicManagerFor(
  o: ResolvedBrokerOptions,
  persist: (change: TopicChange) => void,
  onChanged: () => void,
): TopicConfigManager {
  return new TopicConfigManager({
    brokerName: o.brokerName,
    clusterName: o.clusterName,
    autoCreateTopicEnable: o.autoCreateTopicEnable,
    defaultTopicQueueNums: o.defaultTopicQueueNums,
    clusterTopicEnable: o.clusterTopicEnable,
    brokerTopicEnable: o.brokerTopicEnable,
    traceTopic: o.traceTopicEnable ? o.msgTraceTopicName : undefined,
    persist,
    onChanged,
  });
}

/** The broker's message store, configured from its options (not opened yet: start() loads it). */
export function messageStoreFor(o: ResolvedBrokerOptions): MessageStore {
  return new MessageStore(
    {
      storePathRootDir: o.storePath,
      flushDiskType: o.flushDiskType,
      maxMessageSize: o.maxMessageSize,
      syncFlushTimeout: o.syncFlushTimeoutMillis,
      diskSpaceWarningLevelRatio: o.diskSpaceWarningLevelRatio,
      diskSpaceCleanForciblyRatio: o.diskSpaceCleanForciblyRatio,
      accessMessageInMemoryMaxRatio: o.accessMessageInMemoryMaxRatio,
      ...retentionOptionsOf(o),
      messageIndexEnable: o.messageIndexEnable,
      messageIndexMaxEntries: o.messageIndexMaxEntries,
      ...(o.commitLogSegmentSize !== undefined && { commitLogSegmentSize: o.commitLogSegmentSize }),
    },
    { logger: o.logger, ...o.storeHooks },
  );
}

/** The broker's topics.json / consumerOffset.json store; save failures and dropped offsets are logged. */
export function configStoreFor(o: ResolvedBrokerOptions): ConfigStore {
  return new ConfigStore(o.storePath, {
    persistIntervalMs: o.flushConsumerOffsetIntervalMillis,
    onPersistError: (err) =>
      o.logger.error({ err: err.message }, 'could not save topics / offsets / subscription groups'),
    onDroppedOffsets: (dropped) =>
      o.logger.warn(
        { count: dropped.length, first: dropped.slice(0, 5) },
        'consumerOffset.json holds entries that are not offsets (0 to 2^63-1); those queues read as never committed',
      ),
  });
}

/** Registration with the name servers, under the address the broker listens on (known once started). */
export function registrarFor(
  o: ResolvedBrokerOptions,
  client: RemotingClient,
  topics: TopicConfigManager,
  listening: { storeHost: () => SocketAddress; address: () => string },
): BrokerRegistrar {
  const identity = () => {
    const host = listening.storeHost();
    return {
      brokerName: o.brokerName,
      clusterName: o.clusterName,
      brokerId: o.brokerId,
      brokerAddr: listening.address(),
      haServerAddr: `${host.ip}:${host.port + 1}`,
      brokerPermission: o.brokerPermission,
    };
  };
  return new BrokerRegistrar(client, o.namesrvAddrs, identity, topics, o.registerTimeoutMillis, o.logger);
}

/** The address to advertise when listening on every interface: the first external IPv4, else loopback. */
export function advertisedIp(host: string): string {
  if (host !== '0.0.0.0' && host !== '::' && host !== '') return host;
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

/**
 * Records one topic change in the config store and, when `save` is set, asks for a background save of
 * topics.json (coalesced by the store; a failure is reported through its onPersistError and retried).
 * The cost does not depend on the number of topics.
 */
/**
 * Reads the config store and loads the broker's topic table from it. Entries no client or name server
 * accepts (a topics.json written by an older version) are left out, logged once, and forgotten by the
 * config store too, so the next save of topics.json drops them. Built-in topics the file lacks (and
 * TBW102 as load() restored it) are handed to the config store, to be saved with the next change.
 */
export function loadTopicTable(cs: ConfigStore, topics: TopicConfigManager, logger: Logger): void {
  cs.load();
  const table = new Map(cs.allTopicConfigs().map((c) => [c.topicName, c]));
  const dropped = topics.load(
    table.size > 0 ? { dataVersion: cs.dataVersion, topicConfigTable: table } : undefined,
  );
  if (dropped.length > 0) {
    logger.warn(
      { count: dropped.length, first: dropped.slice(0, 5).map((d) => d.problem.slice(0, 200)) },
      'topics.json holds topics no client or name server accepts; they are not served or registered',
    );
    for (const { topic } of dropped) cs.deleteTopicConfig(topic);
  }
  cs.adoptTopicConfigs(topics.table.values());
}

/**
 * Restores the subscription groups subscriptionGroup.json holds. Entries that are not a config the
 * broker would take (a hand-edited file; a name that differs from the one it is filed under) are
 * left out, logged once, and dropped from the file with its next save. The table as restored (with
 * the built-in groups) is what the file holds from then on.
 */
export function loadGroupTable(cs: ConfigStore, groups: SubscriptionGroupManager, logger: Logger): void {
  const { entries, dataVersion } = cs.takeSavedGroups();
  const restored: SubscriptionGroupConfig[] = [];
  const problems: string[] = [];
  for (const [name, value] of entries) {
    try {
      const config = subscriptionGroupFromJson(Buffer.from(JSON.stringify(value) ?? 'null'));
      checkSubscriptionGroup(config);
      if (config.groupName !== name) throw new Error(`filed under ${name}, named ${config.groupName}`);
      restored.push(config);
    } catch (err) {
      problems.push(`${name.slice(0, 255)}: ${(err as Error).message.slice(0, 200)}`);
    }
  }
  if (problems.length > 0) {
    logger.warn(
      { count: problems.length, first: problems.slice(0, 5) },
      'subscriptionGroup.json holds entries that are not subscription groups; they are left out',
    );
  }
  groups.restore(restored, dataVersion);
  const entriesNow: [string, string][] = [...groups.table.values()].map((c) => [
    c.groupName,
    subscriptionGroupText(c),
  ]);
  cs.adoptGroupEntries(entriesNow, groups.dataVersion);
}

/** Records a change of the subscription-group table for the next save of subscriptionGroup.json. */
export function recordGroupChange(cs: ConfigStore, change: GroupChange, version: DataVersion): void {
  if ('put' in change) cs.setGroupEntry(change.put.groupName, subscriptionGroupText(change.put), version);
  else cs.setGroupEntry(change.deleted, undefined, version);
}

export function persistTopicChange(cs: ConfigStore, change: TopicChange, save: boolean): void {
  if ('put' in change) cs.putTopicConfig(change.put);
  else cs.deleteTopicConfig(change.deleted);
  if (save) cs.saveTopicsSoon();
}

/** NOTIFY_CONSUMER_IDS_CHANGED (oneway) to every open channel of the group. */
export function notifyConsumerIdsChanged(group: string, channels: RemotingChannel[], logger: Logger): void {
  for (const channel of channels) {
    if (channel.closed) continue;
    const request = createRequest(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, {
      extFields: NotifyConsumerIdsChangedRequestHeader.encode({ consumerGroup: group }),
    });
    channel.invokeOneway(request, 10).catch((err: unknown) => {
      logger.debug({ group, err: (err as Error).message }, 'notifyConsumerIdsChanged failed');
    });
  }
}

export interface PeriodicTaskOptions {
  registerIntervalMillis: number;
  clientScanIntervalMillis: number;
  flushConsumerOffsetIntervalMillis: number;
  register: () => void;
  clients: ClientManager;
  /** Compiled SQL92 subscriptions: those of groups with no consumer left are dropped on each scan. */
  consumerFilters?: ConsumerFilterTable;
  /** Order locks: the expired ones are dropped on each scan (Java keeps them until overwritten). */
  locks?: RebalanceLockManager;
  schedule: ScheduleService;
  logger: Logger;
}

/** Starts the broker's periodic timers (unref'd); returns them for clearInterval at shutdown. */
export function startPeriodicTasks(o: PeriodicTaskOptions): NodeJS.Timeout[] {
  const timers: NodeJS.Timeout[] = [];
  const every = (millis: number, fn: () => void): void => {
    const t = setInterval(fn, millis);
    t.unref();
    timers.push(t);
  };
  every(o.registerIntervalMillis, o.register);
  every(o.clientScanIntervalMillis, () => {
    const dropped = o.clients.scanNotActive();
    if (dropped > 0) o.logger.info({ dropped }, 'removed client channels without heartbeat');
    o.consumerFilters?.retainGroups((group) => o.clients.consumerGroup(group) !== undefined);
    o.locks?.purgeExpired();
  });
  every(o.flushConsumerOffsetIntervalMillis, () => {
    try {
      o.schedule.persist();
    } catch (err) {
      o.logger.error({ err: (err as Error).message }, 'could not save delay offsets');
    }
  });
  return timers;
}
