/**
 * Retention: deletes old commit-log segments (rules in retention-policy.ts), then the consume-queue
 * files that point only below the log's new start, and corrects every queue's min offset (Java
 * CleanCommitLogService + CleanConsumeQueueService: a round every cleanResourceInterval, the first one
 * 60 s after open). Pulls below a queue's min offset answer OFFSET_TOO_SMALL; entries of a queue that
 * point below the log's start answer MESSAGE_WAS_REMOVING (store-reads.ts).
 *
 * One file goes in three steps, so that a crash anywhere leaves a store that recovers:
 *  1. it leaves its table (CommitLog.detachFirst, ConsumeQueue.detachFilesBelow): reads that start
 *     later see the new min offset and never its descriptor;
 *  2. the reads and checkpoints that started before are waited for (ReadGate.drain);
 *  3. the descriptor is closed, the file unlinked and its directory fsynced.
 * Segments go oldest first, one at a time, so the log stays contiguous from its first file (what
 * recovery expects), and only segments wholly below the last checkpoint's position, so recovery never
 * walks from below the log's start. Queue files go after the segments; a crash in between leaves queue
 * files pointing below the log: recovery corrects the min offsets and the next round deletes them.
 */
import type { Logger } from '../../common/logger.js';
import type { CommitLog } from './commit-log.js';
import type { ConsumeQueue } from './consume-queue.js';
import type { QueueTable } from './queue-table.js';
import type { ReadGate } from './read-gate.js';
import type { RetentionRules, RoundReason } from './retention-policy.js';
import { deletableCount, roundReason } from './retention-policy.js';

/** Java starts the clean-up schedule one minute after the store. */
const FIRST_ROUND_DELAY_MS = 60_000;

export interface RetentionSettings extends RetentionRules {
  cleanResourceInterval: number;
  deleteCommitLogFilesInterval: number;
  deleteConsumeQueueFilesInterval: number;
}

export interface RetentionHost {
  readonly commitLog: CommitLog;
  readonly queues: QueueTable;
  readonly gate: ReadGate;
  readonly logger: Logger;
  readonly now: () => number;
  /** The last checkpoint's recoverFrom: below it the log and every consume-queue entry are durable. */
  durableEnd(): number;
  /** Used space of the store's file system in percent, measured now; NaN when unknown. */
  usedPercent(): number;
}

/** What one round did. */
export interface RetentionRound {
  /** Why segments were considered; undefined when neither the hour nor the disk asked for it. */
  reason: RoundReason | undefined;
  commitLogFilesDeleted: number;
  consumeQueueFilesDeleted: number;
  /** The commit log's min offset after the round. */
  minOffset: number;
}

interface OpenFile {
  fd: number;
  file: string;
}

export class RetentionService {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<RetentionRound> | undefined;
  private stopping = false;
  /** Set by a simulated crash: descriptors are still closed, files no longer unlinked. */
  private abandoned = false;
  /** The log's min offset for which the queues were last cleaned (Java lastPhysicalMinOffset). */
  private cleanedFor = 0;

  constructor(
    private readonly host: RetentionHost,
    private readonly settings: RetentionSettings,
  ) {}

  /** Schedules the rounds (unref'd timers) until stop(). */
  start(): void {
    this.schedule(FIRST_ROUND_DELAY_MS);
  }

  /** Runs a round now (or joins the running one). */
  run(): Promise<RetentionRound> {
    this.running ??= this.round().finally(() => (this.running = undefined));
    return this.running;
  }

  /** No further round or deletion; waits for the running round to release what it took out. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** Crash simulation: stop at once; a round under way closes what it took out but unlinks nothing. */
  abandon(): void {
    this.stopping = this.abandoned = true;
    clearTimeout(this.timer);
  }

  private schedule(delay: number): void {
    if (this.stopping) return;
    this.timer = setTimeout(() => {
      this.run()
        .catch((err: unknown) =>
          this.host.logger.warn({ error: (err as Error).message }, 'retention round failed'),
        )
        .finally(() => this.schedule(this.settings.cleanResourceInterval));
    }, delay);
    this.timer.unref();
  }

