/**
 * SEND_REPLY_MESSAGE (324, V1 header) and SEND_REPLY_MESSAGE_V2 (325) — Java ReplyMessageProcessor
 * (4.9.8 and 5.3.3 behave alike):
 *
 *  1. decode the send header; the answer carries MSG_REGION and TRACE_ON (refusals too)
 *  2. msgCheck (send-support.ts checkSend); queueId < 0 → a random writable queue
 *  3. push: PUSH_REPLY_MESSAGE_TO_CLIENT (326) to the connection of the producer client named by the
 *     reply's REPLY_TO_CLIENT property, found through the heartbeats (Java ProducerManager.findChannel),
 *     waiting up to 10 s for its answer (Java Broker2Client.callClient). The pushed header repeats the
 *     replier's send header, with PUSH_REPLY_TIME added to the properties, plus bornHost (the
 *     replier's address), storeHost (ours) and storeTimestamp (now); the body is the request's body
 *  4. then, with storeReplyMessageEnable (default true, as Java), the reply is stored in its topic
 *     (`<cluster>_REPLY_TOPIC`, created at start with one queue) with the replier's property string
 *     as sent (no CLUSTER added); a delay level sends it through the schedule topic like any send
 *     (4.9.8 CommitLog.asyncPutMessage, 5.3.3 the store's schedule hook)
 *  5. answer: pushed → SUCCESS, msgId "0", queueOffset 0 (Java fills them so clients can decode) or,
 *     when stored, the stored message's offset id and queue offset. Not pushed → SYSTEM_ERROR with
 *     Java's remark (below), and the stored message's fields when it was stored anyway.
 *
 * Remarks when the push fails (Java's text, spacing included):
 *   no REPLY_TO_CLIENT property    "reply message properties[REPLY_TO_CLIENT] is null"
 *   client not connected           "push reply message fail, channel of <clientId> not found."
 *   push refused / failed          "push reply message to <clientId>fail."
 *
 * One deviation: Java stores the reply with sysFlag 0; we keep the replier's compression bits
 * (COMPRESSED and the 5.x compression type), else a compressed body would be stored flagged plain and
 * read back garbled. Every other bit is dropped: a TRANSACTION_PREPARED flag would store a half
 * message in an ordinary topic.
 */
import { RequestCode } from '../../../protocol/codes/request-code.js';
import { ResponseCode } from '../../../protocol/codes/response-code.js';
import { createRequest } from '../../../protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../../protocol/command/remoting-command.js';
import { ReplyMessageRequestHeader } from '../../../protocol/headers/reply.js';
import { SendMessageRequestHeader } from '../../../protocol/headers/send.js';
import { javaHashMapOrder } from '../../../protocol/java/hash-map.js';
import { formatAddress } from '../../../protocol/message/address.js';
import { MessageConst, MessageSysFlag } from '../../../protocol/message/constants.js';
import { encodeOffsetMessageId } from '../../../protocol/message/message-id.js';
import { decodeProperties } from '../../../protocol/message/properties.js';
import { handlerTable, waitingForPeers } from '../../../transport/handler-table.js';
import type { HandlerTable } from '../../../transport/handler-table.js';
import { pooledHandlers } from '../../../transport/handler-pool.js';
import type { RemotingChannel } from '../../../transport/types.js';
import type { PutMessageInput } from '../../store/index.js';
import type { BrokerContext } from '../core/broker-context.js';
import type { ScheduleService } from '../schedule/schedule-service.js';
import type { TimerService } from '../timer/timer-service.js';

/** Where a delayed reply goes: a delay level to the schedule topic, a 5.x timer to the timer wheel. */
interface ReplyDelays {
  readonly schedule: ScheduleService;
  readonly timer: TimerService;
}
import { propertiesToStoredString } from '../core/stored-message.js';
import {
  checkSend,
  mapPutStatus,
  parseSocketAddress,
  randomQueueId,
  sendResponse,
  sendStoredResponse,
  withSendHeaders,
} from './send-support.js';

/** How long the broker waits for the requester to answer a push (Java Broker2Client.callClient). */
export const PUSH_REPLY_TIMEOUT_MILLIS = 10_000;

export function replyHandlers(ctx: BrokerContext, delays: ReplyDelays): HandlerTable {
  const handle = withSendHeaders(ctx, (request, context) =>
    sendReplyMessage(ctx, delays, request, context.channel),
  );
  // Java BrokerController: both codes on replyMessageExecutor, not the send pool.
  const pool = {
    threads: ctx.options.processReplyMessageThreadPoolNums,
    queueCapacity: ctx.options.replyThreadPoolQueueCapacity,
  };
  // A reply is answered once its requester answered the push: pausing reads for its body could hold
  // that answer (the requester's sends share its connection), so the pool bounds these instead.
  return waitingForPeers(
    pooledHandlers(
      handlerTable([
        [RequestCode.SEND_REPLY_MESSAGE, handle],
        [RequestCode.SEND_REPLY_MESSAGE_V2, handle],
      ]),
      pool,
    ),
  );
}

