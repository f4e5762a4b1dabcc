/**
 * TLS on the remoting transport: the server's three modes (plain and TLS on one port when permissive,
 * plain refused when enforcing, a TLS client refused when disabled), mutual TLS (required and
 * optional), typed certificate errors on the client (unknown CA, host name mismatch, expired, server
 * refusing our certificate), IPv6 and host names, the handshake timeout, and option validation.
 * Certificates are made here with the builder in src/transport/tls/x509.ts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { IllegalArgumentError, RemotingError, TlsHandshakeError } from '../../src/common/errors.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import { RemotingClient, RemotingServer } from '../../src/transport/index.js';
import type { ClientTlsOption } from '../../src/transport/tls/client-tls.js';
import type { ServerTlsConfig } from '../../src/transport/tls/server-tls.js';
import { createCertificate, createDevelopmentCertificates } from '../../src/transport/tls/x509.js';
import { ECHO, startEchoServer } from './transport-helpers.js';

const certs = createDevelopmentCertificates();
const otherCerts = createDevelopmentCertificates();
const servers: RemotingServer[] = [];
const clients: RemotingClient[] = [];

async function server(tls: ServerTlsConfig | undefined, host = '127.0.0.1'): Promise<RemotingServer> {
  const s = await startEchoServer({ host, tls });
  servers.push(s);
  return s;
}

function serverTls(extra: Partial<ServerTlsConfig> = {}): ServerTlsConfig {
  return { mode: 'permissive', cert: certs.server.cert, key: certs.server.key, ...extra };
}

async function echo(addr: string, tls: ClientTlsOption | undefined): Promise<string> {
  const client = new RemotingClient({ tls, connectTimeoutMillis: 2000 });
  clients.push(client);
  const response = await client.invokeSync(addr, createRequest(ECHO, { body: Buffer.from('ping') }), 2000);
  return response.body?.toString() ?? '';
}

async function tlsFailure(addr: string, tls: ClientTlsOption): Promise<TlsHandshakeError> {
  const error = await echo(addr, tls).then(
    () => assert.fail('expected a TLS handshake error'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof TlsHandshakeError, `not a TlsHandshakeError: ${String(error)}`);
  assert.equal(error.code, 10100);
  assert.equal(error.retriable, false);
  return error;
}

const trusted = { ca: certs.ca.cert };

after(async () => {
  await Promise.all(clients.map((c) => c.shutdown()));
  await Promise.all(servers.map((s) => s.shutdown({ graceMillis: 100 })));
});

describe('server TLS modes', () => {
  let permissive: RemotingServer;
  let enforcing: RemotingServer;
  let disabled: RemotingServer;
  before(async () => {
    [permissive, enforcing, disabled] = await Promise.all([
      server(serverTls()),
      server(serverTls({ mode: 'enforcing' })),
      server(undefined),
    ]);
  });

  it('permissive serves plain and TLS clients on one port', async () => {
    assert.equal(await echo(permissive.address, undefined), 'ping');
    assert.equal(await echo(permissive.address, trusted), 'ping');
    assert.equal(
      await echo(permissive.address, { ...trusted, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' }),
      'ping',
    );
  });

  it('enforcing closes a plain connection without an answer and serves TLS', async () => {
    const error = await echo(enforcing.address, undefined).catch((e: unknown) => e);
    assert.ok(error instanceof RemotingError, String(error));
    assert.match(error.message, /closed|reset/);
    assert.equal(await echo(enforcing.address, trusted), 'ping');
  });

  it('disabled refuses a TLS client: typed handshake-refused', async () => {
    const error = await tlsFailure(disabled.address, trusted);
    assert.equal(error.failure, 'handshake-refused');
    assert.match(error.message, /is TLS enabled there/);
    assert.equal(await echo(disabled.address, undefined), 'ping');
  });

  it('a TLS client of a plain (non-TLS) peer fails typed, not as a transient error', async () => {
    const plain = net.createServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    const port = (plain.address() as net.AddressInfo).port;
    try {
      const error = await tlsFailure(`127.0.0.1:${port}`, trusted);
      assert.ok(['not-tls', 'protocol', 'handshake-refused'].includes(error.failure), error.failure);
    } finally {
      plain.close();
    }
  });
});

describe('certificate errors are typed', () => {
  let s: RemotingServer;
  before(async () => {
    s = await server(serverTls({ mode: 'enforcing' }));
  });

  it('unknown CA', async () => {
    const error = await tlsFailure(s.address, { ca: otherCerts.ca.cert });
    assert.equal(error.failure, 'unknown-ca');
    assert.match(error.message, /--tls-ca/);
    // Node's bundled CAs do not know our development CA either.
    assert.equal((await tlsFailure(s.address, true)).failure, 'unknown-ca');
  });

  it('host name mismatch (servername)', async () => {
    const error = await tlsFailure(s.address, { ...trusted, servername: 'broker.example.com' });
    assert.equal(error.failure, 'hostname-mismatch');
  });

  it('expired server certificate', async () => {
    const day = 24 * 60 * 60 * 1000;
    const old = createCertificate({
      commonName: 'old',
      altNames: ['127.0.0.1'],
      issuer: certs.ca,
      notBefore: new Date(Date.now() - 10 * day),
      notAfter: new Date(Date.now() - day),
    });
    const expired = await server({ mode: 'enforcing', cert: old.cert, key: old.key });
    assert.equal((await tlsFailure(expired.address, trusted)).failure, 'expired');
  });

  it('rejectUnauthorized false accepts any server certificate (development)', async () => {
    assert.equal(await echo(s.address, { rejectUnauthorized: false }), 'ping');
  });
});

describe('mutual TLS', () => {
  const client = { ...trusted, cert: certs.client.cert, key: certs.client.key };
  const stranger = { ...trusted, cert: otherCerts.client.cert, key: otherCerts.client.key };

  it('require: a client without a certificate is refused, typed; with one it is served', async () => {
    const s = await server(serverTls({ mode: 'enforcing', clientAuth: 'require', ca: certs.ca.cert }));
    assert.equal((await tlsFailure(s.address, trusted)).failure, 'client-certificate-required');
    // Node (our server) checks a presented certificate after the handshake and closes without an
    // alert, so the client sees its connection closed (a Java server sends an alert: typed then).
    const refused = await echo(s.address, stranger).catch((e: unknown) => e);
    assert.ok(refused instanceof RemotingError, String(refused));
    assert.equal(await echo(s.address, client), 'ping');
  });

  it('optional: served without a certificate, refused with one that does not verify', async () => {
    const s = await server(serverTls({ clientAuth: 'optional', ca: certs.ca.cert }));
    assert.equal(await echo(s.address, trusted), 'ping');
    assert.equal(await echo(s.address, client), 'ping');
    const error = await echo(s.address, stranger).catch((e: unknown) => e);
    assert.ok(error instanceof RemotingError, String(error));
  });
});

describe('addresses', () => {
  it('[::1] with the IP address checked against the certificate', async (t) => {
    const s = await server(serverTls({ mode: 'enforcing' }), '::1').catch(() => undefined);
    if (s === undefined) return t.skip('no IPv6 loopback here');
    assert.equal(s.address, `[::1]:${s.port}`);
    assert.equal(await echo(s.address, trusted), 'ping');
  });

  it('a host name is sent as SNI and checked', async () => {
    const s = await server(serverTls({ mode: 'enforcing' }));
    assert.equal(await echo(`localhost:${s.port}`, trusted), 'ping');
  });
});

describe('handshake bounds', () => {
  it('a silent connection and a stalled handshake are closed after handshakeTimeoutMillis', async () => {
    const s = await server(serverTls({ handshakeTimeoutMillis: 150 }));
    const closedWithin = async (first: Buffer | undefined): Promise<void> => {
      const socket = net.connect(s.port, '127.0.0.1');
      socket.on('error', () => undefined);
      if (first) socket.write(first);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('connection still open after 3 s')), 3000);
        socket.once('close', () => (clearTimeout(timer), resolve()));
      });
    };
    await closedWithin(undefined);
    await closedWithin(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x40, 0x01])); // a ClientHello begun
    assert.equal(await echo(s.address, trusted), 'ping');
  });
});

describe('option validation', () => {
  it('client options', () => {
    assert.throws(() => new RemotingClient({ tls: { cert: certs.client.cert } }), /needs its key/);
    assert.throws(() => new RemotingClient({ tls: { caPath: '/nonexistent/ca.pem' } }), /cannot read caPath/);
    assert.throws(() => new RemotingClient({ tls: { ca: 'not a pem' } }), /not PEM/);
    assert.throws(() => new RemotingClient({ tls: { servername: '10.0.0.1' } }), /host name/);
    assert.throws(
      () => new RemotingClient({ tls: { cert: certs.client.cert, key: otherCerts.client.key } }),
      IllegalArgumentError,
    );
    assert.throws(() => new RemotingClient({ tls: { bogus: 1 } as never }), /unknown setting "bogus"/);
  });

  it('server options', () => {
    const bad = (tls: ServerTlsConfig, pattern: RegExp): void =>
      assert.throws(() => new RemotingServer({ tls }), pattern);
    bad({ mode: 'enforcing' }, /needs the server's cert and key/);
    bad({ mode: 'strict' as never, cert: certs.server.cert, key: certs.server.key }, /mode must be/);
    bad(serverTls({ clientAuth: 'require' }), /needs ca/);
    bad(serverTls({ key: otherCerts.server.key }), IllegalArgumentError as never);
    bad(serverTls({ handshakeTimeoutMillis: 0 }), /handshakeTimeoutMillis/);
  });
});