  private async round(): Promise<RetentionRound> {
    const { commitLog: log, logger } = this.host;
    const now = this.host.now();
    const reason = roundReason(this.settings, now, this.host.usedPercent());
    let segmentsDeleted = 0;
    if (reason !== undefined && !this.stopping) {
      const segs = log.segments;
      const candidates = segs.slice(0, Math.min(segs.length - 1, this.settings.deleteFileBatchMax));
      const infos = candidates.map((s) => ({ start: s.start, lastModified: log.io.mtimeMsSync(s.file) }));
      const n = deletableCount(this.settings, reason, infos, log.segmentSize, this.host.durableEnd(), now);
      for (let i = 0; i < n && !this.stopping; i++) {
        if (i > 0) await sleep(this.settings.deleteCommitLogFilesInterval);
        // Only this round removes segments, and only from the front: still the one judged above.
        if (this.stopping || log.segments[0]?.start !== infos[i]!.start) break;
        const seg = log.detachFirst();
        if (seg === undefined) break;
        await this.remove([seg], log.dir);
        segmentsDeleted++;
      }
      if (segmentsDeleted > 0) {
        logger.info(
          { ...reason, deleted: segmentsDeleted, minOffset: log.minOffset },
          'commit log: old segments deleted',
        );
      } else if (reason.spaceFull) {
        logger.warn(
          { ...reason, minOffset: log.minOffset },
          'disk space will be full soon, but no commit-log segment can be deleted',
        );
      }
    }
    const queueFilesDeleted = await this.cleanQueues(log.minOffset);
    return {
      reason,
      commitLogFilesDeleted: segmentsDeleted,
      consumeQueueFilesDeleted: queueFilesDeleted,
      minOffset: log.minOffset,
    };
  }

  /** Deletes queue files wholly below the log's min offset and corrects every queue's min offset. */
  private async cleanQueues(logMin: number): Promise<number> {
    if (logMin <= this.cleanedFor || this.stopping) return 0;
    // First every queue at once (synchronous): no pull sees a min offset below the log's start.
    const taken: { cq: ConsumeQueue; files: OpenFile[] }[] = [];
    for (const cq of this.host.queues.all()) {
      const files = cq.detachFilesBelow(logMin);
      cq.correctMinOffset(logMin);
      if (files.length > 0) taken.push({ cq, files });
    }
    let deleted = 0;
    for (const [i, { cq, files }] of taken.entries()) {
      if (i > 0 && !this.stopping) await sleep(this.settings.deleteConsumeQueueFilesInterval);
      // A topic deleted meanwhile took its directory with it, and a topic created again under the
      // same name has files of the same names: only a queue still in the table has its files unlinked.
      const owned = (): boolean => this.host.queues.get(cq.topic, cq.queueId) === cq;
      try {
        await this.remove(files, cq.dir, owned); // even when stopping: they are out of their tables
        deleted += files.length;
      } catch (err) {
        // The next queues' files are out of their tables too: a failure here must not strand them.
        this.host.logger.warn(
          { topic: cq.topic, queueId: cq.queueId, error: (err as Error).message },
          'consume queue: files below the commit log could not be deleted',
        );
      }
    }
    if (deleted > 0)
      this.host.logger.info({ deleted, logMin }, 'consume queues: files below the commit log deleted');
    if (!this.stopping) this.cleanedFor = logMin;
    return deleted;
  }

  /**
   * Closes and unlinks files already out of their tables, once no read or checkpoint can use them.
   * `owned` is asked after every wait: false when the paths may now name someone else's files.
   */
  private async remove(files: readonly OpenFile[], dir: string, owned = (): boolean => true): Promise<void> {
    await this.host.gate.drain();
    const io = this.host.commitLog.io;
    for (const f of files) io.closeSync(f.fd);
    if (this.abandoned) return;
    for (const f of files) {
      if (!owned()) return;
      if (io.unlink === undefined) io.rmSync(f.file);
      else await io.unlink(f.file); // off the event loop: a 1 GiB segment took ~0.4 s to unlink
    }
    if (owned()) io.syncDirSync(dir);
  }
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
