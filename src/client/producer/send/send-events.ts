/**
 * The producer's send events (ProducerEvents): start, attempt, retry, success, failure and the
 * in-flight count, each built only when someone listens (`listening` first). The send loops call
 * `attemptStarting` / `attemptFailed`; the in-flight tracker calls `sendStarted` / `sendSettled`, so
 * default, queue, selector and batch sends, drained and aborted ones included, report alike.
 */
import { codeOf } from '../../events/event-types.js';
import { ProducerEvents } from '../producer-events.js';
import type { ProducerEventMap, SendEventBase } from '../producer-events.js';
import type { EventHub } from '../../events/event-hub.js';
import type { MessageQueue } from '../../message-queue.js';
import type { Clock } from '../../clock.js';
import type { SendResult } from '../send-result.js';
import type { SendCall } from './send-call.js';

export interface SendEventHost {
  readonly events: EventHub<ProducerEventMap>;
  readonly clock: Clock;
}

const { SEND_START, SEND_ATTEMPT, SEND_RETRY, SEND_SUCCESS, SEND_FAILURE, IN_FLIGHT } = ProducerEvents;

function base(call: SendCall): SendEventBase {
  return { sendId: call.sendId, topic: call.topic, mode: call.mode, message: call.message };
}

/** A call enters the tracker: send.start (a listener may still add properties) and send.in-flight. */
export function sendStarted(host: SendEventHost, call: SendCall, inFlight: number): void {
  const events = host.events;
  if (events.listening(SEND_SUCCESS) || events.listening(SEND_FAILURE)) call.began = host.clock.now();
  if (events.listening(SEND_START)) events.emit(SEND_START, base(call));
  if (events.listening(IN_FLIGHT)) events.emit(IN_FLIGHT, { inFlight });
}

/** A call settled (by its loop, the drain or an abort): send.success / send.failure, send.in-flight. */
export function sendSettled(
  host: SendEventHost,
  call: SendCall,
  inFlight: number,
  ok: boolean,
  outcome: SendResult | undefined | Error,
): void {
  const events = host.events;
  if (ok ? events.listening(SEND_SUCCESS) : events.listening(SEND_FAILURE)) {
    const durationMillis = call.began === undefined ? 0 : host.clock.now() - call.began;
    const common = { ...base(call), attempts: call.attempts, durationMillis, queue: call.queue };
    if (ok) events.emit(SEND_SUCCESS, { ...common, result: outcome as SendResult | undefined });
    else events.emit(SEND_FAILURE, { ...common, error: outcome, code: codeOf(outcome) });
  }
  if (events.listening(IN_FLIGHT)) events.emit(IN_FLIGHT, { inFlight });
}

/**
 * An attempt is about to go to `mq`: counts it, emits send.retry for the failed one before it (if
 * any) and send.attempt; notes its start time when send.retry will need its duration.
 */
export function attemptStarting(host: SendEventHost, call: SendCall, mq: MessageQueue): void {
  call.attempts++;
  const previous = call.queue;
  call.queue = mq;
  const events = host.events;
  if (!events.active) return;
  if (call.attempts > 1 && previous !== undefined && events.listening(SEND_RETRY)) {
    events.emit(SEND_RETRY, {
      ...base(call),
      attempt: call.attempts - 1,
      brokerName: previous.brokerName,
      error: call.lastError,
      durationMillis: call.lastAttemptMillis,
    });
  }
  if (events.listening(SEND_RETRY)) call.attemptBegan = host.clock.now();
  if (events.listening(SEND_ATTEMPT))
    events.emit(SEND_ATTEMPT, { ...base(call), attempt: call.attempts, queue: mq });
}

/** An attempt failed: kept for the send.retry of the next attempt (only when someone listens). */
export function attemptFailed(host: SendEventHost, call: SendCall, error: unknown): void {
  if (call.attemptBegan === undefined) return;
  call.lastError = error;
  call.lastAttemptMillis = host.clock.now() - call.attemptBegan;
}
