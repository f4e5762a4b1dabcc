/**
 * The pull loop of a push consumer (Java PullMessageService + DefaultMQPushConsumerImpl.pullMessage):
 * one sequential loop per assigned queue. Each round checks flow control (cached count and MiB per
 * queue, the offset span for concurrent consumption: 50 ms pause when over), long-polls the broker
 * (brokerSuspendMaxTimeMillis hold, consumerTimeoutMillisWhenSuspend timeout, the in-memory offset
 * committed on the way), hands found messages to consumption and goes on at nextBeginOffset. A failed
 * pull waits pullTimeDelayMillsWhenException; an illegal offset drops the queue, fixes its offset and
 * lets the next rebalance take it again.
 */
import type { Logger } from '../../../common/logger.js';
import type { SubscriptionData } from '../../../protocol/body/index.js';
import { MessageConst, withoutNamespace } from '../../../protocol/message/index.js';
import type { InstanceCore } from '../../instance-core.js';
import type { MessageQueue } from '../../message-queue.js';
import type { ConsumerAPI } from '../shared/consumer-api.js';
import { queueTarget, resolveBrokerAddr } from '../shared/consumer-routing.js';
import { processPullResult } from '../shared/pull-processing.js';
import { PullStatus, buildPullSysFlag } from '../shared/pull-result.js';
import type { ConsumedMessage, ConsumeService } from './consume-service.js';
import type { ConsumeStats } from './consume-stats.js';
import type { OffsetStore } from './offset-store.js';
import type { ProcessQueue } from './process-queue.js';
import type { PushConsumerConfig } from './push-consumer-options.js';
import { PUSH_CONSUMER_DEFAULTS } from './push-consumer-options.js';
import { emitPullFailure, type PushConsumerEventHub } from './push-consumer-events.js';

export interface PullServiceHost {
  readonly config: PushConsumerConfig;
  readonly logger: Logger;
  readonly wireGroup: string;
  readonly stats: ConsumeStats;
  readonly offsetStore: OffsetStore;
  readonly consumeService: ConsumeService;
  /** The running instance and API (throws once the consumer stopped). */
  running(): { core: InstanceCore; api: ConsumerAPI };
  /** The subscription of a (user-view) topic, with its wire topic. */
  subscriptionOf(topic: string): SubscriptionData | undefined;
  /** Per-queue flow-control limits of a topic (pullThresholdFor/SizeForTopic split over its queues). */
  thresholdsOf(topic: string): { count: number; sizeMiB: number };
  /** Consumption paused by the user (Java suspend). */
  readonly paused: boolean;
  /** An illegal offset dropped the queue: forget it so the next rebalance takes it again. */
  removeProcessQueue(mq: MessageQueue): void;
  readonly events: PushConsumerEventHub;
}

/** Java's delay before an OFFSET_ILLEGAL queue's offset is fixed and the queue removed. */
const OFFSET_ILLEGAL_DELAY_MILLIS = 10_000;

export class PullService {
  private stopped = false;
  private readonly sleepers = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  /** Queue key -> broker id the last pull suggested. */
  private readonly pullFromWhichNode = new Map<string, number>();
  /** Times a pull was held back by flow control (Java queueFlowControlTimes + queueMaxSpanFlowControlTimes). */
  flowControlTimes = 0;

  constructor(private readonly host: PullServiceHost) {}

  /** Starts the pull loop of a queue from `nextOffset`. */
  start(pq: ProcessQueue, nextOffset: bigint): void {
    void this.loop(pq, nextOffset).catch((err: unknown) =>
      this.host.logger.error({ mq: pq.mq.key(), err: String(err) }, 'pull loop ended unexpectedly'),
    );
  }

