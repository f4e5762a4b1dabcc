/**
 * Offsets of a BROADCASTING consumer, kept in a local file (Java's LocalFileOffsetStore): every member
 * consumes every message, so each keeps its own progress in
 * `<offsetStoreDir>/<clientId>/<group>/offsets.json`, Java's path and file format
 * (protocol/body/offset-serialize-wrapper.ts), so a Java consumer can take over the directory and back.
 *
 * Java semantics kept: offsets are updated in memory and written by persist / persistAll (the push
 * consumer calls persistAll every 5 s and on shutdown); a write merges into what the file already
 * holds, so queues no longer assigned keep their last offsets; the previous file is kept as
 * `offsets.json.bak`; reading falls back to the .bak when offsets.json is missing, empty or damaged,
 * and fails with LocalOffsetFileError when the .bak is damaged too (Java: "readLocalOffset
 * Exception"). Better than Java: each write is atomic and fsynced (offset-file-io.ts), and an unchanged
 * table is not rewritten. There is no default directory: the caller passes one (never $HOME).
 */
import path from 'node:path';
import { ClientErrorCode, IllegalArgumentError, MQClientError } from '../../../common/errors.js';
import { silentLogger } from '../../../common/logger.js';
import type { Logger } from '../../../common/logger.js';
import {
  decodeOffsetSerializeWrapper,
  encodeOffsetSerializeWrapper,
} from '../../../protocol/body/offset-serialize-wrapper.js';
import type { QueueOffsetEntry } from '../../../protocol/body/offset-serialize-wrapper.js';
import type { ConsumerQueueOffset } from '../../client-members.js';
import { MessageQueue } from '../../message-queue.js';
import { nodeOffsetFileIO, replaceKeepingBackup } from './offset-file-io.js';
import type { OffsetFileIO } from './offset-file-io.js';
import type { OffsetStore } from '../push/offset-store.js';

/** Java ReadOffsetType. */
export type LocalReadOffsetType = 'READ_FROM_MEMORY' | 'READ_FROM_STORE' | 'MEMORY_FIRST_THEN_STORE';

/** Both offsets.json and offsets.json.bak exist and cannot be read as offsets. */
export class LocalOffsetFileError extends MQClientError {
  constructor(
    /** The offsets file concerned. */
    readonly file: string,
    cause: unknown,
  ) {
    super(
      `cannot read the local offsets of this consumer from ${file} or its .bak ` +
        `(${cause instanceof Error ? cause.message : String(cause)}); repair them, or remove both to start over ` +
        `from the consumer's consumeFromWhere`,
      { code: ClientErrorCode.LOCAL_OFFSETS_UNREADABLE, cause, retriable: false },
    );
  }
}

export interface LocalFileOffsetStoreOptions {
  /** The directory the user chose for offset files (push consumer option `offsetStoreDir`). */
  dir: string;
  /** Path component, as Java: the client id (`ip@instanceName`), or how to get it once running. */
  clientId: string | (() => string);
  /** Path component, as Java: the consumer group (with its namespace). */
  group: string;
  /** The topic written to the file for a queue's topic (adds the namespace). Default: unchanged. */
  toWireTopic?: (topic: string) => string;
  /** The queue topic for a topic read from the file (removes the namespace). Default: unchanged. */
  fromWireTopic?: (wireTopic: string) => string;
  logger?: Logger;
  io?: OffsetFileIO;
}

