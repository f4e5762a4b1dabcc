/** Public API of the message store (used by the broker). */
export { MessageStore } from './message-store.js';
export type { MessageStoreOptions } from './message-store.js';
export { DEFAULT_STORE_CONFIG } from './store-config.js';
export { MAX_INDEX_ENTRIES } from './message-index.js';
export type { FlushDiskType, MessageStoreConfig, StoreHooks } from './store-config.js';
export type { IndexedBatchPut } from './indexed-batch.js';
export type {
  AppendedRecord,
  GetMessageResult,
  GetMessageStatus,
  MessageArrival,
  MessageArrivedListener,
  PutMessageInput,
  PutMessageStatus,
  PutResult,
  TagsCodeFilter,
} from './store-types.js';
export type { TimestampBoundary } from './store-reads.js';
export type { QueryInput, QueryMessageResult } from './store-query.js';
export type { RecoveryReport, SkippedRange } from './recovery.js';
export type { IndexBackfillOutcome, IndexBackfillReport } from './index-backfill.js';
export type { RetentionRound } from './retention.js';
export type { RoundReason } from './retention-policy.js';
export { parseDeleteWhen } from './retention-policy.js';
export type { CommitLogCounters } from './append-types.js';
export type { DiskUsage, FileIO, OpenFlags } from './file-io.js';
export { ConfigStore } from './config-store.js';
export type { ConfigStoreOptions } from './config-store.js';
export { CQ_ENTRY_SIZE } from './consume-queue.js';
