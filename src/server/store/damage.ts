/**
 * What recovery does with damaged commit-log bytes: nothing is destroyed without a copy.
 *
 * - saveAside copies a range to `<root>/corrupt/commitlog-<20-digit offset>-<length>.bin` (fsynced;
 *   an existing copy is never overwritten: a second find of the same range gets a `.1`, `.2` suffix).
 *   All-zero ranges are not copied.
 * - voidRange replaces damage inside the log by a void (int32 length | int32 VOID magic | zeros), also
 *   when it reaches the end of its file (a blank there would hide from later walks that messages
 *   were lost), so later walks and readers step over it.
 * - cutTail zeroes a torn tail after the log end in the last file and deletes later files, then
 *   fsyncs: an append at the log end must never sit in front of stale bytes that a later recovery
 *   could mistake for records.
 */
import path from 'node:path';
import type { CommitLog } from './commit-log.js';
import type { FileIO } from './file-io.js';
import { mkdirDurableSync, preadSync, pwriteSync, zeroRangeSync } from './file-io.js';
import type { DamagedRange } from './log-scan.js';
import { VOID_HEADER_LENGTH, VOID_MAGIC } from './log-scan.js';
import { offsetFileName } from './store-config.js';

export interface SkippedRange {
  /** Commit-log position of the first skipped byte. */
  offset: number;
  length: number;
  /** corrupt: damage inside the log (valid records follow); torn-tail: after the log end. */
  kind: 'corrupt' | 'torn-tail';
  /** Path of the copy under `<root>/corrupt/`, absent when the range held only zeros. */
  savedAs?: string;
}

const COPY_CHUNK = 1024 * 1024;
const ZERO_CHUNK = Buffer.alloc(COPY_CHUNK);

export class DamageKeeper {
  readonly dir: string;
  /** Segment descriptors written to (voids, zeroed tails), fsynced by syncTouched. */
  private readonly touched = new Set<number>();

  constructor(
    private readonly io: FileIO,
    rootDir: string,
    private readonly log: CommitLog,
  ) {
    this.dir = path.join(rootDir, 'corrupt');
  }

  /** Copies [range.from, range.dataEnd) aside when it holds any non-zero byte. */
  saveAside(range: DamagedRange, kind: SkippedRange['kind']): SkippedRange {
    const skipped: SkippedRange = { offset: range.from, length: range.to - range.from, kind };
    let hasData = false;
    this.forEachChunk(range.from, range.dataEnd, (chunk) => {
      hasData ||= ZERO_CHUNK.compare(chunk, 0, chunk.length, 0, chunk.length) !== 0;
    });
    if (!hasData) return skipped;
    const io = this.io;
    mkdirDurableSync(io, this.dir);
    const base = path.join(this.dir, `commitlog-${offsetFileName(range.from)}-${range.dataEnd - range.from}`);
    let file = `${base}.bin`;
    for (let n = 1; io.existsSync(file); n++) file = `${base}.${n}.bin`;
    const tmp = `${file}.tmp`;
    const fd = io.openSync(tmp, 'w');
    try {
      let at = 0;
      this.forEachChunk(range.from, range.dataEnd, (chunk) => {
        pwriteSync(io, fd, chunk, at);
        at += chunk.length;
      });
      io.fsyncSync(fd);
    } finally {
      io.closeSync(fd);
    }
    io.renameSync(tmp, file);
    io.syncDirSync(this.dir);
    skipped.savedAs = file;
    return skipped;
  }

  /** Replaces damage inside the log by a void. */
  voidRange(range: DamagedRange): void {
    const seg = this.log.segmentFor(range.from);
    const length = range.to - range.from;
    if (seg === undefined || length < VOID_HEADER_LENGTH) return; // nothing fits: found again next time
    const inFile = range.from - seg.start;
    zeroRangeSync(this.io, seg.fd, inFile + VOID_HEADER_LENGTH, inFile + length);
    const header = Buffer.alloc(VOID_HEADER_LENGTH);
    header.writeInt32BE(length, 0);
    header.writeInt32BE(VOID_MAGIC, 4);
    pwriteSync(this.io, seg.fd, header, inFile);
    this.touched.add(seg.fd);
  }

  /** Zeroes the tail ranges in the file holding `end` and deletes the files after it. */
  cutTail(end: number, tail: readonly DamagedRange[]): void {
    const seg = this.log.segmentFor(end);
    if (seg !== undefined) {
      const segEnd = seg.start + this.log.segmentSize;
      for (const r of tail) {
        if (r.from >= segEnd || r.dataEnd <= seg.start) continue;
        const a = Math.max(r.from, seg.start) - seg.start;
        const b = Math.min(r.dataEnd, segEnd) - seg.start;
        if (zeroRangeSync(this.io, seg.fd, a, b)) this.touched.add(seg.fd);
      }
    }
    const segs = this.log.segments;
    let removed = false;
    while (segs.length > 0 && segs[segs.length - 1]!.start > end) {
      const last = segs.pop()!;
      this.touched.delete(last.fd);
      this.io.closeSync(last.fd);
      this.io.rmSync(last.file);
      removed = true;
    }
    if (removed) this.io.syncDirSync(this.log.dir);
  }

  /** fsyncs every file written to, before the store serves anything. */
  syncTouched(): void {
    for (const fd of this.touched) this.io.fsyncSync(fd);
    this.touched.clear();
  }

  private forEachChunk(from: number, to: number, fn: (chunk: Buffer) => void): void {
    for (let pos = from; pos < to;) {
      const seg = this.log.segmentFor(pos);
      if (seg === undefined) return;
      const n = Math.min(COPY_CHUNK, to - pos, seg.start + this.log.segmentSize - pos);
      const chunk = preadSync(this.io, seg.fd, n, pos - seg.start);
      if (chunk.length === 0) return;
      fn(chunk);
      pos += chunk.length;
    }
  }
}
