/**
 * Broker options of timer messages and recall (Java 5.3.3 MessageStoreConfig timer* and BrokerConfig
 * recall*), with Java's defaults.
 */
import { IllegalArgumentError } from '../../../common/errors.js';
import { DEFAULT_TIMER_MAX_DELAY_SEC } from '../../../protocol/message/timer-message.js';

/** The precisions Java accepts (MessageStoreConfig.setTimerPrecisionMs rounds down to one of them). */
export const TIMER_PRECISIONS_MS = [100, 200, 500, 1000] as const;

export interface TimerOptions {
  /** Accept timer messages (Java timerWheelEnable, true); off: refused with Java's SYSTEM_ERROR. */
  timerWheelEnable: boolean;
  /**
   * Delivery slot width, ms (Java timerPrecisionMs, 1000; one of 100, 200, 500, 1000). A message is
   * delivered at its time floored to the slot (Java's rounding: up to one slot early, never late
   * beyond the tick that notices it).
   */
  timerPrecisionMs: number;
  /** Longest accepted delay, s (Java timerMaxDelaySec, 3 days). */
  timerMaxDelaySec: number;
  /** Serve RECALL_MESSAGE (Java BrokerConfig.recallMessageEnable, false: refused NO_PERMISSION). */
  recallMessageEnable: boolean;
}

export const DEFAULT_TIMER_OPTIONS: TimerOptions = Object.freeze({
  timerWheelEnable: true,
  timerPrecisionMs: 1000,
  timerMaxDelaySec: DEFAULT_TIMER_MAX_DELAY_SEC,
  recallMessageEnable: false,
});

/** Throws IllegalArgumentError naming the bad timer option. */
export function checkTimerOptions(o: TimerOptions): void {
  if (!(TIMER_PRECISIONS_MS as readonly number[]).includes(o.timerPrecisionMs)) {
    throw new IllegalArgumentError(
      `invalid broker option: timerPrecisionMs must be one of ${TIMER_PRECISIONS_MS.join(', ')} (Java's slot widths), got ${String(o.timerPrecisionMs)}`,
    );
  }
  if (!Number.isSafeInteger(o.timerMaxDelaySec) || o.timerMaxDelaySec < 1) {
    throw new IllegalArgumentError(
      `invalid broker option: timerMaxDelaySec must be a whole number of seconds >= 1, got ${String(o.timerMaxDelaySec)}`,
    );
  }
}
