/**
 * One pull of a PullConsumer (Java DefaultMQPullConsumerImpl.pullSyncImpl): checks, the broker
 * address (the broker id the last pull of the queue suggested), PULL_MESSAGE, decoding and tag
 * filtering. Aborted by `options.signal` at once (AbortError, nothing left in the response table);
 * reports the pull and pull.failure events when someone listens.
 */
import { IllegalArgumentError } from '../../../common/errors.js';
import { throwIfAborted } from '../../../common/abort-error.js';
import { abortableRequest } from '../../abortable.js';
import type { EventHub } from '../../events/event-hub.js';
import { codeOf } from '../../events/event-types.js';
import { PullConsumerEvents } from './pull-consumer-events.js';
import type { PullConsumerEventMap } from './pull-consumer-events.js';
import type { InstanceCore } from '../../instance-core.js';
import type { MessageQueue } from '../../message-queue.js';
import type { ConsumerAPI, InvokeWrapper } from '../shared/consumer-api.js';
import { queueTarget, resolveBrokerAddr, toOffset } from '../shared/consumer-routing.js';
import { processPullResult } from '../shared/pull-processing.js';
import { buildPullSysFlag } from '../shared/pull-result.js';
import type { PullResult } from '../shared/pull-result.js';
import { buildSubscription } from '../shared/subscription.js';
import type { SubscriptionExpression } from '../shared/subscription.js';
import { checkPullMillis } from './pull-consumer-options.js';
import type { PullConsumerConfig, PullOptions } from './pull-consumer-options.js';

export interface PullContext {
  readonly api: ConsumerAPI;
  readonly instance: InstanceCore;
  readonly config: PullConsumerConfig;
  /** Consumer group with the namespace applied. */
  readonly group: string;
  /** Queue key -> broker id suggested by the last pull. */
  readonly pullFromWhichNode: Map<string, number>;
  readonly events: EventHub<PullConsumerEventMap>;
}

const { PULL, PULL_FAILURE } = PullConsumerEvents;

export async function pullOnce(
  ctx: PullContext,
  mq: MessageQueue,
  subExpression: SubscriptionExpression | undefined,
  offset: bigint | number,
  maxNums: number,
  options: PullOptions,
): Promise<PullResult> {
  const signal = options.signal;
  throwIfAborted(signal, 'pull');
  const { api, instance, config: c } = ctx;
  const namespace = c.client.namespace;
  const queueOffset = toOffset('offset', offset);
  if (!Number.isInteger(maxNums) || maxNums <= 0)
    throw new IllegalArgumentError(`maxNums must be a positive integer, got ${maxNums}`);
  const ref = queueTarget(namespace, mq);
  const subscription = buildSubscription(ref.topic, subExpression);
  const block = options.block ?? false;
  const timeout =
    options.timeoutMillis ?? (block ? c.consumerTimeoutMillisWhenSuspend : c.consumerPullTimeoutMillis);
  const suspendMillis = options.suspendMillis ?? c.brokerSuspendMaxTimeMillis;
  checkPullMillis('timeoutMillis', timeout);
  checkPullMillis('suspendMillis', suspendMillis);
  const observed = ctx.events.active;
  const begin = observed ? performance.now() : 0;
  let addr = '';
  try {
    addr = await resolveBrokerAddr(instance, ref, ctx.pullFromWhichNode.get(ref.key) ?? 0);
    throwIfAborted(signal, 'pull');
    const around: InvokeWrapper | undefined =
      signal && ((request, invoke) => abortableRequest(instance, signal, 'pull', addr, request, invoke));
    const raw = await api.pullMessage(
      addr,
      {
        consumerGroup: ctx.group,
        topic: ref.topic,
        queueId: mq.queueId,
        queueOffset,
        maxMsgNums: maxNums,
        sysFlag: buildPullSysFlag({ suspend: block, subscription: true }),
        commitOffset: 0n,
        suspendTimeoutMillis: suspendMillis,
        subscription: subscription.subString,
        subVersion: 0,
        expressionType: subscription.expressionType,
        bname: mq.brokerName,
      },
      timeout,
      around,
    );
    ctx.pullFromWhichNode.set(ref.key, raw.suggestWhichBrokerId);
    const result = processPullResult(raw, subscription, {
      brokerName: mq.brokerName,
      namespace,
      logger: instance.logger,
    });
    if (observed && ctx.events.listening(PULL)) {
      const durationMillis = performance.now() - begin;
      ctx.events.emit(PULL, { queue: mq, offset: queueOffset, brokerAddr: addr, durationMillis, result });
    }
    return result;
  } catch (error) {
    if (observed && ctx.events.listening(PULL_FAILURE)) {
      const durationMillis = performance.now() - begin;
      ctx.events.emit(PULL_FAILURE, {
        queue: mq,
        offset: queueOffset,
        durationMillis,
        error,
        code: codeOf(error),
      });
    }
    throw error;
  }
}
