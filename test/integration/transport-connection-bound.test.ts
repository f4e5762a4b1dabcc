/**
 * The bound on open connections (maxConnections, and the process's share of its open files:
 * src/transport/connection-slots.ts) over real sockets: past it, a new connection is refused, unless
 * a connection that has sent nothing for 2 s can be closed for it; connections that sent a request are
 * never closed for a newcomer; closed connections give their slot back.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ResponseCode } from '../../src/protocol/codes/response-code.js';
import { SerializeType } from '../../src/protocol/codes/misc.js';
import { createRequest, createResponse } from '../../src/protocol/command/remoting-command.js';
import { encodeFrame } from '../../src/protocol/frame/index.js';
import { RemotingClient, RemotingServer } from '../../src/transport/index.js';
import { ConnectionSlots, openFilesSoftLimit, PROCESS_SHARE } from '../../src/transport/connection-slots.js';
import { processConnectionSlots } from '../../src/transport/connection-slots.js';
import type { Connection } from '../../src/transport/connection.js';
import { RawPeer } from './transport-helpers.js';

const PING = 103;
/** Longer than the server's SILENT_EVICT_MILLIS (2 s). */
const SILENT_MILLIS = 2200;

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
  after(async () => {
    for (const peer of peers) peer.destroy();
    for (const client of clients) await client.shutdown();
    for (const server of servers) await server.shutdown({ graceMillis: 100 });
  });

  async function serverWith(maxConnections: number): Promise<RemotingServer> {
    const server = new RemotingServer({ host: '127.0.0.1', port: 0, maxConnections });
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

  it('refuses past the bound, then closes the oldest silent connection for a newcomer', async () => {
    const server = await serverWith(3);
    const silent = [await connect(server), await connect(server), await connect(server)];
    // Everyone is young: the fourth is refused, the first three stay.
    const early = await connect(server);
    assert.equal(await closedWithin(early, 1000), true, 'a connection past the bound is closed');
    assert.deepEqual(server.connectionsTurnedAway, { refused: 1, evicted: 0 });
    assert.equal(server.channels().length, 3);

    await sleep(SILENT_MILLIS);
    // A client now gets in, in place of the oldest silent connection, and is served.
    const client = new RemotingClient();
    clients.push(client);
    const response = await client.invokeSync(`127.0.0.1:${server.port}`, createRequest(PING), 3000);
    assert.equal(response.code, ResponseCode.SUCCESS);
    assert.equal(await closedWithin(silent[0]!, 1000), true, 'the oldest silent connection is closed');
    assert.equal(await closedWithin(silent[1]!, 100), false, 'only one is closed per newcomer');
    assert.deepEqual(server.connectionsTurnedAway, { refused: 1, evicted: 1 });
  });

  it('never closes a connection that sent a request; slots come back on close', async () => {
    const server = await serverWith(2);
    const a = await connect(server);
    const b = await connect(server);
    await ping(a, 1);
    await ping(b, 2);
    await sleep(SILENT_MILLIS);
    const refused = await connect(server);
    assert.equal(await closedWithin(refused, 1000), true, 'nobody to close: the newcomer is refused');
    assert.deepEqual(server.connectionsTurnedAway, { refused: 1, evicted: 0 });
    await ping(a, 3); // both still served
    await ping(b, 4);

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
    await ping(c, 5);
    await ping(a, 6);
  });

  it('a server bound and the process bound both count (slots)', () => {
    const parent = new ConnectionSlots(3);
    const one = new ConnectionSlots(2, parent);
    const two = new ConnectionSlots(Infinity, parent);
    one.take();
    one.take();
    assert.equal(one.full, true, 'its own bound');
    assert.equal(two.full, false);
    two.take();
    assert.equal(two.full, true, "the parent's bound");
    one.give();
    assert.equal(one.full, false);
    two.take();
    assert.equal(one.used, 1);
    assert.equal(one.full, true, "under its own bound, at the parent's");
    two.give();
    two.give();
    assert.equal(parent.used, 1);
  });

  it("at the process's bound, a newcomer to one server takes the place of another server's silent connection", () => {
    const fake = (openedAt: number, spoke = false) => {
      const c = { openedAt, spoke, closed: false, close: () => (c.closed = true) };
      return c;
    };
    const process = new ConnectionSlots(3);
    const broker = new ConnectionSlots(Infinity, process);
    const namesrv = new ConnectionSlots(Infinity, process);
    const [talker, idle, young] = [fake(0, true), fake(10), fake(4000)];
    for (const c of [talker, idle, young]) {
      broker.take();
      broker.addSilent(c as unknown as Connection);
    }
    assert.equal(namesrv.full, true);
    assert.equal(namesrv.evictSilent(1000), undefined, 'nothing silent for 2 s yet');
    assert.equal(namesrv.evictSilent(5000), idle, 'the oldest silent one, not the one that spoke');
    assert.deepEqual([talker.closed, idle.closed, young.closed], [false, true, false]);
    broker.forget(idle as unknown as Connection);
    broker.give();
    assert.equal(namesrv.full, false);
    // A server at its own bound takes only from its own connections.
    const own = new ConnectionSlots(1, process);
    const mine = fake(0);
    own.take();
    own.addSilent(mine as unknown as Connection);
    assert.equal(own.evictSilent(10_000), mine);
    assert.equal(young.closed, false);
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
    if (soft !== undefined) assert.equal(processConnectionSlots.limit, Math.floor(soft * PROCESS_SHARE));
  });
});
