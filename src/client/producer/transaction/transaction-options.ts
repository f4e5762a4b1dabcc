/**
 * TransactionProducer options: every Producer option, the listener (required: Java refuses a
 * transactional send without one), Java TransactionMQProducer's check pool sizes with its defaults, and
 * two time limits Java lacks (a local transaction or a check that never settles would otherwise hold a
 * send call or a check slot forever). Validated when the producer is built.
 */
import type { OptionKeys } from '../../../common/option-keys.js';
import { IllegalArgumentError } from '../../../common/errors.js';
import { checkPositiveInt } from '../../client-config.js';
import { PRODUCER_OPTION_KEYS, type ProducerOptions } from '../producer-options.js';
import type { TransactionListener } from './transaction-types.js';

export interface TransactionProducerOptions extends ProducerOptions {
  /** Runs the local transaction and answers the broker's back-checks. Required. */
  transactionListener: TransactionListener;
  /** Checks that run at once before more are queued (Java checkThreadPoolMinSize). Default 1. */
  checkThreadPoolMinSize?: number;
  /** Checks that run at once when the queue is full (Java checkThreadPoolMaxSize). Default 1. */
  checkThreadPoolMaxSize?: number;
  /** Checks waiting for a slot; more are refused and logged (Java checkRequestHoldMax). Default 2000. */
  checkRequestHoldMax?: number;
  /**
   * How long executeLocalTransaction may take, ms; past it the transaction is ended UNKNOW (the broker
   * will check) and a late answer is ignored. Default 60000.
   */
  localTransactionTimeoutMillis?: number;
  /** How long checkLocalTransaction may take, ms; past it the check is dropped unanswered. Default 60000. */
  checkTimeoutMillis?: number;
}

/** Every key of TransactionProducerOptions: add a line here with each new transaction option. */
export const TRANSACTION_PRODUCER_OPTION_KEYS: OptionKeys<TransactionProducerOptions> = {
  ...PRODUCER_OPTION_KEYS,
  transactionListener: true,
  checkThreadPoolMinSize: true,
  checkThreadPoolMaxSize: true,
  checkRequestHoldMax: true,
  localTransactionTimeoutMillis: true,
  checkTimeoutMillis: true,
};

/** Defaults of the TransactionProducerOptions (check concurrency and queue length; timeouts in ms), as in Java's TransactionMQProducer. */
export const TRANSACTION_PRODUCER_DEFAULTS = {
  checkThreadPoolMinSize: 1,
  checkThreadPoolMaxSize: 1,
  checkRequestHoldMax: 2000,
  localTransactionTimeoutMillis: 60_000,
  checkTimeoutMillis: 60_000,
  /** Java answers a check with END_TRANSACTION oneway within 3000 ms. */
  checkAnswerTimeoutMillis: 3000,
} as const;

export interface TransactionConfig {
  readonly transactionListener: TransactionListener;
  readonly checkThreadPoolMinSize: number;
  readonly checkThreadPoolMaxSize: number;
  readonly checkRequestHoldMax: number;
  readonly localTransactionTimeoutMillis: number;
  readonly checkTimeoutMillis: number;
}

/** Largest setTimeout delay Node honours (longer ones fire at once). */
const MAX_TIMER_MILLIS = 2_147_483_647;

function checkTimeout(name: string, value: number): void {
  checkPositiveInt(name, value);
  if (value > MAX_TIMER_MILLIS) {
    throw new IllegalArgumentError(`option ${name} must be at most ${MAX_TIMER_MILLIS} ms, got ${value}`);
  }
}

export function resolveTransactionConfig(options: TransactionProducerOptions): TransactionConfig {
  const listener = options?.transactionListener;
  if (
    listener === null ||
    typeof listener !== 'object' ||
    typeof listener.executeLocalTransaction !== 'function' ||
    typeof listener.checkLocalTransaction !== 'function'
  ) {
    throw new IllegalArgumentError(
      'TransactionListener is null: pass transactionListener: { executeLocalTransaction(msg, arg), checkLocalTransaction(msg) }',
    );
  }
  const d = TRANSACTION_PRODUCER_DEFAULTS;
  const config: TransactionConfig = {
    transactionListener: listener,
    checkThreadPoolMinSize: options.checkThreadPoolMinSize ?? d.checkThreadPoolMinSize,
    checkThreadPoolMaxSize: options.checkThreadPoolMaxSize ?? d.checkThreadPoolMaxSize,
    checkRequestHoldMax: options.checkRequestHoldMax ?? d.checkRequestHoldMax,
    localTransactionTimeoutMillis: options.localTransactionTimeoutMillis ?? d.localTransactionTimeoutMillis,
    checkTimeoutMillis: options.checkTimeoutMillis ?? d.checkTimeoutMillis,
  };
  checkPositiveInt('checkThreadPoolMinSize', config.checkThreadPoolMinSize);
  checkPositiveInt('checkThreadPoolMaxSize', config.checkThreadPoolMaxSize);
  // Java's ThreadPoolExecutor refuses a maximum below the core size; its queue needs room for one.
  if (config.checkThreadPoolMaxSize < config.checkThreadPoolMinSize) {
    throw new IllegalArgumentError(
      `option checkThreadPoolMaxSize (${config.checkThreadPoolMaxSize}) must be at least checkThreadPoolMinSize (${config.checkThreadPoolMinSize})`,
    );
  }
  checkPositiveInt('checkRequestHoldMax', config.checkRequestHoldMax);
  checkTimeout('localTransactionTimeoutMillis', config.localTransactionTimeoutMillis);
  checkTimeout('checkTimeoutMillis', config.checkTimeoutMillis);
  return Object.freeze(config);
}
