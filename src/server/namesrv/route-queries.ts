/**
 * Read-only views of the route tables, built in the order the Java name server (4.9.8 / 5.3.3)
 * iterates its HashMaps, so the bodies written from them match Java's byte for byte:
 * - a route's queueDatas: values of the topic's brokerName -> QueueData map, in that map's order;
 * - its brokerDatas: the same broker names copied into a fresh HashSet, in that set's order (the two
 *   orders coincide unless the topic once had more than 12 brokers);
 * - topic lists: a fresh HashSet filled from the tables.
 */
import type { BrokerData, TopicRouteData } from '../../protocol/body/route.js';
import type { ClusterInfo } from '../../protocol/body/cluster-info.js';
import { TopicSysFlag } from '../../protocol/body/topic-config.js';
import { isWriteable } from '../../protocol/codes/misc.js';
import { freshHashSetOrder } from '../../protocol/java/hash-map.js';
import { MASTER_ID } from '../../protocol/codes/misc.js';
import type { BrokerRecord, RouteRegistry } from './route-registry.js';

/** Topics named with this prefix never get an acting master (5.x TopicValidator). */
const SYNC_BROKER_MEMBER_GROUP_PREFIX = 'rmq_sys_SYNC_BROKER_MEMBER_';

function copyBrokerData(b: BrokerRecord): BrokerData {
  const copy: BrokerData = {
    cluster: b.cluster,
    brokerName: b.brokerName,
    brokerAddrs: new Map([...b.brokerAddrs].sort((x, y) => x[0] - y[0])),
    enableActingMaster: b.enableActingMaster,
  };
  if (b.zoneName !== undefined) copy.zoneName = b.zoneName;
  return copy;
}

/** The route of `topic`, or undefined when no queue data or no broker data is known for it. */
export function pickupTopicRouteData(registry: RouteRegistry, topic: string): TopicRouteData | undefined {
  const byBroker = registry.topicQueueTable.get(topic);
  if (byBroker === undefined) return undefined;
  const route: TopicRouteData = {
    queueDatas: byBroker.javaValues().map((q) => ({ ...q })),
    brokerDatas: [],
    filterServerTable: new Map(),
  };
  for (const name of freshHashSetOrder(byBroker.javaKeys())) {
    const broker = registry.brokerAddrTable.get(name);
    if (broker === undefined) continue;
    const copy = copyBrokerData(broker);
    route.brokerDatas.push(copy);
    if (registry.filterServerTable.size === 0) continue;
    for (const addr of copy.brokerAddrs.values()) {
      const servers = registry.filterServerTable.get(addr);
      if (servers !== undefined) route.filterServerTable.set(addr, [...servers]);
    }
  }
  if (route.brokerDatas.length === 0) return undefined;
  applyActingMaster(route, topic);
  return route;
}

/**
 * 5.x: a broker group without a master (id 0) whose queues are read-only and that enabled acting
 * master shows its lowest-id slave under id 0, so clients can still read from "the master".
 */
function applyActingMaster(route: TopicRouteData, topic: string): void {
  if (topic.startsWith(SYNC_BROKER_MEMBER_GROUP_PREFIX)) return;
  for (const b of route.brokerDatas) {
    if (b.brokerAddrs.size === 0 || b.brokerAddrs.has(MASTER_ID) || !b.enableActingMaster) continue;
    const q = route.queueDatas.find((qd) => qd.brokerName === b.brokerName);
    if (q === undefined || isWriteable(q.perm)) continue;
    const minId = Math.min(...b.brokerAddrs.keys());
    const addr = b.brokerAddrs.get(minId) as string;
    b.brokerAddrs.delete(minId);
    b.brokerAddrs = new Map([[MASTER_ID, addr], ...b.brokerAddrs]);
  }
}

