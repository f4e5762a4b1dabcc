/**
 * How a consumer group splits a topic's queues among its members (Java's AllocateMessageQueueStrategy).
 * Every member runs the same strategy over the same inputs and takes only its own share, so the shares
 * never overlap only if every member computes exactly the same function: ours match Java's output for the
 * same inputs (checked against vectors produced by Apache RocketMQ 4.9.8), so a Java and a TypeScript
 * consumer can share one group. The rebalance sorts both lists first (sortQueuesForAllocation,
 * sortClientIdsForAllocation) as Java's RebalanceImpl does; a strategy takes them in the order given.
 */
import { IllegalArgumentError } from '../../../common/errors.js';
import type { MessageQueue } from '../../message-queue.js';

/** How a consumer group shares a topic's queues among its members (Java AllocateMessageQueueStrategy); every member must use the same strategy. */
export interface AllocateMessageQueueStrategy {
  /** Java's getName(): AVG, AVG_BY_CIRCLE, CONSISTENT_HASH, MACHINE_ROOM, CONFIG, MACHINE_ROOM_NEARBY-<inner>. */
  readonly name: string;
  /**
   * The queues of `mqAll` that `currentCid` consumes. Throws IllegalArgumentError for an empty client id,
   * queue list or member list (as Java throws); returns [] when `currentCid` is not in `cidAll`.
   */
  allocate(
    consumerGroup: string,
    currentCid: string,
    mqAll: readonly MessageQueue[],
    cidAll: readonly string[],
  ): MessageQueue[];
}

/**
 * Java's AbstractAllocateMessageQueueStrategy.check: throws for empty inputs; false (Java logs "[BUG]" and
 * allocates nothing) when the current client is not a member.
 */
export function checkAllocationInputs(
  currentCid: string,
  mqAll: readonly MessageQueue[],
  cidAll: readonly string[],
): boolean {
  if (currentCid.length === 0) throw new IllegalArgumentError('currentCID is empty');
  if (mqAll.length === 0) throw new IllegalArgumentError('mqAll is null or mqAll empty');
  if (cidAll.length === 0) throw new IllegalArgumentError('cidAll is null or cidAll empty');
  return cidAll.includes(currentCid);
}

/** Java's String.compareTo: UTF-16 code units, which is what JavaScript's `<` compares. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Java's MessageQueue.compareTo: topic, then broker name, then queue id. */
export function compareMessageQueues(a: MessageQueue, b: MessageQueue): number {
  return (
    compareStrings(a.topic, b.topic) || compareStrings(a.brokerName, b.brokerName) || a.queueId - b.queueId
  );
}

/** A sorted copy, in the order Java's RebalanceImpl hands queues to a strategy. */
export function sortQueuesForAllocation(mqAll: readonly MessageQueue[]): MessageQueue[] {
  return [...mqAll].sort(compareMessageQueues);
}

/** A sorted copy, in the order Java's RebalanceImpl hands client ids to a strategy. */
export function sortClientIdsForAllocation(cidAll: readonly string[]): string[] {
  return [...cidAll].sort(compareStrings);
}
