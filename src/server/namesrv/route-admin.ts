/**
 * Administrative changes to the route tables: DELETE_TOPIC_IN_NAMESRV, WIPE/ADD_WRITE_PERM_OF_BROKER
 * and the 5.x REGISTER_TOPIC_IN_NAMESRV (Java RouteInfoManager semantics).
 */
import type { QueueData } from '../../protocol/body/route.js';
import { Perm } from '../../protocol/codes/misc.js';
import { NameServerRequestError } from './limits.js';
import type { RouteRegistry } from './route-registry.js';

/** DELETE_TOPIC_IN_NAMESRV: the whole topic, or only its queues on the brokers of `clusterName`. */
export function deleteTopic(registry: RouteRegistry, topic: string, clusterName?: string): void {
  if (clusterName === undefined || clusterName === '') {
    registry.topicQueueTable.removeTopic(topic);
    return;
  }
  const names = registry.clusterAddrTable.get(clusterName);
  if (names === undefined || !registry.topicQueueTable.has(topic)) return;
  for (const name of names.keys()) registry.topicQueueTable.removeQueueData(topic, name);
}

/** WIPE_WRITE_PERM_OF_BROKER (clear PERM_WRITE) / ADD_WRITE_PERM_OF_BROKER (perm = read|write). */
export function changeWritePerm(registry: RouteRegistry, brokerName: string, wipe: boolean): number {
  let count = 0;
  for (const topic of registry.topicQueueTable.topicsOf(brokerName)) {
    const qd = registry.topicQueueTable.get(topic)?.get(brokerName);
    if (qd === undefined) continue;
    qd.perm = wipe ? qd.perm & ~Perm.WRITE : Perm.READ | Perm.WRITE;
    count++;
  }
  return count;
}

/**
 * 5.x REGISTER_TOPIC_IN_NAMESRV: puts the given queue datas under `topic`; refused as a whole
 * (returns false) when one names a broker that is not registered.
 */
export function registerTopic(
  registry: RouteRegistry,
  topic: string,
  queueDatas: readonly QueueData[],
): boolean {
  if (queueDatas.length === 0) return true;
  if (queueDatas.some((q) => !registry.brokerAddrTable.has(q.brokerName))) return false;
  if (!registry.topicQueueTable.has(topic) && registry.topicQueueTable.size >= registry.limits.maxTopics) {
    throw new NameServerRequestError(`the route table would exceed ${registry.limits.maxTopics} topics`);
  }
  for (const q of queueDatas) registry.topicQueueTable.putQueueData(topic, { ...q });
  return true;
}
