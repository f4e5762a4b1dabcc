/**
 * `<root>/lock` holds the pid of the process that has the store open. Node has no portable flock, so
 * a lock whose pid is alive is treated as held; a dead pid (crash, SIGKILL) is taken over.
 */
import path from 'node:path';
import { IllegalStateError } from '../../common/errors.js';
import type { FileIO } from './file-io.js';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function acquireLock(io: FileIO, root: string): void {
  const file = path.join(root, 'lock');
  if (io.existsSync(file)) {
    const pid = Number(io.readFileSync(file).toString('utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
      throw new IllegalStateError(
        `store ${root} is locked by process ${pid}${pid === process.pid ? ' (this process: another MessageStore has it open)' : ''}`,
      );
    }
  }
  io.writeFileSync(file, String(process.pid));
}

export function releaseLock(io: FileIO, root: string): void {
  io.rmSync(path.join(root, 'lock'));
}
