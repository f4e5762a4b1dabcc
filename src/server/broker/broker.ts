/**
 * A RocketMQ broker (master, single node): message store + remoting server + name-server registration.
 *
 *   const broker = new Broker({ namesrvAddrs: ['127.0.0.1:9876'], storePath: '/tmp/store', port: 0 });
 *   await broker.start();   // store recovery, listen, register with every name server
 *   ...
 *   await broker.shutdown(); // unregister, stop listening, flush and close the store
 *
 * Registration repeats every `registerIntervalMillis` and right after a topic is created or changed
 * (register-loop.ts coalesces the requests). Timers, topic-table saving and consumer notification live
 * in broker-tasks.ts; the handler table in broker-handlers.ts; fault injection in ../faults/.
 */
import { IllegalStateError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { SocketAddress } from '../../protocol/message/record.js';
import { RemotingClient, RemotingServer } from '../../transport/index.js';
import { resolveClientTls } from '../../transport/tls/client-tls.js';
import type { RemotingChannel, ServerInterceptor } from '../../transport/index.js';
import type { ConfigStore, MessageStore } from '../store/index.js';
import { attachBrokerAcl, signOutgoing, type BrokerAcl } from '../acl/server-acl.js';
import type { BrokerOptions, ResolvedBrokerOptions } from './core/broker-config.js';
import { brokerHandlers, registerBrokerHandlers } from './broker-handlers.js';
import { parseDelayLevels, resolveBrokerOptions } from './core/broker-config.js';
import type { BrokerContext } from './core/broker-context.js';
import { BrokerStats } from './core/broker-stats.js';
import {
  advertisedIp,
  configStoreFor,
  loadGroupTable,
  loadTopicTable,
  messageStoreFor,
  topicManagerFor,
  notifyConsumerIdsChanged,
  persistTopicChange,
  recordGroupChange,
  registrarFor,
  startPeriodicTasks,
} from './broker-tasks.js';
import { ClientManager } from './core/client-manager.js';
import { delayOffsetFile } from './schedule/delay-offsets.js';
import { ConsumerOffsetManager, SubscriptionGroupManager } from './core/groups.js';
import { RebalanceLockManager } from './core/rebalance-locks.js';
import { ConsumerFilterTable } from './core/consumer-filters.js';
import { PullHoldService } from './pull/pull-hold-service.js';
import { rerunHeldPull } from './pull/pull-requests.js';
import { RegisterLoop } from './core/register-loop.js';
import type { BrokerRegistrar } from './core/registration.js';
import { ScheduleService } from './schedule/schedule-service.js';
import { TimerService } from './timer/timer-service.js';
import type { TopicConfigManager } from './core/topic-config-manager.js';
import { TransactionService } from './transaction/transaction-service.js';
import type { TopicChange } from './core/topic-config-manager.js';

type State = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

/** A RocketMQ broker (Java BrokerController) speaking the remoting protocol: commit log store, topics, consumer offsets, pull, transactions, timers. */
export class Broker {
  /** The broker's options, defaults applied. */
  readonly options: ResolvedBrokerOptions;
  /** Name the broker registers under (Java brokerName). */
  readonly brokerName: string;
  /** The message store: commit log, consume queues, index. */
  readonly store: MessageStore;
  /** Topic configurations (queues, permissions), persisted in the store directory. */
  readonly topics: TopicConfigManager;
  /** Producers and consumers known from their heartbeats. */
  readonly clients: ClientManager;
  private readonly logger: Logger;
  private readonly server: RemotingServer;
  private readonly client: RemotingClient;
  private readonly configStore: ConfigStore;
  private readonly ctx: BrokerContext;
  private readonly schedule: ScheduleService;
  private readonly timer: TimerService;
  private readonly pullHold: PullHoldService;
  /** Half messages and the transaction checks sent to producers. */
  readonly transactions: TransactionService;
  private readonly registrar: BrokerRegistrar;
  private readonly registerLoop: RegisterLoop;
  private state: State = 'new';
  private bound: SocketAddress | undefined;
  private timers: NodeJS.Timeout[] = [];
  private unsubscribe: (() => void) | undefined;
  private starting: Promise<void> | undefined;
  private readonly acl: BrokerAcl | undefined;

  constructor(options: BrokerOptions = {}) {
    const o = resolveBrokerOptions(options);
    this.options = o;
    this.brokerName = o.brokerName;
    this.logger = o.logger;
    // Before the managers whose callbacks ask for a registration.
    this.registerLoop = new RegisterLoop(
      () => this.registrar.registerAll(),
      () => this.state === 'running',
    );
    this.store = messageStoreFor(o);
    this.configStore = configStoreFor(o);
    this.topics = topicManagerFor(
      o,
      (change) => this.persistTopics(change),
      () => this.registerLoop.soon(),
    );
    this.clients = new ClientManager({
      channelExpiredTimeoutMillis: o.channelExpiredTimeoutMillis,
      ...(o.notifyConsumerIdsChangedEnable && {
        onConsumerIdsChanged: (group, channels) => notifyConsumerIdsChanged(group, channels, this.logger),
      }),
    });
    this.ctx = {
      options: o,
      logger: o.logger,
      store: this.store,
      topics: this.topics,
      groups: new SubscriptionGroupManager(o.autoCreateSubscriptionGroup, o.maxSubscriptionGroups, {
        builtins: true,
        onChange: (change, version) => recordGroupChange(this.configStore, change, version),
      }),
      offsets: new ConsumerOffsetManager(this.configStore),
      clients: this.clients,
      locks: new RebalanceLockManager(o.rebalanceLockMaxLiveTimeMillis, o.maxRebalanceLocks),
      consumerFilters: new ConsumerFilterTable(),
      stats: new BrokerStats(() => this.store.counters.appends),
      storeHost: () => this.storeHost(),
      brokerAddr: () => this.address,
      topicSaved: (topic) => this.configStore.topicSaved(topic),
      saveGroups: () => this.saveGroups(),
      delayLevels: parseDelayLevels(o.messageDelayLevel),
      authorize: (request, resource, action) => this.acl?.authorize(request, resource, action),
      accessOf: (request) => this.acl?.accessOf(request),
    };
    this.schedule = new ScheduleService(this.ctx, delayOffsetFile(o.storePath));
    this.transactions = new TransactionService(this.ctx);
    this.timer = new TimerService(this.ctx);
    const { maxPullHoldMillis, maxHeldPullsPerConnection, maxHeldPulls, maxHeldPullBytes } = o;
    const holdLimits = { maxPullHoldMillis, maxHeldPullsPerConnection, maxHeldPulls, maxHeldPullBytes };
    const rerun = rerunHeldPull.bind(undefined, this.ctx);
    this.pullHold = new PullHoldService(rerun, o.logger, holdLimits);
    this.server = new RemotingServer({
      host: o.host,
      port: o.port,
      logger: o.logger,
      tls: o.tls,
      maxConnections: o.maxConnections,
    });
    const { schedule, pullHold, transactions, timer } = this;
    const services = { schedule, pullHold, transactions, timer };
    registerBrokerHandlers(this.server, brokerHandlers(this.ctx, services));
    this.server.addChannelEventListener({
      onChannelClose: (channel) => this.onChannelGone(channel),
      onChannelException: (channel) => this.onChannelGone(channel),
      onChannelIdle: (channel) => this.onChannelGone(channel),
    });
    const namesrvTls = resolveClientTls(o.namesrvTls, 'broker option namesrvTls');
    const acl = { file: o.aclFile, reloadIntervalMillis: o.aclReloadIntervalMillis, logger: o.logger };
    this.acl = acl.file === undefined ? undefined : attachBrokerAcl({ ...acl, file: acl.file }, this.server);
    this.client = new RemotingClient({ connectTimeoutMillis: 3000, tls: namesrvTls });
    signOutgoing(this.client, o.namesrvCredentials);
    this.registrar = registrarFor(o, this.client, this.topics, {
      storeHost: () => this.storeHost(),
      address: () => this.address,
    });
  }

  /** "ip:port" clients and name servers use to reach this broker. */
  get address(): string {
    const h = this.storeHost();
    return h.ip.includes(':') ? `[${h.ip}]:${h.port}` : `${h.ip}:${h.port}`;
  }

  /** The port the broker listens on (the real one when started with port 0). */
  get port(): number {
    return this.storeHost().port;
  }

  /** Fault injection (embedded clusters): sees requests and connections first; undefined removes it. */
  setRequestInterceptor = (i: ServerInterceptor | undefined): void => this.server.setInterceptor(i);

  /** True between a completed `start()` and `shutdown()`. */
  get isRunning(): boolean {
    return this.state === 'running';
  }

  private storeHost(): SocketAddress {
    if (!this.bound) throw new IllegalStateError('the broker has not been started');
    return this.bound;
  }

  /** Opens and recovers the store, listens, and registers with the name servers; throws IllegalStateError when not new. */
  async start(): Promise<void> {
    if (this.state !== 'new')
      throw new IllegalStateError(`broker ${this.brokerName} cannot start: it is ${this.state}`);
    this.state = 'starting';
    this.starting = this.doStart();
    try {
      await this.starting;
    } finally {
      this.starting = undefined;
    }
  }

  private async doStart(): Promise<void> {
    const o = this.options;
    let recovery;
    try {
      recovery = await this.store.open();
    } catch (err) {
      this.state = 'stopped'; // nothing else was started: shutdown() has nothing to do
      throw err;
    }
    try {
      loadTopicTable(this.configStore, this.topics, this.logger);
      loadGroupTable(this.configStore, this.ctx.groups, this.logger);
      await this.transactions.open();
      await this.timer.start(); // rebuilds the pending timer messages before anything is served
      const { host, port } = await this.server.start();
      this.bound = { ip: o.brokerIP ?? advertisedIp(host), port };
    } catch (err) {
      this.state = 'stopped';
      // Undo what started; the start failure is the error to report.
      try {
        void this.configStore.close();
      } catch {
        // Nothing was changed since load(): nothing is lost.
      }
      await this.timer.stop().catch(() => undefined);
      await this.store.close().catch(() => undefined);
      throw err;
    }
    this.unsubscribe = this.store.onMessageArrived(
      (topic, queueId, offset, arrival) => this.pullHold.onMessageArrived(topic, queueId, offset, arrival),
      { listening: () => this.pullHold.holding },
    );
    this.schedule.start();
    this.transactions.start();
    this.acl?.start();
    this.ctx.stats.start();
    this.timers = startPeriodicTasks({
      registerIntervalMillis: o.registerIntervalMillis,
      clientScanIntervalMillis: o.clientScanIntervalMillis,
      flushConsumerOffsetIntervalMillis: o.flushConsumerOffsetIntervalMillis,
      register: () => this.registerLoop.soon(),
      clients: this.clients,
      consumerFilters: this.ctx.consumerFilters,
      locks: this.ctx.locks,
      schedule: this.schedule,
      logger: this.logger,
    });
    this.state = 'running';
    await this.registerLoop.now();
    this.logger.info(
      {
        broker: this.brokerName,
        cluster: o.clusterName,
        address: this.address,
        store: o.storePath,
        recovery,
      },
      'broker started',
    );
  }

  private persistTopics(change: TopicChange): void {
    const save = this.state === 'running' || this.state === 'starting';
    persistTopicChange(this.configStore, change, save);
  }

  private saveGroups(): Promise<void> {
    return this.configStore.saveGroups().catch((err: unknown) => {
      // As Java's persist(): the change stands; the periodic save writes it once the disk takes it.
      this.logger.error({ err: (err as Error).message }, 'subscriptionGroup.json not saved; retried');
    });
  }

  private onChannelGone(channel: RemotingChannel): void {
    this.pullHold.onChannelClosed(channel);
    this.clients.onChannelClosed(channel);
  }

  /**
   * Unregisters from the name servers, stops serving, then flushes and closes the store. Every step
   * runs even when an earlier one fails (the store is always closed); the first failure is rethrown.
   */
  async shutdown(): Promise<void> {
    if (this.starting) await this.starting.catch(() => undefined);
    if (this.state === 'stopped' || this.state === 'stopping') return;
    if (this.state === 'new') {
      this.state = 'stopped';
      return;
    }
    this.state = 'stopping';
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.acl?.stop();
    this.ctx.stats.stop();
    const failures: unknown[] = [];
    const step = async (what: string, fn: () => unknown): Promise<void> => {
      try {
        await fn();
      } catch (err) {
        failures.push(err);
        this.logger.error({ step: what, err: (err as Error).message }, 'broker shutdown step failed');
      }
    };
    await this.registerLoop.idle();
    await step('unregister', () => this.registrar.unregisterAll());
    await step('remoting server', () => this.server.shutdown());
    this.pullHold.stop();
    this.unsubscribe?.();
    await step('timer service', () => this.timer.stop());
    await step('schedule service', () => this.schedule.stop());
    await step('transaction check', () => this.transactions.stop());
    await step('config store', () => this.configStore.close());
    await step('message store', () => this.store.close());
    await step('remoting client', () => this.client.shutdown());
    this.state = 'stopped';
    this.logger.info({ broker: this.brokerName }, 'broker stopped');
    if (failures.length > 0) throw failures[0];
  }
}
