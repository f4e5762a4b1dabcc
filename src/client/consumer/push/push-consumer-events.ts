/**
 * The push consumer's events (PushConsumerEvents) and payloads, and the small emitters the rebalance,
 * the pull service and the consume interceptor call. Each emitter asks `listening(name)` before it
 * builds anything, so a consumer nobody observes pays one Map-size check per call.
 */
import type { Logger } from '../../../common/logger.js';
import { EventHub } from '../../events/event-hub.js';
import { codeOf, namesOf } from '../../events/event-types.js';
import type { HeartbeatFailureEvent } from '../../events/event-types.js';
import type { MessageQueue } from '../../message-queue.js';
import type { ConsumeInterceptor, ConsumeReport } from './consume-hooks.js';
import type { ProcessQueue } from './process-queue.js';

/** Events of a push consumer. */
export const PushConsumerEvents = {
  /** The queues this consumer holds of a topic changed (clustering rebalance or broadcasting route). */
  REBALANCE: 'rebalance',
  /** A handler call consumed its batch. */
  CONSUME_SUCCESS: 'consume.success',
  /** A handler call did not (reconsume later, suspend, throw, timeout): the batch is delivered again. */
  CONSUME_FAILURE: 'consume.failure',
  /** A pull failed (it is retried after pullTimeDelayMillsWhenException). */
  PULL_FAILURE: 'pull.failure',
  /**
   * A broker did not take the client instance's heartbeat (ClientEvents.HEARTBEAT_FAILURE, passed on
   * from start() on): a consumer whose heartbeat no broker takes is given no queue.
   */
  HEARTBEAT_FAILURE: 'heartbeat.failure',
} as const;

/** `rebalance`: the queues of one topic this member holds changed (after the new ones are set up). */
export interface RebalanceEvent {
  /** User-view topic (a retry topic as `%RETRY%<group>`). */
  readonly topic: string;
  /** Queues of the topic held before the rebalance. */
  readonly queuesBefore: number;
  /** Queues of the topic held after it. */
  readonly queuesAfter: number;
  /** Queues taken over. */
  readonly added: readonly MessageQueue[];
  /** Queues given up (their in-flight messages finished, offsets committed). */
  readonly removed: readonly MessageQueue[];
}

/** `consume.success`: one handler call succeeded. */
export interface ConsumeEvent {
  /** The queue the messages came from. */
  readonly queue: MessageQueue;
  /** Messages in the handler call. */
  readonly count: number;
  /** How long the handler call took, ms. */
  readonly durationMillis: number;
}

/** `consume.failure`: a handler call failed (its messages are retried). */
export interface ConsumeFailureEvent extends ConsumeEvent {
  /** Java ConsumeReturnType: FAILED (reconsume later / suspend), EXCEPTION, TIME_OUT, RETURNNULL. */
  readonly returnType: ConsumeReport['returnType'];
  /** What the handler threw (EXCEPTION, when known). */
  readonly error?: unknown;
}

/** `pull.failure`: a pull of a queue failed (the queue is pulled again after Java's back-off). */
export interface PushPullFailureEvent {
  /** The queue pulled. */
  readonly queue: MessageQueue;
  /** The offset pulled from. */
  readonly offset: bigint;
  /** How long the pull took before failing, ms. */
  readonly durationMillis: number;
  /** What the pull failed with. */
  readonly error: unknown;
  /** The error's code (RocketMQError.code), -1 when it has none. */
  readonly code: number;
}

/** Each push consumer event name with its payload type (for `consumer.on(name, fn)`). */
export type PushConsumerEventMap = {
  [PushConsumerEvents.REBALANCE]: RebalanceEvent;
  [PushConsumerEvents.CONSUME_SUCCESS]: ConsumeEvent;
  [PushConsumerEvents.CONSUME_FAILURE]: ConsumeFailureEvent;
  [PushConsumerEvents.PULL_FAILURE]: PushPullFailureEvent;
  [PushConsumerEvents.HEARTBEAT_FAILURE]: HeartbeatFailureEvent;
};

/** The event hub of a push consumer. */
export type PushConsumerEventHub = EventHub<PushConsumerEventMap>;

/** A push consumer's event hub, with its event names. */
export function newPushConsumerEventHub(logger: Logger): PushConsumerEventHub {
  return new EventHub(namesOf(PushConsumerEvents), logger);
}

type QueueTable = ReadonlyMap<string, ProcessQueue>;

/** The queues held of `topic` before a rebalance, only when someone listens to `rebalance`. */
export function queuesBeforeRebalance(
  events: PushConsumerEventHub,
  table: QueueTable,
  topic: string,
): MessageQueue[] | undefined {
  if (!events.listening(PushConsumerEvents.REBALANCE)) return undefined;
  return [...table.values()].filter((pq) => pq.mq.topic === topic).map((pq) => pq.mq);
}

export function emitRebalance(
  events: PushConsumerEventHub,
  topic: string,
  before: readonly MessageQueue[] | undefined,
  table: QueueTable,
): void {
  if (before === undefined || !events.listening(PushConsumerEvents.REBALANCE)) return;
  const after = [...table.values()].filter((pq) => pq.mq.topic === topic).map((pq) => pq.mq);
  const beforeKeys = new Set(before.map((q) => q.key()));
  const afterKeys = new Set(after.map((q) => q.key()));
  events.emit(PushConsumerEvents.REBALANCE, {
    topic,
    queuesBefore: before.length,
    queuesAfter: after.length,
    added: after.filter((q) => !beforeKeys.has(q.key())),
    removed: before.filter((q) => !afterKeys.has(q.key())),
  });
}

export function emitPullFailure(
  events: PushConsumerEventHub,
  queue: MessageQueue,
  offset: bigint,
  started: number,
  error: unknown,
): void {
  if (!events.listening(PushConsumerEvents.PULL_FAILURE)) return;
  const durationMillis = Date.now() - started;
  events.emit(PushConsumerEvents.PULL_FAILURE, { queue, offset, durationMillis, error, code: codeOf(error) });
}

/** consume.success / consume.failure around each handler call; passes straight through when unobserved. */
export function consumeEventsInterceptor(events: PushConsumerEventHub): ConsumeInterceptor {
  return async (messages, queue, next) => {
    if (!events.active) return next();
    const started = Date.now();
    const report = await next();
    const base = { queue, count: messages.length, durationMillis: Date.now() - started };
    if (report.success) events.emit(PushConsumerEvents.CONSUME_SUCCESS, base);
    else {
      events.emit(PushConsumerEvents.CONSUME_FAILURE, {
        ...base,
        returnType: report.returnType,
        ...(report.error !== undefined && { error: report.error }),
      });
    }
    return report;
  };
}
