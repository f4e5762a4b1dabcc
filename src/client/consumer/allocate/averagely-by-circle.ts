/** AVG_BY_CIRCLE (Java's AllocateMessageQueueAveragelyByCircle): member i takes queues i, i+n, i+2n... */
import type { MessageQueue } from '../../message-queue.js';
import { type AllocateMessageQueueStrategy, checkAllocationInputs } from './allocate-strategy.js';

/** Deals the queues out one by one in turn, like cards (Java AllocateMessageQueueAveragelyByCircle, name AVG_BY_CIRCLE). */
export class AllocateMessageQueueAveragelyByCircle implements AllocateMessageQueueStrategy {
  readonly name = 'AVG_BY_CIRCLE';

  allocate(
    _consumerGroup: string,
    currentCid: string,
    mqAll: readonly MessageQueue[],
    cidAll: readonly string[],
  ): MessageQueue[] {
    if (!checkAllocationInputs(currentCid, mqAll, cidAll)) return [];
    const result: MessageQueue[] = [];
    for (let i = cidAll.indexOf(currentCid); i < mqAll.length; i += cidAll.length) {
      result.push(mqAll[i] as MessageQueue);
    }
    return result;
  }
}
