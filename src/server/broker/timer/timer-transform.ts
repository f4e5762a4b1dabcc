/**
 * The send-path half of timer messages (Java 5.3.3 HookUtils.handleScheduleMessage /
 * checkIfTimerMessage / transformTimerMessage, and SendMessageProcessor.attachRecallHandle).
 *
 * A message with TIMER_DELAY_SEC, TIMER_DELAY_MS or TIMER_DELIVER_MS (read in that order) whose time
 * lies ahead is stored in `rmq_sys_wheel_timer` queue 0 with TIMER_OUT_MS (the time floored to the
 * precision: a time on a slot boundary moves one slot earlier, as Java), REAL_TOPIC and REAL_QID;
 * the timer service (timer-service.ts) delivers it. A time already passed stores it as an ordinary
 * message (Java does), unless it is a recall marker (TIMER_DEL_UNIQKEY). A message with a delay
 * level loses its timer properties and stays a delay-level message. Refusals use Java's codes and
 * remarks (PutMessageStatus WHEEL_TIMER_MSG_ILLEGAL / WHEEL_TIMER_NOT_ENABLE).
 */
import { hasAnyProperty } from '../../../protocol/message/properties.js';
import { RequestRefusedError } from '../../../common/errors.js';
import { RequestCode } from '../../../protocol/codes/request-code.js';
import { ResponseCode } from '../../../protocol/codes/response-code.js';
import { MessageConst } from '../../../protocol/message/constants.js';
import { encodeRecallHandle } from '../../../protocol/message/recall-handle.js';
import { TIMER_PROPERTIES } from '../../../protocol/message/timer-message.js';
import { RETRY_GROUP_TOPIC_PREFIX, SYSTEM_TOPIC_PREFIX } from '../../../protocol/message/validators.js';
import type { PutMessageInput } from '../../store/index.js';
import { propertiesToStoredString } from '../core/stored-message.js';
import type { TimerOptions } from './timer-config.js';

/** Java TimerMessageStore.TIMER_TOPIC. */
export const TIMER_TOPIC = `${SYSTEM_TOPIC_PREFIX}wheel_timer`;

/** Java Long.parseLong's accepted text. */
const JAVA_LONG = /^[+-]?\d{1,19}$/;

/** Java buildDeleteKey: what a recall marker names and a pending timer is found by. */
export function timerDeleteKey(realTopic: string, uniqKey: string | undefined): string {
  return `${realTopic}+${uniqKey ?? 'null'}`;
}

function illegal(o: TimerOptions): RequestRefusedError {
  return new RequestRefusedError(
    ResponseCode.MESSAGE_ILLEGAL,
    `timer message illegal, the delay time should not be bigger than the max delay ${o.timerMaxDelaySec * 1000}ms; or if set del msg, the delay time should be bigger than the current time`,
  );
}

const TIMER_PROPERTY_SET: ReadonlySet<string> = new Set(TIMER_PROPERTIES);

/** Java's deliver-time floor: a multiple of the precision goes one slot earlier, others round down. */
export function timerOutMs(deliverMs: number, precisionMs: number): number {
  return deliverMs % precisionMs === 0
    ? deliverMs - precisionMs
    : Math.floor(deliverMs / precisionMs) * precisionMs;
}

/**
 * Rewrites `input` to the timer topic when it is a timer message due later; `props` is the stored
 * property map (edited, and `input.properties` rebuilt from it when anything changed). Throws
 * RequestRefusedError before anything is stored.
 */
export function transformTimerMessage(
  o: TimerOptions,
  input: PutMessageInput,
  props: Record<string, string | undefined>,
  now: number,
): void {
  if (input.topic === TIMER_TOPIC || !hasAnyProperty(props, TIMER_PROPERTY_SET)) return; // most sends: no array made
  const present = TIMER_PROPERTIES.filter((p) => props[p] !== undefined);
  const level = Number.parseInt(props[MessageConst.PROPERTY_DELAY_TIME_LEVEL] ?? '0', 10);
  if (level > 0) {
    for (const p of present) delete props[p];
    input.properties = propertiesToStoredString(props);
    return;
  }
  if (props[MessageConst.PROPERTY_TIMER_OUT_MS] !== undefined) return;
  if (!o.timerWheelEnable) {
    throw new RequestRefusedError(
      ResponseCode.SYSTEM_ERROR,
      'accurate timer message is not enabled, timerWheelEnable is false',
    );
  }
  const sec = props[MessageConst.PROPERTY_TIMER_DELAY_SEC];
  const ms = props[MessageConst.PROPERTY_TIMER_DELAY_MS];
  const raw = sec ?? ms ?? (props[MessageConst.PROPERTY_TIMER_DELIVER_MS] as string);
  if (!JAVA_LONG.test(raw)) throw illegal(o);
  const value = Number(raw);
  const deliverMs = sec !== undefined ? now + value * 1000 : ms !== undefined ? now + value : value;
  if (deliverMs > now) {
    if (deliverMs - now > o.timerMaxDelaySec * 1000) throw illegal(o);
    props[MessageConst.PROPERTY_TIMER_OUT_MS] = String(timerOutMs(deliverMs, o.timerPrecisionMs));
    props[MessageConst.PROPERTY_REAL_TOPIC] = input.topic;
    props[MessageConst.PROPERTY_REAL_QUEUE_ID] = String(input.queueId);
    input.properties = propertiesToStoredString(props);
    input.topic = TIMER_TOPIC;
    input.queueId = 0;
  } else if (props[MessageConst.PROPERTY_TIMER_DEL_UNIQKEY] !== undefined) {
    throw illegal(o);
  }
}

/**
 * Java attachRecallHandle: a single send (not batch, not send-back) stored as a timer message for a
 * topic other than `%RETRY%` gets a handle naming TIMER_OUT_MS + 1 ("consider of floor").
 */
export function recallHandleFor(
  requestCode: number,
  props: Readonly<Record<string, string | undefined>>,
  brokerName: string,
): string | undefined {
  if (requestCode === RequestCode.SEND_BATCH_MESSAGE || requestCode === RequestCode.CONSUMER_SEND_MSG_BACK)
    return undefined;
  const out = props[MessageConst.PROPERTY_TIMER_OUT_MS];
  const realTopic = props[MessageConst.PROPERTY_REAL_TOPIC];
  if (out === undefined || realTopic === undefined || realTopic.startsWith(RETRY_GROUP_TOPIC_PREFIX))
    return undefined;
  return encodeRecallHandle({
    topic: realTopic,
    brokerName,
    timestamp: String(Number(out) + 1),
    messageId: props[MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX] ?? 'null',
  });
}
