/**
 * `<root>/lock` holds the pid of the process that has the store open. Node has no portable flock, so
 * a lock whose pid is alive is treated as held; a dead pid (crash, SIGKILL) is taken over.
 */
import fs from 'node:fs';
import path from 'node:path';
import { IllegalStateError } from '../../common/errors.js';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function acquireLock(root: string): void {
  const file = path.join(root, 'lock');
  if (fs.existsSync(file)) {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
      throw new IllegalStateError(
        `store ${root} is locked by process ${pid}${pid === process.pid ? ' (this process: another MessageStore has it open)' : ''}`,
      );
    }
  }
  fs.writeFileSync(file, String(process.pid));
}

export function releaseLock(root: string): void {
  fs.rmSync(path.join(root, 'lock'), { force: true });
}
