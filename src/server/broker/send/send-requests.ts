/**
 * SEND_MESSAGE (10, V1 header), SEND_MESSAGE_V2 (310) and SEND_BATCH_MESSAGE (320, V2 header) — Java
 * SendMessageProcessor.asyncSendMessage / asyncSendBatchMessage, 4.9.8 behaviour:
 *
 *  1. decode the header; the response carries MSG_REGION and TRACE_ON (also on refusals)
 *  2. msgCheck (send-support.ts): permission, topic name, forbidden topics, auto-creation, queueId
 *  3. queueId < 0 → random writable queue
 *  4. `%RETRY%<group>` topics: group must exist; reconsumeTimes >= max → `%DLQ%<group>` queue 0
 *  5. record: properties + CLUSTER (WAIT dropped from the stored string), bornHost = producer peer,
 *     storeHost = our ip + listen port; DELAY > 0 → SCHEDULE_TOPIC_XXXX (schedule/schedule-service.ts)
 *  6. store put → code / remark; success header msgId (offset id, batch: comma-joined), queueId (the
 *     chosen queue), queueOffset (offset actually written), transactionId (the message's UNIQ_KEY,
 *     5.x; a batch: its own), a timer message's recallHandle (send-answer.ts)
 */
import { RequestRefusedError } from '../../../common/errors.js';
import { MQVersion, Perm } from '../../../protocol/codes/misc.js';
import { RequestCode } from '../../../protocol/codes/request-code.js';
import { ResponseCode } from '../../../protocol/codes/response-code.js';
import { bodyOrChunks } from '../../../protocol/command/chunked-body.js';
import type { RemotingCommand } from '../../../protocol/command/remoting-command.js';
import { SendMessageRequestHeader } from '../../../protocol/headers/send.js';
import { MessageConst, MessageSysFlag } from '../../../protocol/message/constants.js';
import { decodeProperties } from '../../../protocol/message/properties.js';
import { tagsCode } from '../../../protocol/message/tags-code.js';
import { DLQ_GROUP_TOPIC_PREFIX, RETRY_GROUP_TOPIC_PREFIX } from '../../../protocol/message/validators.js';
import { handlerTable } from '../../../transport/handler-table.js';
import { releaseBodyAfterAnswer } from '../../../transport/landing-buffers.js';
import type { HandlerTable } from '../../../transport/handler-table.js';
import type { PutMessageInput, PutResult } from '../../store/index.js';
import type { BrokerContext } from '../core/broker-context.js';
import { propertiesToStoredString } from '../core/stored-message.js';
import type { ScheduleService } from '../schedule/schedule-service.js';
import type { TimerService } from '../timer/timer-service.js';
import { recallHandleFor } from '../timer/timer-transform.js';
import {
  DLQ_NUMS_PER_GROUP,
  checkSend,
  parseSocketAddress,
  randomQueueId,
  withSendHeaders,
} from './send-support.js';
import { FAQ_SUGGEST } from '../../faq.js';
import { isHalfMessage } from '../transaction/half-messages.js';
import { accept, answer } from './send-answer.js';
import type { SendTarget } from './send-answer.js';
import { sendBatch } from './send-batch.js';
import { plainStoredProperties } from './plain-properties.js';
import type { TopicConfig } from '../../../protocol/body/topic-config.js';
import type { SubscriptionGroupConfig } from '../core/groups.js';

/** Turns a send's put input into its half message (transaction/transaction-service.ts). */
export type PrepareHalf = (input: PutMessageInput, props: Record<string, string>) => void;

export function sendHandlers(
  ctx: BrokerContext,
  schedule: ScheduleService,
  timer: TimerService,
  prepareHalf?: PrepareHalf,
): HandlerTable {
  const delays: Delays = { schedule, timer };
  const send = withSendHeaders(ctx, (request, context) =>
    sendMessage(ctx, delays, request, context.channel.remoteAddress, prepareHalf),
  );
  return handlerTable([
    [RequestCode.SEND_MESSAGE, send],
    [RequestCode.SEND_MESSAGE_V2, send],
    [RequestCode.SEND_BATCH_MESSAGE, send],
  ]);
}

/** The delayed-delivery services a send may hand its message to. */
interface Delays {
  readonly schedule: ScheduleService;
  readonly timer: TimerService;
}

