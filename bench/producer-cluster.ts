/**
 * Child process of bench/producer.bench.ts: runs an embedded name server + broker and prints
 * `NAMESRV <host:port>` once ready. Stops (removing its store) when stdin closes or on SIGTERM/SIGINT.
 */
import { startEmbeddedCluster } from '../src/server/embedded-cluster.js';

const brokers = Number(process.argv[2] ?? '1');
// Optional: a plain_acl.yml to turn access control on (the signing benchmark).
const aclFile = process.argv[3];
const cluster = await startEmbeddedCluster({ brokers, ...(aclFile !== undefined && { aclFile }) });
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
