/**
 * Every default of the transport in one place (values from Java's NettyClientConfig / NettyServerConfig,
 * see reference/remoting.md §7.1).
 */
import {
  DEFAULT_MAX_FRAME_LENGTH,
  DEFAULT_MAX_HEADER_FIELDS,
  DEFAULT_MAX_HEADER_LENGTH,
  SerializeType,
} from '../protocol/codes/misc.js';

export const TransportDefaults = {
  connectTimeoutMillis: 3000,
  clientAsyncPermits: 65535,
  clientOnewayPermits: 65535,
  serverAsyncPermits: 64,
  serverOnewayPermits: 256,
  closeSocketIfTimeout: true,
  serializeType: SerializeType.JSON,
  channelMaxIdleMillis: 120_000,
  maxFrameLength: DEFAULT_MAX_FRAME_LENGTH,
  /**
   * Largest header of a frame (1 MiB), and most fields in one (1,024): decoding headers costs far more
   * per byte than bodies. A header over either is answered MESSAGE_ILLEGAL and the connection closed.
   */
  maxHeaderLength: DEFAULT_MAX_HEADER_LENGTH,
  maxHeaderFields: DEFAULT_MAX_HEADER_FIELDS,
  /**
   * Server: bytes of unfinished frames buffered over all connections at once (256 MiB: sixteen
   * unfinished frames of the maximum size, or 64 of Java's 4 MiB maximum message). A connection whose
   * unfinished frame would exceed it is closed.
   */
  partialFrameBudgetBytes: 256 * 1024 * 1024,
  /**
   * Server: time to complete a frame once its first byte arrived (60 s). Twice the longest wait of a
   * Java client request (30 s, a long-polling pull; a registration waits 24 s, a send 3 s), so a frame
   * still arriving after it could not be answered in time anyway; a whole 16 MiB frame passes at
   * 280 KB/s. A peer trickling bytes is closed once its frame is this late.
   */
  frameCompletionTimeoutMillis: 60_000,
  /** Period of the response-table sweep (Java scans every second). */
  scanIntervalMillis: 1000,
  /** An async entry is failed by the sweep once `begin + timeout + grace` has passed (Java: 1 s). */
  scanGraceMillis: 1000,
  /**
   * Requests one processor may run at once unless registered with its own maxConcurrency; bounds the
   * memory a flood of requests can pin (Java bounds each processor's executor queue likewise).
   */
  processorMaxConcurrency: 65536,
  serverHost: '0.0.0.0',
  serverBacklog: 1024,
  /** Grace period of RemotingServer.shutdown() for requests being processed. */
  shutdownGraceMillis: 5000,
  /**
   * Bytes queued for a connection beyond which we stop reading from it until the queue drains, so a
   * peer that sends requests but never reads the answers cannot make us buffer without limit.
   */
  maxQueuedWriteBytes: 4 * 1024 * 1024,
  /**
   * Server: bytes of answers waiting over all connections (64 MiB: sixteen connections at the
   * per-connection limit). Peers that read their answers keep their backlogs near zero, so it binds
   * only when many peers stop reading: 100 of them held ~4 MiB each (742 MB RSS); over it, each
   * connection with 256 KiB or more waiting stops reading.
   */
  writeBacklogBudgetBytes: 64 * 1024 * 1024,
  /**
   * Server: time one connection may spend dispatching requests per event-loop turn (0.5 ms; the
   * clock is read every 16 requests) before it waits for a later turn. A round of the connections
   * waiting costs about this much each, so it bounds how long a quiet connection waits behind
   * pipelining ones (150 of them: ~75 ms); a client keeping 128 sends in flight (~0.9 ms of work per
   * turn) is cut about once per turn.
   */
  turnShareMillis: 0.5,
  /**
   * Server: time spent dispatching per event-loop turn (10 ms) before new input waits for the next
   * turn, so timers and other sockets are served at least about every two slices.
   */
  turnSliceMillis: 10,
  /**
   * Server: body bytes of requests being processed over all connections (256 MiB). A connection that
   * takes more while the total is over it stops reading and waits in line (one reads again per answer
   * once the total fits); peers that send no bodies are not held. 256 MiB is ~1 s of commit-log writes on a slow disk, as Java refuses sends
   * that waited 200 ms in its queue.
   */
  requestBodyBudgetBytes: 256 * 1024 * 1024,
  /**
   * Server: body bytes of one connection's requests being processed (64 MiB) before it stops reading
   * until they halve: sixty-four 1 MiB sends in flight, or sixteen of the largest (4 MiB).
   */
  connectionRequestBodyBytes: 64 * 1024 * 1024,
  /** Server: most connections open at once (0 = none of its own; the process's bound still applies). */
  serverMaxConnections: 0,
} as const;

/** A numeric setting checked when a client or server is built: finite, > 0 (or >= 0 when allowed). */
export function positiveSetting(name: string, value: number, allowZero = false): number {
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new RangeError(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${value}`);
  }
  return value;
}
