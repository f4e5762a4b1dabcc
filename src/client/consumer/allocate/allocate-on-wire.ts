/**
 * Runs a strategy over the queues as Java's members see them: with a namespace, Java's queues carry the
 * namespaced topic (`ns%Topic`), and CONSISTENT_HASH hashes `MessageQueue.toString()`, topic included.
 * The queues are handed over with their wire topics and the answer mapped back.
 */
import { withoutNamespace, wrapNamespace } from '../../../protocol/message/index.js';
import { MessageQueue } from '../../message-queue.js';
import type { AllocateMessageQueueStrategy } from './allocate-strategy.js';

export function allocateOnWireTopics(
  strategy: AllocateMessageQueueStrategy,
  namespace: string | undefined,
  consumerGroup: string,
  currentCid: string,
  mqAll: readonly MessageQueue[],
  cidAll: readonly string[],
): MessageQueue[] {
  if (!namespace) return strategy.allocate(consumerGroup, currentCid, mqAll, cidAll);
  const byWireKey = new Map<string, MessageQueue>();
  const wire = mqAll.map((mq) => {
    const w = new MessageQueue(wrapNamespace(namespace, mq.topic), mq.brokerName, mq.queueId);
    byWireKey.set(w.key(), mq);
    return w;
  });
  return strategy
    .allocate(consumerGroup, currentCid, wire, cidAll)
    .map(
      (w) =>
        byWireKey.get(w.key()) ??
        new MessageQueue(withoutNamespace(w.topic, namespace), w.brokerName, w.queueId),
    );
}