async function sendReplyMessage(
  ctx: BrokerContext,
  delays: ReplyDelays,
  request: RemotingCommand,
  channel: RemotingChannel,
): Promise<RemotingCommand> {
  const v2 = request.code === RequestCode.SEND_REPLY_MESSAGE_V2;
  const header = SendMessageRequestHeader.decode(request.extFields, { v2 });
  const remote = channel.remoteAddress;
  const { config, isNew } = checkSend(
    ctx,
    {
      topic: header.topic,
      defaultTopic: header.defaultTopic,
      defaultTopicQueueNums: header.defaultTopicQueueNums,
      queueId: header.queueId,
      unitMode: header.unitMode ?? false,
    },
    remote,
  );
  const queueId = header.queueId < 0 ? randomQueueId(config.writeQueueNums) : header.queueId;
  const body = request.body ?? Buffer.alloc(0);
  const pushError = await pushReply(ctx, header, body, remote);
  const stored = ctx.options.storeReplyMessageEnable
    ? await storeReply(ctx, delays, header, body, queueId, remote, () => isNew && ctx.topics.adopt(config))
    : undefined;
  if (!ctx.options.storeReplyMessageEnable && isNew) ctx.topics.adopt(config);
  if (pushError !== undefined) {
    if (stored === undefined) return sendResponse(ctx, ResponseCode.SYSTEM_ERROR, pushError);
    const response = sendStoredResponse(ctx, request, ResponseCode.SYSTEM_ERROR, { ...stored, queueId });
    response.remark = pushError;
    return response;
  }
  return sendStoredResponse(ctx, request, ResponseCode.SUCCESS, {
    msgId: stored?.msgId ?? '0',
    queueId,
    queueOffset: stored?.queueOffset ?? 0n,
  });
}

/** Step 3; resolves with the remark of a failed push, undefined when the requester took it. */
async function pushReply(
  ctx: BrokerContext,
  header: SendMessageRequestHeader,
  body: Buffer,
  remote: string,
): Promise<string | undefined> {
  const props = decodeProperties(header.properties ?? '');
  const senderId = props[MessageConst.PROPERTY_MESSAGE_REPLY_TO_CLIENT];
  if (senderId === undefined) {
    ctx.logger.warn({ replier: remote }, 'reply message without REPLY_TO_CLIENT: not pushed');
    return `reply message properties[${MessageConst.PROPERTY_MESSAGE_REPLY_TO_CLIENT}] is null`;
  }
  const target = ctx.clients.findProducerChannel(senderId);
  if (target === undefined) {
    const remark = `push reply message fail, channel of <${senderId}> not found.`;
    ctx.logger.warn({ replier: remote, clientId: senderId }, remark);
    return remark;
  }
  props[MessageConst.PROPERTY_PUSH_REPLY_TIME] = String(Date.now());
  const host = ctx.storeHost();
  const pushHeader: ReplyMessageRequestHeader = {
    producerGroup: header.producerGroup,
    topic: header.topic,
    defaultTopic: header.defaultTopic,
    defaultTopicQueueNums: header.defaultTopicQueueNums,
    queueId: header.queueId,
    sysFlag: header.sysFlag,
    bornTimestamp: header.bornTimestamp,
    flag: header.flag,
    properties: propertiesToStoredString(props),
    unitMode: header.unitMode ?? false,
    bornHost: remote,
    storeHost: formatAddress(host.ip, host.port),
    storeTimestamp: Date.now(),
  };
  if (header.reconsumeTimes !== undefined) pushHeader.reconsumeTimes = header.reconsumeTimes;
  // Java puts the header fields into a HashMap, which both header forms iterate.
  const fields = ReplyMessageRequestHeader.encode(pushHeader);
  const extFields: Record<string, string> = {};
  for (const key of javaHashMapOrder(Object.keys(fields))) extFields[key] = fields[key] as string;
  const push = createRequest(RequestCode.PUSH_REPLY_MESSAGE_TO_CLIENT, { extFields, body });
  const failed = `push reply message to ${senderId}fail.`;
  try {
    const answer = await target.invoke(push, PUSH_REPLY_TIMEOUT_MILLIS);
    if (answer.code === ResponseCode.SUCCESS) return undefined;
    ctx.logger.warn({ clientId: senderId, code: answer.code, remark: answer.remark }, 'reply push refused');
  } catch (err) {
    ctx.logger.warn({ clientId: senderId, err: String(err) }, 'reply push failed');
  }
  return failed;
}

/** Step 4; the stored message's offset id and queue offset, undefined when the store refused it. */
async function storeReply(
  ctx: BrokerContext,
  delays: ReplyDelays,
  header: SendMessageRequestHeader,
  body: Buffer,
  queueId: number,
  remote: string,
  onAccepted: () => void,
): Promise<{ msgId: string; queueOffset: bigint } | undefined> {
  const props = decodeProperties(header.properties ?? '');
  const wait = props[MessageConst.PROPERTY_WAIT_STORE_MSG_OK];
  const input: PutMessageInput = {
    topic: header.topic,
    queueId,
    flag: header.flag,
    body,
    properties: header.properties ?? '',
    sysFlag: header.sysFlag & (MessageSysFlag.COMPRESSED | MessageSysFlag.COMPRESSION_TYPE_MASK),
    bornTimestamp: header.bornTimestamp,
    bornHost: parseSocketAddress(remote),
    storeHost: ctx.storeHost(),
    reconsumeTimes: header.reconsumeTimes ?? 0,
    preparedTransactionOffset: 0n,
    waitStoreMsgOK: wait === undefined || wait.toLowerCase() === 'true',
  };
  try {
    delays.timer.transform(input, props); // 5.x timer message → rmq_sys_wheel_timer
  } catch (err) {
    // Already pushed: a timer the broker refuses (past its max delay...) only leaves the reply unstored.
    ctx.logger.warn({ topic: header.topic, err: (err as Error).message }, 'reply message not stored');
    return undefined;
  }
  delays.schedule.rewriteIfDelayed(input, props);
  const result = await ctx.store.putMessage(input, onAccepted);
  const [, , ok] = mapPutStatus(ctx, result.status);
  const record = result.records[0];
  if (!ok || record === undefined) {
    ctx.logger.warn({ topic: header.topic, status: result.status }, 'reply message not stored');
    return undefined;
  }
  return {
    msgId: encodeOffsetMessageId(ctx.storeHost(), record.physicalOffset),
    queueOffset: result.queueOffset,
  };
}
