/**
 * The bytes a FrameDecoder holds of the frame it is assembling, as the pieces (chunk views) they came
 * in: the length prefix while that is incomplete, else the payload so far.
 *
 * A large piece is kept as it is (a large body stays in its chunks), and so is a small one after a
 * large one (the usual tail of a chunk). A second small piece in a row starts a run: the pieces of a
 * run are copied into one buffer of SMALL_PIECE_BYTES, a new one when it is full. So a peer trickling
 * tiny chunks costs no Buffer object per byte, a frame is held in at most about two pieces per 16 KiB,
 * and each byte is copied at most twice while the frame arrives.
 */

/** Pieces under this size are "small" (see the file comment); also the size of a run's buffer. */
const SMALL_PIECE_BYTES = 16 * 1024;

export class IncompleteFrame {
  private pieces: Buffer[] = [];
  private held = 0;
  /**
   * The buffer a run of small pieces is being copied into; `pieces` ends with the view of its filled
   * part. Never written again once handed over or cleared.
   */
  private tail: Buffer | undefined;
  private tailUsed = 0;

  /** Bytes held. */
  get bytes(): number {
    return this.held;
  }

  /** True when no piece is held. */
  get isEmpty(): boolean {
    return this.pieces.length === 0;
  }

  /** Keeps a piece of the frame (see the file comment for how small pieces are gathered). */
  hold(piece: Buffer): void {
    const pieces = this.pieces;
    this.held += piece.length;
    if (piece.length >= SMALL_PIECE_BYTES) {
      // A run left mostly empty gives back its buffer: a copy of its bytes, so that a peer
      // alternating large and tiny pieces does not pin 16 KiB per tiny run.
      if (this.tail !== undefined && this.tailUsed < SMALL_PIECE_BYTES / 4) {
        pieces[pieces.length - 1] = Buffer.from(pieces[pieces.length - 1]!);
      }
      this.tail = undefined;
      pieces.push(piece);
      return;
    }
    const last = pieces.length - 1;
    if (this.tail === undefined && (last < 0 || pieces[last]!.length >= SMALL_PIECE_BYTES)) {
      pieces.push(piece);
      return;
    }
    if (this.tail === undefined) {
      // The previous small piece becomes the start of the run.
      this.openTail(pieces.pop()!);
    }
    let at = 0;
    while (at < piece.length) {
      if (this.tailUsed === SMALL_PIECE_BYTES) this.openTail(undefined);
      const n = Math.min(piece.length - at, SMALL_PIECE_BYTES - this.tailUsed);
      piece.copy(this.tail!, this.tailUsed, at, at + n);
      this.tailUsed += n;
      at += n;
      pieces[pieces.length - 1] = this.tail!.subarray(0, this.tailUsed);
    }
  }

  /**
   * The frame's length prefix: the bytes held, completed by the first `need` bytes of `chunk`
   * (4 in all). Empties the holder.
   */
  takeLengthPrefix(chunk: Buffer, need: number): number {
    const prefix = Buffer.concat([...this.pieces, chunk.subarray(0, need)], 4);
    this.clear();
    return prefix.readInt32BE(0);
  }

  /** The payload held, completed by `chunk` from `offset` to `end`, copied into one buffer of `length` bytes. Empties the holder. */
  join(chunk: Buffer, offset: number, end: number, length: number): Buffer {
    const frame = Buffer.allocUnsafe(length);
    let filled = 0;
    for (const piece of this.pieces) {
      frame.set(piece, filled);
      filled += piece.length;
    }
    chunk.copy(frame, filled, offset, end);
    this.clear();
    return frame;
  }

  /** Hands over the list of pieces held, `last` appended (it becomes a command's body); a new list takes its place. */
  handOver(last: Buffer): Buffer[] {
    const pieces = this.pieces;
    pieces.push(last);
    this.pieces = [];
    this.clear();
    return pieces;
  }

  /** Copies the bytes held into `target` from `at` and empties the holder; returns the bytes copied. */
  moveInto(target: Buffer, at: number): number {
    let filled = at;
    for (const piece of this.pieces) {
      target.set(piece, filled);
      filled += piece.length;
    }
    this.clear();
    return filled - at;
  }

  /** Drops every piece held. */
  clear(): void {
    this.pieces.length = 0;
    this.held = 0;
    this.tail = undefined;
  }

  /** Starts a new run buffer at the end of `pieces`, holding `first` when given. */
  private openTail(first: Buffer | undefined): void {
    const tail = Buffer.allocUnsafe(SMALL_PIECE_BYTES);
    this.tail = tail;
    this.tailUsed = 0;
    if (first !== undefined) {
      first.copy(tail, 0);
      this.tailUsed = first.length;
    }
    this.pieces.push(tail.subarray(0, this.tailUsed));
  }
}
