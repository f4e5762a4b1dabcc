/**
 * An in-memory file system implementing the store's FileIO that knows what a power loss keeps.
 *
 * Model (per file, like a journaling file system in ordered mode):
 * - Writes and size changes go to the page cache (`data`) and are remembered as pending operations.
 * - fsync / fdatasync of a file makes its current content durable.
 * - Names (create, rename, unlink, mkdir) are durable once their directory is fsynced; that fsync
 *   also commits the sizes of the files in it (a journal commit), not their data.
 * - crash(): every name that is not durable disappears (also when a parent directory is not), every
 *   file falls back to its durable content. With `tear`, a random prefix of each file's pending
 *   operations survives too, the last one cut at a random 512-byte sector (a torn write).
 *
 * Every mutating call is appended to `ops` and applied through `apply`, so `PowerLossFS.replay(ops,
 * k)` rebuilds the state after the first k operations: one run of a workload yields every crash
 * point. Asynchronous calls take effect when called and resolve in a microtask: runs are
 * deterministic for a given workload.
 */
import path from 'node:path';
import type { DiskUsage, FileIO, OpenFlags } from '../../src/server/store/file-io.js';
import type { Prng } from './prng.js';

interface Inode {
  data: Buffer<ArrayBufferLike>;
  durable: Buffer<ArrayBufferLike>;
  pending: ({ kind: 'write'; pos: number; bytes: Buffer } | { kind: 'size'; size: number })[];
}

type Entry = Inode | 'dir';

export type FsOp =
  | { op: 'open'; file: string; flags: OpenFlags; fd: number }
  | { op: 'close'; fd: number }
  | { op: 'write'; fd: number; pos: number; bytes: Buffer }
  | { op: 'sync'; fd: number }
  | { op: 'size'; fd: number; size: number }
  | { op: 'truncate'; file: string; size: number }
  | { op: 'mkdir'; dir: string }
  | { op: 'rm'; file: string }
  | { op: 'rename'; from: string; to: string }
  | { op: 'writeFile'; file: string; bytes: Buffer }
  | { op: 'syncDir'; dir: string };

function errno(code: string, what: string): Error {
  return Object.assign(new Error(`${code}: ${what}`), { code });
}

function resized(buf: Buffer<ArrayBufferLike>, size: number): Buffer<ArrayBufferLike> {
  if (size === buf.length) return buf;
  const out = Buffer.alloc(size);
  buf.copy(out, 0, 0, Math.min(size, buf.length));
  return out;
}

function writeInto(buf: Buffer<ArrayBufferLike>, pos: number, bytes: Buffer): Buffer<ArrayBufferLike> {
  const out = pos + bytes.length > buf.length ? resized(buf, pos + bytes.length) : buf;
  bytes.copy(out, pos);
  return out;
}

export class PowerLossFS {
  readonly ops: FsOp[] = [];
  readonly io: FileIO;
  private entries = new Map<string, Entry>();
  private durableEntries = new Map<string, Entry>();
  private fds = new Map<number, Inode>();
  private nextFd = 100;

  /** `roots` exist and are durable from the start (the mount point). */
  constructor(private readonly roots: readonly string[] = ['/sim']) {
    for (const r of roots) {
      this.entries.set(r, 'dir');
      this.durableEntries.set(r, 'dir');
    }
    this.io = this.makeIO();
  }

  /** A file system in the state after the first `count` operations of `ops` (no crash yet). */
  static replay(ops: readonly FsOp[], count: number, roots?: readonly string[]): PowerLossFS {
    const fs = new PowerLossFS(roots);
    for (let i = 0; i < count; i++) fs.apply(ops[i]!);
    return fs;
  }

  /** The file system as found after a power loss now (open descriptors are gone). */
  crash(rng: Prng, tear: boolean): PowerLossFS {
    const next = new PowerLossFS(this.roots);
    const survivors = new Map<Inode, Inode>();
    for (const [p, e] of this.durableEntries) {
      if (!this.ancestorsDurable(p)) continue;
      if (e === 'dir') {
        next.entries.set(p, 'dir');
        next.durableEntries.set(p, 'dir');
        continue;
      }
      let inode = survivors.get(e);
      if (inode === undefined) {
        let content: Buffer = Buffer.from(e.durable);
        if (tear && e.pending.length > 0) content = tornContent(content, e.pending, rng);
        inode = { data: content, durable: Buffer.from(content), pending: [] };
        survivors.set(e, inode);
      }
      next.entries.set(p, inode);
      next.durableEntries.set(p, inode);
    }
    return next;
  }

