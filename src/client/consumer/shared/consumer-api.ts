/**
 * Broker requests of the pull consumer (Java MQClientAPIImpl's consumer half): PULL_MESSAGE,
 * consumer offsets, queue offsets, search by time, view by offset id and query by key. Builds the requests from
 * the header tables and turns answers into values or MQBrokerErrors; it chooses no address.
 */
import { IllegalArgumentError, MQBrokerError } from '../../../common/errors.js';
import { RequestCode, ResponseCode } from '../../../protocol/codes/index.js';
import { createRequest } from '../../../protocol/command/remoting-command.js';
import { encodeCheckClientRequestBody } from '../../../protocol/body/check-client.js';
import type { CheckClientRequestBody } from '../../../protocol/body/check-client.js';
import type { RemotingCommand } from '../../../protocol/command/remoting-command.js';
import {
  GetEarliestMsgStoretimeRequestHeader,
  GetEarliestMsgStoretimeResponseHeader,
  GetMaxOffsetRequestHeader,
  GetMaxOffsetResponseHeader,
  GetMinOffsetRequestHeader,
  GetMinOffsetResponseHeader,
  PullMessageRequestHeader,
  PullMessageResponseHeader,
  QueryConsumerOffsetRequestHeader,
  QueryMessageRequestHeader,
  QueryConsumerOffsetResponseHeader,
  SearchOffsetRequestHeader,
  SearchOffsetResponseHeader,
  UpdateConsumerOffsetRequestHeader,
  ViewMessageRequestHeader,
} from '../../../protocol/headers/index.js';
import { decodeMessageRecord, decodeMessageRecords } from '../../../protocol/message/index.js';
import type { MessageRecord } from '../../../protocol/message/index.js';
import type { RemotingInvoker } from '../../mq-client-api.js';
import { pullStatusOfCode } from './pull-result.js';
import type { PullStatus } from './pull-result.js';

/** Runs a request's invocation (and may settle it sooner: an abort). */
export type InvokeWrapper = (
  request: RemotingCommand,
  invoke: () => Promise<RemotingCommand>,
) => Promise<RemotingCommand>;

/** A pull answer before message decoding. */
export interface RawPullResult {
  status: PullStatus;
  nextBeginOffset: bigint;
  minOffset: bigint;
  maxOffset: bigint;
  suggestWhichBrokerId: number;
  /** Concatenated records (FOUND only). */
  body: Buffer | undefined;
}

export interface QueueRef {
  topic: string;
  queueId: number;
  /** Broker name, sent as `bname`. */
  brokerName?: string;
}

function ensureSuccess(response: RemotingCommand, addr: string): RemotingCommand {
  if (response.code !== ResponseCode.SUCCESS) throw new MQBrokerError(response.code, response.remark, addr);
  return response;
}

/** Interprets a PULL_MESSAGE answer (Java processPullResponse). */
export function processPullResponse(response: RemotingCommand, addr: string): RawPullResult {
  const status = pullStatusOfCode(response.code);
  if (status === undefined) throw new MQBrokerError(response.code, response.remark, addr);
  const h = PullMessageResponseHeader.decode(response.extFields);
  return {
    status,
    nextBeginOffset: h.nextBeginOffset,
    minOffset: h.minOffset,
    maxOffset: h.maxOffset,
    suggestWhichBrokerId: h.suggestWhichBrokerId,
    body: status === 'FOUND' ? (response.body ?? Buffer.alloc(0)) : undefined,
  };
}

export class ConsumerAPI {
  constructor(private readonly remoting: RemotingInvoker) {}

  /** One sync request whose answer must be SUCCESS (else MQBrokerError with the broker's code). */
  private async call(
    addr: string,
    code: number,
    extFields: Record<string, string>,
    timeoutMillis: number,
  ): Promise<RemotingCommand> {
    const request = createRequest(code, { extFields });
    return ensureSuccess(await this.remoting.invokeSync(addr, request, timeoutMillis), addr);
  }

  /**
   * CHECK_CLIENT_CONFIG (46): asks whether the broker can serve this subscription (Java
   * checkClientInBroker). A broker without enablePropertyFilter answers SYSTEM_ERROR, a bad
   * expression SUBSCRIPTION_PARSE_FAILED: both thrown as MQBrokerError with the broker's remark.
   */
  async checkClientConfig(addr: string, body: CheckClientRequestBody, timeoutMillis: number): Promise<void> {
    const request = createRequest(RequestCode.CHECK_CLIENT_CONFIG, {
      body: encodeCheckClientRequestBody(body),
    });
    ensureSuccess(await this.remoting.invokeSync(addr, request, timeoutMillis), addr);
  }

  /** PULL_MESSAGE; `around` wraps the request's invocation (an AbortSignal's, see abortable.ts). */
  async pullMessage(
    addr: string,
    header: PullMessageRequestHeader,
    timeoutMillis: number,
    around?: InvokeWrapper,
  ): Promise<RawPullResult> {
    const request = createRequest(RequestCode.PULL_MESSAGE, {
      extFields: PullMessageRequestHeader.encode(header),
    });
    const invoke = () => this.remoting.invokeSync(addr, request, timeoutMillis);
    const response = await (around === undefined ? invoke() : around(request, invoke));
    return processPullResponse(response, addr);
  }

