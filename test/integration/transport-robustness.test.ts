/**
 * Misbehaving peers: garbage bytes (the connection is closed, others keep being served, nothing is
 * buffered beyond one frame), a server answering garbage or unknown opaques, and a peer that stops
 * reading (writes wait for 'drain', memory stays bounded).
 */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { ProtocolError, RemotingSendRequestError, RemotingTimeoutError } from '../../src/common/errors.js';
import { SerializeType } from '../../src/protocol/codes/misc.js';
import { createRequest, createResponse } from '../../src/protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../src/protocol/command/remoting-command.js';
import { encodeFrame, FrameDecoder, decodeFramePayload } from '../../src/protocol/frame/index.js';
import { RemotingClient } from '../../src/transport/index.js';
import { captureLogger, deferred, ECHO, RawPeer, rawServer, startEchoServer } from './transport-helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function frameWithPayload(payload: Buffer): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeInt32BE(payload.length);
  return Buffer.concat([prefix, payload]);
}

function jsonHeaderFrame(headerText: string): Buffer {
  const header = Buffer.from(headerText);
  const marker = Buffer.alloc(4);
  marker.writeInt32BE(header.length);
  return frameWithPayload(Buffer.concat([marker, header]));
}

const GARBAGE: [string, Buffer][] = [
  ['negative length', Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3])],
  ['length above the limit', Buffer.from([0x00, 0x00, 0x10, 0x01, 0, 0, 0, 0])],
  ['length too small for the header length', Buffer.from([0, 0, 0, 2, 0, 0])],
  ['unknown serialize type', frameWithPayload(Buffer.from([0x05, 0, 0, 2, 0x7b, 0x7d]))],
  ['header length beyond the frame', frameWithPayload(Buffer.from([0x00, 0, 0, 99, 0x7b, 0x7d]))],
  ['invalid JSON header', jsonHeaderFrame('{"code":')],
  ['HTTP request', Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')],
];

describe('garbage from a peer', () => {
  for (const [name, bytes] of GARBAGE) {
    it(`${name}: that connection is closed, another client keeps working`, async () => {
      const logger = captureLogger();
      const server = await startEchoServer({ maxFrameLength: 4096, logger });
      const exceptions: Error[] = [];
      server.addChannelEventListener({ onChannelException: (_c, error) => exceptions.push(error) });
      const client = new RemotingClient();
      cleanups.push(async () => {
        await client.shutdown();
        await server.shutdown();
      });
      const addr = `127.0.0.1:${server.port}`;
      assert.equal(
        (
          await client.invokeSync(addr, createRequest(ECHO, { body: Buffer.from('a') }), 3000)
        ).body?.toString(),
        'a',
      );
      const peer = await RawPeer.connect(server.port);
      cleanups.push(() => peer.destroy());
      peer.write(bytes);
      await peer.closed;
      assert.equal(peer.received.length, 0);
      assert.equal(exceptions.length, 1);
      assert.ok(exceptions[0] instanceof ProtocolError, String(exceptions[0]));
      assert.equal(
        (
          await client.invokeSync(addr, createRequest(ECHO, { body: Buffer.from('b') }), 3000)
        ).body?.toString(),
        'b',
      );
      assert.equal(server.channels().length, 1);
    });
  }

  it('a server answering garbage: the client closes and fails pending requests at once', async () => {
    const raw = await rawServer((socket) =>
      socket.once('data', () => socket.write(Buffer.from([0xff, 0xff, 0xff, 0xfe]))),
    );
    const client = new RemotingClient({ scanIntervalMillis: 3_600_000 });
    cleanups.push(async () => {
      await client.shutdown();
      await raw.close();
    });
    const addr = `127.0.0.1:${raw.port}`;
    const results = await Promise.allSettled([
      client.invokeSync(addr, createRequest(ECHO), 600_000),
      client.invokeAsync(addr, createRequest(ECHO), 600_000),
    ]);
    for (const result of results) {
      assert.equal(result.status, 'rejected');
      assert.ok(result.reason instanceof RemotingSendRequestError, String(result.reason));
      assert.match(result.reason.message, /protocol error/);
    }
    assert.equal(client.inFlightCount, 0);
  });

  it('unmatched responses are logged and dropped; the matching one is delivered', async () => {
    const raw = await rawServer((socket) => {
      const decoder = new FrameDecoder();
      socket.on('data', (chunk: Buffer) => {
        for (const payload of decoder.push(chunk)) {
          const request = decodeFramePayload(payload);
          const stray = createResponse(0, { opaque: request.opaque + 1000, remark: 'stray' });
          const answer = createResponse(0, { opaque: request.opaque, remark: 'mine' });
          socket.write(
            Buffer.concat([encodeFrame(stray, SerializeType.JSON), encodeFrame(answer, SerializeType.JSON)]),
          );
        }
      });
    });
    const logger = captureLogger();
    const client = new RemotingClient({ logger });
    cleanups.push(async () => {
      await client.shutdown();
      await raw.close();
    });
    const response = await client.invokeSync(`127.0.0.1:${raw.port}`, createRequest(ECHO), 3000);
    assert.equal(response.remark, 'mine');
    assert.equal(logger.lines.filter((l) => l.msg === 'unmatched response dropped').length, 1);
  });
});

