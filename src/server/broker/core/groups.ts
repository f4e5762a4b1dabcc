/**
 * Consumer-group side tables of a broker: subscription-group configs (Java SubscriptionGroupManager,
 * auto-created with defaults, at most `maxGroups` of them) and committed consumer offsets (Java
 * ConsumerOffsetManager). The order locks are in rebalance-locks.ts.
 */
import { RequestRefusedError } from '../../../common/errors.js';
import { ResponseCode } from '../../../protocol/codes/response-code.js';
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

  /**
   * `maxGroups` (option maxSubscriptionGroups) bounds the table: Java keeps every group it is sent,
   * and each auto-created one also gets a %RETRY% topic; we refuse the group that would pass the cap.
   */
  constructor(
    private readonly autoCreate: boolean,
    private readonly maxGroups = Infinity,
  ) {}

  /**
   * Java 5.x findSubscriptionGroupConfig without its side effect: the stored config, else (auto-create
   * on, legal name of at most 255 characters) a new default one that is not stored yet, else undefined.
   * A request stores it with `keep` once it has passed every check, so a refused one leaves no group.
   * Throws SYSTEM_ERROR when a new group would not fit under `maxGroups`.
   */
  lookup(group: string): SubscriptionGroupConfig | undefined {
    return this.lookupAll([group])[0];
  }

  /** `lookup` of several groups at once: refused whole when the new ones together do not fit. */
  lookupAll(groups: readonly string[]): (SubscriptionGroupConfig | undefined)[] {
    const made = new Map<string, SubscriptionGroupConfig>();
    const configs = groups.map((group) => {
      const config = this.table.get(group) ?? made.get(group);
      if (config !== undefined) return config;
      const fresh = this.draft(group);
      if (fresh !== undefined) made.set(group, fresh);
      return fresh;
    });
    this.checkRoom(
      made.size,
      groups.find((g) => made.has(g)),
    );
    return configs;
  }

  /**
   * A new default config for a group that is not stored (auto-create on, legal name), else undefined;
   * not stored and not checked against `maxGroups` (see `room`).
   */
  draft(group: string): SubscriptionGroupConfig | undefined {
    if (this.table.has(group) || !this.autoCreate || !isValidGroupName(group)) return undefined;
    return newSubscriptionGroupConfig(group);
  }

  /** How many more groups fit under `maxGroups`. */
  get room(): number {
    return Math.max(0, this.maxGroups - this.table.size);
  }

  /** Refuses `added` new groups that would take the table past `maxGroups`. */
  checkRoom(added: number, example: string | undefined): void {
    if (added === 0 || this.table.size + added <= this.maxGroups) return;
    throw new RequestRefusedError(
      ResponseCode.SYSTEM_ERROR,
      `the broker keeps ${this.table.size} subscription groups and may keep at most ${this.maxGroups} ` +
        `(maxSubscriptionGroups): group ${String(example).slice(0, 255)} is not created; ` +
        'delete unused groups or raise the limit',
    );
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
    if (!this.table.has(config.groupName)) this.checkRoom(1, config.groupName);
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
/** Queues whose last pull position is kept (GET_CONSUME_STATS pullOffset); the oldest go first. */
const PULL_OFFSETS_KEPT = 100_000;

export class ConsumerOffsetManager {
  /** 5.x pullOffsetTable, in memory only: where each group's last pull of a queue ended. */
  private readonly pulled = new Map<string, bigint>();

  constructor(private readonly backend: OffsetBackend) {}

  /** 5.x commitPullOffset: every pull answer's next begin offset (what the consumer has in hand). */
  commitPullOffset(group: string, topic: string, queueId: number, offset: bigint): void {
    const key = `${topic}\u0001${group}\u0001${queueId}`;
    if (this.pulled.size >= PULL_OFFSETS_KEPT && !this.pulled.has(key)) {
      this.pulled.delete(this.pulled.keys().next().value as string);
    }
    this.pulled.set(key, offset);
  }

  /** 5.x queryPullOffset: the last pull's next begin offset, else the committed offset. */
  queryPullOffset(group: string, topic: string, queueId: number): bigint {
    return this.pulled.get(`${topic}\u0001${group}\u0001${queueId}`) ?? this.query(group, topic, queueId);
  }

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
    for (const key of this.pulled.keys()) if (key.startsWith(`${topic}\u0001`)) this.pulled.delete(key);
  }

  /** The committed offset, or -1 when the group never committed one for this queue. */
  query(group: string, topic: string, queueId: number): bigint {
    return this.backend.queryOffset(group, topic, queueId);
  }
}
