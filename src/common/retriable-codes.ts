/**
 * Which broker answers are worth another attempt, in one place: an MQBrokerError built with one of
 * these response codes is `retriable`, and the producer's send loop reads nothing else. The set is
 * the 5.x producer's retryResponseCodes: 4.9.8's set plus SYSTEM_BUSY, which a 5.x broker answers
 * under flow control, and GO_AWAY, answered by a shutting-down 5.3.2+ server.
 *
 * Numbers, not ResponseCode names: `common` imports nothing of ours (the names are checked against
 * protocol/codes/response-code.ts in test/unit/client-send-policy.test.ts).
 */
export const RETRIABLE_RESPONSE_CODES: ReadonlySet<number> = new Set([
  1, // SYSTEM_ERROR
  2, // SYSTEM_BUSY
  14, // SERVICE_NOT_AVAILABLE
  16, // NO_PERMISSION
  17, // TOPIC_NOT_EXIST
  204, // NO_BUYER_ID
  205, // NOT_IN_CURRENT_UNIT
  1500, // GO_AWAY
]);

/** True when another attempt (on another broker) may get a different answer than `responseCode`. */
export function isRetriableResponseCode(responseCode: number): boolean {
  return RETRIABLE_RESPONSE_CODES.has(responseCode);
}