/** GET_BROKER_CLUSTER_INFO: the broker and cluster tables as they are (Java hands out its own maps). */
export function clusterInfo(registry: RouteRegistry): ClusterInfo {
  const info: ClusterInfo = { brokerAddrTable: new Map(), clusterAddrTable: new Map() };
  for (const [name, broker] of registry.brokerAddrTable.javaEntries())
    info.brokerAddrTable.set(name, copyBrokerData(broker));
  for (const [cluster, names] of registry.clusterAddrTable.javaEntries())
    info.clusterAddrTable.set(cluster, names.javaKeys());
  return info;
}

/** GET_ALL_TOPIC_LIST_FROM_NAMESERVER. */
export function allTopics(registry: RouteRegistry): string[] {
  return freshHashSetOrder(registry.topicQueueTable.javaKeys());
}

/**
 * GET_TOPICS_BY_CLUSTER: topics with queues on any broker of the cluster (none for an unknown one).
 * Java loops over the cluster's broker names and, for each, over the whole topic table, adding to a
 * HashSet: brokers x topics. The set's order depends on insertion order only within a bucket, so we
 * rebuild that insertion order in one pass over the topic table: a topic goes in at the first of the
 * cluster's broker names (in Java order) that holds it, topics of one broker name in table order.
 */
export function topicsByCluster(registry: RouteRegistry, cluster: string): string[] {
  const names = registry.clusterAddrTable.get(cluster);
  if (names === undefined) return [];
  const rankOf = new Map<string, number>();
  for (const name of names.javaKeys()) rankOf.set(name, rankOf.size);
  const byRank: string[][] = Array.from({ length: rankOf.size }, () => []);
  for (const [topic, byBroker] of registry.topicQueueTable.javaEntries()) {
    let first = Infinity;
    for (const name of byBroker.keys()) {
      const rank = rankOf.get(name);
      if (rank !== undefined && rank < first) first = rank;
    }
    if (first !== Infinity) byRank[first]!.push(topic);
  }
  return freshHashSetOrder(byRank.flat());
}

export interface SystemTopicList {
  topics: string[];
  /** Address of one broker, so the caller can ask it for its own system topics. */
  brokerAddr?: string;
}

/** GET_SYSTEM_TOPIC_LIST_FROM_NS: cluster names and broker names (each is also a topic in Java). */
export function systemTopics(registry: RouteRegistry): SystemTopicList {
  const inOrder: string[] = [];
  const seen = new Set<string>();
  const add = (t: string): void => {
    if (!seen.has(t)) {
      seen.add(t);
      inOrder.push(t);
    }
  };
  for (const [cluster, names] of registry.clusterAddrTable.javaEntries()) {
    add(cluster);
    for (const n of names.javaKeys()) add(n);
  }
  const result: SystemTopicList = { topics: freshHashSetOrder(inOrder) };
  for (const broker of registry.brokerAddrTable.javaValues()) {
    const first = [...broker.brokerAddrs].sort((x, y) => x[0] - y[0])[0];
    if (first !== undefined) {
      result.brokerAddr = first[1];
      break;
    }
  }
  return result;
}

/** GET_UNIT_TOPIC_LIST (311) / GET_HAS_UNIT_SUB_TOPIC_LIST (312) / ..._UNUNIT_... (313), by the first queue data. */
export function unitTopics(registry: RouteRegistry, kind: 'unit' | 'unitSub' | 'unitSubNotUnit'): string[] {
  const picked: string[] = [];
  for (const [topic, byBroker] of registry.topicQueueTable.javaEntries()) {
    const first = byBroker.javaValues()[0];
    if (first === undefined) continue;
    const unit = (first.topicSysFlag & TopicSysFlag.UNIT) !== 0;
    const unitSub = (first.topicSysFlag & TopicSysFlag.UNIT_SUB) !== 0;
    if (
      (kind === 'unit' && unit) ||
      (kind === 'unitSub' && unitSub) ||
      (kind === 'unitSubNotUnit' && !unit && unitSub)
    ) {
      picked.push(topic);
    }
  }
  return freshHashSetOrder(picked);
}
