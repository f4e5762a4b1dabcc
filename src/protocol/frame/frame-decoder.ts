/**
 * Streaming frame splitter: feed it socket chunks in any split or coalescence, get whole frame payloads
 * back. A pure state machine with one size limit: a declared length outside 0..maxFrameLength is a
 * FrameTooLargeError before any of the frame is buffered, so memory stays bounded by one frame.
 *
 * Frames lying wholly inside a chunk are returned as views of it (no copy); only a frame split across
 * chunks is copied, once, when its last piece arrives.
 *
 * Two ways to read: `feed` hands each decoded command to a callback as soon as its frame is complete
 * (the connection's path: no array per chunk); `pushCommands` and `push` collect the commands or the
 * raw payloads of a chunk into an array (tests and tools). All three run the same splitter.
 *
 * Errors, as Netty's frame decoder has them: the frames completed before the bad bytes are still
 * delivered. `feed` delivers them, then fails the decoder and throws; `push` / `pushCommands` return
 * them and leave the decoder failed (`failure` set, the next call throws), and throw at once when
 * nothing good precedes the bad bytes. After an error the decoder is unusable (the connection must be
 * closed).
 */
import { FrameTooLargeError, ProtocolError } from '../../common/errors.js';
import { DEFAULT_MAX_FRAME_LENGTH } from '../codes/misc.js';
import type { RemotingCommand } from '../command/remoting-command.js';
import { resolveHeaderLimits } from '../command/header-limits.js';
import type { HeaderLimits } from '../command/header-limits.js';
import { decodeFramePayload } from './frame-codec.js';

const MAX_PENDING_CHUNKS = 64;

/** Receives each decoded command of `feed`; returning false stops decoding (the connection closed). */
export type CommandSink = (command: RemotingCommand) => boolean | void;

/** Receives each whole frame payload; returns false to stop. */
type PayloadSink = (payload: Buffer) => boolean;

/** Splits a byte stream into remoting frames (4-byte big-endian length prefix) and decodes each into a RemotingCommand; refuses frames over the maximum length. */
export class FrameDecoder {
  /** Pieces of the incomplete frame: its length prefix while `expected` < 0, else its payload. */
  private readonly pending: Buffer[] = [];
  private buffered = 0;
  /** totalLength of the frame being assembled, or -1 while the 4-byte prefix is incomplete. */
  private expected = -1;
  private failed: Error | undefined;
  private completed = 0;
  /** The callback of the `feed` call in progress. */
  private commandSink: CommandSink | undefined;
  /** `feed`'s payload sink: created once per decoder, so feeding a chunk allocates no closure. */
  private readonly decodePayload: PayloadSink = (payload) =>
    this.commandSink!(decodeFramePayload(payload, this.headerLimits)) !== false;
  /** Header length and field caps applied to every frame (`feed` / `pushCommands`). */
  readonly headerLimits: HeaderLimits;

  constructor(
    /** Largest frame accepted, bytes (default 16 MiB - 4). */
    readonly maxFrameLength: number = DEFAULT_MAX_FRAME_LENGTH,
    headerLimits: Partial<HeaderLimits> = {},
  ) {
    if (!Number.isInteger(maxFrameLength) || maxFrameLength < 4) {
      throw new RangeError(`maxFrameLength must be an integer >= 4, got ${maxFrameLength}`);
    }
    this.headerLimits = resolveHeaderLimits(headerLimits);
  }

  /** Bytes held waiting for the rest of a frame. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** True while a frame has begun (any of its bytes, its length prefix included) but is not complete. */
  get hasPartialFrame(): boolean {
    return this.expected >= 0 || this.buffered > 0;
  }

  /**
   * Frames completed so far; with `hasPartialFrame` it tells whether the unfinished frame after a
   * chunk is the one before it or a new one (transport deadlines).
   */
  get framesCompleted(): number {
    return this.completed;
  }

  /** The error that stopped the decoder, if any (a caller that got frames must then close). */
  get failure(): Error | undefined {
    return this.failed;
  }

  /**
   * Feeds a chunk, calling `onCommand` with each command it completes, in order. When the chunk goes
   * bad (a bad length, an undecodable frame) or `onCommand` throws, the decoder fails and the error is
   * thrown after the commands before it were delivered. When `onCommand` returns false the rest of the
   * chunk is dropped and the decoder is failed (the caller is closing the connection).
   */
  feed(chunk: Buffer, onCommand: CommandSink): void {
    this.commandSink = onCommand;
    try {
      this.run(chunk, this.decodePayload);
    } finally {
      this.commandSink = undefined;
    }
  }

  /** Feeds a chunk and returns the commands it completes (error rule in the class comment). */
  pushCommands(chunk: Buffer): RemotingCommand[] {
    const commands: RemotingCommand[] = [];
    try {
      this.feed(chunk, (command) => {
        commands.push(command);
      });
    } catch (err) {
      if (commands.length === 0) throw err;
    }
    return commands;
  }

  /** Feeds a chunk and returns the payloads (bytes after the length prefix) of the frames it completes. */
  push(chunk: Buffer): Buffer[] {
    const frames: Buffer[] = [];
    try {
      this.run(chunk, (payload) => {
        frames.push(payload);
        return true;
      });
    } catch (err) {
      if (frames.length === 0) throw err;
    }
    return frames;
  }

  /** Splits `chunk` into `sink`; any error fails the decoder and is rethrown. */
  private run(chunk: Buffer, sink: PayloadSink): void {
    if (this.failed)
      throw new ProtocolError('frame decoder already failed; close the connection', { cause: this.failed });
    if (chunk.length === 0) return;
    try {
      this.split(chunk, sink);
    } catch (err) {
      this.fail(err as Error);
      throw err;
    }
  }

  private fail(error: Error): void {
    this.failed ??= error;
    this.pending.length = 0;
    this.buffered = 0;
    this.expected = -1;
  }

  /** The sink asked to stop: what is left of the chunk and any partial frame are dropped. */
  private stop(): void {
    this.fail(new ProtocolError('frame decoding stopped by its consumer'));
  }

  /** Splits `chunk`, handing whole payloads to `sink` and keeping any incomplete tail. */
  private split(chunk: Buffer, sink: PayloadSink): void {
    const end = chunk.length;
    let offset = 0;
    if (this.buffered > 0 || this.expected >= 0) {
      offset = this.resume(chunk, sink);
      if (offset < 0) return this.stop();
      if (offset === end) return;
    }
    while (end - offset >= 4) {
      const length = this.checkLength(chunk.readInt32BE(offset));
      offset += 4;
      if (end - offset < length) {
        this.expected = length;
        break;
      }
      const payload = chunk.subarray(offset, offset + length);
      offset += length;
      this.completed++;
      if (!sink(payload)) return this.stop();
    }
    if (offset < end) this.hold(offset === 0 ? chunk : chunk.subarray(offset));
  }

  /**
   * Continues the incomplete frame with the start of `chunk`; returns the bytes of `chunk` used, or
   * -1 when the sink asked to stop.
   */
  private resume(chunk: Buffer, sink: PayloadSink): number {
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
    this.completed++;
    return sink(frame) ? offset + missing : -1;
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
