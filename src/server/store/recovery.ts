/**
 * Start-up recovery. Rules (after Java CommitLog.recoverNormally / recoverAbnormally, made stricter,
 * and unlike Java never discarding a good record because of a bad one before it):
 *
 * 1. The commit log is walked (log-scan.ts) from the earlier of (a) the checkpoint's `recoverFrom`
 *    (below it the log and all consume queues were fsynced) and (b) the start of the last
 *    `recoverVerifyFiles` segments (Java re-verifies the last 3 files even after a clean shutdown).
 *    Every record is checked: size bounds, magic, field lengths, PHYSICALOFFSET, body CRC and the
 *    per-record checksum (record-checksum.ts).
 * 2. Damage followed by valid records is copied to `<root>/corrupt/` and replaced by a void; the
 *    records after it stay (damage.ts). The log ends after the last valid item; a torn tail after it
 *    is copied aside too, zeroed, later segment files are deleted, and all of it is fsynced before
 *    anything is served. Every skipped range is in the report and logged.
 * 3. Consume queues are made to match the log exactly (recovery-queues.ts): entries beyond the end
 *    are dropped, records missing from their queue are re-dispatched, lost messages become holes.
 *    Every queue's min offset moves past its entries below the log's first segment (retention.ts
 *    deleted the segments before it: the first file need not start at 0).
 * 4. Every dispatched record the walk passes is indexed (message-index.ts): after a restart, the
 *    messages of the walked segments are found by key again without a second walk. The records below
 *    where the walk started are indexed after the store opened, in the background, newest first
 *    (index-backfill.ts), for as long as the index has room.
 * 5. A full rebuild (all consume queues deleted and rebuilt from the first segment) happens when the
 *    checkpoint is missing or torn, when fewer non-empty queues exist than the checkpoint recorded
 *    (a deleted consume-queue directory), or when the walk meets a record whose queue has a gap that
 *    no damage explains. The checkpoint is removed first, so a crash during the rebuild leads to
 *    another full rebuild.
 *
 * `<root>/checksumsFrom` holds the log position from which every record carries a checksum (written
 * once, when a store is first opened by a version that writes checksums); records before it may lack
 * one. `<root>/abort` exists while a store is open; finding it at start-up means the last shutdown
 * was unclean. The rules above do not depend on it; it is reported for logs and tests.
 */
