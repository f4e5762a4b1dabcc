/**
 * Bodies of requests in progress (src/transport/request-bytes-budget.ts) over real sockets: a peer
 * pipelining large requests to a processor that answers later stops being read once its own bytes in
 * progress pass the connection's limit, or the server's total passes the server's; it is read again as
 * answers go out, and every request is handled and answered in order. Peers that send no bodies are
 * served meanwhile; a closed connection gives its bytes back.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ResponseCode } from '../../src/protocol/codes/response-code.js';
import { SerializeType } from '../../src/protocol/codes/misc.js';
import { createRequest, createResponse } from '../../src/protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../src/protocol/command/remoting-command.js';
import { encodeFrame } from '../../src/protocol/frame/index.js';
import { RemotingClient, RemotingServer } from '../../src/transport/index.js';
import type { RemotingServerConfig } from '../../src/transport/index.js';
import { RawPeer } from './transport-helpers.js';

/** Answered when the test says so. */
const HOLD = 101;
/** Answered at once. */
const QUICK = 102;
const KiB = 1024;

function frames(code: number, from: number, count: number, bodyBytes: number): Buffer {
  const list: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const body = bodyBytes > 0 ? Buffer.alloc(bodyBytes, i & 0xff) : undefined;
    list.push(encodeFrame(createRequest(code, { opaque: from + i, body }), SerializeType.JSON));
  }
  return Buffer.concat(list);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every `everyMillis` (10) for up to 5 s. */
