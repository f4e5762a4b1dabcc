/**
 * Orderly consumption (Java ConsumeMessageOrderlyService): the messages of one queue are handled one
 * batch at a time, in queue-offset order, and only while the queue's broker lock is held and fresh
 * (clustering). One run per message queue at a time, also across its ProcessQueues (a queue dropped
 * and taken again while a batch runs: Java's messageQueueLock). A failed batch (RECONSUME_LATER or
 * SUSPEND_CURRENT_QUEUE_A_MOMENT, a throw) is not sent back: the queue pauses
 * suspendCurrentQueueTimeMillis (clamped to 10 ms..30 s as Java) and the same messages run again,
 * their reconsumeTimes raised, so order is kept across retries. A message
 * that reached maxReconsumeTimes (-1: Integer.MAX_VALUE, Java's orderly default) goes to the DLQ by
 * CONSUMER_SEND_MSG_BACK (delay level -1) and the queue moves on; if that fails it is retried here.
 * A batch the messages() loop abandoned (left, shut down) has no result: it stays held and
 * uncommitted, its reconsumeTimes unchanged, for the next owner.
 * One run of a queue stops after 60 s (Java MAX_TIME_CONSUME_CONTINUOUSLY) to let others run.
 */
import type { Logger } from '../../../common/logger.js';
import { MessageConst } from '../../../protocol/message/index.js';
import { MessageQueue } from '../../message-queue.js';
import { ABANDONED, ConsumeResult, waitForIdle } from './consume-service.js';
import type {
  ConsumeContext,
  ConsumedMessage,
  ConsumeService,
  DirectConsumeResult,
} from './consume-service.js';
import type { ConsumeStats } from './consume-stats.js';
import type { HandlerFor } from './handlers.js';
import type { ConsumeHooks, ConsumeReport } from './consume-hooks.js';
import type { ProcessQueue } from './process-queue.js';
import type { MessageModel } from './push-consumer-options.js';
import { isLockExpired } from './queue-locks.js';
import { MessageQueueLock } from './message-queue-lock.js';

/** Java's answer to pause the queue and retry the same messages (ConsumeOrderlyStatus). */
export const SUSPEND_CURRENT_QUEUE_A_MOMENT = 'SUSPEND_CURRENT_QUEUE_A_MOMENT';

/**
 * How a handler call ended: true consumed, false failed (the batch runs again), ABANDONED not run
 * (the messages() loop ended: no result at all, so no retry count, DLQ or offset either).
 */
type BatchOutcome = boolean | typeof ABANDONED;

const orderlyReport = (outcome: BatchOutcome): ConsumeReport => ({
  success: outcome === true,
  returnType: outcome === true ? 'SUCCESS' : 'FAILED',
});

/** Java ConsumeOrderlyContext: a handler may change the pause of this failure. */
export interface OrderlyConsumeContext extends ConsumeContext {
  /** Pause before the failed batch runs again, ms; -1 (default) uses the consumer option. */
  suspendCurrentQueueTimeMillis: number;
}

const MAX_TIME_CONSUME_CONTINUOUSLY_MILLIS = 60_000;
const INT_MAX = 2_147_483_647;

export interface OrderlyConsumeHost {
  readonly logger: Logger;
  readonly messageModel: MessageModel;
  readonly consumeMessageBatchMaxSize: number;
  readonly suspendCurrentQueueTimeMillis: number;
  /** The consumer's maxReconsumeTimes option (-1: Integer.MAX_VALUE). */
  readonly maxReconsumeTimes: number;
  readonly stats: ConsumeStats;
  handlerFor: HandlerFor;
  /** Interceptors around each handler call (trace, events, OpenTelemetry). */
  readonly hooks?: ConsumeHooks;
  sendMessageBack(msg: ConsumedMessage, delayLevel: number, brokerName: string): Promise<boolean>;
  /** The queue's offset after consumed messages (not increase-only: Java updateOffset(mq, o, false)). */
  updateOffset(pq: ProcessQueue, offset: bigint): void;
  /** Java lockOneMQ; true when the broker lock is held now. */
  lock(pq: ProcessQueue): Promise<boolean>;
}

