/**
 * Two ways to run `rmq` in tests. `rmq(...)` runs the command line in this process with captured
 * output (cheap: for usage, argument and output checks); `rmqBinary(...)` / `spawnRmq(...)` run the
 * built binary, dist/cli/main.js, in a child process (for what only a process shows: exit codes,
 * signals, a process that exits once its work is done). `npm test` builds first; a single file run
 * after changing src needs `npm run build`, and says so.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/cli/run.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const RMQ_BIN = path.join(ROOT, 'dist', 'cli', 'main.js');

/**
 * `rmq ...args` in this process; `env` replaces the environment (NAMESRV_ADDR unset by default);
 * `stdin` is what `--file -` reads.
 */
export async function rmq(
  args: string[],
  env: Record<string, string> = {},
  stdin?: NodeJS.ReadableStream,
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await run(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env,
    ...(stdin !== undefined && { stdin }),
  });
  return { code, stdout, stderr };
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

let checked = false;
/** Fails with what to do when dist/ is missing or older than src/ (it would test stale code). */
function assertBuilt(): void {
  if (checked) return;
  const built = fs.existsSync(RMQ_BIN) ? fs.statSync(RMQ_BIN).mtimeMs : 0;
  if (built < newestMtime(path.join(ROOT, 'src'))) {
    throw new Error(`${RMQ_BIN} is missing or older than src/: run \`npm run build\` first`);
  }
  checked = true;
}

/** The environment of a child `rmq`: this process's, without NAMESRV_ADDR, plus `env`. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const out = { ...process.env, ...env };
  if (!('NAMESRV_ADDR' in env)) delete out.NAMESRV_ADDR;
  return out;
}

/** Runs the built `rmq` to completion in a child process. */
export function rmqBinary(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  assertBuilt();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [RMQ_BIN, ...args],
      { env: childEnv(env), timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Starts the built `rmq` as a long-lived child process (servers, signal tests). */
export function spawnRmq(args: string[]): ChildProcessByStdio<null, Readable, Readable> {
  assertBuilt();
  return spawn(process.execPath, [RMQ_BIN, ...args], {
    env: childEnv({}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
