/**
 * LZ4 frame format (lz4_Frame_format.md), what Java's Lz4Compressor (lz4-java LZ4FrameOutputStream)
 * writes and reads for RocketMQ bodies with the LZ4 compression type:
 *
 *   magic      4  04 22 4D 18 (0x184D2204 LE)
 *   FLG        1  version 01 (bits 7-6), block independence (5), block checksum (4), content size (3),
 *                 content checksum (2), reserved 0 (1), dictionary id (0)
 *   BD         1  block max size (bits 6-4): 4 = 64 KiB, 5 = 256 KiB, 6 = 1 MiB, 7 = 4 MiB
 *   [size]     8  content size LE, when FLG bit 3
 *   [dict id]  4  when FLG bit 0 (refused: RocketMQ never uses dictionaries)
 *   HC         1  (XXH32(FLG..last descriptor byte) >> 8) & 0xFF
 *   blocks        size LE32 (high bit set = stored uncompressed), data, [XXH32 of the data when FLG bit 4]
 *   end mark   4  00 00 00 00
 *   [checksum] 4  XXH32 of the whole content, when FLG bit 2
 *
 * lz4-java's default stream writes FLG 0x60 (independent blocks, no checksums, no size), BD 0x70 (4 MiB
 * blocks), HC 0x73; the encoder here writes exactly that framing. Skippable frames (magic
 * 0x184D2A50..5F) and several concatenated frames are read as the format allows.
 */
import {
  GrowableOutput,
  Lz4FormatError,
  compressBlock,
  compressBound,
  decompressBlock,
} from './lz4-block.js';
import { xxhash32 } from './xxhash32.js';

const FRAME_MAGIC = 0x184d2204;
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const BLOCK_SIZES: Record<number, number> = {
  4: 64 * 1024,
  5: 256 * 1024,
  6: 1024 * 1024,
  7: 4 * 1024 * 1024,
};
/** FLG and BD of lz4-java's LZ4FrameOutputStream(out): version 1, independent blocks, 4 MiB blocks. */
const JAVA_FLG = 0x60;
const JAVA_BD = 0x70;
const JAVA_BLOCK_SIZE = 4 * 1024 * 1024;
const UNCOMPRESSED_BIT = 0x80000000;

function u32(src: Uint8Array, i: number, what: string): number {
  if (i + 4 > src.length) throw new Lz4FormatError(`LZ4 frame truncated in ${what}`);
  return (src[i]! | (src[i + 1]! << 8) | (src[i + 2]! << 16) | (src[i + 3]! << 24)) >>> 0;
}

/** Encodes `data` as one LZ4 frame framed like lz4-java's default LZ4FrameOutputStream. */
export function lz4FrameCompress(data: Uint8Array): Buffer {
  const blocks = Math.max(1, Math.ceil(data.length / JAVA_BLOCK_SIZE));
  const out = Buffer.allocUnsafe(7 + blocks * 4 + compressBound(data.length) + blocks * 16 + 4);
  out.writeUInt32LE(FRAME_MAGIC, 0);
  out[4] = JAVA_FLG;
  out[5] = JAVA_BD;
  out[6] = (xxhash32(out, 0, 4, 6) >>> 8) & 0xff;
  let op = 7;
  for (let start = 0; start < data.length; start += JAVA_BLOCK_SIZE) {
    const end = Math.min(data.length, start + JAVA_BLOCK_SIZE);
    const compressedEnd = compressBlock(data, start, end, out, op + 4);
    const compressedSize = compressedEnd - op - 4;
    if (compressedSize < end - start) {
      out.writeUInt32LE(compressedSize, op);
      op = compressedEnd;
    } else {
      out.writeUInt32LE((UNCOMPRESSED_BIT | (end - start)) >>> 0, op);
      out.set(data.subarray(start, end), op + 4);
      op += 4 + (end - start);
    }
  }
  out.writeUInt32LE(0, op);
  return out.subarray(0, op + 4);
}