function checkPathPart(name: string, value: unknown): string {
  if (
    typeof value !== 'string' ||
    value.length === 0 ||
    value === '.' ||
    value === '..' ||
    /[/\\\0]/.test(value)
  ) {
    throw new IllegalArgumentError(
      `local offset store: ${name} must be a non-empty name without "/", "\\" or NUL (it is a directory name), got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

export class LocalFileOffsetStore implements OffsetStore {
  private path: string | undefined;
  private readonly dir: string;
  private readonly group: string;
  private readonly clientId: string | (() => string);
  private readonly memory = new Map<string, { mq: MessageQueue; offset: bigint }>();
  /** What offsets.json holds (wire topics), as last read or written. */
  private fileTable: Map<string, QueueOffsetEntry> | undefined;
  private lastWritten: string | undefined;
  private readonly io: OffsetFileIO;
  private readonly logger: Logger;
  private readonly toWire: (topic: string) => string;
  private readonly fromWire: (topic: string) => string;

  constructor(options: LocalFileOffsetStoreOptions) {
    if (typeof options.dir !== 'string' || options.dir.trim() === '') {
      throw new IllegalArgumentError(
        'a broadcasting consumer keeps its offsets in local files: set offsetStoreDir to the directory to use',
      );
    }
    if (typeof options.clientId !== 'function') checkPathPart('clientId', options.clientId);
    this.clientId = options.clientId;
    this.group = checkPathPart('group', options.group);
    this.dir = path.resolve(options.dir);
    this.io = options.io ?? nodeOffsetFileIO;
    this.logger = options.logger ?? silentLogger;
    this.toWire = options.toWireTopic ?? ((t) => t);
    this.fromWire = options.fromWireTopic ?? ((t) => t);
  }

  /** `<dir>/<clientId>/<group>/offsets.json` (the client id is read at first use). */
  get storePath(): string {
    if (this.path === undefined) {
      const id = typeof this.clientId === 'function' ? this.clientId() : this.clientId;
      this.path = path.join(this.dir, checkPathPart('clientId', id), this.group, 'offsets.json');
    }
    return this.path;
  }

  /** Reads the file into memory (Java load()); throws LocalOffsetFileError when nothing readable remains. */
  load(): Promise<void> {
    for (const entry of this.readFile().values()) {
      const mq = new MessageQueue(this.fromWire(entry.topic), entry.brokerName, entry.queueId);
      this.memory.set(mq.key(), { mq, offset: entry.offset });
      this.logger.info(
        { file: this.storePath, mq: mq.key(), offset: String(entry.offset) },
        'loaded local offset',
      );
    }
    return Promise.resolve();
  }

  updateOffset(mq: MessageQueue, offset: bigint, increaseOnly: boolean): void {
    const held = this.memory.get(mq.key());
    if (held === undefined) this.memory.set(mq.key(), { mq, offset });
    else if (!increaseOnly || offset > held.offset) held.offset = offset;
  }

  /** The offset, or -1 when none is known (Java: also -1 when the file cannot be read). */
  readOffset(mq: MessageQueue, type: LocalReadOffsetType): Promise<bigint> {
    const held = this.memory.get(mq.key());
    if (type !== 'READ_FROM_STORE' && held !== undefined) return Promise.resolve(held.offset);
    if (type === 'READ_FROM_MEMORY') return Promise.resolve(-1n);
    let table: Map<string, QueueOffsetEntry>;
    try {
      table = this.readFile();
    } catch (err) {
      this.logger.warn({ file: this.storePath, err: String(err) }, 'reading the local offsets failed');
      return Promise.resolve(-1n);
    }
    const stored = table.get(this.fileKey(mq));
    if (stored === undefined) return Promise.resolve(-1n);
    this.updateOffset(mq, stored.offset, false);
    return Promise.resolve(stored.offset);
  }

  /** Writes the in-memory offsets of these queues into the file (others already there are kept). */
  persistAll(mqs: readonly MessageQueue[]): Promise<void> {
    if (mqs.length === 0) return Promise.resolve();
    const wanted = new Set(mqs.map((mq) => mq.key()));
    this.write([...this.memory.values()].filter(({ mq }) => wanted.has(mq.key())));
    return Promise.resolve();
  }

  persist(mq: MessageQueue): Promise<void> {
    const held = this.memory.get(mq.key());
    if (held !== undefined) this.write([held]);
    return Promise.resolve();
  }

  /** Forgets a queue in memory; the file keeps its last offset (as Java). */
  removeOffset(mq: MessageQueue): void {
    this.memory.delete(mq.key());
  }

  /** The offsets held in memory for a wire topic's queues. */
  offsetsOf(wireTopic: string): ConsumerQueueOffset[] {
    const out: ConsumerQueueOffset[] = [];
    for (const { mq, offset } of this.memory.values()) {
      if (this.toWire(mq.topic) !== wireTopic) continue;
      out.push({ topic: wireTopic, brokerName: mq.brokerName, queueId: mq.queueId, offset });
    }
    return out;
  }

  private fileKey(mq: MessageQueue): string {
    return `${this.toWire(mq.topic)}@${mq.brokerName}@${mq.queueId}`;
  }

  private write(held: readonly { mq: MessageQueue; offset: bigint }[]): void {
    let table: Map<string, QueueOffsetEntry>;
    try {
      table = this.fileTable ?? this.readFile();
    } catch (err) {
      this.logger.error(
        { file: this.storePath, err: String(err) },
        'local offsets not written: the file is unreadable',
      );
      return;
    }
    for (const { mq, offset } of held) {
      const topic = this.toWire(mq.topic);
      table.set(this.fileKey(mq), { topic, brokerName: mq.brokerName, queueId: mq.queueId, offset });
    }
    const text = encodeOffsetSerializeWrapper([...table.values()]);
    if (text === this.lastWritten) return;
    try {
      replaceKeepingBackup(this.io, this.storePath, text);
      this.lastWritten = text;
    } catch (err) {
      this.logger.error({ file: this.storePath, err: String(err) }, 'writing the local offsets failed');
    }
  }

  /**
   * Java readLocalOffset: offsets.json, else offsets.json.bak (remembered as the file's content).
   * Unlike Java, a damaged offsets.json without a .bak is an error, not a silent fresh start.
   */
  private readFile(): Map<string, QueueOffsetEntry> {
    const main = this.readOne(this.storePath);
    let entries = main.entries;
    if (entries === undefined) {
      const bak = this.readOne(`${this.storePath}.bak`);
      if (bak.damage !== undefined) throw new LocalOffsetFileError(this.storePath, bak.damage);
      if (bak.entries === undefined && main.damage !== undefined) {
        throw new LocalOffsetFileError(this.storePath, main.damage);
      }
      if (main.damage !== undefined) {
        this.logger.warn(
          { file: this.storePath, err: String(main.damage) },
          'offsets file damaged, read its .bak',
        );
      }
      entries = bak.entries ?? [];
    }
    const table = new Map(entries.map((e) => [`${e.topic}@${e.brokerName}@${e.queueId}`, e]));
    this.fileTable = table;
    return table;
  }

  /** A file's entries, or why it cannot be used; neither when it is missing or empty. */
  private readOne(file: string): { entries?: QueueOffsetEntry[]; damage?: unknown } {
    let text: string;
    try {
      if (!this.io.existsSync(file)) return {};
      text = this.io.readFileSync(file).toString('utf8');
    } catch (err) {
      return { damage: err };
    }
    if (text.length === 0) return {};
    try {
      return { entries: decodeOffsetSerializeWrapper(text) };
    } catch (err) {
      return { damage: err };
    }
  }
}
