/**
 * Sends trace records off the send path (Java AsyncTraceDispatcher, 5.3.3 behaviour):
 *
 * - `append` only queues (bounded, 2048 contexts like Java); when the queue is full the context is
 *   dropped and counted — tracing never fails or slows the traced call.
 * - A batch (up to `batchNum` contexts, Java traceMsgBatchNum: default 10, at most 20) leaves as soon
 *   as that many are queued, or `flushIntervalMillis` after the first one queued.
 * - A batch is grouped by the traced topic (Java keys its map by topic + trace topic); each group's
 *   records are concatenated into trace messages of at most ~maxMsgSize characters (Java: 128000,
 *   checked after each record is appended), each carrying as KEYS the msgIds and message keys of its
 *   records, so that a query by key on the trace topic finds the trace of a message.
 * - Sends are async through the internal producer; a failure is logged and counted, never retried.
 * - `shutdown(timeoutMillis)` sends everything queued, waits for the sends in flight within the
 *   bound, then stops the sender.
 */
import type { Logger } from '../../common/logger.js';
import { encodeTraceContext } from '../../protocol/body/trace-data.js';
import type { TraceContext } from '../../protocol/body/trace-data.js';
import { Message } from '../../protocol/message/index.js';

/** What sends trace messages (the internal producer). */
export interface TraceSender {
  send(message: Message): Promise<unknown>;
  shutdown(): Promise<void>;
}

export interface TraceDispatcherOptions {
  traceTopic: string;
  /** Contexts per batch; default 10, capped at 20 (Java). */
  batchNum?: number;
  /** Longest wait of a queued context before its batch leaves, ms. Default 1000. */
  flushIntervalMillis?: number;
  queueCapacity?: number;
  maxMsgSize?: number;
  logger: Logger;
}

export interface TraceDispatcherStats {
  /** Contexts dropped because the queue was full (or the dispatcher stopped). */
  readonly dropped: number;
  /** Trace messages sent / failed. */
  readonly sent: number;
  readonly failed: number;
  readonly queued: number;
}

export const TRACE_MAX_MSG_SIZE = 128_000;

export class AsyncTraceDispatcher {
  readonly traceTopic: string;
  private readonly queue: TraceContext[] = [];
  private readonly batchNum: number;
  private readonly flushIntervalMillis: number;
  private readonly capacity: number;
  private readonly maxMsgSize: number;
  private readonly logger: Logger;
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private counts = { dropped: 0, sent: 0, failed: 0 };

  constructor(
    private readonly sender: TraceSender,
    options: TraceDispatcherOptions,
  ) {
    this.traceTopic = options.traceTopic;
    this.batchNum = Math.max(1, Math.min(options.batchNum ?? 10, 20));
    this.flushIntervalMillis = options.flushIntervalMillis ?? 1000;
    this.capacity = options.queueCapacity ?? 2048;
    this.maxMsgSize = options.maxMsgSize ?? TRACE_MAX_MSG_SIZE;
    this.logger = options.logger;
  }

  get stats(): TraceDispatcherStats {
    return { ...this.counts, queued: this.queue.length };
  }

  /** Queues a context; false (and counted) when the queue is full or the dispatcher stopped. */
  append(ctx: TraceContext): boolean {
    if (this.stopped || this.queue.length >= this.capacity) {
      if (++this.counts.dropped % 1000 === 1) {
        this.logger.warn({ dropped: this.counts.dropped }, 'trace queue full: trace contexts dropped');
      }
      return false;
    }
    this.queue.push(ctx);
    if (this.queue.length >= this.batchNum) {
      this.flushBatch();
    } else if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flushAll();
      }, this.flushIntervalMillis);
      this.timer.unref();
    }
    return true;
  }

  /** Sends everything queued now, in batches. */
  flushAll(): void {
    while (this.queue.length > 0) this.flushBatch();
  }

  /** Sends what is queued, waits up to `timeoutMillis` for the sends in flight, stops the sender. */
  async shutdown(timeoutMillis = 5000): Promise<void> {
    if (this.stopped) return;
    this.flushAll();
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    let deadline: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.inFlight]),
      new Promise<void>((resolve) => (deadline = setTimeout(resolve, timeoutMillis))),
    ]);
    clearTimeout(deadline);
    if (this.inFlight.size > 0) {
      this.logger.warn({ pending: this.inFlight.size }, 'trace sends still in flight at shutdown');
    }
    await this.sender.shutdown();
  }

  private flushBatch(): void {
    const batch = this.queue.splice(0, this.batchNum);
    if (this.queue.length === 0 && this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const byTopic = new Map<string, TraceContext[]>();
    for (const ctx of batch) {
      const topic = ctx.traceBeans[0]?.topic;
      if (topic === undefined) continue;
      const list = byTopic.get(topic);
      if (list === undefined) byTopic.set(topic, [ctx]);
      else list.push(ctx);
    }
    for (const contexts of byTopic.values()) this.sendGroup(contexts);
  }

  private sendGroup(contexts: TraceContext[]): void {
    let data = '';
    let keys = new Set<string>();
    for (const ctx of contexts) {
      const encoded = encodeTraceContext(ctx);
      data += encoded.data;
      for (const k of encoded.keys) keys.add(k);
      if (data.length >= this.maxMsgSize) {
        this.sendData(data, keys);
        data = '';
        keys = new Set();
      }
    }
    if (data.length > 0) this.sendData(data, keys);
  }

  private sendData(data: string, keys: Set<string>): void {
    const message = new Message({ topic: this.traceTopic, body: Buffer.from(data, 'utf8') });
    const keyList = [...keys].filter((k) => k !== '');
    if (keyList.length > 0) message.keys = keyList;
    const sending: Promise<void> = this.sender.send(message).then(
      () => {
        this.counts.sent++;
      },
      (err: unknown) => {
        this.counts.failed++;
        this.logger.warn({ traceTopic: this.traceTopic, err: String(err) }, 'sending trace data failed');
      },
    );
    this.inFlight.add(sending);
    void sending.finally(() => this.inFlight.delete(sending));
  }
}
