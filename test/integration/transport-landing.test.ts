/**
 * Large request frames read straight into one buffer (transport/frame-landing.ts), reused once a
 * processor says its body is no longer read (landing-buffers.ts):
 * - every frame arrives intact however the peer splits and coalesces its bytes, large and small ones
 *   mixed; frames from 128 KiB on are landed, smaller ones are not; TLS-less only, and only when the
 *   server lands (landLargeFrames);
 * - a buffer is reused only after the request that released it was answered: bodies checked at
 *   answer time, after other frames landed meanwhile, are still intact;
 * - the partial-frame budget and the frame deadline still hold a landing frame.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SerializeType } from '../../src/protocol/codes/misc.js';
import { ResponseCode } from '../../src/protocol/codes/response-code.js';
import { createRequest, createResponse } from '../../src/protocol/command/remoting-command.js';
import { encodeFrame } from '../../src/protocol/frame/index.js';
import { RemotingServer } from '../../src/transport/index.js';
import type { RemotingServerConfig } from '../../src/transport/index.js';
import { landingBuffers, LANDING_MIN_FRAME_BYTES } from '../../src/transport/landing-buffers.js';
// Processors outside this package take it from the public protocol entry.
import { releaseBodyAfterAnswer } from '../../src/protocol-entry.js';
import { Prng } from '../helpers/prng.js';
import { createDevelopmentCertificates } from '../../src/transport/tls/x509.js';
import { captureLogger, RawPeer } from './transport-helpers.js';

/** Answers with the body's digest, its length and whether it sits in a landing buffer. */
const DIGEST = 101;
/** The same, after `delay` ms (ext field), having released the body: digest taken at answer time. */
const DIGEST_RELEASED = 102;
/** DIGEST, answered on the next turn (setImmediate). */
const DIGEST_NEXT_TURN = 104;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const sleep = (millis: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, millis));
const digest = (bytes: Buffer | undefined): string =>
  createHash('sha256')
    .update(bytes ?? Buffer.alloc(0))
    .digest('hex');

function answer(body: Buffer | undefined, landed: boolean) {
  return createResponse(ResponseCode.SUCCESS, {
    extFields: { digest: digest(body), length: String(body?.length ?? 0), landed: String(landed) },
  });
}

async function server(config: RemotingServerConfig = {}): Promise<RemotingServer> {
  const s = new RemotingServer({ host: '127.0.0.1', port: 0, ...config });
  s.registerProcessor(DIGEST, {
    processRequest: (_context, request) => answer(request.body, landingBuffers.isLent(request.body)),
  });
  s.registerProcessor(DIGEST_NEXT_TURN, {
    processRequest: async (_context, request) => {
      const landed = landingBuffers.isLent(request.body);
      await new Promise((resolve) => setImmediate(resolve));
      return answer(request.body, landed);
    },
  });
  s.registerProcessor(DIGEST_RELEASED, {
    processRequest: async (_context, request) => {
      const landed = landingBuffers.isLent(request.body);
      releaseBodyAfterAnswer(request);
      await sleep(Number(request.extFields?.delay ?? '0'));
      return answer(request.body, landed);
    },
  });
  await s.start();
  cleanups.push(() => s.shutdown({ graceMillis: 100 }));
  return s;
}

const peer = (port: number): Promise<RawPeer> => RawPeer.connectTracked(port, cleanups);

interface Sent {
  frame: Buffer;
  digest: string;
  length: number;
}

function request(code: number, opaque: number, body: Buffer, extFields: Record<string, string> = {}): Sent {
  return {
    frame: encodeFrame(createRequest(code, { opaque, body, extFields }), SerializeType.JSON),
    digest: digest(body),
    length: body.length,
  };
}

/** Writes `bytes` in pieces of random sizes (1 byte to 200 KiB), yielding between some of them. */
async function writeSplit(p: RawPeer, bytes: Buffer, seed: number): Promise<void> {
  const prng = new Prng(seed);
  const rand = (): number => prng.next() / 2 ** 32;
  let at = 0;
  while (at < bytes.length) {
    const kind = rand() * 10;
    const n =
      kind < 2
        ? 1 + Math.floor(rand() * 8)
        : kind < 6
          ? Math.floor(rand() * 5000)
          : Math.floor(rand() * 200_000);
    const piece = bytes.subarray(at, Math.min(bytes.length, at + Math.max(1, n)));
    p.write(piece);
    at += piece.length;
    if (rand() < 0.3) await sleep(1);
  }
}

