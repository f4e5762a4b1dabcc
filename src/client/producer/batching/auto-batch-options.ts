/**
 * Options of auto-batching (Java 5.x DefaultMQProducer autoBatch, batchMaxDelayMs, batchMaxBytes,
 * totalBatchMaxBytes, whose values ProduceAccumulator keeps): the defaults and the ranges are Java's
 * (ProduceAccumulator: holdMs 10, holdSize 32 KiB, totalHoldSize 32 MiB; batchMaxDelayMs 1 ms..30 s,
 * batchMaxBytes 1 B..2 MiB, totalBatchMaxBytes > 0), checked when the producer is built.
 */
import { IllegalArgumentError } from '../../../common/errors.js';

export const AUTO_BATCH_DEFAULTS = {
  autoBatch: false,
  batchMaxDelayMs: 10,
  batchMaxBytes: 32 * 1024,
  totalBatchMaxBytes: 32 * 1024 * 1024,
} as const;

export interface AutoBatchOptions {
  /**
   * Gather sync and async sends of one topic (and queue, tag, waitStoreMsgOK) into SEND_BATCH_MESSAGE
   * requests; each send still settles with its own SendResult or error. Default false (as Java).
   */
  autoBatch?: boolean;
  /** Longest a message waits for its batch to fill, ms (1..30000). Default 10. */
  batchMaxDelayMs?: number;
  /** A batch leaves once its bodies exceed this many bytes (1..2 MiB). Default 32 KiB. */
  batchMaxBytes?: number;
  /** Body bytes held in unsent batches at most; beyond, sends go out alone. Default 32 MiB. */
  totalBatchMaxBytes?: number;
}

export interface AutoBatchConfig {
  readonly autoBatch: boolean;
  readonly batchMaxDelayMs: number;
  readonly batchMaxBytes: number;
  readonly totalBatchMaxBytes: number;
}

function checkRange(name: string, value: number, min: number, max: number, unit: string): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new IllegalArgumentError(
      `option ${name} expects an integer between ${min} and ${max} ${unit}, got ${String(value)}`,
    );
  }
}

export function resolveAutoBatch(options: AutoBatchOptions): AutoBatchConfig {
  const config = {
    autoBatch: !!(options.autoBatch ?? AUTO_BATCH_DEFAULTS.autoBatch),
    batchMaxDelayMs: options.batchMaxDelayMs ?? AUTO_BATCH_DEFAULTS.batchMaxDelayMs,
    batchMaxBytes: options.batchMaxBytes ?? AUTO_BATCH_DEFAULTS.batchMaxBytes,
    totalBatchMaxBytes: options.totalBatchMaxBytes ?? AUTO_BATCH_DEFAULTS.totalBatchMaxBytes,
  };
  checkRange('batchMaxDelayMs', config.batchMaxDelayMs, 1, 30_000, 'ms');
  checkRange('batchMaxBytes', config.batchMaxBytes, 1, 2 * 1024 * 1024, 'bytes');
  checkRange('totalBatchMaxBytes', config.totalBatchMaxBytes, 1, Number.MAX_SAFE_INTEGER, 'bytes');
  return config;
}
