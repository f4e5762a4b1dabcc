/**
 * UTF-8 encoding as Java does it (String.getBytes(UTF_8), Netty writeCharSequence): a lone surrogate
 * becomes `?` (0x3F), where Node's Buffer.from would write U+FFFD (EF BF BD).
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** String#isWellFormed (ES2024, in Node >= 20; typed here because the project targets ES2022). */
interface WellFormedCheck {
  isWellFormed(): boolean;
}

/** `value` with every lone surrogate replaced by `?`. */
export function javaWellFormed(value: string): string {
  // isWellFormed answers at once for one-byte strings, the usual case; the regex only runs when needed.
  return (value as unknown as WellFormedCheck).isWellFormed() ? value : value.replace(LONE_SURROGATE, '?');
}

export function javaUtf8(value: string): Buffer {
  return Buffer.from(javaWellFormed(value), 'utf8');
}
