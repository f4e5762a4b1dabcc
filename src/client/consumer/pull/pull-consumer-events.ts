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
  readonly queue: MessageQueue;
  readonly offset: bigint;
  readonly brokerAddr: string;
  readonly durationMillis: number;
  readonly result: PullResult;
}

/** Payload of `pull.failure`: a pull that failed, with the error and its numeric code. */
export interface PullFailureEvent {
  readonly queue: MessageQueue;
  readonly offset: bigint;
  readonly durationMillis: number;
  readonly error: unknown;
  readonly code: number;
}

/** Event name -> payload type of a PullConsumer (`consumer.on(name, fn)`). */
export type PullConsumerEventMap = {
  [PullConsumerEvents.PULL]: PullEvent;
  [PullConsumerEvents.PULL_FAILURE]: PullFailureEvent;
};
