/**
 * Consume queue of one (topic, queueId): `<root>/consumequeue/<topic>/<queueId>/<20-digit start byte
 * offset>`, each file `entriesPerFile * 20` bytes, preallocated with zeros. Entry i (logical offset i)
 * lives at byte i * 20:
 *
 *   off 0  int64  commit-log physical offset
 *   off 8  int32  record size (TOTALSIZE)
 *   off 12 int64  tags code (Java String.hashCode of TAGS sign-extended; 0 without tag)
 *
 * Entries are appended by the append pipeline right after the commit-log bytes of the record are
 * written and before the put is acknowledged, so an acknowledged message is pullable. The newest
 * entries wait in memory before they reach the file in one write (pending-entries.ts); every read
 * here serves them from there. Besides those, only `maxOffset` (entry count) and a few positions stay
 * in memory.
 */
import path from 'node:path';
import { IllegalStateError } from '../../common/errors.js';
import { offsetFileName } from './store-config.js';
import { CQ_ENTRY_SIZE, decodeEntry } from './cq-entry.js';
import { loadQueueFiles } from './cq-files.js';
import type { CqFile } from './cq-files.js';
import type { CqEntry } from './cq-entry.js';
import { encodeEntries, PENDING_CAPACITY_BYTES, PendingEntries } from './pending-entries.js';
import type { FileIO } from './file-io.js';
import {
  createPreallocatedSync,
  mkdirDurableSync,
  pread,
  preadSync,
  pwriteSync,
  zeroRangeSync,
} from './file-io.js';

export { CQ_ENTRY_SIZE, decodeEntry } from './cq-entry.js';
export type { CqEntry } from './cq-entry.js';

/** entryAtSync's read-ahead: 3,276 entries (a multiple of CQ_ENTRY_SIZE). */
const SYNC_READ_BLOCK_BYTES = 3276 * CQ_ENTRY_SIZE;

export class ConsumeQueue {
  readonly dir: string;
  private readonly fileBytes: number;
  private files: CqFile[] = [];
  /** Number of entries = next logical offset. */
  maxOffset = 0;
  /** Commit-log position just after the record of the last entry. */
  maxPhysicEnd = 0;
  /** Next queue offset handed to an append; runs ahead of maxOffset while writes are in flight. */
  nextQueueOffset = 0;
  /**
   * First offset whose entry points into the commit log (Java minLogicOffset), corrected after
   * retention deleted segments (correctMinOffset). Not stored: recovery corrects it at every start.
   */
  private minLogicOffset = 0;
  /** Set by close(): the queue was deleted or the store closed; it never writes (or creates) a file again. */
  private closed = false;
  /** The newest entries, not yet in their file. */
  private readonly pending = new PendingEntries<CqFile>();
  /**
   * Entries read ahead by entryAtSync(offset, true): recovery checks a queue's entries in order, one
   * per record, and a pread of 20 bytes for each made start-up take minutes for a log of millions of
   * records. Dropped by every write to the files (append, writePending, truncateTo, rewriteEntrySync),
   * by close, and by dropReadAhead (recovery, once done: an idle queue would keep it).
   */
  private readBlock: { file: CqFile; start: number; buf: Buffer } | undefined;

  constructor(
    private readonly io: FileIO,
    cqRoot: string,
    readonly topic: string,
    readonly queueId: number,
    entriesPerFile: number,
  ) {
    this.dir = path.join(cqRoot, topic, String(queueId));
    this.fileBytes = entriesPerFile * CQ_ENTRY_SIZE;
  }

  get minOffset(): number {
    return Math.max((this.files[0]?.start ?? 0) / CQ_ENTRY_SIZE, this.minLogicOffset);
  }

  /** Opens the queue's files and finds its end (cq-files.ts). */
  load(): void {
    const found = loadQueueFiles(this.io, this.dir, this.fileBytes);
    this.files = found.files;
    this.maxOffset = found.maxOffset;
    this.maxPhysicEnd = found.maxPhysicEnd;
  }

