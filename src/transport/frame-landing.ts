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
 * frame lands (the landing began between two reads) is copied into the frame. A scratch read that
 * ends with the start of a large frame (the usual read right after a landing) lands that start at
 * once: its bytes are copied into the frame's buffer, not into a new chunk for the decoder first.
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
    private readonly decoder: FrameDecoder,
    private readonly budget: PartialFrameBudget | undefined,
    /** What the partial-frame budget counts for this connection now. */
    private readonly counted: () => number,
    /** Chunks for the decoder (the reader's input path). */
    private readonly input: LandingInput,
    /**
     * After each read of a switched socket: the reader notes the activity and counts what is held
     * (a read may start or fill a landing without any input reaching the decoder).
     */
    private readonly afterRead: () => void,
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

  /** After input was decoded: lands the decoder's unfinished frame when it is large and fits. */
  maybeStart(): void {
    if (this.frame !== undefined || this.unavailable) return;
    const decoder = this.decoder;
    const pending = decoder.pendingFrame;
    if (pending === undefined || !this.fits(4 + pending.length)) return;
    const total = 4 + pending.length;
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
    if (buffer === this.view) {
      this.view = undefined;
      this.filled += nread;
      if (this.filled === this.frame!.length) this.land();
    } else {
      // The scratch: copied out before the next read reuses it.
      this.take(buffer.subarray(0, nread), true);
    }
    this.afterRead();
  };

  /** Bytes of the landing frame into it, the rest to the decoder (copied when `reused`). */
  private take(chunk: Buffer, reused: boolean): void {
    const frame = this.frame;
    if (frame === undefined) {
      const tail = reused ? this.largeTail(chunk) : -1;
      if (tail < 0) return this.input(reused ? Buffer.from(chunk) : chunk);
      // The whole frames before it go to the decoder (copied), the start of the large one lands.
      if (tail > 0) this.input(Buffer.from(chunk.subarray(0, tail)));
      const rest = chunk.subarray(tail);
      if (!this.landFrom(rest)) this.input(Buffer.from(rest));
      return;
    }
    const n = Math.min(chunk.length, frame.length - this.filled);
    chunk.copy(frame, this.filled, 0, n);
    this.filled += n;
    if (this.filled === frame.length) this.land();
    if (n < chunk.length) this.take(chunk.subarray(n), reused);
  }

  /** Whether a frame of `total` bytes may land: large enough, and within the budget's room. */
  private fits(total: number): boolean {
    if (total < LANDING_MIN_FRAME_BYTES) return false;
    const budget = this.budget;
    return budget === undefined || budget.usedBytes + (total - this.counted()) <= budget.limitBytes;
  }

  /**
   * Where `chunk` (read while nothing lands, the decoder at a frame boundary) ends with the start of
   * a frame that may land; -1 when it does not. Only lengths the decoder accepts are followed.
   */
  private largeTail(chunk: Buffer): number {
    const decoder = this.decoder;
    if (decoder.hasPartialFrame || decoder.failure !== undefined) return -1;
    let at = 0;
    while (chunk.length - at >= 4) {
      const length = chunk.readInt32BE(at);
      if (length < 4 || length > decoder.maxFrameLength) return -1;
      if (chunk.length - at - 4 < length) return this.fits(4 + length) ? at : -1;
      at += 4 + length;
    }
    return -1;
  }

  /** Lands the frame `start` begins (its length prefix and some of its bytes); false if it cannot now. */
  private landFrom(start: Buffer): boolean {
    // Feeding the frames before it may have closed the connection, failed the decoder or filled it.
    const total = 4 + start.readInt32BE(0);
    if (this.decoder.hasPartialFrame || this.decoder.failure !== undefined || !this.fits(total)) return false;
    const frame = landingBuffers.lend(total);
    start.copy(frame, 0);
    this.filled = start.length;
    this.frame = frame;
    this.view = undefined;
    return true;
  }

  /** The frame is whole: it goes to the decoder in one piece. */
  private land(): void {
    const frame = this.frame!;
    this.frame = undefined;
    this.view = undefined;
    this.input(frame);
  }
}
