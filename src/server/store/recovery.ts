/**
 * Start-up recovery. Rules (after Java CommitLog.recoverNormally / recoverAbnormally, made stricter):
 *
 * 1. The commit log is walked from the earlier of (a) the checkpoint's `recoverFrom` (below it the log
 *    and all consume queues were fsynced) and (b) the start of the last `recoverVerifyFiles` segments
 *    (Java re-verifies the last 3 files even after a clean shutdown). Every record is checked: size
 *    bounds, magic, field lengths (decoder), body CRC and that PHYSICALOFFSET equals its position.
 *    An END-OF-FILE blank must cover exactly the rest of its file.
 * 2. The walk stops at the first invalid record: that is the end of the log. The torn or corrupt tail
 *    is zeroed and later segment files are deleted, so new appends never sit behind garbage.
 * 3. Consume queues are made to match the log exactly: entries whose record lies beyond the end are
 *    dropped; records met by the walk that are missing from their queue are re-dispatched.
 * 4. A full rebuild (all consume queues deleted and rebuilt from the first segment) happens when the
 *    checkpoint is missing or torn, when fewer non-empty queues exist than the checkpoint recorded
 *    (a deleted consume-queue directory), or when the walk meets a record whose queue has a gap.
 *    The checkpoint is removed first, so a crash during the rebuild leads to another full rebuild.
 *
 * `<root>/abort` exists while a store is open; finding it at start-up means the last shutdown was
 * unclean. The rules above do not depend on it; it is reported for logs and tests.
 */
import path from 'node:path';
import type { MessageRecord } from '../../protocol/message/record.js';
import { decodeMessageRecord } from '../../protocol/message/record.js';
import { MessageMagic } from '../../protocol/message/constants.js';
import { IllegalStateError } from '../../common/errors.js';
import type { CommitLog } from './commit-log.js';
import type { Checkpoint } from './checkpoint.js';
import type { QueueTable } from './queue-table.js';
import { isDispatchedSysFlag, tagsCodeOfProperties } from './queue-table.js';
import { listOffsetFiles, preadSync, zeroRangeSync } from './file-io.js';
import { END_FILE_MIN_BLANK_LENGTH, RECORD_OVERHEAD_LIMIT } from './store-config.js';

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
  /** True when a torn/corrupt tail was found after logEnd (and zeroed). */
  tailTruncated: boolean;
  fullRebuild: boolean;
}

export interface RecoveryInput {
  rootDir: string;
  commitLog: CommitLog;
  queues: QueueTable;
  checkpoint: Checkpoint;
  recoverVerifyFiles: number;
  maxMessageSize: number;
  maxWriteBatchBytes: number;
}

class QueueGapError extends Error {}

export function recoverStore(input: RecoveryInput): RecoveryReport {
  const { commitLog, queues } = input;
  const cleanShutdown = !commitLog.io.existsSync(path.join(input.rootDir, 'abort'));
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
  };
  if (segs.length === 0) {
    // No commit log: whatever consume queues exist point at nothing.
    queues.destroyAll();
    commitLog.setRecoveredEnd(0);
    return report;
  }
  const cp = input.checkpoint.read();
  let full = cp === undefined || queues.nonEmptyCount() < cp.nonEmptyQueues;
  const maxRecord = input.maxMessageSize + RECORD_OVERHEAD_LIMIT;
  for (;;) {
    if (full) {
      input.checkpoint.invalidate();
      queues.destroyAll();
    }
    const tailStart = segs[Math.max(0, segs.length - input.recoverVerifyFiles)].start;
    const from = full ? segs[0].start : Math.max(segs[0].start, Math.min(cp!.recoverFrom, tailStart));
    try {
      report.redispatched = 0;
      report.recordsVerified = 0;
      report.verifiedFrom = from;
      report.logEnd = walkLog(commitLog, from, maxRecord, (rec, pos, size) => {
        report.recordsVerified++;
        if (redispatch(queues, rec, pos, size)) report.redispatched++;
      });
      break;
    } catch (err) {
      if (!(err instanceof QueueGapError) || full) throw err;
      full = true;
    }
  }
  report.fullRebuild = full;
  report.tailTruncated = truncateTail(commitLog, report.logEnd, maxRecord + input.maxWriteBatchBytes);
  for (const cq of queues.all()) {
    cq.truncateByPhysicalEnd(report.logEnd);
    cq.nextQueueOffset = cq.maxOffset;
  }
  commitLog.setRecoveredEnd(report.logEnd);
  return report;
}

