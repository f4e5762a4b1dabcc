/**
 * One consume-queue entry (20 bytes, big-endian): the record's commit-log offset (int64), its size
 * (int32) and its tags code (int64: Java String.hashCode of TAGS sign-extended; 0 without tag).
 */
export const CQ_ENTRY_SIZE = 20;

export interface CqEntry {
  phys: number;
  size: number;
  tagsCode: bigint;
}

export function decodeEntry(buf: Buffer, at: number): CqEntry {
  return {
    phys: Number(buf.readBigInt64BE(at)),
    size: buf.readInt32BE(at + 8),
    tagsCode: buf.readBigInt64BE(at + 12),
  };
}