import path from 'node:path';
import { IllegalStateError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { CommitLog } from './commit-log.js';
import type { Checkpoint } from './checkpoint.js';
import type { SkippedRange } from './damage.js';
import { DamageKeeper } from './damage.js';
import { listOffsetFiles, writeFileAtomicSync } from './file-io.js';
import type { DamagedRange, ScanLimits } from './log-scan.js';
import { scanLog } from './log-scan.js';
import type { MessageIndex } from './message-index.js';
import type { QueueTable } from './queue-table.js';
import { isDispatchedSysFlag } from './queue-table.js';
import { QueueGapError, QueueRepair } from './recovery-queues.js';
import { RECORD_OVERHEAD_LIMIT } from './store-config.js';

export type { SkippedRange } from './damage.js';

export interface RecoveryReport {
  /** False when the abort marker of a previous run was found. */
  cleanShutdown: boolean;
  /** Valid end of the commit log. */
  logEnd: number;
  /** Where the verification walk started. */
  verifiedFrom: number;
  /** Records walked and verified. */
  recordsVerified: number;
  /** Consume-queue entries written by recovery. */
  redispatched: number;
  /** True when a torn or corrupt tail with data was found after logEnd (saved aside and zeroed). */
  tailTruncated: boolean;
  fullRebuild: boolean;
  /** Every damaged range found by this recovery, in log order: what was skipped and where it went. */
  skipped: SkippedRange[];
  /** Consume-queue entries marking messages lost to damage (readers skip them). */
  holes: number;
}

export interface RecoveryInput {
  rootDir: string;
  commitLog: CommitLog;
  queues: QueueTable;
  checkpoint: Checkpoint;
  recoverVerifyFiles: number;
  maxMessageSize: number;
  maxWriteBatchBytes: number;
  logger: Logger;
  /** Fed with every dispatched record walked; undefined when the store keeps no index. */
  index?: MessageIndex | undefined;
}

export async function recoverStore(input: RecoveryInput): Promise<RecoveryReport> {
  const { commitLog, queues, logger } = input;
  const io = commitLog.io;
  const cleanShutdown = !io.existsSync(path.join(input.rootDir, 'abort'));
  openSegments(commitLog);
  queues.loadAll();
  const segs = commitLog.segments;
  const report: RecoveryReport = {
    cleanShutdown,
    logEnd: 0,
    verifiedFrom: 0,
    recordsVerified: 0,
    redispatched: 0,
    tailTruncated: false,
    fullRebuild: false,
    skipped: [],
    holes: 0,
  };
  const checksumsFile = path.join(input.rootDir, 'checksumsFrom');
  const first = segs[0];
  if (first === undefined) {
    // No commit log: whatever consume queues exist point at nothing.
    queues.destroyAll();
    commitLog.setRecoveredEnd(0);
    if (!io.existsSync(checksumsFile)) writeFileAtomicSync(checksumsFile, '0', io);
    return report;
  }
  const limits = logScanLimits(input);
  const damage = new DamageKeeper(io, input.rootDir, commitLog);
  const cp = input.checkpoint.read();
  let full = cp === undefined || queues.nonEmptyCount() < cp.nonEmptyQueues;
  let tail: DamagedRange[] = [];
  for (;;) {
    if (full) {
      input.checkpoint.invalidate();
      queues.destroyAll();
    }
    const tailStart = segs[Math.max(0, segs.length - input.recoverVerifyFiles)]!.start;
    const from =
      full || cp === undefined ? first.start : Math.max(first.start, Math.min(cp.recoverFrom, tailStart));
    const repair = new QueueRepair(queues, commitLog, full, logger);
    report.recordsVerified = 0;
    report.verifiedFrom = from;
    const index = input.index;
    index?.clear();
    try {
      const scan = await scanLog(commitLog, from, limits, {
        onItem: (item) => {
          if (item.kind === 'record') {
            report.recordsVerified++;
            const rec = item.rec;
            repair.onRecord(rec, item.pos, item.size);
            if (index !== undefined && isDispatchedSysFlag(rec.sysFlag)) {
              index.addRecord(rec.topic, rec.properties, item.pos, rec.storeTimestamp);
            }
          } else if (item.kind === 'void') {
            repair.onVoid(item.pos);
          }
        },
        onDamage: (range) => {
          const header = repair.readDamagedHeader(range.from, range.to);
          report.skipped.push(damage.saveAside(range, 'corrupt'));
          damage.voidRange(range);
          repair.onDamage(range.from, range.to, header);
        },
      });
      report.logEnd = scan.end;
      tail = scan.tail;
      report.redispatched = repair.redispatched;
      report.holes = repair.holes;
      break;
    } catch (err) {
      if (!(err instanceof QueueGapError) || full) throw err;
      full = true;
    }
  }
  report.fullRebuild = full;
  for (const r of tail) report.skipped.push(damage.saveAside(r, 'torn-tail'));
  report.tailTruncated = tail.length > 0;
  damage.cutTail(report.logEnd, tail);
  damage.syncTouched();
  for (const cq of queues.all()) {
    cq.dropReadAhead(); // the walk is done: an idle queue would keep its block
    cq.truncateByPhysicalEnd(report.logEnd);
    cq.nextQueueOffset = cq.maxOffset;
    cq.correctMinOffset(first.start); // entries below the log's start point at deleted segments
  }
  commitLog.setRecoveredEnd(report.logEnd);
  if (!Number.isFinite(limits.checksumsFrom)) {
    writeFileAtomicSync(checksumsFile, String(report.logEnd), io);
  }
  logReport(logger, report);
  return report;
}

/**
 * What a walk of this store's log accepts as a record (recovery's, and the index backfill's after it:
 * checksumsFrom is then at most where recovery ended, so it asks the older records for nothing more).
 */
export function logScanLimits(
  input: Pick<RecoveryInput, 'rootDir' | 'commitLog' | 'maxMessageSize' | 'maxWriteBatchBytes'>,
): ScanLimits {
  return {
    maxRecord: input.maxMessageSize + RECORD_OVERHEAD_LIMIT,
    zeroRunLimit: input.maxMessageSize + RECORD_OVERHEAD_LIMIT + input.maxWriteBatchBytes,
    checksumsFrom: readChecksumsFrom(input.commitLog, path.join(input.rootDir, 'checksumsFrom')),
  };
}

/** Records from this position on must carry a checksum; Infinity for a store written before checksums. */
function readChecksumsFrom(commitLog: CommitLog, file: string): number {
  if (!commitLog.io.existsSync(file)) return Infinity;
  const value = Number(commitLog.io.readFileSync(file).toString('utf8').trim());
  return Number.isSafeInteger(value) && value >= 0 ? value : Infinity;
}

function logReport(logger: Logger, report: RecoveryReport): void {
  for (const s of report.skipped) {
    logger.warn(
      { offset: s.offset, length: s.length, kind: s.kind, savedAs: s.savedAs },
      s.kind === 'corrupt'
        ? 'commit log: damaged bytes skipped, the records after them kept'
        : 'commit log: torn tail after the last valid record removed',
    );
  }
  const summary = {
    cleanShutdown: report.cleanShutdown,
    logEnd: report.logEnd,
    verifiedFrom: report.verifiedFrom,
    recordsVerified: report.recordsVerified,
    redispatched: report.redispatched,
    fullRebuild: report.fullRebuild,
    skippedRanges: report.skipped.length,
    holes: report.holes,
  };
  if (report.skipped.length > 0 || report.fullRebuild || !report.cleanShutdown) {
    logger.warn(summary, 'store recovered');
  } else {
    logger.info(summary, 'store recovered');
  }
}

/** Opens the segment files after checking names, contiguity and sizes. */
function openSegments(commitLog: CommitLog): void {
  const io = commitLog.io;
  const files = listOffsetFiles(io, commitLog.dir);
  files.forEach((f, i) => {
    const expected = files[0]!.start + i * commitLog.segmentSize;
    if (f.start !== expected || f.start % commitLog.segmentSize !== 0) {
      throw new IllegalStateError(
        `commit log file ${f.name} does not follow the previous one with segment size ${commitLog.segmentSize}; ` +
          'was the store written with a different commitLogSegmentSize?',
      );
    }
    const file = path.join(commitLog.dir, f.name);
    const size = io.sizeSync(file);
    if (size !== commitLog.segmentSize) {
      if (i !== files.length - 1 || size > commitLog.segmentSize) {
        throw new IllegalStateError(
          `commit log file ${f.name} has ${size} bytes, expected ${commitLog.segmentSize}`,
        );
      }
      io.truncateSync(file, commitLog.segmentSize); // crash while the last file was being created
    }
  });
  commitLog.openSegments(files);
}
