/**
 * broker.isolated / broker.readmitted from the producer's latency fault tolerance (Java
 * MQFaultStrategy): a broker is isolated when an attempt's latency (or a failure, counted as the
 * isolation latency) makes it unavailable for a while; it is readmitted when that while is over (seen
 * at the next queue choice) or a later attempt clears it. Only brokers isolated while someone
 * listened are tracked, so nothing is done without listeners.
 */
import type { FaultStrategy } from '../latency/fault-strategy.js';
import type { EventHub } from '../events/event-hub.js';
import { ProducerEvents } from './producer-events.js';
import type { ProducerEventMap } from './producer-events.js';

const { BROKER_ISOLATED, BROKER_READMITTED } = ProducerEvents;

export class FaultEvents {
  /** Broker names reported isolated and not readmitted yet. */
  readonly #isolated = new Set<string>();

  constructor(
    private readonly strategy: FaultStrategy,
    private readonly hub: EventHub<ProducerEventMap>,
  ) {}

  /** After the strategy recorded an attempt on `brokerName`. */
  updated(brokerName: string, latency: number, failed: boolean): void {
    if (this.#isolated.size === 0 && !this.hub.listening(BROKER_ISOLATED)) return;
    if (!this.strategy.sendLatencyFaultEnable) return;
    const available = this.strategy.latencyFaultTolerance.isAvailable(brokerName);
    if (available) {
      this.#readmit(brokerName);
      return;
    }
    if (this.#isolated.has(brokerName) || !this.hub.listening(BROKER_ISOLATED)) return;
    this.#isolated.add(brokerName);
    const latencyMillis = failed ? this.strategy.isolationLatency : latency;
    this.hub.emit(BROKER_ISOLATED, {
      brokerName,
      latencyMillis,
      isolatedForMillis: this.strategy.computeNotAvailableDuration(latencyMillis),
      failed,
    });
  }

  /** Before a queue choice: brokers whose isolation is over are readmitted. */
  readmitDue(): void {
    if (this.#isolated.size === 0) return;
    for (const name of [...this.#isolated]) {
      if (this.strategy.latencyFaultTolerance.isAvailable(name)) this.#readmit(name);
    }
  }

  #readmit(brokerName: string): void {
    if (!this.#isolated.delete(brokerName)) return;
    if (this.hub.listening(BROKER_READMITTED)) this.hub.emit(BROKER_READMITTED, { brokerName });
  }
}
