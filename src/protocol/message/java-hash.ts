/**
 * Java `String.hashCode()` and the consume-queue tags code derived from it.
 *
 * Java hashes UTF-16 code units: h = 31*h + c, wrapping at 32 bits. JavaScript strings are UTF-16 too,
 * so `charCodeAt` gives exactly the units Java sees (surrogate pairs count as two).
 */

/** Java `String.hashCode()`: a signed int32. */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) {
    h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  }
  return h;
}

/**
 * Tags code stored in consume-queue entries: the Java hash of the tag sign-extended to 64 bits
 * (a negative hash gives 0xFFFFFFFF________), 0 when there is no tag. Returned as a signed bigint,
 * ready for `Buffer.writeBigInt64BE`.
 */
export function tagsCode(tags: string | undefined): bigint {
  if (tags === undefined || tags.length === 0) return 0n;
  return BigInt(javaStringHash(tags));
}