  /**
   * Appends entries for consecutive logical offsets starting at `maxOffset`. They join the pending
   * ones; those are written first when they would not fit or belong to the previous file. A throw
   * (a file that cannot be created or written) may leave part of `entries` appended: the caller takes
   * them back with truncateTo (staged-dispatch.ts). Entries appended before stay pending.
   */
  append(entries: readonly CqEntry[]): void {
    this.readBlock = undefined;
    if (this.closed) {
      throw new IllegalStateError(`consume queue ${this.topic}/${this.queueId} is closed (topic deleted?)`);
    }
    const pending = this.pending;
    let i = 0;
    while (i < entries.length) {
      const bytePos = this.maxOffset * CQ_ENTRY_SIZE;
      const inFile = bytePos % this.fileBytes; // files start at multiples of fileBytes
      const n = Math.min(entries.length - i, (this.fileBytes - inFile) / CQ_ENTRY_SIZE);
      const bytes = n * CQ_ENTRY_SIZE;
      // The previous file's entries are written before the next file is created: a failure leaves
      // no new file behind.
      if (!pending.isEmpty && (bytePos - inFile !== pending.file!.start || pending.room < bytes)) {
        this.writePending();
      }
      const file = this.fileForWrite(bytePos);
      if (bytes <= PENDING_CAPACITY_BYTES) {
        pending.add(file, bytePos, entries, i, n);
      } else {
        const buf = Buffer.allocUnsafe(bytes);
        encodeEntries(buf, 0, entries, i, n);
        pwriteSync(this.io, file.fd, buf, inFile);
        file.dirty = true;
      }
      this.maxOffset += n;
      const lastEntry = entries[i + n - 1]!;
      this.maxPhysicEnd = lastEntry.phys + lastEntry.size;
      i += n;
    }
  }

  /**
   * Writes the pending entries to their file (one write). On failure they stay pending (readable, and
   * written by a later call): they belong to puts already answered.
   */
  writePending(): void {
    const pending = this.pending;
    if (pending.isEmpty || this.closed) return;
    this.readBlock = undefined;
    const file = pending.file!;
    pwriteSync(this.io, file.fd, pending.bytes(), pending.start - file.start);
    file.dirty = true;
    pending.clear();
  }

  /**
   * Raw entries from logical `offset`, at most `maxEntries`, never past the end of the file holding
   * `offset` (like Java's getIndexBuffer). undefined when that file does not exist (OFFSET_FOUND_NULL).
   */
  async readEntries(offset: number, maxEntries: number): Promise<Buffer | undefined> {
    if (offset < this.minOffset || offset >= this.maxOffset) return undefined;
    const bytePos = offset * CQ_ENTRY_SIZE;
    const file = this.fileAt(bytePos);
    if (file === undefined) return undefined;
    const fileEnd = Math.min(file.start + this.fileBytes, this.maxOffset * CQ_ENTRY_SIZE);
    const len = Math.min(maxEntries * CQ_ENTRY_SIZE, fileEnd - bytePos);
    const pending = this.pending;
    if (pending.isEmpty || bytePos + len <= pending.start) return this.readFile(file, bytePos, len);
    // Pending entries are the queue's tail: copy them now (they may be written, and cleared, while the
    // file part is read), then read the written part before them, if any.
    if (bytePos >= pending.start) return pending.copy(bytePos, len);
    const tail = pending.copy(pending.start, bytePos + len - pending.start);
    const head = await this.readFile(file, bytePos, pending.start - bytePos);
    return head.length === pending.start - bytePos ? Buffer.concat([head, tail]) : head;
  }

  private async readFile(file: CqFile, bytePos: number, len: number): Promise<Buffer> {
    const buf = await pread(this.io, file.fd, len, bytePos - file.start);
    return buf.subarray(0, buf.length - (buf.length % CQ_ENTRY_SIZE));
  }

  async readEntry(offset: number): Promise<CqEntry | undefined> {
    const buf = await this.readEntries(offset, 1);
    if (buf === undefined || buf.length < CQ_ENTRY_SIZE) return undefined;
    return decodeEntry(buf, 0);
  }

  /** Start offset of the file after the one holding `offset` (OFFSET_FOUND_NULL correction). */
  rollNextFile(offset: number): number {
    const perFile = this.fileBytes / CQ_ENTRY_SIZE;
    return offset + perFile - (offset % perFile);
  }

