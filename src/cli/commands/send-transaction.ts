/**
 * `rmq send … --transaction commit|rollback|unknown [--check-answer commit|rollback|unknown]
 * [--stay-ms MS]`: transactional sends through a TransactionProducer whose local transaction returns the
 * given state. One TransactionSendResult line per message. With `unknown` the broker will ask back:
 * the process stays up answering every check of its producer group with --check-answer (default commit),
 * prints one line per answered check, and exits 0 once each of its own transactions was answered, or 1
 * after --stay-ms without that. The broker's first check comes after its transaction timeout (Java: 6 s)
 * at its next check round (Java: every 60 s; 5.x 30 s), hence the default stay of 120 s.
 */
import { LocalTransactionState, TransactionProducer } from '../../client/index.js';
import type { ProducerOptions, TransactionCheckMessage } from '../../client/index.js';
import { RocketMQError } from '../../common/errors.js';
import type { Message } from '../../protocol/message/index.js';
import { intFlag } from '../args.js';
import { CliError } from '../cli-error.js';
import { oneLine } from '../message-flags.js';
import type { CliIo } from '../io.js';

export const TRANSACTION_FLAGS = {
  transaction: {
    type: 'string',
    value: 'STATE',
    description: 'Send transactionally; the local transaction returns commit, rollback or unknown',
  },
  'check-answer': {
    type: 'string',
    value: 'STATE',
    description:
      'With --transaction unknown: answer the broker check with commit, rollback or unknown (default commit)',
  },
  'stay-ms': {
    type: 'string',
    value: 'MS',
    description: 'With --transaction unknown: wait this long for the check, then exit 1 (default 120000)',
  },
} as const;

const STATES: Record<string, LocalTransactionState> = {
  commit: LocalTransactionState.COMMIT_MESSAGE,
  rollback: LocalTransactionState.ROLLBACK_MESSAGE,
  unknown: LocalTransactionState.UNKNOW,
};

export const DEFAULT_STAY_MS = 120_000;

export interface TransactionFlags {
  readonly local: LocalTransactionState;
  readonly checkAnswer: LocalTransactionState;
  readonly stayMs: number;
}

function stateFlag(name: string, raw: string): LocalTransactionState {
  const state = STATES[raw.toLowerCase()];
  if (state === undefined) throw new CliError(`--${name} must be commit, rollback or unknown, got "${raw}"`);
  return state;
}

/** Validates the transaction flags; undefined when --transaction is not given (and neither is the rest). */
export function parseTransactionFlags(
  flags: {
    transaction?: string | undefined;
    'check-answer'?: string | undefined;
    'stay-ms'?: string | undefined;
  },
  mode: string,
): TransactionFlags | undefined {
  if (flags.transaction === undefined) {
    if (flags['check-answer'] !== undefined || flags['stay-ms'] !== undefined) {
      throw new CliError('--check-answer and --stay-ms go with --transaction unknown');
    }
    return undefined;
  }
  const local = stateFlag('transaction', flags.transaction);
  if (mode !== 'sync')
    throw new CliError('--transaction sends are sync: leave out --mode (or use --mode sync)');
  if (
    local !== LocalTransactionState.UNKNOW &&
    (flags['check-answer'] !== undefined || flags['stay-ms'] !== undefined)
  ) {
    throw new CliError(
      '--check-answer and --stay-ms go with --transaction unknown (no check comes otherwise)',
    );
  }
  return {
    local,
    checkAnswer:
      flags['check-answer'] === undefined
        ? LocalTransactionState.COMMIT_MESSAGE
        : stateFlag('check-answer', flags['check-answer']),
    stayMs: intFlag('stay-ms', flags['stay-ms'], DEFAULT_STAY_MS, 1, 86_400_000),
  };
}

export interface TransactionalSendPlan {
  readonly tx: TransactionFlags;
  readonly group: string;
  readonly nameServer: string;
  readonly timeout: number;
  readonly count: number;
  readonly make: () => Message;
  /** TLS, credentials and compression from the flags, as for a plain send. */
  readonly clientOptions: Partial<ProducerOptions>;
}

export async function runTransactionalSend(plan: TransactionalSendPlan, io: CliIo): Promise<number> {
  const { tx } = plan;
  /** Our own transactions not answered yet (by UNIQ_KEY). */
  const pending = new Set<string>();
  let allAnswered: (() => void) | undefined;
  const answered = new Promise<void>((resolve) => (allAnswered = resolve));
  const onCheck = (msg: TransactionCheckMessage): LocalTransactionState => {
    const id = msg.transactionId ?? msg.msgId;
    const own = pending.delete(id);
    io.stdout.write(
      `Check answered: ${tx.checkAnswer} transactionId=${id} topic=${msg.topic}${own ? '' : ' (sent by another producer of the group)'}\n`,
    );
    if (own && pending.size === 0) allAnswered?.();
    return tx.checkAnswer;
  };
  let producer: TransactionProducer;
  try {
    producer = new TransactionProducer({
      producerGroup: plan.group,
      nameServer: plan.nameServer,
      sendMsgTimeout: plan.timeout,
      ...plan.clientOptions,
      transactionListener: {
        executeLocalTransaction: () => tx.local,
        checkLocalTransaction: onCheck,
      },
    });
  } catch (err) {
    if (err instanceof RocketMQError) throw new CliError(oneLine(err));
    throw err;
  }
  await producer.start();
  try {
    for (let i = 0; i < plan.count; i++) {
      try {
        const result = await producer.sendMessageInTransaction(plan.make());
        if (result.localTransactionState === LocalTransactionState.UNKNOW) pending.add(result.msgId);
        io.stdout.write(`${result.toString()}\n`);
      } catch (err) {
        throw new CliError(oneLine(err), 1);
      }
    }
    if (pending.size === 0) return 0;
    let timer: NodeJS.Timeout | undefined;
    const stayed = new Promise<'timeout'>(
      (resolve) => (timer = setTimeout(() => resolve('timeout'), tx.stayMs)),
    );
    const outcome = await Promise.race([answered, stayed]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      throw new CliError(
        `no broker check answered for ${pending.size} transaction(s) within --stay-ms ${tx.stayMs}`,
        1,
      );
    }
    return 0;
  } finally {
    // Waits for the checks under way, so the last answer leaves before the process does.
    await producer.shutdown();
  }
}
