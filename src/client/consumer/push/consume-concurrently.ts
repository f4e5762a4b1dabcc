/**
 * Concurrent consumption (Java ConsumeMessageConcurrentlyService): batches of pulled messages run on
 * the handler with at most consumeThreadMax calls at once. A failure (RECONSUME_LATER, a throw, or
 * consumeTimeout passed) sends the message back to the broker (CONSUMER_SEND_MSG_BACK, retry topic
 * then DLQ); a message whose send-back fails stays held and runs again here 5 s later with its
 * reconsume times raised. Consumed messages leave their ProcessQueue and the queue's offset moves to
 * the smallest message still held.
 */
import type { Logger } from '../../../common/logger.js';
import { MessageConst } from '../../../protocol/message/index.js';
import { MessageQueue } from '../../message-queue.js';
import { ABANDONED, ConsumeResult, waitForIdle } from './consume-service.js';
import type {
  ConsumeContext,
  ConsumedMessage,
  ConsumeOutcome,
  ConsumeService,
  DirectConsumeResult,
} from './consume-service.js';
import type { ProcessQueue } from './process-queue.js';
import type { ConsumeStats } from './consume-stats.js';
import type { HandlerFor } from './handlers.js';
import type { ConsumeHooks, ConsumeReport } from './consume-hooks.js';
import type { MessageModel } from './push-consumer-options.js';

export interface ConcurrentConsumeHost {
  readonly logger: Logger;
  readonly messageModel: MessageModel;
  readonly consumeThreadMax: number;
  readonly consumeMessageBatchMaxSize: number;
  readonly consumeTimeoutMillis: number;
  readonly localRetryDelayMillis: number;
  readonly stats: ConsumeStats;
  handlerFor: HandlerFor;
  /** Interceptors around each handler call (trace, events, OpenTelemetry). */
  readonly hooks?: ConsumeHooks;
  /** CONSUMER_SEND_MSG_BACK; false when it failed (the message is then retried locally). */
  sendMessageBack(msg: ConsumedMessage, delayLevel: number, brokerName: string): Promise<boolean>;
  /** The queue's offset moved (consumed messages left the ProcessQueue). */
  updateOffset(pq: ProcessQueue, offset: bigint): void;
}

/** How a handler call ended, for the interceptors (messages the iterator never handed out: not consumed). */
function toReport(r: {
  result: ConsumeResult | typeof ABANDONED;
  outcome: ConsumeOutcome;
  error?: unknown;
}): ConsumeReport {
  if (r.result === ABANDONED) return { success: false, returnType: 'FAILED' };
  const report = { success: r.result === ConsumeResult.CONSUME_SUCCESS, returnType: r.outcome };
  return r.error === undefined ? report : { ...report, error: r.error };
}

interface ConsumeRequest {
  msgs: ConsumedMessage[];
  pq: ProcessQueue;
}

