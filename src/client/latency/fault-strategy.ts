/**
 * Queue selection for a send attempt (Java MQFaultStrategy, 4.9.8), with the latency tables of
 * reference §10.3. Without fault tolerance: round robin skipping the broker of the failed previous
 * attempt. With it: round robin over available brokers, else the least bad broker, else round robin.
 */
import { systemClock } from '../clock.js';
import type { Clock, RandomInt } from '../clock.js';
import { MessageQueue } from '../message-queue.js';
import type { TopicPublishInfo } from '../route/topic-publish-info.js';
import { LatencyFaultTolerance } from './latency-fault-tolerance.js';

/** 4.9.8 tables: a latency >= latencyMax[i] makes the broker unavailable for notAvailableDuration[i] ms. */
export const DEFAULT_LATENCY_MAX: readonly number[] = [50, 100, 550, 1000, 2000, 3000, 15000];
export const DEFAULT_NOT_AVAILABLE_DURATION: readonly number[] = [0, 0, 30000, 60000, 120000, 180000, 600000];
/** 5.3.3 tables, for reference and opt-in use. */
export const V5_LATENCY_MAX: readonly number[] = [50, 100, 550, 1800, 3000, 5000, 15000];
export const V5_NOT_AVAILABLE_DURATION: readonly number[] = [0, 0, 2000, 5000, 6000, 10000, 30000];
/** Latency assumed for a failed attempt ("isolation"), 4.9.8. */
export const DEFAULT_ISOLATION_LATENCY = 30000;

export interface FaultStrategyOptions {
  sendLatencyFaultEnable?: boolean;
  latencyMax?: readonly number[];
  notAvailableDuration?: readonly number[];
  isolationLatency?: number;
  clock?: Clock;
  random?: RandomInt;
}

export class FaultStrategy {
  readonly latencyFaultTolerance: LatencyFaultTolerance;
  sendLatencyFaultEnable: boolean;
  readonly latencyMax: readonly number[];
  readonly notAvailableDuration: readonly number[];
  readonly isolationLatency: number;

  constructor(options: FaultStrategyOptions = {}) {
    this.sendLatencyFaultEnable = options.sendLatencyFaultEnable ?? false;
    this.latencyMax = options.latencyMax ?? DEFAULT_LATENCY_MAX;
    this.notAvailableDuration = options.notAvailableDuration ?? DEFAULT_NOT_AVAILABLE_DURATION;
    this.isolationLatency = options.isolationLatency ?? DEFAULT_ISOLATION_LATENCY;
    if (this.latencyMax.length !== this.notAvailableDuration.length) {
      throw new RangeError(
        `latencyMax (${this.latencyMax.length} entries) and notAvailableDuration (${this.notAvailableDuration.length}) must have the same length`,
      );
    }
    this.latencyFaultTolerance = new LatencyFaultTolerance(options.clock ?? systemClock, options.random);
  }

  /** Duration for a latency: the entry of the largest i with latency >= latencyMax[i], else 0. */
  computeNotAvailableDuration(latency: number): number {
    for (let i = this.latencyMax.length - 1; i >= 0; i--) {
      if (latency >= (this.latencyMax[i] as number)) return this.notAvailableDuration[i] as number;
    }
    return 0;
  }

  /** Record the outcome of one attempt; `isolation` = the attempt failed. No-op when disabled. */
  updateFaultItem(brokerName: string, currentLatency: number, isolation: boolean): void {
    if (!this.sendLatencyFaultEnable) return;
    const duration = this.computeNotAvailableDuration(isolation ? this.isolationLatency : currentLatency);
    this.latencyFaultTolerance.updateFaultItem(brokerName, currentLatency, duration);
  }

  /** Pick the queue of the next attempt. `info` must be ok(). */
  selectOneMessageQueue(info: TopicPublishInfo, lastBrokerName: string | undefined): MessageQueue {
    if (!this.sendLatencyFaultEnable) return info.selectOneMessageQueueAvoiding(lastBrokerName);
    const queues = info.messageQueueList;
    const n = queues.length;
    let index = info.sendWhichQueue.next();
    for (let i = 0; i < n; i++) {
      const pos = Math.abs(index) % n;
      index = (index + 1) | 0;
      const mq = queues[pos] as MessageQueue;
      if (this.latencyFaultTolerance.isAvailable(mq.brokerName)) return mq;
    }
    const notBestBroker = this.latencyFaultTolerance.pickOneAtLeast();
    if (notBestBroker !== undefined) {
      const writeQueueNums = info.writeQueueNumsOf(notBestBroker);
      if (writeQueueNums > 0) {
        const mq = info.selectOneMessageQueue();
        return new MessageQueue(mq.topic, notBestBroker, info.sendWhichQueue.next() % writeQueueNums);
      }
      this.latencyFaultTolerance.remove(notBestBroker);
    }
    return info.selectOneMessageQueue();
  }
}
