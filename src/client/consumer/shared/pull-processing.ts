/**
 * Turning a raw pull answer into a PullResult (Java PullAPIWrapper.processPullResult): decode the
 * concatenated records (stopping at the first undecodable one, like the Java client), inflate
 * compressed bodies, re-check tags on the client, and add what Java adds to each message:
 * transactionId for TRAN_MSG=true, the MIN_OFFSET / MAX_OFFSET properties and the broker name.
 */
import type { Logger } from '../../../common/logger.js';
import type { SubscriptionData } from '../../../protocol/body/index.js';
import { MQClientError } from '../../../common/errors.js';
import {
  MessageConst,
  decodeMessageRecords,
  decodeOffsetMessageId,
  messageExtFromRecord,
  withoutNamespace,
} from '../../../protocol/message/index.js';
import type { MessageRecord } from '../../../protocol/message/index.js';
import { brokerVIPChannel } from '../../client-config.js';
import type { ClientConfig } from '../../client-config.js';
import type { ConsumerAPI, RawPullResult } from './consumer-api.js';
import { PullResult } from './pull-result.js';
import type { PulledMessage } from './pull-result.js';
import { tagMatches } from './subscription.js';

export interface ProcessPullContext {
  brokerName: string;
  /** Namespace removed from the topic of each message (the user's view). */
  namespace?: string | undefined;
  logger?: Logger;
}

/**
 * One record as a consumer sees it, its body decoded whatever its codec (zlib, LZ4, ZSTD). A body that
 * cannot be decoded throws (BodyDecompressError, or CompressionCodecUnavailableError naming the package
 * to install), so the pull fails and nothing past it is handed back or committed; Java's client drops
 * such a message and the rest of the pull without a word.
 */
export function toPulledMessage(record: MessageRecord, ctx: ProcessPullContext): PulledMessage {
  const msg: PulledMessage = messageExtFromRecord(record, { brokerName: ctx.brokerName });
  if (ctx.namespace) msg.topic = withoutNamespace(msg.topic, ctx.namespace);
  if (msg.properties[MessageConst.PROPERTY_TRANSACTION_PREPARED] === 'true') {
    const uniq = msg.properties[MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX];
    if (uniq !== undefined) msg.transactionId = uniq;
  }
  return msg;
}

export function processPullResult(
  raw: RawPullResult,
  subscription: SubscriptionData,
  ctx: ProcessPullContext,
): PullResult {
  let messages: PulledMessage[] = [];
  if (raw.status === 'FOUND' && raw.body !== undefined) {
    messages = decodeMessageRecords(raw.body)
      .map((r) => toPulledMessage(r, ctx))
      .filter((m) => tagMatches(subscription, m.tags));
    const min = raw.minOffset.toString();
    const max = raw.maxOffset.toString();
    for (const m of messages) {
      m.properties[MessageConst.PROPERTY_MIN_OFFSET] = min;
      m.properties[MessageConst.PROPERTY_MAX_OFFSET] = max;
    }
  }
  return new PullResult(
    raw.status,
    raw.nextBeginOffset,
    raw.minOffset,
    raw.maxOffset,
    messages,
    raw.suggestWhichBrokerId,
  );
}

/**
 * VIEW_MESSAGE_BY_ID: the message with this offset message id, read from the broker address the id
 * names (its fast port with the VIP channel). The result has no broker name (the id names none).
 */
export async function viewMessageById(
  api: ConsumerAPI,
  offsetMsgId: string,
  config: Pick<ClientConfig, 'vipChannelEnabled' | 'mqClientApiTimeout' | 'namespace' | 'logger'>,
): Promise<PulledMessage> {
  let id: ReturnType<typeof decodeOffsetMessageId>;
  try {
    id = decodeOffsetMessageId(offsetMsgId);
  } catch (cause) {
    const why = `not an offset message id: ${offsetMsgId}`;
    throw new MQClientError(`query message by id finished, but no message. (${why})`, { code: 208, cause });
  }
  const addr = brokerVIPChannel(config.vipChannelEnabled, id.address);
  const record = await api.viewMessage(addr, id.commitLogOffset, config.mqClientApiTimeout);
  const msg = toPulledMessage(record, { brokerName: '', namespace: config.namespace, logger: config.logger });
  delete msg.brokerName;
  return msg;
}
