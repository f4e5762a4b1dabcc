#!/usr/bin/env node
// Builds the package: ESM to dist/ and CommonJS to dist/cjs/ (a second tsc pass of the library entry
// points; the CLI stays ESM only). dist/cjs/package.json says {"type":"commonjs"}, so Node and
// TypeScript (node16) read dist/cjs/*.js and *.d.ts as CommonJS. Usage:
//   node scripts/build.mjs          clean dist/, both builds (npm run build, npm pack)
//   node scripts/build.mjs --esm    ESM only, no clean (npm test: the tests import dist/ as ESM)
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const esmOnly = process.argv.includes('--esm');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

function compile(project) {
  const run = spawnSync(process.execPath, [tsc, '-p', project], { stdio: 'inherit' });
  if (run.status !== 0) process.exit(run.status ?? 1);
}

if (!esmOnly) rmSync('dist', { recursive: true, force: true });
compile('tsconfig.build.json');
if (!esmOnly) {
  compile('tsconfig.cjs.json');
  mkdirSync('dist/cjs', { recursive: true });
  writeFileSync('dist/cjs/package.json', `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);
}
