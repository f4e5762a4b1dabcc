/**
 * The server side of TLS (name server and broker), with Java's three modes (TlsSystemConfig
 * `tls.server.mode`, NettyRemotingServer's TlsModeHandler, 4.9.8 and 5.3.3 alike):
 *
 * - disabled:   plain only. Java closes a connection whose first byte is 0x16 (a TLS handshake record);
 *               ours reads it as a frame length of at least 0x16000000, over any frame limit, and closes.
 * - permissive: plain and TLS on one port. The first byte tells them apart: 0x16 (TLS record type
 *               "handshake", which begins every ClientHello) starts a TLS handshake, anything else is a
 *               plain RocketMQ frame (its first byte is the high byte of the frame length, 0 for any frame
 *               under 16 MiB).
 * - enforcing:  TLS only. A plain client's connection is closed without an answer, as Java closes it.
 *
 * Client certificates (Java `tls.server.need.client.auth`): `none`, `optional` (asked for; one that is
 * presented must verify against `ca`, as Netty's ClientAuth.OPTIONAL with a trust manager), `require`.
 * Java with `tls.server.authClient=false` accepts any client certificate; we always verify against `ca`.
 *
 * Until a connection is adopted by the remoting server (its first byte read, its handshake done) it is
 * bounded by `handshakeTimeoutMillis` (Netty SslHandler's default, 10 s), so a peer that connects and
 * says nothing, or stops in the middle of a handshake, cannot hold a socket for longer.
 */
