/**
 * The `for await` face of a push consumer: the iterator is the consumer's handler. Each message
 * waits in line until the loop takes it; asking for the next one answers success for the previous
 * one unless `nack()` was called on it (then it is delivered again later, like RECONSUME_LATER).
 * Leaving the loop (break, return, throw) shuts the consumer down; the message in hand (unless
 * `ack()`ed) and those still in line are not consumed and their offsets are not committed: the next
 * owner of their queues gets them again.
 */
import { ABANDONED, ConsumeResult } from './consume-service.js';
import type { ConsumedMessage } from './consume-service.js';

type Answer = ConsumeResult | typeof ABANDONED;

interface Delivery {
  msg: ConsumedMessage;
  answer: (a: Answer) => void;
  nacked: boolean;
}

/** The `for await` form of a push consumer (from `consumer.messages()`): taking the next message acknowledges the previous one unless `nack()` was called; leaving the loop shuts the consumer down. */
export class PushMessageIterator implements AsyncIterableIterator<ConsumedMessage> {
  private readonly line: Delivery[] = [];
  private current: Delivery | undefined;
  private wake: (() => void) | undefined;
  private ended = false;

  constructor(private readonly stopConsumer: () => Promise<void>) {}

  /** The consumer's handler: resolves when the loop has moved past the message. */
  readonly handler = (msg: ConsumedMessage): Promise<ConsumeResult> =>
    new Promise<Answer>((answer) => {
      if (this.ended) return answer(ABANDONED);
      this.line.push({ msg, answer, nacked: false });
      this.wake?.();
    }) as Promise<ConsumeResult>;

  /** Marks the message the loop holds as failed: it is delivered again later. */
  nack(): void {
    if (this.current !== undefined) this.current.nacked = true;
  }

  /** Answers success for the message the loop holds now (before leaving the loop, say). */
  ack(): void {
    this.settleCurrent();
  }

  private settleCurrent(): void {
    const c = this.current;
    this.current = undefined;
    c?.answer(c.nacked ? ConsumeResult.RECONSUME_LATER : ConsumeResult.CONSUME_SUCCESS);
  }

  /** Acknowledges the message in hand (unless nacked) and waits for the next one; done once the consumer stopped. */
  async next(): Promise<IteratorResult<ConsumedMessage, undefined>> {
    this.settleCurrent();
    for (;;) {
      const d = this.line.shift();
      if (d !== undefined) {
        this.current = d;
        return { value: d.msg, done: false };
      }
      if (this.ended) return { value: undefined, done: true };
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }

  /** The consumer stopped: messages in line stay unconsumed; the loop ends once it asks again. */
  end(): void {
    this.ended = true;
    for (const d of this.line.splice(0)) d.answer(ABANDONED);
    this.wake?.();
  }

  /** Leaves the loop: the message in hand and those in line are not consumed, and the consumer shuts down. */
  async return(): Promise<IteratorResult<ConsumedMessage, undefined>> {
    this.current?.answer(ABANDONED);
    this.current = undefined;
    this.end();
    await this.stopConsumer();
    return { value: undefined, done: true };
  }

  /** Like `return()`, then rethrows `err`. */
  async throw(err?: unknown): Promise<IteratorResult<ConsumedMessage, undefined>> {
    await this.return();
    throw err;
  }

  /** The iterator itself (it is iterated once). */
  [Symbol.asyncIterator](): this {
    return this;
  }
}
