/**
 * The working parts of a Producer that its send path uses (Java DefaultMQProducerImpl's insides):
 * config, hooks, the fault strategy, the publish info table and, once started, the client instance
 * and the producer's request API. Tests reach it through `producerCore(producer)`; users never do.
 */
import { IllegalStateError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { ProducerTrace } from '../trace/producer-trace.js';
import { wrapNamespace } from '../../protocol/message/index.js';
import type { UniqueIdGenerator } from '../../protocol/message/index.js';
import type { Clock, RandomInt } from '../clock.js';
import type { InstanceCore } from '../instance-core.js';
import { FaultStrategy } from '../latency/fault-strategy.js';
import { EventHub } from '../events/event-hub.js';
import { namesOf } from '../events/event-types.js';
import { ProducerEvents } from './producer-events.js';
import type { ProducerEventMap } from './producer-events.js';
import { FaultEvents } from './fault-events.js';
import type { MessageQueue } from '../message-queue.js';
import type { TopicPublishInfo } from '../route/topic-publish-info.js';
import type { CheckForbiddenHook, SendMessageHook } from './hooks.js';
import { PublishInfoTable } from './publish-info-table.js';
import { InFlightSends } from './send/in-flight-sends.js';
import { AsyncBackpressure } from './send/async-backpressure.js';
import { SendGate } from './batching/send-gate.js';
import { ProducerAPI } from './producer-api.js';
import type { ProducerConfig } from './producer-options.js';

interface Attached {
  readonly instance: InstanceCore;
  readonly api: ProducerAPI;
}

export class ProducerCore {
  readonly logger: Logger;
  /** Producer group with the namespace applied. */
  readonly wireGroup: string;
  readonly faultStrategy: FaultStrategy;
  readonly sendHooks: SendMessageHook[] = [];
  readonly checkForbiddenHooks: CheckForbiddenHook[] = [];
  /** Wire topic (namespaced) -> publish info; the client instance's view of this producer. */
  readonly publishInfos: PublishInfoTable;
  /** Send calls not settled yet (shutdown() drains them). */
  readonly inFlightSends = new InFlightSends(this);
  /** Instrumentation events (Producer.on). */
  readonly events: EventHub<ProducerEventMap>;
  /** Emits broker.isolated / broker.readmitted from the fault strategy's decisions. */
  readonly #faultEvents: FaultEvents;
  /** Message trace (enableMsgTrace), set at start; flushed by shutdown before the producer leaves. */
  trace: ProducerTrace | undefined;
  /** Async sends wait here for room (enableBackpressureForAsyncMode), else undefined. */
  readonly backpressure: AsyncBackpressure | undefined;
  /** Auto-batching or straight into the send path (batching/send-gate.ts). */
  readonly gate: SendGate;
  #attached: Attached | undefined;

  constructor(
    readonly config: ProducerConfig,
    /** Measures the send time budget and the latencies reported to the fault strategy. */
    readonly clock: Clock,
    random: RandomInt | undefined,
  ) {
    this.logger = config.client.logger;
    this.wireGroup = wrapNamespace(config.client.namespace, config.producerGroup);
    this.events = new EventHub(namesOf(ProducerEvents), this.logger);
    this.publishInfos = new PublishInfoTable(random);
    this.faultStrategy = new FaultStrategy({
      sendLatencyFaultEnable: config.sendLatencyFaultEnable,
      ...(config.latencyMax && { latencyMax: config.latencyMax }),
      ...(config.notAvailableDuration && { notAvailableDuration: config.notAvailableDuration }),
      clock,
      ...(random && { random }),
    });
    const bp = config.backpressure;
    this.backpressure = bp.enableBackpressureForAsyncMode
      ? new AsyncBackpressure(bp.backPressureForAsyncSendNum, bp.backPressureForAsyncSendSize)
      : undefined;
    this.gate = new SendGate(this);
    this.#faultEvents = new FaultEvents(this.faultStrategy, this.events);
  }

  /** Binds the core to the client instance it was registered on (at start). */
  attach(instance: InstanceCore): void {
    this.#attached = { instance, api: new ProducerAPI(instance.remoting) };
  }

  get instance(): InstanceCore {
    return this.#running().instance;
  }

  get api(): ProducerAPI {
    return this.#running().api;
  }

  get idGenerator(): UniqueIdGenerator {
    return this.instance.idGenerator;
  }

  #running(): Attached {
    if (this.#attached === undefined) throw new IllegalStateError('the producer is not started');
    return this.#attached;
  }

  /** The topic's publish info (Java tryToFindTopicPublishInfo), with the TBW102 fallback. */
  tryToFindTopicPublishInfo(topic: string): Promise<TopicPublishInfo | undefined> {
    return this.publishInfos.find(topic, this.instance, {
      createTopicKey: this.config.createTopicKey,
      defaultTopicQueueNums: this.config.defaultTopicQueueNums,
    });
  }

  selectOneMessageQueue(info: TopicPublishInfo, lastBrokerName: string | undefined): MessageQueue {
    this.#faultEvents.readmitDue();
    return this.faultStrategy.selectOneMessageQueue(info, lastBrokerName);
  }

  updateFaultItem(brokerName: string, latency: number, isolation: boolean): void {
    this.faultStrategy.updateFaultItem(brokerName, latency, isolation);
    this.#faultEvents.updated(brokerName, latency, isolation);
  }

  /** Re-reads the topic's route after a connect failure (a broker may have moved); never rejects. */
  async refreshRouteAfterConnectFailure(topic: string, timeoutMillis: number): Promise<void> {
    const timeout = Math.min(this.config.client.mqClientApiTimeout, timeoutMillis);
    if (timeout <= 0 || this.#attached === undefined) return;
    await this.#attached.instance
      .updateTopicRouteInfoFromNameServer(topic, { timeoutMillis: timeout })
      .catch((err: unknown) =>
        this.logger.warn({ topic, err: String(err) }, 'route refresh after connect failure failed'),
      );
  }
}
