/**
 * Consumer-group side tables of a broker: subscription-group configs (Java SubscriptionGroupManager,
 * auto-created with defaults, at most `maxGroups` of them) and committed consumer offsets (Java
 * ConsumerOffsetManager). The order locks are in rebalance-locks.ts.
 */
import { RequestRefusedError } from '../../../common/errors.js';
import type { DataVersion } from '../../../protocol/body/topic-config.js';
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

/**
 * Groups Java's broker holds from its start (SubscriptionGroupManager.init; the last one since 5.x):
 * mqadmin's printMsg / queryMsgByOffset pull as TOOLS_CONSUMER, also where groups are not auto-created.
 * They do not count against maxSubscriptionGroups.
 */
export const BUILTIN_GROUPS: readonly string[] = [
  'TOOLS_CONSUMER',
  'FILTERSRV_CONSUMER',
  'SELF_TEST_C_GROUP',
  'CID_ONS-HTTP-PROXY',
  'CID_ONSAPI_PULL',
  'CID_ONSAPI_PERMISSION',
  'CID_ONSAPI_OWNER',
  'CID_SYS_RMQ_TRANS',
];

/** Java MixAll.CID_RMQ_SYS_PREFIX: groups auto-created even when auto-creation is off. */
const SYSTEM_GROUP_PREFIX = 'CID_RMQ_SYS_';

/** A change of the table, for its persistence: a config stored (new or replaced) or a group deleted. */
export type GroupChange = { put: SubscriptionGroupConfig } | { deleted: string };

export interface SubscriptionGroupManagerOptions {
  /** Start with Java's built-in groups (BUILTIN_GROUPS). */
  builtins?: boolean;
  /** Told of every change after it is made (the broker records it in subscriptionGroup.json). */
  onChange?: (change: GroupChange, version: DataVersion) => void;
}

export class SubscriptionGroupManager {
  readonly table = new Map<string, SubscriptionGroupConfig>();
  /** Java's dataVersion of the table: bumped by every change, saved with it. */
  private version: DataVersion = { counter: 0, timestamp: Date.now() };
  private readonly onChange: ((change: GroupChange, version: DataVersion) => void) | undefined;

  /**
   * `maxGroups` (option maxSubscriptionGroups) bounds the table: Java keeps every group it is sent,
   * and each auto-created one also gets a %RETRY% topic; we refuse the group that would pass the cap.
   */
  constructor(
    private readonly autoCreate: boolean,
    private readonly maxGroups = Infinity,
    options: SubscriptionGroupManagerOptions = {},
  ) {
    this.onChange = options.onChange;
    if (options.builtins) {
      for (const name of BUILTIN_GROUPS) this.table.set(name, newSubscriptionGroupConfig(name));
    }
  }

  get dataVersion(): DataVersion {
    return { ...this.version };
  }

  /**
   * Restores what subscriptionGroup.json held at start: the configs (checked by the caller; not
   * counted as changes, not capped) and the file's dataVersion.
   */
  restore(configs: Iterable<SubscriptionGroupConfig>, version: DataVersion | undefined): void {
    for (const config of configs) this.table.set(config.groupName, config);
    if (version !== undefined) this.version = { ...version };
  }

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
    if (this.table.has(group) || !isValidGroupName(group)) return undefined;
    // Java MixAll.isSysConsumerGroup: created whatever autoCreateSubscriptionGroup says.
    if (!this.autoCreate && !group.startsWith(SYSTEM_GROUP_PREFIX)) return undefined;
    return newSubscriptionGroupConfig(group);
  }

  /** Groups counted against `maxGroups`: all but the built-in ones. */
  get size(): number {
    let builtins = 0;
    for (const name of BUILTIN_GROUPS) if (this.table.has(name)) builtins++;
    return this.table.size - builtins;
  }

  /** How many more groups fit under `maxGroups`. */
  get room(): number {
    return Math.max(0, this.maxGroups - this.size);
  }

  /** Refuses `added` new groups that would take the table past `maxGroups`. */
  checkRoom(added: number, example: string | undefined): void {
    if (added === 0 || this.size + added <= this.maxGroups) return;
    throw new RequestRefusedError(
      ResponseCode.SYSTEM_ERROR,
      `the broker keeps ${this.size} subscription groups and may keep at most ${this.maxGroups} ` +
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
    if (!this.table.has(config.groupName) && !BUILTIN_GROUPS.includes(config.groupName)) {
      this.checkRoom(1, config.groupName);
    }
    this.table.set(config.groupName, config);
    this.changed({ put: config });
  }

  /** Deletes a group's config; false when there was none. */
  delete(group: string): boolean {
    if (!this.table.delete(group)) return false;
    this.changed({ deleted: group });
    return true;
  }

  private changed(change: GroupChange): void {
    this.version = { counter: this.version.counter + 1, timestamp: Date.now() };
    this.onChange?.(change, this.dataVersion);
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
  deleteOffsetsOfGroup?(group: string): void;
  queryOffsets?(group: string, topic: string): Map<number, bigint>;
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

  /**
   * Java cloneOffset (CLONE_GROUP_OFFSET): `dest` gets `src`'s committed offsets on `topic`, queue by
   * queue (its other queues keep theirs); nothing when `src` has none there.
   */
  cloneOffsets(src: string, dest: string, topic: string): void {
    checkGroupParam(dest, 'destGroup');
    checkTopicParam(topic);
    for (const [queueId, offset] of this.backend.queryOffsets?.(src, topic) ?? []) {
      this.commit(dest, topic, queueId, offset);
    }
  }

  /** DELETE_SUBSCRIPTIONGROUP with cleanOffset (5.x removeOffset): a recreated group starts afresh. */
  deleteGroup(group: string): void {
    this.backend.deleteOffsetsOfGroup?.(group);
    // Keys are topic \u0001 group \u0001 queueId, and no name holds \u0001: one substring test per key.
    const middle = `\u0001${group}\u0001`;
    for (const key of this.pulled.keys()) if (key.includes(middle)) this.pulled.delete(key);
  }

  /** The committed offset, or -1 when the group never committed one for this queue. */
  query(group: string, topic: string, queueId: number): bigint {
    return this.backend.queryOffset(group, topic, queueId);
  }
}
