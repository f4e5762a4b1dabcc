/**
 * The records of the half-message protocol, built as Java builds them (TransactionalMessageBridge,
 * EndTransactionProcessor.endMessageTransaction, DefaultTransactionalMessageCheckListener; 4.9.8):
 *
 *   half     the producer's message under RMQ_SYS_TRANS_HALF_TOPIC queue 0, REAL_TOPIC / REAL_QID added,
 *            transaction bits of sysFlag reset to NOT_TYPE (so the store gives it a queue entry)
 *   commit   the half's body, flag, born/store hosts, born time, reconsume times under REAL_TOPIC /
 *            REAL_QID, transaction bits COMMIT_TYPE, PREPAREDTRANSACTIONOFFSET = the half's offset.
 *            Java clears REAL_TOPIC, REAL_QID and TRAN_MSG only from the in-memory map, after the
 *            property string was built, so the stored string keeps them: we store the same string.
 *   op       RMQ_SYS_TRANS_OP_HALF_TOPIC, same queue id as the half, tag "d", body = the half's queue
 *            offset in decimal (4.9.8 writes one per op; 5.x batches "o1,o2,"; we read both)
 *   re-put   a half written again for its next check, TRANSACTION_CHECK_TIMES updated
 *   check-max TRANS_CHECK_MAX_TIME_TOPIC queue 0, everything of the half kept
 */
import { MessageConst, MessageSysFlag, resetTransactionValue } from '../../../protocol/message/constants.js';
import { decodeProperties } from '../../../protocol/message/properties.js';
import type { MessageRecord, SocketAddress } from '../../../protocol/message/record.js';
import { SystemTopic } from '../../../protocol/message/validators.js';
import { tagsCode } from '../../../protocol/message/tags-code.js';
import type { PutMessageInput } from '../../store/index.js';
import { propertiesToStoredString } from '../core/stored-message.js';

export const HALF_TOPIC = SystemTopic.RMQ_SYS_TRANS_HALF_TOPIC;
export const OP_TOPIC = SystemTopic.RMQ_SYS_TRANS_OP_HALF_TOPIC;
export const CHECK_MAX_TOPIC = SystemTopic.RMQ_SYS_TRANS_CHECK_MAX_TIME_TOPIC;
/** Java MixAll.CID_SYS_RMQ_TRANS: the group whose consume offsets record the check progress. */
export const TRANSACTION_GROUP = 'CID_RMQ_SYS_TRANS';
/** Java TransactionalMessageUtil.REMOVETAG. */
export const REMOVE_TAG = 'd';
/** 5.x TransactionalMessageUtil.OFFSET_SEPARATOR. */
export const OFFSET_SEPARATOR = ',';
/**
 * Our own op-record properties (Java reads only the tag and the body, so they cost a Java reader
 * nothing): how the transaction ended and its key, so "already ended" survives a restart.
 */
export const OP_END_STATE = '__RMQ_TS_END';
export const OP_TX_KEY = '__RMQ_TS_TXKEY';

export type EndState = 'COMMIT' | 'ROLLBACK';

/** Java SendMessageProcessor: TRAN_MSG parsed with Boolean.parseBoolean. */
export function isHalfMessage(props: Readonly<Record<string, string>>): boolean {
  return props[MessageConst.PROPERTY_TRANSACTION_PREPARED]?.toLowerCase() === 'true';
}

/**
 * Java parseHalfMessageInner, applied to a send's put input. 4.9.8 rebuilds the string from the whole
 * map there, WAIT included (the send path had left it out), so `props` is the full request map.
 */
export function toHalfInput(input: PutMessageInput, props: Record<string, string>): void {
  const wait = props[MessageConst.PROPERTY_WAIT_STORE_MSG_OK];
  if (wait !== undefined) {
    // The send path had removed WAIT and put it back into the map (at the end of its bucket): WAIT
    // follows a key it shares a bucket with (PGROUP) in the string built from that map.
    delete props[MessageConst.PROPERTY_WAIT_STORE_MSG_OK];
    props[MessageConst.PROPERTY_WAIT_STORE_MSG_OK] = wait;
  }
  props[MessageConst.PROPERTY_REAL_TOPIC] = input.topic;
  props[MessageConst.PROPERTY_REAL_QUEUE_ID] = String(input.queueId);
  input.sysFlag = resetTransactionValue(input.sysFlag, MessageSysFlag.TRANSACTION_NOT_TYPE);
  input.topic = HALF_TOPIC;
  input.queueId = 0;
  input.properties = propertiesToStoredString(props);
}

/**
 * Our own half property: the commit-log offset of a transaction's first half, carried by every copy
 * the check service writes (renewedHalfInput). A committed copy keeps it in its properties, so a
 * commit found after a crash is known for its transaction's even when another copy was committed.
 */
export const HALF_ORIGIN = '__RMQ_TS_TXORIGIN';

/**
 * Identity of a transaction across the copies of its half message (each check writes a new copy
 * with new offsets): producer group + the commit-log offset of its first half. Not UNIQ_KEY: a client
 * sets it only on a message that has none (Java MessageClientIDSetter.setUniqID), so a Message sent
 * again in a second transaction carries its first transaction's key, and Java commits each half on
 * its own (EndTransactionProcessor finds it by its commit-log offset).
 */
export function transactionKey(props: Readonly<Record<string, string>>, physicalOffset: bigint): string {
  const group = props[MessageConst.PROPERTY_PRODUCER_GROUP] ?? '';
  return `${group}\u0002${halfOrigin(props, physicalOffset)}`;
}

