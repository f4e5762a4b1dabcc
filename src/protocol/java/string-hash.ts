/**
 * Java `String.hashCode()`.
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