  /** A copy of a file system without open descriptors (e.g. one just rebooted), to replay on. */
  clone(): PowerLossFS {
    if (this.fds.size > 0) throw new Error('clone() of a file system with open files');
    const next = new PowerLossFS(this.roots);
    const copies = new Map<Inode, Inode>();
    const copy = (e: Entry): Entry => {
      if (e === 'dir') return e;
      let c = copies.get(e);
      if (c === undefined) {
        c = { data: Buffer.from(e.data), durable: Buffer.from(e.durable), pending: [...e.pending] };
        copies.set(e, c);
      }
      return c;
    };
    for (const [p, e] of this.entries) next.entries.set(p, copy(e));
    for (const [p, e] of this.durableEntries) next.durableEntries.set(p, copy(e));
    next.nextFd = this.nextFd;
    return next;
  }

  /** `base` (cloned) after the first `count` operations of `ops` recorded on a clone of it. */
  static replayOn(base: PowerLossFS, ops: readonly FsOp[], count: number): PowerLossFS {
    const fs = base.clone();
    for (let i = 0; i < count; i++) fs.apply(ops[i]!);
    return fs;
  }

  /** Removes a file as if by hand (the crashed process's lock). */
  forget(file: string): void {
    this.entries.delete(file);
    this.durableEntries.delete(file);
  }

  exists(file: string): boolean {
    return this.entries.has(file);
  }

  private ancestorsDurable(p: string): boolean {
    for (let d = path.dirname(p); !this.roots.includes(d); d = path.dirname(d)) {
      if (this.durableEntries.get(d) !== 'dir') return false;
      if (d === path.dirname(d)) return false;
    }
    return true;
  }

  private record(op: FsOp): void {
    this.ops.push(op);
    this.apply(op);
  }

  private inode(fd: number): Inode {
    const inode = this.fds.get(fd);
    if (inode === undefined) throw errno('EBADF', `descriptor ${fd}`);
    return inode;
  }

  private file(p: string): Inode {
    const e = this.entries.get(p);
    if (e === undefined) throw errno('ENOENT', p);
    if (e === 'dir') throw errno('EISDIR', p);
    return e;
  }

  private children(dir: string, from: Map<string, Entry>): string[] {
    return [...from.keys()].filter((p) => path.dirname(p) === dir && p !== dir);
  }

  apply(o: FsOp): void {
    switch (o.op) {
      case 'open': {
        let inode = this.entries.get(o.file);
        if (inode === 'dir') throw errno('EISDIR', o.file);
        if (inode === undefined) {
          inode = { data: Buffer.alloc(0), durable: Buffer.alloc(0), pending: [] };
          this.entries.set(o.file, inode);
        } else if (o.flags === 'w' || o.flags === 'w+') {
          inode.data = Buffer.alloc(0);
          inode.pending.push({ kind: 'size', size: 0 });
        }
        this.fds.set(o.fd, inode);
        this.nextFd = Math.max(this.nextFd, o.fd + 1);
        return;
      }
      case 'close':
        this.fds.delete(o.fd);
        return;
      case 'write': {
        const inode = this.inode(o.fd);
        inode.data = writeInto(inode.data, o.pos, o.bytes);
        inode.pending.push({ kind: 'write', pos: o.pos, bytes: o.bytes });
        return;
      }
      case 'sync': {
        const inode = this.inode(o.fd);
        inode.durable = Buffer.from(inode.data);
        inode.pending = [];
        return;
      }
      case 'size':
      case 'truncate': {
        const inode = o.op === 'size' ? this.inode(o.fd) : this.file(o.file);
        inode.data = resized(inode.data, o.size);
        inode.pending.push({ kind: 'size', size: o.size });
        return;
      }
      case 'mkdir':
        for (let d = o.dir; !this.entries.has(d); d = path.dirname(d)) this.entries.set(d, 'dir');
        return;
      case 'rm':
        for (const p of [...this.entries.keys()]) {
          if (p === o.file || p.startsWith(o.file + '/')) this.entries.delete(p);
        }
        return;
      case 'rename': {
        const e = this.file(o.from);
        this.entries.delete(o.from);
        this.entries.set(o.to, e);
        return;
      }
      case 'writeFile': {
        const inode: Inode = {
          data: Buffer.from(o.bytes),
          durable: Buffer.alloc(0),
          pending: [{ kind: 'write', pos: 0, bytes: o.bytes }],
        };
        this.entries.set(o.file, inode);
        return;
      }
      case 'syncDir': {
        const current = new Set(this.children(o.dir, this.entries));
        for (const p of this.children(o.dir, this.durableEntries)) {
          if (!current.has(p)) this.durableEntries.delete(p);
        }
        for (const p of current) {
          const e = this.entries.get(p)!;
          this.durableEntries.set(p, e);
          // A journal commit makes the file's size durable, not its data.
          if (e !== 'dir') e.durable = resized(e.durable, e.data.length);
        }
        return;
      }
    }
  }