export class OrderlyConsumeService implements ConsumeService {
  /** ProcessQueues with a run in progress or scheduled: at most one each. */
  private readonly busy = new Set<ProcessQueue>();
  /**
   * Runs of one message queue take turns even across its ProcessQueues: a queue dropped while its
   * handler runs and taken again gets a new one, whose run waits here for the old batch.
   */
  private readonly queueLock = new MessageQueueLock();
  private readonly timers = new Set<NodeJS.Timeout>();
  private active = 0;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly host: OrderlyConsumeHost) {}

  get activeCount(): number {
    return this.active;
  }

  /** Java getMaxReconsumeTimes for orderly consumption. */
  get maxReconsumeTimes(): number {
    return this.host.maxReconsumeTimes === -1 ? INT_MAX : this.host.maxReconsumeTimes;
  }

  submit(_messages: ConsumedMessage[], pq: ProcessQueue): void {
    if (this.stopped || this.busy.has(pq)) return;
    this.busy.add(pq);
    void this.run(pq);
  }

  /** Runs `pq` again after `millis` (the queue stays busy meanwhile: new pulls do not start it). */
  private later(pq: ProcessQueue, millis: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.stopped || pq.dropped) this.busy.delete(pq);
      else void this.run(pq);
    }, millis);
    timer.unref();
    this.timers.add(timer);
  }

  /** Java tryLockLaterAndReconsume. */
  private lockLater(pq: ProcessQueue, millis: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.stopped || pq.dropped) {
        this.busy.delete(pq);
        return;
      }
      void this.host.lock(pq).then(
        (ok) => this.later(pq, ok ? 10 : 3000),
        () => this.later(pq, 3000),
      );
    }, millis);
    timer.unref();
    this.timers.add(timer);
  }

  private needsLock(pq: ProcessQueue): boolean {
    return this.host.messageModel === 'CLUSTERING' && (!pq.locked || isLockExpired(pq));
  }

  /**
   * Java ConsumeRequest.run: batches of the queue until it is empty, fails, or the lock is stale.
   * Holds the message queue (not only this ProcessQueue) meanwhile, as Java's messageQueueLock does.
   */
  private async run(pq: ProcessQueue): Promise<void> {
    const release = await this.queueLock.acquire(pq.mq.key());
    try {
      await this.runHeld(pq);
    } finally {
      release();
    }
  }

  private async runHeld(pq: ProcessQueue): Promise<void> {
    const began = Date.now();
    for (;;) {
      if (this.stopped || pq.dropped) break;
      if (this.needsLock(pq)) return this.lockLater(pq, 10);
      if (Date.now() - began > MAX_TIME_CONSUME_CONTINUOUSLY_MILLIS) return this.later(pq, 10);
      const msgs = pq.peek(this.host.consumeMessageBatchMaxSize);
      if (msgs.length === 0) break;
      const context: OrderlyConsumeContext = {
        messageQueue: pq.mq,
        delayLevelWhenNextConsume: 0,
        ackIndex: Number.MAX_SAFE_INTEGER,
        suspendCurrentQueueTimeMillis: -1,
      };
      const started = Date.now();
      for (const m of msgs) m.properties[MessageConst.PROPERTY_CONSUME_START_TIMESTAMP] = String(started);
      const call = (): Promise<BatchOutcome> => this.callHandler(msgs, context, pq);
      // The queue counts as running until the batch's offset is recorded: a rebalance taking the
      // queue away waits for that before it commits the offset and unlocks the queue, so the next
      // owner starts after a batch the handler consumed, even one that ended after the drop (Java
      // skips that offset: the next owner consumes the batch again).
      let retryAfter: number | undefined;
      let abandoned = false;
      this.active++;
      pq.beginConsume();
      try {
        const ok = await (this.host.hooks?.around(msgs, pq.mq, call, orderlyReport) ?? call());
        if (ok === ABANDONED) {
          abandoned = true; // the consumer is stopping: the batch stays held and uncommitted
        } else {
          if (!pq.dropped) {
            this.host.stats.consumed(
              pq.mq.topic,
              Date.now() - started,
              ok ? msgs.length : 0,
              ok ? 0 : msgs.length,
            );
          }
          if (!ok && !pq.dropped && (await this.mustRetry(msgs, pq))) {
            const asked = context.suspendCurrentQueueTimeMillis;
            retryAfter = asked === -1 ? this.host.suspendCurrentQueueTimeMillis : asked;
          } else if (!pq.dropped || (ok && pq.handingOver)) this.commit(pq, msgs);
        }
      } finally {
        pq.endConsume();
        this.active--; // a shutdown waits for this: the offset is recorded before it commits them all
        if (this.active === 0) for (const w of this.idleWaiters.splice(0)) w();
      }
      if (retryAfter !== undefined) return this.later(pq, Math.min(30_000, Math.max(10, retryAfter)));
      if (pq.dropped || abandoned) break;
    }
    this.busy.delete(pq);
  }

  /** Java ProcessQueue.commit and updateOffset: the offset after the last message of the batch. */
  private commit(pq: ProcessQueue, msgs: readonly ConsumedMessage[]): void {
    pq.removeMessages(msgs);
    const last = msgs[msgs.length - 1] as ConsumedMessage;
    this.host.updateOffset(pq, last.queueOffset + 1n);
  }

  /** True when the handler consumed the batch, ABANDONED when the messages() loop ended without it. */
  private async callHandler(
    msgs: ConsumedMessage[],
    context: OrderlyConsumeContext,
    pq: ProcessQueue,
  ): Promise<BatchOutcome> {
    const first = msgs[0] as ConsumedMessage;
    const handler = this.host.handlerFor(first.topic);
    if (handler === undefined) {
      this.host.logger.warn({ topic: first.topic }, 'no handler for the topic: the queue is suspended');
      return false;
    }
    try {
      const answer = await (handler.kind === 'batch'
        ? handler.fn(msgs, context)
        : handler.fn(first, context));
      if (answer === undefined || answer === ConsumeResult.CONSUME_SUCCESS) return true;
      if ((answer as unknown) === ABANDONED) return ABANDONED;
      if ((answer as string) !== SUSPEND_CURRENT_QUEUE_A_MOMENT && answer !== ConsumeResult.RECONSUME_LATER) {
        this.host.logger.warn(
          { answer: String(answer) },
          'orderly handler answered neither success nor suspend',
        );
      }
      return false;
    } catch (err) {
      this.host.logger.warn(
        { mq: pq.mq.key(), err: String(err) },
        'orderly handler threw: the queue is suspended',
      );
      return false;
    }
  }

  /**
   * Java checkReconsumeTimes: messages at the limit go to the DLQ; the others (and those whose
   * send-back failed) count one more delivery. True when the batch must run again.
   */
  private async mustRetry(msgs: ConsumedMessage[], pq: ProcessQueue): Promise<boolean> {
    let retry = false;
    for (const m of msgs) {
      if (m.reconsumeTimes >= this.maxReconsumeTimes) {
        m.properties[MessageConst.PROPERTY_RECONSUME_TIME] = String(m.reconsumeTimes);
        if (await this.host.sendMessageBack(m, -1, pq.mq.brokerName)) continue;
      }
      retry = true;
      m.reconsumeTimes++;
    }
    return retry;
  }

  onDrop(pq: ProcessQueue): Promise<void> {
    return pq.whenIdle();
  }

  async shutdown(deadline: number): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.busy.clear();
    if (this.active === 0) return;
    await waitForIdle(this.idleWaiters, deadline);
  }

  /** Java consumeMessageDirectly for orderly consumption (order: true, autoCommit: true). */
  async consumeDirectly(message: ConsumedMessage, brokerName: string): Promise<DirectConsumeResult> {
    const context: OrderlyConsumeContext = {
      messageQueue: new MessageQueue(message.topic, brokerName, message.queueId),
      delayLevelWhenNextConsume: 0,
      ackIndex: Number.MAX_SAFE_INTEGER,
      suspendCurrentQueueTimeMillis: -1,
    };
    const started = Date.now();
    const base = { order: true, autoCommit: true };
    const handler = this.host.handlerFor(message.topic);
    try {
      if (handler === undefined) throw new Error(`no handler for topic ${message.topic}`);
      const answer = await (handler.kind === 'batch'
        ? handler.fn([message], context)
        : handler.fn(message, context));
      const spentTimeMills = Date.now() - started;
      if (answer === undefined || answer === ConsumeResult.CONSUME_SUCCESS) {
        return { ...base, consumeResult: 'CR_SUCCESS', remark: '', spentTimeMills };
      }
      return { ...base, consumeResult: 'CR_LATER', remark: '', spentTimeMills };
    } catch (err) {
      const remark = err instanceof Error ? (err.stack ?? err.message) : String(err);
      return { ...base, consumeResult: 'CR_THROW_EXCEPTION', remark, spentTimeMills: Date.now() - started };
    }
  }
}
