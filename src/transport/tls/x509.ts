/**
 * A small X.509 v3 certificate builder (RFC 5280) on node:crypto, for throwaway development and test
 * certificates: Node can verify certificates but not make them, and a dependency for this alone would
 * break the no-runtime-dependency rule. Keys are ECDSA P-256, signatures ecdsa-with-SHA256.
 *
 *   Certificate    ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }
 *   TBSCertificate ::= SEQUENCE { [0] EXPLICIT version (2 = v3), serialNumber INTEGER, signature AlgId,
 *                                 issuer Name, validity SEQUENCE { notBefore, notAfter }, subject Name,
 *                                 subjectPublicKeyInfo (as node:crypto exports it, 'spki' DER),
 *                                 [3] EXPLICIT extensions SEQUENCE OF Extension }
 *   Extension      ::= SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
 *   Name           ::= SEQUENCE OF SET OF SEQUENCE { type OID, value UTF8String } (CN and O here)
 */
import crypto from 'node:crypto';
import { isIP } from 'node:net';
import {
  derBitString,
  derBoolean,
  derExplicit,
  derImplicit,
  derOctetString,
  derOid,
  derSequence,
  derSet,
  derSmallInteger,
  derTime,
  derUnsignedInteger,
  derUtf8,
} from './der.js';

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

const ORGANIZATION = 'rocketmq-ts development';

/** A certificate with its key, PEM encoded, and what signing further certificates needs. */
export interface IssuedCertificate {
  /** PEM "CERTIFICATE". */
  readonly cert: string;
  /** PEM "PRIVATE KEY" (PKCS#8, unencrypted). */
  readonly key: string;
  /** Subject common name of the certificate. */
  readonly commonName: string;
  /** The key as a KeyObject (for signing further certificates). */
  readonly privateKey: crypto.KeyObject;
  readonly keyId: Buffer;
}

export interface CertificateSpec {
  commonName: string;
  /** Host names and IP addresses put in subjectAltName (what TLS clients check the server against). */
  altNames?: readonly string[];
  /** A certificate authority (may sign others) rather than an end entity. */
  isCA?: boolean;
  notBefore?: Date;
  notAfter?: Date;
  /** Signer; the certificate signs itself when absent. */
  issuer?: IssuedCertificate;
}

function name(commonName: string): Buffer {
  const rdn = (oid: string, value: string): Buffer => derSet(derSequence(derOid(oid), derUtf8(value)));
  return derSequence(rdn(OID.organization, ORGANIZATION), rdn(OID.commonName, commonName));
}

function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  return derSequence(derOid(oid), ...(critical ? [derBoolean(true)] : []), derOctetString(value));
}