function check(p: RawPeer, sent: readonly Sent[], expectLanded?: (s: Sent) => boolean): void {
  assert.equal(p.received.length, sent.length);
  for (let i = 0; i < sent.length; i++) {
    const got = p.received.find((r) => r.opaque === i)!;
    assert.ok(got, `answer ${i}`);
    assert.equal(got.code, ResponseCode.SUCCESS);
    assert.equal(got.extFields?.length, String(sent[i]!.length), `length of ${i}`);
    assert.equal(got.extFields?.digest, sent[i]!.digest, `body of ${i} (${sent[i]!.length} bytes)`);
    if (expectLanded) assert.equal(got.extFields?.landed, String(expectLanded(sent[i]!)), `landed ${i}`);
  }
}

describe('landing large frames', () => {
  it('frames at and above 128 KiB are landed, smaller ones not; all intact however the bytes are split', async () => {
    const s = await server();
    const p = await peer(s.port);
    const overhead = request(DIGEST, 0, Buffer.alloc(0)).frame.length;
    // Body sizes around the threshold (whole frame = overhead + body), and large ones.
    const threshold = LANDING_MIN_FRAME_BYTES - overhead;
    const sizes = [threshold - 1, threshold, 10, 1 << 20, 0, 300_000, 70_000, threshold + 1, 5, 2_500_000, 1];
    const sent = sizes.map((size, i) => request(DIGEST, i, randomBytes(size)));
    for (let round = 0; round < 3; round++) {
      p.received.length = 0;
      await writeSplit(p, Buffer.concat(sent.map((x) => x.frame)), 17 + round);
      await p.waitFor(sent.length);
      check(p, sent, (x) => x.frame.length >= LANDING_MIN_FRAME_BYTES);
    }
  });

  it('a server with landLargeFrames: false reads every frame the usual way', async () => {
    const s = await server({ landLargeFrames: false });
    const p = await peer(s.port);
    const sent = [request(DIGEST, 0, randomBytes(1 << 20)), request(DIGEST, 1, randomBytes(200_000))];
    p.write(Buffer.concat(sent.map((x) => x.frame)));
    await p.waitFor(2);
    check(p, sent, () => false);
  });

  it('a released buffer serves another frame only after its request was answered', async () => {
    const s = await server();
    const before = { ...landingBuffers.stats };
    const peers = [await peer(s.port), await peer(s.port)];
    const prng = new Prng(5);
    const rand = (): number => prng.next() / 2 ** 32;
    const all: Sent[][] = [[], []];
    // Two connections pipelining 24 frames each of 140-400 kB; each is answered after 0-15 ms, its
    // digest taken then, while the others land (some in buffers given back meanwhile).
    for (let i = 0; i < 24; i++) {
      for (const [k, p] of peers.entries()) {
        const size = 140_000 + Math.floor(rand() * 260_000);
        const x = request(DIGEST_RELEASED, i, randomBytes(size), { delay: String(Math.floor(rand() * 15)) });
        all[k]!.push(x);
        p.write(x.frame);
      }
      if (i % 6 === 5) await sleep(5);
    }
    for (const [k, p] of peers.entries()) {
      await p.waitFor(24);
      check(p, all[k]!, () => true);
    }
    const reused = landingBuffers.stats.reused - before.reused;
    const givenBack = landingBuffers.stats.givenBack - before.givenBack;
    assert.equal(givenBack, 48, 'every released body was given back');
    assert.ok(reused > 0, `buffers were reused (${reused} of 48 frames)`);
  });

  it('a body never released is never reused: the buffer stays with its request', async () => {
    const s = await server();
    const p = await peer(s.port);
    const before = landingBuffers.stats.givenBack;
    const sent = [request(DIGEST, 0, randomBytes(600_000)), request(DIGEST, 1, randomBytes(600_000))];
    p.write(Buffer.concat(sent.map((x) => x.frame)));
    await p.waitFor(2);
    check(p, sent, () => true);
    assert.equal(landingBuffers.stats.givenBack, before);
  });
});