  stop(): void {
    this.stopped = true;
    for (const s of this.sleepers) {
      clearTimeout(s.timer);
      s.wake();
    }
    this.sleepers.clear();
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.sleepers.delete(entry);
          resolve();
        }, ms),
        wake: resolve,
      };
      this.sleepers.add(entry);
    });
  }

  private async loop(pq: ProcessQueue, firstOffset: bigint): Promise<void> {
    const request = { nextOffset: firstOffset };
    while (!this.stopped && !pq.dropped) {
      const delay = await this.pullOnce(pq, request);
      if (delay === 'stop') return;
      await this.sleep(delay);
    }
  }

  /** One round; the pause before the next, or 'stop'. */
  private async pullOnce(pq: ProcessQueue, request: { nextOffset: bigint }): Promise<number | 'stop'> {
    const { host } = this;
    const c = host.config;
    const d = PUSH_CONSUMER_DEFAULTS;
    const mq = pq.mq;
    pq.lastPullTimestamp = Date.now();
    if (host.paused) return d.suspendDelayMillis;
    const limits = host.thresholdsOf(mq.topic);
    if (pq.msgCount > limits.count || pq.msgSizeInMiB > limits.sizeMiB) {
      this.flowControlTimes++;
      return d.flowControlDelayMillis;
    }
    if (!c.orderly && pq.maxSpan > BigInt(c.consumeConcurrentlyMaxSpan)) {
      this.flowControlTimes++;
      return d.flowControlDelayMillis;
    }
    // Orderly clustering: no pull while the broker lock is not held (Java: later, 3 s).
    if (c.orderly && c.messageModel === 'CLUSTERING' && !pq.locked) return c.pullTimeDelayMillsWhenException;
    const subscription = host.subscriptionOf(mq.topic);
    if (subscription === undefined) {
      host.logger.warn({ mq: mq.key() }, 'no subscription for the queue, pulling later');
      return c.pullTimeDelayMillsWhenException;
    }
    const started = Date.now();
    let result;
    try {
      const { core, api } = host.running();
      const target = queueTarget(c.client.namespace, mq);
      const commitOffset =
        c.messageModel === 'CLUSTERING' ? await host.offsetStore.readOffset(mq, 'READ_FROM_MEMORY') : 0n;
      const addr = await resolveBrokerAddr(core, target, this.pullFromWhichNode.get(target.key) ?? 0);
      const raw = await api.pullMessage(
        addr,
        {
          consumerGroup: host.wireGroup,
          topic: target.topic,
          queueId: mq.queueId,
          queueOffset: request.nextOffset,
          maxMsgNums: c.pullBatchSize,
          sysFlag: buildPullSysFlag({ commitOffset: commitOffset > 0n, suspend: true, subscription: true }),
          commitOffset: commitOffset > 0n ? commitOffset : 0n,
          suspendTimeoutMillis: c.brokerSuspendMaxTimeMillis,
          subscription: subscription.subString,
          subVersion: subscription.subVersion,
          expressionType: subscription.expressionType,
          bname: mq.brokerName,
        },
        c.consumerTimeoutMillisWhenSuspend,
      );
      this.pullFromWhichNode.set(target.key, raw.suggestWhichBrokerId);
      result = processPullResult(raw, subscription, { brokerName: mq.brokerName, logger: host.logger });
    } catch (err) {
      if (this.stopped || pq.dropped) return 'stop';
      host.logger.warn({ mq: mq.key(), err: String(err) }, 'pull failed, retrying later');
      emitPullFailure(host.events, mq, request.nextOffset, started, err);
      return c.pullTimeDelayMillsWhenException;
    }
    if (this.stopped || pq.dropped) return 'stop';
    host.stats.pulled(mq.topic, Date.now() - started, result.msgFoundList.length);
    switch (result.pullStatus) {
      case PullStatus.FOUND: {
        request.nextOffset = result.nextBeginOffset;
        const msgs = result.msgFoundList.map((m) => this.prepare(m));
        if (msgs.length === 0) return 0;
        const dispatch = pq.putMessages(msgs);
        host.consumeService.submit(msgs, pq, dispatch);
        return c.pullInterval;
      }
      case PullStatus.NO_NEW_MSG:
      case PullStatus.NO_MATCHED_MSG:
        request.nextOffset = result.nextBeginOffset;
        // Java correctTagsOffset: nothing held, so the offset may move past filtered entries.
        if (pq.msgCount === 0) host.offsetStore.updateOffset(mq, request.nextOffset, true);
        return 0;
      case PullStatus.OFFSET_ILLEGAL: {
        host.logger.warn(
          { mq: mq.key(), offset: String(request.nextOffset), next: String(result.nextBeginOffset) },
          'the pull offset is illegal',
        );
        pq.dropped = true;
        const next = result.nextBeginOffset;
        const timer = setTimeout(() => {
          host.offsetStore.updateOffset(mq, next, false);
          void host.offsetStore.persist(mq).finally(() => host.removeProcessQueue(mq));
        }, OFFSET_ILLEGAL_DELAY_MILLIS);
        timer.unref();
        return 'stop';
      }
      default:
        return 0;
    }
  }

  /** Java resetRetryAndNamespace: a retried message shows its real topic; namespaces are removed. */
  private prepare(m: ConsumedMessage): ConsumedMessage {
    const ns = this.host.config.client.namespace;
    const retryTopic = m.properties[MessageConst.PROPERTY_RETRY_TOPIC];
    if (retryTopic !== undefined && m.topic === `%RETRY%${this.host.wireGroup}`) m.topic = retryTopic;
    if (ns) m.topic = withoutNamespace(m.topic, ns);
    return m;
  }
}
