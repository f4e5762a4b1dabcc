/**
 * `--compress zlib|lz4|zstd` of `rmq send`: compress every body with that codec whatever its size
 * (compressMsgBodyOverHowmuch 0), as Java's producer does for bodies over its threshold.
 */
import { parseCompressionType } from '../protocol/message/codecs.js';
import type { CompressionType } from '../protocol/message/constants.js';
import { CliError } from './cli-error.js';

export const COMPRESS_FLAG = {
  type: 'string',
  value: 'CODEC',
  description: 'Compress every body with zlib, lz4 or zstd, whatever its size',
} as const;

export function compressOptions(
  value: string | undefined,
): { compressType: CompressionType; compressMsgBodyOverHowmuch: number } | Record<string, never> {
  if (value === undefined) return {};
  const type = parseCompressionType(value);
  if (type === undefined) throw new CliError(`--compress must be zlib, lz4 or zstd, got "${value}"`);
  return { compressType: type, compressMsgBodyOverHowmuch: 0 };
}