export class ConcurrentConsumeService implements ConsumeService {
  /** Requests waiting for a slot, from `waitingHead` on (shift() on a long array copies it). */
  private waiting: ConsumeRequest[] = [];
  private waitingHead = 0;
  private active = 0;
  private stopped = false;
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly host: ConcurrentConsumeHost) {}

  get activeCount(): number {
    return this.active;
  }

  get waitingCount(): number {
    return this.waiting.length - this.waitingHead;
  }

  private nextWaiting(): ConsumeRequest | undefined {
    if (this.waitingHead >= this.waiting.length) return undefined;
    const r = this.waiting[this.waitingHead++];
    if (this.waitingHead > 1024 && this.waitingHead * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.waitingHead);
      this.waitingHead = 0;
    }
    return r;
  }

  submit(messages: ConsumedMessage[], pq: ProcessQueue): void {
    if (this.stopped) return;
    for (const msgs of this.split(messages)) this.waiting.push({ msgs, pq });
    this.drain();
  }

  /** Batches of one topic each (a retry queue mixes topics), at most the handler's batch size. */
  private split(messages: ConsumedMessage[]): ConsumedMessage[][] {
    const out: ConsumedMessage[][] = [];
    let batch: ConsumedMessage[] = [];
    for (const m of messages) {
      const max = this.host.handlerFor(m.topic)?.kind === 'batch' ? this.host.consumeMessageBatchMaxSize : 1;
      if (batch.length > 0 && (batch.length >= max || batch[0]?.topic !== m.topic)) {
        out.push(batch);
        batch = [];
      }
      batch.push(m);
    }
    if (batch.length > 0) out.push(batch);
    return out;
  }

  private drain(): void {
    while (!this.stopped && this.active < this.host.consumeThreadMax) {
      const request = this.nextWaiting();
      if (request === undefined) return;
      // A dropped queue's waiting messages are not delivered (Java ConsumeRequest.run returns).
      if (request.pq.dropped) continue;
      this.active++;
      request.pq.beginConsume();
      void this.run(request).finally(() => {
        this.active--;
        request.pq.endConsume();
        if (this.active === 0) for (const w of this.idleWaiters.splice(0)) w();
        this.drain();
      });
    }
  }

  private async run({ msgs, pq }: ConsumeRequest): Promise<void> {
    const context: ConsumeContext = {
      messageQueue: pq.mq,
      delayLevelWhenNextConsume: 0,
      ackIndex: Number.MAX_SAFE_INTEGER,
    };
    const started = Date.now();
    for (const m of msgs) m.properties[MessageConst.PROPERTY_CONSUME_START_TIMESTAMP] = String(started);
    const { result, outcome } = await (this.host.hooks?.around(
      msgs,
      pq.mq,
      () => this.callHandler(msgs, context),
      toReport,
    ) ?? this.callHandler(msgs, context));
    if (result === ABANDONED) return;
    this.host.stats.consumed(
      pq.mq.topic,
      Date.now() - started,
      result === ConsumeResult.CONSUME_SUCCESS ? msgs.length : 0,
      result === ConsumeResult.CONSUME_SUCCESS ? 0 : msgs.length,
    );
    if (outcome !== 'SUCCESS') {
      this.host.logger.debug({ mq: pq.mq.key(), outcome, count: msgs.length }, 'messages to reconsume later');
    }
    await this.processResult(result, context, msgs, pq);
  }

  /** Runs the handler; a throw, a bad answer or consumeTimeout passed mean RECONSUME_LATER. */
  private async callHandler(
    msgs: ConsumedMessage[],
    context: ConsumeContext,
  ): Promise<{ result: ConsumeResult | typeof ABANDONED; outcome: ConsumeOutcome; error?: unknown }> {
    const first = msgs[0] as ConsumedMessage;
    const handler = this.host.handlerFor(first.topic);
    if (handler === undefined) {
      this.host.logger.warn({ topic: first.topic }, 'no handler for the topic: messages reconsumed later');
      return { result: ConsumeResult.RECONSUME_LATER, outcome: 'RETURNNULL' };
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'TIME_OUT'>((resolve) => {
      timer = setTimeout(() => resolve('TIME_OUT'), this.host.consumeTimeoutMillis);
      timer.unref();
    });
    try {
      const call = Promise.resolve().then(() =>
        handler.kind === 'batch' ? handler.fn(msgs, context) : handler.fn(first, context),
      );
      const answer = await Promise.race([call, timeout]);
      if (answer === 'TIME_OUT') {
        call.catch(() => undefined);
        this.host.logger.warn({ topic: first.topic, count: msgs.length }, 'handler passed consumeTimeout');
        return { result: ConsumeResult.RECONSUME_LATER, outcome: 'TIME_OUT' };
      }
      if ((answer as unknown) === ABANDONED) return { result: ABANDONED, outcome: 'SUCCESS' };
      if (answer === undefined || answer === ConsumeResult.CONSUME_SUCCESS) {
        return { result: ConsumeResult.CONSUME_SUCCESS, outcome: 'SUCCESS' };
      }
      if (answer === ConsumeResult.RECONSUME_LATER) return { result: answer, outcome: 'FAILED' };
      this.host.logger.warn(
        { answer: String(answer) },
        'handler answered neither CONSUME_SUCCESS nor RECONSUME_LATER',
      );
      return { result: ConsumeResult.RECONSUME_LATER, outcome: 'RETURNNULL' };
    } catch (err) {
      this.host.logger.warn(
        { topic: first.topic, err: String(err) },
        'handler threw: messages reconsumed later',
      );
      return { result: ConsumeResult.RECONSUME_LATER, outcome: 'EXCEPTION', error: err };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Java processConsumeResult. */
  private async processResult(
    result: ConsumeResult,
    context: ConsumeContext,
    msgs: ConsumedMessage[],
    pq: ProcessQueue,
  ): Promise<void> {
    let ackIndex = -1;
    if (result === ConsumeResult.CONSUME_SUCCESS)
      ackIndex = Math.min(Math.max(context.ackIndex, -1), msgs.length - 1);
    const failed = msgs.slice(ackIndex + 1);
    const retryHere: ConsumedMessage[] = [];
    if (failed.length > 0 && this.host.messageModel === 'BROADCASTING') {
      for (const m of failed)
        this.host.logger.warn({ msgId: m.msgId }, 'BROADCASTING, the message consume failed, drop it');
    } else if (failed.length > 0) {
      const sent = await Promise.all(
        failed.map((m) => this.host.sendMessageBack(m, context.delayLevelWhenNextConsume, pq.mq.brokerName)),
      );
      failed.forEach((m, i) => {
        if (sent[i]) return;
        m.reconsumeTimes++;
        retryHere.push(m);
      });
    }
    const done = retryHere.length === 0 ? msgs : msgs.filter((m) => !retryHere.includes(m));
    const offset = pq.removeMessages(done);
    if (offset >= 0n) this.host.updateOffset(pq, offset);
    if (retryHere.length > 0) this.submitLater(retryHere, pq);
  }

  /** Java submitConsumeRequestLater: the messages stay held and run again after 5 s. */
  private submitLater(msgs: ConsumedMessage[], pq: ProcessQueue): void {
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      if (!pq.dropped) this.submit(msgs, pq);
    }, this.host.localRetryDelayMillis);
    timer.unref();
    this.retryTimers.add(timer);
  }

  onDrop(pq: ProcessQueue): Promise<void> {
    return pq.whenIdle();
  }

  async shutdown(deadline: number): Promise<void> {
    this.stopped = true;
    this.waiting = [];
    this.waitingHead = 0;
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    if (this.active === 0) return;
    await waitForIdle(this.idleWaiters, deadline);
  }

  /** Java consumeMessageDirectly for concurrent consumption. */
  async consumeDirectly(message: ConsumedMessage, brokerName: string): Promise<DirectConsumeResult> {
    const context: ConsumeContext = {
      messageQueue: new MessageQueue(message.topic, brokerName, message.queueId),
      delayLevelWhenNextConsume: 0,
      ackIndex: Number.MAX_SAFE_INTEGER,
    };
    const started = Date.now();
    const base = { order: false, autoCommit: true };
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
      if (answer === ConsumeResult.RECONSUME_LATER)
        return { ...base, consumeResult: 'CR_LATER', remark: '', spentTimeMills };
      return { ...base, consumeResult: 'CR_RETURN_NULL', remark: 'Consume Result is null', spentTimeMills };
    } catch (err) {
      const remark = err instanceof Error ? (err.stack ?? err.message) : String(err);
      return { ...base, consumeResult: 'CR_THROW_EXCEPTION', remark, spentTimeMills: Date.now() - started };
    }
  }
}