  private makeIO(): FileIO {
    const readInto = (fd: number, buf: Buffer, offset: number, length: number, position: number): number => {
      const data = this.inode(fd).data;
      if (position >= data.length) return 0;
      return data.copy(buf, offset, position, Math.min(data.length, position + length));
    };
    const write = (fd: number, bytes: Buffer, pos: number): number => {
      this.inode(fd);
      this.record({ op: 'write', fd, pos, bytes: Buffer.from(bytes) });
      return bytes.length;
    };
    return {
      openSync: (file, flags) => {
        const e = this.entries.get(file);
        if (flags === 'wx+' && e !== undefined) throw errno('EEXIST', file);
        if ((flags === 'r' || flags === 'r+') && e === undefined) throw errno('ENOENT', file);
        if (e === undefined && this.entries.get(path.dirname(file)) !== 'dir') throw errno('ENOENT', file);
        const fd = this.nextFd++;
        this.record({ op: 'open', file, flags, fd });
        return fd;
      },
      closeSync: (fd) => this.record({ op: 'close', fd }),
      readSync: readInto,
      read: async (fd, buf, offset, length, position) => readInto(fd, buf, offset, length, position),
      writeSync: (fd, buf, offset, length, position) =>
        write(fd, buf.subarray(offset, offset + length), position),
      writev: async (fd, buffers, position) => write(fd, Buffer.concat(buffers), position),
      fdatasync: async (fd) => {
        this.inode(fd);
        this.record({ op: 'sync', fd });
      },
      fsyncSync: (fd) => {
        this.inode(fd);
        this.record({ op: 'sync', fd });
      },
      ftruncateSync: (fd, size) => {
        this.inode(fd);
        this.record({ op: 'size', fd, size });
      },
      fileSizeSync: (fd) => this.inode(fd).data.length,
      existsSync: (file) => this.entries.has(file),
      isDirectorySync: (file) => this.entries.get(file) === 'dir',
      sizeSync: (file) => this.file(file).data.length,
      mtimeMsSync: (file) => (this.file(file), Date.now()), // no times kept: every file looks fresh
      mkdirSync: (dir) => this.record({ op: 'mkdir', dir }),
      readdirSync: (dir) => {
        if (this.entries.get(dir) !== 'dir') throw errno('ENOENT', dir);
        return this.children(dir, this.entries).map((p) => path.basename(p));
      },
      rmSync: (file) => this.record({ op: 'rm', file }),
      renameSync: (from, to) => {
        this.file(from);
        this.record({ op: 'rename', from, to });
      },
      truncateSync: (file, size) => {
        this.file(file);
        this.record({ op: 'truncate', file, size });
      },
      readFileSync: (file) => Buffer.from(this.file(file).data),
      writeFileSync: (file, data) => {
        if (this.entries.get(path.dirname(file)) !== 'dir') throw errno('ENOENT', file);
        this.record({ op: 'writeFile', file, bytes: Buffer.from(data) });
      },
      syncDirSync: (dir) => this.record({ op: 'syncDir', dir }),
      diskUsageSync: (): DiskUsage => ({ total: 1024 ** 4, free: 1024 ** 4 / 2 }),
    };
  }
}

/** Durable content plus a random prefix of the pending operations, the last one torn at a sector. */
function tornContent(
  durable: Buffer<ArrayBufferLike>,
  pending: Inode['pending'],
  rng: Prng,
): Buffer<ArrayBufferLike> {
  const kept = rng.int(pending.length + 1);
  let content = durable;
  for (let i = 0; i < kept; i++) {
    const p = pending[i]!;
    content = p.kind === 'write' ? writeInto(content, p.pos, p.bytes) : resized(content, p.size);
  }
  const torn = pending[kept];
  if (torn?.kind === 'write' && torn.bytes.length > 512) {
    const sectors = Math.floor(torn.bytes.length / 512);
    content = writeInto(content, torn.pos, torn.bytes.subarray(0, rng.int(sectors) * 512));
  }
  return content;
}
