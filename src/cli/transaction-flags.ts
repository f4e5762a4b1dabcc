/**
 * `--transaction-*` flags of `rmq broker` and `rmq dev`: the broker's transaction check options
 * (Java BrokerConfig transactionCheckInterval / transactionTimeOut / transactionCheckMax).
 */
import { DEFAULT_TRANSACTION_OPTIONS } from '../server/broker/transaction/transaction-options.js';
import type { TransactionOptions } from '../server/broker/transaction/transaction-options.js';
import { intFlag } from './args.js';

const d = DEFAULT_TRANSACTION_OPTIONS;

export const TRANSACTION_FLAGS = {
  'transaction-check-interval-ms': {
    type: 'string',
    value: 'MS',
    default: String(d.transactionCheckIntervalMillis),
    description: 'Period of the check of unfinished transactions (Java transactionCheckInterval)',
  },
  'transaction-timeout-ms': {
    type: 'string',
    value: 'MS',
    default: String(d.transactionTimeoutMillis),
    description: 'Age at which an unfinished transaction is checked (Java transactionTimeOut)',
  },
  'transaction-check-max': {
    type: 'string',
    value: 'N',
    default: String(d.transactionCheckMax),
    description: 'Checks before a transaction goes to TRANS_CHECK_MAX_TIME_TOPIC (Java transactionCheckMax)',
  },
} as const;

type TransactionFlagValues = Partial<Record<keyof typeof TRANSACTION_FLAGS, string | undefined>>;

/** The broker options the flags give. */
export function transactionOptionsFromFlags(
  flags: TransactionFlagValues,
): Omit<TransactionOptions, 'rejectTransactionMessage'> {
  return {
    transactionCheckIntervalMillis: intFlag(
      'transaction-check-interval-ms',
      flags['transaction-check-interval-ms'],
      d.transactionCheckIntervalMillis,
      1,
      2 ** 31 - 1,
    ),
    transactionTimeoutMillis: intFlag(
      'transaction-timeout-ms',
      flags['transaction-timeout-ms'],
      d.transactionTimeoutMillis,
    ),
    transactionCheckMax: intFlag(
      'transaction-check-max',
      flags['transaction-check-max'],
      d.transactionCheckMax,
      1,
      2 ** 31 - 1,
    ),
  };
}
