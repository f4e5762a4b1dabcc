/**
 * Writes kvConfig.json without holding the event loop: the table is snapshotted (its strings are
 * immutable, so copying the entry lists is enough), then serialized and written a chunk of entries at
 * a time, each write awaited, so other requests run between chunks however large the table is.
 * The file is replaced atomically as the broker's config files are (temp file + fsync + rename +
 * directory fsync), and its text is what toFastjsonString({configTable}) would give:
 *   {"configTable":{"<ns>":{"<key>":"<value>",...},...}}   namespaces and keys in Java HashMap order
 * Each write has its own temp file, `<file>.<pid>.<sequence>.tmp`: two writers of one path (a store
 * still saving while a restarted one saves, two stores) each rename a whole file of their own, so the
 * last rename wins and no file mixes both. A crash leaves its temp file behind; the next load removes
 * those of processes no longer running (removeStaleTempFiles).
 */
import fs from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { toFastjsonString } from '../../protocol/json/fastjson-write.js';
import { makeDirsSync } from '../../common/make-dirs.js';
import { fsyncDir } from '../../common/fsync-dir.js';

/** Namespace -> its entries, both in Java HashMap order. */
export type KVSnapshot = [string, [string, string][]][];

/** Characters serialized per write: one piece costs well under a millisecond (values are <= 64K). */
const CHARS_PER_CHUNK = 64 * 1024;

/** The file's text in pieces of about CHARS_PER_CHUNK (the pieces joined are the whole file). */
export function* kvFileChunks(snapshot: KVSnapshot): Generator<string> {
  let piece = '{"configTable":{';
  for (let i = 0; i < snapshot.length; i++) {
    const [ns, entries] = snapshot[i]!;
    piece += `${i > 0 ? ',' : ''}${toFastjsonString(ns)}:{`;
    for (let j = 0; j < entries.length; j++) {
      const [key, value] = entries[j]!;
      // As fastjson writes a Map<String, String> entry: both strings escaped the same way.
      piece += `${j > 0 ? ',' : ''}${toFastjsonString(key)}:${toFastjsonString(value)}`;
      if (piece.length >= CHARS_PER_CHUNK) {
        yield piece;
        piece = '';
      }
    }
    piece += '}';
  }
  yield `${piece}}}`;
}

/** Temp files written so far by this process (part of their names). */
let tempSequence = 0;

/** `<file>.<pid>.<sequence>.tmp`; the pid tells whether its writer may still be running. */
function tempFileName(path: string): string {
  return `${path}.${process.pid}.${++tempSequence}.tmp`;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // running, owned by someone else
  }
}

/**
 * Removes the temp files of `path` left by writers that are no longer running (a crash between
 * open and rename); those of running processes, this one included, may still be renamed and stay.
 * Returns the names removed.
 */
export function removeStaleTempFiles(path: string): string[] {
  const dir = dirname(path);
  const prefix = `${basename(path)}.`;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(\d+)\.\d+\.tmp$/.exec(name.slice(prefix.length));
    if (m === null || isRunning(Number(m[1]))) continue;
    try {
      fs.unlinkSync(join(dir, name));
      removed.push(name);
    } catch {
      // Gone already, or not ours to remove: it does not affect loading.
    }
  }
  return removed;
}

/** Replaces `path` with the snapshot: temp file, fsync, rename, directory fsync. */
export async function writeKVFile(path: string, snapshot: KVSnapshot): Promise<void> {
  const dir = dirname(path);
  makeDirsSync(dir);
  const tmp = tempFileName(path);
  const handle = await fs.promises.open(tmp, 'w');
  try {
    try {
      let position = 0;
      for (const text of kvFileChunks(snapshot)) {
        const bytes = Buffer.from(text, 'utf8');
        await handle.write(bytes, 0, bytes.length, position);
        position += bytes.length;
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.promises.rename(tmp, path);
  } catch (err) {
    // Nobody else will rename this name: remove it rather than leave it to the next load.
    await fs.promises.rm(tmp, { force: true }).catch(() => {});
    throw err;
  }
  await fsyncDir(dir);
}
