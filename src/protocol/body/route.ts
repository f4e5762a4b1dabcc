/**
 * TopicRouteData: the body of a GET_ROUTEINFO_BY_TOPIC (105) answer (reference §6.2).
 *
 * JSON keys are alphabetical (fastjson SortField); null fields are omitted:
 *   {"brokerDatas":[{"brokerAddrs":{"0":"ip:port"},"brokerName":..,"cluster":..
 *                    [5.x: ,"enableActingMaster":false[,"zoneName":..]]}],
 *    "filterServerTable":{},["orderTopicConf":"b:4;c:4",]
 *    "queueDatas":[{"brokerName":..,"perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]
 *    [5.x static topics: ,"topicQueueMappingByBroker":{..}]}
 *
 * Two serialisations exist, chosen by the name server per request: `standard` (request version >=
 * V4_9_4 or acceptStandardJsonOnly: quoted brokerId keys, sorted maps, non-ASCII and `/` escaped) and
 * `plain` (older clients: `{0:"ip:port"}`, not valid JSON). Both decode here.
 *
 * Order of brokerDatas / queueDatas: the Java name server does NOT sort them; both come out in Java
 * HashMap iteration order of the broker names (see javaHashMapKeyOrder). The encoder keeps the order
 * given. (Java clients sort QueueData/BrokerData by brokerName themselves before comparing routes.)
 */
import { ProtocolError } from '../../common/errors.js';
import { parseFastjsonObject } from '../json/fastjson-parse.js';
import type { FastjsonParseOptions, JsonObject, JsonValue } from '../json/fastjson-parse.js';
import { toFastjsonBytes } from '../json/fastjson-write.js';
import type { JsonOut } from '../json/fastjson-write.js';
import { ObjectReader, parseLongKey } from '../json/object-reader.js';

/** Per-broker-name queue layout of a topic. */
export interface QueueData {
  /** Broker holding these queues. */
  brokerName: string;
  /** Number of queues consumers read. */
  readQueueNums: number;
  /** Number of queues producers write. */
  writeQueueNums: number;
  /** PermName bits (Perm). */
  perm: number;
  /** 0x1 unit topic, 0x2 has unit subscription. Spelled `topicSynFlag` on the wire up to 4.8.0. */
  topicSysFlag: number;
}

/** One broker name (a master and its slaves). */
export interface BrokerData {
  /** Cluster the broker belongs to. */
  cluster: string;
  /** Name shared by the master and its slaves. */
  brokerName: string;
  /** brokerId (0 = master) -> "ip:port". */
  brokerAddrs: Map<number, string>;
  /** 5.x; written (default false) only when encoding with `v5`. */
  enableActingMaster?: boolean;
  /** 5.x; written only when set and encoding with `v5`. */
  zoneName?: string;
}

/** A topic's route (Java TopicRouteData): its queues per broker and the brokers' addresses by id. */
export interface TopicRouteData {
  /** `brokerName:queueCount;...` from the KV namespace ORDER_TOPIC_CONFIG; absent normally. */
  orderTopicConf?: string;
  /** Queue counts and permissions per broker. */
  queueDatas: QueueData[];
  /** Addresses of each broker, by broker id (0 = master). */
  brokerDatas: BrokerData[];
  /** brokerAddr -> filter server addresses; `{}` normally. */
  filterServerTable: Map<string, string[]>;
  /** 5.x static topics: brokerName -> TopicQueueMappingInfo, kept as parsed JSON. */
  topicQueueMappingByBroker?: Map<string, JsonValue>;
}

export interface RouteEncodeOptions {
  /** true: BrowserCompatible form for request version >= V4_9_4; false: legacy unquoted keys. */
  standardJson: boolean;
  /** Write the 5.x BrokerData field `enableActingMaster` (and `zoneName` when set). */
  v5?: boolean;
}

export function queueDataToJson(q: QueueData): JsonOut {
  return {
    brokerName: q.brokerName,
    perm: q.perm,
    readQueueNums: q.readQueueNums,
    topicSysFlag: q.topicSysFlag,
    writeQueueNums: q.writeQueueNums,
  };
}

