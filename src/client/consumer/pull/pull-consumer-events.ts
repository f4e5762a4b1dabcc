/** The pull consumer's event names (PullConsumerEvents) and payloads; emitted by pull-call.ts. */
import type { MessageQueue } from '../../message-queue.js';
import type { PullResult } from '../shared/pull-result.js';

/** Events of a pull consumer. */
export const PullConsumerEvents = {
  /** A pull was answered (any status). */
  PULL: 'pull',
  PULL_FAILURE: 'pull.failure',
} as const;

/** Payload of `pull`: a pull answered by the broker, with its result and duration (ms). */
export interface PullEvent {
  /** The queue pulled. */
  readonly queue: MessageQueue;
  /** The offset pulled from. */
  readonly offset: bigint;
  /** Address of the broker that answered. */
  readonly brokerAddr: string;
  /** Time from the request to its answer or failure, ms. */
  readonly durationMillis: number;
  /** What the broker returned. */
  readonly result: PullResult;
}

/** Payload of `pull.failure`: a pull that failed, with the error and its numeric code. */
export interface PullFailureEvent {
  /** The queue pulled. */
  readonly queue: MessageQueue;
  /** The offset pulled from. */
  readonly offset: bigint;
  /** Time from the request to its answer or failure, ms. */
  readonly durationMillis: number;
  /** Why the pull failed. */
  readonly error: unknown;
  /** The error's numeric code (response code or ClientErrorCode), -1 when it has none. */
  readonly code: number;
}

/** Event name -> payload type of a PullConsumer (`consumer.on(name, fn)`). */
export type PullConsumerEventMap = {
  /** A pull was answered (any status). */
  [PullConsumerEvents.PULL]: PullEvent;
  /** A pull failed. */
  [PullConsumerEvents.PULL_FAILURE]: PullFailureEvent;
};
