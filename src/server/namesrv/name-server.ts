/**
 * The name server: a remoting server on port 9876 (by default) holding the route tables, broker
 * liveness and KV configuration, answering brokers, producers, consumers and admin tools the way the
 * Java 4.9.8 name server does (plus the 5.x requests those clients send).
 */
import { rejectUnknownOptions, type OptionKeys } from '../../common/option-keys.js';
import { IllegalArgumentError, IllegalStateError } from '../../common/errors.js';
import { silentLogger } from '../../common/logger.js';
import type { Logger } from '../../common/logger.js';
import type { SerializeTypeCode } from '../../protocol/codes/misc.js';
import { RemotingServer } from '../../transport/index.js';
import { attachNamesrvAcl, type ServerAcl } from '../acl/server-acl.js';
import type { NamesrvQueryAccess } from '../acl/acl-guard.js';
import { mergeHandlerTables, registerHandlerTable } from '../../transport/handler-table.js';
import type { ServerTlsConfig } from '../../transport/tls/server-tls.js';
import type { HandlerTable } from '../../transport/handler-table.js';
import { brokerHandlers } from './broker-requests.js';
import type { NamesrvRuntime } from './handler.js';
import { withNamesrvErrorRule } from './handler.js';
import { KVConfigStore } from './kv-config.js';
import { kvHandlers } from './kv-requests.js';
import { memberHandlers } from './member-requests.js';
import { DEFAULT_LIMITS } from './limits.js';
import type { NameServerLimits } from './limits.js';
import { BrokerLiveness, DEFAULT_SCAN_INTERVAL_MILLIS } from './liveness.js';
import { DEFAULT_BROKER_EXPIRY_MILLIS, RouteRegistry } from './route-registry.js';
import { routeHandlers } from './route-requests.js';

export const DEFAULT_NAMESRV_PORT = 9876;

/** Options of a NameServer: listen host and port, idle-broker scanning, TLS, ACL. */
export interface NameServerOptions {
  /** Interface to listen on (default 127.0.0.1; "0.0.0.0" to accept other hosts). */
  host?: string;
  /** Default 9876; 0 picks a free port. */
  port?: number;
  /** A broker that has not registered for this long is dropped (default 120000 ms). */
  brokerExpiryMillis?: number;
  /** How often expired brokers are looked for (default 10000 ms). */
  scanIntervalMillis?: number;
  /** Add `orderTopicConf` from the ORDER_TOPIC_CONFIG KV namespace to routes (default false). */
  orderMessageEnable?: boolean;
  /** Header form of responses (default: JSON). */
  serializeType?: SerializeTypeCode;
  /** Close connections idle this long, ms (default 120000; 0 = never). */
  channelMaxIdleMillis?: number;
  /**
   * Most client connections open at once (default 0 = none of its own; the process's bound, 3/4 of its
   * open-file limit, still applies): see RemotingServerOptions.maxConnections. Not a Java option.
   */
  maxConnections?: number;
  /** Persist the KV configuration to this file (default: memory only). */
  kvConfigPath?: string;
  /** Caps on what brokers may register (topics, brokers, sizes), against hostile or runaway registrations. */
  limits?: Partial<NameServerLimits>;
  /** TLS: mode (disabled / permissive / enforcing), certificate, client auth. Default: disabled. */
  tls?: ServerTlsConfig;
  /**
   * Access control: plain_acl.yml (or a directory of them). Registration, unregistration and every
   * request that changes state then need an admin account; queries are `aclQueries`.
   */
  aclFile?: string;
  /** Route and cluster queries under access control: 'open' (default) or 'signed' (any valid account). */
  aclQueries?: NamesrvQueryAccess;
  /** How often the ACL file is checked for changes, ms (default 1000). */
  aclReloadIntervalMillis?: number;
  /** Where the name server logs; default silentLogger. */
  logger?: Logger;
  /** Clock, for tests. */
  now?: () => number;
}

/** Every key of NameServerOptions: add a line here with each new option. */
const NAME_SERVER_OPTION_KEYS: OptionKeys<NameServerOptions> = {
  host: true,
  port: true,
  brokerExpiryMillis: true,
  scanIntervalMillis: true,
  orderMessageEnable: true,
  serializeType: true,
  channelMaxIdleMillis: true,
  maxConnections: true,
  kvConfigPath: true,
  limits: true,
  tls: true,
  aclFile: true,
  aclQueries: true,
  aclReloadIntervalMillis: true,
  logger: true,
  now: true,
};

/**
 * Every request the name server serves, merged in this one place; other codes get the dispatcher's
 * REQUEST_CODE_NOT_SUPPORTED (as 5.x answers; 4.9.8 stays silent).
 */
export function namesrvHandlers(runtime: NamesrvRuntime): HandlerTable {
  return withNamesrvErrorRule(
    mergeHandlerTables(
      brokerHandlers(runtime),
      routeHandlers(runtime),
      kvHandlers(runtime),
      memberHandlers(runtime),
    ),
    runtime.logger,
  );
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0)
    throw new IllegalArgumentError(`${name} must be a positive number, got ${value}`);
  return value;
}

