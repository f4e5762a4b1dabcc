/**
 * The working parts of a PushConsumer wired together: offset store, consume service, pull service,
 * rebalance and the member the client instance sees, plus the calls between them (send-back, offset
 * moves, flow-control limits, admin requests). PushConsumer holds one and drives its lifecycle.
 */
import { ClientErrorCode, MQClientError } from '../../../common/errors.js';
import type { Logger } from '../../../common/logger.js';
import type { SubscriptionData } from '../../../protocol/body/index.js';
import type { MessageExt } from '../../../protocol/message/index.js';
import { wrapNamespace } from '../../../protocol/message/index.js';
import type { ClientInstance } from '../../client-instance.js';
import type { RunningInfoTables } from '../../client-members.js';
import type { InstanceCore } from '../../instance-core.js';
import type { MessageQueue } from '../../message-queue.js';
import { ConsumerOffsets } from '../offsets/consumer-offsets.js';
import { ConsumerAPI } from '../shared/consumer-api.js';
import { ConcurrentConsumeService } from './consume-concurrently.js';
import { OrderlyConsumeService } from './consume-orderly.js';
import type { ConsumedMessage, ConsumeService, DirectConsumeResult } from './consume-service.js';
import { QueueLocks } from './queue-locks.js';
import { LocalFileOffsetStore } from '../offsets/local-file-offset-store.js';
import { withoutNamespace } from '../../../protocol/message/index.js';
import { ConsumeStats } from './consume-stats.js';
import { ConsumeHooks } from './consume-hooks.js';
import { newPushConsumerEventHub, type PushConsumerEventHub } from './push-consumer-events.js';
import type { HandlerFor } from './handlers.js';
import { RemoteBrokerOffsetStore } from './offset-store.js';
import type { OffsetStore } from './offset-store.js';
import type { ProcessQueue } from './process-queue.js';
import { PullService } from './pull-service.js';
import { PushConsumerAPI } from './push-api.js';
import { PushConsumerMember } from './push-consumer-member.js';
import { effectiveMaxReconsumeTimes, PUSH_CONSUMER_DEFAULTS } from './push-consumer-options.js';
import type { PushConsumerConfig } from './push-consumer-options.js';
import { pushConsumerProperties, runningInfoTables } from './push-consumer-report.js';
import { RebalancePush } from './rebalance-push.js';

export interface Attachment {
  instance: ClientInstance;
  core: InstanceCore;
}

/** Java's send-back timeout. */
const SEND_BACK_TIMEOUT_MILLIS = 5000;

export class PushRuntime {
  readonly wireGroup: string;
  readonly stats = new ConsumeStats();
  readonly hooks = new ConsumeHooks();
  readonly events: PushConsumerEventHub;
  readonly subscribeInfo = new Map<string, MessageQueue[]>();
  readonly offsets: ConsumerOffsets;
  readonly offsetStore: OffsetStore;
  readonly consumeService: ConsumeService;
  /** Broker queue locks (orderly clustering consumers only). */
  readonly queueLocks: QueueLocks | undefined;
  readonly pullService: PullService;
  readonly rebalance: RebalancePush;
  readonly member: PushConsumerMember;
  attached: (Attachment & { api: ConsumerAPI; pushApi: PushConsumerAPI }) | undefined;
  paused = false;
  private startTimestamp = 0;