/** 16 bytes of an IPv6 address ("::" expanded), 4 of an IPv4 one. */
function ipBytes(address: string): Buffer {
  if (isIP(address) === 4) return Buffer.from(address.split('.').map(Number));
  const [head = '', tail] = address.split('::');
  const groups = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

/** GeneralName: dNSName [2] IA5String, iPAddress [7] OCTET STRING. */
function altName(value: string): Buffer {
  return isIP(value) ? derImplicit(7, ipBytes(value)) : derImplicit(2, Buffer.from(value, 'ascii'));
}

/** KeyUsage bits (bit 0 = the high bit of the first byte), with DER's count of unused trailing bits. */
function keyUsage(isCA: boolean): Buffer {
  // digitalSignature (0) for every key; keyCertSign (5) and cRLSign (6) for an authority.
  return isCA ? derBitString(Buffer.from([0x86]), 1) : derBitString(Buffer.from([0x80]), 7);
}

function extensions(spec: CertificateSpec, keyId: Buffer, issuerKeyId: Buffer): Buffer {
  const isCA = spec.isCA === true;
  const list = [
    extension(OID.basicConstraints, true, derSequence(...(isCA ? [derBoolean(true)] : []))),
    extension(OID.keyUsage, true, keyUsage(isCA)),
    extension(OID.subjectKeyIdentifier, false, derOctetString(keyId)),
    extension(OID.authorityKeyIdentifier, false, derSequence(derImplicit(0, issuerKeyId))),
  ];
  if (!isCA) {
    list.push(extension(OID.extKeyUsage, false, derSequence(derOid(OID.serverAuth), derOid(OID.clientAuth))));
    const alt = spec.altNames ?? [];
    if (alt.length > 0) list.push(extension(OID.subjectAltName, false, derSequence(...alt.map(altName))));
  }
  return derExplicit(3, derSequence(...list));
}

function toPem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** Makes a fresh P-256 key and a certificate for it, signed by `spec.issuer` or by itself. */
export function createCertificate(spec: CertificateSpec): IssuedCertificate {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const keyId = crypto.createHash('sha1').update(spki).digest();
  const notBefore = spec.notBefore ?? new Date(Date.now() - 60 * 60 * 1000);
  const notAfter = spec.notAfter ?? new Date(Date.now() + 30 * 24 * 60 * 60 * 1000);
  const issuerName = spec.issuer?.commonName ?? spec.commonName;
  const signatureAlgorithm = derSequence(derOid(OID.ecdsaWithSha256));
  const serial = crypto.randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f; // positive, at most 20 octets (RFC 5280 4.1.2.2)
  const tbs = derSequence(
    derExplicit(0, derSmallInteger(2)),
    derUnsignedInteger(serial),
    signatureAlgorithm,
    name(issuerName),
    derSequence(derTime(notBefore), derTime(notAfter)),
    name(spec.commonName),
    spki,
    extensions(spec, keyId, spec.issuer?.keyId ?? keyId),
  );
  const signature = crypto.sign('sha256', tbs, spec.issuer?.privateKey ?? privateKey);
  const der = derSequence(tbs, signatureAlgorithm, derBitString(signature));
  return {
    cert: toPem('CERTIFICATE', der),
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    commonName: spec.commonName,
    privateKey,
    keyId,
  };
}

/** What `createDevelopmentCertificates` makes: an authority, and a server and a client it signed. */
export interface DevelopmentCertificates {
  /** Give its `cert` to clients (`tls.ca`) and, for mutual TLS, to servers (`tls.ca`). */
  ca: IssuedCertificate;
  /** For name servers and brokers (`tls.cert`, `tls.key`). */
  server: IssuedCertificate;
  /** For clients of servers that verify client certificates (mutual TLS). */
  client: IssuedCertificate;
}

/** Options of createDevelopmentCertificates. */
export interface DevelopmentCertificateOptions {
  /** Names and addresses the server certificate is valid for (default localhost, 127.0.0.1, ::1). */
  hosts?: readonly string[];
  /** Validity from one hour ago, days (default 30). */
  validityDays?: number;
}

/** A throwaway certificate authority with a server and a client certificate, for development and tests. */
export function createDevelopmentCertificates(
  options: DevelopmentCertificateOptions = {},
): DevelopmentCertificates {
  const days = options.validityDays ?? 30;
  if (!(days > 0) || !Number.isFinite(days)) throw new RangeError(`validityDays must be > 0, got ${days}`);
  const hosts = options.hosts ?? ['localhost', '127.0.0.1', '::1'];
  for (const host of hosts) {
    if (!isIP(host) && !/^[A-Za-z0-9*]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(host))
      throw new RangeError(`"${host}" is neither a host name nor an IP address`);
  }
  const notAfter = new Date(Date.now() + days * 24 * 60 * 60 * 1000);
  const ca = createCertificate({ commonName: 'rocketmq-ts development CA', isCA: true, notAfter });
  return {
    ca,
    server: createCertificate({ commonName: hosts[0] ?? 'localhost', altNames: hosts, issuer: ca, notAfter }),
    client: createCertificate({ commonName: 'rocketmq-ts client', issuer: ca, notAfter }),
  };
}
