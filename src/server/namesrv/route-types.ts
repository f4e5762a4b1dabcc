/**
 * The records the route registry (route-registry.ts) keeps per broker, and what a registration
 * carries and answers. Types only; route-registry.ts re-exports them.
 */
import type { RemotingChannel } from '../../transport/types.js';
import type { DataVersion, TopicConfig } from '../../protocol/body/topic-config.js';

export interface BrokerRecord {
  cluster: string;
  brokerName: string;
  /** brokerId -> "ip:port" (Java HashMap<Long, String>: small ids iterate ascending). */
  brokerAddrs: Map<number, string>;
  enableActingMaster: boolean;
  zoneName?: string;
}

export interface BrokerLiveInfo {
  lastUpdateTimestamp: number;
  /** Expiry for this broker, ms (5.x brokers may send their own). */
  heartbeatTimeoutMillis: number;
  dataVersion: DataVersion;
  channel: RemotingChannel | undefined;
  haServerAddr: string;
  clusterName: string;
  brokerName: string;
  brokerId: number;
}

export interface BrokerRegistration {
  clusterName: string;
  brokerAddr: string;
  brokerName: string;
  brokerId: number;
  haServerAddr: string;
  zoneName?: string;
  /** 5.x header; undefined for an old (4.x) broker. */
  enableActingMaster?: boolean;
  heartbeatTimeoutMillis?: number;
  dataVersion: DataVersion;
  /** undefined: the registration carried no topic table (no body). */
  topicConfigs?: Iterable<TopicConfig>;
  /** undefined: leave the filter servers as they are; [] removes them. */
  filterServerList?: string[];
  channel?: RemotingChannel;
}

export interface RegisterBrokerResult {
  /** Set only for a slave whose master is registered and live. */
  haServerAddr?: string;
  masterAddr?: string;
}
