/**
 * What a send can come to when its producer shuts down. shutdown() drains: sends settle with their
 * real outcome while the drain deadline allows; what is still unsettled at the deadline is told
 * apart by whether its request may have reached a broker, because that decides whether sending it
 * again is safe (not sent) or may store it twice (outcome unknown).
 */
import { ClientErrorCode, IllegalStateError, RocketMQError } from '../../common/errors.js';
import type { RocketMQErrorOptions } from '../../common/errors.js';
import type { ServiceState } from '../client-members.js';

/** A send refused because the producer is shutting down (or has shut down). Nothing was sent. */
export class ProducerShutdownError extends IllegalStateError {}

/**
 * The producer's shutdown deadline came before the send's request left (it was waiting for a route,
 * a connection, a permit or its next retry), and no earlier attempt may have reached a broker:
 * nothing was stored, sending it again with another producer is safe.
 */
export class MessageNotSentError extends RocketMQError {
  constructor(message: string, options: RocketMQErrorOptions = {}) {
    super(message, { retriable: true, code: ClientErrorCode.MESSAGE_NOT_SENT, ...options });
  }
}

/**
 * The producer's shutdown deadline came after the send's request was handed to a connection but
 * before a broker answered it: the broker may or may not have stored the message. Sending it again
 * may store it twice; check (by its message id) or accept the duplicate.
 */
export class SendOutcomeUnknownError extends RocketMQError {
  constructor(
    message: string,
    /** Broker address of the last request handed over. */
    readonly brokerAddress: string | undefined,
    options: RocketMQErrorOptions = {},
  ) {
    super(message, { retriable: false, code: ClientErrorCode.SEND_OUTCOME_UNKNOWN, ...options });
  }
}

/** What to do about each state in which a producer refuses a call (its error message says it). */
export const STATE_HINTS: Record<ServiceState, string> = {
  CREATE_JUST: 'call start() first',
  RUNNING: 'it is already running',
  SHUTDOWN_ALREADY: 'it was shut down; create a new producer',
  START_FAILED: 'start() failed; create a new producer',
};
