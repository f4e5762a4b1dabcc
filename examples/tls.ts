/**
 * TLS to the name server and the brokers, verifying their certificate against a CA.
 * Run: `npx rmq dev --tls-self-signed --tls-mode enforcing` (it prints where it wrote ca.pem), then
 * `RMQ_TLS_CA=/tmp/rocketmq-ts-dev/tls/ca.pem npx tsx examples/tls.ts`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Producer, TlsHandshakeError } from 'rocketmq-ts';
import { nameServer } from './env.js';

const caPath = process.env.RMQ_TLS_CA ?? path.join(os.tmpdir(), 'rocketmq-ts-dev', 'tls', 'ca.pem');
const producer = new Producer({
  producerGroup: 'example-tls',
  nameServer,
  tls: { ca: fs.readFileSync(caPath) },
});
await producer.start();
try {
  const r = await producer.send({ topic: 'ExampleTls', body: 'over TLS' });
  console.log('sent over TLS:', r.sendStatus, r.msgId);
} catch (err) {
  // A certificate problem is not retried: it says what failed (unknown-ca, hostname-mismatch, expired, ...).
  if (err instanceof TlsHandshakeError) console.error(`TLS failed (${err.failure}): ${err.message}`);
  throw err;
} finally {
  await producer.shutdown();
}
