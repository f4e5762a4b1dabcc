/**
 * Streaming frame splitter: feed it socket chunks in any split or coalescence, get whole frame payloads
 * back. A pure state machine with one size limit: a declared length outside 0..maxFrameLength is a
 * FrameTooLargeError before any of the frame is buffered, so memory stays bounded by one frame.
 *
 * Frames lying wholly inside a chunk are returned as views of it (no copy). A frame split across
 * chunks is copied, once, when its last piece arrives; except on the `feed` path, where a frame of at
 * least CHUNKED_FRAME_MIN_BYTES keeps its body in the chunks (split-frame.ts, chunked-body.ts). The
 * pieces of that frame are held meanwhile in an IncompleteFrame (incomplete-frame.ts).
 *
 * Two ways to read: `feed` hands each decoded command to a callback as soon as its frame is complete
 * (the connection's path: no array per chunk); `pushCommands` and `push` collect the commands or the
 * raw payloads of a chunk into an array (tests and tools). All three run the same splitter.
 *
 * A `feed` consumer may pause after any command (its callback returns PAUSE_FEED): the rest of the
 * input is kept undecoded, in order, counted in `bufferedBytes`, until `resumeFeed`. Input fed while
 * paused (`queueInput`, or `feed`, which first decodes what was kept) goes behind it. The connection
 * pauses so that one peer pipelining requests cannot hold the event loop (transport/read-turns.ts).
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
import { IncompleteFrame } from './incomplete-frame.js';
import { decodeSplitFramePayload } from './split-frame.js';

/**
 * Split frames from this size on are decoded without joining their chunks (`feed` only): the body
 * stays in them as a ChunkedBody. Below it one copy costs less than a list of chunks.
 */
export const CHUNKED_FRAME_MIN_BYTES = 64 * 1024;

/** Returned by a CommandSink to pause after this command, keeping the rest of the input for `resumeFeed`. */
export const PAUSE_FEED = 'pause';

/**
 * Receives each decoded command of `feed`; returning false stops decoding (the connection closed),
 * PAUSE_FEED pauses it.
 */
export type CommandSink = (command: RemotingCommand) => boolean | void | typeof PAUSE_FEED;

/** Receives each whole frame payload; returns false to stop. */
type PayloadSink = (payload: Buffer) => boolean;

/** Splits a byte stream into remoting frames (4-byte big-endian length prefix) and decodes each into a RemotingCommand; refuses frames over the maximum length. */
export class FrameDecoder {
  /** Bytes of the incomplete frame: its length prefix while `expected` < 0, else its payload. */
  private readonly incomplete = new IncompleteFrame();
  /** totalLength of the frame being assembled, or -1 while the 4-byte prefix is incomplete. */
  private expected = -1;
  private failed: Error | undefined;
  private completed = 0;
  /** Input not split yet because the consumer paused, oldest first (see `resumeFeed`). */
  private unread: Buffer[] = [];
  private unreadBytes = 0;
  /** Set when the sink returned PAUSE_FEED (cleared when decoding resumes). */
  private pausing = false;
  /** The callback of the `feed` call in progress. */
  private commandSink: CommandSink | undefined;
  /** `feed`'s payload sink: created once per decoder, so feeding a chunk allocates no closure. */
  private readonly decodePayload: PayloadSink = (payload) =>
    this.deliver(decodeFramePayload(payload, this.headerLimits));
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

  /** Bytes held: the unfinished frame's, plus the input kept undecoded by a pause. */
  get bufferedBytes(): number {
    return this.incomplete.bytes + this.unreadBytes;
  }

  /**
   * True while a frame has begun (any of its bytes, its length prefix included) but is not complete,
   * or input kept by a pause waits.
   */
  get hasPartialFrame(): boolean {
    return this.expected >= 0 || this.incomplete.bytes > 0 || this.unreadBytes > 0;
  }

  /** True while input kept by a pause waits for `resumeFeed`. */
  get hasUnreadInput(): boolean {
    return this.unread.length > 0;
  }

  /**
   * Frames completed so far; with `hasPartialFrame` it tells whether the unfinished frame after a
   * chunk is the one before it or a new one (transport deadlines).
   */
  get framesCompleted(): number {
    return this.completed;
  }

  /**
   * The unfinished frame's payload length and the payload bytes held of it, when its length prefix
   * was read and no input waits undecoded; else undefined (see `detachPendingFrame`).
   */
  get pendingFrame(): { readonly length: number; readonly held: number } | undefined {
    if (this.expected < 0 || this.unread.length > 0 || this.failed !== undefined) return undefined;
    return { length: this.expected, held: this.incomplete.bytes };
  }

