/**
 * The file layer under the message store. Every file operation of the store goes through one
 * `FileIO` object: `nodeFileIO` in production; tests inject layers that fail (ENOSPC, EIO) or that
 * simulate a power loss (test/helpers/power-loss-fs.ts).
 *
 * On top of it, positional helpers: every read is a pread of an exact range and every write a
 * pwrite/pwritev at an explicit position, so memory use never depends on file or log size.
 */
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { makeDirsSync } from '../../common/make-dirs.js';
import { piecesAfter } from '../../protocol/command/chunked-body.js';

export type OpenFlags = 'r' | 'r+' | 'w' | 'w+' | 'wx+';

export interface DiskUsage {
  /** Total size of the file system in bytes. */
  total: number;
  /** Free bytes (including blocks reserved for root, as Java's File.getFreeSpace). */
  free: number;
}

/** The primitive file operations the store needs. Paths are absolute; directories are created recursively. */
export interface FileIO {
  openSync(file: string, flags: OpenFlags): number;
  closeSync(fd: number): void;
  /** Reads up to `length` bytes; returns the count (0 at end of file). */
  readSync(fd: number, buf: Buffer, offset: number, length: number, position: number): number;
  read(fd: number, buf: Buffer, offset: number, length: number, position: number): Promise<number>;
  /** Writes up to `length` bytes; returns the count written (may be short). */
  writeSync(fd: number, buf: Buffer, offset: number, length: number, position: number): number;
  writev(fd: number, buffers: Buffer[], position: number): Promise<number>;
  /** Synchronous writev; optional (a layer without it gets every write through `writev`). */
  writevSync?(fd: number, buffers: Buffer[], position: number): number;
  fdatasync(fd: number): Promise<void>;
  fsyncSync(fd: number): void;
  ftruncateSync(fd: number, length: number): void;
  fileSizeSync(fd: number): number;
  existsSync(file: string): boolean;
  isDirectorySync(file: string): boolean;
  /** Size of the file at a path. */
  sizeSync(file: string): number;
  /** Last modification time of the file at a path, ms since the epoch (retention judges age by it). */
  mtimeMsSync(file: string): number;
  mkdirSync(dir: string): void;
  readdirSync(dir: string): string[];
  /** Removes a file or a directory tree; missing paths are fine. */
  rmSync(file: string): void;
  /**
   * Removes one file off the event loop (unlinking a 1 GiB segment takes ~0.4 s); a missing file is
   * fine. Optional: a layer without it removes with rmSync.
   */
  unlink?(file: string): Promise<void>;
  renameSync(from: string, to: string): void;
  truncateSync(file: string, length: number): void;
  readFileSync(file: string): Buffer;
  writeFileSync(file: string, data: string | Buffer): void;
  /** fsyncs a directory so that created, renamed or deleted entries survive a crash (best effort). */
  syncDirSync(dir: string): void;
  diskUsageSync(dir: string): DiskUsage;
}

const readAsync = promisify(fs.read);
const writevAsync = promisify(fs.writev);
const fdatasyncAsync = promisify(fs.fdatasync);

/** node:fs. Functions are looked up at call time so tests can wrap one of them for one call. */
export const nodeFileIO: FileIO = {
  openSync: (file, flags) => fs.openSync(file, flags),
  closeSync: (fd) => fs.closeSync(fd),
  readSync: (fd, buf, offset, length, position) => fs.readSync(fd, buf, offset, length, position),
  read: async (fd, buf, offset, length, position) =>
    (await readAsync(fd, buf, offset, length, position)).bytesRead,
  writeSync: (fd, buf, offset, length, position) => fs.writeSync(fd, buf, offset, length, position),
  writev: async (fd, buffers, position) => (await writevAsync(fd, buffers, position)).bytesWritten,
  writevSync: (fd, buffers, position) => fs.writevSync(fd, buffers, position),
  fdatasync: (fd) => fdatasyncAsync(fd),
  fsyncSync: (fd) => fs.fsyncSync(fd),
  ftruncateSync: (fd, length) => fs.ftruncateSync(fd, length),
  fileSizeSync: (fd) => fs.fstatSync(fd).size,
  existsSync: (file) => fs.existsSync(file),
  isDirectorySync: (file) => fs.statSync(file).isDirectory(),
  sizeSync: (file) => fs.statSync(file).size,
  mtimeMsSync: (file) => fs.statSync(file).mtimeMs,
  mkdirSync: (dir) => void makeDirsSync(dir),
  readdirSync: (dir) => fs.readdirSync(dir),
  rmSync: (file) => fs.rmSync(file, { recursive: true, force: true }),
  unlink: (file) => fs.promises.rm(file, { force: true }),
  renameSync: (from, to) => fs.renameSync(from, to),
  truncateSync: (file, length) => fs.truncateSync(file, length),
  readFileSync: (file) => fs.readFileSync(file),
  writeFileSync: (file, data) => fs.writeFileSync(file, data),
  syncDirSync: (dir) => {
    let fd: number | undefined;
    try {
      fd = fs.openSync(dir, 'r');
      fs.fsyncSync(fd);
    } catch {
      // Some platforms refuse fsync on directories; durability of the entry is then best effort.
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  },
  diskUsageSync: (dir) => {
    const s = fs.statfsSync(dir);
    return { total: s.blocks * s.bsize, free: s.bfree * s.bsize };
  },
};

/** fdatasync through node:fs (tests wrap it to slow down or fail the disk). */
export function fdatasync(fd: number): Promise<void> {
  return nodeFileIO.fdatasync(fd);
}

/** Reads exactly `length` bytes at `position`; a short read (end of file) returns the bytes read. */
export async function pread(io: FileIO, fd: number, length: number, position: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const n = await io.read(fd, buf, done, length - done, position + done);
    if (n === 0) return buf.subarray(0, done);
    done += n;
  }
  return buf;
}

