/**
 * Java AllocateMessageQueueAveragely ("AVG"): the sorted queues cut into consecutive ranges, one per
 * sorted client id; the first `mqAll % cidAll` clients take one queue more.
 * 8 queues, 3 clients: [0 1 2] [3 4 5] [6 7]. 2 queues, 3 clients: [0] [1] [].
 */
import { IllegalArgumentError } from '../../../common/errors.js';
import type { MessageQueue } from '../../message-queue.js';
import type { AllocateMessageQueueStrategy } from './allocate-strategy.js';

/** The argument checks every Java strategy makes (AbstractAllocateMessageQueueStrategy.check). */
export function checkAllocateArguments(
  currentCid: string,
  mqAll: readonly MessageQueue[],
  cidAll: readonly string[],
): boolean {
  if (typeof currentCid !== 'string' || currentCid.length === 0) {
    throw new IllegalArgumentError('currentCID is empty');
  }
  if (mqAll.length === 0) throw new IllegalArgumentError('mqAll is null or mqAll empty');
  if (cidAll.length === 0) throw new IllegalArgumentError('cidAll is null or cidAll empty');
  return cidAll.includes(currentCid);
}

export class AllocateMessageQueueAveragely implements AllocateMessageQueueStrategy {
  readonly name = 'AVG';

  allocate(
    _consumerGroup: string,
    currentCid: string,
    mqAll: readonly MessageQueue[],
    cidAll: readonly string[],
  ): MessageQueue[] {
    if (!checkAllocateArguments(currentCid, mqAll, cidAll)) return [];
    const index = cidAll.indexOf(currentCid);
    const mqs = mqAll.length;
    const cids = cidAll.length;
    const mod = mqs % cids;
    const bigger = mod > 0 && index < mod;
    const averageSize = mqs <= cids ? 1 : bigger ? Math.floor(mqs / cids) + 1 : Math.floor(mqs / cids);
    const startIndex = bigger ? index * averageSize : index * averageSize + mod;
    const range = Math.min(averageSize, mqs - startIndex);
    const result: MessageQueue[] = [];
    for (let i = 0; i < range; i++) result.push(mqAll[startIndex + i] as MessageQueue);
    return result;
  }
}
