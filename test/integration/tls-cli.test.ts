/**
 * TLS from the command line: `rmq dev --tls-self-signed --tls-mode enforcing` (built binary, a child
 * process) writes a throwaway CA where it says and serves TLS only; `rmq send`, `rmq consume`,
 * `rmq route`, `rmq cluster` and `rmq topic` reach it with --tls --tls-ca and are refused without;
 * `rmq namesrv --tls-mode enforcing --tls-cert --tls-key` serves TLS; flag mistakes are one-line errors.
 */
import assert from 'node:assert/strict';
import type { ChildProcessByStdio } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { rmq, spawnRmq } from '../helpers/cli.js';

type Child = ChildProcessByStdio<null, Readable, Readable>;

/** Starts `rmq args` and resolves with its stdout once `ready` matches it. */
async function started(args: string[], ready: RegExp): Promise<{ child: Child; out: RegExpExecArray }> {
  const child = spawnRmq(args);
  let out = '';
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready; stdout=${out}`)), 20_000);
    child.stderr.on('data', () => undefined);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    child.on('exit', () => reject(new Error(`exited early; stdout=${out}`)));
  });
  return { child, out: match };
}

async function stop(child: Child | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

describe('rmq over TLS', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rmq-tls-cli-'));
  const tlsDir = path.join(root, 'tls');
  let dev: Child | undefined;
  let namesrv: Child | undefined;
  let broker: Child | undefined;
  let ns = '';
  let ca = '';
  let tlsNamesrv = '';

  before(async () => {
    const devArgs = ['dev', '--namesrv-port', '0', '--broker-port', '0', '--store', path.join(root, 'store')];
    const d = await started(
      [...devArgs, '--tls-self-signed', '--tls-mode', 'enforcing', '--tls-dir', tlsDir],
      /name server {2}(\S+)[\s\S]*CA {11}(\S+)[\s\S]*Ctrl-C/,
    );
    dev = d.child;
    ns = d.out[1]!;
    ca = d.out[2]!;
    const n = await started(
      [
        'namesrv',
        '--port',
        '0',
        '--tls-mode',
        'enforcing',
        '--tls-cert',
        path.join(tlsDir, 'server.pem'),
        '--tls-key',
        path.join(tlsDir, 'server-key.pem'),
      ],
      /^name server listening on (\S+), TLS enforcing\n/,
    );
    namesrv = n.child;
    tlsNamesrv = n.out[1]!;
    const b = await started(
      [
        'broker',
        '--namesrv',
        tlsNamesrv,
        '--namesrv-tls',
        '--tls-ca',
        ca,
        '--port',
        '0',
        '--name',
        'broker-tls',
        '--store',
        path.join(root, 'broker-store'),
        '--tls-mode',
        'enforcing',
        '--tls-cert',
        path.join(tlsDir, 'server.pem'),
        '--tls-key',
        path.join(tlsDir, 'server-key.pem'),
        '--log-level',
        'error',
      ],
      /^broker broker-tls .*, TLS enforcing\n/,
    );
    broker = b.child;
  });
  after(async () => {
    await stop(broker);
    await Promise.all([stop(dev), stop(namesrv)]);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('--tls-self-signed writes its CA (and keys owner-only) under --tls-dir, not $HOME', () => {
    assert.equal(ca, path.join(tlsDir, 'ca.pem'));
    assert.match(fs.readFileSync(ca, 'utf8'), /^-----BEGIN CERTIFICATE-----/);
    assert.equal(fs.statSync(path.join(tlsDir, 'server-key.pem')).mode & 0o077, 0);
  });

  it('send, consume and the admin commands work with --tls --tls-ca', async () => {
    const tls = ['--tls', '--tls-ca', ca];
    const sent = await rmq(['send', '--namesrv', ns, '--topic', 'CliTls', '--body', 'hello', ...tls]);
    assert.equal(sent.code, 0, sent.stderr);
    assert.match(sent.stdout, /sendStatus=SEND_OK/);
    const read = await rmq([
      'consume',
      '--namesrv',
      ns,
      '--topic',
      'CliTls',
      '--from-beginning',
      '--count',
      '1',
      ...tls,
    ]);
    assert.equal(read.code, 0, read.stderr);
    assert.match(read.stdout, /hello/);
    const route = await rmq(['route', '--namesrv', ns, '--topic', 'CliTls', ...tls]);
    assert.equal(route.code, 0, route.stderr);
    assert.match(route.stdout, /"brokerName"/);
    const cluster = await rmq(['cluster', '--namesrv', ns, '--json', ...tls]);
    assert.equal(cluster.code, 0, cluster.stderr);
    const topics = await rmq(['topic', 'list', '--namesrv', ns, ...tls]);
    assert.match(topics.stdout, /CliTls/);
    const created = await rmq(['topic', 'create', '--namesrv', ns, '--topic', 'CliTls2', ...tls]);
    assert.equal(created.code, 0, created.stderr);
    const insecure = await rmq(['route', '--namesrv', ns, '--topic', 'CliTls', '--tls-insecure']);
    assert.equal(insecure.code, 0, insecure.stderr);
  });

  it('without --tls, or without the CA, the commands fail with one line', async () => {
    const plain = await rmq(['route', '--namesrv', ns, '--topic', 'CliTls', '--request-timeout', '1000']);
    assert.equal(plain.code, 1);
    const untrusted = await rmq(['cluster', '--namesrv', ns, '--tls']);
    assert.equal(untrusted.code, 1);
    assert.match(untrusted.stderr, /TLS handshake failed \(unknown-ca/);
    assert.equal(untrusted.stderr.trim().split('\n').length, 1);
  });

  it('rmq namesrv and rmq broker enforcing TLS; the broker registered with --namesrv-tls', async () => {
    const cluster = await rmq(['cluster', '--namesrv', tlsNamesrv, '--tls', '--tls-ca', ca]);
    assert.equal(cluster.code, 0, cluster.stderr);
    assert.match(cluster.stdout, /broker-tls +master 127\.0\.0\.1:\d+/);
    const sent = await rmq([
      'send',
      '--namesrv',
      tlsNamesrv,
      '--topic',
      'ViaBroker',
      '--body',
      'b',
      '--tls',
      '--tls-ca',
      ca,
    ]);
    assert.equal(sent.code, 0, sent.stderr);
  });

  it('flag mistakes are one-line errors', async () => {
    const notPem = path.join(root, 'not-a-cert.txt');
    fs.writeFileSync(notPem, 'hello');
    const cases: [string[], RegExp][] = [
      [['namesrv', '--tls-mode', 'enforcing'], /needs --tls-cert and --tls-key/],
      [['namesrv', '--tls-mode', 'strict'], /--tls-mode must be disabled, permissive or enforcing/],
      [
        ['broker', '--namesrv', '127.0.0.1:1', '--tls-cert', '/nonexistent.pem', '--tls-key', ca],
        /--tls-cert: cannot read/,
      ],
      [['dev', '--tls-self-signed', '--tls-cert', ca], /drop --tls-cert/],
      [['send', '--namesrv', ns, '--topic', 'T', '--body', 'x', '--tls-cert', ca], /go together/],
      [['route', '--namesrv', ns, '--topic', 'T', '--tls-ca', ca, '--tls-insecure'], /not both/],
      [['route', '--namesrv', ns, '--topic', 'T', '--tls-ca', notPem], /TLS flags: ca is not PEM/],
    ];
    for (const [args, pattern] of cases) {
      const result = await rmq(args);
      assert.notEqual(result.code, 0, args.join(' '));
      assert.match(result.stderr, pattern, args.join(' '));
    }
  });
});