describe('backpressure', () => {
  it('a peer that stops reading: writes wait for drain, the socket buffer stays bounded, all arrive later', async () => {
    const FRAMES = 120;
    const BODY = 256 * 1024;
    const sockets: net.Socket[] = [];
    const accepted = deferred<net.Socket>();
    const raw = await rawServer((socket) => {
      socket.pause(); // reads nothing until told
      accepted.resolve(socket);
    });
    // Spy on the client socket: no write() may follow a `false` before 'drain'.
    let blocked = false;
    let writesWhileBlocked = 0;
    let maxBuffered = 0;
    const client = new RemotingClient({
      onewayPermits: 4,
      socketFactory: (host, port) => {
        const socket = net.connect({ host, port });
        sockets.push(socket);
        const write = socket.write.bind(socket) as (
          chunk: Buffer,
          cb?: (e?: Error | null) => void,
        ) => boolean;
        socket.prependListener('drain', () => (blocked = false));
        (socket as unknown as { write: typeof write }).write = (chunk, cb) => {
          if (blocked) writesWhileBlocked++;
          const ok = write(chunk, cb);
          maxBuffered = Math.max(maxBuffered, socket.writableLength);
          if (!ok) blocked = true;
          return ok;
        };
        return socket;
      },
    });
    cleanups.push(async () => {
      await client.shutdown();
      await raw.close();
    });
    const addr = `127.0.0.1:${raw.port}`;
    let written = 0;
    const sends = Array.from({ length: FRAMES }, (_, i) =>
      client
        .invokeOneway(addr, createRequest(ECHO, { body: Buffer.alloc(BODY, i % 256) }), 60_000)
        .then(() => void written++),
    );
    const peer = await accepted.promise;
    // Wait until the kernel buffers are full: the permits are all held by unfinished writes.
    await assert.rejects(
      (async () => {
        for (;;) await client.invokeOneway(addr, createRequest(ECHO), 200);
      })(),
      RemotingTimeoutError,
    );
    assert.ok(written < FRAMES, `all ${written} frames were written although the peer reads nothing`);
    // Resume reading and check every frame arrives whole and in order.
    const received: RemotingCommand[] = [];
    const decoder = new FrameDecoder();
    const all = deferred();
    peer.on('data', (chunk: Buffer) => {
      for (const payload of decoder.push(chunk)) received.push(decodeFramePayload(payload));
      if (received.length >= FRAMES) all.resolve();
    });
    peer.resume();
    await Promise.all(sends);
    await all.promise;
    assert.equal(writesWhileBlocked, 0);
    // Bounded: at most the high-water mark plus the frames of one batch (<= permits) in the socket.
    assert.ok(maxBuffered <= sockets[0]!.writableHighWaterMark + 4 * (BODY + 512), `buffered ${maxBuffered}`);
    assert.deepEqual(
      received.slice(0, FRAMES).map((c) => [c.flag, c.body?.length, c.body?.[0]]),
      Array.from({ length: FRAMES }, (_, i) => [2, BODY, i % 256]),
    );
  });

  it('a client that never reads answers makes the server pause reading, not buffer without limit', async () => {
    const server = await startEchoServer();
    cleanups.push(() => server.shutdown({ graceMillis: 100 }));
    const socket = net.connect({ port: server.port, host: '127.0.0.1' });
    cleanups.push(() => void socket.destroy());
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.pause(); // never reads the answers
    const frame = encodeFrame(createRequest(ECHO, { body: Buffer.alloc(64 * 1024) }), SerializeType.JSON);
    // Keep writing until our own socket refuses (the server stopped reading): bounded work each round.
    let sent = 0;
    for (let round = 0; round < 2000; round++) {
      const ok = socket.write(frame);
      sent++;
      if (!ok) {
        const drained = await Promise.race([
          new Promise<boolean>((resolve) => socket.once('drain', () => resolve(true))),
          new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 500)),
        ]);
        if (!drained) break;
      }
    }
    assert.ok(sent < 2000, 'the server kept reading although nobody read its answers');
    const channel = server.channels()[0] as unknown as { writeBacklogBytes: number };
    assert.ok(channel.writeBacklogBytes < 16 * 1024 * 1024, `server backlog ${channel.writeBacklogBytes}`);
  });
});

