/**
 * LZ4 block format (lz4_Block_format.md): a run of sequences, each
 *
 *   token (1 byte)        high nibble: literal count, low nibble: match length - 4 (15 = more bytes follow)
 *   [literal count ext]   bytes of 255 and a final byte < 255, added to 15
 *   literals              the literal bytes
 *   offset (2 bytes LE)   1..65535 back from the current output position
 *   [match length ext]    as for the literal count
 *
 * The last sequence has literals only. An encoder keeps the last 5 bytes literal and starts no match
 * in the last 12 bytes (MFLIMIT). The decoder here is strict: every read and write is bounds-checked
 * and an offset pointing before the start of the output is an error, so hostile input cannot read
 * outside the buffers.
 */

/** Output that grows on demand up to `limit` bytes (the caller's decompression ceiling). */
export class GrowableOutput {
  buf: Uint8Array;
  pos = 0;

  constructor(
    initial: number,
    readonly limit: number,
  ) {
    this.buf = new Uint8Array(Math.max(16, Math.min(initial, limit)));
  }

  ensure(extra: number): void {
    const need = this.pos + extra;
    if (need <= this.buf.length) return;
    if (need > this.limit) throw new Lz4FormatError(`output exceeds the limit of ${this.limit} bytes`);
    const next = new Uint8Array(Math.min(this.limit, Math.max(need, this.buf.length * 2)));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }
}

/** Malformed LZ4 data (wrapped into a typed RocketMQ error by the codec layer). */
export class Lz4FormatError extends Error {}

const MIN_MATCH = 4;
const LAST_LITERALS = 5;
const MFLIMIT = 12;
const HASH_LOG = 12;
const MAX_OFFSET = 65535;
/** Copies up to this long run in a JS loop; longer ones through the native set / copyWithin. */
const SHORT_COPY = 32;

function readLength(src: Uint8Array, ip: number, end: number, base: number): [number, number] {
  let length = base;
  let b: number;
  do {
    if (ip >= end) throw new Lz4FormatError('truncated length in LZ4 block');
    b = src[ip++]!;
    length += b;
  } while (b === 255);
  return [length, ip];
}

/** Decodes the block `src[start, end)` onto `out` (earlier output stays addressable: linked blocks). */
export function decompressBlock(src: Uint8Array, start: number, end: number, out: GrowableOutput): void {
  let ip = start;
  if (ip >= end) throw new Lz4FormatError('empty LZ4 block');
  for (;;) {
    if (ip >= end) throw new Lz4FormatError('truncated LZ4 sequence');
    const token = src[ip++]!;
    let literals = token >>> 4;
    if (literals === 15) [literals, ip] = readLength(src, ip, end, 15);
    if (literals > end - ip) throw new Lz4FormatError('LZ4 literals run past the block');
    out.ensure(literals);
    if (literals > SHORT_COPY) {
      out.buf.set(src.subarray(ip, ip + literals), out.pos);
      out.pos += literals;
      ip += literals;
    } else {
      // Short runs: a plain loop beats creating a subarray for set().
      const buf = out.buf;
      for (let n = 0; n < literals; n++) buf[out.pos++] = src[ip++]!;
    }
    if (ip === end) return;
    if (end - ip < 2) throw new Lz4FormatError('truncated LZ4 match offset');
    const offset = src[ip]! | (src[ip + 1]! << 8);
    ip += 2;
    if (offset === 0 || offset > out.pos) throw new Lz4FormatError(`bad LZ4 match offset ${offset}`);
    let matchLength = token & 15;
    if (matchLength === 15) [matchLength, ip] = readLength(src, ip, end, 15);
    matchLength += MIN_MATCH;
    out.ensure(matchLength);
    const buf = out.buf;
    let op = out.pos;
    let from = op - offset;
    if (offset >= matchLength && matchLength > SHORT_COPY) {
      buf.copyWithin(op, from, from + matchLength);
      op += matchLength;
    } else {
      // Short or overlapping (the match repeats bytes it is itself producing): byte by byte.
      for (let n = 0; n < matchLength; n++) buf[op++] = buf[from++]!;
    }
    out.pos = op;
  }
}

/** Worst-case compressed size of `n` bytes (LZ4_compressBound). */
export function compressBound(n: number): number {
  return n + Math.floor(n / 255) + 16;
}

function read32(src: Uint8Array, i: number): number {
  return src[i]! | (src[i + 1]! << 8) | (src[i + 2]! << 16) | (src[i + 3]! << 24);
}

function writeLength(dst: Uint8Array, op: number, length: number): number {
  let rest = length - 15;
  while (rest >= 255) {
    dst[op++] = 255;
    rest -= 255;
  }
  dst[op++] = rest;
  return op;
}

function writeSequence(
  src: Uint8Array,
  anchor: number,
  literals: number,
  dst: Uint8Array,
  op: number,
  offset: number,
  matchLength: number,
): number {
  const tokenAt = op++;
  const ml = matchLength - MIN_MATCH;
  let token = (literals >= 15 ? 15 : literals) << 4;
  if (literals >= 15) op = writeLength(dst, op, literals);
  dst.set(src.subarray(anchor, anchor + literals), op);
  op += literals;
  if (matchLength > 0) {
    token |= ml >= 15 ? 15 : ml;
    dst[op++] = offset & 0xff;
    dst[op++] = offset >>> 8;
    if (ml >= 15) op = writeLength(dst, op, ml);
  }
  dst[tokenAt] = token;
  return op;
}

/**
 * Compresses `src[start, end)` as one independent block into `dst` at `op` (room for
 * compressBound(end - start) bytes); returns the end position. Greedy single-probe hash matching with
 * skip acceleration on misses, the reference encoder's fast mode.
 */
export function compressBlock(
  src: Uint8Array,
  start: number,
  end: number,
  dst: Uint8Array,
  op: number,
): number {
  let anchor = start;
  if (end - start > MFLIMIT) {
    const table = new Int32Array(1 << HASH_LOG).fill(-1);
    const matchLimit = end - LAST_LITERALS;
    const mflimit = end - MFLIMIT;
    let ip = start;
    let misses = 0;
    while (ip < mflimit) {
      const sequence = read32(src, ip);
      const h = Math.imul(sequence, 2654435761) >>> (32 - HASH_LOG);
      let ref = table[h]!;
      table[h] = ip;
      if (ref < 0 || ip - ref > MAX_OFFSET || read32(src, ref) !== sequence) {
        ip += 1 + (misses++ >> 6);
        continue;
      }
      misses = 0;
      while (ip > anchor && ref > start && src[ip - 1] === src[ref - 1]) {
        ip--;
        ref--;
      }
      let length = MIN_MATCH;
      while (ip + length < matchLimit && src[ip + length] === src[ref + length]) length++;
      op = writeSequence(src, anchor, ip - anchor, dst, op, ip - ref, length);
      ip += length;
      anchor = ip;
      if (ip - 2 >= start && ip < mflimit) {
        table[Math.imul(read32(src, ip - 2), 2654435761) >>> (32 - HASH_LOG)] = ip - 2;
      }
    }
  }
  return writeSequence(src, anchor, end - anchor, dst, op, 0, 0);
}
