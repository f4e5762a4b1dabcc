/**
 * Remoting server: accepts connections, dispatches requests to processors by request code (see
 * dispatcher.ts for the busy / unknown-code / error answers), lets processors call back into the
 * client over the same connection (RemotingChannel.invoke), closes idle connections, and shuts down
 * gracefully: stop accepting, let running requests finish, flush, close.
 */
import net from 'node:net';
import { IllegalStateError } from '../common/errors.js';
import { silentLogger } from '../common/logger.js';
import type { Logger } from '../common/logger.js';
import { formatAddress, normalizeHost } from './address.js';
import { emitChannelEvent } from './channel-support.js';
import type { RequestInterceptor } from './dispatcher.js';
import { Connection } from './connection.js';
import { ConnectionSlots, processConnectionSlots } from './connection-slots.js';
import type { SlotHolder } from './connection-slots.js';
import { TransportDefaults } from './defaults.js';
import { headerLimitsOf, RemotingEndpoint } from './endpoint.js';
import { LandingReservations } from './landing-buffers.js';
import { PartialFrameBudget } from './partial-frames.js';
import { ReadTurns } from './read-turns.js';
import { RequestBytesBudget } from './request-bytes-budget.js';
import { monotonicNow } from './sweeper.js';
import { resolveServerTls, TlsAcceptor } from './tls/server-tls.js';
import type { ServerTlsConfig } from './tls/server-tls.js';
import type { RemotingChannel, RemotingServerOptions } from './types.js';
import { WriteBacklogBudget } from './write-backlog-budget.js';

/** Options of a RemotingServer: listen address, limits, plus logger, TLS and the sweep period. */
export interface RemotingServerConfig extends RemotingServerOptions {
  logger?: Logger;
  /** TLS mode, certificate and client authentication (tls/server-tls.ts); default: disabled. */
  tls?: ServerTlsConfig | undefined;
  /** Response-table / idle sweep period, ms (default 1000). */
  scanIntervalMillis?: number;
}

/** A request interceptor that may also refuse new connections (closed as soon as accepted). */
export interface ServerInterceptor extends RequestInterceptor {
  refuseConnection(remoteHost: string | undefined): boolean;
}

type State = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

/** A TLS socket before its adoption (first byte, handshake): what eviction may close for a newcomer. */
class PendingSocket implements SlotHolder {
  readonly openedAt = monotonicNow();
  readonly spoke = false;

  constructor(
    private readonly socket: net.Socket,
    private readonly acceptor: TlsAcceptor,
  ) {}

