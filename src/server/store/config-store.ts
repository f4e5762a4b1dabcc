/**
 * Broker metadata persisted as JSON under `<root>/config/`, in the Java broker's file formats:
 *
 *   topics.json          {"topicConfigTable": {"<topic>": TopicConfig...}, "dataVersion": {...}}
 *   consumerOffset.json  {"offsetTable": {"<topic>@<group>": {"<queueId>": offset}}}
 *   subscriptionGroup.json {"dataVersion": {...}, "subscriptionGroupTable": {"<group>": config...}}
 *                        (each config's JSON text is made by the broker: this store keeps it as is)
 *
 * Files are replaced atomically (temp file + fsync + rename + directory fsync); the previous version
 * is kept as `<file>.bak` and used when the main file is missing or unreadable. Changes are persisted
 * by a periodic timer and on close. topics.json is also saved in the background on request
 * (saveTopicsSoon), so a topic change costs the same whatever the number of topics: each entry is
 * serialized once per change, a save writes them with async I/O (topics-file.ts), one save at a time,
 * at most one per `topicsSaveIntervalMs`. persist() leaves topics.json to a running background save;
 * close() waits for it before its final write. whenTopicsSaved() lets a request wait for the write.
 */
import path from 'node:path';
import { makeTopicConfig } from '../../protocol/body/topic-config.js';
import type { DataVersion, TopicConfig } from '../../protocol/body/topic-config.js';
import {
  readConfigFile,
  readConfigJson,
  writeConfigJson,
  writeConfigJsonInBackground,
} from './config-files.js';
import { consumerOffsetsText, parseConsumerOffsets } from './offsets-file.js';
import type { DroppedOffset } from './offsets-file.js';
import { SaveWaiters } from './save-waiters.js';
import { topicEntry, topicsFileText, writeTopicsFileInBackground } from './topics-file.js';
import { makeDirsSync } from '../../common/make-dirs.js';

const GROUPS_FILE = 'subscriptionGroup.json';

/**
 * A dataVersion read from a file, when it is one: counter and timestamp whole numbers from 0 to 2^53.
 * A hand-edited one (null, a string, 1e400) would otherwise be counted on as NaN or Infinity, and the
 * next save would write a file JSON cannot read (its backup too, one save later).
 */
function savedDataVersion(value: unknown): DataVersion | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const { counter, timestamp } = value as Record<string, unknown>;
  const whole = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;
  return whole(counter) && whole(timestamp) ? { counter, timestamp } : undefined;
}

export interface ConfigStoreOptions {
  /** Period of the background persist; 0 disables it. Default 5000 ms (Java flushConsumerOffsetInterval). */
  persistIntervalMs?: number;
  /** Least time between the starts of two background saves of topics.json. Default 100 ms. */
  topicsSaveIntervalMs?: number;
  /** Told when the background persist fails (disk full...); it is retried at the next period. */
  onPersistError?: (err: Error) => void;
  /** Told of consumerOffset.json entries left out at load (not an offset: out of Java's long range...). */
  onDroppedOffsets?: (dropped: DroppedOffset[]) => void;
}

