/**
 * Contracts of the transport layer: what the remoting client and server offer to the layers above.
 */
import type { RequestRefusedError } from '../common/errors.js';
import type { RemotingCommand } from '../protocol/command/remoting-command.js';
import type { SerializeTypeCode } from '../protocol/codes/misc.js';

/** Hooks run around every request a client or server sends (ACL signing happens in `beforeRequest`). */
export interface RPCHook {
  /** Called just before a request is written (may add fields, e.g. a signature). */
  beforeRequest?(remoteAddress: string, request: RemotingCommand): void;
  /** Called with the request and its response once it arrived. */
  afterResponse?(
    remoteAddress: string,
    request: RemotingCommand,
    response: RemotingCommand | undefined,
  ): void;
}

/** One live connection, as seen by a request processor (server side, or client side for server pushes). */
export interface RemotingChannel {
  /** "ip:port" of the peer (IPv4-mapped IPv6 normalized to IPv4). */
  readonly remoteAddress: string;
  /** "ip:port" of our end. */
  readonly localAddress: string;
  /** Unique id of this connection for the lifetime of the process. */
  readonly id: number;
  /** True once the connection closed. */
  readonly closed: boolean;
  /** Sends a request over this connection and waits for its response (e.g. broker -> client calls). */
  invoke(request: RemotingCommand, timeoutMillis: number): Promise<RemotingCommand>;
  /** Sends a oneway request over this connection; resolves once written. */
  invokeOneway(request: RemotingCommand, timeoutMillis: number): Promise<void>;
  /** Writes a command as is (responses). */
  send(command: RemotingCommand): Promise<void>;
  /** Closes the connection; `reason` goes to the logs. */
  close(reason?: string): void;
}

/** What a processor knows of a request besides the command: the connection it came on. */
export interface RequestContext {
  /** The connection the request came on (answer or push over it). */
  readonly channel: RemotingChannel;
}

/**
 * Handles the requests of one or more codes. Returning a command sends it as the response (opaque and
 * response flag are filled in by the transport); returning undefined sends nothing. A thrown error is
 * answered SYSTEM_ERROR with a remark naming it, and the connection is kept.
 */
export interface RequestProcessor {
  /** Handles one request: returns the response, or undefined when there is none (oneway, or answered later over the channel). */
  processRequest(
    context: RequestContext,
    request: RemotingCommand,
  ): Promise<RemotingCommand | undefined> | RemotingCommand | undefined;
  /** True to refuse work for now: answered SYSTEM_BUSY "[REJECTREQUEST]...". */
  rejectRequest?(): boolean;
  /**
   * True when answering waits for answers from peers (the broker pushing a reply to its requester):
   * its request bodies are then not counted in the server's request-body bounds, whose pausing of
   * reads would also hold the answers it waits for. Bound such a processor otherwise (a pool).
   */
  readonly waitsForPeers?: boolean;
  /**
   * Ext fields the answer to a refusal (RequestRefusedError) of this processor carries, like Java
   * processors that set fields on their response before any check (the send processors' MSG_REGION
   * and TRACE_ON).
   */
  refusalExtFields?(
    request: RemotingCommand,
    refusal: RequestRefusedError,
  ): Record<string, string> | undefined;
}

/** Options of a registered processor. */
export interface ProcessorOptions {
  /** Requests of this processor running at once; more are answered SYSTEM_BUSY "[OVERLOAD]...". */
  maxConcurrency?: number;
}

/** Timeouts and limits of a remoting client. */
export interface RemotingClientOptions {
  /** Connect timeout, ms (default 3000). */
  connectTimeoutMillis?: number;
  /** Async invocations in flight at once (default 65535). */
  asyncPermits?: number;
  /** Oneway invocations being written at once (default 65535). */
  onewayPermits?: number;
  /** Close the connection when a sync request times out (default true, as Java). */
  closeSocketIfTimeout?: boolean;
  /** Header form of requests we send (default JSON). */
  serializeType?: SerializeTypeCode;
  /** Close a connection idle (no read and no write) for this long, ms (default 120000; 0 = never). */
  channelMaxIdleMillis?: number;
  /** Largest frame accepted from a peer (default 16 MiB - 4). */
  maxFrameLength?: number;
  /** Largest frame header accepted from a peer, bytes (default 1 MiB). */
  maxHeaderLength?: number;
  /** Most ext fields in one frame header (default 1,024). */
  maxHeaderFields?: number;
  /** Response-table sweep period, ms (default 1000). */
  scanIntervalMillis?: number;
}

