/**
 * The bound on open connections (maxConnections, and the process's share of its open files:
 * src/transport/connection-slots.ts) over real sockets: past it, a new connection is refused, unless
 * the oldest connection that has sent no request in 2 s can be closed for it (a response nobody asked
 * for does not count; TLS sockets still waiting for their handshake included); a connection that sent
 * a request is never closed for a newcomer, however idle; closed connections give their slot back, and
 * every slot is back after shutdown.
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
  SILENT_EVICT_MILLIS,
  openFilesSoftLimit,
  PROCESS_SHARE,
  processConnectionSlots,
} from '../../src/transport/connection-slots.js';
import { NameServer } from '../../src/server/namesrv/index.js';
import { resolveBrokerOptions } from '../../src/server/broker/core/broker-config.js';
import { ValidationBroker } from '../helpers/broker-validation.js';
import { RawPeer } from './transport-helpers.js';

const PING = 103;
/** Longer than SILENT_EVICT_MILLIS. */
const IDLE_MILLIS = SILENT_EVICT_MILLIS + 200;

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

  it('refuses past the bound, then closes the oldest connection that sent nothing for a newcomer', async () => {
    const server = await serverWith(3);
    const idle = [await connect(server), await connect(server), await connect(server)];
    // Nobody has been idle long enough: the fourth is refused, the first three stay.
    const early = await connect(server);
    assert.equal(await closedWithin(early, 1000), true, 'a connection past the bound is closed');
    assert.deepEqual(server.connectionsTurnedAway, { refused: 1, evicted: 0 });
    assert.equal(server.channels().length, 3);

    await sleep(IDLE_MILLIS);
    // A client now gets in, in place of the oldest connection that sent nothing, and is served.
    assert.equal(await clientPing(server), ResponseCode.SUCCESS);
    assert.equal(await closedWithin(idle[0]!, 1000), true, 'the oldest silent connection is closed');
    assert.equal(await closedWithin(idle[1]!, 100), false, 'only one is closed per newcomer');
    assert.deepEqual(server.connectionsTurnedAway, { refused: 1, evicted: 1 });
  });

  it('a response nobody asked for does not count as speaking', async () => {
    const server = await serverWith(2);
    const a = await connect(server);
    const b = await connect(server);
    for (const peer of [a, b]) {
      peer.write(encodeFrame(createResponse(ResponseCode.SUCCESS, { opaque: 7 }), SerializeType.JSON));
    }
    await sleep(IDLE_MILLIS);
    assert.equal(await clientPing(server), ResponseCode.SUCCESS);
    assert.equal(await closedWithin(a, 1000), true);
    assert.deepEqual(server.connectionsTurnedAway, { refused: 0, evicted: 1 });
  });

  it('never closes a connection that sent a request, however idle; slots come back on close', async () => {
    const server = await serverWith(2);
    const a = await connect(server);
    const b = await connect(server);
    await ping(a, 1);
    await ping(b, 2);
    await sleep(IDLE_MILLIS); // both idle since
    const refused = await connect(server);
    assert.equal(await closedWithin(refused, 1000), true, 'nobody silent: the newcomer is refused');
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

    // Once adopted, a connection is judged by what it sent, not by its socket's first wait.
    const one = await serverWith(1, { mode: 'permissive', cert: certs.server.cert, key: certs.server.key });
    const busy = await connect(one);
    await ping(busy, 1);
    await sleep(IDLE_MILLIS);
    const newcomer = await connect(one);
    assert.equal(await closedWithin(newcomer, 1000), true, 'the newcomer is refused');
    await ping(busy, 100);
    assert.deepEqual(one.connectionsTurnedAway, { refused: 1, evicted: 0 });
  });

  it("a newcomer to one server takes the place of another server's silent connection at the parent's bound", () => {
    const fake = (openedAt: number, spoke = false) => {
      const holder = { openedAt, spoke, closed: false, close: () => (holder.closed = true) };
      return holder;
    };
    const process = new ConnectionSlots(3);
    const broker = new ConnectionSlots(Infinity, process);
    const namesrv = new ConnectionSlots(Infinity, process);
    const [talker, silent, young] = [fake(0, true), fake(10), fake(4000)];
    for (const holder of [talker, silent, young]) {
      broker.take();
      broker.hold(holder);
    }
    assert.equal(namesrv.full, true);
    assert.equal(namesrv.evictSilent(1000), undefined, 'nobody silent for 2 s yet');
    assert.equal(namesrv.evictSilent(5000), silent, 'the oldest silent one, not the one that spoke');
    assert.deepEqual([talker.closed, silent.closed, young.closed], [false, true, false]);
    broker.forget(silent);
    broker.give();
    assert.equal(namesrv.full, false);
    // A server at its own bound takes only from its own connections.
    const own = new ConnectionSlots(1, process);
    const mine = fake(4500);
    own.take();
    own.hold(mine);
    assert.equal(own.evictSilent(10_000), mine);
    assert.equal(young.closed, false);
  });

  it('holders that spoke are dropped from the order as they are met: the next search starts past them', () => {
    const slots = new ConnectionSlots(3);
    const holders = Array.from({ length: 3 }, (_, i) => {
      const holder = { openedAt: i, spoke: false, closed: false, close: () => (holder.closed = true) };
      slots.take();
      slots.hold(holder);
      return holder;
    });
    holders[0]!.spoke = true;
    holders[1]!.spoke = true;
    assert.equal(slots.evictSilent(10_000), holders[2]);
    holders[0]!.spoke = false; // dropped already: never looked at again
    assert.equal(slots.evictSilent(10_000), undefined);
    assert.equal(holders[0]!.closed, false);
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

  it('the name server and the broker take maxConnections', async () => {
    const namesrv = new NameServer({ port: 0, maxConnections: 1 });
    await namesrv.start();
    try {
      const first = await RawPeer.connect(namesrv.port);
      peers.push(first);
      const second = await RawPeer.connect(namesrv.port);
      peers.push(second);
      assert.equal(await closedWithin(second, 1000), true, 'past its bound');
      assert.equal(await closedWithin(first, 100), false);
    } finally {
      await namesrv.shutdown();
    }
    const broker = await ValidationBroker.start({ maxConnections: 1 });
    try {
      const port = Number(broker.broker.address.split(':').pop());
      const first = await RawPeer.connect(port);
      peers.push(first);
      const second = await RawPeer.connect(port);
      peers.push(second);
      assert.equal(await closedWithin(second, 1000), true, 'past its bound');
    } finally {
      await broker.stop();
    }

    assert.throws(
      () => resolveBrokerOptions({ maxConnections: -1 }),
      /maxConnections must be a whole number/,
    );
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
