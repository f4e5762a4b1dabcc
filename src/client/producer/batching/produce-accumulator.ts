/**
 * The accumulator of auto-batching (Java 5.x ProduceAccumulator): sends that may be batched are
 * gathered per aggregate key — mode (sync and async batch apart, as Java's two maps), topic, target
 * queue (none, or the one a queue/selector send chose), waitStoreMsgOK and tag, Java's AggregateKey —
 * and leave as one batch request when their bodies exceed batchMaxBytes (checked after each add,
 * Java readyToSend) or batchMaxDelayMs after the first one arrived. Every send settles with its own
 * SendResult, cut from the batch's (split-results.ts), or with the batch's error.
 *
 * Body bytes held in accumulations and in batches not settled yet are counted against
 * totalBatchMaxBytes: once the count reached it, a send goes out alone (Java tryAddMessage: checked
 * before the add, so the count may pass the cap by one body).
 *
 * A message never waits in an accumulation for more than half its send timeout: with a batchMaxDelayMs
 * longer than the timeout (both are the user's), the batch leaves early instead of holding a send
 * until its budget is gone and failing it unsent.
 *
 * A batch whose encoding would pass maxMessageSize (many tiny bodies with long properties) is cut
 * into several requests of at most that size, so the broker never refuses it for its size.
 */
import type { Message } from '../../../protocol/message/index.js';
import type { Clock } from '../../clock.js';
import type { MessageQueue } from '../../message-queue.js';
import type { CommunicationMode } from '../hooks.js';
import type { MessageBatch } from '../message-batch.js';
import { splitIntoBatches } from '../ordered/batch-splitter.js';
import type { SendResult } from '../send-result.js';
import type { AutoBatchConfig } from './auto-batch-options.js';
import { splitBatchResult } from './split-results.js';

/** Sends one batch the ordinary way (retries, hooks, drain), to `queue` when given. */
export type BatchSender = (
  batch: MessageBatch,
  mode: CommunicationMode,
  timeoutMillis: number,
  queue: MessageQueue | undefined,
) => Promise<SendResult | undefined>;

export interface AccumulatorParts {
  readonly config: AutoBatchConfig;
  readonly clock: Clock;
  readonly maxMessageSize: number;
  /** MessageBatch.generate with the producer's namespace, limits and id generator. */
  readonly makeBatch: (messages: readonly Message[]) => MessageBatch;
  readonly sendBatch: BatchSender;
  /** Gives back the backpressure permits a send held (see `add`). */
  readonly release: (permits: number) => void;
}

interface Pending {
  readonly message: Message;
  readonly bodyBytes: number;
  readonly deadline: number;
  readonly heldPermits: number | undefined;
  readonly resolve: (result: SendResult) => void;
  readonly reject: (error: unknown) => void;
}

class Accumulation {
  readonly pending: Pending[] = [];
  bytes = 0;
  timer: NodeJS.Timeout | undefined;
  /** When the timer sends it (clock ms): batchMaxDelayMs after it opened, or earlier (see add). */
  flushAt = Infinity;
  /** Sent (or failed): later messages of the key open a new accumulation. */
  closed = false;

  constructor(
    readonly key: string,
    readonly mode: CommunicationMode,
    readonly topic: string,
    readonly queue: MessageQueue | undefined,
    readonly waitStoreMsgOK: boolean,
    readonly tags: string | undefined,
  ) {}

  /** Whether a message with these traits belongs here (the key, compared without building it). */
  matches(mode: CommunicationMode, message: Message, queue: MessageQueue | undefined): boolean {
    return (
      this.mode === mode &&
      this.topic === message.topic &&
      this.queue === queue &&
      this.waitStoreMsgOK === message.waitStoreMsgOK &&
      this.tags === message.tags
    );
  }
}

/**
 * The settle functions of the promise just made (one executor for every add: a closure per send
 * over the add's variables cost an object and a context per message). The executor runs inside
 * `new Promise`, so they are read right after it.
 */
let settleWith: ((result: SendResult) => void) | undefined;
let failWith: ((error: unknown) => void) | undefined;
function takeSettlers(resolve: (result: SendResult) => void, reject: (error: unknown) => void): void {
  settleWith = resolve;
  failWith = reject;
}

export class ProduceAccumulator {
  readonly #open = new Map<string, Accumulation>();
  /** The accumulation the previous add went to: a producer usually sends alike messages in a row. */
  #last: Accumulation | undefined;
  #heldBytes = 0;

  constructor(private readonly parts: AccumulatorParts) {}

  /** Body bytes in open accumulations and unsettled batches. */
  get heldBytes(): number {
    return this.#heldBytes;
  }

  /** Whether the total budget still has room (Java tryAddMessage: below the cap). */
  hasRoom(): boolean {
    return this.#heldBytes < this.parts.config.totalBatchMaxBytes;
  }

