/**
 * TLS of `rmq dev`: the server flags, or `--tls-self-signed`, which makes a throwaway CA with a server
 * and a client certificate (src/transport/tls/x509.ts) and writes them as PEM files to --tls-dir
 * (default: a directory under the system temp dir, next to the dev store; never $HOME), fresh on every
 * start. Clients then pass `--tls --tls-ca <dir>/ca.pem`. Keys are written readable by the owner only.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isIP } from 'node:net';
import type { EmbeddedClusterOptions } from '../server/embedded-cluster.js';
import type { ServerTlsConfig } from '../transport/tls/server-tls.js';
import { createDevelopmentCertificates } from '../transport/tls/x509.js';
import { CliError } from './cli-error.js';
import { serverTlsFromFlags, tlsModeText } from './tls-flags.js';
import { makeDirsSync } from '../common/make-dirs.js';

export const DEFAULT_DEV_TLS_DIR = path.join(os.tmpdir(), 'rocketmq-ts-dev', 'tls');

export const DEV_TLS_FLAGS = {
  'tls-self-signed': {
    type: 'boolean',
    description: 'Make a throwaway CA and certificates for localhost (TLS permissive unless --tls-mode)',
  },
  'tls-dir': {
    type: 'string',
    value: 'DIR',
    description: `Where --tls-self-signed writes its PEM files (default: ${DEFAULT_DEV_TLS_DIR})`,
  },
} as const;

type FlagValues = Record<string, string | boolean | undefined>;

/** The dev cluster's TLS, with the lines `rmq dev` prints about it. */
export interface DevTls {
  cluster: Pick<EmbeddedClusterOptions, 'tls' | 'namesrvTls'>;
  /** Path of the CA clients must trust, when self-signed. */
  caPath: string | undefined;
  clientFlags: string;
  describe: string[];
}

function writeFiles(dir: string, host: string): Record<string, string> {
  const hosts = ['localhost', '127.0.0.1', '::1'];
  if (
    !hosts.includes(host) &&
    host !== '0.0.0.0' &&
    host !== '::' &&
    (isIP(host) || /^[A-Za-z0-9.-]+$/.test(host))
  )
    hosts.push(host);
  const certs = createDevelopmentCertificates({ hosts, validityDays: 30 });
  const files: Record<string, string> = {
    'ca.pem': certs.ca.cert,
    'server.pem': certs.server.cert,
    'server-key.pem': certs.server.key,
    'client.pem': certs.client.cert,
    'client-key.pem': certs.client.key,
  };
  try {
    makeDirsSync(dir, 0o700);
    for (const [name, content] of Object.entries(files))
      fs.writeFileSync(path.join(dir, name), content, { mode: name.endsWith('key.pem') ? 0o600 : 0o644 });
  } catch (err) {
    throw new CliError(`--tls-dir: cannot write certificates to ${dir}: ${(err as Error).message}`);
  }
  return Object.fromEntries(Object.keys(files).map((name) => [name, path.join(dir, name)]));
}

/**
 * TLS settings of `rmq dev` from its flags, checked now: the returned function gives them (undefined
 * when TLS stays off), writing the self-signed certificates only then, once the command's other
 * checks and its store directory succeeded.
 */
export function devTlsFromFlags(flags: FlagValues, host: string): () => DevTls | undefined {
  if (flags['tls-self-signed'] !== true) {
    if (flags['tls-dir'] !== undefined) throw new CliError('--tls-dir goes with --tls-self-signed');
    const tls = serverTlsFromFlags(flags);
    if (tls === undefined) return () => undefined;
    // The dev broker registers with its own in-process name server over loopback: over TLS when plain
    // is refused, presenting the server's certificate should the name server ask for one. Its CA may
    // not be at hand (--tls-ca is the CA of client certificates), so that one connection is not verified.
    const namesrvTls =
      tls.mode === 'enforcing'
        ? { rejectUnauthorized: false, cert: tls.cert as Buffer, key: tls.key as Buffer }
        : undefined;
    return () => ({
      cluster: { tls, ...(namesrvTls && { namesrvTls }) },
      caPath: undefined,
      clientFlags: `--tls --tls-ca <CA of ${String(flags['tls-cert'])}>`,
      describe: [`TLS          ${tlsModeText(tls.mode ?? 'permissive', tls.clientAuth === 'require')}`],
    });
  }
  if (flags['tls-cert'] !== undefined || flags['tls-key'] !== undefined || flags['tls-ca'] !== undefined)
    throw new CliError(
      '--tls-self-signed makes its own certificates: drop --tls-cert, --tls-key and --tls-ca',
    );
  const mode = (flags['tls-mode'] as ServerTlsConfig['mode'] | undefined) ?? 'permissive';
  if (!['permissive', 'enforcing'].includes(mode))
    throw new CliError(`--tls-self-signed needs --tls-mode permissive or enforcing, got "${mode}"`);
  const dir = path.resolve((flags['tls-dir'] as string | undefined) ?? DEFAULT_DEV_TLS_DIR);
  const clientAuth = flags['tls-client-auth'] === true;
  return () => selfSignedTls(writeFiles(dir, host), mode, clientAuth);
}

/** The self-signed setup of the certificates writeFiles wrote. */
function selfSignedTls(
  files: Record<string, string>,
  mode: NonNullable<ServerTlsConfig['mode']>,
  clientAuth: boolean,
): DevTls {
  const read = (name: string): Buffer => fs.readFileSync(files[name]!);
  const tls: ServerTlsConfig = {
    mode,
    cert: read('server.pem'),
    key: read('server-key.pem'),
    ...(clientAuth && { ca: read('ca.pem'), clientAuth: 'require' as const }),
  };
  const caPath = files['ca.pem']!;
  const clientCert = clientAuth
    ? ` --tls-cert ${files['client.pem']} --tls-key ${files['client-key.pem']}`
    : '';
  return {
    cluster: {
      tls,
      namesrvTls: { ca: read('ca.pem'), cert: read('client.pem'), key: read('client-key.pem') },
    },
    caPath,
    clientFlags: `--tls --tls-ca ${caPath}${clientCert}`,
    describe: [
      `TLS          ${tlsModeText(mode, clientAuth)}`,
      `certificates self-signed, throwaway, valid 30 days`,
      `CA           ${caPath}   (clients: --tls --tls-ca ${caPath})`,
      ...(clientAuth ? [`client cert  ${files['client.pem']} and ${files['client-key.pem']}`] : []),
    ],
  };
}
