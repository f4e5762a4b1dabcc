/** Header serialization form, carried in the top byte of the frame's second int32. */
export const SerializeType = {
  JSON: 0,
  ROCKETMQ: 1,
} as const;
export type SerializeTypeName = keyof typeof SerializeType;
/** Numeric serialize type of a remoting header: 0 JSON, 1 ROCKETMQ (binary). */
export type SerializeTypeCode = (typeof SerializeType)[SerializeTypeName];

/** RemotingCommand flag bits. */
export const CommandFlag = {
  /** Set on every response; clear on requests. */
  RESPONSE: 0x1,
  /** Set on a oneway request: the receiver must not answer. */
  ONEWAY: 0x2,
} as const;

/**
 * Ordinals of MQVersion.Version that change behaviour somewhere. The enum is append-only, so the
 * numbers are stable across releases.
 */
export const MQVersion = {
  /** Clients older than this cannot take RESET_CONSUMER_CLIENT_OFFSET. */
  V3_0_7_SNAPSHOT: 28,
  V3_0_11: 37,
  /** Clients older than this cannot answer broker-to-client calls. */
  V3_1_8_SNAPSHOT: 62,
  V3_4_9: 121,
  V4_0_0: 213,
  V4_9_3: 399,
  /** Name servers answer standard (quoted-key) route JSON to requests at or above this version. */
  V4_9_4: 401,
  V4_9_7: 407,
  V4_9_8: 409,
  V5_0_0: 413,
  V5_1_4: 441,
  V5_2_0: 453,
  V5_3_1: 475,
  V5_3_3: 479,
} as const;

/** The version we announce by default: 4.9.8, the newest 4.x, which every 4.9/5.x peer understands. */
export const DEFAULT_PROTOCOL_VERSION = MQVersion.V4_9_8;
/** MQVersion.getVersionDesc(DEFAULT_PROTOCOL_VERSION): the version name clients and brokers report. */
export const DEFAULT_PROTOCOL_VERSION_DESC = 'V4_9_8';

/** Topic / queue permission bits (PermName). */
export const Perm = {
  PRIORITY: 0x8,
  READ: 0x4,
  WRITE: 0x2,
  INHERIT: 0x1,
} as const;

export function isWriteable(perm: number): boolean {
  return (perm & Perm.WRITE) === Perm.WRITE;
}

export function isReadable(perm: number): boolean {
  return (perm & Perm.READ) === Perm.READ;
}

/** Largest `totalLength` a frame may declare by default: Netty's 16 MiB limit minus the length field. */
export const DEFAULT_MAX_FRAME_LENGTH = 16 * 1024 * 1024 - 4;

/** Largest header a frame can carry: its length shares an int with the serialize type (low 24 bits). */
export const MAX_HEADER_LENGTH = 0xffffff;

/**
 * Largest header accepted by default, in bytes: far below the frame limit, because decoding a header
 * costs far more per byte than carrying a body. A Java request never comes close: its longest field,
 * SEND_MESSAGE properties, is refused by Java beyond 32,767 chars (at most ~192 KiB as JSON escapes).
 */
export const DEFAULT_MAX_HEADER_LENGTH = 1024 * 1024;

/** Most ext fields (custom-header fields) a header may carry by default; Java's longest has ~20. */
export const DEFAULT_MAX_HEADER_FIELDS = 1024;

/** brokerId of a master; slaves have ids >= 1 (Java MixAll.MASTER_ID). */
export const MASTER_ID = 0;

/** Region a broker reports when none is configured (Java MixAll / BrokerConfig regionId default). */
export const DEFAULT_REGION_ID = 'DefaultRegion';

/** Cluster a broker joins when none is configured (Java BrokerConfig brokerClusterName default). */
export const DEFAULT_CLUSTER_NAME = 'DefaultCluster';
