/**
 * Everything of a send attempt before the bytes leave (Java sendKernelImpl up to the invocation):
 * resolve the broker's master address, prepare the message once per send call (UNIQ_KEY,
 * INSTANCE_ID, compression, sysFlag, property string, retry-topic reconsume fields), run the
 * check-forbidden and before hooks, build the request header and the request. A prepared request can
 * be re-aimed at another queue (async retries). The caller's Message keeps its body and topic; only
 * UNIQ_KEY/INSTANCE_ID are added to it (as Java).
 */
import { ClientErrorCode, MQClientError, RemotingTooMuchRequestError } from '../../../common/errors.js';
import type { SendMessageRequestHeader } from '../../../protocol/headers/index.js';
import {
  compressMessageBody,
  compressedSysFlag,
  encodeProperties,
  isRetryTopic,
  MessageConst,
  MessageSysFlag,
  withoutNamespace,
} from '../../../protocol/message/index.js';
import type { Message } from '../../../protocol/message/index.js';
import type { RemotingCommand } from '../../../protocol/command/remoting-command.js';
import { brokerVIPChannel } from '../../client-config.js';
import type { MessageQueue } from '../../message-queue.js';
import type { SendMessageContext } from '../hooks.js';
import { MessageBatch } from '../message-batch.js';
import { buildSendRequest } from '../producer-api.js';
import type { SendRequestKind, SendResponseContext } from '../producer-api.js';
import type { ProducerCore } from '../producer-core.js';
import { compressesOffLoop, compressOffLoop } from './compress-off-loop.js';
import type { SendCall } from './send-call.js';

/** The message as it goes on the wire, computed once per send call. */
export interface WireMessage {
  body: Buffer;
  sysFlag: number;
  properties: string;
  reconsumeTimes: number | undefined;
  maxReconsumeTimes: number | undefined;
  msgId: string;
  reply: boolean;
}

/** A send header as prepareSend builds it: every field a retry copies is set. */
export type FullSendHeader = SendMessageRequestHeader &
  Required<Pick<SendMessageRequestHeader, 'properties' | 'reconsumeTimes' | 'unitMode' | 'batch'>>;

export interface PreparedSend {
  readonly addr: string;
  readonly request: RemotingCommand;
  /** The first attempt's header, body and kind: async retries build the same request for another queue. */
  readonly header: FullSendHeader;
  readonly body: Buffer;
  readonly kind: SendRequestKind;
  readonly timeoutMillis: number;
  readonly response: SendResponseContext;
  readonly hookContext: SendMessageContext | undefined;
}

/** No master address for the broker in the route. */
export function brokerNotExist(brokerName: string): MQClientError {
  return new MQClientError(`The broker[${brokerName}] not exist (no master address in the route)`, {
    code: ClientErrorCode.BROKER_NOT_EXIST_EXCEPTION,
  });
}

