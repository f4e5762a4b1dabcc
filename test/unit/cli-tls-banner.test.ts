/**
 * What the servers' ready lines and `--help` say about a TLS mode: permissive serves plain clients too
 * (as Java's does), with --tls-client-auth as well; only enforcing refuses them. The banner used to say
 * "TLS permissive, client certificates required", and a plain `rmq send` still got SEND_OK.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { devTlsFromFlags } from '../../src/cli/dev-tls.js';
import { tlsNote } from '../../src/cli/tls-flags.js';
import { rmq } from '../helpers/cli.js';

const PLAIN_TOO = /plain clients accepted too; --tls-mode enforcing refuses them/;

describe('TLS mode wording of the servers', () => {
  it('ready lines: permissive says plain clients are accepted, enforcing does not', () => {
    const cert = { 'tls-cert': 's.pem', 'tls-key': 'k.pem' };
    assert.match(tlsNote({ ...cert }), PLAIN_TOO);
    const mutual = tlsNote({ ...cert, 'tls-ca': 'ca.pem', 'tls-client-auth': true });
    assert.match(
      mutual,
      /^, TLS permissive, client certificates required over TLS \(plain clients accepted too/,
    );
    assert.equal(
      tlsNote({ ...cert, 'tls-mode': 'enforcing', 'tls-client-auth': true }),
      ', TLS enforcing, client certificates required',
    );
    assert.equal(tlsNote({ ...cert, 'tls-mode': 'enforcing' }), ', TLS enforcing');
    assert.equal(tlsNote({}), '');
  });

  it('rmq dev --tls-self-signed --tls-client-auth: the banner says plain clients still get in', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rmq-tls-banner-'));
    try {
      const permissive = devTlsFromFlags(
        { 'tls-self-signed': true, 'tls-client-auth': true, 'tls-dir': dir },
        '127.0.0.1',
      )();
      const line = permissive?.describe.find((l) => l.startsWith('TLS '));
      assert.match(
        line ?? '',
        /^TLS {10}permissive, client certificates required over TLS \(plain clients accepted too/,
      );
      const enforcing = devTlsFromFlags(
        { 'tls-self-signed': true, 'tls-client-auth': true, 'tls-mode': 'enforcing', 'tls-dir': dir },
        '127.0.0.1',
      )();
      assert.equal(
        enforcing?.describe.find((l) => l.startsWith('TLS ')),
        'TLS          enforcing, client certificates required',
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--help of the servers says what --tls-client-auth leaves open', async () => {
    for (const command of ['dev', 'broker', 'namesrv']) {
      const help = (await rmq([command, '--help'])).stdout;
      const line = help.split('\n').find((l) => l.trimStart().startsWith('--tls-client-auth')) ?? '';
      assert.match(
        line,
        /permissive mode still accepts plain clients \(--tls-mode enforcing refuses them\)/,
        command,
      );
    }
  });
});
