/**
 * Broker requests of the producer (Java MQClientAPIImpl's send half): builds SEND_MESSAGE(_V2),
 * SEND_BATCH_MESSAGE and SEND_REPLY_MESSAGE(_V2) requests from the send header table and turns the
 * answers into SendResults or MQBrokerErrors. It chooses no address and has no retry policy (the
 * send loop has).
 */
import { MQBrokerError } from '../../common/errors.js';
import { RequestCode } from '../../protocol/codes/index.js';
import { DEFAULT_REGION_ID } from '../../protocol/codes/misc.js';
import { createRequest } from '../../protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../protocol/command/remoting-command.js';
import { SendMessageRequestHeader, SendMessageResponseHeader } from '../../protocol/headers/index.js';
import { MessageQueue } from '../message-queue.js';
import type { InvokeCallback } from '../../transport/index.js';
import type { RemotingInvoker } from '../mq-client-api.js';
import { SendResult, sendStatusOf } from './send-result.js';

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

/** Builds a send request: code and header form per `kind`, body = wire body. */
export function buildSendRequest(
  header: SendMessageRequestHeader,
  body: Buffer,
  kind: SendRequestKind,
): RemotingCommand {
  const { code, v2 } = sendRequestCode(kind);
  return createRequest(code, { extFields: encodeSendHeader(header, v2), body });
}

function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

/**
 * SendMessageRequestHeader.encode for the V2 header every send builds, as one object literal: the
 * same keys, order and text, without the generic walk over the field table (and one hidden class for
 * all). Anything else — V1 keys, maxReconsumeTimes, a field missing or not of its type — goes the
 * generic way, which also reports bad values.
 */
export function encodeSendHeader(header: SendMessageRequestHeader, v2: boolean): Record<string, string> {
  const { producerGroup, topic, defaultTopic, properties, unitMode, batch, bname } = header;
  if (
    !v2 ||
    header.maxReconsumeTimes !== undefined ||
    typeof producerGroup !== 'string' ||
    typeof topic !== 'string' ||
    typeof defaultTopic !== 'string' ||
    typeof properties !== 'string' ||
    typeof unitMode !== 'boolean' ||
    typeof batch !== 'boolean' ||
    typeof bname !== 'string' ||
    !isInteger(header.defaultTopicQueueNums) ||
    !isInteger(header.queueId) ||
    !isInteger(header.sysFlag) ||
    !isInteger(header.bornTimestamp) ||
    !isInteger(header.flag) ||
    !isInteger(header.reconsumeTimes)
  ) {
    return SendMessageRequestHeader.encode(header, { v2 });
  }
  return {
    a: producerGroup,
    b: topic,
    c: defaultTopic,
    d: String(header.defaultTopicQueueNums),
    e: String(header.queueId),
    f: String(header.sysFlag),
    g: String(header.bornTimestamp),
    h: String(header.flag),
    i: properties,
    j: String(header.reconsumeTimes),
    k: unitMode ? 'true' : 'false',
    m: batch ? 'true' : 'false',
    n: bname,
  };
}

/** Java processSendResponse: a stored status becomes a SendResult, any other code an MQBrokerError. */
export function processSendResponse(response: RemotingCommand, ctx: SendResponseContext): SendResult {
  const sendStatus = sendStatusOf(response.code);
  if (sendStatus === undefined) throw new MQBrokerError(response.code, response.remark, ctx.brokerAddr);
  const header = SendMessageResponseHeader.decode(response.extFields);
  const regionId =
    header.msgRegion !== undefined && header.msgRegion !== '' ? header.msgRegion : DEFAULT_REGION_ID;
  const traceOn = header.traceOn !== 'false';
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

/** The three ways a prepared send request leaves; answers are returned raw (the send loop interprets them). */
export class ProducerAPI {
  constructor(private readonly remoting: RemotingInvoker) {}

  sendSync(addr: string, request: RemotingCommand, timeoutMillis: number): Promise<RemotingCommand> {
    return this.remoting.invokeSync(addr, request, timeoutMillis);
  }

  /** Through the transport's async (permit-bounded) invocation. */
  sendAsync(addr: string, request: RemotingCommand, timeoutMillis: number): Promise<RemotingCommand> {
    return this.remoting.invokeAsync(addr, request, timeoutMillis);
  }

  /** The same in callback form (no promise per request): `callback` gets the answer or the error, once. */
  sendAsyncThen(
    addr: string,
    request: RemotingCommand,
    timeoutMillis: number,
    callback: InvokeCallback,
  ): void {
    const pending = this.remoting.invokeAsync(addr, request, timeoutMillis, callback);
    // An invoker with only the promise form (a test double) answers through its promise; a rejection
    // without a reason still fails (a null error would read as an answer).
    if (pending !== undefined) {
      pending.then(
        (response) => callback(null, response),
        (error: unknown) =>
          callback(
            error ? (error as Error) : new Error(`request rejected without a reason (${String(error)})`),
          ),
      );
    }
  }

  sendOneway(addr: string, request: RemotingCommand, timeoutMillis: number): Promise<void> {
    return this.remoting.invokeOneway(addr, request, timeoutMillis);
  }
}
