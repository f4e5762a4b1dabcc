/**
 * UTF-8 encoding as Java does it (String.getBytes(UTF_8), Netty writeCharSequence): a lone surrogate
 * becomes `?` (0x3F), where Node's Buffer.from would write U+FFFD (EF BF BD).
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const ANY_SURROGATE = /[\uD800-\uDFFF]/;

/** `value` with every lone surrogate replaced by `?`. */
export function javaWellFormed(value: string): string {
  return ANY_SURROGATE.test(value) ? value.replace(LONE_SURROGATE, '?') : value;
}

export function javaUtf8(value: string): Buffer {
  return Buffer.from(javaWellFormed(value), 'utf8');
}
