/**
 * TLS flags of the CLI, in one place so every command reads, validates and documents them alike.
 *
 * Servers (`rmq namesrv`, `rmq broker`, `rmq dev`): --tls-mode disabled|permissive|enforcing,
 * --tls-cert FILE, --tls-key FILE, [--tls-ca FILE --tls-client-auth]. A certificate without --tls-mode
 * means permissive (Java's default tls.server.mode). Clients (`rmq send`, `rmq consume`, the admin
 * commands): --tls [--tls-ca FILE --tls-cert FILE --tls-key FILE --tls-insecure]; any of the --tls-*
 * flags implies --tls. Files are read here, so a missing one is a one-line error naming its flag.
 */
import fs from 'node:fs';
import { RocketMQError } from '../common/errors.js';
import { resolveClientTls } from '../transport/tls/client-tls.js';
import type { ClientTlsConfig } from '../transport/tls/client-tls.js';
import { resolveServerTls } from '../transport/tls/server-tls.js';
import type { ServerTlsConfig, TlsMode } from '../transport/tls/server-tls.js';
import { CliError } from './cli-error.js';

export const SERVER_TLS_FLAGS = {
  'tls-mode': {
    type: 'string',
    value: 'MODE',
    description: 'TLS: disabled, permissive (plain and TLS on one port) or enforcing (TLS only)',
  },
  'tls-cert': { type: 'string', value: 'FILE', description: 'Server certificate chain (PEM)' },
  'tls-key': { type: 'string', value: 'FILE', description: 'Private key of --tls-cert (PEM)' },
  'tls-ca': { type: 'string', value: 'FILE', description: 'CA certificates that sign client certificates' },
  'tls-client-auth': {
    type: 'boolean',
    description:
      'TLS clients must present a certificate signed by --tls-ca (mutual TLS); permissive mode still accepts plain clients (--tls-mode enforcing refuses them)',
  },
} as const;

export const CLIENT_TLS_FLAGS = {
  tls: { type: 'boolean', description: 'Connect to name servers and brokers over TLS' },
  'tls-ca': {
    type: 'string',
    value: 'FILE',
    description: "CA certificates that sign the servers' certificates",
  },
  'tls-cert': { type: 'string', value: 'FILE', description: 'Client certificate (PEM), for mutual TLS' },
  'tls-key': { type: 'string', value: 'FILE', description: 'Private key of --tls-cert (PEM)' },
  'tls-insecure': {
    type: 'boolean',
    description: "Do not verify the servers' certificates (development only)",
  },
} as const;

type FlagValues = Record<string, string | boolean | undefined>;

