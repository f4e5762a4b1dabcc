/**
 * ClientInstance (Java MQClientInstance): what the producers and consumers of one client id share —
 * one connection pool, the route and broker address caches, route refresh and heartbeats. Created
 * explicitly (or through a ClientInstanceRegistry), never as a hidden global, and handed to
 * producers and consumers as their `clientInstance` option. This class is the public face; the
 * working parts are on its InstanceCore, which the members reach through `instanceCore()`.
 */
import type { ClientConfig } from './client-config.js';
import type { SubscribeAddress } from './broker-addresses.js';
import type { ServiceState, UpdateRouteOptions } from './client-members.js';
import { InstanceCore } from './instance-core.js';
import { EventSource } from './events/event-hub.js';
import type { EventHub } from './events/event-hub.js';
import type { ClientEventMap } from './events/event-types.js';
import type { InstanceRemoting } from './instance-core.js';

export type {
  ConsumerMember,
  ConsumerQueueOffset,
  DefaultRouteRequest,
  ProducerMember,
  ServiceState,
  UpdateRouteOptions,
} from './client-members.js';
export type { InstanceRemoting } from './instance-core.js';

/** Construction options of a ClientInstance (normally made by the producers and consumers themselves). */
export interface ClientInstanceOptions {
  /** Replaces the RemotingClient (tests). */
  remoting?: InstanceRemoting;
  /** Called once the instance has shut down (the registry forgets it). */
  onShutdown?: (instance: ClientInstance) => void;
}

let coreOf: (instance: ClientInstance) => InstanceCore;

/** Emits ClientEvents (connect, disconnect, request.timeout, route.change): `instance.on(name, fn)`. */
export class ClientInstance extends EventSource<ClientEventMap> {
  readonly #core: InstanceCore;

  static {
    coreOf = (instance) => instance.#core;
  }

  constructor(config: ClientConfig, options: ClientInstanceOptions = {}) {
    super();
    const { onShutdown } = options;
    this.#core = new InstanceCore(config, {
      remoting: options.remoting,
      onShutdown: onShutdown && (() => onShutdown(this)),
    });
  }

  protected get eventHub(): EventHub<ClientEventMap> {
    return this.#core.events;
  }

  /** `clientIP@instanceName[@unitName]`: the id the brokers know this instance by. */
  get clientId(): string {
    return this.#core.clientId;
  }

  /** The resolved client configuration this instance runs with. */
  get config(): ClientConfig {
    return this.#core.config;
  }

  /** Lifecycle state: CREATE_JUST, RUNNING, then SHUTDOWN_ALREADY when its last producer or consumer left. */
  get state(): ServiceState {
    return this.#core.state;
  }

  /** Starts route refresh and heartbeats (producers and consumers call it on start). */
  start(): void {
    this.#core.start();
  }

  /** Stops timers and connections once no member is left (or at once with `force`). */
  shutdown(force = false): Promise<void> {
    return this.#core.shutdown(force);
  }

  /** Fetches a topic's route from the name server; resolves true when it changed and was applied. */
  updateTopicRouteInfoFromNameServer(topic: string, options?: UpdateRouteOptions): Promise<boolean> {
    return this.#core.updateTopicRouteInfoFromNameServer(topic, options);
  }

  /** Master address of a broker name, for sends. */
  findBrokerAddressInPublish(brokerName: string): string | undefined {
    return this.#core.findBrokerAddressInPublish(brokerName);
  }

  /** Address for reads: the broker id if known, else (unless onlyThisBroker) any, the master first. */
  findBrokerAddressInSubscribe(
    brokerName: string,
    brokerId: number,
    onlyThisBroker: boolean,
  ): SubscribeAddress | undefined {
    return this.#core.findBrokerAddressInSubscribe(brokerName, brokerId, onlyThisBroker);
  }

  /** HEART_BEAT to every known broker address now (it also runs periodically); never rejects. */
  sendHeartbeatToAllBrokers(): Promise<void> {
    return this.#core.sendHeartbeatToAllBrokers();
  }
}

/** The working parts of an instance, for its producers and consumers (and tests); not public API. */
export function instanceCore(instance: ClientInstance): InstanceCore {
  return coreOf(instance);
}
