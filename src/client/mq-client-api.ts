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
import { GetRouteInfoRequestHeader, UnregisterClientRequestHeader } from '../protocol/headers/index.js';
import { defaultRandomInt } from './clock.js';
import type { RandomInt } from './clock.js';

/** What MQClientAPI needs from the transport's RemotingClient. */
export interface RemotingInvoker {
  invokeSync(addr: string, request: RemotingCommand, timeoutMillis: number): Promise<RemotingCommand>;
  invokeAsync(addr: string, request: RemotingCommand, timeoutMillis: number): Promise<RemotingCommand>;
  invokeOneway(addr: string, request: RemotingCommand, timeoutMillis: number): Promise<void>;
}

export class MQClientAPI {
  private nameServers: string[] = [];
  private nameServerIndex: number;
  readonly logger: Logger;

  constructor(
    readonly remoting: RemotingInvoker,
    options: { nameServerAddresses?: readonly string[]; logger?: Logger; random?: RandomInt } = {},
  ) {
    this.logger = options.logger ?? silentLogger;
    this.nameServerIndex = (options.random ?? defaultRandomInt)() % 999;
    this.updateNameServerAddressList(options.nameServerAddresses ?? []);
  }

  updateNameServerAddressList(addresses: readonly string[]): void {
    this.nameServers = [...addresses];
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
    const n = this.nameServers.length;
    if (n === 0) {
      throw new MQClientError(
        'No name server address, please set it. (pass the nameServer option, e.g. 127.0.0.1:9876)',
        {
          code: ClientErrorCode.NO_NAME_SERVER_EXCEPTION,
        },
      );
    }
    const deadline = Date.now() + timeoutMillis;
    let lastError: unknown;
    for (let i = 0; i < n; i++) {
      const addr = this.nameServers[this.nameServerIndex % n] as string;
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      try {
        return await this.remoting.invokeSync(addr, makeRequest(), remaining);
      } catch (err) {
        if (!(err instanceof RemotingError)) throw err;
        lastError = err;
        this.nameServerIndex = (this.nameServerIndex + 1) % n;
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
