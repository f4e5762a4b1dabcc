/**
 * LOCK_BATCH_MQ (41) / UNLOCK_BATCH_MQ (42) bodies, fastjson defaults, keys alphabetical:
 *   LockBatchRequestBody / UnlockBatchRequestBody:
 *     {"clientId":"..","consumerGroup":"..","mqSet":[{"brokerName":"b","queueId":0,"topic":"T"}]
 *      [5.x: ,"onlyThisBroker":false]}
 *   LockBatchResponseBody: {"lockOKMQSet":[{"brokerName":"b","queueId":0,"topic":"T"}]}
 * The sets are Java HashSets (unordered); written in the order given.
 */
import { parseFastjsonObject } from '../json/fastjson-parse.js';
import type { FastjsonParseOptions } from '../json/fastjson-parse.js';
import { toFastjsonBytes } from '../json/fastjson-write.js';
import type { JsonOut } from '../json/fastjson-write.js';
import { ObjectReader } from '../json/object-reader.js';

export interface MessageQueueData {
  topic: string;
  brokerName: string;
  queueId: number;
}

export interface LockBatchRequestBody {
  consumerGroup: string;
  clientId: string;
  mqSet: MessageQueueData[];
  /** 5.x; written (default false) only with `v5`. */
  onlyThisBroker?: boolean;
}

/** Same shape as the lock request. */
export type UnlockBatchRequestBody = LockBatchRequestBody;

export interface LockBatchResponseBody {
  lockOKMQSet: MessageQueueData[];
}

export function messageQueueToJson(mq: MessageQueueData): JsonOut {
  return { brokerName: mq.brokerName, queueId: mq.queueId, topic: mq.topic };
}

export function messageQueueFromJson(r: ObjectReader): MessageQueueData {
  return {
    topic: r.requiredString('topic'),
    brokerName: r.requiredString('brokerName'),
    queueId: r.int('queueId', 0),
  };
}

export function encodeLockBatchRequestBody(
  body: LockBatchRequestBody,
  options: { v5?: boolean } = {},
): Buffer {
  return toFastjsonBytes(
    {
      clientId: body.clientId,
      consumerGroup: body.consumerGroup,
      mqSet: body.mqSet.map(messageQueueToJson),
      onlyThisBroker: options.v5 ? (body.onlyThisBroker ?? false) : undefined,
    },
    'plain',
  );
}

export const encodeUnlockBatchRequestBody = encodeLockBatchRequestBody;

export interface BatchDecodeOptions extends FastjsonParseOptions {
  /** Refuse more queues than this (default 65536). */
  maxQueues?: number;
}

export function decodeLockBatchRequestBody(
  body: Uint8Array,
  options: BatchDecodeOptions = {},
): LockBatchRequestBody {
  const maxQueues = options.maxQueues ?? 65536;
  // The only array of the body is mqSet: parsing stops at its first queue beyond the cap.
  // Each queue is 4 values (the object, topic, brokerName, queueId); nested arrays count too.
  const parsed = parseFastjsonObject(body, {
    maxArrayItems: maxQueues,
    maxValues: maxQueues * 4 + 64,
    ...options,
  });
  const r = new ObjectReader(parsed, 'LockBatchRequestBody');
  const out: LockBatchRequestBody = {
    consumerGroup: r.string('consumerGroup') ?? '',
    clientId: r.string('clientId') ?? '',
    mqSet: (r.objectArray('mqSet', maxQueues) ?? []).map(messageQueueFromJson),
  };
  if (r.has('onlyThisBroker')) out.onlyThisBroker = r.bool('onlyThisBroker', false);
  return out;
}

export const decodeUnlockBatchRequestBody = decodeLockBatchRequestBody;

export function encodeLockBatchResponseBody(body: LockBatchResponseBody): Buffer {
  return toFastjsonBytes({ lockOKMQSet: body.lockOKMQSet.map(messageQueueToJson) }, 'plain');
}

export function decodeLockBatchResponseBody(
  body: Uint8Array,
  options: BatchDecodeOptions = {},
): LockBatchResponseBody {
  const r = new ObjectReader(parseFastjsonObject(body, options), 'LockBatchResponseBody');
  return {
    lockOKMQSet: (r.objectArray('lockOKMQSet', options.maxQueues ?? 65536) ?? []).map(messageQueueFromJson),
  };
}