/** Opens the segment files after checking names, contiguity and sizes. */
function openSegments(commitLog: CommitLog): void {
  const io = commitLog.io;
  const files = listOffsetFiles(io, commitLog.dir);
  files.forEach((f, i) => {
    const expected = files[0].start + i * commitLog.segmentSize;
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

/**
 * Walks valid records from `from`; returns the position of the first invalid one (the log end).
 * Runs synchronously: nothing else may touch the store before recovery is over.
 */
export function walkLog(
  commitLog: CommitLog,
  from: number,
  maxRecord: number,
  onRecord: (rec: MessageRecord, pos: number, size: number) => void,
): number {
  let pos = from;
  for (;;) {
    const seg = commitLog.segmentFor(pos);
    if (seg === undefined) return pos;
    const inFile = pos - seg.start;
    const left = commitLog.segmentSize - inFile;
    if (left < END_FILE_MIN_BLANK_LENGTH) return pos;
    const head = preadSync(commitLog.io, seg.fd, 8, inFile);
    const size = head.readInt32BE(0);
    const magic = head.readInt32BE(4);
    if (magic === MessageMagic.BLANK) {
      if (size !== left) return pos;
      pos += left;
      continue;
    }
    if (magic !== MessageMagic.V1 && magic !== MessageMagic.V2) return pos;
    if (size < 56 || size > maxRecord || size + END_FILE_MIN_BLANK_LENGTH > left) return pos;
    let rec: MessageRecord;
    try {
      rec = decodeMessageRecord(preadSync(commitLog.io, seg.fd, size, inFile), 0, { verifyCrc: true });
    } catch {
      return pos;
    }
    if (rec.physicalOffset !== BigInt(pos)) return pos;
    onRecord(rec, pos, size);
    pos += size;
  }
}

/** Brings one record's consume queue up to date; true when an entry was written. */
function redispatch(queues: QueueTable, rec: MessageRecord, pos: number, size: number): boolean {
  if (!isDispatchedSysFlag(rec.sysFlag) || queues.isDeleted(rec.topic, pos)) return false;
  const cq = queues.getOrCreate(rec.topic, rec.queueId);
  const qo = Number(rec.queueOffset);
  if (qo < cq.maxOffset) {
    if (pos < cq.maxPhysicEnd) return false; // already there (entries are in log order)
    cq.truncateTo(qo); // the queue holds entries the log does not have at this position
  } else if (qo > cq.maxOffset) {
    throw new QueueGapError(`queue ${rec.topic}/${rec.queueId} lacks offsets ${cq.maxOffset}..${qo - 1}`);
  }
  cq.append([{ phys: pos, size, tagsCode: tagsCodeOfProperties(rec.properties) }]);
  return true;
}

/** Zeroes whatever follows the log end in its segment and deletes later segments. */
function truncateTail(commitLog: CommitLog, end: number, zeroRunLimit: number): boolean {
  const segs = commitLog.segments;
  let truncated = false;
  while (segs.length > 0 && segs[segs.length - 1].start > end) {
    const last = segs.pop()!;
    commitLog.io.closeSync(last.fd);
    commitLog.io.rmSync(last.file);
    truncated = true;
  }
  const seg = commitLog.segmentFor(end);
  if (seg !== undefined) {
    if (zeroRangeSync(commitLog.io, seg.fd, end - seg.start, commitLog.segmentSize, zeroRunLimit))
      truncated = true;
  }
  return truncated;
}
