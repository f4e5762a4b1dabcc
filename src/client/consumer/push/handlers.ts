/** Which handler consumes a topic's messages: the subscription's own, else the consumer's. */
import type { BatchHandler, MessageHandler } from './consume-service.js';

export type ResolvedHandler = { kind: 'message'; fn: MessageHandler } | { kind: 'batch'; fn: BatchHandler };

/** The handler of a (user-view) topic, undefined when there is none. */
export type HandlerFor = (topic: string) => ResolvedHandler | undefined;
