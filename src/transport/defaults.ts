/**
 * Every default of the transport in one place (values from Java's NettyClientConfig / NettyServerConfig,
 * see reference/remoting.md §7.1).
 */
import { DEFAULT_MAX_FRAME_LENGTH, SerializeType } from '../protocol/codes/misc.js';

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
} as const;
