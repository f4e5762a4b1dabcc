/**
 * `mkdir -p` that always ends. Node's own `mkdir(dir, { recursive: true })` loops forever, burning a
 * core with the event loop blocked, when the kernel answers ENOENT for a directory whose parent does
 * exist (any path under /proc, e.g. `rmq dev --store /proc/x`): it takes ENOENT for "parent missing",
 * creates the parent (EEXIST), retries, and so on. Here each level is created once, from the top down,
 * and a level that cannot be created is an error naming it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ClientErrorCode } from './error-codes.js';
import { RocketMQError } from './errors.js';

/**
 * A directory that cannot be created (or a path that is a file), with the level that failed and the
 * system's error code (`errno`: ENOTDIR, EACCES, ENOENT, ...).
 */
export class MakeDirsError extends RocketMQError {
  constructor(
    readonly dir: string,
    readonly failedAt: string,
    readonly errno: string,
    reason: string,
  ) {
    super(`cannot create directory ${dir}: ${failedAt} ${reason}`, {
      code: ClientErrorCode.DIRECTORY_UNUSABLE,
    });
  }
}

function reasonOf(code: string | undefined): string {
  switch (code) {
    case 'ENOTDIR':
    case 'EEXIST':
      return 'is not a directory';
    case 'EACCES':
    case 'EPERM':
      return 'is not writable (permission denied)';
    case 'EROFS':
      return 'is on a read-only file system';
    case 'ENOENT':
      return 'cannot be created here (a special file system such as /proc?)';
    case 'ENOSPC':
      return 'cannot be created: no space left on the device';
    default:
      return `cannot be created (${code ?? 'unknown error'})`;
  }
}

/** The levels of `dir` from the first missing one down to `dir` itself (empty when it exists). */
function missingLevels(dir: string, isDir: (d: string) => boolean | undefined): string[] {
  const levels: string[] = [];
  for (let d = dir; ; d = path.dirname(d)) {
    const state = isDir(d);
    if (state === true) break;
    if (state === false) throw new MakeDirsError(dir, d, 'ENOTDIR', reasonOf('ENOTDIR'));
    levels.push(d);
    if (path.dirname(d) === d) break;
  }
  return levels.reverse();
}

function statDirSync(d: string): boolean | undefined {
  try {
    return fs.statSync(d).isDirectory();
  } catch {
    return undefined;
  }
}

/** Creates `dir` and its missing parents; a no-op when it exists. Returns the levels created. */
export function makeDirsSync(dir: string, mode?: number): string[] {
  const absolute = path.resolve(dir);
  const levels = missingLevels(absolute, statDirSync);
  for (const level of levels) {
    try {
      fs.mkdirSync(level, mode === undefined ? undefined : { mode });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && statDirSync(level) === true) continue; // created by someone else meanwhile
      throw new MakeDirsError(absolute, level, code ?? 'EIO', reasonOf(code));
    }
  }
  return levels;
}

/** The async form of makeDirsSync. */
export async function makeDirs(dir: string, mode?: number): Promise<string[]> {
  const absolute = path.resolve(dir);
  const known = new Map<string, boolean | undefined>();
  for (let d = absolute; ; d = path.dirname(d)) {
    const state = await fs.promises.stat(d).then(
      (s) => s.isDirectory(),
      () => undefined,
    );
    known.set(d, state);
    if (state !== undefined || path.dirname(d) === d) break;
  }
  const levels = missingLevels(absolute, (d) => known.get(d));
  for (const level of levels) {
    try {
      await fs.promises.mkdir(level, mode === undefined ? undefined : { mode });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const nowDir = await fs.promises.stat(level).then(
        (s) => s.isDirectory(),
        () => false,
      );
      if (code === 'EEXIST' && nowDir) continue;
      throw new MakeDirsError(absolute, level, code ?? 'EIO', reasonOf(code));
    }
  }
  return levels;
}
