/**
 * `rmq request`, `rmq reply` and `rmq recall` take the connection flags of the other client commands
 * (--tls --tls-ca ..., --access-key / --secret-key or env RMQ_SECRET_KEY), in this process, against one
 * embedded cluster that both enforces TLS and checks plain ACL: each works with the flags, and fails
 * with one line (exit 1) when either TLS or the signature is missing.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { run } from '../../src/cli/run.js';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import { createDevelopmentCertificates } from '../../src/transport/tls/x509.js';
import { ACCOUNTS, aclYaml } from '../helpers/acl-fixtures.js';
import { rmq } from '../helpers/cli.js';

const TOPIC = 'SecureCliRequests';

/** Starts `rmq reply ...` in this process; `ready` settles once it printed its ready line (or ended). */
function startReplier(args: string[], env: Record<string, string>) {
  let stdout = '';
  let stderr = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const done = run(['reply', ...args], {
    stdout: { write: (t: string) => void (stdout += t) },
    stderr: {
      write: (t: string) => {
        stderr += t;
        if (stderr.includes('replying to requests')) markReady();
      },
    },
    env,
  }).then((code) => (markReady(), { code, stdout, stderr }));
  return { ready, done };
}

describe('rmq request / reply / recall with TLS and ACL flags', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rmq-secure-cli-'));
  const certs = createDevelopmentCertificates();
  const caFile = path.join(dir, 'ca.pem');
  const aclFile = path.join(dir, 'plain_acl.yml');
  let cluster: EmbeddedCluster;
  let ns: string[];
  const tls = ['--tls', '--tls-ca', caFile];
  const keys = ['--access-key', ACCOUNTS.admin.accessKey, '--secret-key', ACCOUNTS.admin.secretKey];

  before(async () => {
    fs.writeFileSync(caFile, certs.ca.cert);
    fs.writeFileSync(aclFile, aclYaml());
    cluster = await startEmbeddedCluster({
      tls: { mode: 'enforcing', cert: certs.server.cert, key: certs.server.key },
      namesrvTls: { ca: certs.ca.cert },
      aclFile,
      brokers: [{ timerPrecisionMs: 100 }],
    });
    ns = ['--namesrv', cluster.namesrvAddress];
    // Made here, so that `rmq reply` finds it in every test (it would wait for a missing one).
    const created = await rmq(['topic', 'create', ...ns, '--topic', TOPIC, '--queues', '2', ...tls, ...keys]);
    assert.equal(created.code, 0, created.stderr);
  });
  after(async () => {
    await cluster.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('--help of each lists the same TLS and ACL flags as rmq send', async () => {
    const send = (await rmq(['send', '--help'])).stdout;
    for (const command of ['request', 'reply', 'recall']) {
      const help = (await rmq([command, '--help'])).stdout;
      for (const flag of [
        '--tls ',
        '--tls-ca',
        '--tls-cert',
        '--tls-key',
        '--tls-insecure',
        '--access-key',
      ]) {
        const line = (text: string) => text.split('\n').find((l) => l.trimStart().startsWith(flag));
        assert.ok(line(help) !== undefined, `${command} --help lacks ${flag}`);
        assert.equal(line(help), line(send), `${command} ${flag}`);
      }
    }
  });

  it('a request over TLS, signed, answered by a replier over TLS signed via RMQ_SECRET_KEY', async () => {
    const replier = startReplier(
      [
        ...ns,
        '--topic',
        TOPIC,
        '--group',
        'secure-replier',
        '--prefix',
        're: ',
        '--max-messages',
        '1',
        ...tls,
      ].concat(['--access-key', ACCOUNTS.admin.accessKey]),
      { RMQ_SECRET_KEY: ACCOUNTS.admin.secretKey },
    );
    await replier.ready;
    const answer = await rmq([
      'request',
      ...ns,
      '--topic',
      TOPIC,
      '--body',
      'hello',
      '--timeout-ms',
      '8000',
      ...tls,
      ...keys,
    ]);
    assert.deepEqual(answer, { code: 0, stdout: 're: hello\n', stderr: '' });
    const { code, stdout, stderr } = await replier.done;
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^replied correlationId=\S+ to=\S+ body=re: hello\n$/);
  });

  it('a timer message sent over TLS, signed, is recalled over TLS, signed', async () => {
    const sent = await rmq([
      'send',
      ...ns,
      '--topic',
      'SecureCliTimer',
      '--body',
      'later',
      '--deliver-after-ms',
      '60000',
      ...tls,
      ...keys,
    ]);
    assert.equal(sent.code, 0, sent.stderr);
    const m = /msgId=([0-9A-F]{32}), .*recallHandle=([A-Za-z0-9_=-]+)\]$/m.exec(sent.stdout);
    assert.ok(m, sent.stdout);
    const args = [...ns, '--topic', 'SecureCliTimer', '--handle', m[2]!];
    const unsigned = await rmq(['recall', ...args, ...tls]);
    assert.equal(unsigned.code, 1, unsigned.stdout);
    const recalled = await rmq(['recall', ...args, ...tls, ...keys]);
    assert.deepEqual(recalled, {
      code: 0,
      stdout: `Recalled: topic=SecureCliTimer, msgId=${m[1]}\n`,
      stderr: '',
    });
  });

  it('without --tls, or unsigned, each fails with one line and exit 1', async () => {
    const pending = await rmq([
      'send',
      ...ns,
      '--topic',
      'SecureCliTimer',
      '--body',
      'stays',
      '--deliver-after-ms',
      '60000',
      ...tls,
      ...keys,
    ]);
    const handle = /recallHandle=([A-Za-z0-9_=-]+)\]$/m.exec(pending.stdout)?.[1];
    assert.ok(handle !== undefined, pending.stdout + pending.stderr);
    const request = ['request', ...ns, '--topic', TOPIC, '--body', 'x', '--timeout-ms', '3000'];
    const recall = ['recall', ...ns, '--topic', 'SecureCliTimer', '--handle', handle];
    const reply = ['reply', ...ns, '--topic', TOPIC, '--group', 'secure-replier', '--max-messages', '1'];
    for (const args of [request, recall, reply]) {
      for (const [what, extra] of [
        ['plain', keys],
        ['unsigned', tls],
      ] as const) {
        const result = await rmq([...args, ...extra]);
        assert.equal(result.code, 1, `${args[0]} ${what}: ${result.stderr}`);
        assert.equal(result.stderr.trim().split('\n').length, 1, `${args[0]} ${what}: ${result.stderr}`);
        if (what === 'plain') assert.match(result.stderr, /the server may require TLS \(--tls/, `${args[0]}`);
        if (what === 'unsigned' && args !== request)
          assert.match(result.stderr, /AclException|No accessKey/, `${args[0]} ${what}`);
      }
    }
    const recalled = await rmq([...recall, ...tls, ...keys]);
    assert.equal(recalled.code, 0, 'the failed attempts left the message pending');
  });
});
