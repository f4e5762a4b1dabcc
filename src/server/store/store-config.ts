/**
 * Message store configuration. Defaults follow the Java broker's MessageStoreConfig (4.9.8), see
 * reference §12.5; all of them live in DEFAULT_STORE_CONFIG so the broker and the CLI share one object.
 */
import type { Logger } from '../../common/logger.js';
import { DEFAULT_MAX_MESSAGE_SIZE } from '../../protocol/message/validators.js';
import type { FileIO } from './file-io.js';

export type FlushDiskType = 'ASYNC_FLUSH' | 'SYNC_FLUSH';

export interface MessageStoreConfig {
  /** Root directory: holds commitlog/, consumequeue/, config/, checkpoint, abort and lock. */
  storePathRootDir: string;
  /** Size of every commit-log segment file (Java mappedFileSizeCommitLog). */
  commitLogSegmentSize: number;
  /** Entries per consume-queue file (Java: mappedFileSizeConsumeQueue / 20). */
  consumeQueueEntriesPerFile: number;
  flushDiskType: FlushDiskType;
  /** ASYNC_FLUSH: interval of the background fdatasync of the commit log. */
  flushIntervalCommitLog: number;
  /** Interval of the consume-queue fdatasync followed by a checkpoint write. */
  flushIntervalConsumeQueue: number;
  /** SYNC_FLUSH: how long an append waits for its fsync before answering FLUSH_DISK_TIMEOUT. */
  syncFlushTimeout: number;
  /** Largest accepted body; a whole record may be up to maxMessageSize + 64 KiB. */
  maxMessageSize: number;
  maxTransferBytesOnMessageInMemory: number;
  maxTransferCountOnMessageInMemory: number;
  maxTransferBytesOnMessageInDisk: number;
  maxTransferCountOnMessageInDisk: number;
  /** Records within this share (percent) of physical RAM from the log end count as "in memory". */
  accessMessageInMemoryMaxRatio: number;
  /** Commit-log files re-verified (CRC) from the end at start-up even after a clean shutdown (Java: 3). */
  recoverVerifyFiles: number;
  /** Largest single positional write issued by the append pipeline. */
  maxWriteBatchBytes: number;
  /** Percent of the file system used above which writes are refused (Java 5 MessageStoreConfig: 90). */
  diskSpaceWarningLevelRatio: number;
  /** Percent used at or below which refused writes are taken again (Java: 85). */
  diskSpaceCleanForciblyRatio: number;
  /** Interval of the used-space check in ms. */
  diskSpaceCheckInterval: number;
  /**
   * Delete old commit-log segments and the consume-queue files that then point at nothing
   * (retention.ts). Not a Java option (Java always cleans): false keeps every file forever, and a
   * full disk then refuses writes.
   */
  cleanFileEnable: boolean;
  /** Hours a commit-log segment is kept after its last write (Java fileReservedTime, 72). */
  fileReservedTime: number;
  /** ';'-separated local hours (0-23) at which expired segments are deleted (Java deleteWhen, "04"). */
  deleteWhen: string;
  /** Percent used above which expired segments are deleted at any hour (Java diskMaxUsedSpaceRatio, 75). */
  diskMaxUsedSpaceRatio: number;
  /**
   * Above diskSpaceCleanForciblyRatio percent used, delete segments whatever their age, oldest first
   * (Java cleanFileForciblyEnable, true).
   */
  cleanFileForciblyEnable: boolean;
  /** Interval of the clean-up rounds in ms (Java cleanResourceInterval, 10 s; the first after 60 s). */
  cleanResourceInterval: number;
  /** Pause between two segment deletions of a round, ms (Java deleteCommitLogFilesInterval, 100). */
  deleteCommitLogFilesInterval: number;
  /** Pause after the consume-queue files of one queue were deleted, ms (Java deleteConsumeQueueFilesInterval, 100). */
  deleteConsumeQueueFilesInterval: number;
  /** Most segments deleted by one round (Java deleteFileBatchMax, 10). */
  deleteFileBatchMax: number;
  /** Index records by KEYS and UNIQ_KEY for QUERY_MESSAGE (Java messageIndexEnable, true). */
  messageIndexEnable: boolean;
  /**
   * Most index entries kept in memory (one per key of a record; a message with a UNIQ_KEY and two
   * KEYS takes three), the oldest dropped first; ~33 bytes each at the bound. Not a Java option
   * (Java keeps index files on disk: maxIndexNum 20 million per file).
   */
  messageIndexMaxEntries: number;
  /** Records a unique-key QUERY_MESSAGE returns at most (Java defaultQueryMaxNum, 32). */
  defaultQueryMaxNum: number;
  /** Records any QUERY_MESSAGE returns at most (Java maxMsgsNumBatch, 64). */
  maxMsgsNumBatch: number;
}

