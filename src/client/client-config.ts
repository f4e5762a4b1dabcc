/**
 * Options shared by every client (producer now, pull consumer later) and their resolution into one
 * validated, frozen ClientConfig (reference §9.1). Every default lives in CLIENT_DEFAULTS.
 */
import type { OptionKeys } from '../common/option-keys.js';
import { networkInterfaces } from 'node:os';
import { IllegalArgumentError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { silentLogger } from '../common/logger.js';
import { SerializeType } from '../protocol/codes/index.js';
import type { SerializeTypeCode } from '../protocol/codes/index.js';
import { namespaceFromNamesrvAddr } from '../protocol/message/index.js';
import { resolveClientTls } from '../transport/tls/client-tls.js';
import type { ClientTlsOption, ResolvedClientTls } from '../transport/tls/client-tls.js';
import type { RPCHook } from '../transport/types.js';
import { resolveNameServerDiscovery } from './name-server-discovery-options.js';
import type {
  NameServerDiscoveryConfig,
  NameServerDiscoveryOptions,
} from './name-server-discovery-options.js';
import { AclClientRPCHook, type AclCredentials } from './acl-rpc-hook.js';

/** Options every client (producer, consumers) shares: name servers, instance name, namespace, timeouts, ACL, TLS, logger. */
export interface ClientOptions {
  /** Name server addresses: `"host:port;host:port"` or a list. Default: env NAMESRV_ADDR. */
  nameServer?: string | readonly string[];
  /** Namespace prefixed to topics and groups (`ns%topic`). Default: derived from an MQ_INST_ address, else none. */
  namespace?: string;
  /**
   * Part of the client id. `DEFAULT` (the default) becomes `<pid>#<nanotime>` when a producer or a
   * clustering consumer starts; a broadcasting consumer keeps it (Java), and so its offset files' path.
   */
  instanceName?: string;
  /** Our address as reported in the client id. Default: chosen from the network interfaces like Java. */
  clientIP?: string;
  /** Java unitMode, sent in send headers and heartbeats; default false. */
  unitMode?: boolean;
  /** Java unitName: appended to the client id (`ip@instance@unit`) when set. */
  unitName?: string;
  /** Send to the broker's fast port (listen port - 2). Default false. */
  vipChannelEnabled?: boolean;
  /** Route refresh period, ms. Default 30000. */
  pollNameServerInterval?: number;
  /** Heartbeat period, ms. Default 30000. */
  heartbeatBrokerInterval?: number;
  /** Timeout of name server and admin calls, ms. Default 3000. */
  mqClientApiTimeout?: number;
  /** Header form of our requests: 'JSON' (default) or 'ROCKETMQ'. */
  serializeType?: 'JSON' | 'ROCKETMQ';
  /** TCP connect timeout, ms. Default 3000. */
  connectTimeoutMillis?: number;
  /** Hooks run around every request (ACL signing and the like). */
  rpcHooks?: readonly RPCHook[];
  /**
   * TLS on every connection (name servers and brokers), as Java's `tls.enable`: `true`, or settings
   * (`ca`, `cert` / `key` for mutual TLS, `servername`, `rejectUnauthorized` (default true), ...).
   */
  tls?: ClientTlsOption;
  /** Name-server list from an HTTP endpoint or a function, polled (Java wsAddr); see the README. */
  nameServerDiscovery?: NameServerDiscoveryOptions;
  /** Sign every request for a cluster with ACL on (adds an AclClientRPCHook after `rpcHooks`). */
  credentials?: AclCredentials;
  /** Where the client logs (pino-style Logger); default silentLogger. */
  logger?: Logger;
}

/**
 * Every key of ClientOptions, spread into the key lists of producers and consumers: add a line here
 * with each new client option (unknown keys are refused: src/common/option-keys.ts).
 */
export const CLIENT_OPTION_KEYS: OptionKeys<ClientOptions> = {
  nameServer: true,
  namespace: true,
  instanceName: true,
  clientIP: true,
  unitMode: true,
  unitName: true,
  vipChannelEnabled: true,
  pollNameServerInterval: true,
  heartbeatBrokerInterval: true,
  mqClientApiTimeout: true,
  serializeType: true,
  connectTimeoutMillis: true,
  rpcHooks: true,
  tls: true,
  nameServerDiscovery: true,
  credentials: true,
  logger: true,
};

/** Defaults of ClientOptions (intervals and timeouts in ms), as in Java's ClientConfig. */
export const CLIENT_DEFAULTS = {
  instanceName: 'DEFAULT',
  unitMode: false,
  vipChannelEnabled: false,
  pollNameServerInterval: 30_000,
  heartbeatBrokerInterval: 30_000,
  mqClientApiTimeout: 3_000,
  serializeType: 'JSON',
  connectTimeoutMillis: 3_000,
} as const;

export interface ClientConfig {
  readonly nameServerAddresses: readonly string[];
  readonly namespace: string | undefined;
  readonly instanceName: string;
  readonly clientIP: string;
  readonly unitMode: boolean;
  readonly unitName: string | undefined;
  readonly vipChannelEnabled: boolean;
  readonly pollNameServerInterval: number;
  readonly heartbeatBrokerInterval: number;
  readonly mqClientApiTimeout: number;
  readonly serializeType: SerializeTypeCode;
  readonly connectTimeoutMillis: number;
  readonly rpcHooks: readonly RPCHook[];
  /** Validated TLS settings; undefined: plain TCP. */
  readonly tls: ResolvedClientTls | undefined;
  readonly nameServerDiscovery: NameServerDiscoveryConfig | undefined;
  readonly logger: Logger;
}

/** Splits `a;b` / lists into trimmed, non-empty `host:port` entries; throws on a malformed one. */
export function parseNameServerList(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  const parts = (typeof value === 'string' ? value.split(';') : value.flatMap((v) => v.split(';')))
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  for (const p of parts) {
    const i = p.lastIndexOf(':');
    const port = Number(p.slice(i + 1));
    if (i <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
      throw new IllegalArgumentError(`name server address "${p}" is not host:port (e.g. 127.0.0.1:9876)`);
    }
  }
  return parts;
}

/**
 * Java ClientConfig's clientIP rule: first non-loopback IPv4 not starting with 127.0 / 192.168, else the
 * last IPv4 seen, else the first IPv6, else 127.0.0.1.
 */
export function defaultClientIP(): string {
  let lastV4: string | undefined;
  let firstV6: string | undefined;
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === 'IPv4') {
        if (!a.internal && !a.address.startsWith('127.0') && !a.address.startsWith('192.168'))
          return a.address;
        lastV4 = a.address;
      } else if (firstV6 === undefined && !a.internal) {
        firstV6 = a.address;
      }
    }
  }
  return lastV4 ?? firstV6 ?? '127.0.0.1';
}

