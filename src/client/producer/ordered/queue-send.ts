/**
 * Sends aimed at one queue (Java DefaultMQProducerImpl send(msg, mq, ...) and sendSelectImpl, both
 * ending in sendKernelImpl). The queue is fixed: a failure is never retried on another queue, which
 * is what keeps a sharding key's messages in order.
 *
 *   SYNC, ONEWAY  one attempt; its error as it is (broker answer, timeout, connect failure, and
 *                 "The broker[X] not exist" when the route has no master for the queue's broker even
 *                 after a route refresh)
 *   ASYNC         transport failures without an answer (timeout, connect, write) are retried to the
 *                 same queue, up to retryTimesWhenSendAsyncFailed times while budget is left (Java's
 *                 onExceptionImpl with no publish info: "send to the same broker"); a broker's answer
 *                 is final
 *
 * A selector send first reads the route, hands the selector the writable queues without the
 * namespace (Java parsePublishMessageQueues), checks that its choice is one of them, then sends to
 * it as above. One time budget covers the route lookup, the choice and every attempt.
 * `runQueueSend` is the one entry for internal callers (request-reply reuses it).
 */
import { RemotingTooMuchRequestError } from '../../../common/errors.js';
import { withoutNamespace, wrapNamespace } from '../../../protocol/message/index.js';
import type { Message } from '../../../protocol/message/index.js';
import { MessageQueue } from '../../message-queue.js';
import type { ProducerCore } from '../producer-core.js';
import { attemptSendAsPromise } from '../send/send-attempt.js';
import type { SendCall } from '../send/send-call.js';
import { findRoute } from '../send/send-loop.js';
import { asyncPolicy, SendBudget } from '../send/send-policy.js';
import type { SendResult } from '../send-result.js';
import { QueueSelectionError, QueueTargetError } from './queue-errors.js';
import type { MessageQueueSelector } from './selectors.js';

/** Where a send goes: a given queue (its topic without the namespace), or a selector's choice. */
export type QueueTarget =
  { readonly queue: MessageQueue } | { readonly selector: MessageQueueSelector; readonly arg: unknown };

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The queue a caller passed, checked: a (topic, brokerName, queueId) with a non-negative int id. */
function checkedQueue(queue: unknown): MessageQueue {
  const q = queue as Partial<MessageQueue> | null | undefined;
  if (
    q === null ||
    typeof q !== 'object' ||
    typeof q.topic !== 'string' ||
    typeof q.brokerName !== 'string' ||
    q.brokerName === '' ||
    !Number.isInteger(q.queueId) ||
    (q.queueId as number) < 0
  ) {
    throw new QueueTargetError(
      'the target queue must be a MessageQueue (topic, brokerName, queueId >= 0): take one from fetchPublishMessageQueues()',
    );
  }
  return new MessageQueue(q.topic, q.brokerName, q.queueId as number);
}

/**
 * The queue of `target` with the namespace applied to its topic (Java queueWithNamespace), after the
 * checks Java makes: the message's topic must be the queue's.
 */
export function wireQueueOf(queue: unknown, message: Message, namespace: string | undefined): MessageQueue {
  const q = checkedQueue(queue);
  const wireTopic = wrapNamespace(namespace, q.topic);
  if (wireTopic !== wrapNamespace(namespace, message.topic)) {
    throw new QueueTargetError(
      `message's topic not equal mq's topic: message topic ${message.topic}, queue topic ${q.topic} (send to a queue of the message's topic)`,
    );
  }
  return new MessageQueue(wireTopic, q.brokerName, q.queueId);
}

/** Reads the route and asks the selector; returns the chosen queue as it is on the wire. */
export async function selectQueue(
  host: ProducerCore,
  message: Message,
  wireTopic: string,
  selector: MessageQueueSelector,
  arg: unknown,
): Promise<MessageQueue> {
  if (typeof selector !== 'function') {
    throw new QueueTargetError('the selector must be a function (queues, message, arg) => MessageQueue');
  }
  const info = await findRoute(host, wireTopic);
  const namespace = host.config.client.namespace;
  const wireQueues = info.messageQueueList;
  const queues = wireQueues.map(
    (q) => new MessageQueue(withoutNamespace(q.topic, namespace), q.brokerName, q.queueId),
  );
  let chosen: MessageQueue | null | undefined;
  try {
    chosen = selector(queues, message, arg);
  } catch (err) {
    throw new QueueSelectionError('threw', `select message queue threw exception: ${describe(err)}`, err);
  }
  if (chosen === null || chosen === undefined) {
    throw new QueueSelectionError(
      'returned-nothing',
      'select message queue return null. (the selector must return one of the queues it was given)',
    );
  }
  const index = queues.findIndex((q) => q.equals(chosen));
  if (index < 0) {
    throw new QueueSelectionError(
      'not-in-route',
      `the selector returned ${String(chosen)}, which is not a writable queue of ${message.topic} (${queues.length} queues: return one of those given)`,
    );
  }
  return wireQueues[index] as MessageQueue;
}

/** Runs one send call aimed at `target` (see the file header). */
export async function runQueueSend(
  host: ProducerCore,
  call: SendCall,
  wireTopic: string,
  target: QueueTarget,
  timeoutMillis: number,
): Promise<SendResult | undefined> {
  const budget = new SendBudget(host.clock, timeoutMillis);
  const mq =
    'queue' in target
      ? wireQueueOf(target.queue, call.message, host.config.client.namespace)
      : await selectQueue(host, call.message, wireTopic, target.selector, target.arg);
  if (call.abandoned !== undefined) throw call.abandoned;
  return sendToFixedQueue(host, call, mq, budget);
}

/** The attempts of a send to one queue (`mq` as on the wire): never another queue. */
export async function sendToFixedQueue(
  host: ProducerCore,
  call: SendCall,
  mq: MessageQueue,
  budget: SendBudget,
): Promise<SendResult | undefined> {
  const async = call.mode === 'ASYNC';
  const policy = asyncPolicy({ maxAttempts: 1 + host.config.retryTimesWhenSendAsyncFailed });
  // Async prepares once and runs the hooks once per call: they finish with whatever it settles with.
  const settle = (result: SendResult | undefined, error?: unknown): void => {
    call.finishHooks(host, call.first?.hookContext, result, error);
    call.first = undefined;
  };
  for (let attempts = 1; ; attempts++) {
    const remaining = budget.remaining();
    if (remaining < 0) {
      const error = new RemotingTooMuchRequestError(
        `call timeout: ${budget.elapsed()}ms of the ${budget.timeoutMillis}ms budget used before attempt ${attempts} to ${String(mq)}`,
      );
      settle(undefined, error);
      throw error;
    }
    const begin = host.clock.now();
    const outcome = await attemptSendAsPromise(host, call, mq, remaining, async);
    if (call.abandoned !== undefined) throw call.abandoned;
    // As Java: only the async path reports to the fault strategy (sync sendKernelImpl does not).
    if (async) host.updateFaultItem(mq.brokerName, host.clock.now() - begin, !outcome.ok);
    if (outcome.ok) {
      settle(outcome.result);
      return outcome.result;
    }
    const state = { attempts, remaining: budget.remaining(), hasEarlierResult: false };
    if (async && policy.decide(outcome, state) === 'retry') {
      host.logger.warn(
        { retry: attempts, queue: String(mq), err: describe(outcome.error) },
        'async send to a fixed queue failed, retrying the same queue',
      );
      continue;
    }
    settle(undefined, outcome.error);
    throw outcome.error;
  }
}
