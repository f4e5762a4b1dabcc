/**
 * The newest entries of one consume queue, appended but not yet written to their file.
 *
 * A put's entry used to be written at once: one pwrite per queue per commit-log write, ~5 % of the
 * broker's CPU per single send (a system call costs far more than the 20 bytes it writes). Now they
 * collect here, in file order, and reach the file in one write when the buffer is full, when the
 * queue moves to its next file, and before every checkpoint (which fsyncs the queues and vouches for
 * everything below its log position). Readers see them through ConsumeQueue, which serves the part
 * still pending from here. A crash loses only entries of records after the last checkpoint, and
 * recovery walks the log from there and dispatches every record its queue lacks (recovery-queues.ts).
 */
import { CQ_ENTRY_SIZE } from './cq-entry.js';
import type { CqEntry } from './cq-entry.js';
import { putInt32BE, putInt64BE } from '../../protocol/java/big-endian.js';

/** Entries held before they are written: ~400 (8 KiB), a fraction of a second at full speed. */
export const PENDING_CAPACITY_BYTES = Math.floor((8 * 1024) / CQ_ENTRY_SIZE) * CQ_ENTRY_SIZE;

/** Writes `entries[from, from + n)` as consume-queue entries at out[at]. */
export function encodeEntries(
  out: Buffer,
  at: number,
  entries: readonly CqEntry[],
  from: number,
  n: number,
): void {
  for (let k = 0; k < n; k++) {
    const e = entries[from + k]!;
    const p = at + k * CQ_ENTRY_SIZE;
    putInt64BE(out, p, e.phys);
    putInt32BE(out, p + 8, e.size);
    // Most entries have no tags (code 0): no BigInt conversion for them.
    if (e.tagsCode === 0n) {
      putInt32BE(out, p + 12, 0);
      putInt32BE(out, p + 16, 0);
    } else out.writeBigInt64BE(e.tagsCode, p + 12);
  }
}

/** A new buffer's size: a queue that gets an entry now and then holds a few hundred bytes only. */
const FIRST_CAPACITY_BYTES = 32 * CQ_ENTRY_SIZE;

export class PendingEntries<F> {
  private buf: Buffer | undefined;
  /** Entries were added since the last releaseIfIdle. */
  private used = false;
  /** The file the entries go to (undefined while empty). */
  file: F | undefined;
  /** Queue byte position (logical offset x 20) of the first pending entry. */
  start = 0;
  /** Bytes pending. */
  length = 0;

  get isEmpty(): boolean {
    return this.length === 0;
  }

  /** Queue byte position just after the last pending entry. */
  get end(): number {
    return this.start + this.length;
  }

  /** Bytes that still fit. */
  get room(): number {
    return PENDING_CAPACITY_BYTES - this.length;
  }

  /** Adds `n` entries at the end; the first goes to `bytePos` of `file` (empty: starts there). */
  add(file: F, bytePos: number, entries: readonly CqEntry[], from: number, n: number): void {
    if (this.isEmpty) {
      this.file = file;
      this.start = bytePos;
    } else if (file !== this.file || bytePos !== this.end) {
      throw new Error(`pending consume-queue entries end at ${this.end}, not at ${bytePos}`);
    }
    const needed = this.length + n * CQ_ENTRY_SIZE;
    if (this.buf === undefined || this.buf.length < needed) this.grow(needed);
    encodeEntries(this.buf!, this.length, entries, from, n);
    this.length = needed;
    this.used = true;
  }

  /** A buffer of at least `bytes` (at most the capacity), doubling, the pending bytes kept. */
  private grow(bytes: number): void {
    let size = this.buf?.length ?? FIRST_CAPACITY_BYTES;
    while (size < bytes) size *= 2;
    const grown = Buffer.allocUnsafe(Math.min(PENDING_CAPACITY_BYTES, size));
    this.buf?.copy(grown, 0, 0, this.length);
    this.buf = grown;
  }

  /** The pending bytes (a view: write it before anything is added or cleared). */
  bytes(): Buffer {
    return this.buf!.subarray(0, this.length);
  }

  /** Forgets every entry (written, or dropped). */
  clear(): void {
    this.length = 0;
    this.file = undefined;
  }

  /** Clears and lets the GC take the buffer. */
  release(): void {
    this.clear();
    this.buf = undefined;
  }

  /** Lets the GC take the buffer when empty and nothing was added since the last call (idle queue). */
  releaseIfIdle(): void {
    if (this.isEmpty && !this.used) this.buf = undefined;
    this.used = false;
  }

  /** Whether queue byte position `bytePos` is pending. */
  holds(bytePos: number): boolean {
    return bytePos >= this.start && bytePos < this.end;
  }

  /** A copy of the pending bytes [bytePos, bytePos + length), clamped to what is pending. */
  copy(bytePos: number, length: number): Buffer {
    const from = bytePos - this.start;
    return Buffer.from(this.buf!.subarray(from, Math.min(this.length, from + length)));
  }

  /** The entry at `bytePos` (it must be pending). */
  entryAt(bytePos: number): Buffer {
    const from = bytePos - this.start;
    return this.buf!.subarray(from, from + CQ_ENTRY_SIZE);
  }

  /** Drops the entries at and after `bytePos` (at or after start). */
  truncateTo(bytePos: number): void {
    this.length = Math.max(0, bytePos - this.start);
    if (this.length === 0) this.clear();
  }
}
