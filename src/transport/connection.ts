/**
 * One live TCP connection, client or server side: frame decoding, dispatch of incoming requests,
 * matching of responses to the in-flight table, batched writes, and the close path that fails every
 * waiting request at once. It is also the RemotingChannel handed to processors.
 *
 * Reading, and server side its fairness (read-turns.ts: after its share of an event-loop turn the
 * connection pauses its socket and continues, in order, on a later turn), is the ConnectionReader's
 * (connection-reader.ts); the connection keeps the per-request part, its command sink.
 */
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { RemotingSendRequestError, RemotingTimeoutError } from '../common/errors.js';
import { describeCommand, isResponse, markOneway } from '../protocol/command/remoting-command.js';
import type { RemotingCommand } from '../protocol/command/remoting-command.js';
import type { CommandSink, PAUSE_FEED } from '../protocol/frame/frame-decoder.js';
import { formatAddress } from './address.js';
import type { ConnectionOwner } from './connection-owner.js';
import { ConnectionReader } from './connection-reader.js';
import type { ReadingConnection } from './connection-reader.js';
import { FrameWriter } from './frame-writer.js';
import { InFlightTable } from './in-flight.js';
import {
  atCallSite,
  emitChannelEvent,
  encodeFrameOrHead,
  requestTimedOut,
  noPermitError,
  OnewayWrite,
  PromiseSettler,
  refusalAnswer,
  separateBody,
} from './channel-support.js';
import type { Settler } from './in-flight.js';
import { BACKPRESSURE_HOLDS, ReadGate } from './read-gate.js';
import { REQUESTS_PER_CLOCK_READ } from './read-turns.js';
import { RequestBytesTracker } from './request-bytes-budget.js';
import { monotonicNow } from './sweeper.js';
import { connectionClosedError, PEER_CLOSED } from './tls/tls-errors.js';
import type { RemotingChannel, RequestContext } from './types.js';

let connectionIds = 0;

/** How long a refused peer is given to receive its answer before the connection is destroyed. */
const REFUSAL_FLUSH_MILLIS = 1000;

export class Connection implements RemotingChannel, ReadingConnection {
  readonly id = ++connectionIds;
  readonly remoteAddress: string;
  readonly localAddress: string;
  readonly table: InFlightTable;
  readonly context: RequestContext = { channel: this };
  lastActivity = monotonicNow();
  readonly openedAt = this.lastActivity;
  /** True once a request arrived or a response to one of ours: a server never closes it for a newcomer (connection-slots.ts). */
  spoke = false;
  /** Server side: body bytes of this connection's requests in progress (undefined on a client). */
  readonly requestBytes: RequestBytesTracker | undefined;
  private readonly gate: ReadGate;
  private readonly reader: ConnectionReader;
  private readonly writer: FrameWriter;
  /**
   * Requests to dispatch before the reader next looks at the clock (Infinity on a client: never).
   * Counted here, in the command sink, so that the per-request path stays on this object.
   */
  private untilClockRead: number;
  private isClosed = false;
  private cleanedUp = false;
  private lastError: Error | undefined;
  /** A client's plain connection (a server has read turns): the first bytes received (null: none yet). */
  private firstBytes: Buffer | null | undefined;

