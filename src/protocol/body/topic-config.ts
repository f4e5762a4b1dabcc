/**
 * TopicConfig, DataVersion and TopicConfigSerializeWrapper (reference §6.3): the topic table a
 * broker registers with the name server and answers to GET_ALL_TOPIC_CONFIG (21). Written with
 * fastjson defaults, keys alphabetical:
 *   4.9.8: {"dataVersion":{"counter":3,"timestamp":1700000000000},
 *           "topicConfigTable":{"T":{"order":false,"perm":6,"readQueueNums":4,
 *             "topicFilterType":"SINGLE_TAG","topicName":"T","topicSysFlag":0,"writeQueueNums":4}}}
 *   5.x  : DataVersion gains "stateVersion", TopicConfig gains "attributes":{} (first key), and the
 *          wrapper (TopicConfigAndMappingSerializeWrapper) gains "mappingDataVersion",
 *          "topicQueueMappingDetailMap", "topicQueueMappingInfoMap".
 */
import { ProtocolError } from '../../common/errors.js';
import type { JsonValue } from '../json/fastjson-parse.js';
import type { JsonOut } from '../json/fastjson-write.js';
import type { ObjectReader } from '../json/object-reader.js';

export type TopicFilterType = 'SINGLE_TAG' | 'MULTI_TAG';

export interface TopicConfig {
  topicName: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  topicFilterType: TopicFilterType;
  topicSysFlag: number;
  order: boolean;
  /** 5.x topic attributes (e.g. "+message.type" -> "NORMAL"); written as {} by 5.x when empty. */
  attributes?: Map<string, string>;
}

/** Bits of TopicConfig.topicSysFlag (Java TopicSysFlag). */
export const TopicSysFlag = {
  UNIT: 0x1,
  UNIT_SUB: 0x2,
} as const;

/** Java's TopicConfig field defaults (16 queues, read+write). */
export const TOPIC_CONFIG_DEFAULTS = {
  readQueueNums: 16,
  writeQueueNums: 16,
  perm: 6,
  topicFilterType: 'SINGLE_TAG',
  topicSysFlag: 0,
  order: false,
} as const satisfies Omit<TopicConfig, 'topicName' | 'attributes'>;

/** A TopicConfig with Java's defaults for every field not given. */
export function makeTopicConfig(
  topicName: string,
  fields: Partial<Omit<TopicConfig, 'topicName'>> = {},
): TopicConfig {
  return { topicName, ...TOPIC_CONFIG_DEFAULTS, ...fields };
}

export interface DataVersion {
  /** Milliseconds since the epoch of the last change. */
  timestamp: number;
  counter: number;
  /** 5.x (controller mode); 0 otherwise. Written only in 5.x form. */
  stateVersion?: number;
}

/** Java DataVersion.equals: same timestamp and counter (5.x: and stateVersion). */
export function dataVersionEquals(a: DataVersion, b: DataVersion): boolean {
  return (
    a.timestamp === b.timestamp && a.counter === b.counter && (a.stateVersion ?? 0) === (b.stateVersion ?? 0)
  );
}

/** 5.x DataVersion.compare: stateVersion, then counter, then timestamp. */
export function compareDataVersion(a: DataVersion, b: DataVersion): number {
  const d =
    (a.stateVersion ?? 0) - (b.stateVersion ?? 0) || a.counter - b.counter || a.timestamp - b.timestamp;
  return Math.sign(d);
}

/** Java nextVersion(): counter + 1, timestamp = now (passed in: this layer has no clock). */
export function nextDataVersion(v: DataVersion, nowMillis: number, stateVersion?: number): DataVersion {
  const next: DataVersion = { timestamp: nowMillis, counter: v.counter + 1 };
  if (stateVersion !== undefined || v.stateVersion !== undefined) next.stateVersion = stateVersion ?? 0;
  return next;
}

export function dataVersionToJson(v: DataVersion, v5: boolean): JsonOut {
  return { counter: v.counter, stateVersion: v5 ? (v.stateVersion ?? 0) : undefined, timestamp: v.timestamp };
}

export function dataVersionFromJson(r: ObjectReader): DataVersion {
  const v: DataVersion = { timestamp: r.long('timestamp', 0), counter: r.long('counter', 0) };
  if (r.has('stateVersion')) v.stateVersion = r.long('stateVersion', 0);
  return v;
}

