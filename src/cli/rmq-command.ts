/**
 * How the user should type `rmq` in the hints we print: `rmq` when it is on PATH (a global install,
 * or an npm script's node_modules/.bin), else `npx rmq` (the package installed locally, run from a
 * shell), so that a copied hint works as printed.
 */
import fs from 'node:fs';
import path from 'node:path';

export function rmqCommand(env: Readonly<Record<string, string | undefined>>): string {
  const names = process.platform === 'win32' ? ['rmq.cmd', 'rmq.exe', 'rmq'] : ['rmq'];
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    for (const name of names) {
      try {
        fs.accessSync(path.join(dir, name), fs.constants.X_OK);
        return 'rmq';
      } catch {
        // not in this directory
      }
    }
  }
  return 'npx rmq';
}
