/**
 * Big-endian integers (Java's DataOutput and ByteBuffer order) stored byte by byte, for the hot
 * encoders that write many small fields per message: Buffer's writeInt32BE and friends check their
 * arguments on every call, which cost more than the rest of a small record's fields together. The
 * caller guarantees the range: `at` inside `buf` with room for the field, `value` an integer of the
 * field's range (int32: any value that `| 0` keeps; int64: a non-negative safe integer).
 */

export function putInt16BE(buf: Uint8Array, at: number, value: number): void {
  buf[at] = (value >>> 8) & 0xff;
  buf[at + 1] = value & 0xff;
}

export function putInt32BE(buf: Uint8Array, at: number, value: number): void {
  buf[at] = value >>> 24;
  buf[at + 1] = (value >>> 16) & 0xff;
  buf[at + 2] = (value >>> 8) & 0xff;
  buf[at + 3] = value & 0xff;
}

/** A non-negative safe integer as int64: the bytes of writeBigInt64BE(BigInt(value)), no BigInt made. */
export function putInt64BE(buf: Uint8Array, at: number, value: number): void {
  putInt32BE(buf, at, Math.floor(value / 0x1_0000_0000));
  putInt32BE(buf, at + 4, value >>> 0);
}
