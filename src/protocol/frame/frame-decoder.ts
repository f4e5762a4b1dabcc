/**
 * Streaming frame splitter: feed it socket chunks in any split or coalescence, get whole frame payloads
 * back. A pure state machine with one size limit: a declared length outside 0..maxFrameLength is a
 * FrameTooLargeError before any of the frame is buffered, so memory stays bounded by one frame.
 *
 * Frames lying wholly inside a chunk are returned as views of it (no copy); only a frame split across
 * chunks is copied, once, when its last piece arrives.
 *
 * Errors, as Netty's frame decoder has them: the frames completed before the bad bytes are still
 * delivered. When a chunk holds good frames and then garbage, `push` returns the good frames and leaves
 * the decoder failed (`failure` set, the next push throws); when nothing good precedes the garbage it
 * throws at once. After an error the decoder is unusable (the connection must be closed).
 */
import { FrameTooLargeError, ProtocolError } from '../../common/errors.js';
import { DEFAULT_MAX_FRAME_LENGTH } from '../codes/misc.js';
import type { RemotingCommand } from '../command/remoting-command.js';
import { decodeFramePayload } from './frame-codec.js';

const MAX_PENDING_CHUNKS = 64;

export class FrameDecoder {
  /** Pieces of the incomplete frame: its length prefix while `expected` < 0, else its payload. */
  private readonly pending: Buffer[] = [];
  private buffered = 0;
  /** totalLength of the frame being assembled, or -1 while the 4-byte prefix is incomplete. */
  private expected = -1;
  private failed: Error | undefined;

  constructor(readonly maxFrameLength: number = DEFAULT_MAX_FRAME_LENGTH) {
    if (!Number.isInteger(maxFrameLength) || maxFrameLength < 4) {
      throw new RangeError(`maxFrameLength must be an integer >= 4, got ${maxFrameLength}`);
    }
  }

  /** Bytes held waiting for the rest of a frame. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** The error that stopped the decoder, if any (a caller that got frames must then close). */
  get failure(): Error | undefined {
    return this.failed;
  }

  /**
   * Feeds a chunk; returns the payloads (bytes after the length prefix) of every frame it completes.
   * Throws when the chunk goes bad before completing any frame; see the class comment otherwise.
   */
  push(chunk: Buffer): Buffer[] {
    if (this.failed)
      throw new ProtocolError('frame decoder already failed; close the connection', { cause: this.failed });
    const frames: Buffer[] = [];
    if (chunk.length === 0) return frames;
    try {
      this.split(chunk, frames);
    } catch (err) {
      this.fail(err as Error);
      if (frames.length === 0) throw err;
    }
    return frames;
  }

  /** Feeds a chunk and decodes the completed frames into commands (same error rule as `push`). */
  pushCommands(chunk: Buffer): RemotingCommand[] {
    const commands: RemotingCommand[] = [];
    for (const payload of this.push(chunk)) {
      try {
        commands.push(decodeFramePayload(payload));
      } catch (err) {
        // This frame came before any splitting error: its error is the one to report. Frames after
        // the bad one are dropped with it: the connection is going to be closed.
        this.fail(err as Error, true);
        if (commands.length === 0) throw err;
        break;
      }
    }
    return commands;
  }

  private fail(error: Error, replace = false): void {
    if (replace || !this.failed) this.failed = error;
    this.pending.length = 0;
    this.buffered = 0;
  }

  /** Splits `chunk`, appending whole payloads to `frames` and keeping any incomplete tail. */
  private split(chunk: Buffer, frames: Buffer[]): void {
    const end = chunk.length;
    let offset = 0;
    if (this.buffered > 0 || this.expected >= 0) {
      offset = this.resume(chunk, frames);
      if (offset === end) return;
    }
    while (end - offset >= 4) {
      const length = this.checkLength(chunk.readInt32BE(offset));
      offset += 4;
      if (end - offset < length) {
        this.expected = length;
        break;
      }
      frames.push(chunk.subarray(offset, offset + length));
      offset += length;
    }
    if (offset < end) this.hold(offset === 0 ? chunk : chunk.subarray(offset));
  }

  /** Continues the incomplete frame with the start of `chunk`; returns the bytes of `chunk` used. */
  private resume(chunk: Buffer, frames: Buffer[]): number {
    let offset = 0;
    if (this.expected < 0) {
      const need = 4 - this.buffered;
      if (chunk.length < need) {
        this.hold(chunk);
        return chunk.length;
      }
      const prefix = Buffer.concat([...this.pending, chunk.subarray(0, need)], 4);
      this.pending.length = 0;
      this.buffered = 0;
      this.expected = this.checkLength(prefix.readInt32BE(0));
      offset = need;
    }
    const missing = this.expected - this.buffered;
    if (chunk.length - offset < missing) {
      this.hold(offset === 0 ? chunk : chunk.subarray(offset));
      return chunk.length;
    }
    let frame: Buffer;
    if (this.pending.length === 0) {
      frame = chunk.subarray(offset, offset + missing);
    } else {
      frame = Buffer.allocUnsafe(this.expected);
      let filled = 0;
      for (const piece of this.pending) {
        frame.set(piece, filled);
        filled += piece.length;
      }
      chunk.copy(frame, filled, offset, offset + missing);
      this.pending.length = 0;
      this.buffered = 0;
    }
    this.expected = -1;
    frames.push(frame);
    return offset + missing;
  }

  private hold(piece: Buffer): void {
    this.pending.push(piece);
    this.buffered += piece.length;
    // A peer trickling tiny chunks must not cost a Buffer object per byte: merge long piece lists.
    if (this.pending.length > MAX_PENDING_CHUNKS) {
      const merged = Buffer.concat(this.pending, this.buffered);
      this.pending.length = 0;
      this.pending.push(merged);
    }
  }

  private checkLength(length: number): number {
    if (length < 4 || length > this.maxFrameLength) {
      // Java/Netty reject negative and oversize lengths; a frame must at least hold its header length.
      if (length > this.maxFrameLength || length < 0)
        throw new FrameTooLargeError(length, this.maxFrameLength);
      throw new ProtocolError(`frame length ${length} is too small to hold the header length field`);
    }
    return length;
  }
}
