/**
 * CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), identical to zlib / java.util.zip.CRC32.
 *
 * Short inputs go through slicing-by-16 tables in JavaScript, longer ones through `zlib.crc32` (Node
 * >= 20.15; older runtimes use the tables for every length). The native call has a fixed cost of
 * ~100-150 ns (and a range needs a Buffer view first, ~60 ns more); measured on Node 20 (x64), the
 * tables are faster up to ~350 bytes, and ~450 bytes for a range (no view to make). The broker takes
 * two CRCs per stored message (BODYCRC and the record checksum), mostly of a few hundred bytes.
 */
import * as zlib from 'node:zlib';

type Crc32Fn = (data: Uint8Array, value?: number) => number;

const nativeCrc32: Crc32Fn | undefined = (zlib as unknown as { crc32?: Crc32Fn }).crc32;

/** Longest input crc32 hands to the tables rather than to zlib. */
export const JS_CRC32_MAX_LENGTH = 320;
/** Longest range crc32Range hands to the tables (no view to make for them). */
export const JS_CRC32_RANGE_MAX_LENGTH = 448;

/**
 * Slicing-by-16 tables, 16 x 256 entries: T[k * 256 + n] is the CRC register after n followed by k
 * zero bytes. Int32 entries keep the arithmetic in small integers.
 */
