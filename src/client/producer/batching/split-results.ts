/**
 * One SendResult per message of an auto-batch, cut from the batch's (Java ProduceAccumulator
 * splitSendResults): the batch result's msgId and offsetMsgId hold one id per message, joined with
 * ","; message i gets the i-th of each and queueOffset + i, with the batch's status, queue,
 * transaction id and region. A result whose msgId has no "," (one message; a broker storing the
 * batch as one entry of a batch consume queue) is every message's result as it is.
 */
import { ClientErrorCode, MQClientError } from '../../../common/errors.js';
import { SendResult } from '../send-result.js';
import type { SendResultInit } from '../send-result.js';

export function splitBatchResult(result: SendResult, count: number): SendResult[] {
  if (!result.msgId.includes(',')) return new Array<SendResult>(count).fill(result);
  const msgIds = result.msgId.split(',');
  const offsetMsgIds = result.offsetMsgId.split(',');
  if (msgIds.length !== count || offsetMsgIds.length !== count) {
    throw new MQClientError(
      `sendResult is illegal: a batch of ${count} messages was answered with ${offsetMsgIds.length} offset ids ` +
        `and ${msgIds.length} message ids (the messages may be stored; check by their UNIQ_KEY)`,
      { code: ClientErrorCode.ILLEGAL_SEND_RESULT, retriable: false },
    );
  }
  // One BigInt per message: the offsets as numbers while they are exact (always, in practice).
  const base = Number(result.queueOffset);
  const exact = Number.isSafeInteger(base) && Number.isSafeInteger(base + count);
  // One init object for all: the constructor copies its fields (an object literal per message was
  // a fifth of what a split allocated).
  const init: SendResultInit = {
    sendStatus: result.sendStatus,
    msgId: '',
    offsetMsgId: '',
    messageQueue: result.messageQueue,
    queueOffset: 0n,
    transactionId: result.transactionId,
    regionId: result.regionId,
    traceOn: result.traceOn,
  };
  const results = new Array<SendResult>(count);
  for (let i = 0; i < count; i++) {
    init.msgId = msgIds[i]!;
    init.offsetMsgId = offsetMsgIds[i]!;
    init.queueOffset = exact ? BigInt(base + i) : result.queueOffset + BigInt(i);
    results[i] = new SendResult(init);
  }
  return results;
}
