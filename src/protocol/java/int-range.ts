/** Java `int` range: what Integer fields, Integer.parseInt and int casts accept without overflow. */

export const JAVA_INT_MIN = -2147483648;
export const JAVA_INT_MAX = 2147483647;

/** True for an integer Java can hold in an `int`. */
export function isJavaInt(n: number): boolean {
  return Number.isInteger(n) && n >= JAVA_INT_MIN && n <= JAVA_INT_MAX;
}
