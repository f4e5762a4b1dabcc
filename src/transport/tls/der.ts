/**
 * The few DER (ITU-T X.690 distinguished encoding) building blocks an X.509 v3 certificate needs.
 * Every value is tag | length | content:
 *
 *   tag     1 byte (universal: 0x02 INTEGER, 0x03 BIT STRING, 0x04 OCTET STRING, 0x06 OID, 0x0c UTF8String,
 *           0x17 UTCTime, 0x18 GeneralizedTime, 0x30 SEQUENCE, 0x31 SET; context-specific: 0x80 | n
 *           implicit primitive, 0xa0 | n explicit constructed)
 *   length  < 128: one byte; else 0x80 | k followed by k big-endian length bytes
 */

export function derValue(tag: number, content: Buffer): Buffer {
  const n = content.length;
  let length: Buffer;
  if (n < 0x80) length = Buffer.from([n]);
  else if (n < 0x100) length = Buffer.from([0x81, n]);
  else if (n < 0x10000) length = Buffer.from([0x82, n >> 8, n & 0xff]);
  else length = Buffer.from([0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, content]);
}

export const derSequence = (...items: Buffer[]): Buffer => derValue(0x30, Buffer.concat(items));
export const derSet = (...items: Buffer[]): Buffer => derValue(0x31, Buffer.concat(items));
export const derOctetString = (content: Buffer): Buffer => derValue(0x04, content);
export const derUtf8 = (text: string): Buffer => derValue(0x0c, Buffer.from(text, 'utf8'));
export const derBoolean = (value: boolean): Buffer => derValue(0x01, Buffer.from([value ? 0xff : 0]));
/** [n] EXPLICIT: the inner value wrapped whole. */
export const derExplicit = (n: number, inner: Buffer): Buffer => derValue(0xa0 | n, inner);
/** [n] IMPLICIT primitive: the tag replaced, the content kept. */
export const derImplicit = (n: number, content: Buffer): Buffer => derValue(0x80 | n, content);

/** A non-negative INTEGER from its big-endian magnitude (a leading 0 keeps a high bit from reading negative). */
export function derUnsignedInteger(magnitude: Buffer): Buffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.subarray(start);
  const needsPad = (trimmed[0] ?? 0) & 0x80;
  return derValue(0x02, needsPad ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

export const derSmallInteger = (value: number): Buffer => derUnsignedInteger(Buffer.from([value]));

/** BIT STRING whose content is whole bytes (first content byte: count of unused bits). */
export function derBitString(bytes: Buffer, unusedBits = 0): Buffer {
  return derValue(0x03, Buffer.concat([Buffer.from([unusedBits]), bytes]));
}

/** OBJECT IDENTIFIER "1.2.840..." : 40 * first + second, then base-128 groups, high bit = more. */
export function derOid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const bytes: number[] = [40 * (parts[0] ?? 0) + (parts[1] ?? 0)];
  for (const part of parts.slice(2)) {
    const groups: number[] = [part & 0x7f];
    for (let v = Math.floor(part / 128); v > 0; v = Math.floor(v / 128)) groups.unshift((v & 0x7f) | 0x80);
    bytes.push(...groups);
  }
  return derValue(0x06, Buffer.from(bytes));
}

/** UTCTime (YYMMDDHHMMSSZ) for 1950..2049, GeneralizedTime (YYYYMMDDHHMMSSZ) otherwise (RFC 5280 4.1.2.5). */
export function derTime(date: Date): Buffer {
  const iso = date.toISOString(); // 2026-12-02T11:38:40.000Z
  const year = date.getUTCFullYear();
  const rest = iso.slice(5, 19).replace(/[-T:]/g, '');
  if (year >= 1950 && year < 2050) return derValue(0x17, Buffer.from(`${iso.slice(2, 4)}${rest}Z`, 'ascii'));
  return derValue(0x18, Buffer.from(`${iso.slice(0, 4)}${rest}Z`, 'ascii'));
}