  /** Drops every entry at or after logical `offset`: zeroes them and deletes files that start later. */
  truncateTo(offset: number): void {
    if (offset >= this.maxOffset) return;
    this.readBlock = undefined;
    const bytePos = offset * CQ_ENTRY_SIZE;
    const pending = this.pending;
    if (!pending.isEmpty && bytePos >= pending.start) {
      // Only pending entries go. A write of them that failed half way may have put some in the file:
      // those bytes are zeroed too (read first: nothing is written where the file holds zeros).
      const file = pending.file!;
      zeroRangeSync(this.io, file.fd, bytePos - file.start, pending.end - file.start);
      pending.truncateTo(bytePos);
      this.maxOffset = offset;
      this.maxPhysicEnd = this.physicEndBefore(offset);
      if (this.minLogicOffset > offset) this.minLogicOffset = offset;
      return;
    }
    pending.clear();
    for (let last = this.files.at(-1); last !== undefined; last = this.files.at(-1)) {
      if (last.start >= bytePos) {
        this.io.closeSync(last.fd);
        this.io.rmSync(path.join(this.dir, offsetFileName(last.start)));
        this.files.pop();
        continue;
      }
      zeroRangeSync(this.io, last.fd, Math.max(0, bytePos - last.start), this.fileBytes);
      last.dirty = true;
      break;
    }
    this.maxOffset = Math.max(offset, this.minOffset);
    this.maxPhysicEnd = this.physicEndBefore(this.maxOffset);
    if (this.minLogicOffset > this.maxOffset) this.minLogicOffset = this.maxOffset;
  }

  /** Commit-log end of the record of the entry before `offset` (0 when there is none). */
  private physicEndBefore(offset: number): number {
    const e = offset > this.minOffset ? this.entryAtSync(offset - 1) : undefined;
    return e === undefined ? 0 : e.phys + e.size;
  }

  /**
   * The entry at a logical offset, read synchronously (recovery); undefined when its file is missing.
   * `readAhead`: for reads in increasing order, served from a block read ahead (up to 64 KiB of the
   * file). Other reads (backwards, binary searches, read-then-rewrite) read just the entry.
   */
  entryAtSync(offset: number, readAhead = false): CqEntry | undefined {
    if (offset < this.minOffset || offset >= this.maxOffset) return undefined;
    const bytePos = offset * CQ_ENTRY_SIZE;
    if (this.pending.holds(bytePos)) return decodeEntry(this.pending.entryAt(bytePos), 0);
    const file = this.fileAt(bytePos);
    if (file === undefined) return undefined;
    const inFile = bytePos - file.start;
    const block = this.readBlock;
    if (
      block !== undefined &&
      block.file === file &&
      inFile >= block.start &&
      inFile + CQ_ENTRY_SIZE <= block.start + block.buf.length
    ) {
      return decodeEntry(block.buf, inFile - block.start);
    }
    if (!readAhead) return decodeEntry(preadSync(this.io, file.fd, CQ_ENTRY_SIZE, inFile), 0);
    const length = Math.min(SYNC_READ_BLOCK_BYTES, this.fileBytes - inFile);
    const buf = preadSync(this.io, file.fd, length, inFile);
    this.readBlock = { file, start: inFile, buf };
    // A short read (a file shorter than its size) throws here as the single read did.
    return decodeEntry(buf, 0);
  }

  /** Drops the block entryAtSync read ahead (its reader is done). */
  dropReadAhead(): void {
    this.readBlock = undefined;
  }

  /** Overwrites an existing entry in place (recovery marks entries of damaged records as lost). */
  rewriteEntrySync(offset: number, entry: CqEntry): void {
    this.readBlock = undefined;
    const bytePos = offset * CQ_ENTRY_SIZE;
    const file = offset < this.maxOffset ? this.fileAt(bytePos) : undefined;
    if (file === undefined) return;
    if (this.pending.holds(bytePos)) {
      encodeEntries(this.pending.entryAt(bytePos), 0, [entry], 0, 1);
    } else {
      const buf = Buffer.alloc(CQ_ENTRY_SIZE);
      encodeEntries(buf, 0, [entry], 0, 1);
      pwriteSync(this.io, file.fd, buf, bytePos - file.start);
      file.dirty = true;
    }
    if (offset === this.maxOffset - 1) this.maxPhysicEnd = entry.phys + entry.size;
  }