const TABLES = ((): Int32Array => {
  const t = new Int32Array(16 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  for (let k = 1; k < 16; k++) {
    for (let n = 0; n < 256; n++) {
      const prev = t[(k - 1) * 256 + n]!;
      t[k * 256 + n] = (prev >>> 8) ^ t[prev & 0xff]!;
    }
  }
  return t;
})();

/**
 * The table loop reads 32-bit words through a DataView (one load instead of four byte loads and
 * shifts: 1.6x faster). The views of the last two backing buffers are kept for the next calls: a
 * batch's records share one, a socket chunk's bodies another, and a single send alternates between
 * its body (in the chunk) and its record (in Node's buffer pool). Buffers over 1 MiB are not kept:
 * they must not be pinned.
 */
const VIEW_CACHE_MAX_BYTES = 1 << 20;
let lastBuffer: ArrayBufferLike | undefined;
let lastView: DataView | undefined;
let previousBuffer: ArrayBufferLike | undefined;
let previousView: DataView | undefined;

function viewOf(data: Uint8Array): DataView {
  const backing = data.buffer;
  if (backing === lastBuffer) return lastView!;
  if (backing === previousBuffer) return previousView!;
  const view = new DataView(backing);
  if (backing.byteLength <= VIEW_CACHE_MAX_BYTES) {
    previousBuffer = lastBuffer;
    previousView = lastView;
    lastBuffer = backing;
    lastView = view;
  }
  return view;
}

/**
 * Table-driven CRC-32 of data[start, end), as a signed int32 (the same 32 bits): an unsigned result
 * above 2^31 is a heap number, one allocation per call for half of all inputs, while the callers
 * mostly clear the sign bit anyway.
 */
function tableCrc32(data: Uint8Array, start: number, end: number, previous = 0): number {
  const t = TABLES;
  let crc = ~previous;
  let i = start;
  if (end - start >= 8) {
    const view = viewOf(data);
    const base = data.byteOffset;
    for (; i + 16 <= end; i += 16) {
      const a = crc ^ view.getInt32(base + i, true);
      const b = view.getInt32(base + i + 4, true);
      const c = view.getInt32(base + i + 8, true);
      const d = view.getInt32(base + i + 12, true);
      crc =
        t[3840 + (a & 0xff)]! ^
        t[3584 + ((a >>> 8) & 0xff)]! ^
        t[3328 + ((a >>> 16) & 0xff)]! ^
        t[3072 + (a >>> 24)]! ^
        t[2816 + (b & 0xff)]! ^
        t[2560 + ((b >>> 8) & 0xff)]! ^
        t[2304 + ((b >>> 16) & 0xff)]! ^
        t[2048 + (b >>> 24)]! ^
        t[1792 + (c & 0xff)]! ^
        t[1536 + ((c >>> 8) & 0xff)]! ^
        t[1280 + ((c >>> 16) & 0xff)]! ^
        t[1024 + (c >>> 24)]! ^
        t[768 + (d & 0xff)]! ^
        t[512 + ((d >>> 8) & 0xff)]! ^
        t[256 + ((d >>> 16) & 0xff)]! ^
        t[d >>> 24]!;
    }
    if (i + 8 <= end) {
      const a = crc ^ view.getInt32(base + i, true);
      const b = view.getInt32(base + i + 4, true);
      crc =
        t[1792 + (a & 0xff)]! ^
        t[1536 + ((a >>> 8) & 0xff)]! ^
        t[1280 + ((a >>> 16) & 0xff)]! ^
        t[1024 + (a >>> 24)]! ^
        t[768 + (b & 0xff)]! ^
        t[512 + ((b >>> 8) & 0xff)]! ^
        t[256 + ((b >>> 16) & 0xff)]! ^
        t[b >>> 24]!;
      i += 8;
    }
  }
  for (; i < end; i++) crc = t[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return crc ^ -1;
}

/** Table-driven CRC-32 of any length; exported for tests that compare it with the native one. */
export function crc32Portable(data: Uint8Array): number {
  return tableCrc32(data, 0, data.length) >>> 0;
}

/** Unsigned CRC-32 of `data` (0 ..= 0xFFFFFFFF). */
export function crc32(data: Uint8Array): number {
  if (nativeCrc32 === undefined || data.length <= JS_CRC32_MAX_LENGTH)
    return tableCrc32(data, 0, data.length) >>> 0;
  return nativeCrc32(data) >>> 0;
}

/** Unsigned CRC-32 of the concatenation of `chunks` (a body held in several buffers). */
export function crc32Chunks(chunks: readonly Buffer[]): number {
  let crc = 0;
  for (const chunk of chunks) crc = crc32RangeFrom(chunk, 0, chunk.length, crc);
  return crc;
}

/** Unsigned CRC-32 of buf[start, end), without a view of the range when the tables take it. */
export function crc32Range(buf: Buffer, start: number, end: number): number {
  return crc32RangeSigned(buf, start, end) >>> 0;
}

/** crc32Range as a signed int32 (same bits, no heap number): for callers that mask or store it. */
export function crc32RangeSigned(buf: Buffer, start: number, end: number): number {
  if (nativeCrc32 === undefined || end - start <= JS_CRC32_RANGE_MAX_LENGTH)
    return tableCrc32(buf, start, end);
  return nativeCrc32(buf.subarray(start, end)) | 0;
}

/** The BODYCRC field of a commit-log record: CRC-32 with the sign bit cleared (`UtilAll.crc32`). */
export function storedBodyCrc(data: Uint8Array): number {
  if (nativeCrc32 === undefined || data.length <= JS_CRC32_MAX_LENGTH)
    return tableCrc32(data, 0, data.length) & 0x7fffffff;
  return nativeCrc32(data) & 0x7fffffff;
}

/**
 * CRC-32 of (prefix + buf[start, end)) given `previous`, the CRC-32 of the prefix (unsigned result):
 * a checksum taken in parts.
 */
export function crc32RangeFrom(buf: Buffer, start: number, end: number, previous: number): number {
  if (nativeCrc32 === undefined || end - start <= JS_CRC32_RANGE_MAX_LENGTH)
    return tableCrc32(buf, start, end, previous | 0) >>> 0;
  return nativeCrc32(buf.subarray(start, end), previous >>> 0) >>> 0;
}

/*
 * CRC combination. In the reflected form used here a 32-bit word holds a polynomial over GF(2) with
 * x^0 in bit 31 and x^31 in bit 0. Appending n zero bytes to a message multiplies its CRC register by
 * x^(8n) modulo the CRC polynomial, and CRC-32 is linear, so
 *   crc(A + B) = crc(A) * x^(8 * length(B)) mod P  xor  crc(B).
 * The power x^(8n) is built from the precomputed x^(2^k) by square-and-multiply: a few dozen products
 * of 32-bit polynomials, against a pass over B's bytes.
 */
const REFLECTED_POLY = 0xedb88320;
const X0 = 0x80000000; // the polynomial 1

/** a * b mod P, both in the reflected form. */
function multiplyModP(a: number, b: number): number {
  let product = 0;
  let bit = X0;
  let shifted = b >>> 0;
  while (bit !== 0 && (a & (bit | (bit - 1))) !== 0) {
    if ((a & bit) !== 0) product ^= shifted;
    bit >>>= 1;
    // shifted * x mod P
    shifted = (shifted & 1) !== 0 ? (shifted >>> 1) ^ REFLECTED_POLY : shifted >>> 1;
  }
  return product >>> 0;
}

/** X_POW_2K[k] = x^(2^k) mod P. */
const X_POW_2K = ((): Uint32Array => {
  const t = new Uint32Array(64);
  let p = X0 >>> 1; // x^1
  for (let k = 0; k < 64; k++) {
    t[k] = p;
    p = multiplyModP(p, p);
  }
  return t;
})();

/** x^(8 * bytes) mod P. */
function shiftByBytes(bytes: number): number {
  let result = X0;
  let k = 3; // 8 * bytes = bytes * 2^3
  for (let n = bytes; n > 0; n = Math.floor(n / 2), k++) {
    if (n % 2 === 1) result = multiplyModP(X_POW_2K[k % 64]!, result);
  }
  return result;
}

/**
 * CRC-32 of (A + B) from crcA = crc32(A), crcB = crc32(B) and B's length in bytes (unsigned result),
 * without reading either: a record checksum reuses its body's CRC instead of a second pass over it.
 */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  if (!Number.isSafeInteger(lengthB) || lengthB < 0) throw new RangeError(`bad length ${lengthB}`);
  return (multiplyModP(shiftByBytes(lengthB), crcA >>> 0) ^ crcB) >>> 0;
}
