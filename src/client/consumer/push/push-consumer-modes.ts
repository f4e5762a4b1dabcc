/**
 * Push consumer options of the consumption modes: orderly, BROADCASTING with its local offset
 * directory, and the allocation strategy chosen by name. Validated with the other options.
 */
import { IllegalArgumentError } from '../../../common/errors.js';
import {
  AllocateMessageQueueAveragely,
  AllocateMessageQueueAveragelyByCircle,
  AllocateMessageQueueConsistentHash,
} from '../allocate/index.js';
import type { AllocateMessageQueueStrategy } from './allocate-strategy.js';
import type { MessageModel, PushConsumerOptions } from './push-consumer-options.js';

/** Strategies selectable by name (the others need arguments: pass the object). */
export const ALLOCATE_STRATEGY_NAMES = ['AVG', 'AVG_BY_CIRCLE', 'CONSISTENT_HASH'] as const;
/** Allocation strategies selectable by name in the `allocateMessageQueueStrategy` option. */
export type AllocateStrategyName = (typeof ALLOCATE_STRATEGY_NAMES)[number];

export function allocateStrategyOption(
  option: AllocateMessageQueueStrategy | AllocateStrategyName | undefined,
): AllocateMessageQueueStrategy {
  if (option === undefined || option === 'AVG') return new AllocateMessageQueueAveragely();
  if (option === 'AVG_BY_CIRCLE') return new AllocateMessageQueueAveragelyByCircle();
  if (option === 'CONSISTENT_HASH') return new AllocateMessageQueueConsistentHash();
  if (
    option === null ||
    typeof option !== 'object' ||
    typeof option.allocate !== 'function' ||
    typeof option.name !== 'string'
  ) {
    throw new IllegalArgumentError(
      `option allocateMessageQueueStrategy must be one of ${ALLOCATE_STRATEGY_NAMES.join(', ')} or an object with a name and allocate(group, currentCid, mqAll, cidAll), got ${typeof option === 'string' ? JSON.stringify(option) : typeof option}`,
    );
  }
  return option;
}

/** orderly must be a boolean; BROADCASTING needs offsetStoreDir. Returns the directory. */
export function checkBroadcastOptions(options: PushConsumerOptions, model: MessageModel): string | undefined {
  if (options.orderly !== undefined && typeof options.orderly !== 'boolean') {
    throw new IllegalArgumentError(`option orderly must be a boolean, got ${String(options.orderly)}`);
  }
  const dir = options.offsetStoreDir;
  if (dir !== undefined && (typeof dir !== 'string' || dir.trim() === '')) {
    throw new IllegalArgumentError('option offsetStoreDir must be a non-empty directory path');
  }
  if (model === 'BROADCASTING' && dir === undefined) {
    throw new IllegalArgumentError(
      'option offsetStoreDir is required with messageModel BROADCASTING: each member keeps its offsets in local files there',
    );
  }
  return dir;
}
