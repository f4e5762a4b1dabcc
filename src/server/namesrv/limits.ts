/**
 * Bounds that keep the name server's memory in check whatever its peers send, and the name checks
 * applied before anything is stored. Java's name server trusts its peers; we refuse with a remark.
 */
import { RequestRefusedError } from '../../common/errors.js';
import type { TopicConfig } from '../../protocol/body/topic-config.js';
import { ResponseCode } from '../../protocol/codes/response-code.js';
import type { BrokerRegistration, RouteRegistry } from './route-registry.js';

export interface NameServerLimits {
  /** Distinct topics held in the route table. */
  maxTopics: number;
  /** Topics one REGISTER_BROKER may carry. */
  maxTopicsPerBroker: number;
  /** Distinct broker names. */
  maxBrokerNames: number;
  /** Registered broker addresses (masters and slaves). */
  maxBrokerAddrs: number;
  maxClusters: number;
  /** Filter servers per broker address. */
  maxFilterServers: number;
  /** KV namespaces, and entries over all namespaces. */
  maxKvNamespaces: number;
  maxKvEntries: number;
  /** Length of a KV value, in UTF-16 units. */
  maxKvValueLength: number;
  /** Length of all KV keys and values together, in UTF-16 units. */
  maxKvTotalLength: number;
  /** Largest REGISTER_BROKER body after inflation, bytes. */
  maxRegisterBodyBytes: number;
  /** Most read / write queues a registered topic entry may have; larger entries are skipped. */
  maxQueueNums: number;
  /** REGISTER_BROKER requests processed (inflated and decoded) at once. */
  maxConcurrentRegistrations: number;
  /** REGISTER_BROKER requests waiting, in arrival order, for one of those; beyond: SYSTEM_BUSY. */
  maxWaitingRegistrations: number;
}

export const DEFAULT_LIMITS: NameServerLimits = {
  maxTopics: 200_000,
  maxTopicsPerBroker: 100_000,
  maxBrokerNames: 4096,
  maxBrokerAddrs: 16_384,
  maxClusters: 1024,
  maxFilterServers: 256,
  maxKvNamespaces: 1024,
  maxKvEntries: 100_000,
  maxKvValueLength: 64 * 1024,
  // Beyond Java (unbounded). The one namespace brokers and clients use, ORDER_TOPIC_CONFIG, holds
  // ~40 characters per ordered topic ("TopicName" -> "broker-a:8;broker-b:8"): 100k ordered topics
  // take ~4M. 16M characters (at most 32 MB of strings, a ~16-48 MB kvConfig.json) leaves room for
  // that and more, while entries x value length alone allowed 6.5 GB.
  maxKvTotalLength: 16 * 1024 * 1024,
  // A 5.x broker's compressed body inflates to ~60 bytes per topic (10k topics: ~0.6 MB); 16 MiB
  // leaves ~160 bytes a topic at maxTopicsPerBroker. Inflation runs in the thread pool; the bound is
  // on the memory each concurrent registration may take (it was 64 MiB).
  maxRegisterBodyBytes: 16 * 1024 * 1024,
  // Clients build one queue object per queue: a hostile 2^31 would take them down, not the server.
  maxQueueNums: 65_536,
  // Java runs name-server requests on a fixed pool (8 threads, bounded queue). Each registration in
  // progress holds its inflated body (up to maxRegisterBodyBytes) and its partly decoded table, so
  // only 2 run at once; waiting ones hold only their compressed body. Brokers re-register every 30 s,
  // so one answered SYSTEM_BUSY in a burst is registered on its next round.
  maxConcurrentRegistrations: 2,
  maxWaitingRegistrations: 256,
};

/** A request that would break a limit or carries an unusable name: refused SYSTEM_ERROR, the message as remark. */
export class NameServerRequestError extends RequestRefusedError {
  constructor(message: string) {
    super(ResponseCode.SYSTEM_ERROR, message);
  }
}

/** Longest name (topic, broker, cluster, KV namespace/key) accepted, in UTF-16 units. */
export const MAX_NAME_LENGTH = 255;

// Control characters, whitespace and the separators Java uses inside its own text formats
// (`;` and `:` in orderTopicConf, space in the compressed TopicConfig text) are refused in names.
// eslint-disable-next-line no-control-regex
const BAD_NAME_CHAR = /[\u0000-\u0020\u007f;:]/;

/** Checks a topic / broker / cluster name; throws NameServerRequestError naming the field. */
export function checkName(kind: string, name: string): void {
  if (name.length === 0) throw new NameServerRequestError(`${kind} is empty`);
  if (name.length > MAX_NAME_LENGTH) {
    throw new NameServerRequestError(`${kind} is longer than ${MAX_NAME_LENGTH} characters`);
  }
  if (BAD_NAME_CHAR.test(name)) {
    throw new NameServerRequestError(
      `${kind} ${JSON.stringify(name)} contains whitespace, a control character, ':' or ';'`,
    );
  }
}

const ADDR_RE = /^[^\s/]{1,253}:\d{1,5}$/;

/** Checks an "ip:port" broker address. */
export function checkAddress(kind: string, addr: string): void {
  if (!ADDR_RE.test(addr) || Number(addr.slice(addr.lastIndexOf(':') + 1)) > 65535) {
    throw new NameServerRequestError(
      `${kind} ${JSON.stringify(addr.slice(0, 80))} is not a host:port address`,
    );
  }
}

/** Checks a KV namespace or key: any text but bounded and non-empty. */
export function checkKvText(kind: string, text: string, max = MAX_NAME_LENGTH): void {
  if (text.length === 0) throw new NameServerRequestError(`${kind} is empty`);
  if (text.length > max) throw new NameServerRequestError(`${kind} is longer than ${max} characters`);
}

/** Refuses a registration that would grow a table past its limit, before anything changes. */
export function checkRegistrationLimits(
  registry: RouteRegistry,
  reg: BrokerRegistration,
  topics: readonly TopicConfig[] | undefined,
): void {
  const l = registry.limits;
  if (topics !== undefined && topics.length > l.maxTopicsPerBroker) {
    throw new NameServerRequestError(
      `${topics.length} topics in one registration exceed the limit of ${l.maxTopicsPerBroker}`,
    );
  }
  if (!registry.clusterAddrTable.has(reg.clusterName) && registry.clusterAddrTable.size >= l.maxClusters) {
    throw new NameServerRequestError(`too many clusters (limit ${l.maxClusters})`);
  }
  if (!registry.brokerAddrTable.has(reg.brokerName) && registry.brokerAddrTable.size >= l.maxBrokerNames) {
    throw new NameServerRequestError(`too many broker names (limit ${l.maxBrokerNames})`);
  }
  if (!registry.brokerLiveTable.has(reg.brokerAddr) && registry.brokerLiveTable.size >= l.maxBrokerAddrs) {
    throw new NameServerRequestError(`too many broker addresses (limit ${l.maxBrokerAddrs})`);
  }
  if (reg.filterServerList !== undefined && reg.filterServerList.length > l.maxFilterServers) {
    throw new NameServerRequestError(`too many filter servers (limit ${l.maxFilterServers})`);
  }
  if (topics !== undefined) {
    let added = 0;
    for (const t of topics) if (!registry.topicQueueTable.has(t.topicName)) added++;
    if (added > 0 && registry.topicQueueTable.size + added > l.maxTopics) {
      throw new NameServerRequestError(`the route table would exceed ${l.maxTopics} topics`);
    }
  }
}
