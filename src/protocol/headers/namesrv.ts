/**
 * Name server request/response headers (Java package protocol.header.namesrv, plus
 * GetTopicsByClusterRequestHeader). None is a FastCodes header: Java encodes them by reflection into a
 * HashMap, so their wire order is not significant; the tables keep Java's declaration order.
 */
import { TOPIC_REQUEST_FIELDS } from './rpc-fields.js';
import { defineHeader } from './schema.js';
import type { HeaderOf } from './schema.js';

/** GET_ROUTEINFO_BY_TOPIC (105). */
export const GetRouteInfoRequestHeader = defineHeader('GetRouteInfoRequestHeader', {
  topic: { type: 'string', required: true },
  /** Ask for standard (quoted-key) JSON whatever the request version. */
  acceptStandardJsonOnly: { type: 'boolean' },
  ...TOPIC_REQUEST_FIELDS,
});
export type GetRouteInfoRequestHeader = HeaderOf<typeof GetRouteInfoRequestHeader>;

/** REGISTER_BROKER (103). */
export const RegisterBrokerRequestHeader = defineHeader('RegisterBrokerRequestHeader', {
  brokerName: { type: 'string', required: true },
  /** "ip:port". */
  brokerAddr: { type: 'string', required: true },
  clusterName: { type: 'string', required: true },
  /** "ip:haPort". */
  haServerAddr: { type: 'string', required: true },
  /** 0 = master. */
  brokerId: { type: 'number', required: true },
  /** 5.x: per-broker expiry, sent only with enableSlaveActingMaster. */
  heartbeatTimeoutMillis: { type: 'number' },
  /** 5.x brokers always send it; absent means an old broker. */
  enableActingMaster: { type: 'boolean' },
  /** Java primitive, always sent: the body is zlib-deflated. */
  compressed: { type: 'boolean' },
  /** CRC32 of the body & 0x7fffffff; 0 = do not check. Always sent by Java (default 0). */
  bodyCrc32: { type: 'int' },
  /** 5.x extra extField. */
  zoneName: { type: 'string', wire: '__ZONE_NAME' },
});
export type RegisterBrokerRequestHeader = HeaderOf<typeof RegisterBrokerRequestHeader>;

/** Both set only for a slave whose live master is registered. */
export const RegisterBrokerResponseHeader = defineHeader('RegisterBrokerResponseHeader', {
  haServerAddr: { type: 'string' },
  masterAddr: { type: 'string' },
});
export type RegisterBrokerResponseHeader = HeaderOf<typeof RegisterBrokerResponseHeader>;

/** UNREGISTER_BROKER (104). */
export const UnRegisterBrokerRequestHeader = defineHeader('UnRegisterBrokerRequestHeader', {
  brokerName: { type: 'string', required: true },
  brokerAddr: { type: 'string', required: true },
  clusterName: { type: 'string', required: true },
  brokerId: { type: 'number', required: true },
});
export type UnRegisterBrokerRequestHeader = HeaderOf<typeof UnRegisterBrokerRequestHeader>;

/** QUERY_DATA_VERSION (322); the body is the broker's DataVersion JSON. */
export const QueryDataVersionRequestHeader = defineHeader('QueryDataVersionRequestHeader', {
  brokerName: { type: 'string', required: true },
  brokerAddr: { type: 'string', required: true },
  clusterName: { type: 'string', required: true },
  brokerId: { type: 'number', required: true },
});
export type QueryDataVersionRequestHeader = HeaderOf<typeof QueryDataVersionRequestHeader>;

/** Codec of the QUERY_DATA_VERSION (322) response: whether the broker data changed. */
export const QueryDataVersionResponseHeader = defineHeader('QueryDataVersionResponseHeader', {
  changed: { type: 'boolean', required: true },
});
/** Value of the QUERY_DATA_VERSION (322) response: whether the broker data changed. */
export type QueryDataVersionResponseHeader = HeaderOf<typeof QueryDataVersionResponseHeader>;

/** PUT_KV_CONFIG (100). */
export const PutKVConfigRequestHeader = defineHeader('PutKVConfigRequestHeader', {
  namespace: { type: 'string', required: true },
  key: { type: 'string', required: true },
  value: { type: 'string', required: true },
});
export type PutKVConfigRequestHeader = HeaderOf<typeof PutKVConfigRequestHeader>;

/** GET_KV_CONFIG (101). */
export const GetKVConfigRequestHeader = defineHeader('GetKVConfigRequestHeader', {
  namespace: { type: 'string', required: true },
  key: { type: 'string', required: true },
});
export type GetKVConfigRequestHeader = HeaderOf<typeof GetKVConfigRequestHeader>;

