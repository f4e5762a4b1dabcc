/**
 * The name server's route tables (Java RouteInfoManager) and the changes brokers cause: broker
 * registration, unregistration and removal of a dead broker. Admin changes (topic deletion, write
 * permission) are in route-admin.ts, read-only views (routes, cluster info, topic lists) in
 * route-queries.ts, the limits a registration is checked against in limits.ts.
 * The records it keeps per broker and what a registration carries are declared in route-types.ts.
 *
 * Tables, as in Java (all HashMaps, so JavaHashMap keeps their iteration order for the wire):
 *   topicQueueTable   topic -> brokerName -> QueueData
 *   brokerAddrTable   brokerName -> BrokerData (cluster, brokerName, brokerId -> addr)
 *   clusterAddrTable  clusterName -> set of brokerNames
 *   brokerLiveTable   brokerAddr -> liveness (last update, data version, channel, HA address)
 *   filterServerTable brokerAddr -> filter server addresses
 * topicQueueTable also indexes brokerName -> topics (topic-queue-table.ts), so that removing a broker
 * costs its own topics, not the whole table.
 *
 * Semantics follow 4.9.8, plus the 5.x registration extras that change what clients see: zone name,
 * enableActingMaster, per-broker heartbeat timeout, topic table applied by the lowest-id slave of a
 * 5.x broker group whose master is gone (write permission stripped when acting master is enabled),
 * and topics missing from the route restored by any registration (5.x isTopicConfigChanged).
 */
import type { RemotingChannel } from '../../transport/types.js';
import type { DataVersion, TopicConfig } from '../../protocol/body/topic-config.js';
import { dataVersionEquals } from '../../protocol/body/topic-config.js';
import { MASTER_ID, Perm } from '../../protocol/codes/misc.js';
import { JavaHashMap } from '../../protocol/java/hash-map.js';
import { DEFAULT_LIMITS, checkRegistrationLimits } from './limits.js';
import { TopicQueueTable } from './topic-queue-table.js';
import type { NameServerLimits } from './limits.js';
import type {
  BrokerLiveInfo,
  BrokerRecord,
  BrokerRegistration,
  RegisterBrokerResult,
} from './route-types.js';

export const DEFAULT_BROKER_EXPIRY_MILLIS = 120_000;

export type {
  BrokerLiveInfo,
  BrokerRecord,
  BrokerRegistration,
  RegisterBrokerResult,
} from './route-types.js';

export interface RouteRegistryOptions {
  limits?: Partial<NameServerLimits>;
  /** Default broker expiry, ms (Java 120000). */
  brokerExpiryMillis?: number;
  now?: () => number;
}

export class RouteRegistry {
  readonly topicQueueTable = new TopicQueueTable();
  readonly brokerAddrTable = new JavaHashMap<BrokerRecord>(128);
  readonly clusterAddrTable = new JavaHashMap<JavaHashMap<true>>(32);
  readonly brokerLiveTable = new Map<string, BrokerLiveInfo>();
  readonly filterServerTable = new Map<string, string[]>();
  readonly limits: NameServerLimits;
  readonly brokerExpiryMillis: number;
  readonly now: () => number;

  constructor(options: RouteRegistryOptions = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.brokerExpiryMillis = options.brokerExpiryMillis ?? DEFAULT_BROKER_EXPIRY_MILLIS;
    this.now = options.now ?? Date.now;
  }

