/**
 * Child process of bench/producer.bench.ts: runs an embedded name server + broker and prints
 * `NAMESRV <host:port>` once ready. Stops (removing its store) when stdin closes or on SIGTERM/SIGINT.
 * With a second argument `tls`: TLS permissive with a throwaway CA, printed as `CA <base64 PEM>`.
 */
import { startEmbeddedCluster } from '../src/server/embedded-cluster.js';
import { createDevelopmentCertificates } from '../src/transport/tls/x509.js';

const brokers = Number(process.argv[2] ?? '1');
// Optional third argument: 'tls' (permissive TLS, the TLS benchmark) or a plain_acl.yml path (access
// control on, the signing benchmark).
const mode = process.argv[3];
const certs = mode === 'tls' ? createDevelopmentCertificates() : undefined;
const aclFile = mode !== undefined && mode !== 'tls' ? mode : undefined;
const cluster = await startEmbeddedCluster({
  brokers,
  ...(certs && { tls: { mode: 'permissive', cert: certs.server.cert, key: certs.server.key } }),
  ...(aclFile !== undefined && { aclFile }),
});
if (certs) process.stdout.write(`CA ${Buffer.from(certs.ca.cert).toString('base64')}\n`);
process.stdout.write(`NAMESRV ${cluster.namesrvAddress}\n`);

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await cluster.stop();
  process.exit(0);
};
process.stdin.on('end', () => void stop());
process.stdin.on('close', () => void stop());
process.stdin.resume();
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