describe('socket errors', () => {
  it('an error the socket reports without closing (TLS alert after the handshake) fails requests at once', async () => {
    const raw = await rawServer(() => undefined); // reads, never answers
    const sockets: net.Socket[] = [];
    const client = new RemotingClient({
      scanIntervalMillis: 3_600_000,
      socketFactory: (host, port) => {
        const socket = net.connect({ host, port });
        sockets.push(socket);
        return socket;
      },
    });
    cleanups.push(async () => {
      await client.shutdown();
      await raw.close();
    });
    const addr = `127.0.0.1:${raw.port}`;
    const pending = Promise.allSettled([
      client.invokeSync(addr, createRequest(ECHO), 600_000),
      client.invokeAsync(addr, createRequest(ECHO), 600_000),
    ]);
    while (client.inFlightCount < 2) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(sockets.length, 1);
    sockets[0]!.emit('error', new Error('alert from the peer'));
    for (const result of await pending) {
      assert.equal(result.status, 'rejected');
      assert.ok(result.reason instanceof RemotingSendRequestError, String(result.reason));
      assert.match(result.reason.message, /alert from the peer/);
    }
    assert.equal(client.inFlightCount, 0);
    assert.ok(sockets[0]!.destroyed, 'the socket is closed, as Java closes a channel on an exception');
  });
});

