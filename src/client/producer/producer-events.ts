/**
 * The producer's event names (ProducerEvents) and payloads; emitted by send/send-events.ts and
 * fault-events.ts, subscribed with `producer.on(name, listener)`.
 */
import type { Message } from '../../protocol/message/index.js';
import type { MessageQueue } from '../message-queue.js';
import type { CommunicationMode } from './hooks.js';
import type { SendResult } from './send-result.js';

/** Events of a producer. */
export const ProducerEvents = {
  /** A send call begins, before its message is encoded: a listener may still add properties. */
  SEND_START: 'send.start',
  /** One attempt leaves for a queue. */
  SEND_ATTEMPT: 'send.attempt',
  /** An attempt failed and the call tries again (on another broker where it can). */
  SEND_RETRY: 'send.retry',
  SEND_SUCCESS: 'send.success',
  SEND_FAILURE: 'send.failure',
  /** The number of unsettled send calls changed. */
  IN_FLIGHT: 'send.in-flight',
  /** Latency fault tolerance stopped choosing a broker (slow or failed attempts). */
  BROKER_ISOLATED: 'broker.isolated',
  /** An isolated broker may be chosen again. */
  BROKER_READMITTED: 'broker.readmitted',
} as const;

/** What every send.* payload shares. */
export interface SendEventBase {
  /** Identifies one send call across its events (per producer, increasing). */
  readonly sendId: number;
  /** Topic as sent (namespace applied). */
  readonly topic: string;
  /** SYNC, ASYNC or ONEWAY. */
  readonly mode: CommunicationMode;
  /** The message (a MessageBatch for batches). */
  readonly message: Message;
}

/** Payload of `send.start`: the fields every send event carries; emitted before the message is encoded, so a listener may still add properties. */
export type SendStartEvent = SendEventBase;

export interface SendAttemptEvent extends SendEventBase {
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** The queue this attempt goes to. */
  readonly queue: MessageQueue;
}

export interface SendRetryEvent extends SendEventBase {
  /** The attempt that failed (the next one is attempt + 1). */
  readonly attempt: number;
  /** Broker of the failed attempt. */
  readonly brokerName: string;
  /** Why the attempt failed. */
  readonly error: unknown;
  /** How long the failed attempt took. */
  readonly durationMillis: number;
}

export interface SendSuccessEvent extends SendEventBase {
  /** Attempts made, retries included. */
  readonly attempts: number;
  /** From the call's start to its result. */
  readonly durationMillis: number;
  /** The queue of the last attempt (undefined if none was made). */
  readonly queue: MessageQueue | undefined;
  /** The broker's answer (undefined for oneway). */
  readonly result: SendResult | undefined;
}

export interface SendFailureEvent extends SendEventBase {
  /** Attempts made, retries included. */
  readonly attempts: number;
  /** From the call's start to its failure. */
  readonly durationMillis: number;
  /** The queue of the last attempt (undefined if none was made). */
  readonly queue: MessageQueue | undefined;
  /** The error the call failed with. */
  readonly error: unknown;
  /** The error's numeric code (response code or ClientErrorCode), -1 when it has none. */
  readonly code: number;
}

/** Payload of `send.in-flight`: the number of send calls not settled yet, after it changed. */
export interface InFlightEvent {
  /** Send calls not settled yet. */
  readonly inFlight: number;
}

/** Payload of `broker.isolated`: the latency fault strategy stopped choosing this broker for a while. */
export interface BrokerIsolatedEvent {
  /** The broker isolated. */
  readonly brokerName: string;
  /** The latency that caused it (the isolation latency for a failed attempt). */
  readonly latencyMillis: number;
  /** How long the broker stays out of the rotation. */
  readonly isolatedForMillis: number;
  /** True when a failed attempt caused it, false when a slow one did. */
  readonly failed: boolean;
}

/** Payload of `broker.readmitted`: an isolated broker is chosen again. */
export interface BrokerReadmittedEvent {
  /** The broker readmitted. */
  readonly brokerName: string;
}

/** Event name -> payload type of a Producer (`producer.on(name, fn)`). */
export type ProducerEventMap = {
  /** A send call begins. */
  [ProducerEvents.SEND_START]: SendStartEvent;
  /** One attempt leaves for a queue. */
  [ProducerEvents.SEND_ATTEMPT]: SendAttemptEvent;
  /** An attempt failed and the call tries again. */
  [ProducerEvents.SEND_RETRY]: SendRetryEvent;
  /** The send call succeeded. */
  [ProducerEvents.SEND_SUCCESS]: SendSuccessEvent;
  /** The send call failed for good. */
  [ProducerEvents.SEND_FAILURE]: SendFailureEvent;
  /** The number of unsettled send calls changed. */
  [ProducerEvents.IN_FLIGHT]: InFlightEvent;
  /** Latency fault tolerance stopped choosing a broker. */
  [ProducerEvents.BROKER_ISOLATED]: BrokerIsolatedEvent;
  /** An isolated broker may be chosen again. */
  [ProducerEvents.BROKER_READMITTED]: BrokerReadmittedEvent;
};