  constructor(
    readonly config: PushConsumerConfig,
    readonly subscriptions: ReadonlyMap<string, SubscriptionData>,
    handlerFor: HandlerFor,
  ) {
    this.events = newPushConsumerEventHub(config.client.logger);
    const ns = config.client.namespace;
    this.wireGroup = wrapNamespace(ns, config.consumerGroup);
    this.offsets = new ConsumerOffsets({
      config,
      wireGroup: this.wireGroup,
      running: () => {
        const { core, api } = this.running();
        return { instance: core, api };
      },
    });
    this.offsetStore =
      config.messageModel === 'BROADCASTING'
        ? new LocalFileOffsetStore({
            dir: config.offsetStoreDir ?? '',
            clientId: () => this.running().core.clientId,
            group: this.wireGroup,
            toWireTopic: (t) => wrapNamespace(ns, t),
            fromWireTopic: (t) => withoutNamespace(t, ns),
            logger: this.logger,
          })
        : new RemoteBrokerOffsetStore(this.offsets, (t) => wrapNamespace(ns, t), this.logger);
    const d = PUSH_CONSUMER_DEFAULTS;
    const common = {
      logger: this.logger,
      messageModel: config.messageModel,
      consumeMessageBatchMaxSize: config.consumeMessageBatchMaxSize,
      stats: this.stats,
      handlerFor,
      hooks: this.hooks,
      sendMessageBack: (msg: ConsumedMessage, level: number, brokerName: string) =>
        this.sendMessageBack(msg, level, brokerName),
    };
    const clustering = config.messageModel === 'CLUSTERING';
    this.queueLocks =
      config.orderly && clustering
        ? new QueueLocks({
            logger: this.logger,
            wireGroup: this.wireGroup,
            namespace: ns,
            timeoutMillis: 1000,
            running: () => this.running(),
          })
        : undefined;
    this.consumeService = config.orderly
      ? new OrderlyConsumeService({
          ...common,
          suspendCurrentQueueTimeMillis: config.suspendCurrentQueueTimeMillis,
          maxReconsumeTimes: config.maxReconsumeTimes,
          updateOffset: (pq, offset) => {
            if (this.rebalance.owns(pq)) this.offsetStore.updateOffset(pq.mq, offset, false);
          },
          lock: (pq) => this.queueLocks?.lock(pq.mq, pq) ?? Promise.resolve(true),
        })
      : new ConcurrentConsumeService({
          ...common,
          consumeThreadMax: config.consumeThreadMax,
          consumeTimeoutMillis: config.consumeTimeout * 60_000,
          localRetryDelayMillis: d.localRetryDelayMillis,
          updateOffset: (pq, offset) => {
            if (this.rebalance.owns(pq)) this.offsetStore.updateOffset(pq.mq, offset, true);
          },
        });
    this.pullService = new PullService(this);
    this.rebalance = new RebalancePush(this);
    this.member = new PushConsumerMember(this);
  }

  get logger(): Logger {
    return this.config.client.logger;
  }

  attach(a: Attachment): void {
    this.startTimestamp = Date.now();
    this.attached = {
      ...a,
      api: new ConsumerAPI(a.core.remoting),
      pushApi: new PushConsumerAPI(a.core.remoting),
    };
  }

  running(): { core: InstanceCore; api: ConsumerAPI; pushApi: PushConsumerAPI } {
    if (this.attached === undefined)
      throw new MQClientError('The PushConsumer is not started', { code: ClientErrorCode.ILLEGAL_STATE });
    return this.attached;
  }

  subscriptionOf(topic: string): SubscriptionData | undefined {
    return this.subscriptions.get(topic);
  }

  assignedQueues(): MessageQueue[] {
    return [...this.rebalance.processQueueTable.values()].map((pq) => pq.mq);
  }

  /** Per-queue limits: the per-topic ones (when set) split over the topic's queues held here. */
  thresholdsOf(topic: string): { count: number; sizeMiB: number } {
    const c = this.config;
    let queues = 0;
    for (const pq of this.rebalance.processQueueTable.values()) if (pq.mq.topic === topic) queues++;
    const split = (perTopic: number, perQueue: number): number =>
      perTopic === -1 || queues === 0 ? perQueue : Math.max(1, Math.floor(perTopic / queues));
    return {
      count: split(c.pullThresholdForTopic, c.pullThresholdForQueue),
      sizeMiB: split(c.pullThresholdSizeForTopic, c.pullThresholdSizeForQueue),
    };
  }

  removeProcessQueue(mq: MessageQueue): void {
    const pq = this.rebalance.processQueueTable.get(mq.key());
    if (pq !== undefined && pq.dropped) this.rebalance.processQueueTable.delete(mq.key());
  }

