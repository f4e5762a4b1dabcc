/**
 * Remoting client: one connection per "host:port", opened lazily (concurrent callers share one
 * attempt), and the three invocation modes of Java's NettyRemotingClient (reference/remoting.md §7.3):
 *
 * - invokeSync: rejects at its timeout (prompt deadline, see sweeper.ts), closes the connection on
 *   timeout when closeSocketIfTimeout (default true) and on a write failure. No permit (as 4.9).
 * - invokeAsync: bounded by async permits; its timeout is enforced by the periodic scan, i.e. at
 *   timeout + 1 s grace (at most one scan period later), as Java's callbacks are.
 * - invokeOneway: oneway flag set, bounded by oneway permits, resolves once written.
 *
 * Errors of the promise forms carry the stack of the awaiting caller (re-captured after the await).
 */
import type net from 'node:net';
import tls from 'node:tls';
import { IllegalStateError, RemotingConnectError, RemotingTimeoutError } from '../common/errors.js';
import { IllegalArgumentError } from '../common/errors.js';
import { silentLogger } from '../common/logger.js';
import type { Logger } from '../common/logger.js';
import type { RemotingCommand } from '../protocol/command/remoting-command.js';
import { parseAddress } from './address.js';
import { atCallSite, emitChannelEvent, noPermitError } from './channel-support.js';
import { Connection } from './connection.js';
import { positiveSetting, TransportDefaults } from './defaults.js';
import { AsyncCall } from './async-call.js';
import type { InvokeCallback } from './async-call.js';
import { headerLimitsOf, RemotingEndpoint } from './endpoint.js';
import { monotonicNow } from './sweeper.js';
import { socketFactoryOf } from './tls/client-tls.js';
import type { ClientTlsOption, ResolvedClientTls, SocketFactory } from './tls/client-tls.js';
export type { SocketFactory } from './tls/client-tls.js';
import { tlsHandshakeError } from './tls/tls-errors.js';
import type { RemotingClientOptions } from './types.js';

/** Options of a RemotingClient: timeouts and permits, plus logger, socket factory and TLS. */
export interface RemotingClientConfig extends RemotingClientOptions {
  logger?: Logger;
  /** Creates the (connecting) socket for an address; plug proxies or test doubles in here. */
  socketFactory?: SocketFactory;
  /** TLS on every connection (not with `socketFactory`); see client-tls.ts. */
  tls?: ClientTlsOption | ResolvedClientTls | undefined;
}

/** The client side of the remoting protocol (Java NettyRemotingClient): one connection per address, sync, async and oneway requests, server pushes to registered processors. */
export class RemotingClient extends RemotingEndpoint {
  private readonly connections = new Map<string, Connection>();
  private readonly connecting = new Map<string, Promise<Connection>>();
  /** Aborts of the connect attempts in progress (shutdown must not wait for their connect timeout). */
  private readonly connectAborts = new Set<() => void>();
  private readonly socketFactory: SocketFactory;
  private readonly connectTimeoutMillis: number;
  private stopped = false;

  constructor(options: RemotingClientConfig = {}) {
    const d = TransportDefaults;
    const connectTimeoutMillis = positiveSetting(
      'connectTimeoutMillis',
      options.connectTimeoutMillis ?? d.connectTimeoutMillis,
    );
    const idleMillis = positiveSetting(
      'channelMaxIdleMillis',
      options.channelMaxIdleMillis ?? d.channelMaxIdleMillis,
      true,
    );
    const scanIntervalMillis = positiveSetting(
      'scanIntervalMillis',
      options.scanIntervalMillis ?? d.scanIntervalMillis,
    );
    super({
      logger: options.logger ?? silentLogger,
      scanIntervalMillis,
      idleMillis,
      serializeType: options.serializeType ?? d.serializeType,
      maxFrameLength: options.maxFrameLength ?? d.maxFrameLength,
      headerLimits: headerLimitsOf(options),
      partialFrameBudget: undefined,
      frameCompletionTimeoutMillis: 0,
      asyncPermits: options.asyncPermits ?? d.clientAsyncPermits,
      onewayPermits: options.onewayPermits ?? d.clientOnewayPermits,
      closeSocketIfTimeout: options.closeSocketIfTimeout ?? d.closeSocketIfTimeout,
      maxQueuedWriteBytes: 0,
      hooksOnChannelRequests: true,
    });
    this.socketFactory = socketFactoryOf(options.socketFactory, options.tls);
    this.connectTimeoutMillis = connectTimeoutMillis;
  }

