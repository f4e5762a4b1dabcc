/**
 * What the remoting client and the remoting server have in common: the processor table, RPC hooks,
 * channel event listeners, permits, the sweeper that walks their connections, and the ConnectionOwner
 * handed to each connection. Subclasses keep their connections (a client by address, a server as a
 * set) and say how to list them and forget one.
 */
import type { Logger } from '../common/logger.js';
import type { SerializeTypeCode } from '../protocol/codes/misc.js';
import { resolveHeaderLimits } from '../protocol/command/header-limits.js';
import type { HeaderLimits } from '../protocol/command/header-limits.js';
import type { Connection } from './connection.js';
import type { ConnectionOwner } from './connection-owner.js';
import { TransportDefaults } from './defaults.js';
import { RequestDispatcher } from './dispatcher.js';
import type { RemotingCommand } from '../protocol/command/remoting-command.js';
import type { LandingReservations } from './landing-buffers.js';
import type { PartialFrameBudget } from './partial-frames.js';
import type { ReadTurns } from './read-turns.js';
import type { RequestBytesBudget } from './request-bytes-budget.js';
import { Permits } from './permits.js';
import { monotonicNow, Sweeper } from './sweeper.js';
import type { ChannelEventListener, ProcessorOptions, RequestProcessor, RPCHook } from './types.js';
import type { WriteBacklogBudget } from './write-backlog-budget.js';

/** The header caps of a client's or server's options, defaults filled in. */
export function headerLimitsOf(options: {
  maxHeaderLength?: number;
  maxHeaderFields?: number;
}): HeaderLimits {
  return resolveHeaderLimits({
    maxHeaderLength: options.maxHeaderLength ?? TransportDefaults.maxHeaderLength,
    maxHeaderFields: options.maxHeaderFields ?? TransportDefaults.maxHeaderFields,
  });
}

/** Settings already resolved against the defaults (and validated) by the subclass. */
export interface EndpointSettings {
  logger: Logger;
  scanIntervalMillis: number;
  /** Close a connection idle for this long (0 = never). */
  idleMillis: number;
  serializeType: SerializeTypeCode;
  maxFrameLength: number;
  headerLimits: HeaderLimits;
  /** Server: the budget all its connections' unfinished frames share; undefined = none. */
  partialFrameBudget: PartialFrameBudget | undefined;
  /** Time to complete a started frame (0 = no limit). */
  frameCompletionTimeoutMillis: number;
  asyncPermits: number;
  onewayPermits: number;
  closeSocketIfTimeout: boolean;
  maxQueuedWriteBytes: number;
  /** Server: the budget all its connections' write backlogs share; undefined = none. */
  writeBacklogBudget?: WriteBacklogBudget | undefined;
  /** Server: fair reading (requests per connection per event-loop turn); undefined = unlimited. */
  readTurns?: ReadTurns | undefined;
  /** Server: the bounds on request bodies in progress; undefined = none. */
  requestBytesBudget?: RequestBytesBudget | undefined;
  /** Server: large frames are read into landing buffers within these (frame-landing.ts). */
  landingReservations?: LandingReservations | undefined;
  /**
   * Whether the RPC hooks also run on the requests sent with a connection's `invoke` / `invokeOneway`.
   * A client's do (they sign what it sends). A server's do not: its hooks check the requests it
   * receives (access control), and its own requests to its clients (transaction checks, reply pushes)
   * would be refused by them. Java 4.9.8's NettyRemotingServer.invoke* run no hooks either.
   */
  hooksOnChannelRequests: boolean;
}

export abstract class RemotingEndpoint {
  protected readonly hooks: RPCHook[] = [];
  protected readonly listeners: ChannelEventListener[] = [];
  protected readonly logger: Logger;
  protected readonly sweeper: Sweeper;
  protected readonly dispatcher: RequestDispatcher;
  protected readonly asyncPermits: Permits;
  protected readonly onewayPermits: Permits;
  protected readonly owner: ConnectionOwner;