  /** Also once adopted: its Connection holds the slot from then on. */
  get closed(): boolean {
    return this.socket.destroyed || !this.acceptor.isPending(this.socket);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Warnings about the connection bound are logged at most this often. */
const LIMIT_REPORT_MILLIS = 10_000;

function nonNegative(name: string, value: number): number {
  if (!(value >= 0)) throw new RangeError(`${name} must be >= 0, got ${value}`);
  return value;
}

/** The server side of the remoting protocol (Java NettyRemotingServer): accepts connections, dispatches requests to processors by code, answers them. */
export class RemotingServer extends RemotingEndpoint {
  private readonly connections = new Set<Connection>();
  private readonly server: net.Server;
  /** Sorts plain from TLS connections (permissive, enforcing); undefined when TLS is disabled. */
  private readonly tlsAcceptor: TlsAcceptor | undefined;
  private state: State = 'new';
  private bound: { host: string; port: number } | undefined;
  /** start() while it binds: a shutdown() arriving meanwhile waits for it (else the bind outlives it). */
  private starting: Promise<unknown> | undefined;
  private connectionGate: ServerInterceptor | undefined;
  /** This server's connections (over the process's: connection-slots.ts). */
  private readonly slots: ConnectionSlots;
  private refused = 0;
  private evicted = 0;
  /** Counts since the last warning about the connection bound, and when it was logged. */
  private limitReport = { refused: 0, evicted: 0, at: -Infinity };

  constructor(private readonly options: RemotingServerConfig = {}) {
    const d = TransportDefaults;
    const idleMillis = nonNegative(
      'channelMaxIdleMillis',
      options.channelMaxIdleMillis ?? d.channelMaxIdleMillis,
    );
    const budgetBytes = nonNegative(
      'partialFrameBudgetBytes',
      options.partialFrameBudgetBytes ?? d.partialFrameBudgetBytes,
    );
    const writeBudgetBytes = nonNegative(
      'writeBacklogBudgetBytes',
      options.writeBacklogBudgetBytes ?? d.writeBacklogBudgetBytes,
    );
    const requestBudget = new RequestBytesBudget(
      nonNegative('requestBodyBudgetBytes', options.requestBodyBudgetBytes ?? d.requestBodyBudgetBytes),
      nonNegative(
        'connectionRequestBodyBytes',
        options.connectionRequestBodyBytes ?? d.connectionRequestBodyBytes,
      ),
    );
    const maxConnections = nonNegative('maxConnections', options.maxConnections ?? d.serverMaxConnections);
    const turnShareMillis = nonNegative('turnShareMillis', options.turnShareMillis ?? d.turnShareMillis);
    const turnSliceMillis = nonNegative('turnSliceMillis', options.turnSliceMillis ?? d.turnSliceMillis);
    super({
      logger: options.logger ?? silentLogger,
      scanIntervalMillis: options.scanIntervalMillis ?? d.scanIntervalMillis,
      idleMillis,
      serializeType: options.serializeType ?? d.serializeType,
      maxFrameLength: options.maxFrameLength ?? d.maxFrameLength,
      headerLimits: headerLimitsOf(options),
      partialFrameBudget: budgetBytes > 0 ? new PartialFrameBudget(budgetBytes) : undefined,
      frameCompletionTimeoutMillis: nonNegative(
        'frameCompletionTimeoutMillis',
        options.frameCompletionTimeoutMillis ?? d.frameCompletionTimeoutMillis,
      ),
      asyncPermits: options.asyncPermits ?? d.serverAsyncPermits,
      onewayPermits: options.onewayPermits ?? d.serverOnewayPermits,
      closeSocketIfTimeout: false,
      maxQueuedWriteBytes: d.maxQueuedWriteBytes,
      writeBacklogBudget: writeBudgetBytes > 0 ? new WriteBacklogBudget(writeBudgetBytes) : undefined,
      readTurns: new ReadTurns(turnShareMillis || Infinity, turnSliceMillis || Infinity),
      requestBytesBudget:
        requestBudget.limitBytes > 0 || requestBudget.perConnectionBytes > 0 ? requestBudget : undefined,
      hooksOnChannelRequests: false,
      // Frames landing at once may reserve as much as unfinished frames may hold (or 256 MiB).
      landingReservations:
        options.landLargeFrames === false
          ? undefined
          : new LandingReservations(budgetBytes > 0 ? budgetBytes : d.partialFrameBudgetBytes),
    });
    this.slots = new ConnectionSlots(maxConnections || Infinity, processConnectionSlots);
    const tls = resolveServerTls(options.tls);
    this.tlsAcceptor = tls && new TlsAcceptor(tls, this.logger, (socket) => this.adopt(socket));
    this.server = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
    // Errors while starting (EADDRINUSE...) reject start(); only later ones are worth a log line.
    this.server.on('error', (error) => {
      if (this.state !== 'starting') this.logger.error({ error: error.message }, 'server socket error');
    });
  }

  protected connectionList(): Connection[] {
    return [...this.connections];
  }

  protected forgetConnection(connection: Connection): void {
    this.connections.delete(connection);
    this.slots.forget(connection);
  }

  /** Binds and listens; resolves with the bound address (port 0 picks a free port). */
  start(): Promise<{ host: string; port: number }> {
    if (this.state !== 'new')
      return Promise.reject(new IllegalStateError(`remoting server cannot start: it is ${this.state}`));
    this.state = 'starting';
    const started = this.bind();
    this.starting = started;
    return started;
  }

  private async bind(): Promise<{ host: string; port: number }> {
    const host = this.options.host ?? TransportDefaults.serverHost;
    const port = this.options.port ?? 0;
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      this.server.once('error', onError);
      this.server.listen({ host, port, backlog: TransportDefaults.serverBacklog }, () => {
        this.server.removeListener('error', onError);
        resolve();
      });
    }).catch((error: unknown) => {
      this.state = 'stopped';
      throw error;
    });
    const address = this.server.address() as net.AddressInfo;
    this.bound = { host: normalizeHost(address.address), port: address.port };
    this.sweeper.start();
    this.state = 'running';
    this.logger.info({ address: this.address }, 'remoting server listening');
    return { ...this.bound };
  }

  /** The port listened on (the real one when started with port 0); throws before `start()`. */
  get port(): number {
    return this.requireBound().port;
  }

  /** The address listened on; throws before `start()`. */
  get host(): string {
    return this.requireBound().host;
  }

  /** "host:port" (IPv6 in brackets). */
  get address(): string {
    const { host, port } = this.requireBound();
    return formatAddress(host, port);
  }

  /** The open connections. */
  channels(): RemotingChannel[] {
    return [...this.connections];
  }

