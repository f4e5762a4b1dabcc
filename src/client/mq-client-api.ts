/**
 * MQClientAPI: the requests every member of a client instance shares (Java MQClientAPIImpl's common
 * half): route lookups on the name servers (one sticky name server, rotating to the next on
 * failure), heartbeats and client unregistration. Sends are in producer/producer-api.ts, consumer
 * requests in consumer/shared/consumer-api.ts.
 */
import {
  ClientErrorCode,
  MQBrokerError,
  MQClientError,
  RemotingConnectError,
  RemotingError,
} from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { silentLogger } from '../common/logger.js';
import { decodeTopicRouteData, encodeHeartbeatData } from '../protocol/body/index.js';
import type { HeartbeatData, TopicRouteData } from '../protocol/body/index.js';
import { RequestCode, ResponseCode } from '../protocol/codes/index.js';
import { createRequest } from '../protocol/command/remoting-command.js';
import type { RemotingCommand } from '../protocol/command/remoting-command.js';
import type { InvokeCallback } from '../transport/index.js';
import { GetRouteInfoRequestHeader, UnregisterClientRequestHeader } from '../protocol/headers/index.js';
import type { BackgroundTasks } from './background-tasks.js';
import type { ClientConfig } from './client-config.js';
import { defaultRandomInt } from './clock.js';
import { startNameServerDiscovery } from './name-server-discovery.js';
import type { RandomInt } from './clock.js';

/** What MQClientAPI needs from the transport's RemotingClient. */
export interface RemotingInvoker {
  invokeSync(addr: string, request: RemotingCommand, timeoutMillis: number): Promise<RemotingCommand>;
  invokeAsync(addr: string, request: RemotingCommand, timeoutMillis: number): Promise<RemotingCommand>;
  /**
   * The callback form (RemotingClient's): `callback` gets the answer or the error, and nothing is
   * returned. An invoker without it returns its promise instead, which the caller then follows.
   */
  invokeAsync(
    addr: string,
    request: RemotingCommand,
    timeoutMillis: number,
    callback: InvokeCallback,
  ): Promise<RemotingCommand> | void;
  invokeOneway(addr: string, request: RemotingCommand, timeoutMillis: number): Promise<void>;
  /** Closes the connection to `addr` (a name server dropped from the list). */
  closeChannel?(addr: string): void;
}

export class MQClientAPI {
  private nameServers: string[] = [];
  private nameServerIndex: number;
  readonly logger: Logger;
  readonly #random: RandomInt;
  /** Name-server calls waiting for an answer, by address. */
  readonly #inFlight = new Map<string, number>();
  /** Name servers dropped from the list whose connection closes once their calls have settled. */
  readonly #closeWhenIdle = new Set<string>();
  /** The first discovery poll, while the list is still empty: name-server calls wait for it. */
  #firstAddresses: Promise<unknown> | undefined;

  constructor(
    readonly remoting: RemotingInvoker,
    options: { nameServerAddresses?: readonly string[]; logger?: Logger; random?: RandomInt } = {},
  ) {
    this.logger = options.logger ?? silentLogger;
    this.#random = options.random ?? defaultRandomInt;
    this.nameServerIndex = this.#random() % 999;
    this.updateNameServerAddressList(options.nameServerAddresses ?? []);
  }

  updateNameServerAddressList(addresses: readonly string[]): void {
    this.nameServers = [...addresses];
  }

  /**
   * Switches to a new name-server list (discovery) when it differs as a set (Java
   * NettyRemotingClient.updateNameServerAddressList). Calls in flight finish on their connection; the
   * next call goes to the current name server if it stayed, else to a random new one; connections to
   * dropped name servers close once their last call has settled (Java closes them at once).
   */
  switchNameServers(addresses: readonly string[]): boolean {
    const next = [...new Set(addresses)];
    const old = this.nameServers;
    if (next.length === 0 || (next.length === old.length && next.every((a) => old.includes(a)))) return false;
    const current = this.currentNameServer();
    const kept = current === undefined ? -1 : next.indexOf(current);
    this.nameServers = next;
    this.nameServerIndex = kept >= 0 ? kept : this.#random() % next.length;
    for (const addr of old) if (!next.includes(addr)) this.#closeWhenIdle.add(addr);
    for (const addr of next) this.#closeWhenIdle.delete(addr);
    this.logger.info({ old, new: next }, 'name server address list changed');
    this.#closeIdle();
    return true;
  }

  /** Starts polling the name-server list when the client config asks for it (client instance start). */
  startNameServerDiscovery(config: ClientConfig, tasks: BackgroundTasks): void {
    startNameServerDiscovery(config, this, tasks);
  }

