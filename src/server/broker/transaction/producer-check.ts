/**
 * CHECK_TRANSACTION_STATE (39), oneway to one connection of the half's producer group (Java
 * AbstractTransactionalMessageCheckListener.sendCheckMessage + Broker2Client.checkProducerTransactionState
 * + ProducerManager.getAvailableChannel, 5.3.3 header fields included):
 *
 *   header  topic                 RMQ_SYS_TRANS_HALF_TOPIC (5.x: the half's topic when the check is built)
 *           tranStateTableOffset  queue offset of the copy just put back
 *           commitLogOffset       commit-log offset of that copy
 *           msgId, transactionId  UNIQ_KEY of the half (absent when it has none)
 *           offsetMsgId           offset message id of that copy
 *           bname                 this broker's name (5.x)
 *   body    the half encoded as a stored record (MessageDecoder.encode) with REAL_TOPIC / REAL_QID as
 *           topic and queue, the copy's offsets and the raised TRANSACTION_CHECK_TIMES
 *
 * The producer answers with END_TRANSACTION (fromTransactionCheck=true) naming the copy's offsets.
 */
import { RequestCode } from '../../../protocol/codes/request-code.js';
import { createRequest } from '../../../protocol/command/remoting-command.js';
import { CheckTransactionStateRequestHeader } from '../../../protocol/headers/client.js';
import { MessageConst } from '../../../protocol/message/constants.js';
import { encodeOffsetMessageId } from '../../../protocol/message/message-id.js';
import { encodeMessageRecord } from '../../../protocol/message/record.js';
import type { MessageRecord } from '../../../protocol/message/record.js';
import type { RemotingChannel } from '../../../transport/types.js';
import type { PutResult } from '../../store/index.js';
import { propertiesToStoredString } from '../core/stored-message.js';
import { HALF_TOPIC, realTarget } from './half-messages.js';
import type { TransactionService } from './transaction-service.js';

/** Java invokeOneway(channel, request, 10). */
const ONEWAY_TIMEOUT_MILLIS = 10;

/**
 * A live connection of the group, round robin (Java getAvailableChannel); undefined when none. With
 * access control on, only connections whose account may publish to `topic` (the half's real topic):
 * the check carries the whole message, and any account may name any producer group in a heartbeat.
 */
export function availableChannel(
  svc: TransactionService,
  group: string | undefined,
  topic: string,
): RemotingChannel | undefined {
  if (group === undefined) return undefined;
  const channels = [...(svc.ctx.clients.producers.get(group)?.values() ?? [])]
    .filter((info) => !info.channel.closed && (info.mayAccess?.(topic, 'PUB') ?? true))
    .map((info) => info.channel);
  if (channels.length === 0) return undefined;
  svc.channelCursor = (svc.channelCursor + 1) & 0x7fffffff;
  return channels[svc.channelCursor % channels.length];
}

export function buildCheckRequest(
  svc: TransactionService,
  half: MessageRecord,
  props: Readonly<Record<string, string>>,
  copy: Pick<PutResult, 'queueOffset' | 'physicalOffset'>,
) {
  const uniq = props[MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX];
  const target = realTarget(props);
  const header = CheckTransactionStateRequestHeader.encode({
    topic: HALF_TOPIC,
    tranStateTableOffset: copy.queueOffset,
    commitLogOffset: copy.physicalOffset,
    ...(uniq !== undefined && { msgId: uniq, transactionId: uniq }),
    offsetMsgId: encodeOffsetMessageId(half.storeHost, copy.physicalOffset),
    bname: svc.ctx.options.brokerName,
  });
  const body = encodeMessageRecord({
    ...half,
    topic: target?.topic ?? half.topic,
    queueId: target?.queueId ?? half.queueId,
    queueOffset: copy.queueOffset,
    physicalOffset: copy.physicalOffset,
    properties: propertiesToStoredString(props),
  });
  return createRequest(RequestCode.CHECK_TRANSACTION_STATE, { extFields: header, body });
}

/** Sends the check for the copy `copy` of `half`; logs when the group has no live connection. */
export function sendCheckRequest(
  svc: TransactionService,
  half: MessageRecord,
  props: Readonly<Record<string, string>>,
  copy: PutResult,
): void {
  const group = props[MessageConst.PROPERTY_PRODUCER_GROUP];
  const channel = availableChannel(svc, group, realTarget(props)?.topic ?? half.topic);
  if (!channel) {
    svc.ctx.logger.warn({ group }, 'Check transaction failed, channel is null');
    return;
  }
  const request = buildCheckRequest(svc, half, props, copy);
  channel.invokeOneway(request, ONEWAY_TIMEOUT_MILLIS).catch((err: unknown) => {
    svc.ctx.logger.warn(
      { group, remote: channel.remoteAddress, err: (err as Error).message },
      'Check transaction failed because invoke producer exception',
    );
  });
}
