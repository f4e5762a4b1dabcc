/**
 * Streaming frame splitter: feed it socket chunks in any split or coalescence, get whole frame payloads
 * back. A pure state machine with one size limit: a declared length outside 0..maxFrameLength is a
 * FrameTooLargeError before any of the frame is buffered, so memory stays bounded by one frame.
 * After an error the decoder is unusable (the connection must be closed).
 */
import { FrameTooLargeError, ProtocolError } from '../../common/errors.js';
import { DEFAULT_MAX_FRAME_LENGTH } from '../codes/misc.js';
import type { RemotingCommand } from '../command/remoting-command.js';
import { decodeFramePayload } from './frame-codec.js';

const MAX_PENDING_CHUNKS = 64;

export class FrameDecoder {
  private readonly chunks: Buffer[] = [];
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

  /** Feeds a chunk; returns the payloads (bytes after the length prefix) of every frame it completes. */
  push(chunk: Buffer): Buffer[] {
    if (this.failed)
      throw new ProtocolError('frame decoder already failed; close the connection', { cause: this.failed });
    const frames: Buffer[] = [];
    if (chunk.length === 0) return frames;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    // A peer trickling tiny chunks must not cost a Buffer object per byte: merge long chunk lists.
    if (this.chunks.length > MAX_PENDING_CHUNKS) {
      const merged = Buffer.concat(this.chunks, this.buffered);
      this.chunks.length = 0;
      this.chunks.push(merged);
    }
    try {
      for (;;) {
        if (this.expected < 0) {
          if (this.buffered < 4) break;
          const length = this.take(4).readInt32BE(0);
          if (length < 4 || length > this.maxFrameLength) {
            // Java/Netty reject negative and oversize lengths; a frame must at least hold its header length.
            if (length > this.maxFrameLength || length < 0)
              throw new FrameTooLargeError(length, this.maxFrameLength);
            throw new ProtocolError(`frame length ${length} is too small to hold the header length field`);
          }
          this.expected = length;
        }
        if (this.buffered < this.expected) break;
        frames.push(this.take(this.expected));
        this.expected = -1;
      }
    } catch (err) {
      this.failed = err as Error;
      this.chunks.length = 0;
      this.buffered = 0;
      throw err;
    }
    return frames;
  }

  /** Feeds a chunk and decodes the completed frames into commands. */
  pushCommands(chunk: Buffer): RemotingCommand[] {
    const commands: RemotingCommand[] = [];
    for (const payload of this.push(chunk)) {
      try {
        commands.push(decodeFramePayload(payload));
      } catch (err) {
        // Frames after the bad one are dropped with it: the connection is going to be closed.
        this.failed = err as Error;
        this.chunks.length = 0;
        this.buffered = 0;
        throw err;
      }
    }
    return commands;
  }

  /** Removes exactly n buffered bytes (n <= buffered), copying only when they span chunks. */
  private take(n: number): Buffer {
    const first = this.chunks[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let filled = 0;
      while (filled < n) {
        const head = this.chunks[0]!;
        const use = Math.min(head.length, n - filled);
        head.copy(out, filled, 0, use);
        filled += use;
        if (use === head.length) this.chunks.shift();
        else this.chunks[0] = head.subarray(use);
      }
    }
    this.buffered -= n;
    return out;
  }
}
