/**
 * The reading side of a Connection: socket chunks into its frame decoder, the decoded commands to the
 * connection's command sink, the held bytes counted in the partial-frame budget (partial-frames.ts).
 *
 * Server side, reading is fair (read-turns.ts): once the connection has used its share of an
 * event-loop turn (or the server its slice), the reader pauses the socket (ReadHold.turn), keeps the
 * rest of the input undecoded in the decoder (counted in the partial-frame budget), waits in the
 * server's ReadTurns queue and continues, in order, on a later turn. The per-request part stays in
 * the connection's sink: it counts requests and, every REQUESTS_PER_CLOCK_READ, asks `checkShare`.
 *
 * Server side too, a large frame may be read into one buffer instead (frame-landing.ts): its bytes
 * are held by the landing until it is whole, then go through the same path as a chunk.
 */
import type { Socket } from 'node:net';
import type { HeaderLimits } from '../protocol/command/header-limits.js';
import { FrameDecoder, PAUSE_FEED } from '../protocol/frame/frame-decoder.js';
import { FrameLanding } from './frame-landing.js';
import type { LandingReservations } from './landing-buffers.js';
import type { CommandSink } from '../protocol/frame/frame-decoder.js';
import { PartialFrameTracker } from './partial-frames.js';
import type { HeldInput, PartialFrameLimits } from './partial-frames.js';
import { ReadHold } from './read-gate.js';
import type { ReadGate } from './read-gate.js';
import type { ReadTurns, TurnTaker } from './read-turns.js';
import { monotonicNow } from './sweeper.js';

/** What the reader needs of the client or server that owns its connection. */
export interface ReaderLimits extends PartialFrameLimits {
  readonly maxFrameLength: number;
  readonly headerLimits: HeaderLimits;
  /** Server side: the shared fair-reading queue; undefined on a client (no limit). */
  readonly readTurns: ReadTurns | undefined;
  /** Server side: the bound on frames landing at once (frame-landing.ts); undefined: none land. */
  readonly landingReservations: LandingReservations | undefined;
}

/** What the reader needs of its connection. */
export interface ReadingConnection {
  readonly closed: boolean;
  lastActivity: number;
  close(reason: string): void;
  /** The input is undecodable (or a header over the limits): answer when possible, and close. */
  protocolFailure(error: Error): void;
}

export class ConnectionReader implements TurnTaker {
  private readonly decoder: FrameDecoder;
  private readonly partialFrame: PartialFrameTracker;
  private readonly turns: ReadTurns | undefined;
  /** The turn `turnStartedAt` and `shareUsed` are for. */
  private turnSeen = -1;
  private turnStartedAt = 0;
  private shareUsed = false;
  /** Queued in `turns`, its socket paused. */
  private waitingTurn = false;
  /** Server side, plain TCP: large frames read into one buffer (undefined: never). */
  private readonly landing: FrameLanding | undefined;
  /** The bytes held for the partial-frame tracker: the decoder's, and the landing frame's. */
  private readonly held: HeldInput;

  constructor(
    private readonly connection: ReadingConnection,
    limits: ReaderLimits,
    remoteAddress: string,
    private readonly gate: ReadGate,
    /** The connection's handler of each decoded command. */
    private readonly onCommand: CommandSink,
    /** Server side: the socket whose large frames are landed (frame-landing.ts); undefined: none. */
    landingSocket?: Socket,
  ) {
    const decoder = new FrameDecoder(limits.maxFrameLength, limits.headerLimits);
    this.decoder = decoder;
    this.partialFrame = new PartialFrameTracker(limits, remoteAddress);
    this.turns = limits.readTurns;
    const landing =
      landingSocket === undefined
        ? undefined
        : new FrameLanding(landingSocket, decoder, limits.landingReservations!, this.input, () => {
            const now = monotonicNow();
            this.connection.lastActivity = now;
            this.countHeld(now);
          });
    this.landing = landing;
    this.held =
      landing === undefined
        ? decoder
        : {
            get bufferedBytes() {
              return decoder.bufferedBytes + landing.heldBytes;
            },
            get hasPartialFrame() {
              return landing.active || decoder.hasPartialFrame;
            },
            get framesCompleted() {
              return decoder.framesCompleted;
            },
          };
  }

