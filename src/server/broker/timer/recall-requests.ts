/**
 * RECALL_MESSAGE (370) — Java 5.3.3 RecallMessageProcessor: checks in Java's order with its codes and
 * remarks, then a recall marker stored like a timer message (topic = the handle's topic, body "0",
 * tags `_RECALL_TAG_`, TIMER_DEL_UNIQKEY = topic + "+" + message id, TIMER_DELIVER_MS = the handle's
 * time) which the send-path rewrite moves to the timer topic. Every answer carries MSG_REGION.
 *
 * A handle whose time has come is refused (ILLEGAL_OPERATION "recall failed, timestamp invalid"):
 * the message was delivered, the recall has no effect. Before answering SUCCESS the timer service
 * ingests the marker, so a message recalled before its slot is never delivered afterwards (one
 * already in the batch being delivered, i.e. within its slot, still is, as in Java).
 */
import { RequestRefusedError } from '../../../common/errors.js';
import { RequestCode } from '../../../protocol/codes/request-code.js';
import { ResponseCode } from '../../../protocol/codes/response-code.js';
import { createResponse } from '../../../protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../../protocol/command/remoting-command.js';
import { RecallMessageRequestHeader } from '../../../protocol/headers/recall.js';
import { javaHashMapOrder } from '../../../protocol/java/hash-map.js';
import { MessageConst } from '../../../protocol/message/constants.js';
import { decodeProperties } from '../../../protocol/message/properties.js';
import { InvalidRecallHandleError, decodeRecallHandle } from '../../../protocol/message/recall-handle.js';
import type { RecallHandle } from '../../../protocol/message/recall-handle.js';
import { tagsCode } from '../../../protocol/message/tags-code.js';
import { handlerTable } from '../../../transport/handler-table.js';
import type { HandlerTable } from '../../../transport/handler-table.js';
import type { PutMessageInput } from '../../store/index.js';
import type { BrokerContext } from '../core/broker-context.js';
import { propertiesToStoredString } from '../core/stored-message.js';
import { parseSocketAddress } from '../send/send-support.js';
import type { TimerService } from './timer-service.js';
import { TIMER_TOPIC, timerDeleteKey } from './timer-transform.js';

const RECALL_MESSAGE_TAG = '_RECALL_TAG_';

export function recallHandlers(ctx: BrokerContext, timer: TimerService): HandlerTable {
  return handlerTable([
    [
      RequestCode.RECALL_MESSAGE,
      async (request, context) => {
        const region = { [MessageConst.PROPERTY_MSG_REGION]: ctx.options.regionId };
        try {
          const msgId = await recall(ctx, timer, request, context.channel.remoteAddress);
          const fields: Record<string, string> = { msgId, ...region };
          const extFields: Record<string, string> = {};
          for (const k of javaHashMapOrder(Object.keys(fields))) extFields[k] = fields[k] as string;
          return createResponse(ResponseCode.SUCCESS, { extFields });
        } catch (err) {
          if (!(err instanceof RequestRefusedError)) throw err;
          return createResponse(err.code, { remark: err.message, extFields: region });
        }
      },
    ],
  ]);
}

function refuse(code: number, remark: string): never {
  throw new RequestRefusedError(code, remark);
}

async function recall(
  ctx: BrokerContext,
  timer: TimerService,
  request: RemotingCommand,
  remote: string,
): Promise<string> {
  const header = RecallMessageRequestHeader.decode(request.extFields);
  const o = ctx.options;
  if (!o.recallMessageEnable) refuse(ResponseCode.NO_PERMISSION, 'recall failed, operation is forbidden');
  if (o.brokerId !== 0)
    refuse(ResponseCode.SLAVE_NOT_AVAILABLE, 'recall failed, broker service not available');
  if (!ctx.topics.select(header.topic)) {
    refuse(ResponseCode.TOPIC_NOT_EXIST, `recall failed, the topic[${header.topic}] not exist`);
  }
  let handle: RecallHandle;
  try {
    handle = decodeRecallHandle(header.recallHandle);
  } catch (err) {
    if (!(err instanceof InvalidRecallHandleError)) throw err;
    refuse(ResponseCode.ILLEGAL_OPERATION, 'recall handle is invalid');
  }
  if (header.topic !== handle.topic) refuse(ResponseCode.ILLEGAL_OPERATION, 'recall failed, topic not match');
  if (o.brokerName !== handle.brokerName) {
    refuse(ResponseCode.ILLEGAL_OPERATION, 'recall failed, broker service not available');
  }
  // Java NumberUtils.toLong(text, -1).
  const timestamp = /^[+-]?\d{1,19}$/.test(handle.timestamp) ? Number(handle.timestamp) : -1;
  const timeLeft = timestamp - Date.now();
  if (timeLeft <= 0 || timeLeft >= o.timerMaxDelaySec * 1000) {
    refuse(ResponseCode.ILLEGAL_OPERATION, 'recall failed, timestamp invalid');
  }
  const input = markerInput(ctx, header.producerGroup, handle, remote);
  try {
    timer.transform(input, decodeProperties(input.properties)); // to the timer topic
  } catch (err) {
    if (!(err instanceof RequestRefusedError)) throw err;
  }
  if (input.topic !== TIMER_TOPIC) refuse(ResponseCode.SYSTEM_ERROR, 'recall failed, execute error');
  const result = await ctx.store.putMessage(input);
  const ok = ['PUT_OK', 'FLUSH_DISK_TIMEOUT', 'FLUSH_SLAVE_TIMEOUT', 'SLAVE_NOT_AVAILABLE'];
  if (!ok.includes(result.status)) refuse(ResponseCode.SYSTEM_ERROR, 'recall failed, execute error');
  await timer.catchUp();
  return handle.messageId;
}

/** Java RecallMessageProcessor.buildMessage (the caller moves it to the timer topic). */
function markerInput(
  ctx: BrokerContext,
  producerGroup: string | undefined,
  handle: RecallHandle,
  remote: string,
): PutMessageInput {
  const now = Date.now();
  const props: Record<string, string> = {
    [MessageConst.PROPERTY_TAGS]: RECALL_MESSAGE_TAG,
    [MessageConst.PROPERTY_TIMER_DEL_UNIQKEY]: timerDeleteKey(handle.topic, handle.messageId),
    [MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX]: handle.messageId,
    [MessageConst.PROPERTY_TIMER_DELIVER_MS]: handle.timestamp,
    [MessageConst.PROPERTY_BORN_TIMESTAMP]: String(now),
    [MessageConst.PROPERTY_TRACE_CONTEXT]: '',
  };
  if (producerGroup !== undefined) props[MessageConst.PROPERTY_PRODUCER_GROUP] = producerGroup;
  const input: PutMessageInput = {
    topic: handle.topic,
    queueId: 0,
    flag: 0,
    body: Buffer.from('0'),
    properties: propertiesToStoredString(props),
    sysFlag: 0,
    bornTimestamp: now,
    bornHost: parseSocketAddress(remote),
    storeHost: ctx.storeHost(),
    reconsumeTimes: 0,
    preparedTransactionOffset: 0n,
    waitStoreMsgOK: true,
    tagsCode: tagsCode(RECALL_MESSAGE_TAG),
  };
  return input;
}