  registerBroker(reg: BrokerRegistration): RegisterBrokerResult {
    const topics = reg.topicConfigs === undefined ? undefined : [...reg.topicConfigs];
    checkRegistrationLimits(this, reg, topics);

    let brokerNames = this.clusterAddrTable.get(reg.clusterName);
    if (brokerNames === undefined) {
      brokerNames = new JavaHashMap<true>();
      this.clusterAddrTable.set(reg.clusterName, brokerNames);
    }
    brokerNames.set(reg.brokerName, true);

    let registerFirst = false;
    let broker = this.brokerAddrTable.get(reg.brokerName);
    if (broker === undefined) {
      registerFirst = true;
      broker = {
        cluster: reg.clusterName,
        brokerName: reg.brokerName,
        brokerAddrs: new Map(),
        enableActingMaster: false,
      };
      this.brokerAddrTable.set(reg.brokerName, broker);
    }
    const oldBroker = reg.enableActingMaster === undefined;
    broker.enableActingMaster = !oldBroker && reg.enableActingMaster === true;
    if (reg.zoneName !== undefined) broker.zoneName = reg.zoneName;
    else delete broker.zoneName;

    // One address has one id: a slave promoted to master first drops its old <id, addr> entry.
    for (const [id, addr] of broker.brokerAddrs) {
      if (addr === reg.brokerAddr && id !== reg.brokerId) broker.brokerAddrs.delete(id);
    }
    const oldAddr = broker.brokerAddrs.get(reg.brokerId);
    broker.brokerAddrs.set(reg.brokerId, reg.brokerAddr);
    registerFirst = registerFirst || oldAddr === undefined;

    const isMaster = reg.brokerId === MASTER_ID;
    const isPrimeSlave = !oldBroker && !isMaster && reg.brokerId === Math.min(...broker.brokerAddrs.keys());
    if (topics !== undefined && (isMaster || isPrimeSlave)) {
      const changed = registerFirst || this.isBrokerTopicConfigChanged(reg.brokerAddr, reg.dataVersion);
      for (const config of topics) {
        // 5.x isTopicConfigChanged: an unchanged table still restores a topic the route lost for this
        // broker (DELETE_TOPIC_IN_NAMESRV, an entry refused earlier); 4.9 waited for the next change.
        if (!changed && this.topicQueueTable.get(config.topicName)?.has(reg.brokerName) === true) continue;
        let perm = config.perm;
        if (isPrimeSlave && broker.enableActingMaster) perm &= ~Perm.WRITE;
        this.createAndUpdateQueueData(reg.brokerName, config, perm);
      }
    }

    this.brokerLiveTable.set(reg.brokerAddr, {
      lastUpdateTimestamp: this.now(),
      heartbeatTimeoutMillis: reg.heartbeatTimeoutMillis ?? this.brokerExpiryMillis,
      dataVersion: { ...reg.dataVersion },
      channel: reg.channel,
      haServerAddr: reg.haServerAddr,
      clusterName: reg.clusterName,
      brokerName: reg.brokerName,
      brokerId: reg.brokerId,
    });

    if (reg.filterServerList !== undefined) {
      if (reg.filterServerList.length === 0) this.filterServerTable.delete(reg.brokerAddr);
      else this.filterServerTable.set(reg.brokerAddr, [...reg.filterServerList]);
    }

    const result: RegisterBrokerResult = {};
    if (!isMaster) {
      const masterAddr = broker.brokerAddrs.get(MASTER_ID);
      const masterLive = masterAddr === undefined ? undefined : this.brokerLiveTable.get(masterAddr);
      if (masterAddr !== undefined && masterLive !== undefined) {
        result.haServerAddr = masterLive.haServerAddr;
        result.masterAddr = masterAddr;
      }
    }
    return result;
  }

  private createAndUpdateQueueData(brokerName: string, config: TopicConfig, perm: number): void {
    // As Java: an equal entry is left in place (a broker re-registering 100k unchanged topics after
    // one change allocates nothing for them).
    const old = this.topicQueueTable.get(config.topicName)?.get(brokerName);
    if (
      old !== undefined &&
      old.readQueueNums === config.readQueueNums &&
      old.writeQueueNums === config.writeQueueNums &&
      old.perm === perm &&
      old.topicSysFlag === config.topicSysFlag
    ) {
      return;
    }
    this.topicQueueTable.putQueueData(config.topicName, {
      brokerName,
      readQueueNums: config.readQueueNums,
      writeQueueNums: config.writeQueueNums,
      perm,
      topicSysFlag: config.topicSysFlag,
    });
  }

  /** True when the stored data version of `brokerAddr` differs from `dataVersion` or is unknown. */
  isBrokerTopicConfigChanged(brokerAddr: string, dataVersion: DataVersion): boolean {
    const prev = this.brokerLiveTable.get(brokerAddr)?.dataVersion;
    return prev === undefined || !dataVersionEquals(prev, dataVersion);
  }