/** Codec of the GET_KV_CONFIG (101) response: the value of the key. */
export const GetKVConfigResponseHeader = defineHeader('GetKVConfigResponseHeader', {
  value: { type: 'string' },
});
/** Value of the GET_KV_CONFIG (101) response: the value of the key. */
export type GetKVConfigResponseHeader = HeaderOf<typeof GetKVConfigResponseHeader>;

/** DELETE_KV_CONFIG (102). */
export const DeleteKVConfigRequestHeader = defineHeader('DeleteKVConfigRequestHeader', {
  namespace: { type: 'string', required: true },
  key: { type: 'string', required: true },
});
export type DeleteKVConfigRequestHeader = HeaderOf<typeof DeleteKVConfigRequestHeader>;

/** GET_KVLIST_BY_NAMESPACE (219). */
export const GetKVListByNamespaceRequestHeader = defineHeader('GetKVListByNamespaceRequestHeader', {
  namespace: { type: 'string', required: true },
});
export type GetKVListByNamespaceRequestHeader = HeaderOf<typeof GetKVListByNamespaceRequestHeader>;

/** WIPE_WRITE_PERM_OF_BROKER (205). */
export const WipeWritePermOfBrokerRequestHeader = defineHeader('WipeWritePermOfBrokerRequestHeader', {
  brokerName: { type: 'string', required: true },
});
export type WipeWritePermOfBrokerRequestHeader = HeaderOf<typeof WipeWritePermOfBrokerRequestHeader>;

/** Codec of the WIPE_WRITE_PERM_OF_BROKER (205) response: how many topics lost write permission. */
export const WipeWritePermOfBrokerResponseHeader = defineHeader('WipeWritePermOfBrokerResponseHeader', {
  wipeTopicCount: { type: 'int', required: true },
});
/** Value of the WIPE_WRITE_PERM_OF_BROKER (205) response: how many topics lost write permission. */
export type WipeWritePermOfBrokerResponseHeader = HeaderOf<typeof WipeWritePermOfBrokerResponseHeader>;

/** ADD_WRITE_PERM_OF_BROKER (327). */
export const AddWritePermOfBrokerRequestHeader = defineHeader('AddWritePermOfBrokerRequestHeader', {
  brokerName: { type: 'string', required: true },
});
export type AddWritePermOfBrokerRequestHeader = HeaderOf<typeof AddWritePermOfBrokerRequestHeader>;

/** Codec of the ADD_WRITE_PERM_OF_BROKER (327) response: how many topics regained write permission. */
export const AddWritePermOfBrokerResponseHeader = defineHeader('AddWritePermOfBrokerResponseHeader', {
  addTopicCount: { type: 'int', required: true },
});
/** Value of the ADD_WRITE_PERM_OF_BROKER (327) response: how many topics regained write permission. */
export type AddWritePermOfBrokerResponseHeader = HeaderOf<typeof AddWritePermOfBrokerResponseHeader>;

/** DELETE_TOPIC_IN_NAMESRV (216). */
export const DeleteTopicFromNamesrvRequestHeader = defineHeader('DeleteTopicFromNamesrvRequestHeader', {
  topic: { type: 'string', required: true },
  clusterName: { type: 'string' },
});
export type DeleteTopicFromNamesrvRequestHeader = HeaderOf<typeof DeleteTopicFromNamesrvRequestHeader>;

/** GET_TOPICS_BY_CLUSTER (224). */
export const GetTopicsByClusterRequestHeader = defineHeader('GetTopicsByClusterRequestHeader', {
  cluster: { type: 'string', required: true },
});
export type GetTopicsByClusterRequestHeader = HeaderOf<typeof GetTopicsByClusterRequestHeader>;

/** BROKER_HEARTBEAT (904, 5.x): only the fields the name server reads. */
export const BrokerHeartbeatRequestHeader = defineHeader('BrokerHeartbeatRequestHeader', {
  clusterName: { type: 'string', required: true },
  brokerAddr: { type: 'string', required: true },
  brokerName: { type: 'string', required: true },
});
export type BrokerHeartbeatRequestHeader = HeaderOf<typeof BrokerHeartbeatRequestHeader>;

/** GET_BROKER_MEMBER_GROUP (901, 5.x). */
export const GetBrokerMemberGroupRequestHeader = defineHeader('GetBrokerMemberGroupRequestHeader', {
  clusterName: { type: 'string', required: true },
  brokerName: { type: 'string', required: true },
});
export type GetBrokerMemberGroupRequestHeader = HeaderOf<typeof GetBrokerMemberGroupRequestHeader>;

/** REGISTER_TOPIC_IN_NAMESRV (217, 5.x header). */
export const RegisterTopicRequestHeader = defineHeader('RegisterTopicRequestHeader', {
  topic: { type: 'string', required: true },
});
export type RegisterTopicRequestHeader = HeaderOf<typeof RegisterTopicRequestHeader>;
