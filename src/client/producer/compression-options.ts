/**
 * The producer's body compression options (Java DefaultMQProducer compressType / compressLevel /
 * compressMsgBodyOverHowmuch): which codec, at which level, validated when the producer is built,
 * including whether the codec can run here (a missing optional package fails then, not at a send).
 */
import { IllegalArgumentError } from '../../common/errors.js';
import { checkCompressionCodec, parseCompressionType } from '../../protocol/message/codecs.js';
import type { CompressionType } from '../../protocol/message/constants.js';

/** Accepted spellings of a compression type (Java CompressionType.of ignores case). */
export type CompressionTypeName = CompressionType | Lowercase<CompressionType>;

/** Levels each codec accepts: zlib's Deflater 0..9, zstd 1..22; LZ4 has none (Java ignores it). */
const LEVELS: Record<CompressionType, [number, number] | undefined> = {
  ZLIB: [0, 9],
  ZSTD: [1, 22],
  LZ4: undefined,
};

export function resolveCompression(
  compressType: unknown,
  compressLevel: unknown,
): { compressType: CompressionType; compressLevel: number } {
  const type = typeof compressType === 'string' ? parseCompressionType(compressType) : undefined;
  if (type === undefined) {
    throw new IllegalArgumentError(
      `option compressType must be 'ZLIB', 'LZ4' or 'ZSTD' (any case), got ${JSON.stringify(compressType)}`,
    );
  }
  const range = LEVELS[type];
  const level = compressLevel as number;
  if (!Number.isInteger(level) || (range !== undefined && (level < range[0] || level > range[1]))) {
    const allowed =
      range === undefined ? 'an integer (LZ4 ignores it)' : `an integer ${range[0]}..${range[1]}`;
    throw new IllegalArgumentError(
      `option compressLevel must be ${allowed} for compressType ${type}, got ${String(compressLevel)}`,
    );
  }
  const missing = checkCompressionCodec(type, 'compress');
  if (missing !== undefined) throw missing;
  return { compressType: type, compressLevel: level };
}
