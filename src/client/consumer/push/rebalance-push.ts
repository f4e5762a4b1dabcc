/**
 * Queue assignment of a push consumer (Java RebalanceImpl + RebalancePushImpl). For each subscribed
 * topic: the readable queues (sorted) and the group's client ids (GET_CONSUMER_LIST_BY_GROUP, sorted)
 * go through the allocation strategy (clustering; broadcasting takes every queue). Queues no longer
 * assigned, or whose pull loop stalled for 2 minutes, are retired: no more pulls, waiting messages
 * not delivered, running handler calls finished (bounded by awaitTerminationMillisWhenShutdown),
 * then the offset committed and forgotten. New queues start at computePullFromWhere. Runs never
 * overlap: a request during a run runs once more afterwards. Orderly: a new queue is taken only with
 * its broker lock; when another member still holds it, the rebalance runs again 500 ms later.
 */
import type { MessageQueue } from '../../message-queue.js';
import type { Logger } from '../../../common/logger.js';
import type { SubscriptionData } from '../../../protocol/body/index.js';
import { isRetryTopic, wrapNamespace } from '../../../protocol/message/index.js';
import type { InstanceCore } from '../../instance-core.js';
import type { ConsumerOffsets } from '../offsets/consumer-offsets.js';
import type { ConsumeService } from './consume-service.js';
import type { OffsetStore } from './offset-store.js';
import { ProcessQueue } from './process-queue.js';
import type { PullService } from './pull-service.js';
import type { PushConsumerAPI } from './push-api.js';
import type { PushConsumerConfig } from './push-consumer-options.js';
import type { QueueLocks } from './queue-locks.js';
import { allocateOnWireTopics } from '../allocate/allocate-on-wire.js';
import { emitRebalance, queuesBeforeRebalance, type PushConsumerEventHub } from './push-consumer-events.js';

/** Java ProcessQueue PULL_MAX_IDLE_TIME (rocketmq.client.pull.pullMaxIdleTime default). */
export const PULL_MAX_IDLE_TIME_MILLIS = 120_000;
/**
 * Orderly: a rebalance that could not lock every queue it was given runs again this much later (Java
 * 5.x rebalanceLater(500)), not only at the next rebalanceInterval: the previous owner releases a
 * queue once its running batch ends, and the queue would sit idle until then.
 */
export const REBALANCE_LATER_MILLIS = 500;

export interface RebalanceHost {
  readonly config: PushConsumerConfig;
  readonly logger: Logger;
  readonly wireGroup: string;
  readonly offsetStore: OffsetStore;
  readonly offsets: ConsumerOffsets;
  readonly consumeService: ConsumeService;
  readonly pullService: PullService;
  /** Broker queue locks of an orderly clustering consumer. */
  readonly queueLocks: QueueLocks | undefined;
  /** User-view topic -> subscription (the retry topic included in clustering). */
  readonly subscriptions: ReadonlyMap<string, SubscriptionData>;
  /** User-view topic -> readable queues of the last route. */
  readonly subscribeInfo: ReadonlyMap<string, MessageQueue[]>;
  running(): { core: InstanceCore; pushApi: PushConsumerAPI };
  readonly events: PushConsumerEventHub;
}

export class RebalancePush {
  /** Queue key -> the queue this consumer pulls and consumes. */
  readonly processQueueTable = new Map<string, ProcessQueue>();
  /** Queue key -> retirement in progress (the queue is taken again only after it). */
  private readonly retiring = new Map<string, Promise<void>>();
  /** The queues of `retiring`: their offsets are still this consumer's to commit (see retiringQueues). */
  private readonly handingOver = new Map<string, MessageQueue>();
  /** Retired queues: late results no longer move the offset. */
  private readonly retired = new WeakSet<ProcessQueue>();
  private current: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  /** The rebalance scheduled after a queue lock was refused (one at a time). */
  private laterTimer: NodeJS.Timeout | undefined;

  constructor(private readonly host: RebalanceHost) {}

  /** True while `pq` may still move its queue's offset. */
  owns(pq: ProcessQueue): boolean {
    return !this.retired.has(pq);
  }

