/**
 * 5.x timer messages, client side: the three properties Java's Message setters write
 * (setDeliverTimeMs → TIMER_DELIVER_MS, setDelayTimeMs → TIMER_DELAY_MS, setDelayTimeSec →
 * TIMER_DELAY_SEC, each a decimal long) and the checks a send runs before the bytes leave.
 *
 * A 5.x broker reads TIMER_DELAY_SEC first, then TIMER_DELAY_MS, then TIMER_DELIVER_MS
 * (HookUtils.transformTimerMessage); it silently drops all three when the message also has a delay
 * level, stores a due-or-past time as an ordinary message (delivered at once) and refuses a delay over
 * its timerMaxDelaySec (default 3 days) with MESSAGE_ILLEGAL. The client refuses each of those cases
 * before sending, so a mistake is an error here rather than a message delivered at the wrong time.
 */
import { MQClientError } from '../../common/errors.js';
import { ResponseCode } from '../codes/response-code.js';
import { MessageConst } from './constants.js';

/** Java MessageStoreConfig.timerMaxDelaySec default: 3 days. */
export const DEFAULT_TIMER_MAX_DELAY_SEC = 3600 * 24 * 3;

export const TIMER_PROPERTIES = [
  MessageConst.PROPERTY_TIMER_DELIVER_MS,
  MessageConst.PROPERTY_TIMER_DELAY_MS,
  MessageConst.PROPERTY_TIMER_DELAY_SEC,
] as const;

/** A timer message the client refuses to send (code MESSAGE_ILLEGAL, not retriable). */
export class InvalidTimerMessageError extends MQClientError {
  constructor(message: string) {
    super(message, { code: ResponseCode.MESSAGE_ILLEGAL, retriable: false });
  }
}

/** What a setter accepts: a finite integer (Java long); `what` names it in the error. */
export function checkTimerValue(what: string, value: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new InvalidTimerMessageError(
      `${what} must be a whole number of ${what.endsWith('Sec') ? 'seconds' : 'milliseconds'}, got ${String(value)}`,
    );
  }
  return value;
}

const JAVA_LONG = /^[+-]?\d{1,19}$/;

/** The delivery time a timer message asks for (epoch ms), or undefined for an ordinary message. */
export function timerDeliverTime(
  properties: Readonly<Record<string, string>>,
  now: number,
): number | undefined {
  const sec = properties[MessageConst.PROPERTY_TIMER_DELAY_SEC];
  const ms = properties[MessageConst.PROPERTY_TIMER_DELAY_MS];
  const at = properties[MessageConst.PROPERTY_TIMER_DELIVER_MS];
  if (sec !== undefined) return now + Number(sec) * 1000;
  if (ms !== undefined) return now + Number(ms);
  if (at !== undefined) return Number(at);
  return undefined;
}

/**
 * Send-time checks of a timer message (nothing to check for an ordinary one): one delivery property
 * at most, not combined with a delay level, a decimal integer, in the future, and at most
 * `maxDelaySec` ahead (the broker's timerMaxDelaySec).
 */
export function checkTimerMessage(
  properties: Readonly<Record<string, string>> | undefined,
  now: number,
  maxDelaySec: number = DEFAULT_TIMER_MAX_DELAY_SEC,
): void {
  if (properties === undefined) return;
  const set = TIMER_PROPERTIES.filter((p) => properties[p] !== undefined);
  if (set.length === 0) return;
  if (set.length > 1) {
    throw new InvalidTimerMessageError(
      `a timer message takes one delivery time, got ${set.join(' and ')} (set only one of deliverTimeMs, delayTimeMs, delayTimeSec)`,
    );
  }
  const name = set[0] as string;
  const raw = properties[name] as string;
  const level = properties[MessageConst.PROPERTY_DELAY_TIME_LEVEL];
  if (level !== undefined && Number.parseInt(level, 10) > 0) {
    throw new InvalidTimerMessageError(
      `a message cannot have both a delay level (${level}) and a timer delivery time (${name}=${raw}): the broker would ignore the timer; use one of them`,
    );
  }
  if (!JAVA_LONG.test(raw)) {
    throw new InvalidTimerMessageError(`${name}=${JSON.stringify(raw)} is not a whole number`);
  }
  const value = Number(raw);
  if (name !== MessageConst.PROPERTY_TIMER_DELIVER_MS && value <= 0) {
    throw new InvalidTimerMessageError(
      `${name}=${raw}: the delay must be greater than 0 (send without a delivery time to deliver now)`,
    );
  }
  const deliverAt = timerDeliverTime(properties, now) as number;
  if (deliverAt <= now) {
    throw new InvalidTimerMessageError(
      `${name}=${raw} is in the past (now ${now}): give a future epoch millisecond, or send without a delivery time to deliver now`,
    );
  }
  if (deliverAt - now > maxDelaySec * 1000) {
    throw new InvalidTimerMessageError(
      `${name}=${raw} is ${deliverAt - now} ms ahead, over the max delay of ${maxDelaySec * 1000} ms (the broker's timerMaxDelaySec; raise the producer's timerMaxDelaySec only if the broker's is raised too)`,
    );
  }
}
