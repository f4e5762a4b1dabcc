/**
 * Producer side by side, before (main's dist, built in a temporary git worktree that is removed
 * afterwards, or BEFORE_DIST) and after (this checkout's dist): 128 B async sends with 128 in flight,
 * auto-batched sends (after only: main has no autoBatch) against non-batched ones at the same window,
 * the memory of a loop firing sendAsync (backpressure after, none before), and the client CPU per
 * 4 KiB compressed message of ours against ali-ons. One broker in its own process for all; every
 * scenario in a fresh child process; a warm-up round discarded, then rounds interleaved; medians with
 * min–max.   npm run bench:side-by-side   (env ROUNDS=3, SECONDS=4, MEMORY_COUNT=300000)
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const ROUNDS = Number(process.env.ROUNDS ?? '3');
const SECONDS = Number(process.env.SECONDS ?? '4');
const MEMORY_COUNT = Number(process.env.MEMORY_COUNT ?? '300000');

function run(script: string, args: string[], nodeFlags: string[] = []): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [...nodeFlags, '--import', 'tsx', path.join(ROOT, 'bench', script), ...args],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let last = '';
    createInterface({ input: child.stdout }).on('line', (line) => (last = line));
    child.on('exit', (code) => {
      try {
        resolve(JSON.parse(last) as Record<string, number>);
      } catch {
        reject(new Error(`${script} ${args.join(' ')} exited ${code} without a result`));
      }
    });
  });
}

function startCluster(): Promise<{ namesrv: string; stop: () => void }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'bench', 'producer-cluster.ts'), '1'],
    {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('NAMESRV ')) resolve({ namesrv: line.slice(8), stop: () => child.stdin.end() });
    });
  });
}

/** main's dist, built in a temporary worktree (removed by the returned cleanup). */
function buildBefore(): { dist: string; cleanup: () => void } {
  if (process.env.BEFORE_DIST) return { dist: process.env.BEFORE_DIST, cleanup: () => undefined };
  const dir = mkdtempSync(path.join(tmpdir(), 'rmq-before-'));
  execFileSync('git', ['worktree', 'add', '--detach', dir, 'main'], { cwd: ROOT, stdio: 'ignore' });
  const cleanup = (): void => {
    execFileSync('git', ['worktree', 'remove', '--force', dir], { cwd: ROOT, stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    execFileSync(
      process.execPath,
      [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
      {
        cwd: dir,
        stdio: 'inherit',
      },
    );
  } catch (err) {
    cleanup();
    throw err;
  }
  return { dist: path.join(dir, 'dist'), cleanup };
}

function median(values: number[]): string {
  const v = [...values].sort((a, b) => a - b);
  const mid = v[Math.floor(v.length / 2)] as number;
  const f = (n: number): string => (Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(2));
  return `${f(mid)} (${f(v[0] as number)}–${f(v[v.length - 1] as number)})`;
}

/** Runs the comparison and prints its table (npm run bench runs it last). */
export async function sideBySide(): Promise<void> {
  const afterDist = path.join(ROOT, 'dist');
  if (!existsSync(path.join(afterDist, 'index.js'))) throw new Error('run npm run build first');
  const before = buildBefore();
  const cluster = await startCluster();
  const ns = cluster.namesrv;
  const scenarios: [string, () => Promise<Record<string, number>>][] = [
    [
      'before async w128',
      () => run('producer-perf-worker.ts', ['load', ns, before.dist, String(SECONDS), '128', 'plain']),
    ],
    [
      'after  async w128',
      () => run('producer-perf-worker.ts', ['load', ns, afterDist, String(SECONDS), '128', 'plain']),
    ],
    [
      'after  async w8192',
      () => run('producer-perf-worker.ts', ['load', ns, afterDist, String(SECONDS), '8192', 'plain']),
    ],
    [
      'after  auto-batch w8192',
      () => run('producer-perf-worker.ts', ['load', ns, afterDist, String(SECONDS), '8192', 'auto']),
    ],
    [
      'before memory, no backpressure',
      () =>
        run(
          'producer-perf-worker.ts',
          ['memory', ns, before.dist, String(MEMORY_COUNT), 'plain'],
          ['--expose-gc'],
        ),
    ],
    [
      'after  memory, backpressure',
      () =>
        run(
          'producer-perf-worker.ts',
          ['memory', ns, afterDist, String(MEMORY_COUNT), 'bp'],
          ['--expose-gc'],
        ),
    ],
    [
      'before 4 KiB zlib (ours)',
      () => run('client-cpu-worker.ts', ['ours', ns, 'BenchZ', '4000', '32', '4096', before.dist]),
    ],
    [
      'after  4 KiB zlib (ours)',
      () => run('client-cpu-worker.ts', ['ours', ns, 'BenchZ', '4000', '32', '4096', afterDist]),
    ],
    ['ali-ons 4 KiB zlib', () => run('client-cpu-worker.ts', ['ons', ns, 'BenchZ', '4000', '32', '4096'])],
  ];
  const results = new Map<string, Record<string, number>[]>();
  try {
    process.stdout.write(`warm-up round (discarded), then ${ROUNDS} interleaved rounds; median (min–max)\n`);
    for (let round = 0; round <= ROUNDS; round++) {
      for (const [label, go] of scenarios) {
        const r = await go();
        if (round > 0) results.set(label, [...(results.get(label) ?? []), r]);
      }
    }
  } finally {
    cluster.stop();
    before.cleanup();
  }
  for (const [label, rs] of results) {
    const keys = Object.keys(rs[0] ?? {}).filter((k) => !['count', 'ok', 'messages', 'client'].includes(k));
    const cpu =
      rs[0]?.cpuMicros !== undefined
        ? ` cpuMicrosPerMsg ${median(rs.map((r) => (r.cpuMicros ?? 0) / (r.messages ?? 1)))}`
        : '';
    process.stdout.write(
      `${label.padEnd(32)} ${keys.map((k) => `${k} ${median(rs.map((r) => r[k] ?? 0))}`).join(' | ')}${cpu}\n`,
    );
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  sideBySide().catch((err: unknown) => {
    process.stderr.write(`side-by-side failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