/** A RocketMQ name server (Java NamesrvController): brokers register their topics here and clients read the routes. */
export class NameServer {
  /** The route tables (Java RouteInfoManager); exposed for tests and embedding. */
  readonly routeInfo: RouteRegistry;
  /** The KV configuration (PUT_KV_CONFIG / GET_KV_CONFIG), persisted to kvConfigPath when set. */
  readonly kvConfig: KVConfigStore;
  private readonly server: RemotingServer;
  private readonly liveness: BrokerLiveness;
  private readonly logger: Logger;
  private readonly host: string;
  private state: 'new' | 'starting' | 'running' | 'stopped' = 'new';
  private readonly acl: ServerAcl | undefined;

  constructor(options: NameServerOptions = {}) {
    rejectUnknownOptions(options, NAME_SERVER_OPTION_KEYS, 'name server options');
    this.host = options.host ?? '127.0.0.1';
    const port = options.port ?? DEFAULT_NAMESRV_PORT;
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new IllegalArgumentError(`port must be 0..65535, got ${port}`);
    const brokerExpiryMillis = positive(
      'brokerExpiryMillis',
      options.brokerExpiryMillis,
      DEFAULT_BROKER_EXPIRY_MILLIS,
    );
    const scanIntervalMillis = positive(
      'scanIntervalMillis',
      options.scanIntervalMillis,
      DEFAULT_SCAN_INTERVAL_MILLIS,
    );
    this.logger = options.logger ?? silentLogger;
    const limits = { ...DEFAULT_LIMITS, ...options.limits };

    this.routeInfo = new RouteRegistry({
      limits,
      brokerExpiryMillis,
      ...(options.now && { now: options.now }),
    });
    this.kvConfig = new KVConfigStore(options.kvConfigPath, limits, (err) =>
      this.logger.error({ error: err.message }, 'KV config not saved; the next change retries'),
    );
    this.liveness = new BrokerLiveness(this.routeInfo, scanIntervalMillis, this.logger);

    const runtime: NamesrvRuntime = {
      registry: this.routeInfo,
      kv: this.kvConfig,
      limits,
      orderMessageEnable: options.orderMessageEnable ?? false,
      logger: this.logger,
      config: {
        snapshot: () =>
          new Map([
            ['listenPort', String(this.state === 'running' ? this.port : port)],
            ['kvConfigPath', options.kvConfigPath ?? ''],
            ['orderMessageEnable', String(runtime.orderMessageEnable)],
            ['scanNotActiveBrokerInterval', String(scanIntervalMillis)],
            [
              'serverChannelMaxIdleTimeSeconds',
              String(Math.floor((options.channelMaxIdleMillis ?? 120000) / 1000)),
            ],
          ]),
        update: (props) => {
          // The one setting that can change at run time; the others need a restart.
          const order = props.get('orderMessageEnable');
          if (order === undefined) return [];
          runtime.orderMessageEnable = order.trim().toLowerCase() === 'true';
          return ['orderMessageEnable'];
        },
      },
    };
    this.server = new RemotingServer({
      host: this.host,
      port,
      ...(options.serializeType !== undefined && { serializeType: options.serializeType }),
      ...(options.channelMaxIdleMillis !== undefined && {
        channelMaxIdleMillis: options.channelMaxIdleMillis,
      }),
      ...(options.maxConnections !== undefined && { maxConnections: options.maxConnections }),
      logger: this.logger,
      tls: options.tls,
    });
    registerHandlerTable(this.server, namesrvHandlers(runtime));
    if (options.aclFile !== undefined) {
      this.acl = attachNamesrvAcl(
        {
          file: options.aclFile,
          logger: this.logger,
          ...(options.aclQueries !== undefined && { queries: options.aclQueries }),
          ...(options.aclReloadIntervalMillis !== undefined && {
            reloadIntervalMillis: options.aclReloadIntervalMillis,
          }),
        },
        this.server,
      );
    }
    this.server.addChannelEventListener(this.liveness);
  }

  /** Starts listening and scanning for idle brokers; throws IllegalStateError when started twice. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new IllegalStateError(`name server already ${this.state}`);
    this.state = 'starting';
    try {
      const overLimits = this.kvConfig.load();
      if (overLimits.length > 0) {
        this.logger.warn(
          { over: overLimits },
          'KV config file is over the KV limits; loaded whole, new entries refused until it is back under',
        );
      }
      await this.server.start();
    } catch (err) {
      this.state = 'stopped';
      throw err;
    }
    this.liveness.start();
    this.acl?.start();
    this.state = 'running';
    this.logger.info({ address: this.address }, 'name server started');
  }

  /** "host:port" actually bound. */
  get address(): string {
    return this.server.address;
  }

  /** The port listened on (the real one when started with port 0). */
  get port(): number {
    return this.server.port;
  }

  /** Drops brokers whose registration expired now (the periodic scan does the same). */
  scanNotActiveBrokers(): string[] {
    return this.liveness.scan();
  }

  /** Stops listening and closes every connection; a second call does nothing. */
  async shutdown(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.liveness.stop();
    this.acl?.stop();
    await this.server.shutdown();
    await this.kvConfig.flush();
    this.logger.info('name server stopped');
  }
}
