/**
 * A `feed` consumer that pauses (PAUSE_FEED): the rest of the input stays in the decoder, undecoded
 * and counted in bufferedBytes, and `resumeFeed` continues where it stopped; input fed meanwhile goes
 * behind it. The connection pauses this way after its share of an event-loop turn.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SerializeType } from '../../src/protocol/codes/misc.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../src/protocol/command/remoting-command.js';
import { decodeFramePayload, encodeFrame } from '../../src/protocol/frame/frame-codec.js';
import { FrameDecoder, PAUSE_FEED } from '../../src/protocol/frame/frame-decoder.js';
import { plain } from '../helpers/commands.js';
import { Prng } from '../helpers/prng.js';

const rng = new Prng(20261204);

function frame(opaque: number, bodyLength: number): Buffer {
  const body = bodyLength > 0 ? rng.bytes(bodyLength) : undefined;
  return encodeFrame(
    createRequest(28, { extFields: { n: String(opaque) }, body, opaque }),
    SerializeType.JSON,
  );
}

/** Small frames with a few large ones (held as chunks when split) among them. */
function stream(): { bytes: Buffer; frames: Buffer[] } {
  const frames: Buffer[] = [];
  for (let i = 1; i <= 120; i++) frames.push(frame(i, i % 40 === 0 ? 70_000 : i % 7));
  return { bytes: Buffer.concat(frames), frames };
}

/**
 * Feeds `bytes` in pieces of `piece` bytes; the consumer pauses after every `every` commands. While
 * paused, the next piece goes to `queueInput` (a paused socket's late chunk) or `feed` (alternating),
 * and `resumeFeed` is called before each new piece. Checks the held-bytes count after every call.
 */
function feedPausing(
  bytes: Buffer,
  frameLength: ReadonlyMap<number, number>,
  piece: number,
  every: number,
): RemotingCommand[] {
  const decoder = new FrameDecoder();
  const got: RemotingCommand[] = [];
  let consumed = 0;
  const sink = (c: RemotingCommand): typeof PAUSE_FEED | undefined => {
    got.push(c);
    consumed += frameLength.get(c.opaque)!;
    return got.length % every === 0 ? PAUSE_FEED : undefined;
  };
  let fed = 0;
  const check = (): void => {
    const gap = fed - consumed - decoder.bufferedBytes;
    // The 4-byte length prefix of a frame being assembled is not held once read.
    assert.ok(gap === 0 || gap === 4, `fed ${fed}, consumed ${consumed}, held ${decoder.bufferedBytes}`);
  };
  let turn = 0;
  for (let at = 0; at < bytes.length; at += piece) {
    const chunk = Buffer.from(bytes.subarray(at, at + piece));
    fed += chunk.length;
    if (decoder.hasUnreadInput && turn++ % 2 === 0) decoder.queueInput(chunk);
    else decoder.feed(chunk, sink);
    check();
    if (decoder.hasUnreadInput) {
      decoder.resumeFeed(sink);
      check();
    }
  }
  while (decoder.hasUnreadInput) {
    decoder.resumeFeed(sink);
    check();
  }
  assert.equal(decoder.bufferedBytes, 0);
  assert.equal(decoder.hasPartialFrame, false);
  return got;
}

describe('frame decoder: a consumer that pauses', () => {
  const { bytes, frames } = stream();
  const frameLength = new Map(frames.map((f, i) => [i + 1, f.length]));
  const whole = frames.map((f) => plain(decodeFramePayload(f.subarray(4))));

  it('decodes every frame once, in order, whatever the pieces and the pause points', () => {
    for (const piece of [1, 7, 100, 4096, 65_536, bytes.length]) {
      for (const every of [1, 3, 32]) {
        assert.deepEqual(
          feedPausing(bytes, frameLength, piece, every).map(plain),
          whole,
          `piece ${piece}, every ${every}`,
        );
      }
    }
  });

  it('a pause on the last frame of a chunk keeps nothing; the next chunk decodes normally', () => {
    const decoder = new FrameDecoder();
    const seen: number[] = [];
    decoder.feed(Buffer.concat([frame(1, 0), frame(2, 0)]), (c) => {
      seen.push(c.opaque);
      return c.opaque === 2 ? PAUSE_FEED : undefined;
    });
    assert.equal(decoder.hasUnreadInput, false);
    assert.equal(decoder.bufferedBytes, 0);
    decoder.feed(frame(3, 0), (c) => void seen.push(c.opaque));
    assert.deepEqual(seen, [1, 2, 3]);
  });

  it('kept input that turns out bad fails the decoder on resume, after the good frames before it', () => {
    const decoder = new FrameDecoder();
    const seen: number[] = [];
    const bad = Buffer.alloc(8, 0xff);
    decoder.feed(Buffer.concat([frame(1, 0), frame(2, 0), bad]), (c) => {
      seen.push(c.opaque);
      return PAUSE_FEED;
    });
    assert.deepEqual(seen, [1]);
    assert.ok(decoder.bufferedBytes > 0);
    assert.throws(() => decoder.resumeFeed((c) => void seen.push(c.opaque)));
    assert.deepEqual(seen, [1, 2]);
    assert.ok(decoder.failure);
    assert.equal(decoder.bufferedBytes, 0);
    assert.equal(decoder.hasUnreadInput, false);
  });

  it('returning false still stops for good (the kept input is dropped)', () => {
    const decoder = new FrameDecoder();
    decoder.feed(Buffer.concat([frame(1, 0), frame(2, 0), frame(3, 0)]), () => PAUSE_FEED);
    assert.ok(decoder.hasUnreadInput);
    decoder.resumeFeed(() => false);
    assert.ok(decoder.failure);
    assert.equal(decoder.bufferedBytes, 0);
    assert.throws(() => decoder.feed(frame(4, 0), () => undefined), /already failed/);
  });
});
