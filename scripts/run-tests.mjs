#!/usr/bin/env node
// Runs the test suite with Node's built-in runner. Test files are TypeScript, loaded through tsx.
// Usage: node scripts/run-tests.mjs [--tier default|long] [--concurrency N] [file-or-folder ...]
//   default tier (npm test): every file under test/, fuzz counts and kill rounds cut down.
//   long tier (npm run test:long): RMQ_TEST_TIER=long, and only the files with tiered parts (those
//   importing test/helpers/tier.ts), at their full counts.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

// Files run in parallel, one process each. Three on 2 cores: several integration files spend most of
// their time waiting on timeouts, sockets and child processes (producer-failover: 2.4 s CPU in 10 s),
// and a third file keeps a core busy meanwhile. On a busy machine 2 / 3 / 4 took 202 / 195 / 190 s.
const DEFAULT_CONCURRENCY = 3;

function collect(path, out) {
  if (statSync(path).isDirectory()) {
    for (const name of readdirSync(path).sort()) collect(join(path, name), out);
  } else if (path.endsWith('.test.ts')) {
    out.push(path);
  }
  return out;
}

/** A file with tiered parts imports the tier helper. */
const isTiered = (file) => /from '(\.\.\/)+helpers\/tier\.js'/.test(readFileSync(file, 'utf8'));

const { values, positionals } = parseArgs({
  options: {
    tier: { type: 'string', default: 'default' },
    concurrency: { type: 'string', default: String(DEFAULT_CONCURRENCY) },
  },
  allowPositionals: true,
});
if (values.tier !== 'default' && values.tier !== 'long') {
  console.error(`--tier must be default or long, got "${values.tier}"`);
  process.exit(2);
}
const concurrency = Number(values.concurrency);
if (!Number.isInteger(concurrency) || concurrency < 1) {
  console.error(`--concurrency must be a positive whole number, got "${values.concurrency}"`);
  process.exit(2);
}

/**
 * A file whose every test runs only in the long tier says so in its header (`@long-tier-only`); the
 * default tier does not start a process for it (a tsx process costs ~1.5 s of CPU for nothing).
 */
const isLongOnly = (file) => readFileSync(file, 'utf8').includes('@long-tier-only');

const roots = positionals.length ? positionals : ['test'];
let files = roots.flatMap((root) => collect(root, []));
if (values.tier === 'long') files = files.filter(isTiered);
else if (positionals.length === 0) files = files.filter((f) => !isLongOnly(f));
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
// Unit test files share processes. The suite is CPU-bound on 2 cores and a test process with tsx costs
// ~0.7 s of CPU before its first test (esbuild service, loaders): 76 unit files paid ~53 s of the ~265 s.
// Unit files are pure and quick, so UNIT_SHARDS processes each import a share of them in turn (their
// tests run one after another, as within one file). Integration and fuzz files keep a process each.
// A run of named files or of the long tier is left as it is.
const UNIT_SHARDS = 3;
let shardDir;
if (positionals.length === 0 && values.tier === 'default') {
  const isUnit = (file) => resolve(file).includes(`${join('test', 'unit')}/`);
  const unit = files.filter(isUnit);
  if (unit.length > UNIT_SHARDS) {
    shardDir = mkdtempSync(join(tmpdir(), 'rmq-unit-shards-'));
    const shards = Array.from({ length: UNIT_SHARDS }, () => []);
    unit.forEach((file, i) => shards[i % UNIT_SHARDS].push(file));
    const shardFiles = shards.map((list, i) => {
      const path = join(shardDir, `unit-shard-${i + 1}.test.mjs`);
      const imports = list.map((f) => `await import(${JSON.stringify(pathToFileURL(resolve(f)).href)});`);
      writeFileSync(
        path,
        `// ${list.length} unit test files in one process (scripts/run-tests.mjs)\n${imports.join('\n')}\n`,
      );
      return path;
    });
    files = [...shardFiles, ...files.filter((f) => !isUnit(f))];
  }
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-timeout=120000', ...files],
  { stdio: 'inherit', env: { ...process.env, RMQ_TEST_TIER: values.tier } },
);
if (shardDir !== undefined) rmSync(shardDir, { recursive: true, force: true });
process.exit(result.status ?? 1);
