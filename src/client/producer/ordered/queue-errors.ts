/**
 * Errors of sends aimed at one queue (a given queue, a selector's choice, a sharding key). None is
 * retriable: a fixed-queue send never moves to another queue (that would break the key's order).
 */
import { ClientErrorCode, IllegalArgumentError, MQClientError } from '../../../common/errors.js';
import type { SendResult } from '../send-result.js';

/** Why a selector gave no usable queue. */
export type QueueSelectionFailure = 'threw' | 'returned-nothing' | 'not-in-route';

/**
 * The selector threw, returned nothing (Java: "select message queue return null.") or returned a
 * queue that is not one of the topic's writable queues it was given.
 */
export class QueueSelectionError extends MQClientError {
  constructor(
    /** How the selector failed: threw, returned nothing, or returned a queue not offered. */
    readonly reason: QueueSelectionFailure,
    message: string,
    cause?: unknown,
  ) {
    super(message, { retriable: false, cause, code: ClientErrorCode.QUEUE_SELECTION_FAILED });
  }
}

/**
 * The message's topic differs from the target queue's topic (Java: "message's topic not equal mq's
 * topic"), or the queue argument is not a queue.
 */
export class QueueTargetError extends IllegalArgumentError {}

/** sendBatches failed part way: `results` holds the sub-batches stored before `failedBatch`. */
export class BatchSendError extends MQClientError {
  constructor(
    /** Results of the sub-batches stored before the failure. */
    readonly results: readonly SendResult[],
    /** Index (0-based) of the sub-batch that failed. */
    readonly failedBatch: number,
    /** Number of sub-batches the messages were split into. */
    readonly batchCount: number,
    cause: unknown,
  ) {
    super(
      `sub-batch ${failedBatch + 1} of ${batchCount} failed after ${results.length} stored: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause, retriable: false, code: ClientErrorCode.BATCH_PARTIALLY_SENT },
    );
  }
}