  /**
   * Adds a checked message (UNIQ_KEY set) to its accumulation; settles when its batch does.
   * `queue` is the target queue as the user names it (no namespace), or undefined. `heldPermits`
   * (async backpressure) are given back just before the send settles.
   */
  add(
    message: Message,
    mode: CommunicationMode,
    queue: MessageQueue | undefined,
    timeoutMillis: number,
    heldPermits?: number,
  ): Promise<SendResult> {
    let acc = this.#last;
    if (acc === undefined || acc.closed || !acc.matches(mode, message, queue)) {
      acc = this.#accumulationFor(mode, message, queue);
      this.#last = acc;
    }
    const bodyBytes = message.bodyBytes().length;
    const now = this.parts.clock.now();
    const deadline = now + timeoutMillis;
    const latest = now + timeoutMillis / 2;
    if (latest < acc.flushAt) this.#rearm(acc, latest, now);
    const settled = new Promise<SendResult>(takeSettlers);
    acc.pending.push({ message, bodyBytes, deadline, heldPermits, resolve: settleWith!, reject: failWith! });
    settleWith = failWith = undefined; // they must not keep this send's promise alive
    acc.bytes += bodyBytes;
    this.#heldBytes += bodyBytes;
    if (acc.bytes > this.parts.config.batchMaxBytes) this.#flush(acc);
    return settled;
  }

  #accumulationFor(mode: CommunicationMode, message: Message, queue: MessageQueue | undefined): Accumulation {
    const { topic, waitStoreMsgOK, tags } = message;
    const queueKey = queue === undefined ? '' : queue.toString();
    const key = `${mode}\u0001${topic}\u0001${queueKey}\u0001${String(waitStoreMsgOK)}\u0001${tags ?? ''}`;
    let acc = this.#open.get(key);
    if (acc === undefined) {
      acc = new Accumulation(key, mode, topic, queue, waitStoreMsgOK, tags);
      this.#open.set(key, acc);
      const now = this.parts.clock.now();
      this.#rearm(acc, now + this.parts.config.batchMaxDelayMs, now);
    }
    return acc;
  }

  /** (Re)sets the timer that sends `acc` at `flushAt`. */
  #rearm(acc: Accumulation, flushAt: number, now: number): void {
    clearTimeout(acc.timer);
    acc.flushAt = flushAt;
    acc.timer = setTimeout(() => this.#flush(acc), Math.max(0, flushAt - now));
  }

  /** Sends every open accumulation now (shutdown: nothing waits for its delay any more). */
  flushAll(): void {
    for (const acc of [...this.#open.values()]) this.#flush(acc);
  }

  #flush(acc: Accumulation): void {
    if (acc.closed) return;
    acc.closed = true;
    this.#open.delete(acc.key);
    clearTimeout(acc.timer);
    if (acc.pending.length === 0) return;
    let groups: Pending[][] = [acc.pending];
    let batches: MessageBatch[];
    try {
      batches = [this.parts.makeBatch(acc.pending.map((p) => p.message))];
      if ((batches[0] as MessageBatch).bodyBytes().length > this.parts.maxMessageSize) {
        const cut = splitIntoBatches(
          acc.pending.map((p) => p.message),
          this.parts.maxMessageSize,
        );
        let start = 0;
        groups = cut.map((messages) => acc.pending.slice(start, (start += messages.length)));
        batches = cut.map((messages) => this.parts.makeBatch(messages));
      }
    } catch (error) {
      this.#settle(acc.pending, undefined, error);
      return;
    }
    groups.forEach((group, index) => this.#send(acc, group, batches[index] as MessageBatch));
  }

  #send(acc: Accumulation, group: Pending[], batch: MessageBatch): void {
    // The batch gets the smallest budget left among its messages.
    let deadline = Infinity;
    for (const p of group) deadline = Math.min(deadline, p.deadline);
    const timeout = Math.max(0, deadline - this.parts.clock.now());
    let sending: Promise<SendResult | undefined>;
    try {
      sending = this.parts.sendBatch(batch, acc.mode, timeout, acc.queue);
    } catch (error) {
      sending = Promise.reject(error);
    }
    sending.then(
      (result) => this.#settle(group, result),
      (error: unknown) => this.#settle(group, undefined, error),
    );
  }

  #settle(group: Pending[], result: SendResult | undefined, error?: unknown): void {
    for (const p of group) {
      this.#heldBytes -= p.bodyBytes;
      if (p.heldPermits !== undefined) this.parts.release(p.heldPermits);
    }
    if (result !== undefined) {
      let results: SendResult[];
      try {
        results = splitBatchResult(result, group.length);
      } catch (splitError) {
        for (const p of group) p.reject(splitError);
        return;
      }
      group.forEach((p, i) => p.resolve(results[i] as SendResult));
      return;
    }
    for (const p of group) p.reject(error);
  }
}