export function readPemFlag(flag: string, file: string | undefined): Buffer | undefined {
  if (file === undefined) return undefined;
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new CliError(
      `--${flag}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

function checked<T>(what: string, resolve: () => T): T {
  try {
    return resolve();
  } catch (err) {
    if (err instanceof RocketMQError) throw new CliError(err.message.replace(/^option tls/, what));
    throw err;
  }
}

/** The server TLS settings of the flags; undefined when TLS stays disabled. */
export function serverTlsFromFlags(flags: FlagValues): ServerTlsConfig | undefined {
  const modeFlag = flags['tls-mode'];
  if (modeFlag !== undefined && !['disabled', 'permissive', 'enforcing'].includes(String(modeFlag)))
    throw new CliError(`--tls-mode must be disabled, permissive or enforcing, got "${String(modeFlag)}"`);
  const certFile = flags['tls-cert'] as string | undefined;
  const keyFile = flags['tls-key'] as string | undefined;
  const mode = (modeFlag ?? (certFile !== undefined ? 'permissive' : 'disabled')) as TlsMode;
  if (mode === 'disabled') {
    if (flags['tls-client-auth'] === true)
      throw new CliError('--tls-client-auth needs a TLS mode (--tls-mode)');
    return undefined;
  }
  if (certFile === undefined || keyFile === undefined)
    throw new CliError(
      `--tls-mode ${mode} needs --tls-cert and --tls-key (or try rmq dev --tls-self-signed)`,
    );
  if (flags['tls-client-auth'] === true && flags['tls-ca'] === undefined)
    throw new CliError('--tls-client-auth needs --tls-ca (the CA that signs the client certificates)');
  const ca = readPemFlag('tls-ca', flags['tls-ca'] as string | undefined);
  const config: ServerTlsConfig = {
    mode,
    cert: readPemFlag('tls-cert', certFile) as Buffer,
    key: readPemFlag('tls-key', keyFile) as Buffer,
    ...(ca !== undefined && { ca }),
    clientAuth: flags['tls-client-auth'] === true ? 'require' : 'none',
  };
  checked('TLS flags', () => resolveServerTls(config));
  return config;
}

/** The client TLS settings of the flags; undefined for plain TCP. */
export function clientTlsFromFlags(flags: FlagValues): ClientTlsConfig | undefined {
  const named = ['tls-ca', 'tls-cert', 'tls-key', 'tls-insecure'].filter(
    (f) => flags[f] !== undefined && flags[f] !== false,
  );
  if (flags.tls !== true && named.length === 0) return undefined;
  if (flags['tls-insecure'] === true && flags['tls-ca'] !== undefined)
    throw new CliError('give --tls-ca or --tls-insecure, not both');
  const ca = readPemFlag('tls-ca', flags['tls-ca'] as string | undefined);
  const cert = readPemFlag('tls-cert', flags['tls-cert'] as string | undefined);
  const key = readPemFlag('tls-key', flags['tls-key'] as string | undefined);
  if ((cert === undefined) !== (key === undefined))
    throw new CliError('--tls-cert and --tls-key go together');
  const config: ClientTlsConfig = {
    ...(ca !== undefined && { ca }),
    ...(cert !== undefined && { cert }),
    ...(key !== undefined && { key }),
    ...(flags['tls-insecure'] === true && { rejectUnauthorized: false }),
  };
  checked('TLS flags', () => resolveClientTls(config));
  return config;
}

/** `{ tls }` to spread into options, or nothing (options are exact: no `tls: undefined`). */
export function withTls<T>(tls: T | undefined): { tls: T } | Record<string, never> {
  return tls === undefined ? {} : { tls };
}

/**
 * What a server's TLS mode lets in, for its ready line: "permissive" alone read as "TLS with client
 * certificates required" although plain clients are served too (as by Java's permissive servers).
 */
export function tlsModeText(mode: string, clientAuth: boolean): string {
  if (mode !== 'permissive') return `${mode}${clientAuth ? ', client certificates required' : ''}`;
  return `permissive${clientAuth ? ', client certificates required over TLS' : ''} (plain clients accepted too; --tls-mode enforcing refuses them)`;
}

/** ", TLS <what the mode lets in>" for a server's ready line ("" when disabled). */
export function tlsNote(flags: FlagValues): string {
  const mode = flags['tls-mode'] ?? (flags['tls-cert'] !== undefined ? 'permissive' : 'disabled');
  if (mode === 'disabled') return '';
  return `, TLS ${tlsModeText(String(mode), flags['tls-client-auth'] === true)}`;
}

/**
 * The broker's TLS towards the name servers (`rmq broker --namesrv-tls`): their certificates checked
 * against --tls-ca, and --tls-cert / --tls-key presented when a name server asks for a client certificate.
 */
export function brokerNamesrvTls(flags: FlagValues): ClientTlsConfig {
  const ca = readPemFlag('tls-ca', flags['tls-ca'] as string | undefined);
  const cert = readPemFlag('tls-cert', flags['tls-cert'] as string | undefined);
  const key = readPemFlag('tls-key', flags['tls-key'] as string | undefined);
  return {
    ...(ca !== undefined && { ca }),
    ...(cert !== undefined && key !== undefined && { cert, key }),
  };
}