  constructor(
    readonly socket: Socket,
    private readonly owner: ConnectionOwner,
    /** Address as the client named it; server side: derived from the socket. */
    remoteAddress?: string,
  ) {
    this.remoteAddress = remoteAddress ?? formatAddress(socket.remoteAddress, socket.remotePort);
    this.localAddress = formatAddress(socket.localAddress, socket.localPort);
    const gate = new ReadGate(socket);
    this.gate = gate;
    const budget = owner.requestBytesBudget;
    this.requestBytes = budget === undefined ? undefined : new RequestBytesTracker(budget, gate);
    // A server's plain connections land large frames (frame-landing.ts); TLS sockets cannot.
    const landing =
      owner.landingReservations !== undefined && !(socket instanceof TLSSocket) ? socket : undefined;
    this.reader = new ConnectionReader(this, owner, this.remoteAddress, gate, this.onCommand, landing);
    this.writer = new FrameWriter(socket, owner.maxQueuedWriteBytes, gate, owner.writeBacklogBudget);
    this.untilClockRead = owner.readTurns === undefined ? Infinity : REQUESTS_PER_CLOCK_READ;
    this.table = new InFlightTable(this.remoteAddress, {
      onTimeout: (entry) => requestTimedOut(owner, this, entry),
      onSendFailure: (_entry, error) => this.close(`write failed: ${error.message}`),
    });
    socket.setNoDelay(true);
    // A client's plain connection keeps the start of what it first receives (before the reader, whose
    // refusal of it closes the connection): a TLS-only server's alert there, or nothing at all before
    // the close, makes the close error say that the server may require TLS.
    if (owner.readTurns === undefined && !(socket instanceof TLSSocket)) {
      this.firstBytes = null;
      socket.once('data', (chunk: Buffer) => (this.firstBytes = Buffer.from(chunk.subarray(0, 2))));
    }
    socket.on('data', this.reader.onData);
    // Server side, the peer half-closed: the socket ends on the next tick (no half-open connections,
    // as Netty's default), so the answers already made go out first, as Netty's flushed ones do. A
    // client does not: requests written to a server that is closing may run there unanswered, and
    // the caller, told the connection closed, would send them again.
    if (owner.readTurns !== undefined) socket.on('end', () => this.writer.flushNow());
    socket.on('error', (error) => {
      this.lastError = error;
      owner.logger.warn({ remote: this.remoteAddress, error: error.message }, 'connection error');
      emitChannelEvent(owner, (l) => l.onChannelException?.(this, error));
      // As Java closes a channel on any exception. A TLS socket reports an error after its handshake
      // (a TLS 1.3 server refusing our certificate: an alert) without closing: waiting for 'close'
      // left requests hanging until their timeout.
      this.close(`connection error: ${error.message}`);
    });
    socket.on('close', () =>
      this.cleanup(this.lastError ? `connection error: ${this.lastError.message}` : PEER_CLOSED),
    );
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Bytes waiting to be written (ours + the socket's). */
  get writeBacklogBytes(): number {
    return this.writer.backlogBytes;
  }

  /**
   * Sends a request; `settler.settle` is called once with its response or error. Its `timeoutMillis`
   * run from `begin` (monotonic ms), when the caller read the clock just before; else from now.
   */
  request(
    command: RemotingCommand,
    timeoutMillis: number,
    prompt: boolean,
    settler: Settler,
    callerTimeoutMillis = timeoutMillis,
    begin?: number,
  ): void {
    if (this.isClosed) {
      settler.settle(new RemotingSendRequestError(this.remoteAddress, { reason: 'connection closed' }));
      return;
    }
    const entry = this.table.register(timeoutMillis, prompt, settler, callerTimeoutMillis, begin);
    command.opaque = entry.opaque;
    entry.request = command;
    let frame: Buffer;
    const body = separateBody(command);
    try {
      frame = encodeFrameOrHead(command, this.owner.serializeType, body);
    } catch (error) {
      this.table.fail(entry, error as Error);
      return;
    }
    if (prompt) this.owner.sweeper.schedule(entry, timeoutMillis, entry.begin);
    this.lastActivity = entry.begin;
    this.writer.write(frame, entry, body);
  }

  /** Promise form of `request`. */
  requestAsync(
    command: RemotingCommand,
    timeoutMillis: number,
    prompt: boolean,
    callerTimeoutMillis = timeoutMillis,
  ): Promise<RemotingCommand> {
    return new Promise((resolve, reject) => {
      this.request(command, timeoutMillis, prompt, new PromiseSettler(resolve, reject), callerTimeoutMillis);
    });
  }

  /**
   * Writes a oneway request (flag set here); resolves once handed to the kernel. While it waits
   * queued behind a peer that does not read, the periodic sweep fails it with RemotingTimeoutError
   * once `timeoutMillis` passed since `begin` (the call's start), and the frame is dropped unsent.
   */
  writeOneway(command: RemotingCommand, timeoutMillis: number, begin: number): Promise<void> {
    markOneway(command);
    command.opaque = this.table.takeOpaque();
    return new Promise((resolve, reject) => {
      const listener = new OnewayWrite(
        resolve,
        reject,
        this.remoteAddress,
        timeoutMillis,
        begin + timeoutMillis,
      );
      if (this.isClosed) return listener.onWritten(new Error('connection closed'));
      let frame: Buffer;
      const body = separateBody(command);
      try {
        frame = encodeFrameOrHead(command, this.owner.serializeType, body);
      } catch (error) {
        reject(error as Error);
        return;
      }
      this.lastActivity = monotonicNow();
      this.writer.write(frame, listener, body);
    });
  }

  /** Writes an encoded frame (or a head and its large body, uncopied), no completion report (responses). */
  writeFrame(frame: Buffer, body?: Buffer): void {
    if (this.isClosed) return;
    this.lastActivity = monotonicNow();
    this.writer.write(frame, undefined, body);
  }
  readonly writeFrameWithBody = (head: Buffer, body: Buffer): void => this.writeFrame(head, body);

  // RemotingChannel: requests sent over an accepted connection (server -> client) or answered ones.

  async invoke(request: RemotingCommand, timeoutMillis: number): Promise<RemotingCommand> {
    const begin = monotonicNow();
    if (!(await this.owner.asyncPermits.acquire(timeoutMillis)))
      throw atCallSite(noPermitError(this.remoteAddress, timeoutMillis, 'async'));
    try {
      for (const hook of this.owner.channelRequestHooks) hook.beforeRequest?.(this.remoteAddress, request);
      const remaining = timeoutMillis - (monotonicNow() - begin);
      if (remaining <= 0)
        throw new RemotingTimeoutError(this.remoteAddress, timeoutMillis, { detail: 'no time left' });
      const response = await this.requestAsync(request, remaining, true, timeoutMillis);
      for (const hook of this.owner.channelRequestHooks)
        hook.afterResponse?.(this.remoteAddress, request, response);
      return response;
    } catch (error) {
      throw atCallSite(error);
    } finally {
      this.owner.asyncPermits.release();
    }
  }

  async invokeOneway(request: RemotingCommand, timeoutMillis: number): Promise<void> {
    const begin = monotonicNow();
    if (!(await this.owner.onewayPermits.acquire(timeoutMillis)))
      throw atCallSite(noPermitError(this.remoteAddress, timeoutMillis, 'oneway'));
    try {
      for (const hook of this.owner.channelRequestHooks) hook.beforeRequest?.(this.remoteAddress, request);
      await this.writeOneway(request, timeoutMillis, begin);
    } catch (error) {
      throw atCallSite(error);
    } finally {
      this.owner.onewayPermits.release();
    }
  }

  async send(command: RemotingCommand): Promise<void> {
    if (this.isClosed)
      throw new RemotingSendRequestError(this.remoteAddress, { reason: 'connection closed' });
    const body = separateBody(command);
    const frame = encodeFrameOrHead(command, command.serializeType ?? this.owner.serializeType, body);
    await new Promise<void>((resolve, reject) => {
      this.lastActivity = monotonicNow();
      // No deadline: the server's write backlog limits close a peer that stops reading.
      this.writer.write(frame, new OnewayWrite(resolve, reject, this.remoteAddress), body);
    }).catch((error: unknown) => {
      throw atCallSite(error);
    });
  }

  /** Closes at once (no graceful flush); waiting requests fail immediately. */
  close(reason = 'closed locally'): void {
    if (this.cleanedUp) return;
    this.owner.logger.debug({ remote: this.remoteAddress, reason }, 'closing connection');
    this.socket.destroy();
    this.cleanup(reason);
  }

  /** Flushes what is queued, half-closes, and destroys after `graceMillis` if the peer lingers. */
  async closeGracefully(graceMillis: number, reason = 'shutdown'): Promise<void> {
    if (this.isClosed) return;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMillis);
      timer.unref();
    });
    await Promise.race([this.writer.whenIdle(), deadline]);
    if (!this.isClosed) {
      const closed = new Promise<void>((resolve) => this.socket.once('close', () => resolve()));
      this.socket.end();
      await Promise.race([closed, deadline]);
    }
    clearTimeout(timer);
    this.close(reason);
  }

  /** Periodic check from the sweeper: expiry of async entries, late frames and idle detection. */
  sweep(now: number, graceMillis: number, idleMillis: number): void {
    this.table.scan(now, graceMillis);
    this.writer.expireQueuedWrites(now);
    const late = this.isClosed ? undefined : this.reader.lateFrame(now, this.gate.isHeld(BACKPRESSURE_HOLDS));
    if (late !== undefined) return this.close(late);
    if (idleMillis > 0 && !this.isClosed && now - this.lastActivity >= idleMillis) {
      this.owner.logger.info({ remote: this.remoteAddress, idleMillis }, 'closing idle connection');
      emitChannelEvent(this.owner, (l) => l.onChannelIdle?.(this));
      this.close(`idle for ${idleMillis} ms`);
    }
  }

  /** Every REQUESTS_PER_CLOCK_READ requests: PAUSE_FEED once this turn's share of time is used. */
  private checkShare(): boolean | typeof PAUSE_FEED {
    this.untilClockRead = REQUESTS_PER_CLOCK_READ;
    if (this.isClosed) return false;
    return this.reader.checkShare();
  }

  /**
   * One decoded command; false once handling it closed the connection (the rest is dropped),
   * PAUSE_FEED once the connection used its share of the turn (the rest is kept).
   */
  private readonly onCommand: CommandSink = (command) => {
    if (isResponse(command)) {
      if (this.table.complete(command)) this.spoke = true;
      else {
        this.owner.logger.warn(
          { remote: this.remoteAddress, response: describeCommand(command) },
          'unmatched response dropped',
        );
      }
    } else {
      this.spoke = true;
      this.owner.dispatcher.dispatch(this, command);
      if (--this.untilClockRead === 0) return this.checkShare();
    }
    return !this.isClosed;
  };

  /** The reader could not decode the input (or a header is over the limits): answer when possible, close. */
  protocolFailure(error: Error): void {
    const answer = refusalAnswer(error, this.owner.serializeType);
    this.owner.logger.warn(
      { remote: this.remoteAddress, error: error.message },
      answer
        ? 'request header over the limits, answering and closing'
        : 'undecodable frame, closing connection',
    );
    this.lastError = error;
    emitChannelEvent(this.owner, (l) => l.onChannelException?.(this, error));
    const reason = `protocol error: ${error.message}`;
    if (answer === undefined) return this.close(reason);
    this.writeFrame(answer);
    void this.closeGracefully(REFUSAL_FLUSH_MILLIS, reason);
  }

  private cleanup(reason: string): void {
    if (this.cleanedUp) return;
    this.cleanedUp = true;
    this.isClosed = true;
    this.reader.release();
    this.requestBytes?.release();
    const plain = this.firstBytes === undefined ? undefined : { firstBytes: this.firstBytes ?? undefined };
    const closedError = (): Error => connectionClosedError(this, reason, this.lastError, plain);
    this.writer.fail(closedError());
    this.table.failAll(closedError);
    this.owner.connectionClosed(this);
    emitChannelEvent(this.owner, (l) => l.onChannelClose?.(this));
  }
}
