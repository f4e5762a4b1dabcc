/**
 * KVTable `{"table":{"k":"v",...}}`: GET_KVLIST_BY_NAMESPACE (219) answers and the REGISTER_BROKER
 * answer body (namespace ORDER_TOPIC_CONFIG, e.g. {"table":{"TopicTest":"broker-a:4;broker-b:4"}}).
 * fastjson defaults; entry order as given (Java: HashMap order).
 */
import { parseFastjsonObject } from '../json/fastjson-parse.js';
import type { FastjsonParseOptions } from '../json/fastjson-parse.js';
import { toFastjsonBytes } from '../json/fastjson-write.js';
import { ObjectReader } from '../json/object-reader.js';

export interface KVTable {
  table: Map<string, string>;
}

/** Encodes a KVTable body (Java KVTable: a string map) as fastjson does. */
export function encodeKVTable(kv: KVTable): Buffer {
  return toFastjsonBytes({ table: kv.table }, 'plain');
}

/** Decodes a KVTable body (a string map, e.g. GET_BROKER_RUNTIME_INFO or GET_KVLIST_BY_NAMESPACE). */
export function decodeKVTable(body: Uint8Array, options: FastjsonParseOptions = {}): KVTable {
  const r = new ObjectReader(parseFastjsonObject(body, options), 'KVTable');
  return { table: r.stringMap('table') ?? new Map() };
}