  /**
   * Hands the unfinished frame over to the caller, who completes it elsewhere: writes its length
   * prefix at `target[0..4)` and the payload bytes held after it, and forgets the frame (the decoder
   * is at a frame boundary again). The caller then feeds `target`'s first 4 + length bytes, the
   * whole frame, in one piece: its command's body is a view of `target` (no copy). Returns the bytes
   * written (4 + held). Throws unless `pendingFrame` is defined and `target` can hold the frame.
   */
  detachPendingFrame(target: Buffer): number {
    const pending = this.pendingFrame;
    if (pending === undefined) throw new ProtocolError('no unfinished frame to detach');
    if (target.length < 4 + pending.length) {
      throw new RangeError(`a frame of ${4 + pending.length} bytes does not fit ${target.length}`);
    }
    target.writeInt32BE(pending.length, 0);
    const held = this.incomplete.moveInto(target, 4);
    this.expected = -1;
    return 4 + held;
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
    if (this.unread.length > 0) {
      this.queueInput(chunk);
      return this.resumeFeed(onCommand);
    }
    this.commandSink = onCommand;
    this.pausing = false;
    try {
      this.run(chunk, this.decodePayload);
    } finally {
      this.commandSink = undefined;
    }
  }

  /** Keeps `chunk` behind the input already kept, undecoded (a consumer not ready to take commands). */
  queueInput(chunk: Buffer): void {
    if (this.failed || chunk.length === 0) return;
    this.unread.push(chunk);
    this.unreadBytes += chunk.length;
  }

  /** Decodes the input kept by a pause or `queueInput`, as `feed` does, until it is used or paused again. */
  resumeFeed(onCommand: CommandSink): void {
    this.commandSink = onCommand;
    this.pausing = false;
    try {
      while (this.unread.length > 0 && !this.pausing) {
        const chunk = this.unread.shift()!;
        this.unreadBytes -= chunk.length;
        this.run(chunk, this.decodePayload);
      }
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
    this.incomplete.clear();
    this.expected = -1;
    this.unread = [];
    this.unreadBytes = 0;
  }

  /** Hands a command to the `feed` consumer; false when it asked to stop or to pause. */
  private deliver(command: RemotingCommand): boolean {
    const verdict = this.commandSink!(command);
    if (verdict === undefined || verdict === true) return true;
    this.pausing = verdict === PAUSE_FEED;
    return false;
  }

  /** The sink returned false at `offset` of `chunk`: keep the rest when it paused, else stop. */
  private halt(chunk: Buffer, offset: number): void {
    if (!this.pausing) return this.stop();
    if (offset < chunk.length) {
      // Ahead of any input kept before: it is the older one.
      this.unread.unshift(offset === 0 ? chunk : chunk.subarray(offset));
      this.unreadBytes += chunk.length - offset;
    }
  }

  /** The sink asked to stop: what is left of the chunk and any partial frame are dropped. */
  private stop(): void {
    this.fail(new ProtocolError('frame decoding stopped by its consumer'));
  }

  /** Splits `chunk`, handing whole payloads to `sink` and keeping any incomplete tail. */
  private split(chunk: Buffer, sink: PayloadSink): void {
    const end = chunk.length;
    let offset = 0;
    if (this.incomplete.bytes > 0 || this.expected >= 0) {
      offset = this.resume(chunk, sink);
      if (offset < 0) return this.halt(chunk, ~offset);
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
      if (!sink(payload)) return this.halt(chunk, offset);
    }
    if (offset < end) this.incomplete.hold(offset === 0 ? chunk : chunk.subarray(offset));
  }

  /**
   * Continues the incomplete frame with the start of `chunk`; returns the bytes of `chunk` used, or
   * their bitwise complement (negative) when the sink asked to stop or pause.
   */
  private resume(chunk: Buffer, sink: PayloadSink): number {
    const incomplete = this.incomplete;
    let offset = 0;
    if (this.expected < 0) {
      const need = 4 - incomplete.bytes;
      if (chunk.length < need) {
        incomplete.hold(chunk);
        return chunk.length;
      }
      this.expected = this.checkLength(incomplete.takeLengthPrefix(chunk, need));
      offset = need;
    }
    const missing = this.expected - incomplete.bytes;
    if (chunk.length - offset < missing) {
      // Nothing of the payload in this chunk (it ended with the prefix): no empty piece to hold.
      if (offset < chunk.length) incomplete.hold(offset === 0 ? chunk : chunk.subarray(offset));
      return chunk.length;
    }
    const end = offset + missing;
    const length = this.expected;
    this.expected = -1;
    this.completed++;
    if (incomplete.isEmpty) return sink(chunk.subarray(offset, end)) ? end : ~end;
    if (this.commandSink !== undefined && length >= CHUNKED_FRAME_MIN_BYTES) {
      // The chunks become the command's body (the decoder holds a new list from now on).
      const pieces = incomplete.handOver(chunk.subarray(offset, end));
      const command = decodeSplitFramePayload(pieces, length, this.headerLimits);
      return this.deliver(command) ? end : ~end;
    }
    return sink(incomplete.join(chunk, offset, end, length)) ? end : ~end;
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
