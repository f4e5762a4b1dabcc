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
import { Connection } from './connection.js';
import type { ConnectionOwner } from './connection.js';
import { TransportDefaults } from './defaults.js';
import { RequestDispatcher } from './dispatcher.js';
import { Permits } from './permits.js';
import { monotonicNow, Sweeper } from './sweeper.js';
import type {
  ChannelEventListener,
  ProcessorOptions,
  RemotingChannel,
  RemotingServerOptions,
  RequestProcessor,
  RPCHook,
} from './types.js';

export interface RemotingServerConfig extends RemotingServerOptions {
  logger?: Logger;
  /** Response-table / idle sweep period, ms (default 1000). */
  scanIntervalMillis?: number;
}

type State = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

export class RemotingServer {
  private readonly connections = new Set<Connection>();
  private readonly hooks: RPCHook[] = [];
  private readonly listeners: ChannelEventListener[] = [];
  private readonly sweeper: Sweeper;
  private readonly dispatcher: RequestDispatcher;
  private readonly asyncPermits: Permits;
  private readonly onewayPermits: Permits;
  private readonly owner: ConnectionOwner;
  private readonly logger: Logger;
  private readonly idleMillis: number;
  private readonly server: net.Server;
  private state: State = 'new';
  private bound: { host: string; port: number } | undefined;

  constructor(private readonly options: RemotingServerConfig = {}) {
    const d = TransportDefaults;
    this.logger = options.logger ?? silentLogger;
    this.idleMillis = options.channelMaxIdleMillis ?? d.channelMaxIdleMillis;
    if (!(this.idleMillis >= 0))
      throw new RangeError(`channelMaxIdleMillis must be >= 0, got ${this.idleMillis}`);
    this.sweeper = new Sweeper(options.scanIntervalMillis ?? d.scanIntervalMillis, (now) => {
      for (const connection of [...this.connections])
        connection.sweep(now, d.scanGraceMillis, this.idleMillis);
    });
    const serializeType = options.serializeType ?? d.serializeType;
    this.dispatcher = new RequestDispatcher(this.hooks, serializeType, this.logger);
    this.asyncPermits = new Permits(options.asyncPermits ?? d.serverAsyncPermits, this.sweeper);
    this.onewayPermits = new Permits(options.onewayPermits ?? d.serverOnewayPermits, this.sweeper);
    this.owner = {
      logger: this.logger,
      sweeper: this.sweeper,
      dispatcher: this.dispatcher,
      hooks: this.hooks,
      listeners: this.listeners,
      asyncPermits: this.asyncPermits,
      onewayPermits: this.onewayPermits,
      serializeType,
      maxFrameLength: options.maxFrameLength ?? d.maxFrameLength,
      closeSocketIfTimeout: false,
      maxQueuedWriteBytes: d.maxQueuedWriteBytes,
      connectionClosed: (connection) => this.connections.delete(connection),
    };
    this.server = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
    this.server.on('error', (error) => this.logger.error({ error: error.message }, 'server socket error'));
  }

  registerProcessor(code: number, processor: RequestProcessor, options?: ProcessorOptions): void {
    this.dispatcher.register(code, processor, options);
  }

  registerDefaultProcessor(processor: RequestProcessor, options?: ProcessorOptions): void {
    this.dispatcher.registerDefault(processor, options);
  }

  registerRPCHook(hook: RPCHook): void {
    this.hooks.push(hook);
  }

  addChannelEventListener(listener: ChannelEventListener): void {
    this.listeners.push(listener);
  }

  /** Binds and listens; resolves with the bound address (port 0 picks a free port). */
  async start(): Promise<{ host: string; port: number }> {
    if (this.state !== 'new')
      throw new IllegalStateError(`remoting server cannot start: it is ${this.state}`);
    this.state = 'starting';
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

  get port(): number {
    return this.requireBound().port;
  }

  get host(): string {
    return this.requireBound().host;
  }

  /** "host:port" (IPv6 in brackets). */
  get address(): string {
    const { host, port } = this.requireBound();
    return formatAddress(host, port);
  }

  channels(): RemotingChannel[] {
    return [...this.connections];
  }

  /** Requests being processed right now. */
  get runningRequests(): number {
    return this.dispatcher.running;
  }

  /**
   * Stops accepting, waits up to `graceMillis` for running requests and queued responses, then closes
   * every connection (requests this server sent over them fail).
   */
  async shutdown(options: { graceMillis?: number } = {}): Promise<void> {
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
    this.asyncPermits.rejectAll();
    this.onewayPermits.rejectAll();
    for (const item of this.sweeper.stop()) item.expire(monotonicNow());
    await closedListener;
    this.state = 'stopped';
    this.logger.info({}, 'remoting server stopped');
  }

  private accept(socket: net.Socket): void {
    if (this.state !== 'running') {
      socket.destroy();
      return;
    }
    const connection = new Connection(socket, this.owner);
    this.connections.add(connection);
    this.logger.debug({ remote: connection.remoteAddress }, 'connection accepted');
    emitChannelEvent(this.owner, (l) => l.onChannelConnect?.(connection));
  }

  private requireBound(): { host: string; port: number } {
    if (!this.bound) throw new IllegalStateError('remoting server is not started');
    return this.bound;
  }
}
