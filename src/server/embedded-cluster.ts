/**
 * A name server and N brokers in this process, on free ports, with stores under a temporary directory:
 * the fixture integration tests, examples and `rmq dev` use.
 *
 *   const cluster = await startEmbeddedCluster({ brokers: 2 });
 *   // producers / consumers use cluster.namesrvAddress
 *   await cluster.stopBroker(0); await cluster.startBroker(0);   // restart on the same store
 *   await cluster.stop();                                         // removes the stores unless keepStore
 *
 * Faults (faults/fault-rules.ts) per broker slot, kept across restarts of that slot:
 *   const cluster = await startEmbeddedCluster({ brokers: 2, faults: { seed: 7, rules: [{ broker: 0, kind: 'busy' }] } });
 *   const rule = cluster.broker(1).inject({ kind: 'latency', millis: 200, codes: ['SEND_MESSAGE_V2'] });
 *   rule.remove(); cluster.broker(0).clear();
 */
import { rejectUnknownOptions, type OptionKeys } from '../common/option-keys.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { IllegalArgumentError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { Broker } from './broker/broker.js';
import type { BrokerOptions, FlushDiskType } from './broker/core/broker-config.js';
import type { TransactionOptions } from './broker/transaction/transaction-options.js';
import { NameServer } from './namesrv/index.js';
import type { ClientTlsOption } from '../transport/tls/client-tls.js';
import type { ServerTlsConfig } from '../transport/tls/server-tls.js';
import type { AclCredentials } from '../protocol/command/acl-signature.js';
import type { NamesrvQueryAccess } from './acl/acl-guard.js';
import { firstAdminCredentials } from './acl/acl-config.js';
import { AclRulesFile } from './acl/acl-rules-file.js';
import { silentLogger } from '../common/logger.js';
import { nodeFileIO } from './store/file-io.js';
import { FaultInjector } from './faults/fault-injector.js';
import type { FaultHandle } from './faults/fault-injector.js';
import type { ClusterFaultRule, FaultRule } from './faults/fault-rules.js';
import { stallableFileIO } from './faults/stallable-file-io.js';

/** Options of startEmbeddedCluster: broker count or per-broker options, store directory, ports, faults. */
export interface EmbeddedClusterOptions {
  /** Number of brokers (named broker-a, broker-b, ...) or per-broker options. Default 1. */
  brokers?: number | Partial<BrokerOptions>[];
  /** Directory holding one store per broker; default a fresh temp directory. */
  storeRoot?: string;
  /** Keep the stores on stop (always kept when `storeRoot` was given). */
  keepStore?: boolean;
  /** Brokers create unknown topics on first send (Java autoCreateTopicEnable); default true here. */
  autoCreateTopicEnable?: boolean;
  /** ASYNC_FLUSH or SYNC_FLUSH for every broker (per-broker options win); default the broker's. */
  flushDiskType?: FlushDiskType;
  /** The name server puts ORDER_TOPIC_CONFIG into routes (orderTopicConf); default false, as Java. */
  orderMessageEnable?: boolean;
  /** Transaction check options of every broker (per-broker options win). */
  transactions?: Partial<TransactionOptions>;
  /** Name server port (default 0 = free). */
  namesrvPort?: number;
  /** Interface the name server and brokers listen on; default 127.0.0.1. */
  host?: string;
  /** TLS of the name server and of every broker (mode, certificate, client auth). */
  tls?: ServerTlsConfig;
  /** TLS of the brokers' connections to the name server (needed when it enforces TLS). */
  namesrvTls?: ClientTlsOption;
  /**
   * Access control on the name server and every broker (plain_acl.yml or a directory of them). The
   * brokers register with `aclCredentials`, by default the file's first admin account.
   */
  aclFile?: string;
  /** Credentials the brokers sign their registrations with (with `aclFile`). */
  aclCredentials?: AclCredentials;
  /** Route and cluster queries on the name server: 'open' (default) or 'signed'. */
  aclQueries?: NamesrvQueryAccess;
  /** Logger of the name server and brokers; default silentLogger. */
  logger?: Logger;
  /**
   * Faults from the start: each rule for the broker at index `broker` (default every broker); `seed`
   * makes `fraction` draws reproducible (broker i draws from seed + i). Change them later with broker(i).
   */
  faults?: { seed?: number; rules?: readonly ClusterFaultRule[] };
}

