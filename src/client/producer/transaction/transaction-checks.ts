/**
 * The back-check side of a TransactionProducer (Java DefaultMQProducerImpl.checkTransactionState and
 * its check executor): the client instance hands each CHECK_TRANSACTION_STATE of the producer's group to
 * `target`; the check waits for a slot of the CheckExecutor, asks the listener's checkLocalTransaction
 * and answers with END_TRANSACTION fromTransactionCheck=true, oneway, to the broker the check came from.
 *
 *   checker returns a state      -> that state (commit 8, rollback 12, unknown 0)
 *   checker throws / rejects     -> UNKNOW, remark "checkLocalTransactionState Exception: <error>" (Java)
 *   checker returns anything else-> UNKNOW (Java would fail on a null state and answer nothing)
 *   checker overruns its time    -> no answer; its slot is given back (the broker checks again later)
 *   pool and queue full          -> refused and logged, no answer (Java's RejectedExecutionException)
 */
import type { Logger } from '../../../common/logger.js';
import type { TransactionCheckRequest, TransactionCheckTarget } from '../../transaction-check-routing.js';
import type { ProducerCore } from '../producer-core.js';
import { CheckExecutor } from './check-executor.js';
import {
  buildEndTransactionRequest,
  CHECK_EXCEPTION_REMARK,
  describeError,
  endHeaderAfterCheck,
} from './end-transaction.js';
import { runListener } from './local-transaction.js';
import { TRANSACTION_PRODUCER_DEFAULTS } from './transaction-options.js';
import type { TransactionConfig } from './transaction-options.js';
import { LocalTransactionState, runEndTransactionHooks } from './transaction-types.js';
import type { EndTransactionHook } from './transaction-types.js';

export class TransactionChecks {
  readonly target: TransactionCheckTarget = { submitCheck: (check) => this.#submit(check) };
  readonly #executor: CheckExecutor;
  readonly #logger: Logger;

  constructor(
    private readonly config: TransactionConfig,
    /** The producer's working parts (its wire group, its client instance once started). */
    private readonly core: () => ProducerCore,
    logger: Logger,
    private readonly hooks: readonly EndTransactionHook[],
  ) {
    this.#logger = logger;
    this.#executor = new CheckExecutor({
      minConcurrency: config.checkThreadPoolMinSize,
      maxConcurrency: config.checkThreadPoolMaxSize,
      queueLimit: config.checkRequestHoldMax,
      taskTimeoutMillis: config.checkTimeoutMillis,
      onTimeout: (transactionId) =>
        logger.warn(
          { transactionId, ms: config.checkTimeoutMillis },
          'checkLocalTransaction did not settle within checkTimeoutMillis: check dropped unanswered (the broker checks again)',
        ),
      onError: (transactionId, err) =>
        logger.error({ transactionId, err: describeError(err) }, 'transaction check failed'),
    });
  }

  get runningCount(): number {
    return this.#executor.runningCount;
  }

  get queuedCount(): number {
    return this.#executor.queuedCount;
  }

  /** Refuses new checks, drops the queued ones (returns how many), waits for the running ones. */
  close(timeoutMillis: number): Promise<number> {
    return this.#executor.close(timeoutMillis);
  }

  #submit(check: TransactionCheckRequest): void {
    const name = check.header.transactionId ?? check.message.msgId;
    if (this.#executor.submit(name, (signal) => this.#run(check, signal)) !== 'refused') return;
    this.#logger.warn(
      {
        group: this.core().wireGroup,
        transactionId: name,
        running: this.#executor.runningCount,
        queued: this.#executor.queuedCount,
        closed: this.#executor.closed,
      },
      'transaction check refused: the check pool and its queue (checkRequestHoldMax) are full, or the producer is shutting down',
    );
  }

  async #run(check: TransactionCheckRequest, signal: AbortSignal): Promise<void> {
    const listener = this.config.transactionListener;
    const outcome = await runListener(
      'checkLocalTransaction',
      () => listener.checkLocalTransaction(check.message),
      this.#logger,
    );
    const where = { transactionId: check.header.transactionId, msgId: check.message.msgId };
    if (outcome.error !== undefined) {
      this.#logger.error(
        { ...where, err: describeError(outcome.error) },
        'Broker call checkTransactionState, but checkLocalTransactionState exception',
      );
    }
    if (signal.aborted) return; // overran checkTimeoutMillis: the executor logged it, no answer
    const core = this.core();
    const header = endHeaderAfterCheck(core.wireGroup, check.header, check.message, outcome.state);
    if (outcome.state !== LocalTransactionState.COMMIT_MESSAGE) {
      this.#logger.warn({ ...where, state: outcome.state }, 'broker check answered without a commit');
    }
    const remark =
      outcome.error === undefined ? undefined : CHECK_EXCEPTION_REMARK + describeError(outcome.error);
    const context = {
      producerGroup: core.wireGroup,
      message: check.message,
      brokerAddr: check.brokerAddr,
      msgId: header.msgId,
      transactionId: check.message.transactionId,
      transactionState: outcome.state,
      fromTransactionCheck: true,
    };
    runEndTransactionHooks(this.hooks, context, this.#logger);
    try {
      await core.api.sendOneway(
        check.brokerAddr,
        buildEndTransactionRequest(header, remark),
        TRANSACTION_PRODUCER_DEFAULTS.checkAnswerTimeoutMillis,
      );
    } catch (err) {
      this.#logger.error(
        { ...where, broker: check.brokerAddr, err: describeError(err) },
        'endTransactionOneway exception',
      );
    }
  }
}