// sendMessage and sendOne are not async functions: a send's checks run synchronously (a refusal is
// thrown to withSendHeaders), and its answer follows the store's promise with one `then` (the three
// async frames they replace allocated ~2 KB per message).
function sendMessage(
  ctx: BrokerContext,
  delays: Delays,
  request: RemotingCommand,
  remote: string,
  prepareHalf: PrepareHalf | undefined,
): Promise<RemotingCommand> {
  const v2 = request.code !== RequestCode.SEND_MESSAGE;
  const header = SendMessageRequestHeader.decode(request.extFields, { v2 });
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
  const target: SendTarget = { request, header, config, isNew, queueId, remote };
  return header.batch ? sendBatch(ctx, target) : sendOne(ctx, delays, target, prepareHalf);
}

function sendOne(
  ctx: BrokerContext,
  { schedule, timer }: Delays,
  send: SendTarget,
  prepareHalf: PrepareHalf | undefined,
): Promise<RemotingCommand> {
  const { header } = send;
  const target = retryAndDLQ(ctx, send);
  // The common send: its stored string made without a property table (plain-properties.ts).
  const plain =
    target.dlq === undefined
      ? plainStoredProperties(header.properties ?? '', ctx.options.clusterName)
      : undefined;
  if (plain !== undefined) {
    const input = putInput(ctx, send, target, plain.stored, plain.wait);
    input.tagsCode = tagsCode(plain.tags);
    return putAndAnswer(ctx, send, target, input, undefined, plain.uniq);
  }
  const props = decodeProperties(header.properties ?? '');
  props[MessageConst.PROPERTY_CLUSTER] = ctx.options.clusterName;
  const wait = props[MessageConst.PROPERTY_WAIT_STORE_MSG_OK];
  const half = isHalfMessage(props);
  // 4.9.3+ keeps WAIT out of the stored string (it only steers the flush wait). Only a half message
  // needs the map with WAIT afterwards (prepareHalf); the others edit the decoded map itself.
  const stored: Record<string, string | undefined> = half ? { ...props } : props;
  // WAIT stays a key, valued undefined (propertiesToStoredString skips it): Java removes it from the
  // very map it parsed, whose table grew with WAIT in it and never shrinks, so the other keys keep the
  // order of that table (13 keys: 32 buckets, not 16). A delete would also turn the object into a
  // dictionary, ~340 ns per send.
  if (wait !== undefined) stored[MessageConst.PROPERTY_WAIT_STORE_MSG_OK] = undefined; // only a key Java had
  if (half && (ctx.options.rejectTransactionMessage || !prepareHalf)) {
    throw new RequestRefusedError(
      ResponseCode.NO_PERMISSION,
      `the broker[${ctx.storeHost().ip}] sending transaction message is forbidden`,
    );
  }
  const input = putInput(ctx, send, target, propertiesToStoredString(stored), wait);
  const dlq = target.dlq;
  if (dlq !== undefined) {
    delete stored[MessageConst.PROPERTY_DELAY_TIME_LEVEL];
    input.properties = propertiesToStoredString(stored);
  } else if (half && prepareHalf) {
    prepareHalf(input, props); // Java asyncPrepareMessage: the half topic (transaction/)
  } else {
    timer.transform(input, stored); // 5.x timer message → rmq_sys_wheel_timer (refusals thrown)
    if (wait !== undefined && stored[MessageConst.PROPERTY_DELAY_TIME_LEVEL] !== undefined) {
      // Java puts WAIT back (at the end) once the first string is built, and a delayed message's
      // string is built again from that map: its schedule record carries WAIT.
      delete stored[MessageConst.PROPERTY_WAIT_STORE_MSG_OK];
      stored[MessageConst.PROPERTY_WAIT_STORE_MSG_OK] = wait;
    }
    schedule.rewriteIfDelayed(input, stored);
  }
  return putAndAnswer(
    ctx,
    send,
    target,
    input,
    stored,
    props[MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX],
  );
}

const EMPTY_BODY = Buffer.alloc(0);