describe('landing and the limits on unfinished frames', () => {
  it('a landing frame that stalls is closed at the frame deadline', async () => {
    const logger = captureLogger();
    const s = await server({
      frameCompletionTimeoutMillis: 300,
      scanIntervalMillis: 25,
      channelMaxIdleMillis: 0,
      logger,
    });
    const p = await peer(s.port);
    const big = request(DIGEST, 0, randomBytes(1 << 20)).frame;
    p.write(big.subarray(0, 300_000));
    const begin = performance.now();
    // Trickles on, a byte every 20 ms: bytes keep arriving, the frame never completes.
    let at = 300_000;
    const trickle = setInterval(() => p.write(big.subarray(at, ++at)), 20);
    cleanups.push(() => clearInterval(trickle));
    await Promise.race([p.closed, sleep(3000)]);
    const took = performance.now() - begin;
    assert.ok(p.socket.destroyed || took < 3000, 'closed');
    assert.ok(took < 2500, `closed after ${took.toFixed(0)} ms`);
    assert.ok(
      logger.lines.some((l) => /not completed/.test(l.msg)),
      JSON.stringify(logger.lines.map((l) => l.msg)),
    );
  });

  it('the budget counts a landing frame as its bytes arrive: over it, the connection closes as without landing', async () => {
    const logger = captureLogger();
    const s = await server({ partialFrameBudgetBytes: 1_500_000, logger });
    const [a, c] = [await peer(s.port), await peer(s.port)];
    // a's 1 MB frame lands; 900 kB of it arrived.
    const frameA = request(DIGEST, 0, randomBytes(1_000_000));
    a.write(frameA.frame.subarray(0, 900_000));
    await sleep(100);
    // c's bytes pass the 0.6 MB left as they arrive: c is closed.
    c.write(request(DIGEST, 0, randomBytes(700_000)).frame.subarray(0, 650_000));
    await Promise.race([c.closed, sleep(2000)]);
    assert.ok(c.socket.destroyed, 'c over the budget is closed');
    assert.ok(logger.lines.some((l) => /partial-frame budget/.test(l.msg)));
    // a completes and is answered, landed.
    a.write(frameA.frame.subarray(900_000));
    await a.waitFor(1);
    check(a, [frameA], () => true);
  });

  it('length prefixes alone reserve landings, they hold nothing: once reservations are full, frames arrive the usual way', async () => {
    const s = await server({ partialFrameBudgetBytes: 2_000_000 });
    // Four peers each start a frame of 1.9 MB and send nothing more of it: the first reserves its
    // landing (reservations are bounded by the budget), the others wait the usual way, holding 10 bytes.
    const idle = [await peer(s.port), await peer(s.port), await peer(s.port), await peer(s.port)];
    for (const p of idle) p.write(request(DIGEST, 0, randomBytes(1_900_000)).frame.subarray(0, 14));
    await sleep(100);
    // An honest 1 MB frame is neither refused nor landed: answered intact.
    const honest = await peer(s.port);
    const frame = request(DIGEST, 0, randomBytes(1_000_000));
    honest.write(frame.frame);
    await honest.waitFor(1);
    check(honest, [frame], () => false);
    for (const p of idle) assert.equal(p.socket.destroyed, false);
  });

  it('a peer that half-closes right after a landed frame still gets its answer, made now or on the next turn', async () => {
    const s = await server();
    for (const code of [DIGEST, DIGEST_NEXT_TURN]) {
      // Frames whose end falls on a 64 KiB boundary of the read, and others.
      for (const size of [1 << 20, 300_000, (1 << 20) - 60]) {
        const p = await peer(s.port);
        const sent = [request(code, 0, randomBytes(size))];
        p.write(sent[0]!.frame);
        p.socket.end();
        await Promise.race([p.closed, sleep(2000)]);
        check(p, sent, () => true);
      }
    }
  });
});

describe('landing and TLS-permissive servers', () => {
  it('a plain connection whose first bytes were looked at never lands, and stops reading while its answers wait', async () => {
    const certs = createDevelopmentCertificates();
    const BIG = 103;
    let processed = 0;
    const s = await server({ tls: { mode: 'permissive', cert: certs.server.cert, key: certs.server.key } });
    s.registerProcessor(BIG, {
      processRequest: () => {
        processed++;
        return createResponse(ResponseCode.SUCCESS, { body: Buffer.alloc(1 << 20, 7) });
      },
    });
    const p = await peer(s.port);
    const large = request(DIGEST, 0, randomBytes(300_000));
    p.write(large.frame);
    await p.waitFor(1);
    check(p, [large], () => false);
    // The peer stops reading; its 1 MiB answers pile up and the server stops reading it, although a
    // large frame arrives among the requests.
    p.socket.pause();
    const requests = (from: number, n: number): Buffer[] =>
      Array.from({ length: n }, (_, i) =>
        encodeFrame(createRequest(BIG, { opaque: from + i }), SerializeType.JSON),
      );
    p.write(Buffer.concat([...requests(1, 10), request(DIGEST, 11, randomBytes(300_000)).frame]));
    await sleep(300);
    const held = processed;
    p.write(Buffer.concat(requests(100, 300)));
    await sleep(300);
    assert.ok(processed - held < 20, `${processed - held} requests read while the answers waited`);
  });
});