  /**
   * QUERY_CONSUMER_OFFSET: the group's stored offset, or undefined when the broker has none. With
   * zeroIfNotFound false the header says setZeroIfNotFound=false: a 5.x broker (and ours) then answers
   * QUERY_NOT_FOUND for a group with no offset instead of 0 for a queue that still starts at 0 (a 4.x
   * broker ignores the field).
   */
  async queryConsumerOffset(
    addr: string,
    group: string,
    q: QueueRef,
    timeoutMillis: number,
    zeroIfNotFound = true,
  ): Promise<bigint | undefined> {
    const request = createRequest(RequestCode.QUERY_CONSUMER_OFFSET, {
      extFields: QueryConsumerOffsetRequestHeader.encode({
        consumerGroup: group,
        topic: q.topic,
        queueId: q.queueId,
        ...(q.brokerName !== undefined && { bname: q.brokerName }),
        ...(!zeroIfNotFound && { setZeroIfNotFound: false }),
      }),
    });
    const response = await this.remoting.invokeSync(addr, request, timeoutMillis);
    if (response.code === ResponseCode.QUERY_NOT_FOUND) return undefined;
    return QueryConsumerOffsetResponseHeader.decode(ensureSuccess(response, addr).extFields).offset;
  }

  /** UPDATE_CONSUMER_OFFSET, answered (sync) or oneway. */
  async updateConsumerOffset(
    addr: string,
    group: string,
    q: QueueRef,
    commitOffset: bigint,
    timeoutMillis: number,
    oneway = false,
  ): Promise<void> {
    const request = createRequest(RequestCode.UPDATE_CONSUMER_OFFSET, {
      extFields: UpdateConsumerOffsetRequestHeader.encode({
        consumerGroup: group,
        topic: q.topic,
        queueId: q.queueId,
        commitOffset,
        ...(q.brokerName !== undefined && { bname: q.brokerName }),
      }),
    });
    if (oneway) {
      await this.remoting.invokeOneway(addr, request, timeoutMillis);
      return;
    }
    ensureSuccess(await this.remoting.invokeSync(addr, request, timeoutMillis), addr);
  }

  async getMaxOffset(addr: string, q: QueueRef, timeoutMillis: number): Promise<bigint> {
    const response = await this.call(
      addr,
      RequestCode.GET_MAX_OFFSET,
      GetMaxOffsetRequestHeader.encode(withBname(q)),
      timeoutMillis,
    );
    return GetMaxOffsetResponseHeader.decode(response.extFields).offset;
  }

  async getMinOffset(addr: string, q: QueueRef, timeoutMillis: number): Promise<bigint> {
    const response = await this.call(
      addr,
      RequestCode.GET_MIN_OFFSET,
      GetMinOffsetRequestHeader.encode(withBname(q)),
      timeoutMillis,
    );
    return GetMinOffsetResponseHeader.decode(response.extFields).offset;
  }

  /**
   * SEARCH_OFFSET_BY_TIMESTAMP: the offset of the first message stored at or after `timestamp`
   * (milliseconds; a fraction is dropped, as Java's long parameter cannot hold one).
   */
  async searchOffset(addr: string, q: QueueRef, timestamp: number, timeoutMillis: number): Promise<bigint> {
    if (!Number.isFinite(timestamp)) {
      throw new IllegalArgumentError(
        `searchOffset timestamp must be a finite number of milliseconds, got ${timestamp}`,
      );
    }
    const response = await this.call(
      addr,
      RequestCode.SEARCH_OFFSET_BY_TIMESTAMP,
      SearchOffsetRequestHeader.encode({ ...withBname(q), timestamp: BigInt(Math.trunc(timestamp)) }),
      timeoutMillis,
    );
    return SearchOffsetResponseHeader.decode(response.extFields).offset;
  }

  async getEarliestMsgStoreTime(addr: string, q: QueueRef, timeoutMillis: number): Promise<number> {
    const response = await this.call(
      addr,
      RequestCode.GET_EARLIEST_MSG_STORETIME,
      GetEarliestMsgStoretimeRequestHeader.encode(withBname(q)),
      timeoutMillis,
    );
    return GetEarliestMsgStoretimeResponseHeader.decode(response.extFields).timestamp;
  }

  /** VIEW_MESSAGE_BY_ID: the record stored at commit-log offset `phyOffset`. */
  async viewMessage(addr: string, phyOffset: bigint, timeoutMillis: number): Promise<MessageRecord> {
    const response = await this.call(
      addr,
      RequestCode.VIEW_MESSAGE_BY_ID,
      ViewMessageRequestHeader.encode({ offset: phyOffset }),
      timeoutMillis,
    );
    return decodeMessageRecord(response.body ?? Buffer.alloc(0));
  }

  /**
   * QUERY_MESSAGE (Java MQClientAPIImpl.queryMessage): the records the broker's index holds under
   * the key; [] on QUERY_NOT_FOUND. With uniqueKeyQuery (`_UNIQUE_KEY_QUERY`, which Java always
   * sends) true, the broker answers up to its defaultQueryMaxNum whatever maxNum says.
   */
  async queryMessage(
    addr: string,
    header: QueryMessageRequestHeader,
    timeoutMillis: number,
  ): Promise<MessageRecord[]> {
    const extFields = QueryMessageRequestHeader.encode(header);
    const request = createRequest(RequestCode.QUERY_MESSAGE, { extFields });
    const response = await this.remoting.invokeSync(addr, request, timeoutMillis);
    if (response.code === ResponseCode.QUERY_NOT_FOUND) return [];
    ensureSuccess(response, addr);
    return response.body ? decodeMessageRecords(response.body) : [];
  }
}

function withBname(q: QueueRef): { topic: string; queueId: number; bname?: string } {
  return {
    topic: q.topic,
    queueId: q.queueId,
    ...(q.brokerName !== undefined && { bname: q.brokerName }),
  };
}