  queryBrokerDataVersion(brokerAddr: string): DataVersion | undefined {
    return this.brokerLiveTable.get(brokerAddr)?.dataVersion;
  }

  /** Refreshes a broker's liveness (QUERY_DATA_VERSION, BROKER_HEARTBEAT). */
  touchBroker(brokerAddr: string, heartbeatTimeoutMillis?: number): boolean {
    const live = this.brokerLiveTable.get(brokerAddr);
    if (live === undefined) return false;
    live.lastUpdateTimestamp = this.now();
    if (heartbeatTimeoutMillis !== undefined && heartbeatTimeoutMillis > 0)
      live.heartbeatTimeoutMillis = heartbeatTimeoutMillis;
    return true;
  }

  /**
   * UNREGISTER_BROKER: drops one address; a broker name left without addresses leaves every table.
   * Stricter than Java: only what still belongs to the sender is removed. A late unregister from an
   * old instance must not remove the new instance of the broker (same name and id, another address)
   * nor the liveness of another broker that now listens on the old address.
   */
  unregisterBroker(clusterName: string, brokerAddr: string, brokerName: string, brokerId: number): void {
    const live = this.brokerLiveTable.get(brokerAddr);
    if (live === undefined || (live.brokerName === brokerName && live.brokerId === brokerId)) {
      this.brokerLiveTable.delete(brokerAddr);
      this.filterServerTable.delete(brokerAddr);
    }
    const broker = this.brokerAddrTable.get(brokerName);
    if (broker === undefined || broker.brokerAddrs.get(brokerId) !== brokerAddr) return;
    broker.brokerAddrs.delete(brokerId);
    if (broker.brokerAddrs.size > 0) return;
    this.brokerAddrTable.delete(brokerName);
    const names = this.clusterAddrTable.get(clusterName);
    if (names !== undefined) {
      names.delete(brokerName);
      if (names.size === 0) this.clusterAddrTable.delete(clusterName);
    }
    this.removeTopicsOfBrokerName(brokerName);
  }

  /**
   * A connection closed (or a broker expired): removes the broker registered over `channel`, or, when
   * none was, the broker whose address equals `remoteAddr` (as Java does). Returns the removed address.
   */
  onChannelDestroy(channel: RemotingChannel | undefined, remoteAddr: string | undefined): string | undefined {
    let found: string | undefined;
    if (channel !== undefined) {
      for (const [addr, live] of this.brokerLiveTable) {
        if (live.channel === channel) {
          found = addr;
          break;
        }
      }
    }
    found ??= remoteAddr;
    if (!found) return undefined;
    const wasLive = this.brokerLiveTable.delete(found);
    this.filterServerTable.delete(found);

    // Java stops at the first broker name holding the address; an address registered under two
    // names (a renamed broker) would then keep a route without liveness that never expires.
    let anyFound = false;
    const emptied: string[] = [];
    // Insertion order is enough here (the outcome does not depend on it); javaEntries would sort
    // every broker name on every closed connection.
    for (const [name, broker] of this.brokerAddrTable) {
      for (const [id, addr] of broker.brokerAddrs) {
        if (addr === found) {
          anyFound = true;
          broker.brokerAddrs.delete(id);
        }
      }
      if (broker.brokerAddrs.size === 0) emptied.push(name);
    }
    for (const name of emptied) {
      this.brokerAddrTable.delete(name);
      for (const [cluster, names] of this.clusterAddrTable) {
        if (names.delete(name)) {
          if (names.size === 0) this.clusterAddrTable.delete(cluster);
          break;
        }
      }
      this.removeTopicsOfBrokerName(name);
    }
    return wasLive || anyFound ? found : undefined;
  }

  private removeTopicsOfBrokerName(brokerName: string): void {
    this.topicQueueTable.removeBrokerName(brokerName);
  }

  /** Live entries whose broker stopped registering: last update + timeout < now. */
  expiredBrokers(): [string, BrokerLiveInfo][] {
    const now = this.now();
    return [...this.brokerLiveTable].filter(
      ([, live]) => live.lastUpdateTimestamp + live.heartbeatTimeoutMillis < now,
    );
  }
}