  protected connectionList(): Connection[] {
    return [...this.connections.values()];
  }

  protected forgetConnection(connection: Connection): void {
    if (this.connections.get(connection.remoteAddress) === connection) {
      this.connections.delete(connection.remoteAddress);
    }
  }

  /** Requests waiting for a response, over all connections. */
  get inFlightCount(): number {
    let n = 0;
    for (const connection of this.connections.values()) n += connection.table.size;
    return n;
  }

  /** Sends a request to `addr` (connecting if needed) and resolves with its response; rejects with RemotingTimeoutError after `timeoutMillis` (connecting included). */
  async invokeSync(addr: string, request: RemotingCommand, timeoutMillis: number): Promise<RemotingCommand> {
    const begin = monotonicNow();
    try {
      checkTimeout(timeoutMillis);
      const connection = await this.connectionFor(addr);
      const remaining = timeoutMillis - (monotonicNow() - begin);
      if (remaining <= 0) {
        throw new RemotingTimeoutError(addr, timeoutMillis, { detail: 'no time left after connecting' });
      }
      this.runBeforeHooks(addr, request);
      const response = await connection.requestAsync(request, remaining, true, timeoutMillis);
      this.runAfterHooks(addr, request, response);
      return response;
    } catch (error) {
      throw atCallSite(error);
    }
  }

  /** Sends a request bounded by the async permits and resolves with its response; its timeout is enforced by the periodic scan (up to 1 s late, as Java). */
  invokeAsync(addr: string, request: RemotingCommand, timeoutMillis: number): Promise<RemotingCommand>;
  /** Callback form: the response or the error goes to `callback`. */
  invokeAsync(addr: string, request: RemotingCommand, timeoutMillis: number, callback: InvokeCallback): void;
  invokeAsync(
    addr: string,
    request: RemotingCommand,
    timeoutMillis: number,
    callback?: InvokeCallback,
  ): Promise<RemotingCommand> | void {
    try {
      checkTimeout(timeoutMillis);
    } catch (error) {
      if (!callback) return Promise.reject(atCallSite(error));
      queueMicrotask(() => callback(error as Error));
      return;
    }
    if (callback) {
      this.startCall(new AsyncCall(this.owner, addr, request, timeoutMillis, callback));
      return;
    }
    return this.invokeAsyncPromise(addr, request, timeoutMillis);
  }

  /** Sends a request with the oneway flag (no response), bounded by the oneway permits; resolves once written. */
  async invokeOneway(addr: string, request: RemotingCommand, timeoutMillis: number): Promise<void> {
    try {
      checkTimeout(timeoutMillis);
      const begin = monotonicNow();
      const connection = await this.connectionFor(addr);
      if (!(await this.onewayPermits.acquire(timeoutMillis)))
        throw noPermitError(connection.remoteAddress, timeoutMillis, 'oneway');
      try {
        this.runBeforeHooks(addr, request);
        await connection.writeOneway(request, timeoutMillis, begin);
      } finally {
        this.onewayPermits.release();
      }
    } catch (error) {
      throw atCallSite(error);
    }
  }

  /** Closes the connection to `addr` (if any); its waiting requests fail at once. */
  closeChannel(addr: string): void {
    this.connections.get(addr)?.close('closeChannel');
  }

