/**
 * The client instance's event names and payloads, and what every emitter shares. Each emitter keeps
 * its own beside it (producer/producer-events.ts, consumer/pull/pull-consumer-events.ts): a new
 * emitter (the push consumer) or a new event adds one constant and one payload entry: its map is
 * `{ [Events.X]: Payload }` and its hub `new EventHub<Map>(namesOf(Events), logger)`.
 *
 * Durations are milliseconds; broker names are as in the route (namespaced topics stay as the wire
 * has them).
 */

/** Events of a client instance (shared by its producers and consumers). */
export const ClientEvents = {
  /** A connection to a name server or broker opened. */
  CONNECT: 'connect',
  /** A connection closed (by either side, or after an error). */
  DISCONNECT: 'disconnect',
  /** A request got no answer within its timeout. */
  REQUEST_TIMEOUT: 'request.timeout',
  /** A topic's route changed and was applied. */
  ROUTE_CHANGE: 'route.change',
  /** A broker did not take this client's heartbeat (refused it, or could not be reached). */
  HEARTBEAT_FAILURE: 'heartbeat.failure',
} as const;

/** Payload of `connect`: the address (`host:port`) of the name server or broker connected to. */
export interface ConnectEvent {
  /** Address (`host:port`) of the name server or broker. */
  readonly address: string;
}

/** Payload of `disconnect`: the address whose connection closed. */
export interface DisconnectEvent {
  /** Address (`host:port`) of the name server or broker. */
  readonly address: string;
}

/** Payload of `request.timeout`: where, which request code, and the timeout (ms) that passed. */
export interface RequestTimeoutEvent {
  /** Address (`host:port`) of the name server or broker. */
  readonly address: string;
  /** Request code (RequestCode). */
  readonly requestCode: number;
  /** The request's timeout, ms. */
  readonly timeoutMillis: number;
}

/** Payload of `route.change`: a topic's route as newly fetched from the name server. */
export interface RouteChangeEvent {
  /** The topic whose route changed (with namespace). */
  readonly topic: string;
  /** Broker names of the new route. */
  readonly brokerNames: readonly string[];
  /** Readable and writable queue counts over all brokers. */
  readonly readQueues: number;
  /** Writable queue count over all brokers. */
  readonly writeQueues: number;
}

/**
 * Payload of `heartbeat.failure`: a HEART_BEAT a broker refused (ACL, a group it does not take) or
 * that failed on the way. Java only logs it; a consumer whose heartbeat no broker takes is given no
 * queue. The heartbeat is sent again every heartbeatBrokerInterval (30 s) and on rebalances.
 */
export interface HeartbeatFailureEvent {
  /** Address (`host:port`) of the broker. */
  readonly address: string;
  /** Name of the broker. */
  readonly brokerName: string;
  /** What the heartbeat failed with. */
  readonly error: unknown;
  /** The error's code (RocketMQError.code, the broker's response code when it refused), -1 when it has none. */
  readonly code: number;
}

/** Event name -> payload type of a ClientInstance (`instance.on(name, fn)`). */
export type ClientEventMap = {
  /** A connection opened. */
  [ClientEvents.CONNECT]: ConnectEvent;
  /** A connection closed. */
  [ClientEvents.DISCONNECT]: DisconnectEvent;
  /** A request got no answer within its timeout. */
  [ClientEvents.REQUEST_TIMEOUT]: RequestTimeoutEvent;
  /** A topic's route changed. */
  [ClientEvents.ROUTE_CHANGE]: RouteChangeEvent;
  /** A broker did not take the heartbeat. */
  [ClientEvents.HEARTBEAT_FAILURE]: HeartbeatFailureEvent;
};

/** The set of names of an events constant (for EventHub's check). */
export function namesOf(events: Record<string, string>): ReadonlySet<string> {
  return new Set(Object.values(events));
}

/** The numeric code of an error (RocketMQError.code), -1 when it has none. */
export function codeOf(error: unknown): number {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : -1;
}
