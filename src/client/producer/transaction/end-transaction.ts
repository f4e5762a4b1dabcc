/**
 * END_TRANSACTION (37), always oneway (Java MQClientAPIImpl.endTransactionOneway), in its two forms:
 *
 * After the local transaction (Java DefaultMQProducerImpl.endTransaction), to the master of the broker
 * that stored the half message, within sendMsgTimeout:
 *   topic                 the message's wire topic (namespaced; 5.x field, ignored by 4.9 brokers)
 *   producerGroup         the wire producer group
 *   tranStateTableOffset  the half message's queue offset (send result queueOffset)
 *   commitLogOffset       the offset inside the offset msg id (send result offsetMsgId; msgId if none)
 *   commitOrRollback      8 commit / 12 rollback / 0 unknown
 *   fromTransactionCheck  false
 *   msgId                 UNIQ_KEY (send result msgId)
 *   transactionId         the send result's (5.x brokers: the UNIQ_KEY); absent when the broker gave none
 *   bname                 the broker name of the send result's queue
 *   remark                "executeLocalTransactionBranch exception: <error>" when the transaction threw
 *
 * Answering a back-check (Java checkTransactionState's processTransactionState), to the address the
 * check came from, within 3000 ms: topic, tranStateTableOffset, commitLogOffset, transactionId and bname
 * copied from the check header; producerGroup our own; fromTransactionCheck true; msgId the half
 * message's UNIQ_KEY (its offset msg id without one); remark "checkLocalTransactionState Exception:
 * <error>" when the checker threw.
 */
import { RequestCode } from '../../../protocol/codes/index.js';
import { createRequest } from '../../../protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../../protocol/command/remoting-command.js';
import { EndTransactionRequestHeader } from '../../../protocol/headers/client.js';
import type { CheckTransactionStateRequestHeader } from '../../../protocol/headers/client.js';
import { decodeOffsetMessageId, MessageConst } from '../../../protocol/message/index.js';
import type { TransactionCheckMessage } from '../../transaction-check-routing.js';
import type { SendResult } from '../send-result.js';
import { commitOrRollbackOf } from './transaction-types.js';
import type { LocalTransactionState } from './transaction-types.js';

/** Java's remark prefix of an END_TRANSACTION after a local transaction that threw. */
export const LOCAL_EXCEPTION_REMARK = 'executeLocalTransactionBranch exception: ';
/** Java's remark prefix of an END_TRANSACTION answering a check whose checker threw. */
export const CHECK_EXCEPTION_REMARK = 'checkLocalTransactionState Exception: ';

/** Java Throwable.toString: `<class name>: <message>`. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message ? `${err.name}: ${err.message}` : err.name;
  return String(err);
}

/** The header ending a transaction after the local transaction ran (or was skipped). */
export function endHeaderAfterSend(
  wireTopic: string,
  wireGroup: string,
  sendResult: SendResult,
  state: LocalTransactionState,
): EndTransactionRequestHeader {
  const id = decodeOffsetMessageId(sendResult.offsetMsgId || sendResult.msgId);
  const header: EndTransactionRequestHeader = {
    topic: wireTopic,
    producerGroup: wireGroup,
    tranStateTableOffset: sendResult.queueOffset,
    commitLogOffset: id.commitLogOffset,
    commitOrRollback: commitOrRollbackOf(state),
    fromTransactionCheck: false,
    msgId: sendResult.msgId,
    bname: sendResult.messageQueue.brokerName,
  };
  if (sendResult.transactionId !== undefined) header.transactionId = sendResult.transactionId;
  return header;
}

/** The header answering a back-check. */
export function endHeaderAfterCheck(
  wireGroup: string,
  check: CheckTransactionStateRequestHeader,
  message: TransactionCheckMessage,
  state: LocalTransactionState,
): EndTransactionRequestHeader {
  const header: EndTransactionRequestHeader = {
    producerGroup: wireGroup,
    tranStateTableOffset: check.tranStateTableOffset,
    commitLogOffset: check.commitLogOffset,
    commitOrRollback: commitOrRollbackOf(state),
    fromTransactionCheck: true,
    msgId: message.properties[MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX] ?? message.offsetMsgId,
  };
  if (check.topic !== undefined) header.topic = check.topic;
  if (check.transactionId !== undefined) header.transactionId = check.transactionId;
  if (check.bname !== undefined) header.bname = check.bname;
  return header;
}

/** The END_TRANSACTION request (the transport marks it oneway when it leaves through invokeOneway). */
export function buildEndTransactionRequest(
  header: EndTransactionRequestHeader,
  remark: string | undefined,
): RemotingCommand {
  return createRequest(RequestCode.END_TRANSACTION, {
    extFields: EndTransactionRequestHeader.encode(header),
    ...(remark !== undefined && { remark }),
  });
}