  /** Fetches the routes of every subscription (failures logged: the periodic refresh retries). */
  async refreshRoutes(): Promise<void> {
    const { core } = this.running();
    for (const data of this.subscriptions.values()) {
      try {
        await core.updateTopicRouteInfoFromNameServer(data.topic);
      } catch (err) {
        this.logger.warn({ topic: data.topic, err: String(err) }, 'route fetch failed');
      }
    }
  }

  /** A subscription was added, changed or removed while running. */
  async subscriptionChanged(topic: string | undefined): Promise<void> {
    const { core } = this.running();
    if (topic !== undefined) {
      const data = this.subscriptions.get(topic);
      if (data !== undefined) await core.updateTopicRouteInfoFromNameServer(data.topic);
    }
    await core.sendHeartbeatToAllBrokers();
    await this.rebalance.rebalance();
  }

  queuesChanged(): void {
    if (this.attached !== undefined) void this.rebalance.rebalance();
  }

  rebalanceImmediately(): void {
    if (this.attached !== undefined) void this.rebalance.rebalance();
  }

  /** Commits the offsets of the queues held (Java persistConsumerOffset). */
  persistAll(): Promise<void> {
    // Queues being handed over keep their offsets until their retire commits them.
    return this.offsetStore.persistAll([...this.assignedQueues(), ...this.rebalance.retiringQueues()]);
  }

  /** Waits for rebalances and queue retirements in progress, until `deadline`. */
  async settle(deadline: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.rebalance.settle(),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now())))),
    ]);
    clearTimeout(timer);
  }

  /** CONSUMER_SEND_MSG_BACK to the queue's master (Java sendMessageBack); false when it failed. */
  async sendMessageBack(msg: ConsumedMessage, delayLevel: number, brokerName: string): Promise<boolean> {
    try {
      const { core, pushApi } = this.running();
      const addr = core.findBrokerAddressInPublish(brokerName) ?? `${msg.storeHost.ip}:${msg.storeHost.port}`;
      await pushApi.consumerSendMessageBack(
        addr,
        {
          offset: msg.commitLogOffset,
          group: this.wireGroup,
          delayLevel,
          originMsgId: msg.msgId,
          originTopic: wrapNamespace(this.config.client.namespace, msg.topic),
          unitMode: false,
          maxReconsumeTimes: effectiveMaxReconsumeTimes(this.config),
        },
        SEND_BACK_TIMEOUT_MILLIS,
      );
      return true;
    } catch (err) {
      this.logger.warn(
        { msgId: msg.msgId, err: String(err) },
        'send-back failed: the message is retried here',
      );
      return false;
    }
  }

  runningProperties(): Record<string, string> {
    return pushConsumerProperties(
      this.config,
      this.attached?.instance.config.instanceName,
      this.startTimestamp,
    );
  }

  runningInfoTables(): RunningInfoTables {
    return runningInfoTables(
      this.config,
      this.rebalance.processQueueTable.values(),
      (pq: ProcessQueue) => pq.offsetToCommit(),
      this.stats,
      this.subscriptions.keys(),
    );
  }

  offsetsOf(wireTopic: string) {
    return this.offsetStore.offsetsOf(wireTopic);
  }

  consumeMessageDirectly(msg: MessageExt, brokerName: string): Promise<DirectConsumeResult> {
    return this.consumeService.consumeDirectly(msg, brokerName);
  }

  /** RESET_CONSUMER_CLIENT_OFFSET: the topic's listed queues dropped, their offsets set, then taken again. */
  async resetOffset(topic: string, offsets: ReadonlyMap<string, bigint>): Promise<void> {
    const wire = wrapNamespace(this.config.client.namespace, topic);
    const work: Promise<void>[] = [];
    for (const pq of [...this.rebalance.processQueueTable.values()]) {
      if (pq.mq.topic !== topic) continue;
      const offset = offsets.get(`${wire}@${pq.mq.brokerName}@${pq.mq.queueId}`);
      if (offset === undefined) continue;
      pq.dropped = true;
      pq.clear();
      work.push(this.rebalance.retire(pq, offset));
    }
    await Promise.all(work);
    this.logger.info({ topic, queues: work.length }, 'consumer offsets reset');
    await this.rebalance.rebalance();
  }
}
