/**
 * The parts of frame landing that need no socket: the decoder handing over its unfinished frame
 * (FrameDecoder.detachPendingFrame) and the pool of landing buffers (LandingBuffers).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SerializeType } from '../../src/protocol/codes/misc.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../src/protocol/command/remoting-command.js';
import { encodeFrame, FrameDecoder } from '../../src/protocol/frame/index.js';
import { LandingBuffers } from '../../src/transport/landing-buffers.js';

function frameOf(body: Buffer, opaque = 1): Buffer {
  return encodeFrame(createRequest(100, { opaque, body }), SerializeType.JSON);
}

describe('FrameDecoder.detachPendingFrame', () => {
  it('hands over the held bytes after the length prefix; fed whole, the frame decodes with a body viewing the target', () => {
    const body = Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 251));
    const frame = frameOf(body);
    const decoder = new FrameDecoder();
    const got: RemotingCommand[] = [];
    // Held in several pieces, small ones gathered into runs (incomplete-frame.ts).
    for (const [from, to] of [
      [0, 3],
      [3, 10],
      [10, 70_000],
      [70_000, 70_005],
      [70_005, 90_000],
    ])
      decoder.feed(frame.subarray(from, to), (c) => void got.push(c));
    assert.deepEqual(decoder.pendingFrame, { length: frame.length - 4, held: 90_000 - 4 });
    const target = Buffer.alloc(frame.length + 10);
    assert.equal(decoder.detachPendingFrame(target), 90_000);
    assert.equal(decoder.pendingFrame, undefined);
    assert.equal(decoder.hasPartialFrame, false);
    assert.equal(decoder.bufferedBytes, 0);
    assert.deepEqual(target.subarray(0, 90_000), frame.subarray(0, 90_000));
    frame.copy(target, 90_000, 90_000);
    decoder.feed(target.subarray(0, frame.length), (c) => void got.push(c));
    assert.equal(got.length, 1);
    assert.deepEqual(got[0]!.body, body);
    assert.equal(got[0]!.body!.buffer, target.buffer, 'no copy of the body');
    // The decoder goes on with the next frame as usual.
    decoder.feed(frameOf(Buffer.from('next'), 2), (c) => void got.push(c));
    assert.equal(got[1]!.body?.toString(), 'next');
  });

  it('is undefined, and refuses, while the length prefix is incomplete, input waits, or nothing is held', () => {
    const decoder = new FrameDecoder();
    assert.equal(decoder.pendingFrame, undefined);
    assert.throws(() => decoder.detachPendingFrame(Buffer.alloc(10)), /no unfinished frame/);
    decoder.feed(frameOf(Buffer.alloc(10)).subarray(0, 3), () => undefined);
    assert.equal(decoder.pendingFrame, undefined, 'prefix incomplete');
    const paused = new FrameDecoder();
    paused.queueInput(frameOf(Buffer.alloc(100)).subarray(0, 50));
    assert.equal(paused.pendingFrame, undefined, 'input kept undecoded');
  });

  it('refuses a target too small for the whole frame, leaving the frame in place', () => {
    const decoder = new FrameDecoder();
    const frame = frameOf(Buffer.alloc(1000, 1));
    decoder.feed(frame.subarray(0, 500), () => undefined);
    assert.throws(() => decoder.detachPendingFrame(Buffer.alloc(frame.length - 1)), RangeError);
    let got: RemotingCommand | undefined;
    decoder.feed(frame.subarray(500), (c) => void (got = c));
    assert.deepEqual(got?.body, Buffer.alloc(1000, 1));
  });
});

describe('LandingBuffers', () => {
  it('reuses a buffer given back for a frame of at least half its size, never one still lent', () => {
    const pool = new LandingBuffers();
    const a = pool.lend(300_000);
    assert.equal(a.length, 300_000);
    assert.ok(pool.isLent(a) && pool.isLent(a.subarray(10, 20)));
    const b = pool.lend(300_000);
    assert.notEqual(b.buffer, a.buffer, 'a is still lent');
    pool.giveBack(a.subarray(100, 200));
    assert.equal(pool.isLent(a), false);
    assert.equal(pool.lend(100_000).buffer === a.buffer, false, 'too small for a 320 KiB buffer');
    const c = pool.lend(200_000);
    assert.equal(c.buffer, a.buffer, 'reused');
    assert.equal(c.length, 200_000);
    assert.deepEqual(pool.stats, { landed: 4, reused: 1, givenBack: 1 });
  });

  it('leaves at least one byte free after the frame in its buffer', () => {
    const pool = new LandingBuffers();
    assert.equal(pool.lend(2 << 20).buffer.byteLength, (2 << 20) + 64 * 1024);
    const a = pool.lend(200_000);
    pool.giveBack(a);
    assert.notEqual(pool.lend(a.buffer.byteLength).buffer, a.buffer, 'no byte would be free');
  });

  it('gives back once per lending, and ignores buffers it never lent', () => {
    const pool = new LandingBuffers();
    const a = pool.lend(200_000);
    pool.giveBack(a);
    pool.giveBack(a);
    pool.giveBack(Buffer.alloc(200_000));
    pool.giveBack(undefined);
    assert.equal(pool.stats.givenBack, 1);
    assert.equal(pool.keptByteCount, a.buffer.byteLength);
    const b = pool.lend(200_000);
    const c = pool.lend(200_000);
    assert.equal(b.buffer, a.buffer);
    assert.notEqual(c.buffer, a.buffer, 'one kept buffer serves one frame');
  });

  it('keeps at most 32 MiB of buffers', () => {
    const pool = new LandingBuffers();
    // Buffers of exactly 4 MiB: a frame is lent one byte short of its buffer at most.
    const lent = Array.from({ length: 12 }, () => pool.lend((4 << 20) - 1));
    assert.equal(lent[0]!.buffer.byteLength, 4 << 20);
    for (const b of lent) pool.giveBack(b);
    assert.equal(pool.keptByteCount, 32 << 20);
    assert.equal(pool.stats.givenBack, 12);
  });
});
