/**
 * The vocabulary of the append pipeline (append-pipeline.ts): what a put submits, what it is answered,
 * and the errors that stop the log. Kept apart so the put path and the store read these without the
 * pipeline's machinery.
 */
export type AppendStatus = 'PUT_OK' | 'FLUSH_DISK_TIMEOUT' | 'SERVICE_NOT_AVAILABLE' | 'UNKNOWN_ERROR';

export interface AppendOutcome {
  readonly status: AppendStatus;
  readonly reason?: string;
}

/** An error after which the store cannot keep its files consistent: the log stops taking writes. */
export class FatalStoreError extends Error {}

/** One put request (a single message or a batch) whose records were reserved and enqueued. */
export interface AppendSubmission {
  /** Log position just after the submission's last record. */
  readonly end: number;
  /** Wait for an fsync covering `end` before answering (SYNC_FLUSH with WAIT=true). */
  readonly waitFlush: boolean;
  /**
   * Runs synchronously, in log order, right after the bytes are written: stages the consume-queue
   * entries (staged-dispatch.ts). When it throws, it must have undone its own partial effects.
   */
  readonly onWritten: () => void;
  /** Runs after every onWritten of the same write succeeded and the staged entries were committed. */
  readonly onDispatched?: () => void;
  readonly resolve: (outcome: AppendOutcome) => void;
}

export interface CommitLogCounters {
  /** Records appended. */
  appends: number;
  /** fdatasync calls on commit-log segments. */
  fsyncs: number;
  /** Commit-log bytes written (records and blanks). */
  bytesWritten: number;
}

/** True for the errno codes of a full file system or quota. */
export function isDiskFullError(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}
