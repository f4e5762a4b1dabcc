/**
 * AVG (Java's AllocateMessageQueueAveragely): consecutive blocks, the first `queues % members` members
 * taking one queue more. With more members than queues, the last members get nothing.
 */
import type { MessageQueue } from '../../message-queue.js';
import { type AllocateMessageQueueStrategy, checkAllocationInputs } from './allocate-strategy.js';

/** Gives each member a contiguous block of queues, the first members one more when the count does not divide (Java AllocateMessageQueueAveragely, name AVG; the default). */
export class AllocateMessageQueueAveragely implements AllocateMessageQueueStrategy {
  readonly name = 'AVG';

  allocate(
    _consumerGroup: string,
    currentCid: string,
    mqAll: readonly MessageQueue[],
    cidAll: readonly string[],
  ): MessageQueue[] {
    if (!checkAllocationInputs(currentCid, mqAll, cidAll)) return [];
    const index = cidAll.indexOf(currentCid);
    const queues = mqAll.length;
    const members = cidAll.length;
    const mod = queues % members;
    const takesExtra = mod > 0 && index < mod;
    const blockSize = queues <= members ? 1 : Math.floor(queues / members) + (takesExtra ? 1 : 0);
    const start = takesExtra ? index * blockSize : index * blockSize + mod;
    const count = Math.min(blockSize, queues - start);
    return mqAll.slice(start, start + Math.max(0, count));
  }
}
