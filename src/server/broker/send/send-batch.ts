/**
 * SEND_BATCH_MESSAGE (320, V2 header) — Java SendMessageProcessor.asyncSendBatchMessage, 4.9.8: the
 * batch's messages are stored straight from the request body (IndexedBatchPut), each with its own
 * properties followed by the batch's (WAIT, CLUSTER); one answer with the comma-joined message ids.
 */
import { ProtocolError, RequestRefusedError } from '../../../common/errors.js';
import { ResponseCode } from '../../../protocol/codes/response-code.js';
import type { RemotingCommand } from '../../../protocol/command/remoting-command.js';
import { indexBatch } from '../../../protocol/message/batch.js';
import { MessageConst, MessageSysFlag } from '../../../protocol/message/constants.js';
import { decodeProperties } from '../../../protocol/message/properties.js';
import type { IndexedBatchPut } from '../../store/index.js';
import { releaseBodyAfterAnswer } from '../../../transport/landing-buffers.js';
import type { BrokerContext } from '../core/broker-context.js';
import { propertiesToStoredString } from '../core/stored-message.js';
import { TOPIC_MAX_LENGTH } from '../core/topic-config.js';
import { accept, answer, refuseStoreStatus } from './send-answer.js';
import type { SendTarget } from './send-answer.js';
import { parseSocketAddress } from './send-support.js';

export async function sendBatch(ctx: BrokerContext, send: SendTarget): Promise<RemotingCommand> {
  const { request, header, config, queueId } = send;
  if (header.topic.length > TOPIC_MAX_LENGTH) {
    const reason = `message topic length too long ${header.topic.length}`;
    throw new RequestRefusedError(ResponseCode.MESSAGE_ILLEGAL, reason);
  }
  let sysFlag = header.sysFlag;
  if (config.topicFilterType === 'MULTI_TAG') sysFlag |= MessageSysFlag.MULTI_TAGS;
  const batchProps = decodeProperties(header.properties ?? '');
  batchProps[MessageConst.PROPERTY_CLUSTER] = ctx.options.clusterName;
  const body = request.body ?? Buffer.alloc(0);
  // Java's store refuses these whole batches (MESSAGE_ILLEGAL): transaction bits, delay, oversize.
  const delay = Number(batchProps[MessageConst.PROPERTY_DELAY_TIME_LEVEL] ?? 0);
  if (
    (sysFlag & MessageSysFlag.TRANSACTION_MASK) !== 0 ||
    delay > 0 ||
    body.length > ctx.options.maxMessageSize
  ) {
    refuseStoreStatus(ctx, 'MESSAGE_ILLEGAL');
  }
  let messages;
  try {
    // Offsets into the body, not copies: nothing writes the request body again; the store copies
    // the bytes into records.
    messages = indexBatch(body);
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    ctx.logger.warn({ producer: send.remote, err: err.message }, 'malformed batch body');
    refuseStoreStatus(ctx, 'MESSAGE_ILLEGAL');
  }
  if (messages.count === 0) refuseStoreStatus(ctx, 'MESSAGE_ILLEGAL');
  const wait = batchProps[MessageConst.PROPERTY_WAIT_STORE_MSG_OK];
  // Each message stores its own properties, then the batch's (WAIT, CLUSTER) after one separator
  // (4.8.0 .. 5.3.3); the store writes the records straight from the body.
  const put: IndexedBatchPut = {
    topic: header.topic,
    queueId,
    sysFlag,
    bornTimestamp: header.bornTimestamp,
    bornHost: parseSocketAddress(send.remote),
    storeHost: ctx.storeHost(),
    reconsumeTimes: header.reconsumeTimes ?? 0,
    waitStoreMsgOK: wait === undefined || wait.toLowerCase() === 'true',
    messages,
    sharedProperties: propertiesToStoredString(batchProps),
  };
  // 5.x answers the batch's own UNIQ_KEY (5.x clients set one; 4.9 clients do not) as its transactionId.
  const uniq = batchProps[MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX];
  const result = await ctx.store.putBatch(put, () => accept(ctx, send));
  // The records were built from the body and written: the buffer it was read into may serve another
  // frame once the batch is answered (a refused or failed put keeps it: see send-requests.ts).
  if (result.status === 'PUT_OK' || result.status === 'FLUSH_DISK_TIMEOUT') releaseBodyAfterAnswer(request);
  return answer(ctx, send, result, undefined, uniq);
}
