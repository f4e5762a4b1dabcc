/**
 * The broker -> client requests only a push consumer acts on (Java ClientRemotingProcessor with a
 * DefaultMQPushConsumerImpl in the consumer table): NOTIFY_CONSUMER_IDS_CHANGED rebalances,
 * RESET_CONSUMER_CLIENT_OFFSET moves the offsets of the queues in its ResetOffsetBody, and
 * CONSUME_MESSAGE_DIRECTLY runs the handler on the message in the body and answers
 * ConsumeMessageDirectlyResult. Consumers without these hooks keep the answers of a Java client
 * holding only pull consumers.
 */
import type { Logger } from '../common/logger.js';
import { decodeResetOffsetBody } from '../protocol/body/reset-offset-body.js';
import { toFastjsonBytes } from '../protocol/json/fastjson-write.js';
import type { JsonOut } from '../protocol/json/fastjson-write.js';
import type { RemotingCommand } from '../protocol/command/remoting-command.js';
import { createResponse } from '../protocol/command/remoting-command.js';
import { ResponseCode } from '../protocol/codes/index.js';
import {
  ConsumeMessageDirectlyResultRequestHeader,
  ResetOffsetRequestHeader,
} from '../protocol/headers/client.js';
import { decodeMessageRecord, messageExtFromRecord } from '../protocol/message/index.js';
import type { ConsumerMember, DirectConsumeResult, RunningInfoTables } from './client-members.js';

/** ConsumeMessageDirectlyResult JSON (fastjson, fields alphabetical). */
export function encodeDirectConsumeResult(r: DirectConsumeResult): Buffer {
  return toFastjsonBytes({
    autoCommit: r.autoCommit,
    consumeResult: r.consumeResult,
    order: r.order,
    remark: r.remark === '' ? undefined : r.remark,
    spentTimeMills: r.spentTimeMills,
  });
}

/** The mqTable text: a TreeMap<MessageQueue, ProcessQueueInfo>, keys written as objects and sorted. */
export function encodeMqTable(tables: RunningInfoTables | undefined, write: (v: JsonOut) => string): string {
  const rows = [...(tables?.mqTable ?? [])].sort((a, b) =>
    a.topic !== b.topic
      ? a.topic < b.topic
        ? -1
        : 1
      : a.brokerName !== b.brokerName
        ? a.brokerName < b.brokerName
          ? -1
          : 1
        : a.queueId - b.queueId,
  );
  const parts = rows.map(
    (r) => `${write({ brokerName: r.brokerName, queueId: r.queueId, topic: r.topic })}:${write(r.info)}`,
  );
  return `{${parts.join(',')}}`;
}

/** RESET_CONSUMER_CLIENT_OFFSET: true when a push consumer took it. */
export function resetConsumerOffset(
  consumer: ConsumerMember | undefined,
  request: RemotingCommand,
  logger: Logger,
): boolean {
  if (consumer?.resetOffset === undefined) return false;
  const h = ResetOffsetRequestHeader.decodeLenient(request.extFields);
  const topic = h.topic ?? '';
  const offsets = new Map<string, bigint>();
  try {
    for (const e of decodeResetOffsetBody(request.body ?? Buffer.alloc(0))) {
      offsets.set(`${e.topic}@${e.brokerName}@${e.queueId}`, e.offset);
    }
  } catch (err) {
    logger.warn({ group: h.group, topic, err: String(err) }, 'reset-offset request with an unreadable body');
    return true;
  }
  consumer.resetOffset(topic, offsets).catch((err: unknown) => {
    logger.warn({ group: h.group, topic, err: String(err) }, 'reset offset failed');
  });
  return true;
}

/** CONSUME_MESSAGE_DIRECTLY for a push consumer; undefined when the group has none here. */
export async function consumeDirectly(
  consumer: ConsumerMember | undefined,
  request: RemotingCommand,
): Promise<RemotingCommand | undefined> {
  if (consumer?.consumeMessageDirectly === undefined) return undefined;
  const h = ConsumeMessageDirectlyResultRequestHeader.decodeLenient(request.extFields);
  const msg = messageExtFromRecord(decodeMessageRecord(request.body ?? Buffer.alloc(0)));
  const result = await consumer.consumeMessageDirectly(msg, h.brokerName ?? '');
  return createResponse(ResponseCode.SUCCESS, { body: encodeDirectConsumeResult(result) });
}
