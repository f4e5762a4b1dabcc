/**
 * A walk over Zstandard frames (RFC 8878) that bounds the decoded size before anything is decoded, so a
 * hostile body cannot make the decoder allocate or produce more than the caller's ceiling (an RLE block
 * of 4 bytes may claim 128 KiB; a frame header may claim any content size).
 *
 *   frame      magic 28 B5 2F FD (0xFD2FB528 LE), header, blocks, [content checksum 4]
 *   header     FHD 1: content-size field flag (bits 7-6), single segment (5), reserved 0 (3),
 *                     checksum flag (2), dictionary id flag (1-0)
 *              [window descriptor 1 unless single segment] [dictionary id 0/1/2/4] [content size 0/1/2/4/8]
 *   block      header 3 bytes LE: last (bit 0), type (bits 2-1: raw, RLE, compressed, reserved),
 *              size (bits 23-3); raw carries `size` bytes, RLE 1 byte repeated `size` times,
 *              compressed `size` bytes decoding to at most 128 KiB
 *   skippable  magic 0x184D2A50..5F, size LE32, data
 *
 * Java's ZstdOutputStream writes frames without a content size (FHD 0x00), so the walk, not the
 * header, is what bounds the output.
 */

const ZSTD_MAGIC = 0xfd2fb528;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const MAX_BLOCK_OUTPUT = 128 * 1024;
const DICT_ID_SIZES = [0, 1, 2, 4] as const;

/** Malformed zstd framing. */
export class ZstdFrameError extends Error {}

function u32(src: Uint8Array, i: number): number {
  if (i + 4 > src.length) throw new ZstdFrameError('zstd data truncated');
  return (src[i]! | (src[i + 1]! << 8) | (src[i + 2]! << 16) | (src[i + 3]! << 24)) >>> 0;
}

function readLE(src: Uint8Array, at: number, size: number): number {
  let v = 0;
  for (let k = size - 1; k >= 0; k--) v = v * 256 + src[at + k]!;
  return v;
}

/** Upper bound of the decoded size of every frame in `src`; throws ZstdFrameError on bad framing. */
export function zstdDecodedSizeBound(src: Uint8Array): number {
  return walkFrames(src, undefined);
}

/**
 * `src` with every window descriptor lowered to the smallest window that still holds its frame's whole
 * output (the same bytes when none needs it). A decoder that allocates the declared window up front
 * (fzstd does) then allocates no more than the output: a 4-byte header may declare a 2 GiB window.
 * Lossless: no match reaches further back than the output produced so far.
 */
export function zstdWithBoundedWindows(src: Uint8Array): Uint8Array {
  const patches: [number, number][] = [];
  walkFrames(src, patches);
  if (patches.length === 0) return src;
  const copy = Uint8Array.from(src);
  for (const [at, descriptor] of patches) copy[at] = descriptor;
  return copy;
}

function windowSize(descriptor: number): number {
  const base = 2 ** (10 + (descriptor >>> 3));
  return base + (base / 8) * (descriptor & 7);
}

function descriptorFor(size: number): number {
  let exponent = 0;
  while (2 ** (10 + exponent) < size) exponent++;
  return exponent << 3;
}

function walkFrames(src: Uint8Array, patches: [number, number][] | undefined): number {
  if (src.length === 0) throw new ZstdFrameError('empty input is not a zstd frame');
  let ip = 0;
  let total = 0;
  while (ip < src.length) {
    const magic = u32(src, ip);
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      ip += 8 + u32(src, ip + 4);
      if (ip > src.length) throw new ZstdFrameError('zstd skippable frame truncated');
      continue;
    }
    if (magic !== ZSTD_MAGIC) throw new ZstdFrameError(`not a zstd frame (magic 0x${magic.toString(16)})`);
    ip += 4;
    if (ip >= src.length) throw new ZstdFrameError('zstd frame header truncated');
    const fhd = src[ip++]!;
    if (fhd & 0x08) throw new ZstdFrameError('zstd frame header has the reserved bit set');
    const singleSegment = (fhd & 0x20) !== 0;
    const fcsFlag = fhd >>> 6;
    const fcsSize = fcsFlag === 0 ? (singleSegment ? 1 : 0) : 1 << fcsFlag;
    const headerRest = (singleSegment ? 0 : 1) + DICT_ID_SIZES[fhd & 3]! + fcsSize;
    if (ip + headerRest > src.length) throw new ZstdFrameError('zstd frame header truncated');
    const windowAt = singleSegment ? -1 : ip;
    let contentSize: number | undefined;
    if (fcsSize > 0) {
      contentSize = readLE(src, ip + headerRest - fcsSize, fcsSize) + (fcsSize === 2 ? 256 : 0);
    }
    ip += headerRest;
    let frameBound = 0;
    for (let last = false; !last;) {
      if (ip + 3 > src.length) throw new ZstdFrameError('zstd block header truncated');
      const header = src[ip]! | (src[ip + 1]! << 8) | (src[ip + 2]! << 16);
      ip += 3;
      last = (header & 1) === 1;
      const type = (header >>> 1) & 3;
      const size = header >>> 3;
      if (type === 3) throw new ZstdFrameError('zstd block of the reserved type');
      const stored = type === 1 ? 1 : size;
      if (ip + stored > src.length) throw new ZstdFrameError('zstd block truncated');
      if (size > MAX_BLOCK_OUTPUT) throw new ZstdFrameError(`zstd block of ${size} bytes exceeds 128 KiB`);
      frameBound += type === 2 ? MAX_BLOCK_OUTPUT : size;
      ip += stored;
    }
    if (fhd & 0x04) {
      if (ip + 4 > src.length) throw new ZstdFrameError('zstd content checksum truncated');
      ip += 4;
    }
    if (contentSize !== undefined && contentSize > frameBound) {
      throw new ZstdFrameError(
        `zstd frame claims ${contentSize} bytes but its blocks hold at most ${frameBound}`,
      );
    }
    const frameOutput = contentSize ?? frameBound;
    if (patches !== undefined && windowAt >= 0 && windowSize(src[windowAt]!) > Math.max(1024, frameOutput)) {
      patches.push([windowAt, descriptorFor(frameOutput)]);
    }
    total += frameOutput;
  }
  return total;
}
