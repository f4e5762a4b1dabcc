/**
 * Broker metadata persisted as JSON under `<root>/config/`, in the Java broker's file formats:
 *
 *   topics.json          {"topicConfigTable": {"<topic>": TopicConfig...}, "dataVersion": {...}}
 *   consumerOffset.json  {"offsetTable": {"<topic>@<group>": {"<queueId>": offset}}}
 *
 * Files are replaced atomically (temp file + fsync + rename + directory fsync); the previous version
 * is kept as `<file>.bak` and used when the main file is missing or unreadable. Changes are persisted
 * by a periodic timer and on close.
 */
import fs from 'node:fs';
import path from 'node:path';
import { makeTopicConfig } from '../../protocol/body/topic-config.js';
import type { DataVersion, TopicConfig } from '../../protocol/body/topic-config.js';
import { writeFileAtomicSync } from './file-io.js';

/** fastjson writes integer map keys unquoted ({0:12}); quote them so JSON.parse accepts the file. */
function parseLenientJson(text: string): unknown {
  return JSON.parse(text.replace(/([{,]\s*)(-?\d+)\s*:/g, '$1"$2":'));
}

export interface ConfigStoreOptions {
  /** Period of the background persist; 0 disables it. Default 5000 ms (Java flushConsumerOffsetInterval). */
  persistIntervalMs?: number;
  /** Told when the background persist fails (disk full...); it is retried at the next period. */
  onPersistError?: (err: Error) => void;
}

export class ConfigStore {
  readonly dir: string;
  private topics = new Map<string, TopicConfig>();
  private offsets = new Map<string, Map<number, bigint>>();
  private version: DataVersion = { timestamp: Date.now(), counter: 0 };
  private topicsDirty = false;
  private offsetsDirty = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    rootDir: string,
    private readonly options: ConfigStoreOptions = {},
  ) {
    this.dir = path.join(rootDir, 'config');
  }

  /** Reads both files (missing files mean empty tables) and starts the periodic persist. */
  load(): void {
    fs.mkdirSync(this.dir, { recursive: true });
    const topics = this.readJson('topics.json') as
      { topicConfigTable?: Record<string, Partial<TopicConfig>>; dataVersion?: DataVersion } | undefined;
    for (const [name, cfg] of Object.entries(topics?.topicConfigTable ?? {})) {
      this.topics.set(name, makeTopicConfig(name, cfg));
    }
    if (topics?.dataVersion) this.version = { ...topics.dataVersion };
    const offsets = this.readJson('consumerOffset.json') as
      { offsetTable?: Record<string, Record<string, number | string>> } | undefined;
    for (const [key, table] of Object.entries(offsets?.offsetTable ?? {})) {
      const m = new Map<number, bigint>();
      for (const [q, off] of Object.entries(table)) m.set(Number(q), BigInt(off));
      this.offsets.set(key, m);
    }
    const interval = this.options.persistIntervalMs ?? 5000;
    if (interval > 0) {
      this.timer = setInterval(() => {
        try {
          this.persist();
        } catch (err) {
          // A throw from a timer would take the whole process down; the change stays dirty instead.
          this.options.onPersistError?.(err instanceof Error ? err : new Error(String(err)));
        }
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
    this.topics.set(config.topicName, { ...config });
    this.bumpVersion();
  }

  deleteTopicConfig(topic: string): boolean {
    const existed = this.topics.delete(topic);
    if (existed) this.bumpVersion();
    return existed;
  }

  get dataVersion(): DataVersion {
    return { ...this.version };
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
   * Writes the files that changed since the last persist. Throws when a write fails; what could not
   * be written stays dirty and is written by the next persist.
   */
  persist(): void {
    if (this.topicsDirty) {
      this.topicsDirty = false;
      const topicConfigTable = Object.fromEntries(this.topics);
      try {
        this.writeJson('topics.json', { topicConfigTable, dataVersion: this.version });
      } catch (err) {
        this.topicsDirty = true;
        throw err;
      }
    }
    if (this.offsetsDirty) {
      this.offsetsDirty = false;
      const offsetTable: Record<string, Record<string, number>> = {};
      for (const [key, m] of this.offsets) {
        offsetTable[key] = Object.fromEntries([...m].map(([q, o]) => [String(q), Number(o)]));
      }
      try {
        this.writeJson('consumerOffset.json', { offsetTable });
      } catch (err) {
        this.offsetsDirty = true;
        throw err;
      }
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.persist();
  }

  private bumpVersion(): void {
    this.version = { timestamp: Date.now(), counter: this.version.counter + 1 };
    this.topicsDirty = true;
  }

  private readJson(name: string): unknown {
    for (const file of [path.join(this.dir, name), path.join(this.dir, `${name}.bak`)]) {
      try {
        const text = fs.readFileSync(file, 'utf8');
        if (text.trim().length > 0) return parseLenientJson(text);
      } catch {
        // Missing or unreadable: try the backup, then start empty.
      }
    }
    return undefined;
  }

  private writeJson(name: string, value: unknown): void {
    const file = path.join(this.dir, name);
    fs.mkdirSync(this.dir, { recursive: true });
    if (fs.existsSync(file)) fs.copyFileSync(file, `${file}.bak`);
    writeFileAtomicSync(file, JSON.stringify(value, null, 2));
  }
}