  /** Name-server calls made while the list is empty wait for `poll` (bounded by their timeout). */
  awaitFirstAddresses(poll: Promise<unknown>): void {
    const settled = poll.then(
      () => undefined,
      () => undefined,
    );
    this.#firstAddresses = settled;
    void settled.then(() => {
      if (this.#firstAddresses === settled) this.#firstAddresses = undefined;
    });
  }

  #closeIdle(): void {
    for (const addr of this.#closeWhenIdle) {
      if ((this.#inFlight.get(addr) ?? 0) > 0) continue;
      this.#closeWhenIdle.delete(addr);
      this.remoting.closeChannel?.(addr);
      this.logger.info({ addr }, 'closed the connection to a name server no longer listed');
    }
  }

  async #invokeCounted(
    addr: string,
    request: RemotingCommand,
    timeoutMillis: number,
  ): Promise<RemotingCommand> {
    this.#inFlight.set(addr, (this.#inFlight.get(addr) ?? 0) + 1);
    try {
      return await this.remoting.invokeSync(addr, request, timeoutMillis);
    } finally {
      const left = (this.#inFlight.get(addr) ?? 1) - 1;
      if (left === 0) this.#inFlight.delete(addr);
      else this.#inFlight.set(addr, left);
      if (left === 0 && this.#closeWhenIdle.has(addr)) this.#closeIdle();
    }
  }

  async #waitForFirstAddresses(timeoutMillis: number): Promise<void> {
    if (this.nameServers.length > 0 || this.#firstAddresses === undefined) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMillis)));
    await Promise.race([this.#firstAddresses, timeout]);
    clearTimeout(timer);
  }

  get nameServerAddressList(): readonly string[] {
    return this.nameServers;
  }

  /** The name server the next name-server call goes to first. */
  currentNameServer(): string | undefined {
    const n = this.nameServers.length;
    return n === 0 ? undefined : this.nameServers[this.nameServerIndex % n];
  }

  /**
   * One request to the name servers: the current one first; a connect failure moves on to the next
   * address right away (within the timeout); any transport failure makes the next call start at the
   * next address.
   */
  async invokeNameServer(
    makeRequest: () => RemotingCommand,
    timeoutMillis: number,
  ): Promise<RemotingCommand> {
    const deadline = Date.now() + timeoutMillis;
    await this.#waitForFirstAddresses(timeoutMillis);
    const n = this.nameServers.length;
    if (n === 0) {
      throw new MQClientError(
        'No name server address, please set it. (pass the nameServer option, e.g. 127.0.0.1:9876)',
        {
          code: ClientErrorCode.NO_NAME_SERVER_EXCEPTION,
        },
      );
    }
    let lastError: unknown;
    for (let i = 0; i < n; i++) {
      // Read the list again on each attempt: discovery may have switched it meanwhile.
      const list = this.nameServers;
      const addr = list[this.nameServerIndex % list.length] as string;
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      try {
        return await this.#invokeCounted(addr, makeRequest(), remaining);
      } catch (err) {
        if (!(err instanceof RemotingError)) throw err;
        lastError = err;
        if (this.nameServers === list) this.nameServerIndex = (this.nameServerIndex + 1) % list.length;
        this.logger.warn({ addr, err: err.message }, 'name server call failed, switching to the next one');
        if (!(err instanceof RemotingConnectError)) throw err;
      }
    }
    throw (
      lastError ??
      new MQClientError(`name server call timed out after ${timeoutMillis}ms`, {
        code: ClientErrorCode.ACCESS_BROKER_TIMEOUT,
      })
    );
  }

  /**
   * GET_ROUTEINFO_BY_TOPIC. TOPIC_NOT_EXIST and other error codes throw MQClientError with that code.
   */
  async getTopicRouteInfoFromNameServer(topic: string, timeoutMillis: number): Promise<TopicRouteData> {
    const response = await this.invokeNameServer(
      () =>
        createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, {
          extFields: GetRouteInfoRequestHeader.encode({ topic }),
        }),
      timeoutMillis,
    );
    if (response.code === ResponseCode.SUCCESS && response.body !== undefined && response.body.length > 0) {
      return decodeTopicRouteData(response.body);
    }
    throw new MQClientError(
      `CODE: ${response.code}  DESC: ${response.remark ?? `no route for topic ${topic}`}`.split(
        '\n',
      )[0] as string,
      { code: response.code },
    );
  }

  /** HEART_BEAT (34); resolves with the broker's protocol version. */
  async sendHeartbeat(addr: string, data: HeartbeatData, timeoutMillis: number): Promise<number> {
    const request = createRequest(RequestCode.HEART_BEAT, { body: encodeHeartbeatData(data) });
    const response = await this.remoting.invokeSync(addr, request, timeoutMillis);
    if (response.code !== ResponseCode.SUCCESS) throw new MQBrokerError(response.code, response.remark, addr);
    return response.version;
  }

  /** UNREGISTER_CLIENT (35). */
  async unregisterClient(
    addr: string,
    clientID: string,
    groups: { producerGroup?: string; consumerGroup?: string },
    timeoutMillis: number,
  ): Promise<void> {
    const request = createRequest(RequestCode.UNREGISTER_CLIENT, {
      extFields: UnregisterClientRequestHeader.encode({ clientID, ...groups }),
    });
    const response = await this.remoting.invokeSync(addr, request, timeoutMillis);
    if (response.code !== ResponseCode.SUCCESS) throw new MQBrokerError(response.code, response.remark, addr);
  }
}
