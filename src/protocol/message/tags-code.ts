/** The consume-queue tags code, derived from Java `String.hashCode()` of the tag. */
import { javaStringHash } from '../java/string-hash.js';

/**
 * Tags code stored in consume-queue entries: the Java hash of the tag sign-extended to 64 bits
 * (a negative hash gives 0xFFFFFFFF________), 0 when there is no tag. Returned as a signed bigint,
 * ready for `Buffer.writeBigInt64BE`.
 */
export function tagsCode(tags: string | undefined): bigint {
  if (tags === undefined || tags.length === 0) return 0n;
  return BigInt(javaStringHash(tags));
}
