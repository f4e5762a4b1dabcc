/**
 * TopicList `{["brokerAddr":"ip:port",]"topicList":["A","B"]}`: GET_ALL_TOPIC_LIST_FROM_NAMESERVER
 * (206), GET_TOPICS_BY_CLUSTER (224), GET_SYSTEM_TOPIC_LIST_FROM_NS (304), unit lists (311-313).
 * `topicList` is a Java Set (unordered); written in the order given.
 */
import { parseFastjsonObject } from '../json/fastjson-parse.js';
import type { FastjsonParseOptions } from '../json/fastjson-parse.js';
import { toFastjsonBytes } from '../json/fastjson-write.js';
import { ObjectReader } from '../json/object-reader.js';

export interface TopicList {
  topicList: string[];
  brokerAddr?: string;
}

/** Encodes a TopicList body (a set of topic names, optionally with the broker address). */
export function encodeTopicList(list: TopicList): Buffer {
  return toFastjsonBytes({ brokerAddr: list.brokerAddr, topicList: list.topicList }, 'plain');
}

/** Decodes a TopicList body (GET_ALL_TOPIC_LIST_FROM_NAMESERVER and similar responses). */
export function decodeTopicList(body: Uint8Array, options: FastjsonParseOptions = {}): TopicList {
  const r = new ObjectReader(parseFastjsonObject(body, options), 'TopicList');
  const out: TopicList = { topicList: r.stringArray('topicList') ?? [] };
  const addr = r.string('brokerAddr');
  if (addr !== undefined) out.brokerAddr = addr;
  return out;
}
