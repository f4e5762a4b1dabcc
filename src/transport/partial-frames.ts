/**
 * Bounds on unfinished frames, the memory a peer can pin without ever completing a request:
 *
 * - PartialFrameBudget: one byte budget per server, shared by all its connections, for the bytes
 *   their decoders hold while a frame is incomplete. Without it 96 connections each holding an
 *   unfinished 16 MiB frame took a broker from 340 MB to 1.6 GB.
 * - PartialFrameTracker (one per connection): counts that connection's held bytes in the budget and
 *   remembers when its unfinished frame began, so the sweep can close a connection whose frame is not
 *   completed in time. The idle timeout cannot catch a peer trickling one byte per second: bytes
 *   keep arriving. The deadline restarts while we pause reading (the peer does not read our
 *   answers): the frame cannot progress then, whatever the peer's upload does.
 *
 * Held bytes are counted after each chunk is fed, so a connection overshoots by at most one socket
 * read (64 KiB) before it is refused.
 */
import type { Logger } from '../common/logger.js';
import { ByteBudget } from './byte-budget.js';

/** What a tracker reads of the bytes a connection holds: its decoder's, and a landing frame's. */
export interface HeldInput {
  /** Bytes held of unfinished frames and of input kept undecoded. */
  readonly bufferedBytes: number;
  /** A frame has begun and is not complete (or kept input waits). */
  readonly hasPartialFrame: boolean;
  /** Frames completed so far (a new count with a partial frame means a new frame began). */
  readonly framesCompleted: number;
}

/** Bytes held by all connections' unfinished frames (one per server). */
export class PartialFrameBudget extends ByteBudget {}

/** What a tracker needs from the server that owns its connection. */
export interface PartialFrameLimits {
  readonly logger: Logger;
  /** Undefined = no budget (client side). */
  readonly partialFrameBudget: PartialFrameBudget | undefined;
  /** 0 = no deadline. */
  readonly frameCompletionTimeoutMillis: number;
}

export class PartialFrameTracker {
  /** Bytes of this connection counted in the budget. */
  private counted = 0;
  /** Monotonic time at which the unfinished frame began; -1 when none is unfinished. */
  private startedAt = -1;
  private framesAtStart = 0;

  constructor(
    private readonly limits: PartialFrameLimits,
    private readonly remoteAddress: string,
  ) {}

  /** Bytes of this connection counted in the budget now. */
  get countedBytes(): number {
    return this.counted;
  }

  /**
   * After a chunk was fed at `now`: notes a newly begun frame and counts the held bytes. Returns why
   * the connection must close when they do not fit the budget (logged here), else undefined.
   */
  afterChunk(decoder: HeldInput, now: number): string | undefined {
    if (!decoder.hasPartialFrame) this.startedAt = -1;
    else if (this.startedAt < 0 || decoder.framesCompleted !== this.framesAtStart) {
      this.startedAt = now;
      this.framesAtStart = decoder.framesCompleted;
    }
    const budget = this.limits.partialFrameBudget;
    if (budget === undefined) return undefined;
    const held = decoder.bufferedBytes;
    if (held > this.counted && !budget.tryTake(held - this.counted)) {
      this.limits.logger.warn(
        {
          remote: this.remoteAddress,
          bufferedBytes: held,
          budgetBytes: budget.limitBytes,
          usedBytes: budget.usedBytes,
        },
        'closing connection: its unfinished frame would exceed the partial-frame budget',
      );
      return 'unfinished frames over the partial-frame budget';
    }
    if (held < this.counted) budget.give(this.counted - held);
    this.counted = held;
    return undefined;
  }

  /**
   * Checked by the sweep: why the connection must close when its unfinished frame is late (logged
   * here), else undefined.
   */
  lateFrame(now: number, readingPaused: boolean, decoder: HeldInput): string | undefined {
    const timeoutMillis = this.limits.frameCompletionTimeoutMillis;
    if (this.startedAt < 0 || timeoutMillis <= 0) return undefined;
    if (readingPaused) {
      this.startedAt = now;
      return undefined;
    }
    if (now - this.startedAt < timeoutMillis) return undefined;
    this.limits.logger.warn(
      { remote: this.remoteAddress, timeoutMillis, bufferedBytes: decoder.bufferedBytes },
      'closing connection: frame not completed within frameCompletionTimeoutMillis',
    );
    return `frame not completed within ${timeoutMillis} ms`;
  }

  /** The connection closed: its held bytes return to the budget. */
  release(): void {
    this.limits.partialFrameBudget?.give(this.counted);
    this.counted = 0;
    this.startedAt = -1;
  }
}
