/**
 * What the producers and consumers of one client instance share (Java MQClientInstance's insides):
 * one remoting client and name-server API, the route and broker address caches, the members by
 * group, and the background work: route refresh from the name servers and heartbeats to the
 * brokers. Members reach it through `instanceCore(instance)`; users see the ClientInstance facade.
 * The instance starts with its first member and stops when the last one leaves.
 */
import { ClientErrorCode, IllegalStateError, MQClientError, RemotingError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { HeartbeatData, TopicRouteData } from '../protocol/body/index.js';
import type { RemotingCommand } from '../protocol/command/remoting-command.js';
import { UniqueIdGenerator } from '../protocol/message/message-id.js';
import { mergeHandlerTables, registerHandlerTable } from '../transport/handler-table.js';
import type { RemotingClient } from '../transport/remoting-client.js';
import { BackgroundTasks } from './background-tasks.js';
import { BrokerAddressTable } from './broker-addresses.js';
import type { SubscribeAddress } from './broker-addresses.js';
import { buildHeartbeatData, sendHeartbeats, unregisterFromBrokers } from './client-heartbeat.js';
import type { BrokerTalk } from './client-heartbeat.js';
import { clientRequestHandlers } from './client-request-handlers.js';
import { RequestFutureTable, replyHandlers } from './request-reply/index.js';
import { buildClientId } from './client-config.js';
import type { ClientConfig } from './client-config.js';
import type { ConsumerMember, ProducerMember, ServiceState, UpdateRouteOptions } from './client-members.js';
import { MQClientAPI } from './mq-client-api.js';
import { remotingFor } from './instance-remoting.js';
import type { InstanceRemoting } from './instance-remoting.js';
import { TransactionCheckTargets } from './transaction-check-routing.js';
import { EventHub } from './events/event-hub.js';
import { ClientEvents, codeOf, namesOf } from './events/event-types.js';
import type { ClientEventMap } from './events/event-types.js';
import { routeChanged, watchTransport } from './events/client-events.js';
import { clampDefaultRoute, cloneTopicRouteData, topicRouteDataEquals } from './route/route-utils.js';

/** Marks a request handed to a connection (its hooks ran); not a WeakSet: it would burden every GC. */
const HANDED_OVER = Symbol('handedOver');
type HandedOver = RemotingCommand & { [HANDED_OVER]?: true };

export type { InstanceRemoting };

export interface InstanceCoreOptions {
  /** Replaces the RemotingClient (tests). */
  remoting?: InstanceRemoting | undefined;
  /** Called once the instance has shut down. */
  onShutdown?: (() => void) | undefined;
}

export class InstanceCore {
  readonly clientId: string;
  readonly remoting: InstanceRemoting;
  readonly api: MQClientAPI;
  readonly logger: Logger;
  /** UNIQ_KEY source shared by the producers of this instance. */
  readonly idGenerator = new UniqueIdGenerator();
  /** topic -> last route applied (for a TBW102 fallback: the clamped template route). */
  readonly topicRouteTable = new Map<string, TopicRouteData>();
  readonly brokerAddresses = new BrokerAddressTable();
  /** Request-reply requests waiting for their reply, by correlation id. */
  readonly requestFutures = new RequestFutureTable();
  /** Transaction producers by group: CHECK_TRANSACTION_STATE requests go to them. */
  readonly transactionTargets = new TransactionCheckTargets();
  /** Instrumentation events (ClientInstance.on). */
  readonly events: EventHub<ClientEventMap>;
  readonly #producers = new Map<string, ProducerMember>();
  readonly #consumers = new Map<string, ConsumerMember>();
  readonly #routeFetches = new Map<string, Promise<boolean>>();
  readonly #tasks: BackgroundTasks;
  readonly #onShutdown: (() => void) | undefined;
  /** The RemotingClient this instance made (undefined with a test double): its diagnostics. */
  readonly #ownRemoting: RemotingClient | undefined;
  /** Requests their sender gave up on before they left: the transport must not write them. */
  readonly #withdrawn = new WeakSet<RemotingCommand>();
  #state: ServiceState = 'CREATE_JUST';

  constructor(
    readonly config: ClientConfig,
    options: InstanceCoreOptions = {},
  ) {
    this.clientId = buildClientId(config);
    this.logger = config.logger;
    this.remoting = options.remoting ?? (this.#ownRemoting = remotingFor(config));
    for (const hook of config.rpcHooks) this.remoting.registerRPCHook(hook);
    watchTransport(this.remoting, (this.events = new EventHub(namesOf(ClientEvents), this.logger)));
    // Registered last, so it runs right before the transport writes a request: the moment a request
    // may reach the peer, and the last chance to keep a withdrawn one from leaving.
    this.remoting.registerRPCHook({
      beforeRequest: (_addr, request) => {
        if (this.#withdrawn.has(request)) {
          throw new IllegalStateError('request withdrawn before it left (its producer shut down)');
        }
        (request as HandedOver)[HANDED_OVER] = true;
      },
    });
    this.api = new MQClientAPI(this.remoting, {
      nameServerAddresses: config.nameServerAddresses,
      logger: this.logger,
    });
    this.#onShutdown = options.onShutdown;
    this.#tasks = new BackgroundTasks(this.logger);
    const handlers = clientRequestHandlers({
      logger: this.logger,
      namespace: config.namespace,
      transactionTargets: this.transactionTargets,
      hasProducer: (group) => this.#producers.has(group),
      findConsumer: (group) => this.#consumers.get(group),
      nameServerAddressList: () => this.api.nameServerAddressList,
    });
    const replies = replyHandlers(this.requestFutures, this.logger);
    registerHandlerTable(this.remoting, mergeHandlerTables(handlers, replies));
  }

  get state(): ServiceState {
    return this.#state;
  }

  /** Starts the background work; later calls while running do nothing. */
  start(): void {
    switch (this.#state) {
      case 'RUNNING':
        return;
      case 'CREATE_JUST':
        this.#tasks.every('route refresh', 10, this.config.pollNameServerInterval, () =>
          this.#updateAllTopicRoutes(),
        );
        this.#tasks.every('heartbeat', 1000, this.config.heartbeatBrokerInterval, async () => {
          this.cleanOfflineBroker();
          await this.sendHeartbeatToAllBrokers();
        });
        this.api.startNameServerDiscovery(this.config, this.#tasks);
        this.#state = 'RUNNING';
        this.logger.info({ clientId: this.clientId }, 'client instance started');
        return;
      default:
        throw new MQClientError(
          `The client instance[${this.clientId}] is ${this.#state} and cannot start again`,
          { code: ClientErrorCode.ILLEGAL_STATE },
        );
    }
  }

  /** Stops timers and connections once no member is left (or at once with `force`). */
  async shutdown(force = false): Promise<void> {
    if (!force && (this.#producers.size > 0 || this.#consumers.size > 0)) return;
    if (this.#state === 'SHUTDOWN_ALREADY') return;
    this.#state = 'SHUTDOWN_ALREADY';
    this.#tasks.stop();
    this.requestFutures.close();
    await this.remoting.shutdown();
    this.#onShutdown?.();
    this.logger.info({ clientId: this.clientId }, 'client instance shut down');
  }

  registerProducer(group: string, member: ProducerMember): boolean {
    if (this.#producers.has(group)) return false;
    this.#producers.set(group, member);
    return true;
  }

  /** Forgets the producer, tells the brokers (UNREGISTER_CLIENT within `timeoutMillis`); logs failures. */
  async unregisterProducer(group: string, timeoutMillis?: number): Promise<void> {
    if (!this.#producers.delete(group)) return;
    await unregisterFromBrokers(this.#brokerTalk(timeoutMillis), { producerGroup: group });
  }

  registerConsumer(group: string, member: ConsumerMember): boolean {
    if (this.#consumers.has(group)) return false;
    this.#consumers.set(group, member);
    return true;
  }

  async unregisterConsumer(group: string): Promise<void> {
    if (!this.#consumers.delete(group)) return;
    await unregisterFromBrokers(this.#brokerTalk(), { consumerGroup: group });
  }

  /** Keeps a request from leaving (the last RPC hook refuses it); false when handed over already. */
  withdrawRequest(request: RemotingCommand): boolean {
    this.#withdrawn.add(request);
    return (request as HandedOver)[HANDED_OVER] !== true;
  }

  /** Requests waiting for a response on this instance's connections (diagnostics; undefined with a test double). */
  get responseTableSize(): number | undefined {
    return this.#ownRemoting?.inFlightCount;
  }

  #brokerTalk(timeoutMillis = this.config.mqClientApiTimeout): BrokerTalk {
    return {
      clientId: this.clientId,
      api: this.api,
      logger: this.logger,
      timeoutMillis,
      addresses: this.brokerAddresses,
      heartbeatFailed: (brokerName, address, error) => {
        if (!this.events.listening(ClientEvents.HEARTBEAT_FAILURE)) return;
        this.events.emit(ClientEvents.HEARTBEAT_FAILURE, { address, brokerName, error, code: codeOf(error) });
      },
    };
  }

  /** Master address of a broker name, for sends. */
  findBrokerAddressInPublish(brokerName: string): string | undefined {
    return this.brokerAddresses.master(brokerName);
  }

  /** Address for reads: the broker id if known, else (unless onlyThisBroker) any, the master first. */
  findBrokerAddressInSubscribe(
    brokerName: string,
    brokerId: number,
    onlyThisBroker: boolean,
  ): SubscribeAddress | undefined {
    return this.brokerAddresses.forSubscribe(brokerName, brokerId, onlyThisBroker);
  }

  getAnExistTopicRouteData(topic: string): TopicRouteData | undefined {
    return this.topicRouteTable.get(topic);
  }

  /**
   * Fetches a topic's route and applies it when it changed (or a member lacks it). One fetch per topic
   * at a time: concurrent callers share it. Resolves false when the name server has no route (the
   * answer's code is logged); rejects on transport failures and when no name server is configured.
   */
  updateTopicRouteInfoFromNameServer(topic: string, options: UpdateRouteOptions = {}): Promise<boolean> {
    const key = `${options.defaultRoute ? 'D' : 'T'}:${topic}`;
    let pending = this.#routeFetches.get(key);
    if (pending === undefined) {
      pending = this.#fetchAndApplyRoute(topic, options).finally(() => this.#routeFetches.delete(key));
      this.#routeFetches.set(key, pending);
    }
    return pending;
  }

  async #fetchAndApplyRoute(topic: string, options: UpdateRouteOptions): Promise<boolean> {
    const timeout = options.timeoutMillis ?? this.config.mqClientApiTimeout;
    const fetchTopic = options.defaultRoute ? options.defaultRoute.createTopicKey : topic;
    let route: TopicRouteData;
    try {
      route = await this.api.getTopicRouteInfoFromNameServer(fetchTopic, timeout);
    } catch (err) {
      if (err instanceof MQClientError && err.code !== ClientErrorCode.NO_NAME_SERVER_EXCEPTION) {
        this.logger.debug({ topic: fetchTopic, code: err.code }, 'no route from the name server');
        return false;
      }
      throw err;
    }
    if (options.defaultRoute) route = clampDefaultRoute(route, options.defaultRoute.defaultTopicQueueNums);
    if (this.#state === 'SHUTDOWN_ALREADY') return false;
    const old = this.topicRouteTable.get(topic);
    const changed = !topicRouteDataEquals(old, route) || this.#isNeedUpdateTopicRouteInfo(topic);
    if (!changed) return false;
    for (const bd of route.brokerDatas) this.brokerAddresses.set(bd.brokerName, bd.brokerAddrs);
    for (const p of this.#producers.values()) p.updateTopicPublishInfo(topic, route);
    for (const c of this.#consumers.values()) c.updateTopicSubscribeInfo?.(topic, cloneTopicRouteData(route));
    this.topicRouteTable.set(topic, cloneTopicRouteData(route));
    this.logger.info({ topic }, 'topic route updated');
    routeChanged(this.events, topic, route);
    return true;
  }

  #isNeedUpdateTopicRouteInfo(topic: string): boolean {
    for (const p of this.#producers.values()) if (p.isPublishTopicNeedUpdate(topic)) return true;
    for (const c of this.#consumers.values()) if (c.isSubscribeTopicNeedUpdate?.(topic)) return true;
    return false;
  }

  /** Topics of every member (Java updateTopicRouteInfoFromNameServer()). */
  #topicsInUse(): Set<string> {
    const topics = new Set<string>();
    for (const c of this.#consumers.values()) for (const t of c.subscribedTopics()) topics.add(t);
    for (const p of this.#producers.values()) for (const t of p.publishTopics()) topics.add(t);
    return topics;
  }

  /** Refreshes every topic in use; one failure does not stop the others. */
  async #updateAllTopicRoutes(): Promise<void> {
    for (const topic of this.#topicsInUse()) {
      try {
        await this.updateTopicRouteInfoFromNameServer(topic);
      } catch (err) {
        this.logger.warn({ topic, err: String(err) }, 'route refresh failed');
        if (!(err instanceof RemotingError)) return;
      }
    }
  }

  /** Drops broker addresses no cached route mentions any more (Java cleanOfflineBroker). */
  cleanOfflineBroker(): void {
    this.brokerAddresses.removeUnrouted([...this.topicRouteTable.values()], this.logger);
  }

  /** Heartbeat body: every producer group plus CLIENT_INNER_PRODUCER, and every consumer. */
  prepareHeartbeatData(): HeartbeatData {
    return buildHeartbeatData(this.clientId, this.#producers.keys(), [...this.#consumers.values()]);
  }

  /** HEART_BEAT to every known broker address (masters only when there is no consumer); never rejects. */
  async sendHeartbeatToAllBrokers(): Promise<void> {
    if (this.#producers.size === 0 && this.#consumers.size === 0) return;
    await sendHeartbeats(this.#brokerTalk(), this.prepareHeartbeatData(), this.#consumers.size === 0);
  }
}
