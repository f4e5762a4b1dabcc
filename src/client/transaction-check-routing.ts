/**
 * CHECK_TRANSACTION_STATE (39, broker -> producer, oneway) on any connection of a client instance
 * (Java ClientRemotingProcessor.checkTransactionState): decode the header and the half message carried
 * in the body (commit-log record layout), strip the namespace from its topic, take UNIQ_KEY as its
 * transactionId, and hand it to the transaction producer of the group named in its PGROUP property
 * together with the address of the broker the check came from (the answer goes back there). Nothing
 * is ever answered on the request itself: the producer answers later with its own END_TRANSACTION.
 * Whatever cannot be routed is logged: a bad header or body, no PGROUP, a group with no producer here,
 * a group whose producer has no transaction listener.
 */
import type { Logger } from '../common/logger.js';
import type { RemotingCommand } from '../protocol/command/remoting-command.js';
import { CheckTransactionStateRequestHeader } from '../protocol/headers/client.js';
import {
  decodeMessageRecord,
  MessageConst,
  messageExtFromRecord,
  withoutNamespace,
} from '../protocol/message/index.js';
import type { MessageExt, MessageRecord } from '../protocol/message/index.js';

/** The half message a broker asks about, as the checker sees it. */
export interface TransactionCheckMessage extends MessageExt {
  /** UNIQ_KEY of the message (Java sets it from the property when present). */
  transactionId?: string;
}

export interface TransactionCheckRequest {
  /** `host:port` of the broker connection the check came over: the END_TRANSACTION answer goes there. */
  readonly brokerAddr: string;
  readonly message: TransactionCheckMessage;
  readonly header: CheckTransactionStateRequestHeader;
}

/** A transaction producer as the instance sees it (Java MQProducerInner.checkTransactionState). */
export interface TransactionCheckTarget {
  /** Takes one check; never throws (queues it, or refuses and logs it). */
  submitCheck(check: TransactionCheckRequest): void;
}

/** Transaction producers of one client instance by wire (namespaced) producer group. */
export class TransactionCheckTargets {
  readonly #targets = new Map<string, TransactionCheckTarget>();

  register(group: string, target: TransactionCheckTarget): void {
    this.#targets.set(group, target);
  }

  /** Forgets the group's target if it is still `target`. */
  unregister(group: string, target: TransactionCheckTarget): void {
    if (this.#targets.get(group) === target) this.#targets.delete(group);
  }

  get(group: string): TransactionCheckTarget | undefined {
    return this.#targets.get(group);
  }
}

export interface TransactionCheckHost {
  readonly logger: Logger;
  readonly namespace: string | undefined;
  readonly transactionTargets: TransactionCheckTargets;
  /** True when a producer (of any kind) of this group is registered on the instance. */
  hasProducer(group: string): boolean;
}

function decodeHalfMessage(body: Buffer): TransactionCheckMessage {
  const record: MessageRecord = decodeMessageRecord(body);
  try {
    return messageExtFromRecord(record);
  } catch {
    // A body in a compression we cannot inflate: the checker still gets ids and properties.
    return messageExtFromRecord(record, { decompress: false });
  }
}

/** Routes one CHECK_TRANSACTION_STATE request; never throws, never answers. */
export function routeTransactionCheck(
  host: TransactionCheckHost,
  request: RemotingCommand,
  brokerAddr: string,
): void {
  const { logger } = host;
  let header: CheckTransactionStateRequestHeader;
  let message: TransactionCheckMessage;
  try {
    header = CheckTransactionStateRequestHeader.decode(request.extFields);
    if (request.body === undefined || request.body.length === 0) throw new Error('no message body');
    message = decodeHalfMessage(request.body);
  } catch (err) {
    logger.warn(
      { from: brokerAddr, err: err instanceof Error ? err.message : String(err) },
      'checkTransactionState, decode message failed',
    );
    return;
  }
  if (host.namespace) message.topic = withoutNamespace(message.topic, host.namespace);
  const uniqueKey = message.properties[MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX];
  if (uniqueKey !== undefined && uniqueKey !== '') message.transactionId = uniqueKey;
  const group = message.properties[MessageConst.PROPERTY_PRODUCER_GROUP];
  const where = { from: brokerAddr, group, msgId: header.msgId, transactionId: header.transactionId };
  if (group === undefined) {
    logger.warn(where, 'checkTransactionState, pick producer group failed (no PGROUP property)');
    return;
  }
  const target = host.transactionTargets.get(group);
  if (target !== undefined) {
    target.submitCheck({ brokerAddr, message, header });
  } else if (host.hasProducer(group)) {
    logger.warn(
      where,
      'CheckTransactionState, pick transactionListener by group failed (not a TransactionProducer)',
    );
  } else {
    logger.warn(
      where,
      'checkTransactionState, pick producer by group failed (no producer of this group here)',
    );
  }
}
