/**
 * How a clustering consumer group shares a topic's queues (Java AllocateMessageQueueStrategy). Every
 * member runs the same strategy over the same sorted inputs, so the members' shares do not overlap.
 */
import type { MessageQueue } from '../../message-queue.js';

export interface AllocateMessageQueueStrategy {
  /** Java getName(): reported in the consumer running info (e.g. "AVG"). */
  readonly name: string;
  /**
   * The queues `currentCid` takes. `mqAll` is sorted by topic, broker name, queue id and `cidAll`
   * by client id (Java's natural orders); an empty result when currentCid is not in cidAll.
   */
  allocate(
    consumerGroup: string,
    currentCid: string,
    mqAll: readonly MessageQueue[],
    cidAll: readonly string[],
  ): MessageQueue[];
}
