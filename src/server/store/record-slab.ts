/**
 * Where single puts encode their records: consecutive slices of a shared slab, a new slab once one is
 * full. Buffer.allocUnsafe carves Node's 8 KiB pool the same way, but a record of ~300 B made it
 * allocate a new pool every ~25 records and went through its size checks each time (~165 ns per
 * record, against ~45 ns for a slice here: a visible share of the broker's CPU per single send).
 *
 * Slabs are never reused: a slab goes back to the GC once every record sliced from it is gone, so a
 * record still referenced (a refused put, a rewind in progress) can never see its bytes overwritten.
 * Records over MAX_SLICE_BYTES get their own buffer, so a slab pins at most SLAB_BYTES for one small
 * record kept alive.
 */
const SLAB_BYTES = 64 * 1024;
const MAX_SLICE_BYTES = 4 * 1024;

let slab: Buffer | undefined;
let used = 0;

/** A buffer of exactly `size` bytes (contents undefined) for one record. */
export function recordBuffer(size: number): Buffer {
  if (size > MAX_SLICE_BYTES) return Buffer.allocUnsafe(size);
  if (slab === undefined || used + size > SLAB_BYTES) {
    slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
    used = 0;
  }
  const at = used;
  // Next slice 8-byte aligned, as Node's pool aligns its slices.
  used = (at + size + 7) & ~7;
  return slab.subarray(at, at + size);
}
