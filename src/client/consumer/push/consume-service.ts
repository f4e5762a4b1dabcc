/**
 * What the push consumer hands pulled messages to (Java ConsumeMessageService): concurrent
 * consumption here, orderly consumption on top. The handler types users write live here too.
 */
import type { DirectConsumeResult } from '../../client-members.js';
import type { MessageQueue } from '../../message-queue.js';
import type { PulledMessage } from '../shared/pull-result.js';
import type { ProcessQueue } from './process-queue.js';

/** What a handler answers (Java ConsumeConcurrentlyStatus). */
export const ConsumeResult = {
  CONSUME_SUCCESS: 'CONSUME_SUCCESS',
  /** Deliver again later: sent back to the group's retry topic with the next delay level. */
  RECONSUME_LATER: 'RECONSUME_LATER',
} as const;
export type ConsumeResult = (typeof ConsumeResult)[keyof typeof ConsumeResult];

/** A message as a push consumer delivers it (its real topic restored for a retried message). */
export type ConsumedMessage = PulledMessage;

/** Java ConsumeConcurrentlyContext. */
export interface ConsumeContext {
  /** The queue the messages came from. */
  readonly messageQueue: MessageQueue;
  /** Delay level of the send-back on failure: 0 lets the broker choose (3 + reconsume times), -1 goes to the DLQ. */
  delayLevelWhenNextConsume: number;
  /** Batch handlers returning success: only messages up to this index count as consumed. */
  ackIndex: number;
}

/**
 * A handler answers success by returning nothing or CONSUME_SUCCESS; RECONSUME_LATER, throwing or
 * running past consumeTimeout deliver the message again later.
 */
export type MessageHandler = (
  message: ConsumedMessage,
  context: ConsumeContext,
) => ConsumeResult | void | Promise<ConsumeResult | void>;

/** Consumes up to consumeMessageBatchMaxSize messages of one queue at once; the answer covers the batch (up to `context.ackIndex` on success). */
export type BatchHandler = (
  messages: ConsumedMessage[],
  context: ConsumeContext,
) => ConsumeResult | void | Promise<ConsumeResult | void>;

/** How one delivery ended (Java ConsumeReturnType, plus abandoned: not run at all). */
export type ConsumeOutcome = 'SUCCESS' | 'FAILED' | 'EXCEPTION' | 'TIME_OUT' | 'RETURNNULL';

export interface ConsumeService {
  /** Hands freshly pulled messages of `pq` to consumption (Java submitConsumeRequest). */
  submit(messages: ConsumedMessage[], pq: ProcessQueue, dispatchToConsume: boolean): void;
  /** `pq` left this consumer: waiting messages are not delivered; resolves once its running calls ended. */
  onDrop(pq: ProcessQueue): Promise<void>;
  /** Stops delivering; waits for running handler calls until `deadline` (ms since the epoch). */
  shutdown(deadline: number): Promise<void>;
  /** Handler calls running now. */
  readonly activeCount: number;
  /** Java ConsumeMessageDirectly: runs the handler on one message outside any queue. */
  consumeDirectly(message: ConsumedMessage, brokerName: string): Promise<DirectConsumeResult>;
}

export type { DirectConsumeResult };

/**
 * Internal answer of the async iterator for messages it never handed out (the loop ended): they stay
 * held, are neither committed nor sent back, and go to the next owner of the queue.
 */
export const ABANDONED: unique symbol = Symbol('abandoned');

/**
 * Shutdown of a consume service: resolves once the running handler calls are done (an idle waiter is
 * called) or at `deadline` (epoch ms), whichever comes first.
 */
export async function waitForIdle(idleWaiters: (() => void)[], deadline: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    new Promise<void>((resolve) => idleWaiters.push(resolve)),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now())))),
  ]);
  clearTimeout(timer);
}
