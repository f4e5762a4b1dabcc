/**
 * Latency fault tolerance (Java LatencyFaultToleranceImpl, 4.9.8 semantics): one item per broker name
 * recording the last send latency and the time from which the broker may be chosen again. Brokers
 * without an item are available. Pure: time comes from an injected clock.
 */
import { systemClock } from '../clock.js';
import type { Clock, RandomInt } from '../clock.js';
import { QueueIndex } from '../route/queue-index.js';

export interface FaultItem {
  readonly name: string;
  currentLatency: number;
  /** Epoch ms from which the broker is available again. */
  startTimestamp: number;
}

export class LatencyFaultTolerance {
  private readonly items = new Map<string, FaultItem>();
  private readonly whichItemWorst: QueueIndex;

  constructor(
    private readonly clock: Clock = systemClock,
    random?: RandomInt,
  ) {
    this.whichItemWorst = new QueueIndex(random);
  }

  /** Record an outcome: the broker becomes unavailable for `notAvailableDuration` ms from now (overwrites). */
  updateFaultItem(name: string, currentLatency: number, notAvailableDuration: number): void {
    const startTimestamp = this.clock.now() + notAvailableDuration;
    const old = this.items.get(name);
    if (old) {
      old.currentLatency = currentLatency;
      old.startTimestamp = startTimestamp;
    } else {
      this.items.set(name, { name, currentLatency, startTimestamp });
    }
  }

  isAvailable(name: string): boolean {
    const item = this.items.get(name);
    return item === undefined || this.clock.now() >= item.startTimestamp;
  }

  remove(name: string): void {
    this.items.delete(name);
  }

  /** Snapshot of the items (for diagnostics and tests). */
  faultItems(): FaultItem[] {
    return [...this.items.values()].map((i) => ({ ...i }));
  }

  /**
   * The least bad broker when none is available: items sorted (available first, then lower latency,
   * then earlier start timestamp); with fewer than 2 items the first, else rotate over the better half.
   */
  pickOneAtLeast(): string | undefined {
    if (this.items.size === 0) return undefined;
    const now = this.clock.now();
    const avail = (i: FaultItem): boolean => now >= i.startTimestamp;
    const list = [...this.items.values()].sort((a, b) => {
      if (avail(a) !== avail(b)) return avail(a) ? -1 : 1;
      if (a.currentLatency !== b.currentLatency) return a.currentLatency < b.currentLatency ? -1 : 1;
      if (a.startTimestamp !== b.startTimestamp) return a.startTimestamp < b.startTimestamp ? -1 : 1;
      return 0;
    });
    const half = Math.floor(list.length / 2);
    if (half <= 0) return (list[0] as FaultItem).name;
    return (list[this.whichItemWorst.next() % half] as FaultItem).name;
  }
}