import { rejectUnknownOptions, type OptionKeys } from '../../common/option-keys.js';
import type net from 'node:net';
import tls from 'node:tls';
import { IllegalArgumentError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { PemValue } from './tls-material.js';
import { pemFrom } from './tls-material.js';

/** Java's `tls.server.mode`: `disabled` (plain only), `permissive` (plain and TLS on one port), `enforcing` (TLS only). */
export type TlsMode = 'disabled' | 'permissive' | 'enforcing';
/** Client certificates (Java `tls.server.need.client.auth`): not asked, asked and verified when presented, or required. */
export type TlsClientAuth = 'none' | 'optional' | 'require';

/** TLS settings of a name server or broker: mode, certificate and key, client authentication, handshake timeout. */
export interface ServerTlsConfig {
  /** Default `permissive` (Java's default `tls.server.mode`). */
  mode?: TlsMode;
  /** Server certificate chain (PEM) and its key; or the files (Java tls.server.certPath / keyPath). */
  cert?: PemValue;
  /** File holding `cert`. */
  certPath?: string;
  /** Private key (PEM) of the server certificate. */
  key?: PemValue;
  /** File holding `key`. */
  keyPath?: string;
  /** Passphrase of an encrypted `key`. */
  passphrase?: string;
  /** CAs that sign client certificates (Java tls.server.trustCertPath); needed when clientAuth is not none. */
  ca?: PemValue | readonly PemValue[];
  /** File holding `ca`. */
  caPath?: string;
  /** Default `none`. */
  clientAuth?: TlsClientAuth;
  /** Time from accept to a finished handshake (or a first plain byte), ms (default 10000). */
  handshakeTimeoutMillis?: number;
  /** Lowest TLS version accepted (default Node's). */
  minVersion?: tls.SecureVersion;
  /** OpenSSL cipher list (default Node's). */
  ciphers?: string;
}

export interface ResolvedServerTls {
  readonly mode: 'permissive' | 'enforcing';
  readonly clientAuth: TlsClientAuth;
  readonly handshakeTimeoutMillis: number;
  readonly serverOptions: tls.TlsOptions;
}

export const DEFAULT_TLS_HANDSHAKE_TIMEOUT_MILLIS = 10_000;
const MODES = new Set(['disabled', 'permissive', 'enforcing']);
/** Every setting of ServerTlsConfig: add a line here with each new one. */
const SERVER_TLS_KEYS: OptionKeys<ServerTlsConfig> = {
  mode: true,
  cert: true,
  certPath: true,
  key: true,
  keyPath: true,
  passphrase: true,
  ca: true,
  caPath: true,
  clientAuth: true,
  handshakeTimeoutMillis: true,
  minVersion: true,
  ciphers: true,
};
const CLIENT_AUTH = new Set(['none', 'optional', 'require']);

/** Checks the option (files read, key matched to certificate); undefined when TLS is off. */
export function resolveServerTls(
  config: ServerTlsConfig | undefined,
  owner = 'option tls',
): ResolvedServerTls | undefined {
  if (config === undefined) return undefined;
  if (typeof config !== 'object' || config === null)
    throw new IllegalArgumentError(`${owner} must be an object ({ mode, cert, key, ... })`);
  rejectUnknownOptions(config, SERVER_TLS_KEYS, owner, 'setting');
  const mode = config.mode ?? 'permissive';
  if (!MODES.has(mode))
    throw new IllegalArgumentError(`${owner}: mode must be disabled, permissive or enforcing, got "${mode}"`);
  const clientAuth = config.clientAuth ?? 'none';
  if (!CLIENT_AUTH.has(clientAuth))
    throw new IllegalArgumentError(
      `${owner}: clientAuth must be none, optional or require, got "${clientAuth}"`,
    );
  const timeout = config.handshakeTimeoutMillis ?? DEFAULT_TLS_HANDSHAKE_TIMEOUT_MILLIS;
  if (!Number.isFinite(timeout) || timeout <= 0)
    throw new IllegalArgumentError(
      `${owner}: handshakeTimeoutMillis must be a positive number, got ${timeout}`,
    );
  if (mode === 'disabled') return undefined;
  const cert = pemFrom(owner, 'cert', config.cert, 'certPath', config.certPath);
  const key = pemFrom(owner, 'key', config.key, 'keyPath', config.keyPath);
  const ca = pemFrom(owner, 'ca', config.ca, 'caPath', config.caPath);
  if (cert === undefined || key === undefined)
    throw new IllegalArgumentError(`${owner}: TLS mode ${mode} needs the server's cert and key`);
  if (clientAuth !== 'none' && ca === undefined)
    throw new IllegalArgumentError(
      `${owner}: clientAuth ${clientAuth} needs ca (the CA that signs the client certificates)`,
    );
  const serverOptions: tls.TlsOptions = {
    cert,
    key,
    ...(ca !== undefined && { ca }),
    ...(config.passphrase !== undefined && { passphrase: config.passphrase }),
    ...(config.minVersion !== undefined && { minVersion: config.minVersion }),
    ...(config.ciphers !== undefined && { ciphers: config.ciphers }),
    requestCert: clientAuth !== 'none',
    rejectUnauthorized: clientAuth === 'require',
    handshakeTimeout: timeout,
  };
  try {
    tls.createSecureContext(serverOptions); // a key that does not match its certificate fails here
  } catch (error) {
    throw new IllegalArgumentError(`${owner}: ${(error as Error).message}`, { cause: error });
  }
  return Object.freeze({ mode, clientAuth, handshakeTimeoutMillis: timeout, serverOptions });
}

/** TLS record type "handshake": the first byte of every ClientHello. */
const TLS_HANDSHAKE_RECORD = 0x16;

/**
 * Sorts accepted sockets into plain and TLS, runs the handshakes (on a tls.Server that never listens:
 * it only gets the sockets handed to it) and hands ready sockets to `adopt`, paused.
 */
export class TlsAcceptor {
  private readonly pending = new Set<net.Socket>();
  private readonly tlsServer: tls.Server;

  constructor(
    private readonly settings: ResolvedServerTls,
    private readonly logger: Logger,
    private readonly adopt: (socket: net.Socket) => void,
  ) {
    this.tlsServer = tls.createServer(settings.serverOptions, (socket) => this.onSecure(socket));
    this.tlsServer.on('tlsClientError', (error, socket) => {
      this.logger.info({ remote: socket.remoteAddress, error: error.message }, 'TLS handshake failed');
      socket.destroy();
    });
  }

  /** Sockets accepted and not yet adopted (first byte or handshake outstanding). */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** True from `accept` until the socket is adopted or closed. */
  isPending(socket: net.Socket): boolean {
    return this.pending.has(socket);
  }

  accept(socket: net.Socket): void {
    this.pending.add(socket);
    const timer = setTimeout(() => {
      this.logger.info(
        { remote: socket.remoteAddress, timeoutMillis: this.settings.handshakeTimeoutMillis },
        'no first byte or TLS handshake in time, closing',
      );
      socket.destroy();
    }, this.settings.handshakeTimeoutMillis);
    timer.unref();
    const onError = (error: Error): void =>
      this.logger.debug(
        { remote: socket.remoteAddress, error: error.message },
        'connection error before adoption',
      );
    socket.on('error', onError);
    socket.once('close', () => {
      clearTimeout(timer);
      this.pending.delete(socket);
    });
    socket.once('data', (first: Buffer) => {
      socket.pause();
      socket.unshift(first); // read again by the TLS socket (it takes a socket's buffered bytes) or the framer
      if (first[0] === TLS_HANDSHAKE_RECORD) {
        this.tlsServer.emit('connection', socket); // its handshakeTimeout bounds the rest
        clearTimeout(timer);
        return;
      }
      clearTimeout(timer);
      if (this.settings.mode === 'enforcing') {
        this.logger.warn(
          { remote: socket.remoteAddress },
          'plain connection refused: the server enforces TLS',
        );
        socket.destroy();
        return;
      }
      this.pending.delete(socket);
      socket.removeListener('error', onError);
      this.adopt(socket);
    });
  }

  /** Destroys every socket not adopted yet (server shutdown). */
  close(): void {
    for (const socket of [...this.pending]) socket.destroy();
    this.pending.clear();
  }

  private onSecure(socket: tls.TLSSocket): void {
    // Optional client authentication: a certificate that is presented must verify.
    if (this.settings.clientAuth === 'optional' && !socket.authorized && hasPeerCertificate(socket)) {
      this.logger.warn(
        { remote: socket.remoteAddress, error: String(socket.authorizationError) },
        'client certificate refused',
      );
      socket.destroy();
      return;
    }
    const raw = (socket as unknown as { _parent?: net.Socket })._parent;
    if (raw !== undefined) this.pending.delete(raw);
    if (raw?.destroyed) {
      socket.destroy();
      return;
    }
    socket.pause();
    this.adopt(socket);
  }
}

function hasPeerCertificate(socket: tls.TLSSocket): boolean {
  const cert = socket.getPeerCertificate();
  return cert !== null && typeof cert === 'object' && Object.keys(cert).length > 0;
}