export function brokerDataToJson(b: BrokerData, v5: boolean): JsonOut {
  return {
    brokerAddrs: b.brokerAddrs,
    brokerName: b.brokerName,
    cluster: b.cluster,
    enableActingMaster: v5 ? (b.enableActingMaster ?? false) : undefined,
    zoneName: v5 ? b.zoneName : undefined,
  };
}

export function topicRouteDataToJson(route: TopicRouteData, v5: boolean): JsonOut {
  return {
    brokerDatas: route.brokerDatas.map((b) => brokerDataToJson(b, v5)),
    filterServerTable: route.filterServerTable,
    orderTopicConf: route.orderTopicConf,
    queueDatas: route.queueDatas.map(queueDataToJson),
    topicQueueMappingByBroker: route.topicQueueMappingByBroker as ReadonlyMap<string, JsonOut> | undefined,
  };
}

/** Encodes a TopicRouteData body (GET_ROUTEINFO_BY_TOPIC response) as the Java name server writes it. */
export function encodeTopicRouteData(route: TopicRouteData, options: RouteEncodeOptions): Buffer {
  return toFastjsonBytes(
    topicRouteDataToJson(route, options.v5 ?? false),
    options.standardJson ? 'standard' : 'plain',
  );
}

export function queueDataFromJson(r: ObjectReader): QueueData {
  // 4.9.0 renamed topicSynFlag to topicSysFlag; accept either (the new spelling wins if both).
  const flagKey = r.has('topicSysFlag') ? 'topicSysFlag' : 'topicSynFlag';
  return {
    brokerName: r.requiredString('brokerName'),
    readQueueNums: r.int('readQueueNums', 0),
    writeQueueNums: r.int('writeQueueNums', 0),
    perm: r.int('perm', 0),
    topicSysFlag: r.int(flagKey, 0),
  };
}

export function brokerAddrsFromJson(r: ObjectReader | undefined): Map<number, string> {
  const out = new Map<number, string>();
  if (r === undefined) return out;
  const ids = [...r.obj.keys()].map((k) => [parseLongKey(k, r.path), k] as const);
  ids.sort((a, b) => a[0] - b[0]);
  for (const [id, key] of ids) {
    const addr = r.string(key);
    if (addr !== undefined) out.set(id, addr);
  }
  return out;
}

export function brokerDataFromJson(r: ObjectReader): BrokerData {
  const b: BrokerData = {
    cluster: r.string('cluster') ?? '',
    brokerName: r.requiredString('brokerName'),
    brokerAddrs: brokerAddrsFromJson(r.object('brokerAddrs')),
  };
  if (r.has('enableActingMaster')) b.enableActingMaster = r.bool('enableActingMaster', false);
  const zone = r.string('zoneName');
  if (zone !== undefined) b.zoneName = zone;
  return b;
}

export interface RouteDecodeOptions extends FastjsonParseOptions {
  /** Refuse more queue/broker datas than this (default 65536). */
  maxItems?: number;
}

export function topicRouteDataFromJson(obj: JsonObject, maxItems = 65536): TopicRouteData {
  const r = new ObjectReader(obj, 'TopicRouteData');
  const route: TopicRouteData = {
    queueDatas: (r.objectArray('queueDatas', maxItems) ?? []).map(queueDataFromJson),
    brokerDatas: (r.objectArray('brokerDatas', maxItems) ?? []).map(brokerDataFromJson),
    filterServerTable: new Map(),
  };
  const fst = r.object('filterServerTable');
  if (fst !== undefined) {
    for (const addr of fst.obj.keys()) {
      const list = fst.stringArray(addr);
      if (list !== undefined) route.filterServerTable.set(addr, list);
    }
  }
  const conf = r.string('orderTopicConf');
  if (conf !== undefined) route.orderTopicConf = conf;
  const mapping = r.object('topicQueueMappingByBroker');
  if (mapping !== undefined) route.topicQueueMappingByBroker = new Map(mapping.obj);
  return route;
}

/** Decodes either serialisation; unknown (newer) keys are ignored. */
export function decodeTopicRouteData(body: Uint8Array, options: RouteDecodeOptions = {}): TopicRouteData {
  if (body.length === 0) throw new ProtocolError('empty TopicRouteData body');
  return topicRouteDataFromJson(parseFastjsonObject(body, options), options.maxItems);
}