/** The faults of one broker slot (they survive stopBroker / startBroker). */
export interface BrokerFaults {
  /** Adds a rule (checked first: a bad one throws and nothing applies); returns its handle. */
  inject(rule: FaultRule): FaultHandle;
  /** Removes every rule of this broker. */
  clear(): void;
  /** Rules in force, in the order they are tried. */
  readonly active: readonly FaultHandle[];
}

/** Every key of EmbeddedClusterOptions: add a line here with each new option. */
const EMBEDDED_CLUSTER_OPTION_KEYS: OptionKeys<EmbeddedClusterOptions> = {
  brokers: true,
  faults: true,
  storeRoot: true,
  keepStore: true,
  autoCreateTopicEnable: true,
  flushDiskType: true,
  orderMessageEnable: true,
  transactions: true,
  namesrvPort: true,
  host: true,
  tls: true,
  namesrvTls: true,
  aclFile: true,
  aclCredentials: true,
  aclQueries: true,
  logger: true,
};

/** A running name server and brokers in this process, for tests and development (`rmq dev`). */
export interface EmbeddedCluster {
  /** The running name server. */
  namesrv: NameServer;
  /** `host:port` of the name server: the `namesrvAddr` option of clients. */
  namesrvAddress: string;
  /** The current Broker object of each slot (replaced by startBroker). */
  brokers: Broker[];
  /** Where each broker keeps its store. */
  storePaths: string[];
  /** Stops broker slot `index`, keeping its store so that startBroker can bring it back. */
  stopBroker(index: number): Promise<void>;
  /** Starts a stopped broker again on the same store; its old port unless `port` is given (0 = new). */
  startBroker(index: number, options?: { port?: number }): Promise<Broker>;
  /** Stops every broker and the name server (and removes the store when the cluster created it, unless keepStore). */
  stop(): Promise<void>;
  /** Fault injection on broker slot `index`. */
  broker(index: number): BrokerFaults;
}

function brokerLetter(i: number): string {
  return i < 26 ? String.fromCharCode(97 + i) : `n${i}`;
}

