/**
 * The files of one consume queue as found at start-up (consume-queue.ts): each `entriesPerFile * 20`
 * bytes, named by the byte offset of their first entry.
 */
import path from 'node:path';
import { CQ_ENTRY_SIZE } from './cq-entry.js';
import type { FileIO } from './file-io.js';
import { listOffsetFiles, preadSync, zeroRangeSync } from './file-io.js';

export interface CqFile {
  readonly start: number; // byte offset
  readonly fd: number;
  dirty: boolean;
}

export interface LoadedQueue {
  files: CqFile[];
  /** Number of entries = next logical offset. */
  maxOffset: number;
  /** Commit-log position just after the record of the last entry (0 without entries). */
  maxPhysicEnd: number;
}

/**
 * Opens the files and finds the end: every file but the last is full; the last is scanned up to the
 * first entry that is not (offset >= 0, size > 0). Whatever follows is zeroed (a torn entry; the
 * checkpoint written at open fsyncs it). A file of the wrong size is truncated or extended to size.
 */
export function loadQueueFiles(io: FileIO, dir: string, fileBytes: number): LoadedQueue {
  const files: CqFile[] = [];
  for (const f of listOffsetFiles(io, dir)) {
    const file = path.join(dir, f.name);
    if (io.sizeSync(file) !== fileBytes) io.truncateSync(file, fileBytes);
    files.push({ start: f.start, fd: io.openSync(file, 'r+'), dirty: false });
  }
  const last = files[files.length - 1];
  if (last === undefined) return { files, maxOffset: 0, maxPhysicEnd: 0 };
  let end = 0;
  let maxPhysicEnd = 0;
  const chunkBytes = 3276 * CQ_ENTRY_SIZE;
  scan: for (let pos = 0; pos < fileBytes; pos += chunkBytes) {
    const chunk = preadSync(io, last.fd, Math.min(chunkBytes, fileBytes - pos), pos);
    for (let i = 0; i + CQ_ENTRY_SIZE <= chunk.length; i += CQ_ENTRY_SIZE) {
      const phys = Number(chunk.readBigInt64BE(i));
      const size = chunk.readInt32BE(i + 8);
      if (phys < 0 || size <= 0) break scan;
      end = pos + i + CQ_ENTRY_SIZE;
      maxPhysicEnd = phys + size;
    }
  }
  const prev = files[files.length - 2];
  if (end === 0 && prev !== undefined) {
    const e = preadSync(io, prev.fd, CQ_ENTRY_SIZE, fileBytes - CQ_ENTRY_SIZE);
    maxPhysicEnd = Number(e.readBigInt64BE(0)) + e.readInt32BE(8);
  }
  if (zeroRangeSync(io, last.fd, end, fileBytes)) last.dirty = true;
  return { files, maxOffset: (last.start + end) / CQ_ENTRY_SIZE, maxPhysicEnd };
}
