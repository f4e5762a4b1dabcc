/**
 * The servers under fuzz over TLS (name server and broker, permissive): hostile frames inside real TLS
 * sessions (the ServerFuzzer over TLS sockets), and hostile bytes where a handshake should be — a real
 * ClientHello cut short, mutated, or followed by garbage, random records starting with 0x16, a
 * handshake begun and never finished. After every round an honest producer and consumer, one over TLS
 * and one plain, must still work, and no connection may be left waiting (the handshake timeout).
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { createDevelopmentCertificates, startEmbeddedCluster } from '../../src/index.js';
import type { EmbeddedCluster } from '../../src/index.js';
import { HonestClient, ServerFuzzer } from '../helpers/server-fuzz.js';
import { Prng } from '../helpers/prng.js';
import { byTier } from '../helpers/tier.js';

const ROUNDS = byTier(1, 5);
const FRAMES_PER_ROUND = byTier(150, 1500);
const HANDSHAKE_ATTACKS_PER_ROUND = byTier(18, 150);
const SEED = 20261202;
/**
 * Long enough that the fuzzer's own TLS handshakes finish while the server is busy with its frames (a
 * server closing them would end the round), short enough that the stalled ones close within the test.
 */
const HANDSHAKE_TIMEOUT_MILLIS = byTier(1000, 3000);
const certs = createDevelopmentCertificates();
const clientTls = { ca: certs.ca.cert };

/** The first bytes a real TLS client sends (its ClientHello), captured from node:tls. */
async function captureClientHello(): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => {
      socket.once('data', (chunk) => {
        resolve(chunk);
        socket.destroy();
        server.close();
      });
    });
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      const client = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
      client.on('error', () => undefined);
    });
    server.on('error', reject);
  });
}

/** Hostile bytes where a handshake belongs; `stall` leaves the connection open with nothing more. */
function handshakeAttack(rng: Prng, hello: Buffer): { bytes: Buffer; stall: boolean } {
  switch (rng.int(6)) {
    case 0:
      return { bytes: hello.subarray(0, rng.range(1, hello.length - 1)), stall: true }; // cut short
    case 1: {
      const copy = Buffer.from(hello);
      for (let i = rng.range(1, 8); i > 0; i--) copy[rng.int(copy.length)] = rng.int(256);
      return { bytes: copy, stall: false }; // mutated
    }
    case 2:
      return { bytes: Buffer.concat([hello, rng.bytes(rng.range(1, 4096))]), stall: false }; // garbage after
    case 3:
      return { bytes: Buffer.concat([Buffer.from([0x16]), rng.bytes(rng.range(0, 512))]), stall: false };
    case 4:
      return { bytes: Buffer.from([0x16, 0x03, 0x01, 0xff, 0xff]), stall: true }; // a huge record begun
    default:
      return { bytes: rng.bytes(rng.range(1, 256)), stall: false }; // anything (plain garbage too)
  }
}

async function attack(port: number, bytes: Buffer, stall: boolean): Promise<void> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  socket.on('data', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', resolve).once('close', resolve));
  socket.write(bytes);
  if (!stall) socket.end();
  // A stalled handshake must be closed by the server (handshakeTimeoutMillis), with 5 s of slack.
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('server kept a stalled handshake open')),
      HANDSHAKE_TIMEOUT_MILLIS + 5000,
    );
    socket.once('close', () => (clearTimeout(timer), resolve()));
    if (!stall) setTimeout(() => socket.destroy(), 200).unref();
  });
}

describe('servers under fuzz over TLS', () => {
  let cluster: EmbeddedCluster;
  let overTls: HonestClient;
  let plain: HonestClient;
  before(async () => {
    cluster = await startEmbeddedCluster({
      tls: {
        cert: certs.server.cert,
        key: certs.server.key,
        handshakeTimeoutMillis: HANDSHAKE_TIMEOUT_MILLIS,
      },
      namesrvTls: clientTls,
      brokers: [{ registerIntervalMillis: 200 }],
    });
    overTls = new HonestClient(cluster.namesrvAddress, 5000, { tls: clientTls, instanceName: 'tls' });
    plain = new HonestClient(cluster.namesrvAddress, 5000, { instanceName: 'plain' });
    await overTls.start();
    await plain.start();
  });
  after(async () => {
    await overTls.stop();
    await plain.stop();
    await cluster.stop();
  });

  it(`${ROUNDS} rounds of hostile frames inside TLS and hostile handshakes`, async () => {
    const rng = new Prng(SEED);
    const hello = await captureClientHello();
    assert.equal(hello[0], 0x16, 'a ClientHello starts with the handshake record type');
    const fuzzer = new ServerFuzzer(
      SEED,
      { broker: cluster.brokers[0]!.address, namesrv: cluster.namesrvAddress },
      (host, port) => tls.connect({ host, port, ca: certs.ca.cert }),
    );
    const ports = [cluster.namesrv.port, cluster.brokers[0]!.port];
    for (let round = 1; round <= ROUNDS; round++) {
      await fuzzer.round(FRAMES_PER_ROUND, 2);
      const attacks: Promise<void>[] = [];
      for (let i = 0; i < HANDSHAKE_ATTACKS_PER_ROUND; i++) {
        const { bytes, stall } = handshakeAttack(rng, hello);
        attacks.push(attack(rng.pick(ports), bytes, stall));
      }
      await Promise.all(attacks);
      for (const [name, honest] of [
        ['TLS', overTls],
        ['plain', plain],
      ] as const) {
        const report = await honest.check(4);
        assert.deepEqual(report.problems, [], `round ${round}, ${name} client`);
        assert.equal(report.readBack, 4);
      }
    }
  });
});
