/**
 * MQClientAPI: builds the client's requests and interprets the answers (Java MQClientAPIImpl):
 * route lookups on the name servers (one sticky name server, rotating to the next on failure),
 * message sends, heartbeats and client unregistration. No retry policy for sends lives here.
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
import {
  GetRouteInfoRequestHeader,
  SendMessageRequestHeader,
  SendMessageResponseHeader,
  UnregisterClientRequestHeader,
} from '../protocol/headers/index.js';
import { defaultRandomInt } from './clock.js';
import type { RandomInt } from './clock.js';
import { MessageQueue } from './message-queue.js';
import { DEFAULT_REGION_ID } from '../protocol/codes/misc.js';
import { SendResult, sendStatusOf } from './producer/send-result.js';

/** What MQClientAPI needs from the transport's RemotingClient. */
export interface RemotingInvoker {
  invokeSync(addr: string, request: RemotingCommand, timeoutMillis: number): Promise<RemotingCommand>;
  invokeAsync(addr: string, request: RemotingCommand, timeoutMillis: number): Promise<RemotingCommand>;
  invokeOneway(addr: string, request: RemotingCommand, timeoutMillis: number): Promise<void>;
}

export interface SendRequestKind {
  /** SEND_MESSAGE_V2 / SEND_REPLY_MESSAGE_V2 with one-letter header keys. */
  sendSmartMsg: boolean;
  batch: boolean;
  /** MSG_TYPE=reply. */
  reply: boolean;
}

/** Request code and header form for a send (reference §8.1 table). */
export function sendRequestCode(kind: SendRequestKind): { code: number; v2: boolean } {
  if (kind.reply) {
    return kind.sendSmartMsg
      ? { code: RequestCode.SEND_REPLY_MESSAGE_V2, v2: true }
      : { code: RequestCode.SEND_REPLY_MESSAGE, v2: false };
  }
  if (kind.batch) return { code: RequestCode.SEND_BATCH_MESSAGE, v2: true };
  return kind.sendSmartMsg
    ? { code: RequestCode.SEND_MESSAGE_V2, v2: true }
    : { code: RequestCode.SEND_MESSAGE, v2: false };
}

export interface SendResponseContext {
  brokerName: string;
  brokerAddr: string;
  /** Topic reported in the SendResult (namespace already removed). */
  topic: string;
  /** UNIQ_KEY(s) of the message(s). */
  msgId: string;
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

  /** Builds a send request: code and header form per `kind`, body = wire body. */
  buildSendRequest(header: SendMessageRequestHeader, body: Buffer, kind: SendRequestKind): RemotingCommand {
    const { code, v2 } = sendRequestCode(kind);
    return createRequest(code, { extFields: SendMessageRequestHeader.encode(header, { v2 }), body });
  }

  /** Java processSendResponse: a stored status becomes a SendResult, any other code an MQBrokerError. */
  processSendResponse(response: RemotingCommand, ctx: SendResponseContext): SendResult {
    const sendStatus = sendStatusOf(response.code);
    if (sendStatus === undefined) throw new MQBrokerError(response.code, response.remark, ctx.brokerAddr);
    const header = SendMessageResponseHeader.decode(response.extFields);
    const regionId =
      header.msgRegion !== undefined && header.msgRegion !== '' ? header.msgRegion : DEFAULT_REGION_ID;
    const traceOn = header.traceOn !== false;
    return new SendResult({
      sendStatus,
      msgId: ctx.msgId,
      offsetMsgId: header.msgId,
      messageQueue: new MessageQueue(ctx.topic, ctx.brokerName, header.queueId),
      queueOffset: header.queueOffset,
      transactionId: header.transactionId,
      regionId,
      traceOn,
      recallHandle: header.recallHandle,
    });
  }

  async sendMessageSync(
    addr: string,
    request: RemotingCommand,
    timeoutMillis: number,
    ctx: SendResponseContext,
  ): Promise<SendResult> {
    const response = await this.remoting.invokeSync(addr, request, timeoutMillis);
    return this.processSendResponse(response, ctx);
  }

  /** Resolves with the raw response; the caller interprets it (the async path decides about retries). */
  sendMessageAsync(addr: string, request: RemotingCommand, timeoutMillis: number): Promise<RemotingCommand> {
    return this.remoting.invokeAsync(addr, request, timeoutMillis);
  }

  sendMessageOneway(addr: string, request: RemotingCommand, timeoutMillis: number): Promise<void> {
    return this.remoting.invokeOneway(addr, request, timeoutMillis);
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
