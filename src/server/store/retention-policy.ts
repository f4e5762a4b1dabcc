/**
 * When and which commit-log segments retention deletes (after Java CleanCommitLogService and
 * MappedFileQueue.deleteExpiredFileByTime). Pure: the clock, the file times and the disk usage come in.
 *
 * A round runs when it is one of the `deleteWhen` hours (local time), or when the store's file system
 * is more than `diskMaxUsedSpaceRatio` percent used, or more than `diskSpaceCleanForciblyRatio`
 * percent (then, with cleanFileForciblyEnable, "clean at once": age no longer matters).
 * A round deletes segments from the first one on, while each is expired (last written more than
 * `fileReservedTime` hours ago) or cleaned at once, at most `deleteFileBatchMax`, and stops at the
 * first that is not: never a segment in the middle. Ours adds two stops Java lacks: never the last
 * segment (Java's too), never one that is not wholly below `durableEnd` (the checkpoint's position:
 * below it the log and every consume-queue entry are fsynced, so recovery never needs those bytes).
 * An unknown disk usage (no statfs) triggers nothing (Java's -1 counts as full).
 */
import { IllegalArgumentError } from '../../common/errors.js';

export interface RetentionRules {
  fileReservedTime: number;
  deleteWhen: string;
  diskMaxUsedSpaceRatio: number;
  diskSpaceCleanForciblyRatio: number;
  cleanFileForciblyEnable: boolean;
  deleteFileBatchMax: number;
}

export interface RoundReason {
  /** One of the deleteWhen hours. */
  timeUp: boolean;
  /** Usage above diskMaxUsedSpaceRatio (or above the clean-forcibly ratio). */
  spaceFull: boolean;
  /** Usage above diskSpaceCleanForciblyRatio and cleanFileForciblyEnable: age is ignored. */
  cleanAtOnce: boolean;
}

/** The hours of a deleteWhen value; throws on anything but ';'-separated integers 0..23. */
export function parseDeleteWhen(when: string): number[] {
  const hours = when.split(';').map((h) => h.trim());
  for (const h of hours) {
    if (!/^\d{1,2}$/.test(h) || Number(h) > 23) {
      throw new IllegalArgumentError(
        `deleteWhen "${when}" must be ';'-separated hours 0-23 (local time), e.g. "04" or "04;16"`,
      );
    }
  }
  return hours.map(Number);
}

/** Java UtilAll.isItTimeToDo: the local hour of `now` is one of `deleteWhen`'s. */
export function isTimeToDelete(deleteWhen: string, now: number): boolean {
  return parseDeleteWhen(deleteWhen).includes(new Date(now).getHours());
}

/** Why a round runs now, or undefined when it does not (`usedPercent` NaN: unknown). */
export function roundReason(
  rules: RetentionRules,
  now: number,
  usedPercent: number,
): RoundReason | undefined {
  const timeUp = isTimeToDelete(rules.deleteWhen, now);
  const cleanImmediately = usedPercent > rules.diskSpaceCleanForciblyRatio;
  const spaceFull = cleanImmediately || usedPercent > rules.diskMaxUsedSpaceRatio;
  if (!timeUp && !spaceFull) return undefined;
  return { timeUp, spaceFull, cleanAtOnce: rules.cleanFileForciblyEnable && cleanImmediately };
}

export interface SegmentInfo {
  start: number;
  /** Last write, ms since the epoch (the file's mtime, as Java's lastModified). */
  lastModified: number;
}

/**
 * How many of the first segments may go now. `candidates`: the first segments in log order, never
 * the last one of the log (it never goes); `durableEnd`: the checkpoint's recoverFrom.
 */
export function deletableCount(
  rules: RetentionRules,
  reason: RoundReason,
  candidates: readonly SegmentInfo[],
  segmentSize: number,
  durableEnd: number,
  now: number,
): number {
  const reservedMs = rules.fileReservedTime * 3_600_000;
  let n = 0;
  while (n < candidates.length && n < rules.deleteFileBatchMax) {
    const s = candidates[n]!;
    if (s.start + segmentSize > durableEnd) break;
    if (!(reason.cleanAtOnce || now >= s.lastModified + reservedMs)) break;
    n++;
  }
  return n;
}
