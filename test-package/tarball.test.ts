/**
 * The package as npm publishes it: `npm pack` (which runs the full dual build through `prepare`), the
 * tarball installed offline into a scratch project, then a CommonJS app and an ESM app that send and
 * pull against an embedded cluster, and TypeScript `strict` type-checks of both module formats under
 * moduleResolution node16 and bundler. Slow (a full build): run by `npm run test:package` and CI, not
 * by `npm test`.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { CJS_APP, ESM_APP, scratchTsconfig, TYPED_BUNDLER_TS, TYPED_CTS, TYPED_MTS } from './scratch-apps.js';

const REPO = resolve(import.meta.dirname, '..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface AppReport {
  format: string;
  sendStatus: string;
  sent: Record<string, unknown>;
  bodies: string[];
  unknownOption: string;
  protocolRoundTrip: boolean;
}

describe('packed tarball in a scratch project', { timeout: 600_000 }, () => {
  let work: string;
  let app: string;
  let tarballFiles: string[];

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'rmq-package-'));
    execFileSync(NPM, ['pack', '--silent', '--pack-destination', work], { cwd: REPO, stdio: 'pipe' });
    const tgz = readdirSync(work).find((f) => f.endsWith('.tgz'));
    assert.ok(tgz, 'npm pack wrote no tarball');
    tarballFiles = execFileSync('tar', ['-tzf', join(work, tgz)], { encoding: 'utf8' }).split('\n');
    app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'scratch-app', private: true }));
    // No registry: the package has no runtime dependencies; the optional codecs are left out.
    execFileSync(
      NPM,
      [
        'install',
        '--offline',
        '--omit=optional',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        join(work, tgz),
      ],
      { cwd: app, stdio: 'pipe' },
    );
  });
  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('ships LICENSE, README, CHANGELOG, both builds, and no source maps', () => {
    for (const file of [
      'package/LICENSE',
      'package/README.md',
      'package/CHANGELOG.md',
      'package/package.json',
      'package/dist/index.js',
      'package/dist/index.d.ts',
      'package/dist/cjs/index.js',
      'package/dist/cjs/index.d.ts',
      'package/dist/cjs/package.json',
      'package/dist/protocol-entry.js',
      'package/dist/cjs/protocol-entry.js',
      'package/dist/cli/main.js',
    ]) {
      assert.ok(tarballFiles.includes(file), `tarball lacks ${file}`);
    }
    assert.deepEqual(
      tarballFiles.filter((f) => f.endsWith('.map') || (f.endsWith('.ts') && !f.endsWith('.d.ts'))),
      [],
    );
  });

  function runApp(file: string, source: string, t: TestContext): AppReport {
    writeFileSync(join(app, file), source);
    const out = execFileSync(process.execPath, [file], { cwd: app, encoding: 'utf8', timeout: 120_000 });
    const line = out.trim().split('\n').at(-1)!;
    t.diagnostic(`${file} printed: ${line}`);
    return JSON.parse(line) as AppReport;
  }

  function checkReport(report: AppReport, format: string): void {
    assert.equal(report.format, format);
    assert.equal(report.sendStatus, 'SEND_OK');
    assert.deepEqual(report.bodies, [`hello from ${format}`]);
    assert.equal(typeof report.sent.msgId, 'string');
    assert.match(String(report.sent.queueOffset), /^\d+$/, 'queueOffset serialises as a decimal string');
    assert.match(report.unknownOption, /unknown option sendTimeout; did you mean sendMsgTimeout\?/);
    assert.ok(report.protocolRoundTrip);
  }

  it('require(): a CommonJS app sends and pulls', (t) => {
    checkReport(runApp('app.cjs', CJS_APP, t), 'commonjs');
  });

  it('import: an ESM app sends and pulls', (t) => {
    checkReport(runApp('app.mjs', ESM_APP, t), 'esm');
  });

  it('type-checks strict TypeScript under node16 (.cts and .mts) and bundler', () => {
    writeFileSync(join(app, 'typed-cjs.cts'), TYPED_CTS);
    writeFileSync(join(app, 'typed-esm.mts'), TYPED_MTS);
    writeFileSync(join(app, 'typed-bundler.ts'), TYPED_BUNDLER_TS);
    const typeRoots = join(REPO, 'node_modules', '@types');
    writeFileSync(
      join(app, 'tsconfig.node16.json'),
      scratchTsconfig('node16', ['typed-cjs.cts', 'typed-esm.mts'], typeRoots),
    );
    writeFileSync(
      join(app, 'tsconfig.bundler.json'),
      scratchTsconfig('bundler', ['typed-bundler.ts'], typeRoots),
    );
    const tsc = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
    for (const project of ['tsconfig.node16.json', 'tsconfig.bundler.json']) {
      // Throws with tsc's diagnostics on stdout when a file does not type-check.
      execFileSync(process.execPath, [tsc, '-p', project], { cwd: app, encoding: 'utf8' });
    }
    // The .cts file really resolved to the CommonJS declarations, the .mts file to the ESM ones.
    const traced = execFileSync(process.execPath, [tsc, '-p', 'tsconfig.node16.json', '--traceResolution'], {
      cwd: app,
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    assert.match(traced, /'rocketmq-ts' was successfully resolved to '[^']*dist\/cjs\/index\.d\.ts'/);
    assert.match(traced, /'rocketmq-ts' was successfully resolved to '[^']*dist\/index\.d\.ts'/);
  });
});
