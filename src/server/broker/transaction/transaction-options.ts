/**
 * Broker options of the half-message protocol, with Java BrokerConfig's defaults (4.9.8; 5.x checks
 * every 30 s instead of 60 s). Kept here so broker-config.ts only spreads them in.
 */
export interface TransactionOptions {
  /** Java rejectTransactionMessage: refuse half messages with NO_PERMISSION (default false). */
  rejectTransactionMessage: boolean;
  /**
   * Java transactionTimeOut: a half message is checked once it is older than this (born time, the
   * producer's clock), unless it carries its own CHECK_IMMUNITY_TIME_IN_SECONDS. Default 6 s.
   */
  transactionTimeoutMillis: number;
  /** Java transactionCheckMax: checks before the message goes to TRANS_CHECK_MAX_TIME_TOPIC (15). */
  transactionCheckMax: number;
  /** Java transactionCheckInterval: period of the check service (60 s in 4.9.8). */
  transactionCheckIntervalMillis: number;
}

export const DEFAULT_TRANSACTION_OPTIONS: TransactionOptions = Object.freeze({
  rejectTransactionMessage: false,
  transactionTimeoutMillis: 6_000,
  transactionCheckMax: 15,
  transactionCheckIntervalMillis: 60_000,
});

/** What is wrong with the options, or undefined. */
export function transactionOptionsProblem(o: TransactionOptions): string | undefined {
  if (typeof o.rejectTransactionMessage !== 'boolean') return 'rejectTransactionMessage must be a boolean';
  if (!Number.isInteger(o.transactionTimeoutMillis) || o.transactionTimeoutMillis < 0)
    return `transactionTimeoutMillis must be an integer >= 0, got ${o.transactionTimeoutMillis}`;
  if (!Number.isInteger(o.transactionCheckMax) || o.transactionCheckMax < 1)
    return `transactionCheckMax must be an integer >= 1, got ${o.transactionCheckMax}`;
  if (
    !Number.isInteger(o.transactionCheckIntervalMillis) ||
    o.transactionCheckIntervalMillis < 1 ||
    o.transactionCheckIntervalMillis > 2 ** 31 - 1
  )
    return `transactionCheckIntervalMillis must be an integer in 1..2147483647, got ${o.transactionCheckIntervalMillis}`;
  return undefined;
}