describe('grouped small frames', () => {
  it('the buffers small frames are copied into are reused only after their write: every frame arrives intact', async () => {
    const FRAMES = 4000;
    const peers: net.Socket[] = [];
    const received = new Map<net.Socket, RemotingCommand[]>();
    const raw = await rawServer((socket) => {
      socket.pause(); // a slow reader: writes queue up in Node and in the kernel first
      peers.push(socket);
      const decoder = new FrameDecoder();
      const list: RemotingCommand[] = [];
      received.set(socket, list);
      socket.on('data', (chunk: Buffer) => {
        for (const payload of decoder.push(chunk)) list.push(decodeFramePayload(payload));
      });
    });
    // The kernel takes what loopback sends at once; a socket whose writes complete later (as under
    // load) shows a buffer reused before its write: its chunks still wait in Node when the next
    // flush copies frames into it.
    const slowSocket = (host: string, port: number): net.Socket => {
      const socket = net.connect({ host, port });
      type Write = (this: net.Socket, data: unknown, ...rest: unknown[]) => void;
      const internals = socket as unknown as { _write: Write; _writev: Write };
      for (const name of ['_write', '_writev'] as const) {
        const original = internals[name];
        internals[name] = function (this: net.Socket, ...args: [unknown, ...unknown[]]) {
          setTimeout(() => original.apply(this, args), 2);
        };
      }
      return socket;
    };
    const clients = [new RemotingClient({ socketFactory: slowSocket }), new RemotingClient()];
    cleanups.push(async () => {
      for (const c of clients) await c.shutdown();
      await raw.close();
    });
    const addr = `127.0.0.1:${raw.port}`;
    const bodyOf = (c: number, i: number): Buffer => {
      const body = Buffer.alloc(100 + ((i * 37) % 900));
      for (let k = 0; k < body.length; k++) body[k] = (i * 31 + k * 7 + c) & 0xff;
      return body;
    };
    const sends: Promise<void>[] = [];
    for (let round = 0; round < 8; round++) {
      for (const [c, client] of clients.entries()) {
        for (let i = round * (FRAMES / 8); i < (round + 1) * (FRAMES / 8); i++) {
          sends.push(
            client.invokeOneway(
              addr,
              createRequest(ECHO, { body: bodyOf(c, i), remark: `${c}:${i}` }),
              60_000,
            ),
          );
        }
      }
      await new Promise((resolve) => setImmediate(resolve)); // several flushes, groups from each
      if (round === 3) for (const peer of peers) peer.resume();
    }
    await Promise.all(sends);
    const deadline = Date.now() + 20_000;
    while ([...received.values()].reduce((n, l) => n + l.length, 0) < 2 * FRAMES && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(peers.length, 2);
    for (const list of received.values()) {
      assert.equal(list.length, FRAMES);
      for (const [index, command] of list.entries()) {
        const [c, i] = command.remark!.split(':').map(Number) as [number, number];
        assert.equal(i, index, 'in order');
        assert.ok(command.body?.equals(bodyOf(c, i)), `frame ${c}:${i} intact`);
      }
    }
  });
});

describe('a large body after a full group of small frames', () => {
  it("its head joins the group even past the reused buffers' size: written whole, nothing thrown", async () => {
    const received: RemotingCommand[] = [];
    const raw = await rawServer((socket) => {
      const decoder = new FrameDecoder();
      socket.on('data', (chunk: Buffer) => {
        for (const payload of decoder.push(chunk)) received.push(decodeFramePayload(payload));
      });
    });
    const client = new RemotingClient();
    cleanups.push(async () => {
      await client.shutdown();
      await raw.close();
    });
    const addr = `127.0.0.1:${raw.port}`;
    const small = (i: number) => createRequest(ECHO, { body: Buffer.alloc(3900, i), remark: `s${i}` });
    // Warm-up: a group written and given back, so a spare buffer exists.
    await Promise.all(Array.from({ length: 20 }, (_, i) => client.invokeOneway(addr, small(i), 10_000)));
    // ~62 KiB of small frames, then a large body whose head carries a 6 KB header field.
    const sends = Array.from({ length: 16 }, (_, i) => client.invokeOneway(addr, small(i), 10_000));
    const large = createRequest(ECHO, { body: Buffer.alloc(64 * 1024, 7), remark: 'L'.repeat(6000) });
    sends.push(client.invokeOneway(addr, large, 10_000));
    await Promise.all(sends);
    const deadline = Date.now() + 10_000;
    while (received.length < 37 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(received.length, 37);
    const last = received[36]!;
    assert.equal(last.remark, 'L'.repeat(6000));
    assert.ok(last.body?.equals(Buffer.alloc(64 * 1024, 7)));
  });
});
