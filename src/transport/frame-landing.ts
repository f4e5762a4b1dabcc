/**
 * Reads the rest of a large request frame straight into one buffer (a "landing"), server side.
 *
 * Without it a 1 MiB request arrives as 16 socket reads, each a new ArrayBuffer: V8 counts them as
 * external memory and runs a full mark-compact every few dozen such requests (user-read-buffer.ts).
 * Once the reader has the length prefix of a frame of at least LANDING_MIN_FRAME_BYTES, the bytes
 * held of it move into a buffer of the frame's size (landing-buffers.ts, reused when the request's
 * processor allows it) and the socket reads the rest into that buffer, each read limited to the
 * bytes the frame still lacks plus one (see nextBuffer); the whole frame then goes to the decoder in
 * one piece, and the command's body is a view of the buffer (no copy).
 *
 * A connection switches to reading into our buffers when it is made, unless Node already holds input
 * of it (a TLS-permissive server's plain socket, whose first bytes were looked at): that one never
 * lands. Its reads that are not for a landing go into one scratch buffer shared by every switched
 * connection and are copied out at once (libuv fills a read's buffer and hands it to the callback
 * before any other read, so the scratch is free again after each callback): an idle connection pins
 * no memory, and small frames cost a copy of each read instead of Node's allocation per read. A read
 * into the scratch while a frame lands (the landing began between two reads) is copied into the
 * frame. A scratch read that ends with the start of a large frame (the usual read right after a
 * landing) lands that start at once: its bytes are copied into the frame's buffer, not into a new
 * chunk for the decoder first.
 *
 * Invariant: while the socket may read into a view of the frame, no byte reaches the frame any
 * other way (a switched socket emits no 'data'); `absorb` refuses input that would break it.
 *
 * Memory: the partial-frame budget counts a landing frame's bytes as they arrive, as any frame's (the
 * rest of its buffer is not written, so not in memory either). Its whole size is reserved in the
 * server's LandingReservations: a peer sending only length prefixes reserves, it does not hold; once
 * the reservations are full, further frames arrive the usual way.
 */
import type { Socket } from 'node:net';
import type { FrameDecoder } from '../protocol/frame/frame-decoder.js';
import { LANDING_MIN_FRAME_BYTES, landingBuffers } from './landing-buffers.js';
import type { LandingReservations } from './landing-buffers.js';
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
  /** False when the socket could not switch when the connection was made: nothing is landed. */
  private readonly switched: boolean;

  constructor(
    socket: Socket,
    private readonly decoder: FrameDecoder,
    /** The server's bound on the sizes of the frames landing at once. */
    private readonly reservations: LandingReservations,
    /** Chunks for the decoder (the reader's input path). */
    private readonly input: LandingInput,
    /**
     * After each read of a switched socket: the reader notes the activity and counts what is held
     * (a read may start or fill a landing without any input reaching the decoder).
     */
    private readonly afterRead: () => void,
  ) {
    // Only a socket Node holds no input of yet: a chunk it read before would reach us as 'data'
    // after later reads (and a switch while the read gate holds would not stop the reading).
    this.switched =
      socket.readableLength === 0 &&
      canReadIntoUserBuffer(socket) &&
      installUserReadBuffer(socket, scratch, this.onRead, this.nextBuffer);
  }

  /** True while a frame is landing: its bytes are held here, not in the decoder. */
  get active(): boolean {
    return this.frame !== undefined;
  }

  /**
   * Bytes of the landing frame received so far: what the partial-frame budget counts, as for a frame
   * read the usual way (the rest of its buffer is not written yet, so not in memory either).
   */
  get heldBytes(): number {
    return this.frame === undefined ? 0 : this.filled;
  }

  /** After input was decoded: lands the decoder's unfinished frame when it is large and may land. */
  maybeStart(): void {
    if (this.frame !== undefined || !this.switched) return;
    const pending = this.decoder.pendingFrame;
    if (pending === undefined) return;
    const frame = this.lend(4 + pending.length);
    if (frame === undefined) return;
    this.filled = this.decoder.detachPendingFrame(frame);
    this.frame = frame;
    this.view = undefined;
  }

  /**
   * A chunk read the usual way ('data'), for the decoder. False when a frame is landing: a switched
   * socket emits no 'data', so Node broke its contract (the connection must close).
   */
  absorb(chunk: Buffer): boolean {
    if (this.frame !== undefined) return false;
    this.input(chunk);
    return true;
  }

  /** The connection closed: a frame landing gives its reservation back (its buffer goes to the GC). */
  release(): void {
    if (this.frame === undefined) return;
    this.reservations.give(this.frame.length);
    this.frame = undefined;
    this.view = undefined;
  }

  /** The buffer for the socket's next read. */
  private readonly nextBuffer = (): Buffer => {
    const frame = this.frame;
    if (frame === undefined) return scratch;
    // One byte past the frame (its buffer has room for it): the read that completes the frame then
    // falls short of its buffer, so libuv waits for the next poll before it reads on. Reading to the
    // exact end made libuv read again at once, and a FIN right behind the frame ended the socket
    // before an answer made on a later turn could go out (the usual path's 64 KiB reads fall short).
    this.view = Buffer.from(frame.buffer, frame.byteOffset + this.filled, frame.length - this.filled + 1);
    return this.view;
  };

  /** Each read of a switched socket: `nread` bytes at the start of `buffer`. */
  private readonly onRead = (nread: number, buffer: Buffer): void => {
    if (buffer === this.view) {
      this.view = undefined;
      const frame = this.frame!;
      this.filled += nread;
      if (this.filled >= frame.length) {
        // The byte past the frame, if read, begins the next frame: copied out before the buffer goes.
        const past = this.filled - frame.length;
        const next = past > 0 ? Buffer.from(buffer.subarray(nread - past, nread)) : undefined;
        this.filled = frame.length;
        this.land();
        if (next !== undefined) this.take(next, false);
      }
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

  /**
   * A buffer for a frame of `total` bytes when it may land: large enough, within the server's
   * reservations, and allocated (a failed allocation leaves the frame to the usual way).
   */
  private lend(total: number): Buffer | undefined {
    if (total < LANDING_MIN_FRAME_BYTES || !this.reservations.tryTake(total)) return undefined;
    try {
      return landingBuffers.lend(total);
    } catch {
      this.reservations.give(total);
      return undefined;
    }
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
      if (chunk.length - at - 4 < length) return 4 + length >= LANDING_MIN_FRAME_BYTES ? at : -1;
      at += 4 + length;
    }
    return -1;
  }

  /** Lands the frame `start` begins (its length prefix and some of its bytes); false if it cannot now. */
  private landFrom(start: Buffer): boolean {
    // Feeding the frames before it may have closed the connection or failed the decoder.
    if (this.decoder.hasPartialFrame || this.decoder.failure !== undefined) return false;
    const frame = this.lend(4 + start.readInt32BE(0));
    if (frame === undefined) return false;
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
    this.reservations.give(frame.length);
    this.input(frame);
  }
}
