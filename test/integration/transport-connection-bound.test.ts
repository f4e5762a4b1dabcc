/**
 * The bound on open connections (maxConnections, and the process's share of its open files:
 * src/transport/connection-slots.ts) over real sockets: past it, a new connection is refused, unless
 * a connection idle for 2 s can be closed for it (idle longest first, whether it ever sent a frame or
 * not, TLS sockets still waiting for their handshake included); busy and registered connections are
 * never closed for a newcomer; closed connections give their slot back, and every slot is back after shutdown.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ResponseCode } from '../../src/protocol/codes/response-code.js';
import { SerializeType } from '../../src/protocol/codes/misc.js';
import { createRequest, createResponse } from '../../src/protocol/command/remoting-command.js';
import { encodeFrame } from '../../src/protocol/frame/index.js';
import { RemotingClient, RemotingServer } from '../../src/transport/index.js';
import type { ServerTlsConfig } from '../../src/transport/tls/server-tls.js';
import { createDevelopmentCertificates } from '../../src/transport/tls/x509.js';
import {
  ConnectionSlots,
  IDLE_EVICT_MILLIS,
  openFilesSoftLimit,
  PROCESS_SHARE,
  processConnectionSlots,
} from '../../src/transport/connection-slots.js';
import type { SlotHolder } from '../../src/transport/connection-slots.js';
import { RawPeer } from './transport-helpers.js';

const PING = 103;
/** Answered after marking the connection registered (as a broker's heartbeat does). */
const REGISTER = 104;
/** Longer than IDLE_EVICT_MILLIS. */
const IDLE_MILLIS = IDLE_EVICT_MILLIS + 200;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** True when the peer's socket was closed by the server within `millis`. */
async function closedWithin(peer: RawPeer, millis: number): Promise<boolean> {
  return Promise.race([peer.closed.then(() => true), sleep(millis).then(() => false)]);
}

async function ping(peer: RawPeer, opaque: number): Promise<void> {
  peer.write(encodeFrame(createRequest(PING, { opaque }), SerializeType.JSON));
  await peer.waitFor(peer.received.length + 1);
}

