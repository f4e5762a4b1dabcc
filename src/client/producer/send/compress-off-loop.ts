/**
 * Large ZLIB bodies are deflated on libuv's thread pool instead of the event loop: at 256 KiB and
 * more a level-5 deflate takes milliseconds (tens of ms at 4 MiB) during which every other send,
 * answer and timer of the process would wait, while the hand-over to the pool costs tens of µs. The
 * bytes are those of zlib.deflateSync (same library, same level): only where they are computed changes.
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