  protected constructor(settings: EndpointSettings) {
    const { logger, idleMillis, serializeType } = settings;
    this.logger = logger;
    this.sweeper = new Sweeper(settings.scanIntervalMillis, (now) => {
      for (const connection of this.connectionList()) {
        connection.sweep(now, TransportDefaults.scanGraceMillis, idleMillis);
      }
    });
    this.dispatcher = new RequestDispatcher(this.hooks, serializeType, logger);
    this.asyncPermits = new Permits(settings.asyncPermits, this.sweeper);
    this.onewayPermits = new Permits(settings.onewayPermits, this.sweeper);
    this.owner = {
      logger,
      sweeper: this.sweeper,
      dispatcher: this.dispatcher,
      hooks: this.hooks,
      channelRequestHooks: settings.hooksOnChannelRequests ? this.hooks : [],
      listeners: this.listeners,
      asyncPermits: this.asyncPermits,
      onewayPermits: this.onewayPermits,
      serializeType,
      maxFrameLength: settings.maxFrameLength,
      headerLimits: settings.headerLimits,
      partialFrameBudget: settings.partialFrameBudget,
      frameCompletionTimeoutMillis: settings.frameCompletionTimeoutMillis,
      closeSocketIfTimeout: settings.closeSocketIfTimeout,
      maxQueuedWriteBytes: settings.maxQueuedWriteBytes,
      writeBacklogBudget: settings.writeBacklogBudget,
      readTurns: settings.readTurns,
      requestBytesBudget: settings.requestBytesBudget,
      landingReservations: settings.landingReservations,
      connectionClosed: (connection) => this.forgetConnection(connection),
    };
  }

  /** A snapshot of the open connections (the sweep may close some while it walks them). */
  protected abstract connectionList(): Connection[];

  /** Called once a connection has closed. */
  protected abstract forgetConnection(connection: Connection): void;

  /** Routes requests with this code to `processor` (replacing a previous one); `maxConcurrency` bounds those running at once. */
  registerProcessor(code: number, processor: RequestProcessor, options?: ProcessorOptions): void {
    this.dispatcher.register(code, processor, options);
  }

  /** Handles requests whose code has no processor (without one they are answered REQUEST_CODE_NOT_SUPPORTED). */
  registerDefaultProcessor(processor: RequestProcessor, options?: ProcessorOptions): void {
    this.dispatcher.registerDefault(processor, options);
  }

  /**
   * Adds a hook run before every request sent and after its response (e.g. ACL signing); on a server,
   * before every request received and after its answer (e.g. an ACL check), not on the server's own
   * requests to its clients.
   */
  registerRPCHook(hook: RPCHook): void {
    this.hooks.push(hook);
  }

  /** Adds a listener of connection events (connect, close, exception, idle, request timeout). */
  addChannelEventListener(listener: ChannelEventListener): void {
    this.listeners.push(listener);
  }

  /**
   * Gives up on a request waiting for its answer on the connection to `addr`: its response-table entry
   * is removed and its caller rejected with `error` (an async permit it held is released). False when
   * the request is not waiting there (not sent yet, answered, or failed).
   */
  cancelRequest(addr: string, request: RemotingCommand, error: Error): boolean {
    for (const connection of this.connectionList()) {
      if (connection.remoteAddress === addr) return connection.table.cancel(request, error);
    }
    return false;
  }

  /** Request codes of every request waiting for its response, over all connections (diagnostics, tests). */
  waitingRequestCodes(): number[] {
    return this.connectionList().flatMap((connection) => connection.table.waitingCodes());
  }

  /** Last step of a shutdown: permit waiters fail, timers stop, what still waited on them expires. */
  protected releaseWaiters(): void {
    this.asyncPermits.rejectAll();
    this.onewayPermits.rejectAll();
    for (const item of this.sweeper.stop()) item.expire(monotonicNow());
  }
}
