/**
 * TransactionProducer (Java TransactionMQProducer): a Producer that also sends transactional messages.
 *
 * sendMessageInTransaction (Java DefaultMQProducerImpl.sendMessageInTransaction):
 *   1. refuse what Java cannot carry as a half message (a batch; a 5.x timer property: Java's broker
 *      would turn the committed message into a timer message) and ignore a delay level (Java clears it);
 *   2. send the half message synchronously: TRAN_MSG=true and PGROUP=<wire group> added, so the send
 *      path sets the TRANSACTION_PREPARED sysFlag bit. A send that fails throws its own error and no
 *      local transaction runs;
 *   3. SEND_OK: run executeLocalTransaction (message.transactionId = UNIQ_KEY, `__transactionId__` =
 *      the broker's transactionId when it gave one); FLUSH_DISK_TIMEOUT / FLUSH_SLAVE_TIMEOUT /
 *      SLAVE_NOT_AVAILABLE: ROLLBACK_MESSAGE without running it (Java's rule);
 *   4. END_TRANSACTION oneway to the master of the broker that stored the half message (end-transaction.ts);
 *      a failure there is logged, not thrown: the broker will check the transaction.
 *
 * Back-checks (Java checkTransactionState): the client instance routes CHECK_TRANSACTION_STATE of this
 * group here (transaction-check-routing.ts); each check runs on the CheckExecutor (Java's check pool
 * sizes and queue limit) and is answered with END_TRANSACTION fromTransactionCheck=true to the broker
 * it came from. A checker that throws answers UNKNOW with the error as remark (as Java); one that hangs
 * gives its slot back after checkTimeoutMillis and answers nothing.
 *
 * shutdown() refuses new transactions and checks, waits (within its deadline) for the transactions and
 * checks under way so they can still reach the broker, then shuts the Producer down.
 */
import { performance } from 'node:perf_hooks';
import { IllegalArgumentError, IllegalStateError } from '../../../common/errors.js';
import { checkMessage, Message, MessageConst, wrapNamespace } from '../../../protocol/message/index.js';
import type { MessageInit } from '../../../protocol/message/index.js';
import { checkPositiveInt } from '../../client-config.js';
import { instanceCore } from '../../client-instance.js';
import { MessageBatch } from '../message-batch.js';
import { Producer, producerCore } from '../producer.js';
import { ProducerShutdownError } from '../shutdown-errors.js';
import type { ShutdownOptions } from '../producer-shutdown.js';
import { SendStatus } from '../send-result.js';
import type { SendResult } from '../send-result.js';
import {
  buildEndTransactionRequest,
  describeError,
  endHeaderAfterSend,
  LOCAL_EXCEPTION_REMARK,
} from './end-transaction.js';
import { runListener } from './local-transaction.js';
import type { ListenerOutcome } from './local-transaction.js';
import { TransactionChecks } from './transaction-checks.js';
import { resolveTransactionConfig, TRANSACTION_PRODUCER_OPTION_KEYS } from './transaction-options.js';
import type { TransactionConfig, TransactionProducerOptions } from './transaction-options.js';
import { LocalTransactionState, runEndTransactionHooks, TransactionSendResult } from './transaction-types.js';
import type { EndTransactionHook } from './transaction-types.js';

/** 5.x timer properties: a half message must not carry them. */
const TIMER_PROPERTIES = [
  MessageConst.PROPERTY_TIMER_DELIVER_MS,
  MessageConst.PROPERTY_TIMER_DELAY_SEC,
  MessageConst.PROPERTY_TIMER_DELAY_MS,
  MessageConst.PROPERTY_START_DELIVER_TIME,
] as const;

/** A producer of transactional messages (Java TransactionMQProducer): sends a half message, runs the local transaction, commits or rolls back, and answers the broker's transaction checks. */
export class TransactionProducer extends Producer {
  /** @internal */
  protected static override readonly optionKeys: object = TRANSACTION_PRODUCER_OPTION_KEYS;
  /** The resolved transaction options (listener, check concurrency, timeouts). */
  readonly transactionConfig: TransactionConfig;
  readonly #checks: TransactionChecks;
  readonly #endHooks: EndTransactionHook[] = [];
  /** sendMessageInTransaction calls not settled yet (shutdown() waits for them). */
  readonly #transactions = new Set<Promise<unknown>>();
  #closing: Promise<void> | undefined;