/** Listen address and limits of a remoting server. */
export interface RemotingServerOptions {
  /** Interface to listen on (default 0.0.0.0, all IPv4 interfaces). */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Header form of responses and server-initiated requests (default JSON). */
  serializeType?: SerializeTypeCode;
  /** Close connections idle for this long, ms (default 120000; 0 = never). */
  channelMaxIdleMillis?: number;
  /** Largest frame accepted, bytes (default 16 MiB - 4); a larger one closes the connection. */
  maxFrameLength?: number;
  /**
   * Largest frame header, bytes (default 1 MiB), and most ext fields in one (default 1,024). A request
   * over either is answered MESSAGE_ILLEGAL (when its opaque can be read), then its connection closes.
   */
  maxHeaderLength?: number;
  /** Most ext fields in one frame header (default 1,024). */
  maxHeaderFields?: number;
  /**
   * Bytes of unfinished frames buffered over all connections at once (default 256 MiB; 0 = no limit).
   * The connection whose unfinished frame would exceed it is closed.
   */
  partialFrameBudgetBytes?: number;
  /**
   * Time to complete a frame once its first byte arrived, ms (default 60000; 0 = no limit). Checked by
   * the sweep (every `scanIntervalMillis`); a connection whose frame is late is closed.
   */
  frameCompletionTimeoutMillis?: number;
  /**
   * Time one connection may spend dispatching requests per event-loop turn before it waits for a
   * later turn, ms (default 0.5; checked every 16 requests; 0 = no limit): a peer pipelining requests
   * cannot hold the server's event loop.
   */
  turnShareMillis?: number;
  /**
   * Time the server may spend dispatching requests per event-loop turn before new input waits for the
   * next one, ms (default 10; 0 = no limit). Bounds how late timers and other sockets are served.
   */
  turnSliceMillis?: number;
  /**
   * Read the rest of a large request frame (128 KiB or more) straight into one buffer, reused once
   * its request is done with it (frame-landing.ts), on plain TCP connections (default true). The
   * bytes of the broker's 1 MiB sends then cost no allocation per socket read; false reads every
   * frame the usual way.
   */
  landLargeFrames?: boolean;
  /**
   * Bytes of answers waiting to be written over all connections (default 64 MiB; 0 = no limit). Over
   * it, connections with a large backlog stop reading until it drains.
   */
  writeBacklogBudgetBytes?: number;
  /**
   * Body bytes of requests being processed (handed to a processor, not yet answered) over all
   * connections (default 256 MiB; 0 = no limit). A connection that takes more while the total is over
   * it stops reading and waits in line (one reads again per answer once the total fits); connections
   * that send no bodies are not held. Processors marked `waitsForPeers` are not counted.
   */
  requestBodyBudgetBytes?: number;
  /**
   * Body bytes of one connection's requests being processed (default 64 MiB; 0 = no limit); over it
   * the connection stops reading until they halve. Nothing is refused: TCP slows the peer down.
   */
  connectionRequestBodyBytes?: number;
  /**
   * Most connections open at once (default 0 = no bound of the server's own). Every server of the
   * process also shares a bound of 3/4 of its open-file limit (Linux), so that a connection flood
   * leaves descriptors to the store. At a bound, a new connection closes the oldest connection that
   * has sent no request in the 2 s since it was accepted (a TLS socket before its handshake included;
   * never one that sent a request), else it is closed itself (both logged, at most every 10 s).
   */
  maxConnections?: number;
  /** Permits for server-initiated oneway / async requests (defaults 256 / 64). */
  onewayPermits?: number;
  /** Permits for server-initiated async requests (default 64). */
  asyncPermits?: number;
}

/** Events a server or client emits about connections. */
export interface ChannelEventListener {
  /** A connection was established (accepted, or connected by a client). */
  onChannelConnect?(channel: RemotingChannel): void;
  /** A connection closed, for any reason. */
  onChannelClose?(channel: RemotingChannel): void;
  /** A connection failed with `error` (it is closed next). */
  onChannelException?(channel: RemotingChannel, error: Error): void;
  /** A connection was idle longer than the idle limit (it is closed next). */
  onChannelIdle?(channel: RemotingChannel): void;
  /** A request sent over the channel got no answer in time (clients: the caller was told already). */
  onRequestTimeout?(channel: RemotingChannel, requestCode: number, timeoutMillis: number): void;
}
