/**
 * END_TRANSACTION (37) — Java EndTransactionProcessor (4.9.8; the 5.x immunity refusal included):
 *
 *  1. commitOrRollback must be 0 (NOT_TYPE), 8 (COMMIT) or 12 (ROLLBACK) (header checkFields);
 *     NOT_TYPE ("unknown") is logged and gets no answer at all
 *  2. the half is looked up by commitLogOffset: not a half message → SYSTEM_ERROR "Find prepared
 *     transaction message failed"
 *  3. 5.x rejectCommitOrRollback: not from a check, and older than the half's own
 *     CHECK_IMMUNITY_TIME_IN_SECONDS → ILLEGAL_OPERATION (the check decides it)
 *  4. checkPrepareMessage: PGROUP ≠ producerGroup → "The producer group wrong"; queue offset ≠
 *     tranStateTableOffset → "The transaction state table offset wrong" (SYSTEM_ERROR both)
 *  5. ours (Java has no such check and writes a twice-committed message twice): a transaction already
 *     ended the same way answers SUCCESS without writing again; ended the other way → SYSTEM_ERROR
 *  6. commit: the real message is put (answer codes of Java sendFinalMessage), then the op record;
 *     rollback: the op record only. SUCCESS carries no remark and no fields.
 * Java clients send END_TRANSACTION oneway; the dispatcher then sends nothing whatever we answer.
 */
import { RequestRefusedError } from '../../../common/errors.js';
import { RequestCode } from '../../../protocol/codes/request-code.js';
import { ResponseCode } from '../../../protocol/codes/response-code.js';
import { createResponse } from '../../../protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../../protocol/command/remoting-command.js';
import { EndTransactionRequestHeader } from '../../../protocol/headers/client.js';
import { MessageConst, MessageSysFlag } from '../../../protocol/message/constants.js';
import { decodeProperties } from '../../../protocol/message/properties.js';
import { handlerTable } from '../../../transport/handler-table.js';
import type { HandlerTable } from '../../../transport/handler-table.js';
import type { PutMessageStatus } from '../../store/index.js';
import type { TransactionService } from './transaction-service.js';

export function endTransactionHandlers(svc: TransactionService): HandlerTable {
  return handlerTable([
    [
      RequestCode.END_TRANSACTION,
      (request, context) => endTransaction(svc, request, context.channel.remoteAddress),
    ],
  ]);
}

function answer(code: number, remark?: string): RemotingCommand {
  return createResponse(code, remark === undefined ? {} : { remark });
}

async function endTransaction(
  svc: TransactionService,
  request: RemotingCommand,
  remote: string,
): Promise<RemotingCommand | undefined> {
  const h = EndTransactionRequestHeader.decode(request.extFields);
  const type = h.commitOrRollback;
  const { logger } = svc.ctx;
  if (
    type !== MessageSysFlag.TRANSACTION_NOT_TYPE &&
    type !== MessageSysFlag.TRANSACTION_COMMIT_TYPE &&
    type !== MessageSysFlag.TRANSACTION_ROLLBACK_TYPE
  ) {
    throw new RequestRefusedError(ResponseCode.SYSTEM_ERROR, 'commitOrRollback field wrong');
  }
  const fromCheck = h.fromTransactionCheck ?? false;
  const facts = { producer: remote, group: h.producerGroup, msgId: h.msgId, remark: request.remark };
  if (type === MessageSysFlag.TRANSACTION_NOT_TYPE) {
    logger.warn(
      facts,
      fromCheck ? 'check answered: transaction still unknown' : 'transaction ended as unknown',
    );
    return undefined;
  }
  const commit = type === MessageSysFlag.TRANSACTION_COMMIT_TYPE;
  if (fromCheck || !commit)
    logger.warn(facts, `${fromCheck ? 'check answered: ' : ''}${commit ? 'commit' : 'rollback'}`);

  const half = await svc.store.lookHalf(h.commitLogOffset);
  if (!half) return answer(ResponseCode.SYSTEM_ERROR, 'Find prepared transaction message failed');
  const props = decodeProperties(half.properties);
  // Ours: ending a transaction publishes to its real topic (Java checks a header topic, when given).
  svc.ctx.authorize(request, props[MessageConst.PROPERTY_REAL_TOPIC] ?? half.topic, 'PUB');
  if (!fromCheck && pastImmunity(props, half.bornTimestamp, svc.ctx.options.transactionTimeoutMillis)) {
    logger.warn(facts, 'end of transaction refused: past its check immunity time, the check decides');
    return answer(ResponseCode.ILLEGAL_OPERATION);
  }
  if (props[MessageConst.PROPERTY_PRODUCER_GROUP] !== h.producerGroup) {
    return answer(ResponseCode.SYSTEM_ERROR, 'The producer group wrong');
  }
  if (half.queueOffset !== h.tranStateTableOffset) {
    return answer(ResponseCode.SYSTEM_ERROR, 'The transaction state table offset wrong');
  }
  if (half.physicalOffset !== h.commitLogOffset) {
    return answer(ResponseCode.SYSTEM_ERROR, 'The commit log offset wrong');
  }
  const outcome = await svc.end(half, commit ? 'COMMIT' : 'ROLLBACK');
  if (outcome.ok) return answer(ResponseCode.SUCCESS);
  if (outcome.put) {
    const [code, remark] = finalPutAnswer(outcome.put.status, svc.ctx.options.maxMessageSize);
    return answer(code, remark);
  }
  return answer(ResponseCode.SYSTEM_ERROR, outcome.remark);
}

/** 5.x rejectCommitOrRollback + TransactionalMessageUtil.getImmunityTime. */
function pastImmunity(props: Record<string, string>, bornTimestamp: number, timeoutMillis: number): boolean {
  const text = props[MessageConst.PROPERTY_CHECK_IMMUNITY_TIME_IN_SECONDS];
  if (text === undefined || text.length === 0) return false;
  const seconds = /^-?\d{1,18}$/.test(text.trim()) ? Number(text.trim()) : -1;
  const immunity = seconds === -1 ? timeoutMillis : seconds * 1000;
  return Date.now() - bornTimestamp > immunity;
}

/** Java sendFinalMessage: the answer for the commit's put of a message that was not stored. */
export function finalPutAnswer(status: PutMessageStatus, maxMessageSize: number): [number, string] {
  switch (status) {
    case 'CREATE_MAPPED_FILE_FAILED':
      return [ResponseCode.SYSTEM_ERROR, 'Create mapped file failed.'];
    case 'MESSAGE_ILLEGAL':
    case 'PROPERTIES_SIZE_EXCEEDED':
      return [
        ResponseCode.MESSAGE_ILLEGAL,
        `The message is illegal, maybe msg body or properties length not matched. msg body length limit ${maxMessageSize}B, msg properties length limit 32KB.`,
      ];
    case 'SERVICE_NOT_AVAILABLE':
      return [ResponseCode.SERVICE_NOT_AVAILABLE, 'Service not available now.'];
    case 'OS_PAGECACHE_BUSY':
      return [ResponseCode.SYSTEM_ERROR, 'OS page cache busy, please try another machine'];
    case 'UNKNOWN_ERROR':
      return [ResponseCode.SYSTEM_ERROR, 'UNKNOWN_ERROR'];
    default:
      return [ResponseCode.SYSTEM_ERROR, 'UNKNOWN_ERROR DEFAULT'];
  }
}