  /** Runs a rebalance now, or once more after the one running. */
  rebalance(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.current !== undefined) {
      this.again = true;
      return this.current;
    }
    this.current = (async () => {
      do {
        this.again = false;
        await this.doRebalance();
      } while (this.again && !this.stopped);
    })().finally(() => (this.current = undefined));
    return this.current;
  }

  private async doRebalance(): Promise<void> {
    for (const topic of this.host.subscriptions.keys()) {
      if (this.stopped) return;
      try {
        await this.rebalanceByTopic(topic);
      } catch (err) {
        if (!isRetryTopic(topic)) this.host.logger.warn({ topic, err: String(err) }, 'rebalance failed');
      }
    }
    // Java truncateMessageQueueNotMyTopic.
    for (const pq of this.processQueueTable.values()) {
      if (!this.host.subscriptions.has(pq.mq.topic)) this.retire(pq);
    }
  }

  private async rebalanceByTopic(topic: string): Promise<void> {
    let mqSet = this.host.subscribeInfo.get(topic);
    if (mqSet === undefined) {
      // No route yet (a retry topic the broker created at the first heartbeat, a topic created after
      // start): ask the name server now rather than wait for the periodic route refresh.
      const { core } = this.host.running();
      await core.updateTopicRouteInfoFromNameServer(wrapNamespace(this.host.config.client.namespace, topic));
      mqSet = this.host.subscribeInfo.get(topic);
    }
    if (mqSet === undefined) {
      if (!isRetryTopic(topic)) this.host.logger.warn({ topic }, 'rebalance: no route for the topic yet');
      return;
    }
    let allocated: MessageQueue[];
    if (this.host.config.messageModel === 'BROADCASTING') {
      allocated = [...mqSet];
    } else {
      const cidAll = await this.findConsumerIdList(topic);
      if (cidAll.length === 0 || mqSet.length === 0) return;
      const mqAll = [...mqSet].sort(compareQueues);
      cidAll.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const { core } = this.host.running();
      const { allocateMessageQueueStrategy: strategy, client } = this.host.config;
      allocated = allocateOnWireTopics(
        strategy,
        client.namespace,
        this.host.wireGroup,
        core.clientId,
        mqAll,
        cidAll,
      );
    }
    const before = queuesBeforeRebalance(this.host.events, this.processQueueTable, topic);
    if (await this.updateProcessQueueTable(topic, allocated)) {
      emitRebalance(this.host.events, topic, before, this.processQueueTable);
      this.host.logger.info(
        { topic, queues: allocated.map((q) => q.key()) },
        'rebalance changed the queues of this consumer',
      );
      await this.host.running().core.sendHeartbeatToAllBrokers();
    }
  }

  /** GET_CONSUMER_LIST_BY_GROUP to one broker of the topic (Java findConsumerIdList). */
  private async findConsumerIdList(topic: string): Promise<string[]> {
    const { core, pushApi } = this.host.running();
    const wireTopic = wrapNamespace(this.host.config.client.namespace, topic);
    let addr = brokerAddrOfTopic(core, wireTopic);
    if (addr === undefined) {
      await core.updateTopicRouteInfoFromNameServer(wireTopic);
      addr = brokerAddrOfTopic(core, wireTopic);
    }
    if (addr === undefined) return [];
    return pushApi.getConsumerIdListByGroup(
      addr,
      this.host.wireGroup,
      this.host.config.client.mqClientApiTimeout,
    );
  }

  /** Java updateProcessQueueTableInRebalance; true when the set of queues changed. */
  private async updateProcessQueueTable(topic: string, mqSet: readonly MessageQueue[]): Promise<boolean> {
    const wanted = new Map(mqSet.map((q) => [q.key(), q]));
    let changed = false;
    for (const [key, pq] of this.processQueueTable) {
      if (pq.mq.topic !== topic) continue;
      if (!wanted.has(key)) {
        this.retire(pq);
        changed = true;
      } else if (pq.isPullExpired(PULL_MAX_IDLE_TIME_MILLIS)) {
        this.host.logger.warn({ mq: key }, 'the pull of the queue stalled: taking it again');
        this.retire(pq);
        changed = true;
      }
    }
    for (const [key, mq] of wanted) {
      if (this.processQueueTable.has(key) || this.stopped) continue;
      await this.retiring.get(key);
      if (this.processQueueTable.has(key) || this.stopped) continue;
      // Orderly: a queue is taken only once its broker lock is held (Java RebalanceImpl.lock).
      const pq = new ProcessQueue(mq);
      if (this.host.queueLocks !== undefined && !(await this.host.queueLocks.lock(mq, pq))) {
        this.host.logger.info(
          { mq: key, retryMillis: REBALANCE_LATER_MILLIS },
          'queue locked by another member, trying again soon',
        );
        this.rebalanceLater();
        continue;
      }
      this.host.offsetStore.removeOffset(mq);
      const next = await this.computePullFromWhere(mq);
      if (next < 0n || this.stopped || this.processQueueTable.has(key)) {
        if (next < 0n)
          this.host.logger.warn({ mq: key }, 'no start offset for the queue, retrying at the next rebalance');
        continue;
      }
      this.processQueueTable.set(key, pq);
      this.host.pullService.start(pq, next);
      changed = true;
    }
    return changed;
  }

  /** Java RebalancePushImpl.computePullFromWhereWithException (5.3.x); -1 when it cannot be known. */
  async computePullFromWhere(mq: MessageQueue): Promise<bigint> {
    const { offsetStore, offsets, config } = this.host;
    const last = await offsetStore.readOffset(mq, 'READ_FROM_STORE');
    if (last >= 0n) return last;
    if (last !== -1n) return -1n;
    try {
      switch (config.consumeFromWhere) {
        case 'CONSUME_FROM_FIRST_OFFSET':
          return 0n;
        case 'CONSUME_FROM_TIMESTAMP':
          return isRetryTopic(mq.topic)
            ? await offsets.max(mq)
            : await offsets.search(mq, config.consumeTimestamp);
        default:
          return isRetryTopic(mq.topic) ? 0n : await offsets.max(mq);
      }
    } catch (err) {
      this.host.logger.warn({ mq: mq.key(), err: String(err) }, 'computing the start offset failed');
      return -1n;
    }
  }

  /**
   * Drops a queue now; its offset (or `resetTo`, a reset by an admin) is committed once its running
   * handler calls ended.
   */
  retire(pq: ProcessQueue, resetTo?: bigint): Promise<void> {
    const key = pq.mq.key();
    pq.handingOver = true;
    pq.dropped = true;
    if (this.processQueueTable.get(key) === pq) this.processQueueTable.delete(key);
    this.handingOver.set(key, pq.mq);
    const deadline = this.host.config.awaitTerminationMillisWhenShutdown;
    const work = (async () => {
      await withDeadline(this.host.consumeService.onDrop(pq), deadline);
      // Orderly: the queue stays locked and its offset open until no batch runs on it (no deadline:
      // the lock was only released then anyway), so the offset committed below covers every batch
      // its handler consumed and the next owner does not consume one of them again.
      if (this.host.queueLocks !== undefined) await pq.whenIdle();
      this.retired.add(pq);
      if (resetTo !== undefined) this.host.offsetStore.updateOffset(pq.mq, resetTo, false);
      await this.host.offsetStore.persist(pq.mq);
      this.host.offsetStore.removeOffset(pq.mq);
      if (this.host.queueLocks !== undefined) await this.host.queueLocks.unlock([pq.mq], [pq]);
    })().finally(() => {
      if (this.retiring.get(key) === work) {
        this.retiring.delete(key);
        this.handingOver.delete(key);
      }
    });
    this.retiring.set(key, work);
    return work;
  }

  /**
   * Queues taken away whose offset is not committed yet (their retire waits for a running batch): a
   * periodic commit must keep their offsets, or a batch failing meanwhile leaves none to commit.
   */
  retiringQueues(): MessageQueue[] {
    return [...this.handingOver.values()];
  }

  /** Java MQClientInstance.rebalanceLater: one more rebalance after REBALANCE_LATER_MILLIS. */
  private rebalanceLater(): void {
    if (this.stopped || this.laterTimer !== undefined) return;
    this.laterTimer = setTimeout(() => {
      this.laterTimer = undefined;
      this.rebalance().catch((err: unknown) =>
        this.host.logger.warn({ err: String(err) }, 'rebalance failed'),
      );
    }, REBALANCE_LATER_MILLIS);
    this.laterTimer.unref();
  }

  /** Stops rebalancing; the queues stay until the consumer commits and drops them. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.laterTimer);
    this.laterTimer = undefined;
  }

  /** Waits for a rebalance in progress and for queues being retired. */
  async settle(): Promise<void> {
    await this.current;
    await Promise.all(this.retiring.values());
  }

  /** Drops every queue (shutdown, after offsets were committed). */
  dropAll(): void {
    for (const pq of this.processQueueTable.values()) {
      pq.dropped = true;
      this.retired.add(pq);
    }
    this.processQueueTable.clear();
  }
}

/** Java MessageQueue.compareTo: topic, then broker name, then queue id. */
export function compareQueues(a: MessageQueue, b: MessageQueue): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  if (a.brokerName !== b.brokerName) return a.brokerName < b.brokerName ? -1 : 1;
  return a.queueId - b.queueId;
}

/** A random broker of the topic's route, its master when it has one (Java findBrokerAddrByTopic). */
function brokerAddrOfTopic(core: InstanceCore, wireTopic: string): string | undefined {
  const route = core.getAnExistTopicRouteData(wireTopic);
  const brokers = route?.brokerDatas ?? [];
  if (brokers.length === 0) return undefined;
  const bd = brokers[Math.floor(Math.random() * brokers.length)];
  if (bd === undefined) return undefined;
  const addrs = bd.brokerAddrs;
  const master = addrs.get(0);
  if (master !== undefined) return master;
  const all = [...addrs.values()];
  return all[Math.floor(Math.random() * all.length)];
}

async function withDeadline(work: Promise<void>, millis: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, millis)))]);
  clearTimeout(timer);
}
