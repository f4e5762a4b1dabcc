/**
 * ClusterInfo: body of the GET_BROKER_CLUSTER_INFO (106) answer (reference §6.7). The name server
 * writes it with fastjson defaults whatever the request version, so broker ids are ALWAYS unquoted:
 *   {"brokerAddrTable":{"broker-a":{"brokerAddrs":{0:"ip:port",1:"ip:port"},"brokerName":"broker-a",
 *     "cluster":"DefaultCluster"[5.x: ,"enableActingMaster":false]}},
 *    "clusterAddrTable":{"DefaultCluster":["broker-a"]}}
 * Map entry order is Java HashMap order in Java; here the order of the given Maps.
 */
import { parseFastjsonObject } from '../json/fastjson-parse.js';
import type { FastjsonParseOptions } from '../json/fastjson-parse.js';
import { toFastjsonBytes } from '../json/fastjson-write.js';
import type { JsonOut } from '../json/fastjson-write.js';
import { ObjectReader } from '../json/object-reader.js';
import { brokerDataFromJson, brokerDataToJson } from './route.js';
import type { BrokerData } from './route.js';

export interface ClusterInfo {
  /** brokerName -> BrokerData. */
  brokerAddrTable: Map<string, BrokerData>;
  /** clusterName -> broker names. */
  clusterAddrTable: Map<string, string[]>;
}

/** Encodes a ClusterInfo body (GET_BROKER_CLUSTER_INFO response) as Java's fastjson writes it; `v5` adds the 5.x fields. */
export function encodeClusterInfo(info: ClusterInfo, options: { v5?: boolean } = {}): Buffer {
  const v5 = options.v5 ?? false;
  const brokers = new Map<string, JsonOut>();
  for (const [name, b] of info.brokerAddrTable) brokers.set(name, brokerDataToJson(b, v5));
  return toFastjsonBytes({ brokerAddrTable: brokers, clusterAddrTable: info.clusterAddrTable }, 'plain');
}

/** Decodes a ClusterInfo body (GET_BROKER_CLUSTER_INFO response): brokers by name and brokers by cluster. */
export function decodeClusterInfo(body: Uint8Array, options: FastjsonParseOptions = {}): ClusterInfo {
  const r = new ObjectReader(parseFastjsonObject(body, options), 'ClusterInfo');
  const info: ClusterInfo = { brokerAddrTable: new Map(), clusterAddrTable: new Map() };
  const brokers = r.object('brokerAddrTable');
  if (brokers !== undefined) {
    for (const name of brokers.obj.keys()) {
      const b = brokers.object(name);
      if (b !== undefined) info.brokerAddrTable.set(name, brokerDataFromJson(b));
    }
  }
  const clusters = r.object('clusterAddrTable');
  if (clusters !== undefined) {
    for (const name of clusters.obj.keys()) {
      const names = clusters.stringArray(name);
      if (names !== undefined) info.clusterAddrTable.set(name, names);
    }
  }
  return info;
}
