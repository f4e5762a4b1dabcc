/**
 * Message body compression. RocketMQ's default (and the only algorithm implemented here) is ZLIB:
 * an RFC 1950 stream (2-byte header, deflate data, Adler-32) exactly as java.util.zip.Deflater
 * writes it. At the same level Node's zlib writes the same bytes for small bodies; on larger ones
 * Node's bundled zlib (Chromium's) may choose other matches than the system zlib Java links, a valid
 * stream either way (test/fixtures/codecs). LZ4 and ZSTD live in codecs.ts.
 */
import * as zlib from 'node:zlib';
import { ProtocolError } from '../../common/errors.js';
import { deflateBody } from './zlib-deflater.js';

/** Producer default `compressMsgBodyOverHowmuch`. */
export const DEFAULT_COMPRESS_THRESHOLD = 4096;
/** Producer default compression level. */
export const DEFAULT_COMPRESS_LEVEL = 5;
/** Default ceiling on inflated size: well above the 4 MiB default max message size. */
export const DEFAULT_MAX_DECOMPRESSED_SIZE = 64 * 1024 * 1024;

/** zlib-compress a body (RFC 1950 framing, like Java's Deflater). */
export function compressBody(body: Uint8Array, level: number = DEFAULT_COMPRESS_LEVEL): Buffer {
  return deflateBody(body, level);
}

export interface DecompressOptions {
  /** Refuse to inflate past this many bytes (zip-bomb guard). Default 64 MiB. */
  maxOutputLength?: number;
}

/** Inflate a zlib body. Throws ProtocolError on corrupt data or when the output limit is exceeded. */
export function decompressBody(body: Uint8Array, options: DecompressOptions = {}): Buffer {
  const maxOutputLength = options.maxOutputLength ?? DEFAULT_MAX_DECOMPRESSED_SIZE;
  try {
    return zlib.inflateSync(body, { maxOutputLength });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ProtocolError(`cannot decompress message body (${body.length} bytes, zlib): ${reason}`, {
      cause: err,
    });
  }
}

/**
 * Whether the producer compresses a body: never for a batch, otherwise when the raw body is at least
 * `threshold` bytes. The result is kept even when it is larger than the input (as Java does).
 */
export function shouldCompress(
  bodyLength: number,
  threshold: number = DEFAULT_COMPRESS_THRESHOLD,
  isBatch = false,
): boolean {
  return !isBatch && bodyLength >= threshold;
}
