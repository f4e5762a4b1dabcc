/**
 * All consume queues of a store, keyed by topic and queue id, plus the rule that decides whether and
 * how a commit-log record is dispatched into them.
 */
import path from 'node:path';
import { MessageConst, MessageSysFlag } from '../../protocol/message/constants.js';
import { tagsCode } from '../../protocol/message/tags-code.js';
import { propertyValue } from '../../protocol/message/properties.js';
import { ConsumeQueue } from './consume-queue.js';
import type { FileIO } from './file-io.js';
import { writeFileAtomicSync } from './file-io.js';

/** Allowed topic characters (reference §2.1). The store also relies on it: a topic is a directory name. */
export const TOPIC_PATTERN = /^[%|a-zA-Z0-9_-]+$/;

/**
 * PREPARED and ROLLBACK transaction records get queue offset 0, do not advance the queue and are not
 * put into the consume queue (Java CommitLog / DefaultMessageStore dispatch rules).
 */
export function isDispatchedSysFlag(sysFlag: number): boolean {
  const tx = sysFlag & MessageSysFlag.TRANSACTION_MASK;
  return tx === MessageSysFlag.TRANSACTION_NOT_TYPE || tx === MessageSysFlag.TRANSACTION_COMMIT_TYPE;
}

/** Tags code of a raw property string: Java hash of TAGS, 0 without tag. */
export function tagsCodeOfProperties(properties: string): bigint {
  return tagsCode(propertyValue(properties, MessageConst.PROPERTY_TAGS));
}

export class QueueTable {
  readonly root: string;
  private readonly table = new Map<string, Map<number, ConsumeQueue>>();
  /**
   * Deleted topics -> log position at deletion (`<root>/deletedTopics.json`). Their older records stay
   * in the commit log; recovery must not dispatch them again.
   */
  private readonly tombstones = new Map<string, number>();
  private readonly tombstoneFile: string;

  constructor(
    private readonly io: FileIO,
    rootDir: string,
    private readonly entriesPerFile: number,
  ) {
    this.root = path.join(rootDir, 'consumequeue');
    this.tombstoneFile = path.join(rootDir, 'deletedTopics.json');
  }

  /** True when a record at `pos` belongs to a topic deleted after it was written. */
  isDeleted(topic: string, pos: number): boolean {
    const at = this.tombstones.get(topic);
    return at !== undefined && pos < at;
  }

  /** Opens every `<topic>/<queueId>` directory found on disk. */
  loadAll(): void {
    const io = this.io;
    if (io.existsSync(this.tombstoneFile)) {
      const saved = JSON.parse(io.readFileSync(this.tombstoneFile).toString('utf8')) as Record<
        string,
        number
      >;
      for (const [topic, pos] of Object.entries(saved)) this.tombstones.set(topic, pos);
    }
    if (!io.existsSync(this.root)) return;
    for (const topic of io.readdirSync(this.root)) {
      if (!TOPIC_PATTERN.test(topic)) continue;
      const topicDir = path.join(this.root, topic);
      if (!io.isDirectorySync(topicDir)) continue;
      for (const q of io.readdirSync(topicDir)) {
        if (!/^\d+$/.test(q)) continue;
        const cq = this.getOrCreate(topic, Number(q));
        cq.load();
        cq.nextQueueOffset = cq.maxOffset;
      }
    }
  }

  get(topic: string, queueId: number): ConsumeQueue | undefined {
    return this.table.get(topic)?.get(queueId);
  }

  getOrCreate(topic: string, queueId: number): ConsumeQueue {
    let byId = this.table.get(topic);
    if (byId === undefined) {
      byId = new Map();
      this.table.set(topic, byId);
    }
    let cq = byId.get(queueId);
    if (cq === undefined) {
      cq = new ConsumeQueue(this.io, this.root, topic, queueId, this.entriesPerFile);
      byId.set(queueId, cq);
    }
    return cq;
  }

  queueIds(topic: string): number[] {
    return [...(this.table.get(topic)?.keys() ?? [])].sort((a, b) => a - b);
  }

  topics(): string[] {
    return [...this.table.keys()];
  }

  *all(): IterableIterator<ConsumeQueue> {
    for (const byId of this.table.values()) yield* byId.values();
  }

  nonEmptyCount(): number {
    let n = 0;
    for (const cq of this.all()) if (cq.maxOffset > 0) n++;
    return n;
  }

  /** Removes every consume queue (files included), e.g. before a full rebuild. */
  destroyAll(): void {
    this.closeAll();
    this.table.clear();
    this.io.rmSync(this.root);
  }

  /** Removes one topic's consume queues (files included); records below `logEnd` stay undispatched. */
  deleteTopic(topic: string, logEnd: number): void {
    this.tombstones.set(topic, logEnd);
    writeFileAtomicSync(this.tombstoneFile, JSON.stringify(Object.fromEntries(this.tombstones)), this.io);
    for (const cq of this.table.get(topic)?.values() ?? []) cq.close();
    this.table.delete(topic);
    this.io.rmSync(path.join(this.root, topic));
    // Durably gone: a queue that came back after a crash would serve the deleted messages again.
    if (this.io.existsSync(this.root)) this.io.syncDirSync(this.root);
  }

  /** Writes every queue's pending entries (see ConsumeQueue.writePending); throws the first failure. */
  writeAllPending(): void {
    let failure: unknown;
    for (const cq of this.all()) {
      try {
        cq.writePending();
      } catch (err) {
        failure ??= err;
      }
    }
    if (failure !== undefined) throw failure;
  }

  async flushAll(sync?: (fd: number) => Promise<void>): Promise<void> {
    for (const cq of this.all()) await cq.flush(sync);
  }

  closeAll(): void {
    for (const cq of this.all()) cq.close();
  }
}
