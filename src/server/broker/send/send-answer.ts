/**
 * What the send handlers share once a send is decided (send-requests.ts, send-batch.ts): the send's
 * target, the acceptance hook the store runs before it appends, and the answer for the store's result.
 */
import { RequestRefusedError } from '../../../common/errors.js';
import type { RemotingCommand } from '../../../protocol/command/remoting-command.js';
import type { SendMessageRequestHeader } from '../../../protocol/headers/send.js';
import { encodeOffsetMessageIds, joinOffsetMessageIds } from '../../../protocol/message/message-id.js';
import type { TopicConfig } from '../../../protocol/body/topic-config.js';
import type { PutMessageStatus, PutResult } from '../../store/index.js';
import type { BrokerContext } from '../core/broker-context.js';
import { mapPutStatus, sendStoredResponse } from './send-support.js';

/** What one send request decided before its record(s) are built. */
export interface SendTarget {
  readonly request: RemotingCommand;
  readonly header: SendMessageRequestHeader;
  /** Planned, not stored yet, when `isNew` (see `accept`). */
  readonly config: TopicConfig;
  readonly isNew: boolean;
  readonly queueId: number;
  readonly remote: string;
}

/**
 * Every check passed, the store's included (run by the store right before it appends): the topic a
 * send auto-creates is stored now, so a refused send leaves none (Java creates it in msgCheck, before
 * the later checks, and keeps it even when the store then refuses the message).
 */
export function accept(ctx: BrokerContext, send: SendTarget): void {
  if (send.isNew) ctx.topics.adopt(send.config);
}

/** Refuses with the code and remark Java answers for a store status that stored nothing. */
export function refuseStoreStatus(ctx: BrokerContext, status: PutMessageStatus): never {
  const [code, remark] = mapPutStatus(ctx, status);
  throw new RequestRefusedError(code, remark ?? '');
}

/**
 * The answer to a send the store took (or the refusal for a status that stored nothing). As 5.x
 * (SendMessageProcessor.handlePutMessageResult) it carries the message's UNIQ_KEY as `transactionId`
 * when it has one: Java clients put it in SendResult.transactionId (4.9 clients too: the field is in
 * their header) and, for a transaction, in its END_TRANSACTION.
 */
export function answer(
  ctx: BrokerContext,
  send: SendTarget,
  result: PutResult,
  recallHandle?: string,
  transactionId?: string,
): RemotingCommand {
  const [code, , stored] = mapPutStatus(ctx, result.status);
  if (!stored) {
    if (result.reason)
      ctx.logger.warn({ status: result.status, reason: result.reason }, 'send refused by the store');
    refuseStoreStatus(ctx, result.status);
  }
  const msgId =
    result.physicalOffsets !== undefined
      ? joinOffsetMessageIds(ctx.storeHost(), result.physicalOffsets)
      : encodeOffsetMessageIds(
          ctx.storeHost(),
          result.records.map((r) => r.physicalOffset),
        ).join(',');
  return sendStoredResponse(ctx, send.request, code, {
    msgId,
    queueId: send.queueId,
    queueOffset: result.queueOffsets?.[0] ?? result.queueOffset,
    recallHandle,
    transactionId,
  });
}
