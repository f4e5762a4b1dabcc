#!/usr/bin/env node
// Runs the test suite with Node's built-in runner. Test files are TypeScript, loaded through tsx.
// Usage: node scripts/run-tests.mjs [--tier default|long] [--concurrency N] [file-or-folder ...]
//   default tier (npm test): every file under test/, fuzz counts and kill rounds cut down.
//   long tier (npm run test:long): RMQ_TEST_TIER=long, and only the files with tiered parts (those
//   importing test/helpers/tier.ts), at their full counts.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

// Test processes run in parallel (a process holds one file, or a shard of them: see below). Three on
// 2 cores: several integration files spend most of their time waiting on timeouts, sockets and child
// processes (producer-failover: 2.4 s CPU in 10 s), and a third process keeps a core busy meanwhile.
// On a busy machine 2 / 3 / 4 took 202 / 195 / 190 s (measured with one process per file).
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
// Test files share processes. The suite is CPU-bound on 2 cores and a test process with tsx costs
// ~1 s of CPU before its first test (esbuild service, loaders, src/ loaded again): 76 unit files in
// their own processes paid ~53 s of ~265 s; sharing the 69 integration and fuzz files too took the
// whole `npm test` from 223 to 138 CPU-s (77 -> 20 test processes; same 1,321 tests pass).
// So in a default-tier run of the whole suite every file runs in a generated shard file that imports
// it inside its own `describe(<file path>)`:
//   - the file's top-level before/after/beforeEach hooks bind to that suite, not to the process's root
//     (a top-level `after` that stops a cluster still runs when that file is done, and another
//     file's tests never see its `beforeEach`);
//   - the suite is named after the file, so a failure reads `test/integration/foo.test.ts > ... > test`
//     with the test's file:line location, as when the file had its own process;
//   - the suite has the FILE_TIMEOUT_MS that `--test-timeout` gives a file's process (Node 20 times
//     each process as a whole, not each test); the shard process gets PROCESS_TIMEOUT_MS, a backstop
//     for a process that never exits once its suites are done.
// The files in one shard run one after another, as the tests within a file do.
// Unit files fill UNIT_SHARDS processes; integration and fuzz files SHARED_FILES_PER_SHARD a process,
// except those whose header says `@own-process` (with the reason): a file that calls process.exit,
// changes process.env or other process-wide state, or loads a library with process-wide singletons.
// A run of named files or of the long tier is left as it is (one process per file).
const FILE_TIMEOUT_MS = 120_000;
// The long tier runs its files at their full counts, one process each: the power-loss file's four
// tests took 118 s on a quiet 2-core machine, so its files get more room.
const LONG_FILE_TIMEOUT_MS = 300_000;
const PROCESS_TIMEOUT_MS = 600_000;
const UNIT_SHARDS = 3;
// Six files a shard: ~12 processes for ~70 files, small enough that a shard stays well within its
// timeout on a loaded machine and that three of them at a time keep both cores busy to the end.
const SHARED_FILES_PER_SHARD = 6;
const isOwnProcess = (file) => readFileSync(file, 'utf8').includes('@own-process');

/** Round-robin over `count` lists: neighbours in name order (often alike in cost) are spread out. */
function deal(list, count) {
  const shards = Array.from({ length: count }, () => []);
  list.forEach((file, i) => shards[i % count].push(file));
  return shards.filter((shard) => shard.length > 0);
}

let shardDir;
if (positionals.length === 0 && values.tier === 'default') {
  const isUnit = (file) => resolve(file).includes(`${join('test', 'unit')}/`);
  const unit = files.filter(isUnit);
  const own = files.filter((f) => !isUnit(f) && isOwnProcess(f));
  const shared = files.filter((f) => !isUnit(f) && !isOwnProcess(f));
  const processes = [
    ...deal(unit, UNIT_SHARDS),
    ...deal(shared, Math.ceil(shared.length / SHARED_FILES_PER_SHARD)),
    // Last: single files are short, and fill the cores while the longer shards finish.
    ...own.map((file) => [file]),
  ];
  shardDir = mkdtempSync(join(tmpdir(), 'rmq-test-shards-'));
  files = processes.map((list, i) => {
    const path = join(shardDir, `shard-${String(i + 1).padStart(2, '0')}.test.mjs`);
    const suites = list.map((file) => {
      const name = JSON.stringify(relative(process.cwd(), resolve(file)));
      const url = JSON.stringify(pathToFileURL(resolve(file)).href);
      return `describe(${name}, { timeout: ${FILE_TIMEOUT_MS} }, async () => {\n  await import(${url});\n});`;
    });
    const header = `// ${list.length} test file(s) in one process (scripts/run-tests.mjs)\nimport { describe } from 'node:test';`;
    writeFileSync(path, `${header}\n${suites.join('\n')}\n`);
    return path;
  });
}
const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${concurrency}`,
    `--test-timeout=${shardDir !== undefined ? PROCESS_TIMEOUT_MS : values.tier === 'long' ? LONG_FILE_TIMEOUT_MS : FILE_TIMEOUT_MS}`,
    ...files,
  ],
  { stdio: 'inherit', env: { ...process.env, RMQ_TEST_TIER: values.tier } },
);
if (shardDir !== undefined) rmSync(shardDir, { recursive: true, force: true });
process.exit(result.status ?? 1);
