/**
 * Splits a byte stream of [int32 length][payload] frames, as the bare echoes of the benchmarks use, into
 * frames handed over as views of the chunks they arrived in: no frame is ever joined, so a ceiling
 * measured with 1 MiB frames is not lowered by copies of its own (joining the buffered chunks on every
 * read would copy a large frame about as many times as it has reads).
 */
export class LengthPrefixedFrames {
  private pieces: Buffer[] = [];
  /** Bytes of the current frame seen so far, its length prefix included. */
  private seen = 0;
  /** Size of the current frame with its prefix; -1 until the prefix is complete. */
  private size = -1;
  private readonly prefix = Buffer.alloc(4);

  /** Feeds one chunk; `onFrame` gets each completed frame's pieces (prefix included) and payload length. */
  push(chunk: Buffer, onFrame: (pieces: Buffer[], payloadLength: number) => void): void {
    let start = 0;
    let offset = 0;
    while (offset < chunk.length) {
      if (this.size < 0) {
        const take = Math.min(4 - this.seen, chunk.length - offset);
        chunk.copy(this.prefix, this.seen, offset, offset + take);
        this.seen += take;
        offset += take;
        if (this.seen < 4) break;
        const payloadLength = this.prefix.readInt32BE(0);
        if (payloadLength < 0) throw new Error(`negative frame length ${payloadLength}`);
        this.size = 4 + payloadLength;
      }
      const take = Math.min(this.size - this.seen, chunk.length - offset);
      this.seen += take;
      offset += take;
      if (this.seen === this.size) {
        this.pieces.push(chunk.subarray(start, offset));
        const pieces = this.pieces;
        const payloadLength = this.size - 4;
        this.pieces = [];
        this.seen = 0;
        this.size = -1;
        start = offset;
        onFrame(pieces, payloadLength);
      }
    }
    if (start < chunk.length) this.pieces.push(chunk.subarray(start));
  }
}
