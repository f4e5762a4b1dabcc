/**
 * Turns the errors node:tls reports during (or, with TLS 1.3, right after) a handshake into a
 * TlsHandshakeError that says what failed and what to change. Codes are Node's (ERR_TLS_*), OpenSSL's
 * verification results (CERT_HAS_EXPIRED ...) and OpenSSL's alerts received from the peer
 * (ERR_SSL_TLSV1_ALERT_UNKNOWN_CA ...).
 */
import { RemotingSendRequestError, TlsHandshakeError } from '../../common/errors.js';
import type { TlsFailure } from '../../common/errors.js';
import type { Socket } from 'node:net';
import { withoutClientCertificate } from './client-tls.js';

const UNKNOWN_CA = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
]);

const EXPLANATION: Record<TlsFailure, string> = {
  'unknown-ca':
    "the server's certificate is not signed by a trusted CA: give the server's CA (tls.ca / --tls-ca)",
  'hostname-mismatch':
    "the server's certificate does not name the host connected to (or tls.servername): connect by a name or IP in its subjectAltName",
  expired: "the server's certificate has expired",
  'not-yet-valid': "the server's certificate is not valid yet (check the clocks)",
  'client-certificate-required':
    'the server requires a client certificate (mutual TLS): give tls.cert and tls.key (--tls-cert / --tls-key)',
  'client-certificate-rejected':
    'the server refused our client certificate (not signed by a CA it trusts, or expired)',
  'handshake-refused':
    'the server closed the connection during the handshake: is TLS enabled there (tls mode permissive or enforcing)?',
  'not-tls': 'the server does not speak TLS on this port (its TLS mode is probably disabled)',
  protocol: 'the handshake could not agree (versions, ciphers) or was malformed',
};

function failureOf(code: string | undefined): TlsFailure | undefined {
  if (code === undefined) return undefined;
  if (UNKNOWN_CA.has(code)) return 'unknown-ca';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code === 'HOSTNAME_MISMATCH') return 'hostname-mismatch';
  if (code === 'CERT_HAS_EXPIRED') return 'expired';
  if (code === 'CERT_NOT_YET_VALID') return 'not-yet-valid';
  if (code === 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED') return 'client-certificate-required';
  if (
    /^ERR_SSL_(TLSV1|SSLV3)_ALERT_(UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_UNKNOWN|CERTIFICATE_EXPIRED)$/.test(
      code,
    )
  )
    return 'client-certificate-rejected';
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG') return 'not-tls';
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) return 'protocol';
  return undefined;
}

/**
 * The TlsHandshakeError for an error of a TLS socket; `duringHandshake` also classifies a connection
 * closed before the handshake finished ("refused"). undefined: not a TLS failure (e.g. ECONNREFUSED).
 */
export function tlsHandshakeError(
  address: string,
  error: Error,
  duringHandshake: boolean,
  socket?: Socket,
): TlsHandshakeError | undefined {
  const rawCode: unknown = (error as NodeJS.ErrnoException).code;
  const code = typeof rawCode === 'string' ? rawCode : undefined; // our own errors carry numbers
  let failure = failureOf(code);
  if (failure === undefined && duringHandshake && (code === 'ECONNRESET' || code === 'EPIPE'))
    failure = 'handshake-refused';
  if (failure === undefined) return undefined;
  // A JDK server refuses a missing certificate with bad_certificate, the alert it uses for a bad one.
  if (failure === 'client-certificate-rejected' && socket && withoutClientCertificate.has(socket))
    failure = 'client-certificate-required';
  return new TlsHandshakeError(address, failure, code, EXPLANATION[failure], error);
}

/** The close reason of a connection the peer closed (a FIN, no error). */
export const PEER_CLOSED = 'connection closed';

/** Said when a plain connection ends the way a server that wants TLS ends it. */
export const MAY_REQUIRE_TLS = 'the server may require TLS (--tls; client option tls)';

/**
 * Whether the first bytes a plain connection received start a TLS record: content type alert (0x15)
 * or handshake (0x16), then major version 3. A frame of ours starts with its 4-byte length, which
 * would be 352 MB and up there: over any frame limit.
 */
export function looksLikeTlsRecord(firstBytes: Buffer): boolean {
  return (
    firstBytes.length >= 2 && (firstBytes[0] === 0x15 || firstBytes[0] === 0x16) && firstBytes[1] === 0x03
  );
}

/** What a client's plain connection saw of its server, to tell a TLS-only server from other closes. */
export interface PlainPeerSigns {
  /** The first chunk received; undefined when the server sent nothing at all. */
  readonly firstBytes: Buffer | undefined;
}

/**
 * The error of a request failed by its connection closing. A TLS 1.3 server checks our certificate
 * after our side of the handshake ended, so its refusal (an alert) closes the connection: that is
 * reported as the TlsHandshakeError it is, not as a transient send failure. The reverse mistake, a
 * plain client of a TLS-only server (Java's enforcing mode, or ours), shows as a connection closed
 * before any answer, or as a TLS record (an alert) where a frame should be: `plain` (a client's
 * plain connection) carries what was received, and such a close says the server may require TLS.
 */
export function connectionClosedError(
  connection: { readonly remoteAddress: string; readonly socket: Socket },
  reason: string,
  cause: Error | undefined,
  plain?: PlainPeerSigns,
): Error {
  const address = connection.remoteAddress;
  const tlsError = cause && tlsHandshakeError(address, cause, false, connection.socket);
  if (tlsError) return tlsError;
  let said = reason;
  if (plain?.firstBytes === undefined) {
    // Closed by the server (not by us: a timeout, a shutdown), without a byte.
    if (plain !== undefined && (cause === undefined ? reason === PEER_CLOSED : isReset(cause)))
      said = `${reason} before any answer: ${MAY_REQUIRE_TLS}`;
  } else if (looksLikeTlsRecord(plain.firstBytes)) {
    said = `the server answered with a TLS record, not a RocketMQ frame: ${MAY_REQUIRE_TLS}`;
  }
  return new RemotingSendRequestError(address, { reason: said, cause });
}

function isReset(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}
