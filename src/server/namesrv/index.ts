/** The name server: library entry points. */
export { NameServer, DEFAULT_NAMESRV_PORT } from './name-server.js';
export type { NameServerOptions } from './name-server.js';
export { RouteRegistry, DEFAULT_BROKER_EXPIRY_MILLIS } from './route-registry.js';
export type {
  BrokerRecord,
  BrokerLiveInfo,
  BrokerRegistration,
  RegisterBrokerResult,
} from './route-registry.js';
export { pickupTopicRouteData, clusterInfo, allTopics, topicsByCluster } from './route-queries.js';
export { KVConfigStore, ORDER_TOPIC_CONFIG } from './kv-config.js';
export { DEFAULT_LIMITS, NameServerRequestError } from './limits.js';
export type { NameServerLimits } from './limits.js';