async function until(check: () => boolean, what: string, everyMillis = 10): Promise<void> {
  const deadline = performance.now() + 5000;
  while (!check()) {
    if (performance.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(everyMillis);
  }
}

describe('bodies of requests in progress hold reading', () => {
  const servers: RemotingServer[] = [];
  const peers: RawPeer[] = [];
  after(async () => {
    for (const peer of peers) peer.destroy();
    for (const server of servers) await server.shutdown({ graceMillis: 100 });
  });

  /** A server whose HOLD requests wait in `held` (in arrival order) until answered. */
  async function serverWith(config: RemotingServerConfig): Promise<{
    server: RemotingServer;
    held: { request: RemotingCommand; answer: () => void }[];
    answerOldest: (n: number) => void;
  }> {
    const held: { request: RemotingCommand; answer: () => void }[] = [];
    let answered = 0;
    const server = new RemotingServer({ host: '127.0.0.1', port: 0, ...config });
    server.registerProcessor(HOLD, {
      processRequest: (_context, request) =>
        new Promise((resolve) => {
          held.push({ request, answer: () => resolve(createResponse(ResponseCode.SUCCESS)) });
        }),
    });
    server.registerProcessor(QUICK, {
      processRequest: () => createResponse(ResponseCode.SUCCESS),
    });
    await server.start();
    servers.push(server);
    const answerOldest = (n: number): void => {
      const end = Math.min(held.length, answered + n);
      for (; answered < end; answered++) held[answered]!.answer();
    };
    return { server, held, answerOldest };
  }

  async function connect(server: RemotingServer): Promise<RawPeer> {
    const peer = await RawPeer.connect(server.port);
    peers.push(peer);
    return peer;
  }

  it(
    'one connection over its own limit is read again once its bytes halve',
    { timeout: 30_000 },
    async () => {
      const { server, held, answerOldest } = await serverWith({
        connectionRequestBodyBytes: 1024 * KiB,
        requestBodyBudgetBytes: 0,
        // The frame left half read while held cannot progress: its deadline must not run meanwhile.
        frameCompletionTimeoutMillis: 200,
        scanIntervalMillis: 50,
      });
      const peer = await connect(server);
      const count = 40;
      peer.write(frames(HOLD, 1, count, 100 * KiB)); // 4 MB, all sent at once
      await until(() => held.length >= 11, 'the first 11 requests');
      await sleep(300);
      // 11 x 100 KiB passes 1 MiB: nothing more is read (a read completing a frame may carry one more).
      assert.ok(held.length <= 12, `${held.length} requests taken with 1 MiB in progress`);
      assert.ok(server.requestBodyBytes <= 12 * 100 * KiB);
      const before = held.length;
      answerOldest(4); // 7-8 x 100 KiB left: still over half the limit
      await sleep(200);
      assert.equal(held.length, before, 'read again before the bytes halved');
      // Answering the oldest as they come lets every request through, in order.
      await until(
        () => {
          answerOldest(1);
          assert.ok(
            server.requestBodyBytes <= 13 * 100 * KiB,
            `${server.requestBodyBytes} bytes in progress`,
          );
          return peer.received.length === count;
        },
        'every answer',
        1,
      );
      await peer.waitFor(count);
      assert.deepEqual(
        peer.received.map((r) => [r.opaque, r.code]),
        Array.from({ length: count }, (_, i) => [1 + i, ResponseCode.SUCCESS]),
      );
      assert.deepEqual(
        held.map((h) => h.request.body?.[0]),
        Array.from({ length: count }, (_, i) => i & 0xff),
      );
      assert.equal(server.requestBodyBytes, 0);
    },
  );

  it(
    'over the server total only connections taking bytes are held; all read again once it fits',
    { timeout: 30_000 },
    async () => {
      const { server, held, answerOldest } = await serverWith({
        connectionRequestBodyBytes: 0,
        requestBodyBudgetBytes: 1024 * KiB,
      });
      const heavy = await connect(server);
      const second = await connect(server);
      const quiet = await connect(server);
      heavy.write(frames(HOLD, 1, 20, 200 * KiB));
      await until(() => held.length >= 6, 'the first 6 requests');
      await sleep(300);
      assert.ok(held.length <= 7, `${held.length} taken with a 1 MiB total`);
      const heavyTaken = held.length;
      // Bodiless requests, and bodies answered at once, are served while the total is over.
      quiet.write(frames(QUICK, 1, 50, 0));
      quiet.write(frames(QUICK, 51, 5, 300 * KiB));
      await quiet.waitFor(55);
      assert.ok(quiet.received.every((r) => r.code === ResponseCode.SUCCESS));
      // A second connection taking bytes now is held after its first request.
      second.write(frames(HOLD, 1000, 5, 200 * KiB));
      await until(() => held.length === heavyTaken + 1, "the second connection's first request");
      await sleep(300);
      assert.equal(held.length, heavyTaken + 1, 'the second connection is held too');
      assert.equal(held.at(-1)!.request.opaque, 1000);
      await until(
        () => {
          answerOldest(1);
          return heavy.received.length === 20 && second.received.length === 5;
        },
        'every answer',
        1,
      );
      assert.deepEqual(
        heavy.received.map((r) => r.opaque),
        Array.from({ length: 20 }, (_, i) => 1 + i),
      );
      assert.deepEqual(
        second.received.map((r) => r.opaque),
        Array.from({ length: 5 }, (_, i) => 1000 + i),
      );
      assert.equal(server.requestBodyBytes, 0);
    },
  );

  it(
    "a closed connection's requests stay counted until answered, and count once",
    { timeout: 30_000 },
    async () => {
      const { server, held } = await serverWith({
        connectionRequestBodyBytes: 0,
        requestBodyBudgetBytes: 1024 * KiB,
      });
      const leaving = await connect(server);
      const staying = await connect(server);
      leaving.write(frames(HOLD, 1, 8, 200 * KiB));
      await until(() => held.length >= 6, "the leaving connection's requests");
      await sleep(100);
      const leavingTaken = held.length;
      staying.write(frames(HOLD, 100, 3, 200 * KiB));
      await until(() => held.some((h) => h.request.opaque === 100), "the staying connection's first");
      await sleep(200);
      assert.equal(held.filter((h) => h.request.opaque >= 100).length, 1, 'held behind the total');
      // The peer goes; the server is not reading it, so it learns of that only once it reads again.
      // (A half-close: a peer that destroyed its socket would answer the server's first answer with a
      // reset, which can discard the requests the server has not read yet: a race, not the point here.)
      leaving.socket.end();
      for (const h of held.slice(0, leavingTaken)) h.answer();
      // Its answers bring the total under: both read again; the leaving one reads its last requests
      // and its end.
      await until(
        () => held.filter((h) => h.request.opaque >= 100).length === 3,
        'the rest of the staying one',
      );
      await until(() => held.length === 8 + 3, "the leaving connection's last requests");
      await leaving.closed; // the server read its end and closed
      // Its last two, never answered, stay counted: their processor still holds the bodies.
      await until(() => server.requestBodyBytes === 5 * 200 * KiB, 'the answered ones to leave the total');
      await sleep(100);
      assert.equal(server.requestBodyBytes, 5 * 200 * KiB);
      for (const h of held.filter((h) => h.request.opaque < 100).slice(leavingTaken)) h.answer();
      await until(() => server.requestBodyBytes === 3 * 200 * KiB, "the closed connection's last bytes");
      for (const h of held.filter((h) => h.request.opaque >= 100)) h.answer();
      await staying.waitFor(3);
      assert.equal(server.requestBodyBytes, 0);
    },
  );

  it('gives back the bytes of a request its processor refuses later', { timeout: 30_000 }, async () => {
    const server = new RemotingServer({ host: '127.0.0.1', port: 0, requestBodyBudgetBytes: 1024 * KiB });
    servers.push(server);
    let refused = 0;
    server.registerProcessor(HOLD, {
      processRequest: async () => {
        await sleep(1);
        refused++;
        throw new Error('refused later');
      },
    });
    await server.start();
    const peer = await connect(server);
    peer.write(frames(HOLD, 1, 30, 200 * KiB)); // 6 MB through a 1 MiB total
    await peer.waitFor(30);
    assert.equal(refused, 30);
    assert.ok(peer.received.every((r) => r.code === ResponseCode.SYSTEM_ERROR));
    assert.equal(server.requestBodyBytes, 0);
  });

  it(
    'does not count a processor that waits for answers from its peer, which would stall it',
    { timeout: 30_000 },
    async () => {
      const server = new RemotingServer({
        host: '127.0.0.1',
        port: 0,
        connectionRequestBodyBytes: 1024 * KiB,
        requestBodyBudgetBytes: 1024 * KiB,
      });
      servers.push(server);
      const PUSH = 103;
      let maxCounted = 0;
      server.registerProcessor(HOLD, {
        waitsForPeers: true,
        // As the broker pushes a reply to its requester: answered once the peer answered the push.
        processRequest: async (context) => {
          maxCounted = Math.max(maxCounted, server.requestBodyBytes);
          await context.channel.invoke(createRequest(PUSH), 3000);
          return createResponse(ResponseCode.SUCCESS);
        },
      });
      await server.start();
      const client = new RemotingClient();
      client.registerProcessor(PUSH, { processRequest: () => createResponse(ResponseCode.SUCCESS) });
      try {
        const body = Buffer.alloc(100 * KiB, 7);
        const started = performance.now();
        const answers = await Promise.all(
          Array.from({ length: 30 }, () =>
            client.invokeSync(`127.0.0.1:${server.port}`, createRequest(HOLD, { body }), 3000),
          ),
        );
        assert.ok(answers.every((r) => r.code === ResponseCode.SUCCESS));
        assert.equal(maxCounted, 0);
        // Counted, the connection would stop reading past 1 MiB and the pushes' answers with it: each
        // push then waited its 3 s and failed.
        assert.ok(performance.now() - started < 2500, `${performance.now() - started} ms`);
      } finally {
        await client.shutdown();
      }
    },
  );
});
