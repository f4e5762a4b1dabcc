/**
 * The few file operations the local offset store needs, injectable so tests can run it on a simulated
 * disk that loses power (test/helpers/power-loss-fs.ts implements a superset). Writes are atomic:
 * a temp file is written and fsynced, the old file becomes the `.bak`, the temp file is renamed into
 * place and the directory fsynced, so a crash at any point leaves a complete offsets.json or, between
 * the two renames, a complete offsets.json.bak (which the loader reads when offsets.json is missing).
 */
import fs from 'node:fs';
import path from 'node:path';

export interface OffsetFileIO {
  openSync(file: string, flags: 'w'): number;
  writeSync(fd: number, buf: Buffer, offset: number, length: number, position: number): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  existsSync(file: string): boolean;
  readFileSync(file: string): Buffer;
  /** Creates the directory and its missing parents. */
  mkdirSync(dir: string): void;
  /** fsyncs a directory so that its new or renamed entries survive a crash (best effort). */
  syncDirSync(dir: string): void;
}

export const nodeOffsetFileIO: OffsetFileIO = {
  openSync: (file, flags) => fs.openSync(file, flags, 0o644),
  writeSync: (fd, buf, offset, length, position) => fs.writeSync(fd, buf, offset, length, position),
  fsyncSync: (fd) => fs.fsyncSync(fd),
  closeSync: (fd) => fs.closeSync(fd),
  renameSync: (from, to) => fs.renameSync(from, to),
  existsSync: (file) => fs.existsSync(file),
  readFileSync: (file) => fs.readFileSync(file),
  mkdirSync: (dir) => void fs.mkdirSync(dir, { recursive: true }),
  syncDirSync: (dir) => {
    let fd: number | undefined;
    try {
      fd = fs.openSync(dir, 'r');
      fs.fsyncSync(fd);
    } catch {
      // Some platforms refuse fsync on a directory: the entry's durability is then best effort.
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  },
};

/** mkdir -p, then fsync the parent of every directory created so the new names are durable. */
export function mkdirDurable(io: OffsetFileIO, dir: string): void {
  if (io.existsSync(dir)) return;
  const created: string[] = [];
  for (let d = dir; !io.existsSync(d) && path.dirname(d) !== d; d = path.dirname(d)) created.push(d);
  io.mkdirSync(dir);
  for (const d of created.reverse()) io.syncDirSync(path.dirname(d));
}

/** Replaces `file` atomically with `text`, keeping its previous content as `<file>.bak`. */
export function replaceKeepingBackup(io: OffsetFileIO, file: string, text: string): void {
  const dir = path.dirname(file);
  mkdirDurable(io, dir);
  const tmp = `${file}.tmp`;
  const bytes = Buffer.from(text, 'utf8');
  const fd = io.openSync(tmp, 'w');
  try {
    for (let done = 0; done < bytes.length;) {
      done += io.writeSync(fd, bytes, done, bytes.length - done, done);
    }
    io.fsyncSync(fd);
  } finally {
    io.closeSync(fd);
  }
  if (io.existsSync(file)) io.renameSync(file, `${file}.bak`);
  io.renameSync(tmp, file);
  io.syncDirSync(dir);
}