  /** Fails every waiting request, closes every connection and stops the timers. */
  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const connection of [...this.connections.values()]) connection.close('client shutdown');
    this.connections.clear();
    for (const abort of [...this.connectAborts]) abort();
    this.releaseWaiters();
    await Promise.allSettled([...this.connecting.values()]);
  }

  /** The promise form, settled by the call object: no async function nor closure of ours per request. */
  private invokeAsyncPromise(
    addr: string,
    request: RemotingCommand,
    timeoutMillis: number,
  ): Promise<RemotingCommand> {
    const call = new AsyncCall(this.owner, addr, request, timeoutMillis, undefined);
    const promise = new Promise<RemotingCommand>((resolve, reject) => {
      call.resolve = resolve;
      call.reject = reject;
    });
    this.startCall(call);
    return promise;
  }

  private startCall(call: AsyncCall): void {
    // Fast path: connected, and a permit free (in the turn the call was made: see AsyncCall.send).
    const existing = this.connections.get(call.addr);
    if (existing && !existing.closed && !this.stopped && call.tryAcquire()) {
      call.send(existing, true);
      return;
    }
    this.startAsyncSlowly(call).catch((error: unknown) => call.settle(error as Error));
  }

  private async startAsyncSlowly(call: AsyncCall): Promise<void> {
    const connection = await this.connectionFor(call.addr);
    if (!(await call.acquire())) throw noPermitError(connection.remoteAddress, call.timeoutMillis, 'async');
    call.send(connection);
  }

  private runBeforeHooks(addr: string, request: RemotingCommand): void {
    for (const hook of this.hooks) hook.beforeRequest?.(addr, request);
  }

  private runAfterHooks(addr: string, request: RemotingCommand, response: RemotingCommand | undefined): void {
    for (const hook of this.hooks) hook.afterResponse?.(addr, request, response);
  }

  /** The open connection to `addr`, or the one attempt in progress, or a new attempt. */
  private connectionFor(addr: string): Connection | Promise<Connection> {
    if (this.stopped) return Promise.reject(new IllegalStateError('remoting client is shut down'));
    const existing = this.connections.get(addr);
    if (existing && !existing.closed) return existing;
    let attempt = this.connecting.get(addr);
    if (!attempt) {
      attempt = this.openConnection(addr).finally(() => this.connecting.delete(addr));
      this.connecting.set(addr, attempt);
    }
    return attempt;
  }

  private openConnection(addr: string): Promise<Connection> {
    return new Promise<Connection>((resolve, reject) => {
      const { host, port } = parseAddress(addr);
      let socket: net.Socket;
      try {
        socket = this.socketFactory(host, port);
      } catch (error) {
        reject(new RemotingConnectError(addr, { reason: (error as Error)?.message, cause: error }));
        return;
      }
      const settle = (): void => {
        clearTimeout(timer);
        this.connectAborts.delete(abort);
      };
      const secure = socket instanceof tls.TLSSocket;
      const readyEvent = secure ? 'secureConnect' : 'connect'; // TLS: once the handshake is done
      const fail = (error: Error): void => {
        settle();
        socket.removeListener(readyEvent, onConnect);
        socket.on('error', () => undefined); // a TLS socket may report more than one error
        socket.destroy();
        if (!(error instanceof IllegalStateError))
          this.logger.warn({ addr, error: error.message }, 'connect failed');
        reject(error);
      };
      const abort = (): void => fail(new IllegalStateError('remoting client is shut down'));
      const onError = (error: Error): void =>
        fail(
          (secure && tlsHandshakeError(addr, error, true, socket)) ||
            new RemotingConnectError(addr, { reason: error.message, cause: error }),
        );
      const onConnect = (): void => {
        settle();
        socket.removeListener('error', onError);
        if (this.stopped) {
          socket.destroy();
          reject(new IllegalStateError('remoting client is shut down'));
          return;
        }
        const connection = new Connection(socket, this.owner, addr);
        this.connections.set(addr, connection);
        this.sweeper.start();
        this.logger.debug({ addr, local: connection.localAddress }, 'connected');
        emitChannelEvent(this.owner, (l) => l.onChannelConnect?.(connection));
        resolve(connection);
      };
      const timer = setTimeout(() => {
        const stage = secure && !socket.connecting ? ' (TLS handshake not finished)' : '';
        const reason = `connect timeout after ${this.connectTimeoutMillis} ms${stage}`;
        fail(new RemotingConnectError(addr, { reason }));
      }, this.connectTimeoutMillis);
      this.connectAborts.add(abort);
      socket.once('error', onError);
      if (secure || socket.pending || socket.connecting) socket.once(readyEvent, onConnect);
      else onConnect();
    });
  }
}

/** A timeout that is not a finite number would make a deadline that never comes. */
function checkTimeout(timeoutMillis: number): void {
  if (typeof timeoutMillis !== 'number' || !Number.isFinite(timeoutMillis)) {
    throw new IllegalArgumentError(
      `timeoutMillis must be a finite number of milliseconds, got ${timeoutMillis}`,
    );
  }
}