export function checkPositiveInt(name: string, value: unknown, allowZero = false): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || (!allowZero && value === 0)) {
    throw new IllegalArgumentError(
      `option ${name} must be ${allowZero ? 'a non-negative' : 'a positive'} integer, got ${String(value)}`,
    );
  }
}

export function resolveClientConfig(options: ClientOptions): ClientConfig {
  const nameServerAddresses = parseNameServerList(options.nameServer ?? process.env.NAMESRV_ADDR);
  for (const key of [
    'pollNameServerInterval',
    'heartbeatBrokerInterval',
    'mqClientApiTimeout',
    'connectTimeoutMillis',
  ] as const) {
    if (options[key] !== undefined) checkPositiveInt(key, options[key]);
  }
  const serialize = options.serializeType ?? CLIENT_DEFAULTS.serializeType;
  if (serialize !== 'JSON' && serialize !== 'ROCKETMQ') {
    throw new IllegalArgumentError(
      `option serializeType must be 'JSON' or 'ROCKETMQ', got ${String(serialize)}`,
    );
  }
  const instanceName = options.instanceName ?? CLIENT_DEFAULTS.instanceName;
  if (instanceName.trim() === '' || instanceName.includes('@')) {
    throw new IllegalArgumentError(
      `option instanceName must be non-blank and without "@", got "${instanceName}"`,
    );
  }
  const namespace =
    options.namespace !== undefined && options.namespace !== ''
      ? options.namespace
      : namespaceFromNamesrvAddr(nameServerAddresses.join(';'));
  return Object.freeze({
    nameServerAddresses: Object.freeze(nameServerAddresses),
    namespace,
    instanceName,
    clientIP: options.clientIP ?? defaultClientIP(),
    unitMode: options.unitMode ?? CLIENT_DEFAULTS.unitMode,
    unitName: options.unitName,
    vipChannelEnabled: options.vipChannelEnabled ?? CLIENT_DEFAULTS.vipChannelEnabled,
    pollNameServerInterval: options.pollNameServerInterval ?? CLIENT_DEFAULTS.pollNameServerInterval,
    heartbeatBrokerInterval: options.heartbeatBrokerInterval ?? CLIENT_DEFAULTS.heartbeatBrokerInterval,
    mqClientApiTimeout: options.mqClientApiTimeout ?? CLIENT_DEFAULTS.mqClientApiTimeout,
    serializeType: SerializeType[serialize],
    connectTimeoutMillis: options.connectTimeoutMillis ?? CLIENT_DEFAULTS.connectTimeoutMillis,
    rpcHooks: Object.freeze([
      ...(options.rpcHooks ?? []),
      ...(options.credentials ? [new AclClientRPCHook(options.credentials)] : []),
    ]),
    tls: resolveClientTls(options.tls),
    nameServerDiscovery: resolveNameServerDiscovery(options.nameServerDiscovery, options.unitName),
    logger: options.logger ?? silentLogger,
  });
}

/** `DEFAULT` instance names become `<pid>#<nanotime>` (Java changeInstanceNameToPID). */
export function uniqueInstanceName(instanceName: string): string {
  return instanceName === CLIENT_DEFAULTS.instanceName
    ? `${process.pid}#${process.hrtime.bigint()}`
    : instanceName;
}

/** Client id: `clientIP@instanceName[@unitName]`. */
export function buildClientId(config: Pick<ClientConfig, 'clientIP' | 'instanceName' | 'unitName'>): string {
  let id = `${config.clientIP}@${config.instanceName}`;
  if (config.unitName !== undefined && config.unitName.trim() !== '') id += `@${config.unitName}`;
  return id;
}

/** MixAll.brokerVIPChannel: the fast port is the listen port minus 2. */
export function brokerVIPChannel(enabled: boolean, brokerAddr: string): string {
  if (!enabled) return brokerAddr;
  const i = brokerAddr.lastIndexOf(':');
  if (i < 0) return brokerAddr;
  return `${brokerAddr.slice(0, i)}:${Number(brokerAddr.slice(i + 1)) - 2}`;
}
