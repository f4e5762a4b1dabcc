/**
 * The broker's JSON config files under `<root>/config/`: replaced atomically (temp file + fsync +
 * rename + directory fsync), the previous version kept as `<file>.bak` and read when the main file is
 * missing or unreadable.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from './file-io.js';
import { makeDirs, makeDirsSync } from '../../common/make-dirs.js';
import { fsyncDir } from '../../common/fsync-dir.js';

/** fastjson writes integer map keys unquoted ({0:12}); quote them so JSON.parse accepts the file. */
function parseLenientJson(text: string): unknown {
  return JSON.parse(text.replace(/([{,]\s*)(-?\d+)\s*:/g, '$1"$2":'));
}

/** The parsed file, else its backup, else undefined (missing, empty or unreadable). */
export function readConfigJson(dir: string, name: string): unknown {
  return readConfigFile(dir, name, parseLenientJson);
}

/** The file parsed by `parse` (which throws on unreadable text), else its backup, else undefined. */
export function readConfigFile<T>(dir: string, name: string, parse: (text: string) => T): T | undefined {
  for (const file of [path.join(dir, name), path.join(dir, `${name}.bak`)]) {
    try {
      const text = fs.readFileSync(file, 'utf8');
      if (text.trim().length > 0) return parse(text);
    } catch {
      // Missing or unreadable: try the backup, then start empty.
    }
  }
  return undefined;
}

/** Replaces the file atomically, keeping the previous version as `<name>.bak`. */
export function writeConfigJson(dir: string, name: string, text: string): void {
  const file = path.join(dir, name);
  makeDirsSync(dir);
  if (fs.existsSync(file)) fs.copyFileSync(file, `${file}.bak`);
  writeFileAtomicSync(file, text);
}

/** The current file becomes `<file>.bak` (a hard link: no copy on the event loop). */
export function keepBackup(file: string): void {
  if (!fs.existsSync(file)) return;
  const bak = `${file}.bak`;
  fs.rmSync(bak, { force: true });
  try {
    fs.linkSync(file, bak);
  } catch {
    fs.copyFileSync(file, bak);
  }
}

/**
 * Replaces `file` with what `write` puts into a fresh temp file, with async I/O (the writes, the
 * fsyncs and the rename do not hold the event loop): fsync, the current file kept as `.bak`, rename,
 * directory fsync. The temp file is the synchronous writes' one: a caller never runs both at once.
 */
export async function replaceFileInBackground(
  file: string,
  write: (handle: fs.promises.FileHandle) => Promise<void>,
): Promise<void> {
  const dir = path.dirname(file);
  const tmp = `${file}.tmp`;
  await makeDirs(dir);
  const handle = await fs.promises.open(tmp, 'w');
  try {
    await write(handle);
    await handle.sync();
  } finally {
    await handle.close();
  }
  keepBackup(file);
  await fs.promises.rename(tmp, file);
  await fsyncDir(dir);
}

/** writeConfigJson off the event loop (replaceFileInBackground). */
export function writeConfigJsonInBackground(dir: string, name: string, text: string): Promise<void> {
  return replaceFileInBackground(path.join(dir, name), (handle) => handle.writeFile(text, 'utf8'));
}
