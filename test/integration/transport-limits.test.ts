/**
 * Server resource limits against hostile peers (issue 10, defect 6), with short limits:
 * - a header over the header caps is answered MESSAGE_ILLEGAL (when its opaque can be read) and the
 *   connection closed;
 * - unfinished frames share one byte budget per server: the connection whose partial frame would
 *   exceed it is closed, the others keep going;
 * - a frame must be completed within a deadline once started: a one-byte trickle does not keep a
 *   connection open, although bytes keep arriving (the idle timeout never fires).
 */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SerializeType } from '../../src/protocol/codes/misc.js';
import { ResponseCode } from '../../src/protocol/codes/response-code.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import { encodeFrame } from '../../src/protocol/frame/index.js';
import { RemotingClient } from '../../src/transport/index.js';
import type { RemotingServer } from '../../src/transport/index.js';
import type { RemotingServerConfig } from '../../src/transport/index.js';
import { captureLogger, ECHO, RawPeer, startEchoServer } from './transport-helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const sleep = (millis: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, millis));

async function server(config: RemotingServerConfig): Promise<RemotingServer> {
  const s = await startEchoServer(config);
  cleanups.push(() => s.shutdown({ graceMillis: 100 }));
  return s;
}

const peer = (port: number): Promise<RawPeer> => RawPeer.connectTracked(port, cleanups);

function fields(count: number): Record<string, string> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, 'v']));
}

function echo(opaque: number, bodyLength: number): Buffer {
  return encodeFrame(createRequest(ECHO, { opaque, body: Buffer.alloc(bodyLength, 7) }), SerializeType.JSON);
}

/** True when the socket closed within `millis`. */
async function closedWithin(p: RawPeer, millis: number): Promise<boolean> {
  return Promise.race([p.closed.then(() => true), sleep(millis).then(() => false)]);
}

async function stillServes(s: RemotingServer): Promise<void> {
  const client = new RemotingClient();
  try {
    const response = await client.invokeSync(
      `127.0.0.1:${s.port}`,
      createRequest(ECHO, { body: Buffer.from('ok') }),
      3000,
    );
    assert.equal(response.body?.toString(), 'ok');
  } finally {
    await client.shutdown();
  }
}

describe('header caps at the server', () => {
  for (const [form, type] of [
    ['JSON', SerializeType.JSON],
    ['ROCKETMQ', SerializeType.ROCKETMQ],
  ] as const) {
    it(`${form}: too many fields is answered MESSAGE_ILLEGAL with the opaque, then the connection closes`, async () => {
      const logger = captureLogger();
      const s = await server({ maxHeaderFields: 8, logger });
      const p = await peer(s.port);
      p.write(encodeFrame(createRequest(ECHO, { extFields: fields(9), opaque: 77 }), type));
      await p.closed;
      assert.equal(p.received.length, 1);
      const answer = p.received[0]!;
      assert.equal(answer.code, ResponseCode.MESSAGE_ILLEGAL);
      assert.equal(answer.opaque, 77);
      assert.match(answer.remark ?? '', /more than 8 fields/);
      assert.ok(logger.lines.some((l) => l.level === 'warn' && /header/.test(l.msg)));
      await stillServes(s);
    });
  }

  it('a header over maxHeaderLength: a RemotingClient gets the answer as its response', async () => {
    const s = await server({ maxHeaderLength: 512 });
    const client = new RemotingClient();
    cleanups.push(() => client.shutdown());
    const response = await client.invokeSync(
      `127.0.0.1:${s.port}`,
      createRequest(ECHO, { extFields: { big: 'x'.repeat(600) } }),
      3000,
    );
    assert.equal(response.code, ResponseCode.MESSAGE_ILLEGAL);
    assert.match(response.remark ?? '', /exceeds the limit of 512 bytes/);
    await stillServes(s);
  });
});

describe('partial-frame budget', () => {
  it('the connection whose partial frame would exceed the budget is closed; the budget frees again', async () => {
    const logger = captureLogger();
    const s = await server({ partialFrameBudgetBytes: 100_000, logger });
    const a = await peer(s.port);
    const b = await peer(s.port);
    const frameA = echo(1, 80_000);
    a.write(frameA.subarray(0, 60_000));
    await sleep(100);
    b.write(echo(2, 80_000).subarray(0, 60_000));
    assert.equal(await closedWithin(b, 2000), true, 'b goes: a and b together hold 120 kB');
    assert.equal(await closedWithin(a, 100), false, 'a stays');
    assert.ok(
      logger.lines.some((l) => l.level === 'warn' && /partial-frame budget/.test(l.msg)),
      JSON.stringify(logger.lines.map((l) => l.msg)),
    );
    // a finishes its frame and is answered; its bytes return to the budget.
    a.write(frameA.subarray(60_000));
    await a.waitFor(1);
    assert.equal(a.received[0]!.body?.length, 80_000);
    const c = await peer(s.port);
    c.write(echo(3, 95_000).subarray(0, 90_000));
    assert.equal(await closedWithin(c, 300), false, 'c fits in the freed budget');
    // A closed connection returns its partial frame to the budget as well.
    c.destroy();
    await sleep(100);
    const d = await peer(s.port);
    d.write(echo(4, 95_000).subarray(0, 90_000));
    assert.equal(await closedWithin(d, 300), false, 'd fits once c is gone');
    await stillServes(s);
  });
});

describe('frame completion deadline', () => {
  const limits = { frameCompletionTimeoutMillis: 400, scanIntervalMillis: 25, channelMaxIdleMillis: 0 };

  it('a trickle of one byte at a time is closed at the deadline although bytes keep arriving', async () => {
    const logger = captureLogger();
    const s = await server({ ...limits, logger });
    const p = await peer(s.port);
    const frame = echo(1, 1000);
    const begin = performance.now();
    let sent = 0;
    while (!(await closedWithin(p, 20)) && sent < frame.length) p.write(frame.subarray(sent, ++sent));
    const took = performance.now() - begin;
    assert.ok(sent < frame.length, 'closed before the frame was complete');
    assert.ok(took >= 350 && took < 3000, `closed after ${took.toFixed(0)} ms`);
    assert.ok(
      logger.lines.some((l) => l.level === 'warn' && /not completed/.test(l.msg)),
      JSON.stringify(logger.lines.map((l) => l.msg)),
    );
  });

  it('slow but steady whole frames, and a large frame finished in time, are served', async () => {
    const s = await server(limits);
    const p = await peer(s.port);
    // Each frame completes quickly; the connection lives well past the deadline.
    for (let i = 0; i < 8; i++) {
      p.write(echo(i, 10));
      await sleep(100);
    }
    // A 1 MB frame sent in pieces over ~200 ms (half the deadline).
    const big = echo(100, 1_000_000);
    for (let at = 0; at < big.length; at += 100_000) {
      p.write(big.subarray(at, at + 100_000));
      await sleep(20);
    }
    await p.waitFor(9);
    assert.equal(p.received[8]!.body?.length, 1_000_000);
    assert.equal(await closedWithin(p, 100), false);
  });
});
