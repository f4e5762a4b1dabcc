/**
 * --store of the server commands, checked before anything starts: the directory is created if
 * missing, must be a writable directory, and may not live on a kernel file system (/proc, /sys, /dev)
 * where nothing can be stored. One clear line and exit 2 instead of a server that fails later.
 */
import fs from 'node:fs';
import path from 'node:path';
import { makeDirsSync } from '../common/make-dirs.js';
import { CliError } from './cli-error.js';

const KERNEL_FILE_SYSTEMS = ['/proc', '/sys', '/dev'];

/**
 * The checks of a store directory that touch nothing (a name, not a kernel file system); returns its
 * absolute path. A command runs these with its other flag checks, and storeDirFlag once every flag
 * passed: a command refused for a bad flag leaves no directory behind.
 */
export function checkStoreDir(flag: string, raw: string): string {
  if (raw.trim() === '') throw new CliError(`--${flag} must name a directory`);
  const dir = path.resolve(raw);
  const kernel = KERNEL_FILE_SYSTEMS.find((root) => dir === root || dir.startsWith(`${root}/`));
  if (kernel !== undefined) {
    throw new CliError(
      `--${flag} ${dir}: ${kernel} is a kernel file system, not storage; choose another directory`,
    );
  }
  return dir;
}

/** Resolves and checks a store directory, creating it if missing; returns its absolute path. */
export function storeDirFlag(flag: string, raw: string): string {
  const dir = checkStoreDir(flag, raw);
  try {
    makeDirsSync(dir);
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const reason = e.code === 'EACCES' || e.code === 'EPERM' ? `${dir} is not writable` : e.message;
    throw new CliError(`--${flag}: ${reason}`);
  }
  return dir;
}