  /** First logical offset whose entry's physical offset is >= `phys` (entries are in log order). */
  firstOffsetAtOrAfter(phys: number): number {
    let lo = this.minOffset;
    let hi = this.maxOffset;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const e = this.entryAtSync(mid);
      if (e !== undefined && e.phys < phys) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Drops the entries at the end whose record does not end inside the valid log [.., logEnd), and
   * never-written (zero) entries there: after a power loss an earlier queue file may have lost its
   * last entries while the next file exists.
   */
  truncateByPhysicalEnd(logEnd: number): void {
    let keep = this.maxOffset;
    while (keep > this.minOffset) {
      const e = this.entryAtSync(keep - 1);
      if (e === undefined) break;
      if (e.phys >= 0 && e.size > 0 && e.phys + e.size <= logEnd) break;
      keep--;
    }
    this.truncateTo(keep);
  }

  /**
   * fdatasyncs files written since the last flush. Pending entries are not written here (writePending
   * first): those appended while the fsyncs run belong to records after the checkpoint's position.
   */
  async flush(sync: (fd: number) => Promise<void> = (fd) => this.io.fdatasync(fd)): Promise<void> {
    this.pending.releaseIfIdle(); // no entry since the previous flush: the buffer goes
    // A copy: retention may take files out while an fdatasync is awaited (it closes them only after).
    for (const f of [...this.files]) {
      if (!f.dirty) continue;
      f.dirty = false;
      await sync(f.fd);
    }
  }

  /**
   * Moves the min offset to the first entry whose record is at or above `logMin`, the commit log's
   * first position (Java correctMinOffset). When even the last entry lies below, the queue reads as
   * empty at maxOffset and keeps its max (as 5.x). Entries are in log order: a binary search.
   */
  correctMinOffset(logMin: number): void {
    const first = this.minOffset;
    if (this.maxOffset <= first) return;
    const head = this.entryAtSync(first);
    if (head !== undefined && head.phys >= logMin) return;
    const last = this.entryAtSync(this.maxOffset - 1);
    this.minLogicOffset =
      last !== undefined && last.phys < logMin ? this.maxOffset : this.firstOffsetAtOrAfter(logMin);
  }

  /**
   * Takes out the files (never the last) whose last entry points below `logMin`, oldest first, and
   * stops at the first that does not (Java deleteExpiredFileByOffset). A file whose last entry was
   * never written is kept. The caller closes and unlinks the returned files once no read uses them.
   */
  detachFilesBelow(logMin: number): { fd: number; file: string }[] {
    let n = 0;
    while (n < this.files.length - 1) {
      const f = this.files[n]!;
      const e = decodeEntry(preadSync(this.io, f.fd, CQ_ENTRY_SIZE, this.fileBytes - CQ_ENTRY_SIZE), 0);
      if (!(e.size > 0 && e.phys >= 0 && e.phys < logMin)) break;
      n++;
    }
    if (n === 0) return [];
    this.readBlock = undefined;
    return this.files
      .splice(0, n)
      .map((f) => ({ fd: f.fd, file: path.join(this.dir, offsetFileName(f.start)) }));
  }

  /**
   * Starts an empty queue at logical `offset`: a full rebuild of a log whose first segments were
   * deleted meets a queue's first surviving record with a higher offset. The entries before it in
   * its file are Java's pre-blank entries (phys 0, size 2^31-1): below the log's start, never served.
   */
  startAt(offset: number): void {
    if (this.maxOffset !== 0 || this.files.length > 0) {
      throw new IllegalStateError(`consume queue ${this.topic}/${this.queueId} is not empty`);
    }
    const bytePos = offset * CQ_ENTRY_SIZE;
    const file = this.fileForWrite(bytePos);
    const blanks = Buffer.alloc(bytePos - file.start);
    for (let at = 0; at < blanks.length; at += CQ_ENTRY_SIZE) blanks.writeInt32BE(0x7fffffff, at + 8);
    if (blanks.length > 0) pwriteSync(this.io, file.fd, blanks, 0);
    this.maxOffset = this.nextQueueOffset = this.minLogicOffset = offset;
    this.maxPhysicEnd = 0;
  }

  /** Closes the files; pending entries are dropped (a store closes after a checkpoint wrote them). */
  close(): void {
    this.closed = true;
    this.readBlock = undefined;
    this.pending.release();
    for (const f of this.files.splice(0)) this.io.closeSync(f.fd);
  }

  /** The file holding `bytePos` (binary search: files may be missing after damage or cleanup). */
  private fileAt(bytePos: number): CqFile | undefined {
    let lo = 0;
    let hi = this.files.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const f = this.files[mid]!;
      if (bytePos < f.start) hi = mid - 1;
      else if (bytePos >= f.start + this.fileBytes) lo = mid + 1;
      else return f;
    }
    return undefined;
  }

  private fileForWrite(bytePos: number): CqFile {
    const existing = this.fileAt(bytePos);
    if (existing) return existing;
    const start = bytePos - (bytePos % this.fileBytes);
    mkdirDurableSync(this.io, this.dir);
    const fd = createPreallocatedSync(this.io, path.join(this.dir, offsetFileName(start)), this.fileBytes);
    this.io.syncDirSync(this.dir);
    const file: CqFile = { start, fd, dirty: true };
    this.files.push(file);
    return file;
  }
}
