/**
 * QUERY_MESSAGE (12), Java 4.9.8 QueryMessageProcessor.queryMessage: the records of a topic indexed
 * under a key (a KEYS entry or the producer's UNIQ_KEY), stored within [beginTimestamp,
 * endTimestamp], the newest min(maxNum, maxMsgsNumBatch) in log order (MessageStore.queryMessage).
 *
 *   request   QueryMessageRequestHeader; extField `_UNIQUE_KEY_QUERY` = "true" (Java
 *             MixAll.UNIQUE_MSG_QUERY_FLAG) replaces maxNum by defaultQueryMaxNum (32)
 *   SUCCESS   header indexLastUpdateTimestamp / indexLastUpdatePhyoffset (the last record indexed);
 *             body: the stored records back to back, as a pull's body
 *   QUERY_NOT_FOUND  "can not find message, maybe time range not correct", both header fields 0
 *
 * ACL: SUB on the topic (acl-classify.ts), checked before this handler runs.
 */
import { RequestCode } from '../../../protocol/codes/request-code.js';
import { ResponseCode } from '../../../protocol/codes/response-code.js';
import { createResponse } from '../../../protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../../protocol/command/remoting-command.js';
import { QueryMessageRequestHeader, QueryMessageResponseHeader } from '../../../protocol/headers/offsets.js';
import { handlerTable } from '../../../transport/handler-table.js';
import type { HandlerTable } from '../../../transport/handler-table.js';
import type { MessageStore } from '../../store/index.js';
import type { BrokerContext } from '../core/broker-context.js';

/** Java's remark when nothing matches. */
export const QUERY_NOT_FOUND_REMARK = 'can not find message, maybe time range not correct';

export function queryMessageHandlers(ctx: BrokerContext): HandlerTable {
  return handlerTable([[RequestCode.QUERY_MESSAGE, (request) => queryMessage(ctx.store, request)]]);
}

async function queryMessage(store: MessageStore, request: RemotingCommand): Promise<RemotingCommand> {
  const h = QueryMessageRequestHeader.decode(request.extFields);
  const maxNum = h.uniqueKeyQuery === true ? store.config.defaultQueryMaxNum : h.maxNum;
  const found = await store.queryMessage({
    topic: h.topic,
    key: h.key,
    maxNum,
    begin: clampTime(h.beginTimestamp),
    end: clampTime(h.endTimestamp),
  });
  const extFields = QueryMessageResponseHeader.encode({
    indexLastUpdateTimestamp: found.indexLastUpdateTimestamp,
    indexLastUpdatePhyoffset: BigInt(found.indexLastUpdatePhyoffset),
  });
  if (found.records.length === 0) {
    return createResponse(ResponseCode.QUERY_NOT_FOUND, { remark: QUERY_NOT_FOUND_REMARK, extFields });
  }
  return createResponse(ResponseCode.SUCCESS, { extFields, body: Buffer.concat(found.records) });
}

/** A Java long as a time: every store time is far below 2^53 (a unique-key query sends Long.MAX_VALUE). */
function clampTime(t: bigint): number {
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  return Number(t > max ? max : t < -max ? -max : t);
}