function parseIntProperty(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number.parseInt(value, 10);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Computes the wire form of the message (once per send call); a promise when its body is deflated
 * off the event loop (compress-off-loop.ts).
 */
function prepareWire(
  host: ProducerCore,
  call: SendCall,
  wireTopic: string,
): WireMessage | Promise<WireMessage> {
  const msg = call.message;
  const batch = msg instanceof MessageBatch;
  const namespace = host.config.client.namespace;
  if (!batch && msg.getProperty(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX) === undefined) {
    msg.putProperty(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX, host.idGenerator.next());
  }
  if (namespace !== undefined) msg.putProperty(MessageConst.PROPERTY_INSTANCE_ID, namespace);
  let body = msg.bodyBytes();
  let sysFlag = 0;
  let offLoop: Promise<Buffer> | undefined;
  const { compressType, compressLevel } = host.config;
  if (!batch && body.length >= host.config.compressMsgBodyOverHowmuch) {
    if (compressesOffLoop(compressType, body.length)) offLoop = compressOffLoop(body, compressLevel);
    else body = compressMessageBody(body, compressType, compressLevel);
    sysFlag |= compressedSysFlag(compressType);
  }
  if ((msg.getProperty(MessageConst.PROPERTY_TRANSACTION_PREPARED) ?? '').toLowerCase() === 'true') {
    sysFlag |= MessageSysFlag.TRANSACTION_PREPARED_TYPE;
  }
  const properties = encodeProperties(msg.properties);
  let reconsumeTimes: number | undefined;
  let maxReconsumeTimes: number | undefined;
  if (isRetryTopic(wireTopic)) {
    // Read after the property string was built, so the values also stay inside it (as Java).
    reconsumeTimes = parseIntProperty(msg.getProperty(MessageConst.PROPERTY_RECONSUME_TIME));
    if (reconsumeTimes !== undefined) msg.clearProperty(MessageConst.PROPERTY_RECONSUME_TIME);
    maxReconsumeTimes = parseIntProperty(msg.getProperty(MessageConst.PROPERTY_MAX_RECONSUME_TIMES));
    if (maxReconsumeTimes !== undefined) msg.clearProperty(MessageConst.PROPERTY_MAX_RECONSUME_TIMES);
  }
  const msgId = batch
    ? msg.messages
        .map((m) => m.getProperty(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX) ?? '')
        .join(',')
    : (msg.getProperty(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX) as string);
  const reply = msg.getProperty(MessageConst.PROPERTY_MESSAGE_TYPE) === MessageConst.REPLY_MESSAGE_FLAG;
  const wire = { body, sysFlag, properties, reconsumeTimes, maxReconsumeTimes, msgId, reply };
  return offLoop === undefined ? wire : offLoop.then((compressed) => ({ ...wire, body: compressed }));
}

function messageTypeOf(msg: Message): SendMessageContext['msgType'] {
  if ((msg.getProperty(MessageConst.PROPERTY_TRANSACTION_PREPARED) ?? '').toLowerCase() === 'true') {
    return 'Trans_Msg_Half';
  }
  if (
    msg.getProperty(MessageConst.PROPERTY_START_DELIVER_TIME) !== undefined ||
    msg.getProperty(MessageConst.PROPERTY_DELAY_TIME_LEVEL) !== undefined
  ) {
    return 'Delay_Msg';
  }
  return 'Normal_Msg';
}

/**
 * Everything before the bytes leave: address, wire form, hooks, header, request. Synchronous when
 * the broker's address is known and the body needs no deflate off the loop (nearly every send): no
 * promise, no suspended function per send.
 *
 * As Java's sendKernelImpl, a preparation that used up the attempt's `timeoutMillis` fails, and the
 * request gets what is left. The clock is read only where time can pass: before a wait (route lookup,
 * deflate off the loop) or user code (hooks); `begin` stays undefined on the plain synchronous path
 * (two clock reads per send saved). That path may deflate a body below the off-loop threshold, a few
 * milliseconds at most: not counted, where Java would count it against a budget of seconds.
 */
export function prepareSend(
  host: ProducerCore,
  call: SendCall,
  mq: MessageQueue,
  timeoutMillis: number,
): PreparedSend | Promise<PreparedSend> {
  const master = host.instance.findBrokerAddressInPublish(mq.brokerName);
  if (master === undefined) {
    return prepareAfterRouteLookup(host, call, mq, timeoutMillis, host.clock.now());
  }
  return prepareWithWire(host, call, mq, timeoutMillis, undefined, master);
}

async function prepareAfterRouteLookup(
  host: ProducerCore,
  call: SendCall,
  mq: MessageQueue,
  timeoutMillis: number,
  begin: number,
): Promise<PreparedSend> {
  await host.tryToFindTopicPublishInfo(mq.topic);
  // The producer's drain gave up on the call meanwhile: no hooks, no request.
  if (call.abandoned !== undefined) throw call.abandoned;
  const master = host.instance.findBrokerAddressInPublish(mq.brokerName);
  if (master === undefined) throw brokerNotExist(mq.brokerName);
  return prepareWithWire(host, call, mq, timeoutMillis, begin, master);
}

function prepareWithWire(
  host: ProducerCore,
  call: SendCall,
  mq: MessageQueue,
  timeoutMillis: number,
  begin: number | undefined,
  master: string,
): PreparedSend | Promise<PreparedSend> {
  if (call.wire === undefined) {
    const wire = prepareWire(host, call, mq.topic);
    if (wire instanceof Promise) {
      const deflateBegin = begin ?? host.clock.now();
      return wire.then((deflated) => {
        call.wire = deflated;
        if (call.abandoned !== undefined) throw call.abandoned; // the drain gave up during the deflate
        return prepareRequest(host, call, mq, timeoutMillis, deflateBegin, master, deflated);
      });
    }
    call.wire = wire;
  }
  return prepareRequest(host, call, mq, timeoutMillis, begin, master, call.wire);
}

function prepareRequest(
  host: ProducerCore,
  call: SendCall,
  mq: MessageQueue,
  timeoutMillis: number,
  begin: number | undefined,
  master: string,
  wire: WireMessage,
): PreparedSend {
  const { config } = host;
  // The hooks are user code: the time they take counts.
  if (begin === undefined && (host.checkForbiddenHooks.length > 0 || host.sendHooks.length > 0)) {
    begin = host.clock.now();
  }
  const brokerAddr = brokerVIPChannel(config.client.vipChannelEnabled, master);
  const msg = call.message;
  for (const hook of host.checkForbiddenHooks) {
    hook.checkForbidden({
      nameSrvAddr: config.client.nameServerAddresses.join(';'),
      group: host.wireGroup,
      message: msg,
      mq,
      brokerAddr,
      communicationMode: call.mode,
      unitMode: config.client.unitMode,
    });
  }
  let hookContext: SendMessageContext | undefined;
  if (host.sendHooks.length > 0) {
    hookContext = {
      producerGroup: host.wireGroup,
      message: msg,
      mq,
      brokerAddr,
      bornHost: host.instance.config.clientIP,
      communicationMode: call.mode,
      msgType: messageTypeOf(msg),
      namespace: config.client.namespace,
      props: new Map(),
    };
    call.openHooks(host, hookContext);
  }
  const batch = msg instanceof MessageBatch;
  const header: FullSendHeader = {
    producerGroup: host.wireGroup,
    topic: mq.topic,
    defaultTopic: config.createTopicKey,
    defaultTopicQueueNums: config.defaultTopicQueueNums,
    queueId: mq.queueId,
    sysFlag: wire.sysFlag,
    bornTimestamp: Date.now(),
    flag: msg.flag,
    properties: wire.properties,
    reconsumeTimes: wire.reconsumeTimes ?? 0,
    unitMode: config.client.unitMode,
    batch,
    bname: mq.brokerName,
  };
  if (wire.maxReconsumeTimes !== undefined) header.maxReconsumeTimes = wire.maxReconsumeTimes;
  const kind = requestKind(config.sendSmartMsg, batch, wire.reply);
  const request = buildSendRequest(header, wire.body, kind);
  // As Java: only a budget already overrun fails here; with exactly 0 ms left the transport gets 0 and
  // reports the timeout itself.
  const remaining = begin === undefined ? timeoutMillis : timeoutMillis - (host.clock.now() - begin);
  if (remaining < 0) {
    const err = new RemotingTooMuchRequestError('sendKernelImpl call timeout');
    call.finishHooks(host, hookContext, undefined, err);
    throw err;
  }
  return {
    addr: brokerAddr,
    request,
    header,
    body: wire.body,
    kind,
    timeoutMillis: remaining,
    response: {
      brokerName: mq.brokerName,
      brokerAddr,
      topic: withoutNamespace(mq.topic, config.client.namespace),
      msgId: wire.msgId,
    },
    hookContext,
  };
}

/** The eight request kinds, made once (a send would otherwise allocate its own). */
const REQUEST_KINDS: SendRequestKind[] = [];
for (let bits = 0; bits < 8; bits++) {
  REQUEST_KINDS.push(
    Object.freeze({ sendSmartMsg: (bits & 1) !== 0, batch: (bits & 2) !== 0, reply: (bits & 4) !== 0 }),
  );
}

function requestKind(sendSmartMsg: boolean, batch: boolean, reply: boolean): SendRequestKind {
  return REQUEST_KINDS[(sendSmartMsg ? 1 : 0) | (batch ? 2 : 0) | (reply ? 4 : 0)]!;
}