  constructor(options: TransactionProducerOptions) {
    super(options);
    this.transactionConfig = resolveTransactionConfig(options);
    this.#checks = new TransactionChecks(
      this.transactionConfig,
      () => producerCore(this),
      this.config.client.logger,
      this.#endHooks,
    );
  }

  /** Observes every END_TRANSACTION this producer sends, after a local transaction or a check (tracing). */
  registerEndTransactionHook(hook: EndTransactionHook): void {
    this.#endHooks.push(hook);
  }

  /** Starts the producer, then registers it to answer the broker's transaction-state checks for its group. */
  override async start(): Promise<void> {
    await super.start();
    const trace = producerCore(this).trace;
    if (trace !== undefined) this.registerEndTransactionHook(trace.endTransactionHook);
    instanceCore(this.instance).transactionTargets.register(
      producerCore(this).wireGroup,
      this.#checks.target,
    );
  }

  /**
   * Refuses new transactions and checks, waits up to `timeoutMillis` (default shutdownTimeoutMillis)
   * for those under way (queued checks are dropped: the broker asks again), then shuts the producer
   * down within what is left of the deadline.
   */
  override shutdown(options: ShutdownOptions = {}): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    if (this.state !== 'RUNNING') return super.shutdown(options);
    const timeoutMillis = options?.timeoutMillis ?? this.config.shutdownTimeoutMillis;
    try {
      checkPositiveInt('timeoutMillis of shutdown()', timeoutMillis, true);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    this.#closing = this.#close(timeoutMillis);
    return this.#closing;
  }

  async #close(timeoutMillis: number): Promise<void> {
    const begin = performance.now();
    const core = producerCore(this);
    const left = (): number => Math.max(0, Math.floor(timeoutMillis - (performance.now() - begin)));
    if (this.#transactions.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, left())));
      await Promise.race([Promise.allSettled([...this.#transactions]), deadline]);
      clearTimeout(timer);
    }
    const dropped = await this.#checks.close(left());
    if (dropped > 0 || this.#checks.runningCount > 0 || this.#transactions.size > 0) {
      core.logger.warn(
        {
          group: core.wireGroup,
          droppedChecks: dropped,
          checksRunning: this.#checks.runningCount,
          transactionsUnderWay: this.#transactions.size,
        },
        'transaction producer shut down with work left: the brokers will check those transactions',
      );
    }
    // Checks arriving meanwhile were refused by the closed pool (and logged as such).
    instanceCore(this.instance).transactionTargets.unregister(core.wireGroup, this.#checks.target);
    await super.shutdown({ timeoutMillis: left() });
  }

  /**
   * Sends `message` as a half message, runs the listener's executeLocalTransaction(message, arg) and
   * ends the transaction with its state. Resolves with the half message's result and that state;
   * rejects (without running the local transaction) when the half message could not be sent.
   */
  override sendMessageInTransaction(
    message: Message | MessageInit,
    arg?: unknown,
  ): Promise<TransactionSendResult> {
    if (this.#closing !== undefined) {
      return Promise.reject(this.#shutdownError());
    }
    const call = this.#sendInTransaction(message, arg);
    this.#transactions.add(call);
    const forget = (): void => void this.#transactions.delete(call);
    call.then(forget, forget);
    return call;
  }

  async #sendInTransaction(message: Message | MessageInit, arg: unknown): Promise<TransactionSendResult> {
    const core = producerCore(this);
    const msg = toHalfMessage(message);
    const wireTopic = wrapNamespace(this.config.client.namespace, msg?.topic);
    if (this.state !== 'RUNNING') {
      throw new IllegalStateError(
        `The producer service state not OK, ${this.state} (${this.state === 'CREATE_JUST' ? 'call start() first' : 'create a new producer'})`,
      );
    }
    checkMessage(
      { topic: wireTopic, body: msg.body, properties: msg.properties },
      this.config.maxMessageSize,
    );
    // Java: "ignore DelayTimeLevel parameter".
    msg.clearProperty(MessageConst.PROPERTY_DELAY_TIME_LEVEL);
    msg.putProperty(MessageConst.PROPERTY_TRANSACTION_PREPARED, 'true');
    msg.putProperty(MessageConst.PROPERTY_PRODUCER_GROUP, core.wireGroup);
    const sendResult = await this.send(msg);
    let outcome: ListenerOutcome = { state: LocalTransactionState.UNKNOW };
    switch (sendResult.sendStatus) {
      case SendStatus.SEND_OK: {
        if (sendResult.transactionId !== undefined) {
          msg.putProperty(MessageConst.PROPERTY_TRANSACTION_ID, sendResult.transactionId);
        }
        const uniqueKey = msg.getProperty(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX);
        if (uniqueKey !== undefined && uniqueKey !== '') msg.transactionId = uniqueKey;
        const listener = this.transactionConfig.transactionListener;
        outcome = await runListener(
          'executeLocalTransaction',
          () => listener.executeLocalTransaction(msg, arg),
          core.logger,
          this.transactionConfig.localTransactionTimeoutMillis,
        );
        if (outcome.state !== LocalTransactionState.COMMIT_MESSAGE) {
          core.logger.info(
            {
              state: outcome.state,
              topic: msg.topic,
              transactionId: msg.transactionId,
              ...(outcome.error !== undefined && { err: describeError(outcome.error) }),
            },
            'executeLocalTransactionBranch did not commit',
          );
        }
        break;
      }
      case SendStatus.FLUSH_DISK_TIMEOUT:
      case SendStatus.FLUSH_SLAVE_TIMEOUT:
      case SendStatus.SLAVE_NOT_AVAILABLE:
        outcome = { state: LocalTransactionState.ROLLBACK_MESSAGE };
        break;
    }
    await this.#endTransaction(msg, wireTopic, sendResult, outcome);
    return new TransactionSendResult({
      ...sendResult,
      transactionId: sendResult.transactionId ?? sendResult.msgId,
      localTransactionState: outcome.state,
    });
  }

  /** Java endTransaction; never throws (the broker checks a transaction whose end was lost). */
  async #endTransaction(
    msg: Message,
    wireTopic: string,
    sendResult: SendResult,
    outcome: ListenerOutcome,
  ): Promise<void> {
    const core = producerCore(this);
    const brokerName = sendResult.messageQueue.brokerName;
    try {
      const brokerAddr = core.instance.findBrokerAddressInPublish(brokerName);
      const context = {
        producerGroup: core.wireGroup,
        message: msg,
        brokerAddr,
        msgId: sendResult.msgId,
        transactionId: msg.transactionId,
        transactionState: outcome.state,
        fromTransactionCheck: false,
      };
      runEndTransactionHooks(this.#endHooks, context, core.logger);
      if (brokerAddr === undefined) throw new Error(`no master address of broker ${brokerName}`);
      const header = endHeaderAfterSend(wireTopic, core.wireGroup, sendResult, outcome.state);
      const remark =
        outcome.error === undefined ? undefined : LOCAL_EXCEPTION_REMARK + describeError(outcome.error);
      const request = buildEndTransactionRequest(header, remark);
      await core.api.sendOneway(brokerAddr, request, this.config.sendMsgTimeout);
    } catch (err) {
      core.logger.warn(
        { state: outcome.state, msgId: sendResult.msgId, broker: brokerName, err: describeError(err) },
        'local transaction executed, but ending it on the broker failed (the broker will check it)',
      );
    }
  }

  #shutdownError(): ProducerShutdownError {
    return new ProducerShutdownError(
      `The transaction producer is ${this.state === 'RUNNING' ? 'shutting down' : this.state}: new transactions are refused`,
    );
  }
}

/** Java's class name, for readers coming from the Java client. */
export const TransactionMQProducer = TransactionProducer;
export type TransactionMQProducer = TransactionProducer;

/** The message of a transactional send, or an IllegalArgumentError for what cannot be one. */
function toHalfMessage(message: Message | MessageInit): Message {
  if (message instanceof MessageBatch || Array.isArray(message)) {
    throw new IllegalArgumentError(
      'a transactional message can not be sent as a batch: call sendMessageInTransaction once per message',
    );
  }
  const msg =
    message instanceof Message || message === null || message === undefined ? message : new Message(message);
  if (msg === null || msg === undefined) {
    throw new IllegalArgumentError('the message is null: pass a message to sendMessageInTransaction');
  }
  for (const name of TIMER_PROPERTIES) {
    if (msg.getProperty(name) !== undefined) {
      throw new IllegalArgumentError(
        `a transactional message can not be a timer message (property ${name}): send it without a delivery time`,
      );
    }
  }
  return msg;
}