/** Starts a name server and brokers in this process (free ports unless given) and resolves once all have started; a failure stops what started. */
export async function startEmbeddedCluster(options: EmbeddedClusterOptions = {}): Promise<EmbeddedCluster> {
  rejectUnknownOptions(options, EMBEDDED_CLUSTER_OPTION_KEYS, 'embedded cluster options');
  const specs: Partial<BrokerOptions>[] =
    typeof options.brokers === 'number' || options.brokers === undefined
      ? Array.from({ length: options.brokers ?? 1 }, () => ({}))
      : options.brokers;
  if (specs.length < 1) throw new IllegalArgumentError('an embedded cluster needs at least one broker');
  const host = options.host ?? '127.0.0.1';
  const aclFile = options.aclFile;
  const brokerCredentials =
    aclFile === undefined
      ? undefined
      : (options.aclCredentials ??
        firstAdminCredentials(new AclRulesFile(aclFile, { logger: silentLogger }).rules));
  const ownRoot = options.storeRoot === undefined;
  const root = options.storeRoot ?? (await fs.promises.mkdtemp(path.join(os.tmpdir(), 'rmq-cluster-')));
  const removeOnStop = ownRoot && !options.keepStore;

  const removeRoot = async (): Promise<void> => {
    if (removeOnStop) await fs.promises.rm(root, { recursive: true, force: true });
  };
  let namesrv: NameServer;
  try {
    namesrv = new NameServer({
      host,
      port: options.namesrvPort ?? 0,
      ...(aclFile !== undefined && { aclFile }),
      ...(options.aclQueries !== undefined && { aclQueries: options.aclQueries }),
      ...(options.logger && { logger: options.logger }),
      ...(options.orderMessageEnable !== undefined && { orderMessageEnable: options.orderMessageEnable }),
      ...(options.tls && { tls: options.tls }),
    });
    await namesrv.start();
  } catch (err) {
    await removeRoot();
    throw err;
  }
  const namesrvAddress = namesrv.address;

  const configs: BrokerOptions[] = specs.map((spec, i) => {
    const brokerName = spec.brokerName ?? `broker-${brokerLetter(i)}`;
    return {
      host,
      port: 0,
      autoCreateTopicEnable: options.autoCreateTopicEnable ?? true,
      // A development cluster serves RECALL_MESSAGE (Java's broker default is off; a broker option wins).
      recallMessageEnable: true,
      ...(options.flushDiskType && { flushDiskType: options.flushDiskType }),
      ...(options.logger && { logger: options.logger }),
      ...options.transactions,
      ...(options.tls && { tls: options.tls }),
      ...(options.namesrvTls !== undefined && { namesrvTls: options.namesrvTls }),
      ...(aclFile !== undefined && { aclFile }),
      ...(brokerCredentials !== undefined && { namesrvCredentials: brokerCredentials }),
      ...spec,
      brokerName,
      namesrvAddrs: [namesrvAddress, ...(spec.namesrvAddrs ?? [])],
      storePath: spec.storePath ?? path.join(root, brokerName),
    };
  });
  const seed = options.faults?.seed;
  const injectors = configs.map((_, i) => new FaultInjector(seed === undefined ? {} : { seed: seed + i }));
  for (const rule of options.faults?.rules ?? []) {
    const at = rule.broker;
    if (at !== undefined && !(Number.isInteger(at) && at >= 0 && at < configs.length)) {
      await namesrv.shutdown().finally(removeRoot);
      throw new IllegalArgumentError(`fault rule for broker #${at}: the cluster has ${configs.length}`);
    }
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    const { broker, ...own } = rule;
    try {
      for (const [i, injector] of injectors.entries()) if (at === undefined || at === i) injector.inject(own);
    } catch (err) {
      await namesrv.shutdown().finally(removeRoot);
      throw err;
    }
  }
  configs.forEach((config, i) => {
    const injector = injectors[i] as FaultInjector;
    const fileIO = stallableFileIO(config.storeHooks?.fileIO ?? nodeFileIO, () => injector.beforeFsync());
    configs[i] = { ...config, storeHooks: { ...config.storeHooks, fileIO } };
  });
  const newBroker = (i: number): Broker => {
    const broker = new Broker(configs[i] as BrokerOptions);
    injectors[i]?.attach(broker);
    return broker;
  };
  const releaseStalls = (i: number): void => {
    for (const rule of injectors[i]?.active ?? []) if (rule.rule.kind === 'stallFlush') rule.remove();
  };
  const brokers: (Broker | undefined)[] = [];
  const running = new Set<number>();
  const cleanupOnError = async (): Promise<void> => {
    try {
      await Promise.allSettled(brokers.map((b) => b?.shutdown()));
      await namesrv.shutdown();
    } finally {
      await removeRoot();
    }
  };
  try {
    for (let i = 0; i < configs.length; i++) {
      const broker = newBroker(i);
      brokers.push(broker);
      await broker.start();
      running.add(i);
      // Restarts keep the port the broker got, so routes and message ids stay valid.
      configs[i] = { ...configs[i], port: broker.port };
    }
  } catch (err) {
    await cleanupOnError();
    throw err;
  }

  const check = (index: number): void => {
    if (!Number.isInteger(index) || index < 0 || index >= configs.length) {
      throw new IllegalArgumentError(`no broker #${index} (the cluster has ${configs.length})`);
    }
  };
  const cluster: EmbeddedCluster = {
    namesrv,
    namesrvAddress,
    brokers: brokers as Broker[],
    storePaths: configs.map((c) => c.storePath as string),
    async stopBroker(index) {
      check(index);
      if (!running.delete(index)) return;
      releaseStalls(index); // a stalled fsync would hold the store's last flush forever
      await cluster.brokers[index]?.shutdown();
    },
    async startBroker(index, opts = {}) {
      check(index);
      if (running.has(index)) throw new IllegalArgumentError(`broker #${index} is already running`);
      if (opts.port !== undefined) configs[index] = { ...configs[index], port: opts.port };
      const broker = newBroker(index);
      await broker.start();
      configs[index] = { ...configs[index], port: broker.port };
      cluster.brokers[index] = broker;
      running.add(index);
      return broker;
    },
    async stop() {
      injectors.forEach((injector) => injector.clear());
      try {
        await Promise.allSettled([...running].map((i) => cluster.brokers[i]?.shutdown()));
        running.clear();
        await namesrv.shutdown();
      } finally {
        await removeRoot();
      }
    },
    broker(index) {
      check(index);
      const injector = injectors[index] as FaultInjector;
      return {
        inject: (rule) => injector.inject(rule),
        clear: () => injector.clear(),
        get active() {
          return injector.active;
        },
      };
    },
  };
  return cluster;
}