/** Synchronous variant of pread, used by recovery (start-up runs before any request is served). */
export function preadSync(io: FileIO, fd: number, length: number, position: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  const done = preadIntoSync(io, fd, buf, length, position);
  return done === length ? buf : buf.subarray(0, done);
}

/** Reads `length` bytes at `position` into the start of `buf`; fewer at the end of the file. */
export function preadIntoSync(io: FileIO, fd: number, buf: Buffer, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const n = io.readSync(fd, buf, done, length - done, position + done);
    if (n === 0) return done;
    done += n;
  }
  return done;
}

/** Writes all buffers contiguously starting at `position`, retrying after short writes. */
export async function pwritev(io: FileIO, fd: number, buffers: Buffer[], position: number): Promise<void> {
  let pending = buffers;
  let pos = position;
  while (pending.length > 0) {
    const total = pending.reduce((n, b) => n + b.length, 0);
    const written = await io.writev(fd, pending, pos);
    if (written === total) return;
    pos += written;
    pending = piecesAfter(pending, written);
  }
}

/** pwritev with writevSync (the layer has it: see SyncWrites). */
export function pwritevSync(io: FileIO, fd: number, buffers: Buffer[], position: number): void {
  let pending = buffers;
  let pos = position;
  while (pending.length > 0) {
    const total = pending.reduce((n, b) => n + b.length, 0);
    const written = io.writevSync!(fd, pending, pos);
    if (written === total) return;
    pos += written;
    pending = piecesAfter(pending, written);
  }
}

export function pwriteSync(io: FileIO, fd: number, buf: Buffer, position: number): void {
  let done = 0;
  while (done < buf.length) done += io.writeSync(fd, buf, done, buf.length - done, position + done);
}

const PAGE = 4096;
const SCAN_CHUNK = 64 * 1024;
const ZERO_CHUNK = Buffer.alloc(SCAN_CHUNK);

/**
 * Zeroes [from, to) of a file, reading it in 64 KiB chunks and writing zeros only over the 4 KiB
 * pages (file-aligned) that hold data: pages never written stay sparse, and on a full disk only
 * pages that already have blocks are rewritten. Stops early after `stopAfterZeroBytes` consecutive
 * zero bytes (data written after a torn tail is bounded by the last write batch, so a long zero run
 * means nothing further was ever written). Returns true when any non-zero byte was found.
 */
export function zeroRangeSync(
  io: FileIO,
  fd: number,
  from: number,
  to: number,
  stopAfterZeroBytes = Infinity,
): boolean {
  let zeroRun = 0;
  let wrote = false;
  for (let pos = from; pos < to && zeroRun < stopAfterZeroBytes;) {
    const len = Math.min(SCAN_CHUNK - (pos % PAGE), to - pos);
    const chunk = preadSync(io, fd, len, pos);
    if (chunk.length === 0) break;
    if (ZERO_CHUNK.compare(chunk, 0, chunk.length, 0, chunk.length) === 0) {
      zeroRun += chunk.length;
    } else {
      wrote = true;
      // Page by page: the first page may start mid-page at `pos`.
      for (let at = 0; at < chunk.length;) {
        const end = Math.min(chunk.length, at + PAGE - ((pos + at) % PAGE));
        if (ZERO_CHUNK.compare(chunk, at, end, 0, end - at) !== 0) {
          pwriteSync(io, fd, ZERO_CHUNK.subarray(0, end - at), pos + at);
          zeroRun = 0;
        } else {
          zeroRun += end - at;
        }
        at = end;
      }
    }
    pos += chunk.length;
  }
  return wrote;
}

/** Creates a file of exactly `size` zero bytes (sparse where the file system allows) and opens it r+w. */
export function createPreallocatedSync(io: FileIO, file: string, size: number): number {
  const fd = io.openSync(file, 'wx+');
  try {
    io.ftruncateSync(fd, size);
  } catch (err) {
    // Leave neither a descriptor nor a short file behind: the next attempt must be able to create it.
    io.closeSync(fd);
    io.rmSync(file);
    throw err;
  }
  return fd;
}

/**
 * Creates a directory (and missing parents) durably: after a crash the new entries are still there,
 * because the parent of every created directory is fsynced. A no-op when the directory exists.
 */
export function mkdirDurableSync(io: FileIO, dir: string): void {
  if (io.existsSync(dir)) return;
  const created: string[] = [];
  for (let d = dir; !io.existsSync(d) && path.dirname(d) !== d; d = path.dirname(d)) created.push(d);
  io.mkdirSync(dir);
  for (const d of created.reverse()) io.syncDirSync(path.dirname(d));
}

/** Atomic replace: write a temp file, fsync it, rename over the target, fsync the directory. */
export function writeFileAtomicSync(file: string, data: string | Buffer, io: FileIO = nodeFileIO): void {
  const tmp = `${file}.tmp`;
  const fd = io.openSync(tmp, 'w');
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    pwriteSync(io, fd, buf, 0);
    io.fsyncSync(fd);
  } finally {
    io.closeSync(fd);
  }
  io.renameSync(tmp, file);
  io.syncDirSync(path.dirname(file));
}

/** Sorted [startOffset, fileName] pairs of the 20-digit offset-named files in a directory. */
export function listOffsetFiles(io: FileIO, dir: string): { start: number; name: string }[] {
  if (!io.existsSync(dir)) return [];
  return io
    .readdirSync(dir)
    .filter((n) => /^\d{20}$/.test(n))
    .map((name) => ({ start: Number(name), name }))
    .sort((a, b) => a.start - b.start);
}