  /** The socket's 'data' listener. */
  readonly onData = (chunk: Buffer): void => {
    if (this.landing === undefined) return this.input(chunk);
    // A landing takes its frame's bytes; it refuses a chunk only if Node broke its contract.
    if (!this.landing.absorb(chunk)) this.connection.close('socket data arrived while a frame was landing');
  };

  /** Input for the decoder: a chunk read, or a landed frame. */
  private readonly input = (chunk: Buffer): void => {
    // After a refusal the connection only flushes its answer before closing: the rest is not read.
    if (this.decoder.failure !== undefined || this.connection.closed) return;
    const now = monotonicNow();
    this.connection.lastActivity = now;
    const turns = this.turns;
    if (turns !== undefined && (this.waitingTurn || !this.mayDispatch(turns, now))) {
      // Its share of this turn is used, or the server's: the bytes wait (in the read budget).
      this.decoder.queueInput(chunk);
      this.waitForTurn(turns);
    } else {
      this.decode(chunk);
    }
    this.afterInput(now);
  };

  /** Its turn came (read-turns.ts): decodes the input it kept, then reads again unless it must wait. */
  continueReading(now: number): void {
    this.waitingTurn = false;
    if (this.connection.closed || this.decoder.failure !== undefined) return;
    const turns = this.turns!;
    if (!this.mayDispatch(turns, now)) return this.waitForTurn(turns);
    if (this.decoder.hasUnreadInput) this.decode(undefined);
    if (!this.waitingTurn) this.gate.release(ReadHold.turn);
    this.afterInput(now);
  }

  /**
   * Server side, every REQUESTS_PER_CLOCK_READ requests (the connection counts them): PAUSE_FEED once
   * this turn's share of time is used.
   */
  checkShare(): true | typeof PAUSE_FEED {
    if (monotonicNow() - this.turnStartedAt < this.turns!.shareMillis) return true;
    this.shareUsed = true;
    return PAUSE_FEED;
  }

  /** Checked by the sweep: why the connection must close when its unfinished frame is late, else undefined. */
  lateFrame(now: number, readingPaused: boolean): string | undefined {
    return this.partialFrame.lateFrame(now, readingPaused, this.held);
  }

  /** The connection closed: its held bytes return to the partial-frame budget, its landing's reservation too. */
  release(): void {
    this.partialFrame.release();
    this.landing?.release();
  }

  /** Opens this connection's share of the current turn; false when it or the server used its share. */
  private mayDispatch(turns: ReadTurns, now: number): boolean {
    if (this.turnSeen !== turns.turn) {
      this.turnSeen = turns.turn;
      this.turnStartedAt = now;
      this.shareUsed = false;
    }
    return turns.enter(now) && !this.shareUsed;
  }

  private waitForTurn(turns: ReadTurns): void {
    if (this.waitingTurn) return;
    this.waitingTurn = true;
    this.gate.hold(ReadHold.turn);
    turns.wait(this, this.shareUsed);
  }

  /** Decodes `chunk`, or without one the input kept from before; waits once its share is used. */
  private decode(chunk: Buffer | undefined): void {
    try {
      if (chunk === undefined) this.decoder.resumeFeed(this.onCommand);
      else this.decoder.feed(chunk, this.onCommand);
    } catch (error) {
      // Garbage after good frames: those were handled (as Netty does), now the connection goes.
      if (!this.connection.closed) this.connection.protocolFailure(error as Error);
    }
    if (this.shareUsed && !this.connection.closed && this.decoder.failure === undefined) {
      this.waitForTurn(this.turns!);
    }
  }

  /**
   * After input was read or decoded: lands a large unfinished frame (server side), then counts the
   * held bytes in the budget (closes when over it).
   */
  private afterInput(now: number): void {
    if (this.connection.closed) return;
    if (this.landing !== undefined && this.decoder.failure === undefined) {
      this.landing.maybeStart();
    }
    this.countHeld(now);
  }

  /** Counts the held bytes in the partial-frame budget (closes the connection when over it). */
  private countHeld(now: number): void {
    if (this.connection.closed) return;
    const overBudget = this.partialFrame.afterChunk(this.held, now);
    if (overBudget !== undefined) this.connection.close(overBudget);
  }
}