export const DEFAULT_STORE_CONFIG: Omit<MessageStoreConfig, 'storePathRootDir'> = {
  commitLogSegmentSize: 1024 * 1024 * 1024,
  consumeQueueEntriesPerFile: 300_000,
  flushDiskType: 'ASYNC_FLUSH',
  flushIntervalCommitLog: 500,
  flushIntervalConsumeQueue: 1000,
  syncFlushTimeout: 5000,
  maxMessageSize: DEFAULT_MAX_MESSAGE_SIZE,
  maxTransferBytesOnMessageInMemory: 256 * 1024,
  maxTransferCountOnMessageInMemory: 32,
  maxTransferBytesOnMessageInDisk: 64 * 1024,
  maxTransferCountOnMessageInDisk: 8,
  accessMessageInMemoryMaxRatio: 40,
  recoverVerifyFiles: 3,
  maxWriteBatchBytes: 4 * 1024 * 1024,
  diskSpaceWarningLevelRatio: 90,
  diskSpaceCleanForciblyRatio: 85,
  diskSpaceCheckInterval: 1000,
  cleanFileEnable: true,
  fileReservedTime: 72,
  deleteWhen: '04',
  diskMaxUsedSpaceRatio: 75,
  cleanFileForciblyEnable: true,
  cleanResourceInterval: 10_000,
  deleteCommitLogFilesInterval: 100,
  deleteConsumeQueueFilesInterval: 100,
  deleteFileBatchMax: 10,
  messageIndexEnable: true,
  messageIndexMaxEntries: 1_000_000,
  defaultQueryMaxNum: 32,
  maxMsgsNumBatch: 64,
};

/** Test and diagnostics hooks; production code leaves them unset. */
export interface StoreHooks {
  /** The file layer (default node:fs); tests inject failing or power-loss-simulating layers. */
  fileIO?: FileIO;
  /** Replaces fdatasync of commit-log segments (tests inject a slow disk). */
  fdatasync?: (fd: number) => Promise<void>;
  /** Replaces fdatasync of consume-queue files (tests inject a failing disk). */
  queueFdatasync?: (fd: number) => Promise<void>;
  /** Awaited at the start of each store read (tests hold a read while close() runs). */
  beforeRead?: () => Promise<void>;
  /** Awaited before each commit-log write (tests inject a slow write). */
  beforeWrite?: () => Promise<void>;
  /** Clock for STORETIMESTAMP and for retention's file ages and hours (tests pin both). Default Date.now. */
  now?: () => number;
  /** Told about recovery findings, disk-full transitions and failures. Default: silent. */
  logger?: Logger;
}

/** Record bytes outside the body that the encoder allows (Java reserves 64 KiB). */
export const RECORD_OVERHEAD_LIMIT = 64 * 1024;

/** Bytes that an END-OF-FILE blank needs at least (size + magic). */
export const END_FILE_MIN_BLANK_LENGTH = 8;

/** Width of the zero-padded decimal file names of commit-log and consume-queue files. */
export function offsetFileName(offset: number): string {
  return String(offset).padStart(20, '0');
}
