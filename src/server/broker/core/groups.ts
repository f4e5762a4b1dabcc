/**
 * Consumer-group side tables of a broker: subscription-group configs (Java SubscriptionGroupManager,
 * auto-created with defaults), committed consumer offsets (Java ConsumerOffsetManager) and the order
 * locks of orderly consumers (Java RebalanceLockManager).
 */
import {
  checkCommitOffset,
  checkGroupParam,
  checkQueueId,
  checkTopicParam,
  isValidGroupName,
} from './request-checks.js';

export interface SubscriptionGroupConfig {
  groupName: string;
  consumeEnable: boolean;
  consumeFromMinEnable: boolean;
  consumeBroadcastEnable: boolean;
  retryQueueNums: number;
  retryMaxTimes: number;
  brokerId: number;
  whichBrokerWhenConsumeSlowly: number;
  notifyConsumerIdsChangedEnable: boolean;
}

export function newSubscriptionGroupConfig(groupName: string): SubscriptionGroupConfig {
  return {
    groupName,
    consumeEnable: true,
    consumeFromMinEnable: true,
    consumeBroadcastEnable: true,
    retryQueueNums: 1,
    retryMaxTimes: 16,
    brokerId: 0,
    whichBrokerWhenConsumeSlowly: 1,
    notifyConsumerIdsChangedEnable: true,
  };
}

export class SubscriptionGroupManager {
  readonly table = new Map<string, SubscriptionGroupConfig>();

  constructor(private readonly autoCreate: boolean) {}

  /**
   * Java 5.x findSubscriptionGroupConfig without its side effect: the stored config, else (auto-create
   * on, legal name of at most 255 characters) a new default one that is not stored yet, else undefined.
   * A request stores it with `keep` once it has passed every check, so a refused one leaves no group.
   */
  lookup(group: string): SubscriptionGroupConfig | undefined {
    const config = this.table.get(group);
    if (config !== undefined) return config;
    if (!this.autoCreate || !isValidGroupName(group)) return undefined;
    return newSubscriptionGroupConfig(group);
  }

  /** Stores a config `lookup` made (no-op for one already stored); returns the stored one. */
  keep(config: SubscriptionGroupConfig): SubscriptionGroupConfig {
    const stored = this.table.get(config.groupName);
    if (stored !== undefined) return stored;
    this.put(config);
    return config;
  }

  /** Adds or replaces a config; the last guard before a name is stored. */
  put(config: SubscriptionGroupConfig): void {
    checkGroupParam(config.groupName, 'groupName');
    this.table.set(config.groupName, config);
  }

  /** lookup + keep: the group's config, auto-created when allowed. */
  find(group: string): SubscriptionGroupConfig | undefined {
    const config = this.lookup(group);
    return config && this.keep(config);
  }
}

/** Where committed offsets live (the store's ConfigStore: consumerOffset.json). */
export interface OffsetBackend {
  commitOffset(group: string, topic: string, queueId: number, offset: bigint): void;
  queryOffset(group: string, topic: string, queueId: number): bigint;
  topicsOfGroup?(group: string): string[];
  groupsOfTopic?(topic: string): string[];
  deleteOffsetsOfTopic?(topic: string): void;
}

/** Committed consumer offsets (Java ConsumerOffsetManager), kept by the store's config files. */
export class ConsumerOffsetManager {
  constructor(private readonly backend: OffsetBackend) {}

  /** The handlers check first; this guard keeps a bad name or number out of consumerOffset.json anyway. */
  commit(group: string, topic: string, queueId: number, offset: bigint): void {
    checkGroupParam(group, 'consumerGroup');
    checkTopicParam(topic);
    checkQueueId(queueId);
    checkCommitOffset(offset);
    this.backend.commitOffset(group, topic, queueId, offset);
  }

  /** Topics the group committed offsets on. */
  topicsOfGroup(group: string): string[] {
    return this.backend.topicsOfGroup?.(group) ?? [];
  }

  /** Groups that committed offsets on the topic. */
  groupsOfTopic(topic: string): string[] {
    return this.backend.groupsOfTopic?.(topic) ?? [];
  }

  /** DELETE_TOPIC_IN_BROKER (5.x cleanOffsetByTopic): a recreated topic must not inherit old offsets. */
  deleteTopic(topic: string): void {
    this.backend.deleteOffsetsOfTopic?.(topic);
  }

  /** The committed offset, or -1 when the group never committed one for this queue. */
  query(group: string, topic: string, queueId: number): bigint {
    return this.backend.queryOffset(group, topic, queueId);
  }
}

export interface MessageQueueRef {
  topic: string;
  brokerName: string;
  queueId: number;
}

interface LockEntry {
  clientId: string;
  lastUpdate: number;
}

function mqKey(mq: MessageQueueRef): string {
  return `${mq.topic}\u0000${mq.brokerName}\u0000${mq.queueId}`;
}

/** Order locks: a queue belongs to one client of a group until it unlocks or the lock ages out. */
export class RebalanceLockManager {
  private readonly groups = new Map<string, Map<string, LockEntry>>();

  constructor(
    private readonly maxLiveMillis: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Locks (or renews) every queue free, expired or already held by `clientId`; returns those it holds. */
  tryLockBatch(group: string, mqs: MessageQueueRef[], clientId: string): MessageQueueRef[] {
    let locks = this.groups.get(group);
    if (!locks) {
      locks = new Map();
      this.groups.set(group, locks);
    }
    const now = this.now();
    const ok: MessageQueueRef[] = [];
    for (const mq of mqs) {
      const key = mqKey(mq);
      const entry = locks.get(key);
      if (!entry || entry.clientId === clientId || now - entry.lastUpdate > this.maxLiveMillis) {
        locks.set(key, { clientId, lastUpdate: now });
        ok.push(mq);
      }
    }
    return ok;
  }

  unlockBatch(group: string, mqs: MessageQueueRef[], clientId: string): void {
    const locks = this.groups.get(group);
    if (!locks) return;
    for (const mq of mqs) {
      const key = mqKey(mq);
      if (locks.get(key)?.clientId === clientId) locks.delete(key);
    }
  }
}
