/**
 * Broker options of commit-log and consume-queue retention (Java MessageStoreConfig fileReservedTime,
 * deleteWhen, diskMaxUsedSpaceRatio, ...), passed to the message store as they are (store-config.ts,
 * retention.ts). Defaults are the store's, which are Java's.
 */
import { IllegalArgumentError } from '../../../common/errors.js';
import type { MessageStoreConfig } from '../../store/index.js';
import { DEFAULT_STORE_CONFIG } from '../../store/index.js';
import { parseDeleteWhen } from '../../store/index.js';

export type RetentionOptions = Pick<
  MessageStoreConfig,
  | 'cleanFileEnable'
  | 'fileReservedTime'
  | 'deleteWhen'
  | 'diskMaxUsedSpaceRatio'
  | 'cleanFileForciblyEnable'
  | 'cleanResourceInterval'
  | 'deleteCommitLogFilesInterval'
  | 'deleteConsumeQueueFilesInterval'
  | 'deleteFileBatchMax'
>;

export const DEFAULT_RETENTION_OPTIONS: RetentionOptions = Object.freeze({
  cleanFileEnable: DEFAULT_STORE_CONFIG.cleanFileEnable,
  fileReservedTime: DEFAULT_STORE_CONFIG.fileReservedTime,
  deleteWhen: DEFAULT_STORE_CONFIG.deleteWhen,
  diskMaxUsedSpaceRatio: DEFAULT_STORE_CONFIG.diskMaxUsedSpaceRatio,
  cleanFileForciblyEnable: DEFAULT_STORE_CONFIG.cleanFileForciblyEnable,
  cleanResourceInterval: DEFAULT_STORE_CONFIG.cleanResourceInterval,
  deleteCommitLogFilesInterval: DEFAULT_STORE_CONFIG.deleteCommitLogFilesInterval,
  deleteConsumeQueueFilesInterval: DEFAULT_STORE_CONFIG.deleteConsumeQueueFilesInterval,
  deleteFileBatchMax: DEFAULT_STORE_CONFIG.deleteFileBatchMax,
});

/** The retention options alone, to hand to the store. */
export function retentionOptionsOf(o: RetentionOptions): RetentionOptions {
  const out = {} as Record<keyof RetentionOptions, unknown>;
  for (const k of Object.keys(DEFAULT_RETENTION_OPTIONS) as (keyof RetentionOptions)[]) out[k] = o[k];
  return out as unknown as RetentionOptions;
}

/** Throws IllegalArgumentError naming the bad retention option. */
export function checkRetentionOptions(o: RetentionOptions): void {
  const bad = (message: string): never => {
    throw new IllegalArgumentError(`invalid broker option: ${message}`);
  };
  for (const name of ['cleanFileEnable', 'cleanFileForciblyEnable'] as const) {
    if (typeof o[name] !== 'boolean') bad(`${name} must be true or false`);
  }
  if (!Number.isSafeInteger(o.fileReservedTime) || o.fileReservedTime < 1) {
    bad(`fileReservedTime must be a whole number of hours >= 1 (Java 72), got ${String(o.fileReservedTime)}`);
  }
  if (typeof o.deleteWhen !== 'string') bad('deleteWhen must be a string such as "04" or "04;16"');
  try {
    parseDeleteWhen(o.deleteWhen);
  } catch (err) {
    bad((err as Error).message);
  }
  // Java clamps the ratio to 10..95; we refuse instead.
  if (
    !Number.isInteger(o.diskMaxUsedSpaceRatio) ||
    o.diskMaxUsedSpaceRatio < 10 ||
    o.diskMaxUsedSpaceRatio > 95
  ) {
    bad(
      `diskMaxUsedSpaceRatio must be a whole percent between 10 and 95 (Java 75), got ${String(o.diskMaxUsedSpaceRatio)}`,
    );
  }
  if (!Number.isSafeInteger(o.cleanResourceInterval) || o.cleanResourceInterval < 1) {
    bad('cleanResourceInterval must be a whole number of milliseconds >= 1 (Java 10000)');
  }
  for (const name of ['deleteCommitLogFilesInterval', 'deleteConsumeQueueFilesInterval'] as const) {
    if (!Number.isSafeInteger(o[name]) || o[name] < 0)
      bad(`${name} must be a whole number of milliseconds >= 0`);
  }
  if (!Number.isSafeInteger(o.deleteFileBatchMax) || o.deleteFileBatchMax < 1) {
    bad('deleteFileBatchMax must be a whole number >= 1 (Java 10)');
  }
}
