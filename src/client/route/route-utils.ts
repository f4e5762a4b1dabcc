/** Helpers over TopicRouteData used by the client instance: copy, compare, TBW102 clamp, address lookups. */
import type { BrokerData, QueueData, TopicRouteData } from '../../protocol/body/route.js';

function byBrokerName<T extends { brokerName: string }>(a: T, b: T): number {
  return a.brokerName < b.brokerName ? -1 : a.brokerName > b.brokerName ? 1 : 0;
}

/** Deep copy, so that a cached route never changes under its readers. */
export function cloneTopicRouteData(route: TopicRouteData): TopicRouteData {
  const copy: TopicRouteData = {
    queueDatas: route.queueDatas.map((q) => ({ ...q })),
    brokerDatas: route.brokerDatas.map((b) => ({ ...b, brokerAddrs: new Map(b.brokerAddrs) })),
    filterServerTable: new Map([...route.filterServerTable].map(([k, v]) => [k, [...v]])),
  };
  if (route.orderTopicConf !== undefined) copy.orderTopicConf = route.orderTopicConf;
  if (route.topicQueueMappingByBroker !== undefined)
    copy.topicQueueMappingByBroker = new Map(route.topicQueueMappingByBroker);
  return copy;
}

function queueDataKey(q: QueueData): string {
  return `${q.brokerName}|${q.readQueueNums}|${q.writeQueueNums}|${q.perm}|${q.topicSysFlag}`;
}

function brokerDataKey(b: BrokerData): string {
  const addrs = [...b.brokerAddrs].sort((x, y) => x[0] - y[0]).map(([id, a]) => `${id}=${a}`);
  return `${b.brokerName}|${b.cluster}|${addrs.join(',')}`;
}

/** Java topicRouteDataIsChange, negated: same queue and broker data (order-insensitive) and order conf. */
export function topicRouteDataEquals(a: TopicRouteData | undefined, b: TopicRouteData | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  if ((a.orderTopicConf ?? '') !== (b.orderTopicConf ?? '')) return false;
  const qa = [...a.queueDatas].sort(byBrokerName).map(queueDataKey);
  const qb = [...b.queueDatas].sort(byBrokerName).map(queueDataKey);
  const ba = [...a.brokerDatas].sort(byBrokerName).map(brokerDataKey);
  const bb = [...b.brokerDatas].sort(byBrokerName).map(brokerDataKey);
  return qa.join('\n') === qb.join('\n') && ba.join('\n') === bb.join('\n');
}

/**
 * The TBW102 fallback: every queue data gets read = write = min(defaultTopicQueueNums, readQueueNums)
 * (Java updateTopicRouteInfoFromNameServer with isDefault). Returns a modified copy.
 */
export function clampDefaultRoute(route: TopicRouteData, defaultTopicQueueNums: number): TopicRouteData {
  const copy = cloneTopicRouteData(route);
  for (const q of copy.queueDatas) {
    const n = Math.min(defaultTopicQueueNums, q.readQueueNums);
    q.readQueueNums = n;
    q.writeQueueNums = n;
  }
  return copy;
}

/** True when any broker of the route has `addr` as one of its addresses. */
export function routeHasAddress(route: TopicRouteData, addr: string): boolean {
  return route.brokerDatas.some((b) => [...b.brokerAddrs.values()].includes(addr));
}
