/**
 * Errors of the message-body codecs (zlib, LZ4, ZSTD). Their codes are client error codes outside
 * Java's ClientErrorCode range (10001-10007): Java logs these cases and drops the message (a consumer)
 * or sends it uncompressed (a producer); this client tells the caller instead.
 */
import { ProtocolError, RocketMQError } from './errors.js';

/** Numeric codes of the body-codec errors (compression unavailable, decompression failed), in the `code` of those errors. */
export const CodecErrorCode = {
  /** The running Node has no implementation of the codec and its optional package is not installed. */
  CODEC_UNAVAILABLE: 10101,
  /** A compressed body that does not decode (corrupt, truncated, unknown type, over the size ceiling). */
  BODY_DECOMPRESS_FAILED: 10102,
} as const;

/** Where a body came from, when it came from a stored message. */
export interface BodyLocation {
  /** Topic of the message. */
  topic: string;
  /** Queue id of the message. */
  queueId: number;
  /** Queue offset of the message. */
  queueOffset: bigint;
}

function where(location: BodyLocation | undefined): string {
  if (location === undefined) return '';
  return ` (message at ${location.topic} queue ${location.queueId} offset ${location.queueOffset})`;
}

/**
 * No implementation of a compression codec is usable here. `packageName` is the optional npm package
 * that provides it (install it, or run a Node whose node:zlib has it).
 */
export class CompressionCodecUnavailableError extends RocketMQError {
  constructor(
    /** The compression type concerned (ZLIB, LZ4, ZSTD). */
    readonly compressionType: string,
    /** Whether compressing or decompressing failed. */
    readonly operation: 'compress' | 'decompress',
    /** The optional npm package that provides the codec. */
    readonly packageName: string,
    /** How to make the codec available. */
    readonly hint: string,
    /** Where the body came from (topic, queue, offset), when known. */
    readonly location?: BodyLocation,
  ) {
    super(
      `no ${compressionType} ${operation === 'compress' ? 'encoder' : 'decoder'} available${where(location)}: ${hint}`,
      { code: CodecErrorCode.CODEC_UNAVAILABLE },
    );
  }

  /** The same error, told where the body came from. */
  at(location: BodyLocation): CompressionCodecUnavailableError {
    return new CompressionCodecUnavailableError(
      this.compressionType,
      this.operation,
      this.packageName,
      this.hint,
      location,
    );
  }
}

/**
 * A compressed body that cannot be decoded. A ProtocolError, so code catching malformed data keeps
 * catching it; never retriable (the bytes will not change).
 */
export class BodyDecompressError extends ProtocolError {
  constructor(
    /** The compression type concerned (ZLIB, LZ4, ZSTD). */
    readonly compressionType: string,
    /** Why decompression failed. */
    readonly reason: string,
    /** Where the body came from (topic, queue, offset), when known. */
    readonly location?: BodyLocation,
    cause?: unknown,
  ) {
    super(`cannot decompress a ${compressionType} message body${where(location)}: ${reason}`, {
      code: CodecErrorCode.BODY_DECOMPRESS_FAILED,
      retriable: false,
      ...(cause === undefined ? {} : { cause }),
    });
  }

  /** The same error, told where the body came from. */
  at(location: BodyLocation): BodyDecompressError {
    return new BodyDecompressError(this.compressionType, this.reason, location, this.cause);
  }
}
