/**
 * @long-tier-only (scripts/run-tests.mjs skips this file in the default tier)
 * Every file in examples/ runs, as a user would run it (`node --import tsx examples/<name>.ts`, the
 * package imported by its own name), against an embedded cluster set up as its header says (plain,
 * ACL, TLS), and does what it prints. Long tier: each example is a child process (~1 s of start-up).
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import { createDevelopmentCertificates } from '../../src/transport/tls/x509.js';
import { LONG_TIER } from '../helpers/tier.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** This process's environment without the test runner's marker (a child `node --test` would report to us). */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete out.NODE_TEST_CONTEXT;
  return out;
}

function runExample(file: string, env: Record<string, string>, extraArgs: string[] = []): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', ...extraArgs, path.join('examples', file)],
      { cwd: ROOT, env: childEnv(env), timeout: 60_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe('examples/', { skip: LONG_TIER ? false : 'long tier (npm run test:long)' }, () => {
  let cluster: EmbeddedCluster;
  let env: Record<string, string>;
  before(async () => {
    cluster = await startEmbeddedCluster({ brokers: 1, autoCreateTopicEnable: true });
    env = { NAMESRV_ADDR: cluster.namesrvAddress };
  });
  after(() => cluster.stop());

  it('every example is covered here', () => {
    const covered = [
      'acl.ts',
      'embedded-cluster.test.ts',
      'env.ts',
      'fault-injection.test.ts',
      'http-graceful-shutdown.ts',
      'opentelemetry.ts',
      'ordered.ts',
      'producer.ts',
      'pull-consumer.ts',
      'push-consumer.ts',
      'request-reply.ts',
      'tls.ts',
      'transaction.ts',
    ];
    const files = fs.readdirSync(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.ts'));
    assert.deepEqual(files.sort(), covered.sort());
  });

  it('producer, ordered, pull consumer, transaction, request-reply', async () => {
    const expectations: Record<string, RegExp> = {
      'producer.ts':
        /sync +true [0-9A-F]{32}[\s\S]*async +10 stored[\s\S]*cb +SEND_OK[\s\S]*oneway +written[\s\S]*batch +2 messages/,
      'ordered.ts': /read back in order: created -> paid -> shipped -> delivered/,
      'pull-consumer.ts': /\d+ messages read; the next run continues from here/,
      'push-consumer.ts':
        /rebalance ExamplePush: 0 -> \d+ queues[\s\S]*consumed 5 messages; offsets are committed/,
      'transaction.ts': /order 1: COMMIT_MESSAGE[\s\S]*order 2: ROLLBACK_MESSAGE/,
      'request-reply.ts': /reply: quote for EURUSD: 1\.0842/,
      'opentelemetry.ts':
        /processing traced order[\s\S]*send ExampleTraced[\s\S]*one trace from send to process/,
    };
    // Side by side: each spends most of its time starting tsx, and they use topics and groups of their own,
    // but for pull-consumer.ts, which reads the topic producer.ts creates: it runs after them.
    const files = Object.keys(expectations).filter((f) => f !== 'pull-consumer.ts');
    const runs = await Promise.all(files.map((file) => runExample(file, env)));
    files.push('pull-consumer.ts');
    runs.push(await runExample('pull-consumer.ts', env));
    files.forEach((file, i) => {
      const r = runs[i]!;
      assert.equal(r.code, 0, `${file}: ${r.stderr}`);
      assert.match(r.stdout, expectations[file]!, file);
    });
  });

  it('embedded-cluster.test.ts and fault-injection.test.ts pass under node --test', async () => {
    for (const [file, passing] of [
      ['embedded-cluster.test.ts', 2],
      ['fault-injection.test.ts', 1],
    ] as const) {
      const r = await runExample(file, {}, ['--test']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, new RegExp(`# pass ${passing}\\n# fail 0`), file);
    }
  });

  it('http-graceful-shutdown: accepts an order, stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/http-graceful-shutdown.ts'], {
      cwd: ROOT,
      env: childEnv({ ...env, PORT: '0' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not listening: ${out}`)), 30_000);
      child.stdout.on('data', () => {
        const m = /listening on :(\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
    });
    const res = await fetch(`http://127.0.0.1:${port}/orders`, { method: 'POST', body: '{"id":7}' });
    assert.equal(res.status, 202);
    assert.match(((await res.json()) as { msgId: string }).msgId, /^[0-9A-F]{32}$/);
    child.kill('SIGTERM');
    assert.equal(await exited, 0, out);
    assert.match(out, /SIGTERM: closing\nstopped cleanly/);
  });

  it('acl.ts against a cluster with examples/plain_acl.yml', async () => {
    const acl = await startEmbeddedCluster({ aclFile: path.join(ROOT, 'examples', 'plain_acl.yml') });
    try {
      const r = await runExample('acl.ts', { NAMESRV_ADDR: acl.namesrvAddress });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /ExampleAclOrders: SEND_OK\nExampleAclPayroll: refused: .*AclException/);
    } finally {
      await acl.stop();
    }
  });

  it('tls.ts against a cluster enforcing TLS', async () => {
    const certs = createDevelopmentCertificates();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rmq-example-tls-'));
    const tlsCluster = await startEmbeddedCluster({
      tls: { mode: 'enforcing', cert: certs.server.cert, key: certs.server.key },
      namesrvTls: { ca: certs.ca.cert },
    });
    try {
      fs.writeFileSync(path.join(dir, 'ca.pem'), certs.ca.cert);
      const r = await runExample('tls.ts', {
        NAMESRV_ADDR: tlsCluster.namesrvAddress,
        RMQ_TLS_CA: path.join(dir, 'ca.pem'),
      });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /sent over TLS: SEND_OK/);
    } finally {
      await tlsCluster.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