/** Decodes every frame of `src`; throws Lz4FormatError on malformed input or past `maxOutputLength`. */
export function lz4FrameDecompress(src: Uint8Array, maxOutputLength: number): Buffer {
  const out = new GrowableOutput(src.length * 4, maxOutputLength);
  let ip = 0;
  if (src.length === 0) throw new Lz4FormatError('empty input is not an LZ4 frame');
  while (ip < src.length) {
    const magic = u32(src, ip, 'magic');
    if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      ip += 8 + u32(src, ip + 4, 'skippable frame size');
      if (ip > src.length) throw new Lz4FormatError('LZ4 skippable frame truncated');
      continue;
    }
    if (magic !== FRAME_MAGIC) throw new Lz4FormatError(`not an LZ4 frame (magic 0x${magic.toString(16)})`);
    ip = decodeFrame(src, ip + 4, out);
  }
  return Buffer.from(out.buf.buffer, out.buf.byteOffset, out.pos);
}

function decodeFrame(src: Uint8Array, at: number, out: GrowableOutput): number {
  if (at + 3 > src.length) throw new Lz4FormatError('LZ4 frame truncated in the descriptor');
  const flg = src[at]!;
  const bd = src[at + 1]!;
  if (flg >>> 6 !== 1) throw new Lz4FormatError(`unsupported LZ4 frame version ${flg >>> 6}`);
  if (flg & 0x02 || bd & 0x8f) throw new Lz4FormatError('LZ4 frame descriptor has reserved bits set');
  if (flg & 0x01) throw new Lz4FormatError('LZ4 frames with a dictionary id are not supported');
  const blockMax = BLOCK_SIZES[(bd >>> 4) & 7];
  if (blockMax === undefined) throw new Lz4FormatError(`bad LZ4 block max size code ${(bd >>> 4) & 7}`);
  const blockChecksum = (flg & 0x10) !== 0;
  const contentChecksum = (flg & 0x04) !== 0;
  let ip = at + 2;
  let contentSize: number | undefined;
  if (flg & 0x08) {
    if (ip + 8 > src.length) throw new Lz4FormatError('LZ4 frame truncated in the content size');
    contentSize = Number(Buffer.from(src.buffer, src.byteOffset + ip, 8).readBigUInt64LE(0));
    ip += 8;
  }
  if (ip >= src.length) throw new Lz4FormatError('LZ4 frame truncated before the header checksum');
  const hc = (xxhash32(src, 0, at, ip) >>> 8) & 0xff;
  if (src[ip] !== hc) throw new Lz4FormatError('LZ4 frame header checksum mismatch');
  ip++;
  const frameStart = out.pos;
  if (contentSize !== undefined && contentSize > out.limit - out.pos) {
    throw new Lz4FormatError(`LZ4 content size ${contentSize} exceeds the limit of ${out.limit} bytes`);
  }
  for (;;) {
    const word = u32(src, ip, 'block size');
    ip += 4;
    if (word === 0) break;
    const size = word & 0x7fffffff;
    if (size > blockMax || size > src.length - ip) throw new Lz4FormatError(`bad LZ4 block size ${size}`);
    if (blockChecksum) {
      if (u32(src, ip + size, 'block checksum') !== xxhash32(src, 0, ip, ip + size)) {
        throw new Lz4FormatError('LZ4 block checksum mismatch');
      }
    }
    const before = out.pos;
    if (word & UNCOMPRESSED_BIT) {
      out.ensure(size);
      out.buf.set(src.subarray(ip, ip + size), out.pos);
      out.pos += size;
    } else {
      decompressBlock(src, ip, ip + size, out);
    }
    if (out.pos - before > blockMax) throw new Lz4FormatError('LZ4 block decodes past the block max size');
    ip += size + (blockChecksum ? 4 : 0);
  }
  if (contentChecksum && u32(src, ip, 'content checksum') !== xxhash32(out.buf, 0, frameStart, out.pos)) {
    throw new Lz4FormatError('LZ4 content checksum mismatch');
  }
  if (contentChecksum) ip += 4;
  if (contentSize !== undefined && out.pos - frameStart !== contentSize) {
    throw new Lz4FormatError(
      `LZ4 frame content size ${contentSize} but ${out.pos - frameStart} bytes decoded`,
    );
  }
  return ip;
}
