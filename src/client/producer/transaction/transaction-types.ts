/**
 * The user-facing types of transactional sends (Java LocalTransactionState, TransactionListener,
 * TransactionSendResult) and the mapping of a local state onto the END_TRANSACTION
 * `commitOrRollback` value (MessageSysFlag TRANSACTION_* bits).
 */
import type { Logger } from '../../../common/logger.js';
import { MessageSysFlag } from '../../../protocol/message/index.js';
import type { Message } from '../../../protocol/message/index.js';
import type { TransactionCheckMessage } from '../../transaction-check-routing.js';
import { SendResult } from '../send-result.js';
import type { SendResultInit } from '../send-result.js';

/** Java's enum names, spelling included (`UNKNOW`). */
export const LocalTransactionState = {
  COMMIT_MESSAGE: 'COMMIT_MESSAGE',
  ROLLBACK_MESSAGE: 'ROLLBACK_MESSAGE',
  UNKNOW: 'UNKNOW',
} as const;
export type LocalTransactionState = (typeof LocalTransactionState)[keyof typeof LocalTransactionState];

/** What a listener may return: a state, or a promise of one. */
export type LocalTransactionOutcome = LocalTransactionState | Promise<LocalTransactionState>;

/**
 * The application's side of a transaction (Java TransactionListener). Both methods may be sync or
 * async. A method that throws, times out or returns anything but a LocalTransactionState counts as
 * UNKNOW: the broker keeps the half message and asks again later; nothing is ever committed by default.
 */
export interface TransactionListener {
  /**
   * Runs the local transaction after the half message was stored. The message has its
   * `transactionId` (UNIQ_KEY) set; `arg` is what was passed to sendMessageInTransaction.
   */
  executeLocalTransaction(message: Message, arg: unknown): LocalTransactionOutcome;
  /** Answers the broker's back-check for a half message whose transaction ended unknown (or never ended). */
  checkLocalTransaction(message: TransactionCheckMessage): LocalTransactionOutcome;
}

/** `commitOrRollback` of END_TRANSACTION for a local state (Java endTransaction's switch). */
export function commitOrRollbackOf(state: LocalTransactionState): number {
  switch (state) {
    case LocalTransactionState.COMMIT_MESSAGE:
      return MessageSysFlag.TRANSACTION_COMMIT_TYPE;
    case LocalTransactionState.ROLLBACK_MESSAGE:
      return MessageSysFlag.TRANSACTION_ROLLBACK_TYPE;
    default:
      return MessageSysFlag.TRANSACTION_NOT_TYPE;
  }
}

/** The state a listener's value stands for, or undefined when it is none of the three. */
export function asLocalTransactionState(value: unknown): LocalTransactionState | undefined {
  return value === LocalTransactionState.COMMIT_MESSAGE ||
    value === LocalTransactionState.ROLLBACK_MESSAGE ||
    value === LocalTransactionState.UNKNOW
    ? value
    : undefined;
}

export interface TransactionSendResultInit extends SendResultInit {
  localTransactionState: LocalTransactionState;
}

/**
 * Result of sendMessageInTransaction (Java TransactionSendResult): the half message's SendResult and
 * the local transaction's state as ended with the broker. `transactionId` is the broker's (5.x: the
 * message's UNIQ_KEY), or the UNIQ_KEY itself when the broker reports none (4.9.x).
 */
export class TransactionSendResult extends SendResult {
  /** How the local transaction ended: COMMIT_MESSAGE, ROLLBACK_MESSAGE or UNKNOW (the broker checks later). */
  readonly localTransactionState: LocalTransactionState;

  constructor(init: TransactionSendResultInit) {
    super(init);
    this.localTransactionState = init.localTransactionState;
  }

  override toString(): string {
    return `${super.toString().slice(0, -1)}, transactionId=${this.transactionId ?? ''}, localTransactionState=${this.localTransactionState}]`;
  }
}

/** What an EndTransactionHook sees (Java EndTransactionContext), right before END_TRANSACTION leaves. */
export interface EndTransactionContext {
  /** Wire (namespaced) producer group. */
  readonly producerGroup: string;
  /** The message sent (after the local transaction) or the half message checked. */
  readonly message: Message | TransactionCheckMessage;
  /** Where END_TRANSACTION goes; undefined when the broker's master address is unknown. */
  readonly brokerAddr: string | undefined;
  /** UNIQ_KEY of the message. */
  readonly msgId: string;
  /** The transaction id, when known. */
  readonly transactionId: string | undefined;
  /** The state sent: commit, rollback or unknown. */
  readonly transactionState: LocalTransactionState;
  /** True when answering a broker's check, false after a local transaction. */
  readonly fromTransactionCheck: boolean;
}

/** Observes every transaction end (tracing); errors are logged and ignored (Java EndTransactionHook). */
export interface EndTransactionHook {
  /** Name of the hook, in logs. */
  readonly hookName: string;
  /** Called as each END_TRANSACTION (commit, rollback or unknown) is about to be sent, after a local transaction or a check. */
  endTransaction(context: EndTransactionContext): void;
}

export function runEndTransactionHooks(
  hooks: readonly EndTransactionHook[],
  context: EndTransactionContext,
  logger: Logger,
): void {
  for (const hook of hooks) {
    try {
      hook.endTransaction(context);
    } catch (err) {
      logger.warn({ hook: hook.hookName, err: String(err) }, 'failed to executeEndTransactionHook');
    }
  }
}
