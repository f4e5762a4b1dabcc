/**
 * The development certificate builder (src/transport/tls/x509.ts, der.ts), checked by an independent
 * parser (node:crypto's X509Certificate, i.e. OpenSSL): names, SANs (IPv4, IPv6, DNS), CA flag, validity,
 * signatures and issuance; DER corner cases (long lengths, OID arcs, INTEGER sign padding, times after
 * 2049); and the table that turns node:tls error codes into TLS failures.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { RemotingSendRequestError, TlsHandshakeError } from '../../src/common/errors.js';
import { derOid, derTime, derUnsignedInteger, derValue } from '../../src/transport/tls/der.js';
import { tlsHandshakeError } from '../../src/transport/tls/tls-errors.js';
import { connectionClosedError } from '../../src/transport/tls/tls-errors.js';
import { createCertificate, createDevelopmentCertificates } from '../../src/transport/tls/x509.js';

describe('DER', () => {
  it('lengths: short form below 128, then 0x81 / 0x82 / 0x83 with big-endian bytes', () => {
    assert.deepEqual([...derValue(4, Buffer.alloc(127)).subarray(0, 2)], [4, 127]);
    assert.deepEqual([...derValue(4, Buffer.alloc(128)).subarray(0, 3)], [4, 0x81, 128]);
    assert.deepEqual([...derValue(4, Buffer.alloc(300)).subarray(0, 4)], [4, 0x82, 1, 44]);
    assert.deepEqual([...derValue(4, Buffer.alloc(70000)).subarray(0, 5)], [4, 0x83, 1, 0x11, 0x70]);
  });

  it('OIDs, INTEGER sign padding and times', () => {
    // 1.2.840.10045.4.3.2 (ecdsa-with-SHA256), as every X.509 tool encodes it
    assert.equal(derOid('1.2.840.10045.4.3.2').toString('hex'), '06082a8648ce3d040302');
    assert.equal(derUnsignedInteger(Buffer.from([0x80])).toString('hex'), '02020080');
    assert.equal(derUnsignedInteger(Buffer.from([0, 0, 0x7f])).toString('hex'), '02017f');
    assert.equal(derTime(new Date('2026-12-02T11:38:40Z')).toString('ascii', 2), '261202113840Z');
    assert.equal(derTime(new Date('2051-01-02T03:04:05Z'))[0], 0x18); // GeneralizedTime from 2050
    assert.equal(derTime(new Date('2051-01-02T03:04:05Z')).toString('ascii', 2), '20510102030405Z');
  });
});

describe('development certificates', () => {
  const certs = createDevelopmentCertificates({ hosts: ['localhost', '127.0.0.1', '::1', 'fe80::1:2'] });
  const ca = new crypto.X509Certificate(certs.ca.cert);
  const server = new crypto.X509Certificate(certs.server.cert);
  const client = new crypto.X509Certificate(certs.client.cert);

  it('a CA that signed the server and client certificates', () => {
    assert.equal(ca.ca, true);
    assert.equal(server.ca, false);
    assert.ok(server.verify(ca.publicKey) && client.verify(ca.publicKey) && ca.verify(ca.publicKey));
    assert.ok(server.checkIssued(ca) && client.checkIssued(ca));
    assert.ok(!server.verify(new crypto.X509Certificate(createDevelopmentCertificates().ca.cert).publicKey));
  });

  it('names the hosts in subjectAltName (IPv6 expanded) and checks them', () => {
    assert.equal(
      server.subjectAltName,
      'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:FE80:0:0:0:0:0:1:2',
    );
    assert.equal(server.checkHost('localhost'), 'localhost');
    assert.equal(server.checkIP('::1'), '::1');
    assert.equal(server.checkIP('10.0.0.1'), undefined);
    assert.match(server.subject, /CN=localhost/);
  });

  it('validity from an hour ago for validityDays; the key matches the certificate', () => {
    const days = (Date.parse(server.validTo) - Date.parse(server.validFrom)) / 86_400_000;
    assert.ok(days > 30 && days < 30.1, String(days));
    assert.ok(server.checkPrivateKey(crypto.createPrivateKey(certs.server.key)));
    const old = createCertificate({ commonName: 'x', notAfter: new Date('2000-01-01T00:00:00Z') });
    assert.equal(
      Date.parse(new crypto.X509Certificate(old.cert).validTo),
      Date.parse('2000-01-01T00:00:00Z'),
    );
  });

  it('refuses hosts that are neither names nor addresses, and no validity', () => {
    assert.throws(() => createDevelopmentCertificates({ hosts: ['bad host'] }), /neither a host name/);
    assert.throws(() => createDevelopmentCertificates({ validityDays: 0 }), /validityDays/);
  });
});

describe('TLS failures from node:tls codes', () => {
  const cases: [string, string | undefined][] = [
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unknown-ca'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'unknown-ca'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'unknown-ca'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'hostname-mismatch'],
    ['CERT_HAS_EXPIRED', 'expired'],
    ['CERT_NOT_YET_VALID', 'not-yet-valid'],
    ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'client-certificate-required'],
    ['ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'client-certificate-rejected'],
    ['ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN', 'client-certificate-rejected'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'not-tls'],
    ['ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', 'protocol'],
    ['ECONNREFUSED', undefined],
  ];
  for (const [code, failure] of cases) {
    it(`${code} -> ${failure ?? 'not a TLS failure'}`, () => {
      const error = Object.assign(new Error(code), { code });
      const typed = tlsHandshakeError('127.0.0.1:1', error, false);
      assert.equal(typed?.failure, failure);
      if (typed) {
        assert.ok(typed instanceof TlsHandshakeError);
        assert.equal(typed.cause, error);
        assert.equal(typed.tlsCode, code);
      }
    });
  }

  it('a reset is "handshake-refused" only during the handshake; later it is an ordinary closed connection', () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    assert.equal(tlsHandshakeError('a:1', reset, true)?.failure, 'handshake-refused');
    assert.equal(tlsHandshakeError('a:1', reset, false), undefined);
    const closed = connectionClosedError(
      { remoteAddress: 'a:1', socket: undefined as never },
      'closed',
      reset,
    );
    assert.ok(closed instanceof RemotingSendRequestError);
    assert.equal(tlsHandshakeError('a:1', Object.assign(new Error('x'), { code: -1 }), true), undefined);
  });
});
