/**
 * Large ZLIB bodies are deflated on libuv's thread pool instead of the event loop: at 256 KiB and
 * more a level-5 deflate takes milliseconds (tens of ms at 4 MiB) during which every other send,
 * answer and timer of the process would wait, while the hand-over to the pool costs tens of µs. The
 * bytes are those of zlib.deflateSync (same library, same level): only where they are computed changes.
 * Measured (bench/compress-off-loop.bench.ts, JSON-like bodies, level 5): an on-loop body holds the
 * loop ~0.3 ms at 64 KiB, ~0.6 ms at 128 KiB, ~1.4 ms at 256 KiB, 10+ ms at 1 MiB; off the loop a
 * body costs 2-3x the CPU at 4-16 KiB (a stream per body and the pool round trip) but only ~1.0-1.25x
 * from 128 KiB up. Below 256 KiB bodies are deflated on the loop (zlib-deflater.ts).
 * LZ4 (JavaScript) and ZSTD stay on the loop.
 */
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import type { CompressionType } from '../../../protocol/message/constants.js';

/** Smallest body deflated off the event loop. */
export const OFF_LOOP_COMPRESS_MIN_BYTES = 256 * 1024;

const deflate = promisify(zlib.deflate);

/** Whether a body of `length` bytes of codec `type` is compressed off the loop. */
export function compressesOffLoop(type: CompressionType, length: number): boolean {
  return type === 'ZLIB' && length >= OFF_LOOP_COMPRESS_MIN_BYTES;
}

export function compressOffLoop(body: Buffer, level: number): Promise<Buffer> {
  return deflate(body, { level });
}
