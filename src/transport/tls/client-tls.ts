/**
 * The client side of TLS: the `tls` option of producers, consumers, client instances and admin
 * commands, resolved once (files read, key and certificate checked) into a socket factory that opens
 * every connection of the client, to name servers and brokers alike, with node:tls. That is what a
 * Java client with `tls.enable=true` does (NettyRemotingClient prepends an SslHandler to every channel).
 *
 * Unlike Java's default (`tls.test.mode.enable=true`, which trusts any server certificate), the server's
 * certificate is verified unless `rejectUnauthorized: false`: against `ca` when given, else Node's
 * bundled CAs, and against the host (IP addresses: the certificate's IP SANs; names: its DNS names, and
 * the name is sent as SNI). `servername` replaces the host for both.
 */
import { rejectUnknownOptions, type OptionKeys } from '../../common/option-keys.js';
import net, { isIP } from 'node:net';
import tls from 'node:tls';
import { IllegalArgumentError } from '../../common/errors.js';
import type { PemValue } from './tls-material.js';
import { pemFrom } from './tls-material.js';

/** TLS settings of a client: trusted CAs, client certificate and key, server name, verification. */
export interface ClientTlsConfig {
  /** CA certificates (PEM) that may sign the server's certificate; default: Node's bundled CAs. */
  ca?: PemValue | readonly PemValue[];
  /** File holding `ca` (Java tls.client.trustCertPath). */
  caPath?: string;
  /** Client certificate chain (PEM), for servers that verify clients (mutual TLS). */
  cert?: PemValue;
  /** File holding `cert` (Java tls.client.certPath). */
  certPath?: string;
  /** Private key of `cert` (PEM). */
  key?: PemValue;
  /** File holding `key` (Java tls.client.keyPath). */
  keyPath?: string;
  /** Passphrase of an encrypted `key` (Java tls.client.keyPassword). */
  passphrase?: string;
  /** Name to send as SNI and to check the certificate against, instead of the address's host. */
  servername?: string;
  /** Verify the server's certificate (default true). false accepts any server: development only. */
  rejectUnauthorized?: boolean;
  /** Lowest TLS version offered (default Node's). */
  minVersion?: tls.SecureVersion;
  /** Highest TLS version offered (default Node's). */
  maxVersion?: tls.SecureVersion;
  /** OpenSSL cipher list (default Node's). */
  ciphers?: string;
}

/** `true`: TLS with the defaults (Node's CAs, verification on). */
export type ClientTlsOption = boolean | ClientTlsConfig;

/** A validated client TLS setting. */
export interface ResolvedClientTls {
  readonly secureContext: tls.SecureContext;
  /** A client certificate is configured (tells "refused" from "required" when a server objects). */
  readonly hasClientCertificate: boolean;
  readonly servername: string | undefined;
  readonly rejectUnauthorized: boolean;
}

const VERSIONS = new Set(['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']);
/** Every setting of ClientTlsConfig: add a line here with each new one (CONTRIBUTING: options). */
const CLIENT_TLS_KEYS: OptionKeys<ClientTlsConfig> = {
  ca: true,
  caPath: true,
  cert: true,
  certPath: true,
  key: true,
  keyPath: true,
  passphrase: true,
  servername: true,
  rejectUnauthorized: true,
  minVersion: true,
  maxVersion: true,
  ciphers: true,
};

/** Checks the option and builds its secure context; undefined when TLS is off (false / undefined). */
export function resolveClientTls(
  option: ClientTlsOption | ResolvedClientTls | undefined,
  owner = 'option tls',
): ResolvedClientTls | undefined {
  if (option === undefined || option === false) return undefined;
  if (isResolved(option)) return option;
  if (option !== true && (typeof option !== 'object' || option === null))
    throw new IllegalArgumentError(`${owner} must be true, false or an object of TLS settings`);
  const config: ClientTlsConfig = option === true ? {} : option;
  rejectUnknownOptions(config, CLIENT_TLS_KEYS, owner, 'setting');
  const ca = pemFrom(owner, 'ca', config.ca, 'caPath', config.caPath);
  const cert = pemFrom(owner, 'cert', config.cert, 'certPath', config.certPath);
  const key = pemFrom(owner, 'key', config.key, 'keyPath', config.keyPath);
  if ((cert === undefined) !== (key === undefined))
    throw new IllegalArgumentError(`${owner}: a client certificate needs its key and a key its certificate`);
  for (const v of ['minVersion', 'maxVersion'] as const) {
    const value = config[v];
    if (value !== undefined && !VERSIONS.has(value))
      throw new IllegalArgumentError(`${owner}: ${v} must be one of ${[...VERSIONS].join(', ')}`);
  }
  const servername = config.servername;
  if (servername !== undefined && (typeof servername !== 'string' || servername === '' || isIP(servername)))
    throw new IllegalArgumentError(`${owner}: servername must be a host name (not an IP address)`);
  const reject = config.rejectUnauthorized ?? true;
  if (typeof reject !== 'boolean')
    throw new IllegalArgumentError(`${owner}: rejectUnauthorized must be a boolean`);
  let secureContext: tls.SecureContext;
  try {
    secureContext = tls.createSecureContext({
      ...(ca !== undefined && { ca }),
      ...(cert !== undefined && { cert }),
      ...(key !== undefined && { key }),
      ...(config.passphrase !== undefined && { passphrase: config.passphrase }),
      ...(config.minVersion !== undefined && { minVersion: config.minVersion }),
      ...(config.maxVersion !== undefined && { maxVersion: config.maxVersion }),
      ...(config.ciphers !== undefined && { ciphers: config.ciphers }),
    });
  } catch (error) {
    throw new IllegalArgumentError(`${owner}: ${(error as Error).message}`, { cause: error });
  }
  return Object.freeze({
    secureContext,
    hasClientCertificate: cert !== undefined,
    servername,
    rejectUnauthorized: reject,
  });
}

function isResolved(option: object | true): option is ResolvedClientTls {
  return typeof option === 'object' && 'secureContext' in option && Object.isFrozen(option);
}

/** TLS sockets opened without a client certificate (read by tls-errors.ts). */
export const withoutClientCertificate = new WeakSet<net.Socket>();

/** Opens a TLS connection to host:port; SNI only for host names (RFC 6066 forbids IP addresses). */
export function tlsSocketFactory(settings: ResolvedClientTls): (host: string, port: number) => tls.TLSSocket {
  return (host, port) => {
    const servername = settings.servername ?? (isIP(host) ? undefined : host);
    const socket = tls.connect({
      host,
      port,
      secureContext: settings.secureContext,
      rejectUnauthorized: settings.rejectUnauthorized,
      ...(servername !== undefined && { servername }),
    });
    if (!settings.hasClientCertificate) withoutClientCertificate.add(socket);
    return socket;
  };
}

/** Creates the (connecting) socket for an address: plain TCP, TLS, a proxy or a test double. */
export type SocketFactory = (host: string, port: number) => net.Socket;

/** The factory of a remoting client: the one given, else TLS when `tls` is on, else plain TCP. */
export function socketFactoryOf(
  given: SocketFactory | undefined,
  tlsOption: ClientTlsOption | ResolvedClientTls | undefined,
): SocketFactory {
  const settings = resolveClientTls(tlsOption);
  if (given !== undefined && settings !== undefined)
    throw new IllegalArgumentError('give either socketFactory or tls to a remoting client, not both');
  if (settings !== undefined) return tlsSocketFactory(settings);
  return given ?? ((host, port) => net.connect({ host, port }));
}
