/**
 * Fair reading (src/transport/read-turns.ts): a connection pipelining requests is served a share per
 * event-loop turn, so another connection's request is handled while the flood is still being
 * processed; and the flooding connection still gets every answer, in order.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ResponseCode } from '../../src/protocol/codes/response-code.js';
import { SerializeType } from '../../src/protocol/codes/misc.js';
import { createRequest, createResponse } from '../../src/protocol/command/remoting-command.js';
import { encodeFrame } from '../../src/protocol/frame/index.js';
import { REQUESTS_PER_CLOCK_READ } from '../../src/transport/read-turns.js';
import { RemotingServer } from '../../src/transport/index.js';
import { RawPeer } from './transport-helpers.js';

const RECORD = 101;

function frames(from: number, count: number, tag: string): Buffer {
  const list: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    list.push(
      encodeFrame(createRequest(RECORD, { opaque: from + i, extFields: { tag } }), SerializeType.JSON),
    );
  }
  return Buffer.concat(list);
}

describe('fair reading between pipelining connections', () => {
  let server: RemotingServer;
  /** Tag and opaque of each request, in the order the processor saw them. */
  const handled: { tag: string; opaque: number }[] = [];
  const peers: RawPeer[] = [];

  before(async () => {
    // A share of 1 us: used up at every look at the clock, so the interleaving does not depend on
    // how fast the machine runs the processor.
    server = new RemotingServer({ host: '127.0.0.1', port: 0, turnShareMillis: 0.001 });
    server.registerProcessor(RECORD, {
      processRequest: (_context, request) => {
        handled.push({ tag: request.extFields?.tag ?? '?', opaque: request.opaque });
        return createResponse(ResponseCode.SUCCESS);
      },
    });
    await server.start();
  });

  after(async () => {
    for (const peer of peers) peer.destroy();
    await server.shutdown({ graceMillis: 100 });
  });

  async function connect(): Promise<RawPeer> {
    const peer = await RawPeer.connect(server.port);
    peers.push(peer);
    return peer;
  }

  it(
    "a second connection's request is handled while the first one's flood is processed",
    { timeout: 20_000 },
    async () => {
      handled.length = 0;
      const flooder = await connect();
      const quiet = await connect();
      // Warm both connections (accepted, reading) before the flood.
      flooder.write(frames(1, 1, 'warm'));
      quiet.write(frames(1, 1, 'warm'));
      await Promise.all([flooder.waitFor(1), quiet.waitFor(1)]);
      handled.length = 0;
      // One socket write each, in the same turn: both are in the server's receive buffers before it
      // reads either, the flood first. Under 64 KiB: a single read, handled in one go without fairness.
      const flood = 400;
      const bytes = frames(1000, flood, 'flood');
      assert.ok(bytes.length < 60_000, `${bytes.length} bytes`);
      flooder.write(bytes);
      quiet.write(frames(7, 1, 'quiet'));
      await Promise.all([flooder.waitFor(1 + flood), quiet.waitFor(2)]);
      const at = handled.findIndex((h) => h.tag === 'quiet');
      const floodHandled = handled.filter((h) => h.tag === 'flood').length;
      assert.equal(floodHandled, flood);
      assert.ok(at >= 0);
      // Served after at most a few of the flood's shares, long before its end.
      assert.ok(at <= 2 * REQUESTS_PER_CLOCK_READ, `quiet request handled at ${at} of ${handled.length}`);
    },
  );

  it(
    "a flooding connection's requests are all handled and answered in order",
    { timeout: 20_000 },
    async () => {
      handled.length = 0;
      const flooder = await connect();
      const total = 5000;
      // Several writes whose frames straddle socket reads and the pause points.
      const stream = frames(1, total, 'order');
      for (let at = 0; at < stream.length; at += 50_001) flooder.write(stream.subarray(at, at + 50_001));
      await flooder.waitFor(total);
      assert.deepEqual(
        handled.map((h) => h.opaque),
        Array.from({ length: total }, (_, i) => i + 1),
      );
      assert.deepEqual(
        flooder.received.map((r) => r.opaque),
        Array.from({ length: total }, (_, i) => i + 1),
      );
    },
  );
});