describe('connection bound', () => {
  const servers: RemotingServer[] = [];
  const peers: RawPeer[] = [];
  const clients: RemotingClient[] = [];
  const processSlotsBefore = processConnectionSlots.used;
  after(async () => {
    for (const peer of peers) peer.destroy();
    for (const client of clients) await client.shutdown();
    for (const server of servers) await server.shutdown({ graceMillis: 100 });
  });

  async function serverWith(maxConnections: number, tls?: ServerTlsConfig): Promise<RemotingServer> {
    const server = new RemotingServer({ host: '127.0.0.1', port: 0, maxConnections, tls });
    server.registerProcessor(PING, { processRequest: () => createResponse(ResponseCode.SUCCESS) });
    server.registerProcessor(REGISTER, {
      processRequest: (context) => {
        context.channel.markRegistered?.();
        return createResponse(ResponseCode.SUCCESS);
      },
    });
    await server.start();
    servers.push(server);
    return server;
  }

  async function connect(server: RemotingServer): Promise<RawPeer> {
    const peer = await RawPeer.connect(server.port);
    peers.push(peer);
    return peer;
  }

  async function clientPing(server: RemotingServer): Promise<number> {
    const client = new RemotingClient();
    clients.push(client);
    return (await client.invokeSync(`127.0.0.1:${server.port}`, createRequest(PING), 3000)).code;
  }

  it('refuses past the bound, then closes the connection idle longest for a newcomer', async () => {
    const server = await serverWith(3);
    const idle = [await connect(server), await connect(server), await connect(server)];
    // Nobody has been idle long enough: the fourth is refused, the first three stay.
    const early = await connect(server);
    assert.equal(await closedWithin(early, 1000), true, 'a connection past the bound is closed');
    assert.deepEqual(server.connectionsTurnedAway, { refused: 1, evicted: 0 });
    assert.equal(server.channels().length, 3);

    await sleep(IDLE_MILLIS);
    // A client now gets in, in place of the connection idle longest, and is served.
    assert.equal(await clientPing(server), ResponseCode.SUCCESS);
    assert.equal(await closedWithin(idle[0]!, 1000), true, 'the connection idle longest is closed');
    assert.equal(await closedWithin(idle[1]!, 100), false, 'only one is closed per newcomer');
    assert.deepEqual(server.connectionsTurnedAway, { refused: 1, evicted: 1 });
  });

  it('a connection that sent a frame once and went idle is closed for a newcomer too', async () => {
    const server = await serverWith(2);
    const a = await connect(server);
    const b = await connect(server);
    // One frame each (a response nobody asked for is only logged): then idle.
    for (const peer of [a, b]) {
      peer.write(encodeFrame(createResponse(ResponseCode.SUCCESS, { opaque: 7 }), SerializeType.JSON));
    }
    await sleep(IDLE_MILLIS);
    assert.equal(await clientPing(server), ResponseCode.SUCCESS);
    assert.equal(await closedWithin(a, 1000), true);
    assert.deepEqual(server.connectionsTurnedAway, { refused: 0, evicted: 1 });
  });

  it('never closes a registered connection (a client that sent a heartbeat), however long it idles', async () => {
    const server = await serverWith(2);
    const registered = await connect(server);
    const idle = await connect(server);
    registered.write(encodeFrame(createRequest(REGISTER, { opaque: 1 }), SerializeType.JSON));
    await registered.waitFor(1);
    await sleep(IDLE_MILLIS);
    assert.equal(await clientPing(server), ResponseCode.SUCCESS, 'in place of the idle one');
    assert.equal(await closedWithin(idle, 1000), true);
    const refused = await connect(server);
    assert.equal(await closedWithin(refused, 1000), true, 'the registered one stays: refused');
    assert.equal(await closedWithin(registered, 100), false);
    await ping(registered, 2);
    assert.deepEqual(server.connectionsTurnedAway, { refused: 1, evicted: 1 });
  });

  it('never closes a busy connection; slots come back on close', async () => {
    const server = await serverWith(2);
    const a = await connect(server);
    const b = await connect(server);
    // Both keep talking (every 0.4 s) past the idle time.
    for (let i = 0; i < 6; i++) {
      await Promise.all([ping(a, 2 * i), ping(b, 2 * i + 1)]);
      await sleep(400);
    }
    const refused = await connect(server);
    assert.equal(await closedWithin(refused, 1000), true, 'nobody idle: the newcomer is refused');
    assert.deepEqual(server.connectionsTurnedAway, { refused: 1, evicted: 0 });
    await ping(a, 100); // both still served
    await ping(b, 101);

    b.destroy();
    await b.closed;
    // The slot comes back once the server saw the close.
    const deadline = performance.now() + 3000;
    let c: RawPeer | undefined;
    while (performance.now() < deadline) {
      c = await connect(server);
      if (!(await closedWithin(c, 200))) break;
      c = undefined;
    }
    assert.ok(c, 'a new connection is accepted once one closed');
    await ping(c, 102);
    await ping(a, 103);
  });

  it('TLS: sockets still waiting for their first byte or handshake can be closed for a newcomer', async () => {
    const certs = createDevelopmentCertificates();
    const server = await serverWith(3, {
      mode: 'permissive',
      cert: certs.server.cert,
      key: certs.server.key,
    });
    const waiting = [await connect(server), await connect(server)];
    const handshaking = await connect(server);
    handshaking.write(Buffer.from([0x16, 0x03, 0x01])); // a TLS record begun, never finished
    await sleep(IDLE_MILLIS);
    assert.equal(await clientPing(server), ResponseCode.SUCCESS); // plain, as permissive allows
    assert.equal(await closedWithin(waiting[0]!, 1000), true);
    assert.equal(await clientPing(server), ResponseCode.SUCCESS);
    assert.equal(await closedWithin(waiting[1]!, 1000), true);
    assert.equal(await clientPing(server), ResponseCode.SUCCESS);
    assert.equal(await closedWithin(handshaking, 1000), true);
    assert.deepEqual(server.connectionsTurnedAway, { refused: 0, evicted: 3 });

    // Once adopted, a connection is judged by its own activity, not by when it was accepted.
    const one = await serverWith(1, { mode: 'permissive', cert: certs.server.cert, key: certs.server.key });
    const busy = await connect(one);
    for (let i = 0; i < 7; i++) {
      await ping(busy, i);
      await sleep(400);
    }
    const newcomer = await connect(one);
    assert.equal(await closedWithin(newcomer, 1000), true, 'the newcomer is refused');
    await ping(busy, 100);
    assert.deepEqual(one.connectionsTurnedAway, { refused: 1, evicted: 0 });
  });

  it("a newcomer to one server takes the place of another server's idle connection at the parent's bound", () => {
    const fake = (lastActivity: number) => {
      const holder = { lastActivity, closed: false, close: () => (holder.closed = true) };
      return holder;
    };
    const process = new ConnectionSlots(3);
    const broker = new ConnectionSlots(Infinity, process);
    const namesrv = new ConnectionSlots(Infinity, process);
    const [busy, idle, young] = [fake(4500), fake(10), fake(4000)];
    for (const holder of [busy, idle, young]) {
      broker.take();
      broker.hold(holder);
    }
    assert.equal(namesrv.full, true);
    assert.equal(namesrv.evictIdle(1000), undefined, 'nobody idle for 2 s yet');
    assert.equal(namesrv.evictIdle(5000), idle, 'the one idle for 2 s');
    assert.deepEqual([busy.closed, idle.closed, young.closed], [false, true, false]);
    broker.forget(idle);
    broker.give();
    assert.equal(namesrv.full, false);
    // A server at its own bound takes only from its own connections.
    const own = new ConnectionSlots(1, process);
    const mine = fake(4800);
    own.take();
    own.hold(mine);
    assert.equal(own.evictIdle(10_000), mine);
    assert.equal(young.closed, false);
  });

  it('one newcomer looks at a bounded number of connections; the next one looks further', () => {
    const slots = new ConnectionSlots(201);
    const holders: (SlotHolder & { closed: boolean })[] = [];
    for (let i = 0; i < 200; i++) {
      const holder = { lastActivity: 9000, closed: false, close: () => (holder.closed = true) };
      holders.push(holder);
    }
    const idle = { lastActivity: 0, closed: false, close: () => (idle.closed = true) };
    for (const holder of [...holders, idle]) {
      slots.take();
      slots.hold(holder);
    }
    let attempts = 0;
    while (!idle.closed && attempts < 10) {
      slots.evictIdle(10_000);
      attempts++;
    }
    assert.equal(idle.closed, true);
    assert.equal(attempts, 4, '64 connections looked at per newcomer: the idle one is the 201st');
    assert.equal(
      holders.some((h) => h.closed),
      false,
    );
  });

  it("the process bound is a share of the open-file soft limit, read from the kernel's limits", () => {
    const limits = [
      'Limit                     Soft Limit           Hard Limit           Units     ',
      'Max cpu time              unlimited            unlimited            seconds   ',
      'Max open files            1024                 1048576              files     ',
    ].join('\n');
    assert.equal(openFilesSoftLimit(limits), 1024);
    assert.equal(openFilesSoftLimit(limits.replace('1024 ', 'unlimited ')), undefined);
    assert.equal(openFilesSoftLimit('nothing here'), undefined);
    const soft = openFilesSoftLimit();
    if (soft !== undefined)
      assert.equal(processConnectionSlots.limit, Math.max(16, Math.floor(soft * PROCESS_SHARE)));
  });

  it('every slot is back once the servers shut down', async () => {
    for (const peer of peers) peer.destroy();
    for (const client of clients) await client.shutdown();
    for (const server of servers.splice(0)) await server.shutdown({ graceMillis: 100 });
    const deadline = performance.now() + 3000;
    while (processConnectionSlots.used !== processSlotsBefore && performance.now() < deadline)
      await sleep(20);
    assert.equal(processConnectionSlots.used, processSlotsBefore);
  });
});
