/**
 * FaultInjector without a network: installed only while it holds a request / connection rule (free
 * when off), seeded fractions reproducible, counts, first-match order, oneway requests never answered,
 * the `rmq dev --inject` spec parser.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FaultInjector } from '../../src/server/faults/fault-injector.js';
import { parseFaultSpec } from '../../src/server/faults/fault-rules.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import { CommandFlag } from '../../src/protocol/codes/index.js';
import { decodeFrame } from '../../src/protocol/frame/frame-codec.js';
import type { ServerInterceptor } from '../../src/transport/remoting-server.js';
import type { DispatchTarget } from '../../src/transport/dispatcher.js';
import { faultsFromFlags } from '../../src/cli/fault-flags.js';

function host() {
  const calls: (ServerInterceptor | undefined)[] = [];
  return { calls, setRequestInterceptor: (i: ServerInterceptor | undefined) => void calls.push(i) };
}

function target() {
  const frames: Buffer[] = [];
  let closed = false;
  const t = {
    remoteAddress: '127.0.0.1:1',
    get closed() {
      return closed;
    },
    context: { channel: { close: () => (closed = true) } },
    writeFrame: (f: Buffer) => void frames.push(f),
  } as unknown as DispatchTarget;
  return { t, frames, isClosed: () => closed };
}

const none = () => assert.fail('not resumed here');

describe('FaultInjector', () => {
  it('installs itself only while a request or connection rule exists', () => {
    const h = host();
    const f = new FaultInjector();
    f.attach(h);
    assert.deepEqual(h.calls, []);
    const stall = f.inject({ kind: 'stallFlush', millis: 5 });
    assert.deepEqual(h.calls, [], 'a flush stall needs no interceptor');
    const busy = f.inject({ kind: 'busy' });
    assert.deepEqual(h.calls, [f]);
    busy.remove();
    assert.deepEqual(h.calls, [f, undefined]);
    stall.remove();
    f.inject({ kind: 'refuseConnections', count: 1 });
    assert.equal(f.refuseConnection(), true);
    assert.equal(f.refuseConnection(), false, 'spent');
    assert.deepEqual(h.calls, [f, undefined, f, undefined]);
  });

  it('a seeded fraction picks the same requests every run', () => {
    const pattern = (seed: number) => {
      const f = new FaultInjector({ seed });
      f.inject({ kind: 'busy', fraction: 0.3 });
      return Array.from({ length: 200 }, () =>
        f.intercept(target().t, createRequest(10), none) ? 1 : 0,
      ).join('');
    };
    assert.equal(pattern(42), pattern(42));
    assert.notEqual(pattern(42), pattern(43));
    const hits = [...pattern(42)].filter((c) => c === '1').length;
    assert.ok(hits > 30 && hits < 90, `~30% of 200, got ${hits}`);
  });

  it('answers the chosen code with the opaque, the first matching rule wins, counts retire rules', () => {
    const f = new FaultInjector();
    const a = f.inject({
      kind: 'respond',
      code: 'SYSTEM_ERROR',
      remark: 'boom',
      codes: ['SEND_MESSAGE_V2'],
      count: 1,
    });
    const b = f.inject({ kind: 'busy', topics: ['T'] });
    const { t, frames } = target();
    const send = createRequest(310, { extFields: { b: 'T' } });
    send.opaque = 77;
    assert.equal(f.intercept(t, send, none), true);
    assert.equal(f.intercept(t, send, none), true);
    assert.equal(f.intercept(t, createRequest(310, { extFields: { b: 'Other' } }), none), false);
    const [first, second] = frames.map((fr) => decodeFrame(fr));
    assert.deepEqual([first?.code, first?.remark, first?.opaque], [1, 'boom', 77]);
    assert.equal(second?.code, 2);
    assert.equal((first?.flag ?? 0) & CommandFlag.RESPONSE, CommandFlag.RESPONSE);
    assert.deepEqual([a.hits, a.active, b.hits, b.active], [1, false, 1, true]);
  });

  it('never answers a oneway request; drop closes the connection; latency resumes later', async () => {
    const f = new FaultInjector();
    f.inject({ kind: 'busy', codes: [37] });
    const { t, frames } = target();
    const oneway = createRequest(37);
    oneway.flag |= CommandFlag.ONEWAY;
    assert.equal(f.intercept(t, oneway, none), true);
    assert.equal(frames.length, 0);
    f.clear();
    f.inject({ kind: 'drop' });
    const dropped = target();
    assert.equal(f.intercept(dropped.t, createRequest(10), none), true);
    assert.equal(dropped.isClosed(), true);
    f.clear();
    f.inject({ kind: 'latency', millis: 10 });
    // The injector's timers are unref'd (a fault must not keep a server's process alive): alone in
    // its process this test would see the event loop run out before the delay ends, and the runner
    // cancel it and every test after it.
    const keepAlive = setInterval(() => undefined, 1000);
    const resumed = await new Promise<number>((resolve) =>
      f.intercept(target().t, createRequest(11), (_t, r) => resolve(r.code)),
    ).finally(() => clearInterval(keepAlive));
    assert.equal(resumed, 11);
  });

  it('a stall without millis holds fsyncs until the rule goes', async () => {
    const f = new FaultInjector();
    assert.equal(f.beforeFsync(), undefined);
    const stall = f.inject({ kind: 'stallFlush' });
    let done = false;
    const waiting = f.beforeFsync()?.then(() => (done = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(done, false);
    stall.remove();
    await waiting;
    assert.equal(done, true);
  });

  it('parses --inject specs and refuses bad ones with a clear message', () => {
    assert.deepEqual(parseFaultSpec('busy,codes=SEND_MESSAGE+SEND_MESSAGE_V2,fraction=0.3,broker=0'), {
      kind: 'busy',
      codes: ['SEND_MESSAGE', 'SEND_MESSAGE_V2'],
      fraction: 0.3,
      broker: 0,
    });
    assert.deepEqual(parseFaultSpec('stall-flush,millis=200'), { kind: 'stallFlush', millis: 200 });
    assert.deepEqual(parseFaultSpec('respond,response=SYSTEM_ERROR,count=2,topic=T'), {
      kind: 'respond',
      code: 'SYSTEM_ERROR',
      count: 2,
      topics: ['T'],
    });
    assert.throws(() => parseFaultSpec('explode'), /unknown kind "explode"/);
    assert.throws(() => parseFaultSpec('busy,fraction=x'), /fraction=x .* is not a number/);
    assert.throws(() => parseFaultSpec('busy,colour=red'), /unknown key "colour"/);
    assert.throws(() => parseFaultSpec('respond,response=NOPE'), /unknown response code "NOPE"/);
  });

  it('rmq dev --inject: ";"-separated specs and a seed; bad flags are one-line usage errors', () => {
    assert.deepEqual(faultsFromFlags({ inject: 'busy,count=1; latency,millis=50', 'inject-seed': '7' }), {
      seed: 7,
      rules: [
        { kind: 'busy', count: 1 },
        { kind: 'latency', millis: 50 },
      ],
    });
    assert.equal(faultsFromFlags({}), undefined);
    assert.throws(() => faultsFromFlags({ 'inject-seed': '1' }), /--inject-seed needs --inject/);
    assert.throws(
      () => faultsFromFlags({ inject: 'latency' }),
      /--inject: fault rule: kind 'latency' needs millis/,
    );
    assert.throws(() => faultsFromFlags({ inject: ' ; ' }), /no fault given/);
  });
});
