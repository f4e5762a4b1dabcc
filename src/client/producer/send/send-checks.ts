/**
 * What every send of a message checks before it enters the send path (after the producer's state):
 * its time budget, the message against the producer's limits, and its timer properties.
 */
import { checkMessage, wrapNamespace } from '../../../protocol/message/index.js';
import type { Message } from '../../../protocol/message/index.js';
import { checkSendTimeout } from '../ordered/send-forms.js';
import type { ProducerConfig } from '../producer-options.js';
import { checkTimerSend } from '../timer-sends.js';

/** Throws the error a send of `message` within `timeoutMillis` is refused with; returns when it may go. */
export function checkOutgoing(message: Message, timeoutMillis: number, config: ProducerConfig): void {
  checkSendTimeout(timeoutMillis);
  const wireTopic = wrapNamespace(config.client.namespace, message?.topic);
  checkMessage(
    // The message itself when no namespace changes its topic: no object per send.
    message && wireTopic !== message.topic
      ? { topic: wireTopic, body: message.body, properties: message.properties }
      : message,
    config.maxMessageSize,
  );
  checkTimerSend(message, config);
}