  /**
   * Installs (or, with undefined, removes) what sees every request before its processor and decides
   * which connections to accept (fault injection: src/server/faults/).
   */
  setInterceptor(interceptor: ServerInterceptor | undefined): void {
    this.dispatcher.interceptor = interceptor;
    this.connectionGate = interceptor;
  }

  /** Requests being processed right now. */
  get runningRequests(): number {
    return this.dispatcher.running;
  }

  /** Connections refused, and silent ones closed for a new one, at the connection bounds (see maxConnections). */
  get connectionsTurnedAway(): { refused: number; evicted: number } {
    return { refused: this.refused, evicted: this.evicted };
  }

  /** Body bytes of the requests being processed that answer later (see requestBodyBudgetBytes). */
  get requestBodyBytes(): number {
    return this.owner.requestBytesBudget?.usedBytes ?? 0;
  }

  /**
   * Stops accepting, waits up to `graceMillis` for running requests and queued responses, then closes
   * every connection (requests this server sent over them fail).
   */
  async shutdown(options: { graceMillis?: number } = {}): Promise<void> {
    if (this.state === 'starting') await this.starting?.catch(() => undefined);
    if (this.state === 'stopping' || this.state === 'stopped') return;
    const wasListening = this.state === 'running';
    this.state = 'stopping';
    const graceMillis = options.graceMillis ?? TransportDefaults.shutdownGraceMillis;
    const begin = monotonicNow();
    const closedListener = wasListening
      ? new Promise<void>((resolve) => this.server.close(() => resolve()))
      : Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMillis);
      timer.unref();
    });
    await Promise.race([this.dispatcher.whenIdle(), deadline]);
    clearTimeout(timer);
    const left = Math.max(0, graceMillis - (monotonicNow() - begin));
    await Promise.all([...this.connections].map((connection) => connection.closeGracefully(left)));
    this.tlsAcceptor?.close();
    this.releaseWaiters();
    await closedListener;
    this.state = 'stopped';
    this.logger.info({}, 'remoting server stopped');
  }

  private accept(socket: net.Socket): void {
    if (this.state !== 'running' || this.connectionGate?.refuseConnection(socket.remoteAddress) === true) {
      socket.destroy();
      return;
    }
    if (this.slots.full && !this.evictSilent()) {
      this.refused++;
      this.limitReport.refused++;
      this.reportLimit();
      socket.destroy();
      return;
    }
    // Taken even when full after an eviction: the evicted socket's descriptor is closed already, its
    // slot comes back when its 'close' event runs.
    this.slots.take();
    const acceptor = this.tlsAcceptor;
    if (acceptor === undefined) {
      socket.once('close', () => this.slots.give());
      this.adopt(socket);
      return;
    }
    // Before its first byte and handshake, the socket itself is what eviction may close.
    const pending = new PendingSocket(socket, acceptor);
    this.slots.hold(pending);
    socket.once('close', () => {
      this.slots.forget(pending);
      this.slots.give();
    });
    acceptor.accept(socket);
  }

  /**
   * At a connection bound: closes a connection that sent nothing for the newcomer (connection-slots.ts;
   * counted here even when it was another server's); false when there is none.
   */
  private evictSilent(): boolean {
    if (this.slots.evictSilent(monotonicNow()) === undefined) return false;
    this.evicted++;
    this.limitReport.evicted++;
    this.reportLimit();
    return true;
  }

  private reportLimit(): void {
    const report = this.limitReport;
    const now = monotonicNow();
    if (now - report.at < LIMIT_REPORT_MILLIS) return;
    this.logger.warn(
      {
        open: this.slots.used,
        maxConnections: this.slots.limit,
        processOpen: processConnectionSlots.used,
        processMax: processConnectionSlots.limit,
        refused: report.refused,
        evicted: report.evicted,
      },
      'connection bound reached: refusing new connections, closing those that sent nothing for them',
    );
    this.limitReport = { refused: 0, evicted: 0, at: now };
  }

  /** A socket ready for frames (plain, or TLS after its handshake; paused by the acceptor then). */
  private adopt(socket: net.Socket): void {
    if (this.state !== 'running') {
      socket.destroy();
      return;
    }
    const connection = new Connection(socket, this.owner);
    if (socket.isPaused()) socket.resume();
    this.connections.add(connection);
    this.slots.hold(connection);
    this.logger.debug({ remote: connection.remoteAddress }, 'connection accepted');
    emitChannelEvent(this.owner, (l) => l.onChannelConnect?.(connection));
  }

  private requireBound(): { host: string; port: number } {
    if (!this.bound) throw new IllegalStateError('remoting server is not started');
    return this.bound;
  }
}