export function topicConfigToJson(t: TopicConfig, v5: boolean): JsonOut {
  return {
    attributes: v5 ? (t.attributes ?? new Map<string, string>()) : undefined,
    order: t.order,
    perm: t.perm,
    readQueueNums: t.readQueueNums,
    topicFilterType: t.topicFilterType,
    topicName: t.topicName,
    topicSysFlag: t.topicSysFlag,
    writeQueueNums: t.writeQueueNums,
  };
}

export function parseTopicFilterType(s: string | undefined, path: string): TopicFilterType {
  if (s === undefined) return 'SINGLE_TAG';
  if (s === 'SINGLE_TAG' || s === 'MULTI_TAG') return s;
  throw new ProtocolError(`${path}: unknown topicFilterType ${JSON.stringify(s)}`);
}

/** `fallbackName` (the table key) is used when the entry carries no topicName. */
export function topicConfigFromJson(r: ObjectReader, fallbackName?: string): TopicConfig {
  const name = r.string('topicName') ?? fallbackName;
  if (name === undefined) throw new ProtocolError(`${r.path}: topicName missing`);
  const t: TopicConfig = {
    topicName: name,
    readQueueNums: r.int('readQueueNums', TOPIC_CONFIG_DEFAULTS.readQueueNums),
    writeQueueNums: r.int('writeQueueNums', TOPIC_CONFIG_DEFAULTS.writeQueueNums),
    perm: r.int('perm', TOPIC_CONFIG_DEFAULTS.perm),
    topicFilterType: parseTopicFilterType(r.string('topicFilterType'), `${r.path}.topicFilterType`),
    topicSysFlag: r.int('topicSysFlag', 0),
    order: r.bool('order', false),
  };
  const attrs = r.stringMap('attributes');
  if (attrs !== undefined) t.attributes = attrs;
  return t;
}

export interface TopicConfigSerializeWrapper {
  dataVersion: DataVersion;
  /** topic -> config, in the order to write (Java: ConcurrentHashMap order). */
  topicConfigTable: Map<string, TopicConfig>;
  /** 5.x TopicConfigAndMappingSerializeWrapper fields (static topics), kept as parsed JSON. */
  mappingDataVersion?: DataVersion;
  topicQueueMappingInfoMap?: Map<string, JsonValue>;
  topicQueueMappingDetailMap?: Map<string, JsonValue>;
}

export function topicConfigWrapperToJson(w: TopicConfigSerializeWrapper, v5: boolean): JsonOut {
  const table = new Map<string, JsonOut>();
  for (const [topic, t] of w.topicConfigTable) table.set(topic, topicConfigToJson(t, v5));
  if (!v5) return { dataVersion: dataVersionToJson(w.dataVersion, false), topicConfigTable: table };
  return {
    dataVersion: dataVersionToJson(w.dataVersion, true),
    mappingDataVersion: dataVersionToJson(w.mappingDataVersion ?? { timestamp: 0, counter: 0 }, true),
    topicConfigTable: table,
    topicQueueMappingDetailMap: (w.topicQueueMappingDetailMap ?? new Map()) as ReadonlyMap<string, JsonOut>,
    topicQueueMappingInfoMap: (w.topicQueueMappingInfoMap ?? new Map()) as ReadonlyMap<string, JsonOut>,
  };
}

export function topicConfigWrapperFromJson(r: ObjectReader, maxTopics: number): TopicConfigSerializeWrapper {
  const dv = r.object('dataVersion');
  const w: TopicConfigSerializeWrapper = {
    dataVersion: dv ? dataVersionFromJson(dv) : { timestamp: 0, counter: 0 },
    topicConfigTable: new Map(),
  };
  const table = r.object('topicConfigTable');
  if (table !== undefined) {
    if (table.obj.size > maxTopics) {
      throw new ProtocolError(`${table.path}: ${table.obj.size} topics exceed the limit of ${maxTopics}`);
    }
    for (const topic of table.obj.keys()) {
      const t = table.object(topic);
      if (t !== undefined) w.topicConfigTable.set(topic, topicConfigFromJson(t, topic));
    }
  }
  const mdv = r.object('mappingDataVersion');
  if (mdv !== undefined) w.mappingDataVersion = dataVersionFromJson(mdv);
  const info = r.object('topicQueueMappingInfoMap');
  if (info !== undefined) w.topicQueueMappingInfoMap = new Map(info.obj);
  const detail = r.object('topicQueueMappingDetailMap');
  if (detail !== undefined) w.topicQueueMappingDetailMap = new Map(detail.obj);
  return w;
}