export class ConfigStore {
  readonly dir: string;
  private topics = new Map<string, TopicConfig>();
  /** Each topic's entry in topics.json, serialized when the topic changes. */
  private topicEntries = new Map<string, string>();
  private savingTopicsFile: Promise<void> | undefined;
  private readonly topicsWaiters = new SaveWaiters();
  private saveTimer: NodeJS.Timeout | undefined;
  private lastSaveStart = -Infinity;
  private saves = 0;
  private closed = false;
  private offsets = new Map<string, Map<number, bigint>>();
  private version: DataVersion = { timestamp: Date.now(), counter: 0 };
  private topicsDirtyFlag = false;
  private offsetsDirty = false;
  /** subscriptionGroup.json as loaded: each group's entry, parsed. */
  private loadedGroups = new Map<string, unknown>();
  private loadedGroupsVersion: DataVersion | undefined;
  /** Each group's entry in subscriptionGroup.json (JSON text), and the table's version. */
  private groupEntries = new Map<string, string>();
  private groupsVersion: DataVersion = { timestamp: Date.now(), counter: 0 };
  private groupsDirty = false;
  /** The background save of subscriptionGroup.json running, and the one queued behind it. */
  private savingGroups: Promise<void> | undefined;
  private nextGroupsSave: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    rootDir: string,
    private readonly options: ConfigStoreOptions = {},
  ) {
    this.dir = path.join(rootDir, 'config');
  }

  /** Reads both files (missing files mean empty tables) and starts the periodic persist. */
  load(): void {
    makeDirsSync(this.dir);
    const topics = readConfigJson(this.dir, 'topics.json') as
      { topicConfigTable?: Record<string, Partial<TopicConfig>>; dataVersion?: DataVersion } | undefined;
    for (const [name, cfg] of Object.entries(topics?.topicConfigTable ?? {})) {
      this.setTopic(makeTopicConfig(name, cfg));
    }
    this.version = savedDataVersion(topics?.dataVersion) ?? this.version;
    const offsets = readConfigFile(this.dir, 'consumerOffset.json', parseConsumerOffsets);
    if (offsets !== undefined) {
      this.offsets = offsets.table;
      if (offsets.dropped.length > 0) {
        // Left out of the table (those queues read as never committed) and of the next save.
        this.options.onDroppedOffsets?.(offsets.dropped);
        this.offsetsDirty = true;
      }
    }
    const groups = readConfigJson(this.dir, GROUPS_FILE) as
      { subscriptionGroupTable?: Record<string, unknown>; dataVersion?: DataVersion } | undefined;
    const table = groups?.subscriptionGroupTable;
    this.loadedGroups = new Map(table !== null && typeof table === 'object' ? Object.entries(table) : []);
    this.loadedGroupsVersion = savedDataVersion(groups?.dataVersion);
    const interval = this.options.persistIntervalMs ?? 5000;
    if (interval > 0) {
      this.timer = setInterval(() => {
        try {
          this.persistOffsets();
          this.persistGroups();
        } catch (err) {
          // A throw from a timer would take the whole process down; the change stays dirty instead.
          this.reportError(err);
        }
        this.saveTopicsSoon();
      }, interval);
      this.timer.unref();
    }
  }

  getTopicConfig(topic: string): TopicConfig | undefined {
    const c = this.topics.get(topic);
    return c === undefined ? undefined : { ...c };
  }

  allTopicConfigs(): TopicConfig[] {
    return [...this.topics.values()].map((c) => ({ ...c }));
  }

  putTopicConfig(config: TopicConfig): void {
    this.setTopic({ ...config });
    this.bumpVersion();
    this.topicsWaiters.changed(config.topicName, this.version.counter);
  }

  /**
   * Takes configs as if read from the file, without counting a change (the broker's built-in topics
   * the file lacks): they are written with the next save.
   */
  adoptTopicConfigs(configs: Iterable<TopicConfig>): void {
    for (const config of configs) this.setTopic({ ...config });
  }

  deleteTopicConfig(topic: string): boolean {
    const existed = this.topics.delete(topic);
    this.topicEntries.delete(topic);
    if (existed) {
      this.bumpVersion();
      this.topicsWaiters.changed(topic, this.version.counter); // topicSaved waits for the deletion too
    }
    return existed;
  }

  private setTopic(config: TopicConfig): void {
    this.topics.set(config.topicName, config);
    this.topicEntries.set(config.topicName, topicEntry(config));
  }

  /** True while topics.json lacks a change. */
  get topicsDirty(): boolean {
    return this.topicsDirtyFlag;
  }

  /** True while a background save of topics.json is waiting for its turn or running. */
  get savingTopics(): boolean {
    return this.saveTimer !== undefined || this.savingTopicsFile !== undefined;
  }

  /**
   * Undefined when topics.json has the latest change of `topic`; else a promise that settles once it
   * has (starting a save). Java writes topics.json before answering the request that created, updated
   * or deleted a topic.
   */
  topicSaved(topic: string): Promise<void> | undefined {
    if (this.closed || !this.topicsWaiters.pending(topic)) return undefined;
    const wait = this.topicsWaiters.wait(this.version.counter);
    this.saveTopicsSoon();
    return wait;
  }

  /** Writes of topics.json completed so far (background and synchronous). */
  get topicsSaves(): number {
    return this.saves;
  }

  /**
   * Saves topics.json in the background when it lacks a change: at once when no save ran in the last
   * `topicsSaveIntervalMs`, else when that interval has passed since the last one started (after it
   * ended). A failed save is reported and retried at the next request or periodic persist.
   */
  saveTopicsSoon(): void {
    if (this.closed || !this.topicsDirtyFlag || this.saveTimer !== undefined) return;
    if (this.savingTopicsFile !== undefined) return; // the running save asks again when it ends
    const interval = this.options.topicsSaveIntervalMs ?? 100;
    const wait = this.lastSaveStart + interval - performance.now();
    if (wait <= 0) return this.startTopicsSave();
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.startTopicsSave();
    }, wait);
    this.saveTimer.unref();
  }

  private startTopicsSave(): void {
    if (this.closed || !this.topicsDirtyFlag) return;
    this.topicsDirtyFlag = false;
    this.lastSaveStart = performance.now();
    const entries = [...this.topicEntries.values()];
    const file = path.join(this.dir, 'topics.json');
    const version = { ...this.version };
    this.savingTopicsFile = writeTopicsFileInBackground(file, entries, version).then(
      () => {
        this.saves++;
        this.topicsWaiters.saved(version.counter);
        this.savingTopicsFile = undefined;
        this.saveTopicsSoon(); // changes made meanwhile
      },
      (err: unknown) => {
        this.savingTopicsFile = undefined;
        this.topicsDirtyFlag = true; // close() or the next request writes it
        this.topicsWaiters.releaseAll();
        if (!this.closed) this.reportError(err);
      },
    );
  }

  private reportError(err: unknown): void {
    this.options.onPersistError?.(err instanceof Error ? err : new Error(String(err)));
  }

  get dataVersion(): DataVersion {
    return { ...this.version };
  }

  /**
   * subscriptionGroup.json as load() read it (its main file, else its backup): each entry parsed,
   * by the name it is filed under, and the file's dataVersion (undefined when it is not two whole
   * numbers). For the broker to check and restore; handed over once (the parsed file is not kept).
   */
  takeSavedGroups(): { entries: ReadonlyMap<string, unknown>; dataVersion: DataVersion | undefined } {
    const saved = { entries: this.loadedGroups, dataVersion: this.loadedGroupsVersion };
    this.loadedGroups = new Map();
    this.loadedGroupsVersion = undefined;
    return saved;
  }

  /**
   * Records a group's entry (its JSON text), or its deletion (`entry` undefined), and the table's
   * version after the change; written by the next persist (periodic, close, or saveGroups).
   */
  setGroupEntry(group: string, entry: string | undefined, version: DataVersion): void {
    if (entry === undefined) this.groupEntries.delete(group);
    else this.groupEntries.set(group, entry);
    this.groupsVersion = { ...version };
    this.groupsDirty = true;
  }

  /** Entries the file is to hold without counting as a change (restored or built-in groups). */
  adoptGroupEntries(entries: Iterable<[string, string]>, version: DataVersion): void {
    for (const [group, entry] of entries) this.groupEntries.set(group, entry);
    this.groupsVersion = { ...version };
  }

  /**
   * Saves subscriptionGroup.json in the background if it lacks a change (Java saves it before
   * answering a group update); settles once a save that started after this call has ended, and
   * rejects when that save failed (the change stays to be written by the next save). One save runs
   * at a time; calls made during one share the next.
   */
  saveGroups(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.nextGroupsSave !== undefined) return this.nextGroupsSave;
    const running = this.savingGroups;
    if (running === undefined) return this.startGroupsSave();
    this.nextGroupsSave = running
      .catch(() => undefined)
      .then(() => {
        this.nextGroupsSave = undefined;
        return this.startGroupsSave();
      });
    return this.nextGroupsSave;
  }

  private startGroupsSave(): Promise<void> {
    if (this.closed || !this.groupsDirty) return Promise.resolve();
    this.groupsDirty = false;
    const save = writeConfigJsonInBackground(this.dir, GROUPS_FILE, this.groupsText()).then(
      () => {
        this.savingGroups = undefined;
      },
      (err: unknown) => {
        this.savingGroups = undefined;
        this.groupsDirty = true;
        throw err;
      },
    );
    this.savingGroups = save;
    return save;
  }

  private groupsText(): string {
    const entries = [...this.groupEntries].map(([group, entry]) => `${JSON.stringify(group)}:${entry}`);
    const { counter, timestamp } = this.groupsVersion;
    const version = `{"counter":${counter},"timestamp":${timestamp}}`;
    return `{"dataVersion":${version},"subscriptionGroupTable":{${entries.join(',')}}}`;
  }

  commitOffset(group: string, topic: string, queueId: number, offset: bigint): void {
    const key = `${topic}@${group}`;
    let m = this.offsets.get(key);
    if (m === undefined) {
      m = new Map();
      this.offsets.set(key, m);
    }
    m.set(queueId, offset);
    this.offsetsDirty = true;
  }

  /** Committed offset, or -1n when the group never committed one for the queue (as Java). */
  queryOffset(group: string, topic: string, queueId: number): bigint {
    return this.offsets.get(`${topic}@${group}`)?.get(queueId) ?? -1n;
  }

  /** Forgets every group's offsets on a topic (the topic was deleted: a new one starts at 0). */
  deleteOffsetsOfTopic(topic: string): void {
    const prefix = `${topic}@`;
    for (const key of [...this.offsets.keys()]) {
      if (key.startsWith(prefix)) {
        this.offsets.delete(key);
        this.offsetsDirty = true;
      }
    }
  }

  /** Forgets a group's offsets on every topic (5.x removeOffset: the group was deleted with cleanOffset). */
  deleteOffsetsOfGroup(group: string): void {
    const suffix = `@${group}`;
    for (const key of [...this.offsets.keys()]) {
      // Topic and group names have no '@' (checked): the key's '@' separates them.
      if (key.endsWith(suffix)) {
        this.offsets.delete(key);
        this.offsetsDirty = true;
      }
    }
  }

  /** Offsets of one group on one topic, by queue id. */
  queryOffsets(group: string, topic: string): Map<number, bigint> {
    return new Map(this.offsets.get(`${topic}@${group}`) ?? []);
  }

  /** Topics a group committed offsets on (Java ConsumerOffsetManager.whichTopicByConsumer). */
  topicsOfGroup(group: string): string[] {
    const suffix = `@${group}`;
    return [...this.offsets.keys()].filter((k) => k.endsWith(suffix)).map((k) => k.slice(0, -suffix.length));
  }

  /** Groups with committed offsets on a topic. */
  groupsOfTopic(topic: string): string[] {
    const prefix = `${topic}@`;
    return [...this.offsets.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
  }

  /**
   * Writes the files that changed since the last persist, synchronously; topics.json is left to a
   * background save that is running (it saves again when it ends). Throws when a write fails; what
   * could not be written stays dirty and is written by the next persist.
   */
  persist(): void {
    if (this.topicsDirtyFlag && this.savingTopicsFile === undefined) {
      this.topicsDirtyFlag = false;
      try {
        writeConfigJson(this.dir, 'topics.json', topicsFileText(this.topicEntries.values(), this.version));
        this.saves++;
        this.topicsWaiters.saved(this.version.counter);
      } catch (err) {
        this.topicsDirtyFlag = true;
        this.topicsWaiters.releaseAll();
        throw err;
      }
    }
    this.persistOffsets();
    this.persistGroups();
  }

  /** Synchronous save of subscriptionGroup.json, left to a background save that is running. */
  private persistGroups(): void {
    if (!this.groupsDirty || this.savingGroups !== undefined) return;
    this.groupsDirty = false;
    try {
      writeConfigJson(this.dir, GROUPS_FILE, this.groupsText());
    } catch (err) {
      this.groupsDirty = true;
      throw err;
    }
  }

  private persistOffsets(): void {
    if (this.offsetsDirty) {
      this.offsetsDirty = false;
      try {
        writeConfigJson(this.dir, 'consumerOffset.json', consumerOffsetsText(this.offsets));
      } catch (err) {
        this.offsetsDirty = true;
        throw err;
      }
    }
  }

  /**
   * Stops the timers and writes what is left: at once (synchronously: a caller that does not wait
   * still finds the files written, and a failure throws here), or, while a background save of
   * topics.json runs, once it has ended (the promise then rejects on a failure).
   */
  close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    this.closed = true;
    const running = [this.savingTopicsFile, this.nextGroupsSave ?? this.savingGroups].filter(
      (p): p is Promise<void> => p !== undefined,
    );
    if (running.length > 0) {
      // A failed background save leaves its file dirty: the final persist writes it.
      return Promise.allSettled(running).then(() => this.persist());
    }
    this.persist(); // settles or releases every whenTopicsSaved() still waiting
    return Promise.resolve();
  }

  private bumpVersion(): void {
    this.version = { timestamp: Date.now(), counter: this.version.counter + 1 };
    this.topicsDirtyFlag = true;
  }
}