/** A single send's put input (one shape for every send: the store's code sees one). */
function putInput(
  ctx: BrokerContext,
  send: SendTarget,
  target: RetryTarget,
  properties: string,
  wait: string | undefined,
): PutMessageInput {
  const { header } = send;
  return {
    topic: target.topic,
    queueId: target.queueId,
    flag: header.flag,
    // A large body that arrived split stays in its chunks: the store writes it from them.
    body: bodyOrChunks(send.request) ?? EMPTY_BODY,
    properties,
    sysFlag: target.sysFlag,
    bornTimestamp: header.bornTimestamp,
    bornHost: parseSocketAddress(send.remote),
    storeHost: ctx.storeHost(),
    reconsumeTimes: header.reconsumeTimes ?? 0,
    preparedTransactionOffset: 0n,
    waitStoreMsgOK: wait === undefined || wait.toLowerCase() === 'true',
    tagsCode: undefined,
  };
}

/**
 * Stores a single send and answers it; `stored` (the property table, absent for a plain message)
 * gives a timer message's recall handle.
 */
function putAndAnswer(
  ctx: BrokerContext,
  send: SendTarget,
  target: RetryTarget,
  input: PutMessageInput,
  stored: Readonly<Record<string, string | undefined>> | undefined,
  /** The message's UNIQ_KEY: 5.x answers it as the transactionId. */
  uniq: string | undefined,
): Promise<RemotingCommand> {
  const dlq = target.dlq;
  const onAccepted = (): void => {
    accept(ctx, send);
    if (target.retryGroup) ctx.groups.keep(target.retryGroup);
    if (dlq !== undefined) ctx.topics.adopt(dlq);
  };
  return ctx.store.putMessage(input, onAccepted).then((result) => {
    // Written to the commit log: nothing reads the body again (reads go to the file), so the buffer
    // a large body was read into may serve another frame once this send is answered. A refused or
    // failed put may still be held by a rewind: its buffer is left to the GC.
    if (result.status === 'PUT_OK' || result.status === 'FLUSH_DISK_TIMEOUT')
      releaseBodyAfterAnswer(send.request);
    const saving = ctx.topicSaved(target.topic); // the topic (or DLQ) was created moments ago
    if (saving === undefined) return answerStored(ctx, send, result, stored, uniq);
    return saving.then(() => answerStored(ctx, send, result, stored, uniq));
  });
}

/** What handleRetryAndDLQ decided; the group and the DLQ topic are stored only if the send goes on. */
interface RetryTarget {
  topic: string;
  queueId: number;
  sysFlag: number;
  /** The planned `%DLQ%` topic when the message goes there. */
  dlq: TopicConfig | undefined;
  /** The `%RETRY%` topic's group, looked up (auto-created on acceptance). */
  retryGroup: SubscriptionGroupConfig | undefined;
}

/** Java handleRetryAndDLQ + the MULTI_TAG sysFlag bit. */
function retryAndDLQ(ctx: BrokerContext, { request, header, config, queueId }: SendTarget): RetryTarget {
  let topic = header.topic;
  let dlq: TopicConfig | undefined;
  let retryGroup: SubscriptionGroupConfig | undefined;
  if (topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)) {
    const group = topic.slice(RETRY_GROUP_TOPIC_PREFIX.length);
    retryGroup = ctx.groups.lookup(group);
    if (!retryGroup) {
      throw new RequestRefusedError(
        ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST,
        `subscription group not exist, ${group} ${FAQ_SUGGEST}`,
      );
    }
    let max = retryGroup.retryMaxTimes;
    if (request.version >= MQVersion.V3_4_9 && header.maxReconsumeTimes !== undefined)
      max = header.maxReconsumeTimes;
    if ((header.reconsumeTimes ?? 0) >= max) {
      topic = DLQ_GROUP_TOPIC_PREFIX + group;
      queueId = randomQueueId(DLQ_NUMS_PER_GROUP);
      dlq = ctx.topics.planInSendMessageBack(topic, DLQ_NUMS_PER_GROUP, Perm.READ | Perm.WRITE, 0);
    }
  }
  let sysFlag = header.sysFlag;
  if (config.topicFilterType === 'MULTI_TAG') sysFlag |= MessageSysFlag.MULTI_TAGS;
  return { topic, queueId, sysFlag, dlq, retryGroup };
}

function answerStored(
  ctx: BrokerContext,
  send: SendTarget,
  result: PutResult,
  stored: Readonly<Record<string, string | undefined>> | undefined,
  uniq: string | undefined,
): RemotingCommand {
  const handle =
    stored === undefined ? undefined : recallHandleFor(send.request.code, stored, ctx.options.brokerName);
  return answer(ctx, send, result, handle, uniq);
}
