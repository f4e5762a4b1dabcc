/**
 * Reads the rest of a large request frame straight into one buffer (a "landing"), server side.
 *
 * Without it a 1 MiB request arrives as 16 socket reads, each a new ArrayBuffer: V8 counts them as
 * external memory and runs a full mark-compact every few dozen such requests (user-read-buffer.ts).
 * Once the reader has the length prefix of a frame of at least LANDING_MIN_FRAME_BYTES, the bytes
 * held of it move into a buffer of the frame's size (landing-buffers.ts, reused when the request's
 * processor allows it) and the socket reads the rest into that buffer, each read limited to the
 * bytes the frame still lacks; the whole frame then goes to the decoder in one piece, and the
 * command's body is a view of the buffer (no copy).
 *
 * A connection switches to reading into our buffers when it is made (or, when Node already holds
 * input of it, at its first large frame once that input was handed over). Its reads that are not
 * for a landing go into one scratch buffer shared by every switched connection and are copied out
 * at once (libuv fills a read's buffer and hands it to the callback before any other read, so the
 * scratch is free again after each callback): an idle connection pins no memory, and small frames
 * cost a copy of each read instead of Node's allocation per read. A read into the scratch while a
 * frame lands (the landing began between two reads) is copied into the frame.
 *
 * Invariant: while the socket may read into a view of the frame, no byte reaches the frame any
 * other way (a switched socket emits no 'data'); `absorb` refuses input that would break it.
 *
 * The whole frame is counted in the partial-frame budget while it lands (its buffer is its size from
 * the start); a frame that would not fit the budget's room is not landed, and arrives the usual way.
 */
import type { Socket } from 'node:net';
import type { PartialFrameBudget } from './partial-frames.js';
import type { FrameDecoder } from '../protocol/frame/frame-decoder.js';
import { LANDING_MIN_FRAME_BYTES, landingBuffers } from './landing-buffers.js';
import { canReadIntoUserBuffer, installUserReadBuffer } from './user-read-buffer.js';

const SCRATCH_BYTES = 64 * 1024;
/** Reads of switched connections outside a landing (copied out within their callback). */
const scratch = Buffer.allocUnsafeSlow(SCRATCH_BYTES);

/** What a landing hands its input to: chunks read outside it, and its frame once whole. */
export type LandingInput = (chunk: Buffer) => void;

export class FrameLanding {
  /** The frame being landed: its buffer (4-byte prefix + payload) and the bytes filled so far. */
  private frame: Buffer | undefined;
  private filled = 0;
  /** The view of `frame` the socket reads into next (compared by identity in onRead). */
  private view: Buffer | undefined;
  /** Reading into our buffers (user-read-buffer.ts); false until the first landing. */
  private switched = false;
  /** The socket cannot switch (TLS, or a Node without the internals): nothing is landed. */
  private unavailable = false;

  constructor(
    private readonly socket: Socket,
    private readonly budget: PartialFrameBudget | undefined,
    /** Chunks for the decoder (the reader's input path). */
    private readonly input: LandingInput,
    /** A read of a switched socket arrived (the reader notes the activity). */
    private readonly touched: () => void,
  ) {
    if (!canReadIntoUserBuffer(socket)) this.unavailable = true;
    else if (socket.readableLength === 0) {
      this.switched = installUserReadBuffer(socket, scratch, this.onRead, this.nextBuffer);
    }
  }

  /** True while a frame is landing: its bytes are held here, not in the decoder. */
  get active(): boolean {
    return this.frame !== undefined;
  }

  /** Bytes counted for the landing frame in the partial-frame budget (its whole size). */
  get heldBytes(): number {
    return this.frame === undefined ? 0 : this.frame.length;
  }

  /**
   * After input was decoded: lands the decoder's unfinished frame when it is large and fits the
   * budget's room. `decoderHeld`: what the budget counts for the decoder now.
   */
  maybeStart(decoder: FrameDecoder, decoderHeld: number): void {
    if (this.frame !== undefined || this.unavailable) return;
    const pending = decoder.pendingFrame;
    if (pending === undefined) return;
    const total = 4 + pending.length;
    if (total < LANDING_MIN_FRAME_BYTES) return;
    const budget = this.budget;
    if (budget !== undefined && budget.usedBytes + (total - decoderHeld) > budget.limitBytes) return;
    if (!this.switched) {
      // Chunks Node read but did not hand over yet would come after bytes read into the frame.
      if (this.socket.readableLength > 0) return;
      if (!canReadIntoUserBuffer(this.socket)) {
        this.unavailable = true;
        return;
      }
    }
    const frame = landingBuffers.lend(total);
    this.filled = decoder.detachPendingFrame(frame);
    this.frame = frame;
    if (!this.switched) {
      this.view = frame.subarray(this.filled);
      this.switched = installUserReadBuffer(this.socket, this.view, this.onRead, this.nextBuffer);
      // Not expected after canReadIntoUserBuffer; the frame then completes from 'data' chunks.
      if (!this.switched) {
        this.unavailable = true;
        this.view = undefined;
      }
    }
  }

  /**
   * A chunk read the usual way ('data'): its bytes that belong to the landing frame go into it, the
   * rest (everything when nothing lands) to the decoder. False when it cannot be taken without
   * breaking the invariant above (the connection must close).
   */
  absorb(chunk: Buffer): boolean {
    if (this.view !== undefined) return false;
    this.take(chunk, false);
    return true;
  }

  /** The buffer for the socket's next read. */
  private readonly nextBuffer = (): Buffer => {
    const frame = this.frame;
    if (frame === undefined) return scratch;
    this.view = frame.subarray(this.filled);
    return this.view;
  };

  /** Each read of a switched socket: `nread` bytes at the start of `buffer`. */
  private readonly onRead = (nread: number, buffer: Buffer): void => {
    this.touched();
    if (buffer === this.view) {
      this.view = undefined;
      this.filled += nread;
      if (this.filled === this.frame!.length) this.land();
      return;
    }
    // The scratch: copied out before the next read reuses it.
    this.take(buffer.subarray(0, nread), true);
  };

  /** Bytes of the landing frame into it, the rest to the decoder (copied when `reused`). */
  private take(chunk: Buffer, reused: boolean): void {
    const frame = this.frame;
    if (frame === undefined) {
      this.input(reused ? Buffer.from(chunk) : chunk);
      return;
    }
    const n = Math.min(chunk.length, frame.length - this.filled);
    chunk.copy(frame, this.filled, 0, n);
    this.filled += n;
    if (this.filled === frame.length) this.land();
    if (n < chunk.length) this.take(chunk.subarray(n), reused);
  }

  /** The frame is whole: it goes to the decoder in one piece. */
  private land(): void {
    const frame = this.frame!;
    this.frame = undefined;
    this.view = undefined;
    this.input(frame);
  }
}