/** The first half's commit-log offset: HALF_ORIGIN when a copy carries it, else the half's own. */
function halfOrigin(props: Readonly<Record<string, string>>, physicalOffset: bigint): bigint {
  const origin = props[HALF_ORIGIN];
  return origin !== undefined && /^\d{1,19}$/.test(origin) ? BigInt(origin) : physicalOffset;
}

/** The real topic and queue of a half, or undefined when its properties do not name them. */
export function realTarget(
  props: Readonly<Record<string, string>>,
): { topic: string; queueId: number } | undefined {
  const topic = props[MessageConst.PROPERTY_REAL_TOPIC];
  const raw = props[MessageConst.PROPERTY_REAL_QUEUE_ID];
  const queueId = raw === undefined ? NaN : Number(raw);
  if (!topic || !/^\d+$/.test(raw ?? '') || !Number.isInteger(queueId) || queueId > 0x7fffffff)
    return undefined;
  return { topic, queueId };
}

/** Java endMessageTransaction + the COMMIT bits; the store stamps the time. */
export function commitInput(
  half: MessageRecord,
  target: { topic: string; queueId: number },
): PutMessageInput {
  const props = decodeProperties(half.properties);
  return {
    topic: target.topic,
    queueId: target.queueId,
    flag: half.flag,
    body: half.body,
    properties: propertiesToStoredString(props),
    sysFlag: resetTransactionValue(half.sysFlag, MessageSysFlag.TRANSACTION_COMMIT_TYPE),
    bornTimestamp: half.bornTimestamp,
    bornHost: half.bornHost,
    storeHost: half.storeHost,
    reconsumeTimes: half.reconsumeTimes,
    preparedTransactionOffset: half.physicalOffset,
    waitStoreMsgOK: false,
    tagsCode: tagsCode(props[MessageConst.PROPERTY_TAGS]),
  };
}

/**
 * Java renewHalfMessageInner with the property map the check edited, plus HALF_ORIGIN (the first
 * half's offset) when the half is the first. Java drops the flag and the reconsume times here (a
 * committed copy then has flag 0); we keep both, so a message committed after a check is the message
 * the producer sent.
 */
export function renewedHalfInput(
  half: MessageRecord,
  props: Readonly<Record<string, string>>,
): PutMessageInput {
  if (props[HALF_ORIGIN] === undefined) {
    props = { ...props, [HALF_ORIGIN]: String(halfOrigin(props, half.physicalOffset)) };
  }
  return {
    topic: half.topic,
    queueId: half.queueId,
    flag: half.flag,
    body: half.body,
    properties: propertiesToStoredString(props),
    sysFlag: half.sysFlag,
    bornTimestamp: half.bornTimestamp,
    bornHost: half.bornHost,
    storeHost: half.storeHost,
    reconsumeTimes: half.reconsumeTimes,
    preparedTransactionOffset: 0n,
    waitStoreMsgOK: false,
    tagsCode: tagsCode(props[MessageConst.PROPERTY_TAGS]),
  };
}

/** DefaultTransactionalMessageCheckListener.toMessageExtBrokerInner: the half as is, 1 queue. */
export function checkMaxInput(half: MessageRecord, props: Readonly<Record<string, string>>): PutMessageInput {
  return { ...renewedHalfInput(half, props), topic: CHECK_MAX_TOPIC, queueId: 0 };
}

/** Java makeOpMessageInner(addRemoveTagInTransactionOp): born and stored by this broker now. */
export function opInput(
  half: { queueId: number; queueOffset: bigint },
  end: { state: EndState; txKey: string; uniqKey: string },
  storeHost: SocketAddress,
  now: number,
): PutMessageInput {
  const props: Record<string, string> = {
    [MessageConst.PROPERTY_TAGS]: REMOVE_TAG,
    [MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX]: end.uniqKey,
    [OP_END_STATE]: end.state,
    [OP_TX_KEY]: end.txKey,
  };
  return {
    topic: OP_TOPIC,
    queueId: half.queueId,
    flag: 0,
    body: Buffer.from(String(half.queueOffset), 'utf8'),
    properties: propertiesToStoredString(props),
    sysFlag: 0,
    bornTimestamp: now,
    bornHost: storeHost,
    storeHost,
    reconsumeTimes: 0,
    preparedTransactionOffset: 0n,
    waitStoreMsgOK: false,
    tagsCode: tagsCode(REMOVE_TAG),
  };
}

export interface OpEntry {
  /** Queue offset of the op record in the op queue. */
  opOffset: bigint;
  /** Half queue offsets it removes (empty for a record Java would log as illegal). */
  halfOffsets: bigint[];
  state: EndState | undefined;
  txKey: string | undefined;
}

/** Java fillOpRemoveMap's reading of one op record: tag "d", body "o" (4.9.8) or "o1,o2," (5.x). */
export function parseOpRecord(record: MessageRecord, opOffset: bigint): OpEntry {
  const props = decodeProperties(record.properties);
  const halfOffsets: bigint[] = [];
  if (props[MessageConst.PROPERTY_TAGS] === REMOVE_TAG) {
    for (const part of record.body.toString('utf8').split(OFFSET_SEPARATOR)) {
      if (/^\d{1,19}$/.test(part)) halfOffsets.push(BigInt(part));
    }
  }
  const state = props[OP_END_STATE];
  return {
    opOffset,
    halfOffsets,
    state: state === 'COMMIT' || state === 'ROLLBACK' ? state : undefined,
    txKey: props[OP_TX_KEY],
  };
}
