/**
 * Positional file I/O on raw descriptors. Every read is a pread of an exact range and every write a
 * pwrite/pwritev at an explicit position, so memory use never depends on file or log size.
 */
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const readAsync = promisify(fs.read);
const writevAsync = promisify(fs.writev);
const fdatasyncAsync = promisify(fs.fdatasync);

/** Reads exactly `length` bytes at `position`; a short read (end of file) returns the bytes read. */
export async function pread(fd: number, length: number, position: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await readAsync(fd, buf, done, length - done, position + done);
    if (bytesRead === 0) return buf.subarray(0, done);
    done += bytesRead;
  }
  return buf;
}

/** Synchronous variant of pread, used by recovery (start-up runs before any request is served). */
export function preadSync(fd: number, length: number, position: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buf, done, length - done, position + done);
    if (n === 0) return buf.subarray(0, done);
    done += n;
  }
  return buf;
}

/** Writes all buffers contiguously starting at `position`, retrying after short writes. */
export async function pwritev(fd: number, buffers: Buffer[], position: number): Promise<void> {
  let pending = buffers;
  let pos = position;
  while (pending.length > 0) {
    const total = pending.reduce((n, b) => n + b.length, 0);
    const { bytesWritten: written } = await writevAsync(fd, pending, pos);
    if (written === total) return;
    pos += written;
    pending = dropBytes(pending, written);
  }
}

function dropBytes(buffers: Buffer[], count: number): Buffer[] {
  const rest: Buffer[] = [];
  let skip = count;
  for (const b of buffers) {
    if (skip >= b.length) {
      skip -= b.length;
      continue;
    }
    rest.push(skip > 0 ? b.subarray(skip) : b);
    skip = 0;
  }
  return rest;
}

export function pwriteSync(fd: number, buf: Buffer, position: number): void {
  let done = 0;
  while (done < buf.length) done += fs.writeSync(fd, buf, done, buf.length - done, position + done);
}

export function fdatasync(fd: number): Promise<void> {
  return fdatasyncAsync(fd);
}

const ZERO_CHUNK = Buffer.alloc(64 * 1024);

/**
 * Zeroes [from, to) of a file, reading it in 64 KiB chunks and writing only chunks that hold data.
 * Stops early after `stopAfterZeroBytes` consecutive zero bytes (data written after a torn tail is
 * bounded by the last write batch, so a long zero run means nothing further was ever written).
 * Returns true when any non-zero byte was found.
 */
export function zeroRangeSync(fd: number, from: number, to: number, stopAfterZeroBytes = Infinity): boolean {
  let zeroRun = 0;
  let wrote = false;
  for (let pos = from; pos < to && zeroRun < stopAfterZeroBytes; pos += ZERO_CHUNK.length) {
    const len = Math.min(ZERO_CHUNK.length, to - pos);
    const chunk = preadSync(fd, len, pos);
    if (chunk.some((b) => b !== 0)) {
      pwriteSync(fd, ZERO_CHUNK.subarray(0, len), pos);
      zeroRun = 0;
      wrote = true;
    } else {
      zeroRun += len;
    }
  }
  return wrote;
}

/** Creates a file of exactly `size` zero bytes (sparse where the file system allows) and opens it r+w. */
export function createPreallocatedSync(file: string, size: number): number {
  const fd = fs.openSync(file, 'wx+');
  try {
    fs.ftruncateSync(fd, size);
  } catch (err) {
    // Leave neither a descriptor nor a short file behind: the next attempt must be able to create it.
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
    throw err;
  }
  return fd;
}

/** fsyncs a directory so that created, renamed or deleted entries survive a crash. */
export function fsyncDirSync(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some platforms refuse fsync on directories; durability of the entry is then best effort.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Atomic replace: write a temp file, fsync it, rename over the target, fsync the directory. */
export function writeFileAtomicSync(file: string, data: string | Buffer): void {
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    pwriteSync(fd, buf, 0);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  fsyncDirSync(path.dirname(file));
}

/** Sorted [startOffset, fileName] pairs of the 20-digit offset-named files in a directory. */
export function listOffsetFiles(dir: string): { start: number; name: string }[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((n) => /^\d{20}$/.test(n))
    .map((name) => ({ start: Number(name), name }))
    .sort((a, b) => a.start - b.start);
}
