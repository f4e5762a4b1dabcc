/**
 * Recall handle of a timer message (Java 5.3.2+ RecallMessageHandle.HandleV1).
 *
 * Text form, five fields joined by one space, then Base64 URL-safe alphabet WITH '=' padding (Java
 * `Base64.getUrlEncoder()`), of the UTF-8 bytes:
 *
 *   "v1" SP <real topic> SP <broker name> SP <timestamp ms, decimal> SP <message id (UNIQ_KEY)>
 *
 * The broker writes TIMER_OUT_MS + 1 as the timestamp (the delivery slot is floored to the timer
 * precision, so the +1 keeps the recall inside the slot). Decoding follows Java: any Base64url input
 * (padding optional), the text split on single spaces with trailing empty items dropped
 * (`String.split(" ")`), first item "v1" and at least 5 items; extra items are ignored.
 */
import { IllegalArgumentError } from '../../common/errors.js';

export const RECALL_HANDLE_VERSION_1 = 'v1';

/** A decoded recall handle (5.3 recallMessage): which timer message on which broker to cancel. */
export interface RecallHandle {
  /** Handle format version (v1). */
  readonly version: typeof RECALL_HANDLE_VERSION_1;
  /** Topic of the timer message. */
  readonly topic: string;
  /** Broker holding the timer message. */
  readonly brokerName: string;
  /** Kept as text, as Java does (the broker parses it with NumberUtils.toLong, -1 when bad). */
  readonly timestamp: string;
  /** The message's id (UNIQ_KEY). */
  readonly messageId: string;
}

/** A recall handle that is not a Base64url "v1 ..." text (Java DecoderException "recall handle is invalid"). */
export class InvalidRecallHandleError extends IllegalArgumentError {
  /** The handle text refused. */
  constructor(readonly handle: string) {
    super(
      `recall handle is invalid: ${JSON.stringify(handle.length > 80 ? `${handle.slice(0, 80)}...` : handle)} ` +
        '(pass the recallHandle of the SendResult of a timer message, unchanged)',
    );
  }
}

/** Java HandleV1.buildHandle: no checks on the parts (as Java). */
export function encodeRecallHandle(parts: Omit<RecallHandle, 'version'>): string {
  const raw = [RECALL_HANDLE_VERSION_1, parts.topic, parts.brokerName, parts.timestamp, parts.messageId].join(
    ' ',
  );
  const b64 = Buffer.from(raw, 'utf8').toString('base64');
  return b64.replace(/\+/g, '-').replace(/\//g, '_');
}

/** Java's URL-safe alphabet; '=' padding optional but, when there, complete (java.util.Base64 rules). */
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Java RecallMessageHandle.decodeHandle; throws InvalidRecallHandleError. */
export function decodeRecallHandle(handle: string): RecallHandle {
  if (typeof handle !== 'string' || handle.length === 0) throw new InvalidRecallHandleError(String(handle));
  const body = handle.replace(/={1,2}$/, '');
  const padding = handle.length - body.length;
  if (!BASE64URL.test(body) || body.length % 4 === 1 || (padding > 0 && handle.length % 4 !== 0)) {
    throw new InvalidRecallHandleError(handle);
  }
  const raw = Buffer.from(body, 'base64url').toString('utf8');
  const items = raw.split(' ');
  while (items.length > 0 && items[items.length - 1] === '') items.pop();
  const [version, topic, brokerName, timestamp, messageId] = items;
  if (
    version !== RECALL_HANDLE_VERSION_1 ||
    topic === undefined ||
    brokerName === undefined ||
    timestamp === undefined ||
    messageId === undefined
  ) {
    throw new InvalidRecallHandleError(handle);
  }
  return { version, topic, brokerName, timestamp, messageId };
}
