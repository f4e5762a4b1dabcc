/** Frames completed before garbage in the same chunk are delivered; then the decoder is failed. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProtocolError } from '../../src/common/errors.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import { encodeFrame } from '../../src/protocol/frame/frame-codec.js';
import { FrameDecoder } from '../../src/protocol/frame/frame-decoder.js';
import { SerializeType } from '../../src/protocol/codes/misc.js';

const frame = (opaque: number): Buffer =>
  encodeFrame(createRequest(105, { opaque, extFields: { topic: 'T' } }), SerializeType.JSON);
// Declares 8 bytes: header-length word with serialize type 7, then 4 bytes.
const garbage = Buffer.from('0000000807000000deadbeef', 'hex');

describe('FrameDecoder: good frames, then garbage, in one chunk', () => {
  it('push returns the good frames, sets failure, and the next push throws', () => {
    const decoder = new FrameDecoder();
    const frames = decoder.push(Buffer.concat([frame(1), frame(2), Buffer.from('ffffffff', 'hex')]));
    assert.equal(frames.length, 2);
    assert.ok(decoder.failure instanceof ProtocolError);
    assert.throws(() => decoder.push(frame(3)), ProtocolError);
  });

  it('pushCommands returns the decoded commands before an undecodable frame', () => {
    const decoder = new FrameDecoder();
    const commands = decoder.pushCommands(Buffer.concat([frame(1), frame(2), garbage, frame(4)]));
    assert.deepEqual(
      commands.map((c) => c.opaque),
      [1, 2],
    );
    assert.ok(decoder.failure instanceof ProtocolError);
    assert.match(decoder.failure.message, /serialize type 7/);
    assert.throws(() => decoder.pushCommands(frame(5)), ProtocolError);
  });

  it('throws at once when nothing good precedes the garbage', () => {
    const decoder = new FrameDecoder();
    assert.throws(() => decoder.pushCommands(Buffer.concat([garbage, frame(1)])), ProtocolError);
    assert.ok(decoder.failure instanceof ProtocolError);
  });
});

describe('FrameDecoder.feed (the connection path)', () => {
  it('hands over the commands before an undecodable frame, then throws', () => {
    const decoder = new FrameDecoder();
    const seen: number[] = [];
    assert.throws(
      () =>
        decoder.feed(Buffer.concat([frame(1), frame(2), garbage, frame(4)]), (c) => void seen.push(c.opaque)),
      /serialize type 7/,
    );
    assert.deepEqual(seen, [1, 2]);
    assert.throws(() => decoder.feed(frame(5), () => true), ProtocolError);
  });

  it('stops at a sink returning false and drops the rest, a split frame included', () => {
    const decoder = new FrameDecoder();
    const seen: number[] = [];
    const chunk = Buffer.concat([frame(1), frame(2), frame(3).subarray(0, 10)]);
    decoder.feed(chunk, (c) => {
      seen.push(c.opaque);
      return false;
    });
    assert.deepEqual(seen, [1]);
    assert.equal(decoder.bufferedBytes, 0);
    assert.ok(decoder.failure instanceof ProtocolError);
  });

  it('delivers a frame split across chunks once its last piece arrives', () => {
    const decoder = new FrameDecoder();
    const bytes = Buffer.concat([frame(1), frame(2)]);
    const seen: number[] = [];
    for (let i = 0; i < bytes.length; i++)
      decoder.feed(bytes.subarray(i, i + 1), (c) => void seen.push(c.opaque));
    assert.deepEqual(seen, [1, 2]);
    assert.equal(decoder.failure, undefined);
  });
});
