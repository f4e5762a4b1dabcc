/**
 * Large frames split across socket chunks keep their body in the chunks (chunked-body.ts): the
 * decoder hands out views of the chunks, `body` joins them on first read, and every split decodes to
 * the command the joined frame decodes to.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HeaderLimitError } from '../../src/common/errors.js';
import { SerializeType } from '../../src/protocol/codes/misc.js';
import { aclSignature } from '../../src/protocol/command/acl-signature.js';
import {
  attachChunkedBody,
  bodyOrChunks,
  ChunkedBody,
  chunkedBodyOf,
} from '../../src/protocol/command/chunked-body.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../src/protocol/command/remoting-command.js';
import { decodeFramePayload, encodeFrame } from '../../src/protocol/frame/frame-codec.js';
import { CHUNKED_FRAME_MIN_BYTES, FrameDecoder } from '../../src/protocol/frame/frame-decoder.js';
import { crc32, crc32Chunks } from '../../src/protocol/message/crc32.js';
import { plain } from '../helpers/commands.js';
import { Prng } from '../helpers/prng.js';

const rng = new Prng(20261203);

function frameWithBody(bodyLength: number, type: 0 | 1 = SerializeType.JSON, opaque = 5): Buffer {
  const body = rng.bytes(bodyLength);
  return encodeFrame(createRequest(310, { extFields: { a: 'x', topic: 'T' }, body, opaque }), type);
}

/** Feeds `frame` to a new decoder cut at `cuts` (offsets into the frame); returns the commands. */
function feedCut(frame: Buffer, cuts: readonly number[]): RemotingCommand[] {
  const decoder = new FrameDecoder();
  const out: RemotingCommand[] = [];
  let from = 0;
  for (const cut of [...cuts, frame.length]) {
    // A copy per piece, as the socket hands out separate buffers.
    if (cut > from) decoder.feed(Buffer.from(frame.subarray(from, cut)), (c) => void out.push(c));
    from = cut;
  }
  return out;
}

describe('ChunkedBody and the body accessor', () => {
  it('joins on first read, then holds a plain data property; chunks are handed out until then', () => {
    const a = Buffer.from('hello ');
    const b = Buffer.from('world');
    const command = createRequest(1);
    const chunked = new ChunkedBody([a, b]);
    assert.equal(chunked.length, 11);
    attachChunkedBody(command, chunked);
    assert.equal(chunkedBodyOf(command), chunked);
    assert.equal(bodyOrChunks(command), chunked, 'bodyOrChunks does not join');
    assert.equal(chunkedBodyOf(command), chunked);
    assert.ok(Object.keys(command).includes('body'), 'body is enumerable');
    const body = command.body!;
    assert.equal(body.toString(), 'hello world');
    assert.equal(command.body, body, 'joined once');
    assert.equal(chunkedBodyOf(command), undefined);
    assert.equal(bodyOrChunks(command), body);
    const descriptor = Object.getOwnPropertyDescriptor(command, 'body')!;
    assert.equal(descriptor.value, body);
    assert.equal(descriptor.get, undefined);
  });

  it('an assignment replaces the chunks; a spread copy gets the joined bytes', () => {
    const command = createRequest(1);
    attachChunkedBody(command, new ChunkedBody([Buffer.from('ab'), Buffer.from('c')]));
    assert.equal({ ...command }.body!.toString(), 'abc');
    const other = createRequest(1);
    attachChunkedBody(other, new ChunkedBody([Buffer.from('ab')]));
    other.body = Buffer.from('new');
    assert.equal(chunkedBodyOf(other), undefined);
    assert.equal(other.body.toString(), 'new');
  });

  it('a deleted body lets the chunks go; a frozen command still reads its body (joined once)', () => {
    const deleted = createRequest(1);
    attachChunkedBody(deleted, new ChunkedBody([Buffer.from('gone')]));
    delete deleted.body;
    assert.equal(deleted.body, undefined);
    assert.equal(chunkedBodyOf(deleted), undefined);
    assert.equal(bodyOrChunks(deleted), undefined);

    const frozen = createRequest(1);
    attachChunkedBody(frozen, new ChunkedBody([Buffer.from('ab'), Buffer.from('cd')]));
    Object.freeze(frozen);
    assert.ok(chunkedBodyOf(frozen), 'not read yet');
    const body = frozen.body!;
    assert.equal(body.toString(), 'abcd');
    assert.equal(frozen.body, body, 'the same bytes on every read');
    assert.equal(chunkedBodyOf(frozen), undefined, 'read: no longer handed out as chunks');
    assert.throws(() => {
      frozen.body = Buffer.from('x');
    }, TypeError);
  });

  it('CRC-32 and the ACL signature over the chunks equal those over the joined bytes', () => {
    const whole = rng.bytes(200_000);
    const chunks = [whole.subarray(0, 1), whole.subarray(1, 70_000), whole.subarray(70_000)];
    assert.equal(crc32Chunks(chunks), crc32(whole));
    assert.equal(crc32Chunks([]), 0);
    const fields = { AccessKey: 'ak', topic: 'T' };
    assert.equal(aclSignature(fields, new ChunkedBody(chunks), 'sk'), aclSignature(fields, whole, 'sk'));
    assert.notEqual(
      aclSignature(fields, new ChunkedBody(chunks.slice(0, 2)), 'sk'),
      aclSignature(fields, whole, 'sk'),
    );
  });
});

describe('FrameDecoder: large split frames', () => {
  it('a split frame of CHUNKED_FRAME_MIN_BYTES keeps its body in views of the chunks; one byte less is joined', () => {
    for (const type of [SerializeType.JSON, SerializeType.ROCKETMQ] as const) {
      const probe = frameWithBody(0, type);
      const headerBytes = probe.length - 4;
      const large = frameWithBody(CHUNKED_FRAME_MIN_BYTES - headerBytes, type);
      assert.equal(large.readInt32BE(0), CHUNKED_FRAME_MIN_BYTES);
      const decoder = new FrameDecoder();
      const pieces = [0, 30_000, 50_000].map((from, i, all) => Buffer.from(large.subarray(from, all[i + 1])));
      const got: RemotingCommand[] = [];
      for (const p of pieces) decoder.feed(p, (c) => void got.push(c));
      assert.equal(got.length, 1);
      const chunked = chunkedBodyOf(got[0]!)!;
      assert.ok(chunked, `type ${type}: chunked`);
      assert.equal(chunked.chunks.length, 3);
      chunked.chunks.forEach((chunk, i) => assert.equal(chunk.buffer, pieces[i]!.buffer, 'a view, no copy'));
      assert.deepEqual(plain(got[0]!), plain(decodeFramePayload(large.subarray(4))));

      const small = frameWithBody(CHUNKED_FRAME_MIN_BYTES - headerBytes - 1, type);
      const smallGot = feedCut(small, [30_000, 50_000]);
      assert.equal(chunkedBodyOf(smallGot[0]!), undefined, 'below the threshold: joined');
      assert.deepEqual(plain(smallGot[0]!), plain(decodeFramePayload(small.subarray(4))));
    }
  });

  it('every cut through the prefix and the header decodes the same command (both header forms)', () => {
    for (const type of [SerializeType.JSON, SerializeType.ROCKETMQ] as const) {
      const frame = frameWithBody(100_000, type);
      const expected = plain(decodeFramePayload(frame.subarray(4)));
      const headerEnd = 8 + (frame.readInt32BE(4) & 0xffffff);
      for (let cut = 1; cut <= headerEnd + 2; cut++) {
        for (const second of [cut + 1, headerEnd + 1, 70_000]) {
          const cuts = second > cut ? [cut, second] : [cut];
          const got = feedCut(frame, cuts);
          assert.equal(got.length, 1);
          // A payload wholly in one piece is a view of it; one split after the prefix keeps chunks.
          const split = cuts.some((c) => c > 4);
          assert.equal(chunkedBodyOf(got[0]!) !== undefined, split, `cut ${cut}/${second}`);
          assert.deepEqual(plain(got[0]!), expected, `type ${type} cut ${cut}/${second}`);
        }
      }
    }
  });

  it('random splits of large frames among small ones: same commands as decoded whole', () => {
    for (let round = 0; round < 40; round++) {
      const frames = Array.from({ length: rng.range(1, 5) }, () =>
        rng.bool() ? frameWithBody(rng.range(60_000, 300_000)) : frameWithBody(rng.range(0, 300)),
      );
      const stream = Buffer.concat(frames);
      const cuts = Array.from({ length: rng.range(1, 30) }, () => rng.range(1, stream.length - 1)).sort(
        (a, b) => a - b,
      );
      const got = feedCut(stream, cuts);
      assert.deepEqual(
        got.map(plain),
        frames.map((f) => plain(decodeFramePayload(f.subarray(4)))),
        `round ${round}`,
      );
    }
  });

  it('a large frame fed in tiny pieces is held in 16 KiB runs: few chunks, each byte copied once', () => {
    const frame = frameWithBody(100_000);
    const decoder = new FrameDecoder();
    let got: RemotingCommand | undefined;
    for (let at = 0; at < frame.length; at += 7) {
      decoder.feed(frame.subarray(at, Math.min(at + 7, frame.length)), (c) => void (got = c));
    }
    const chunked = chunkedBodyOf(got!)!;
    assert.ok(chunked);
    assert.ok(
      chunked.chunks.length <= Math.ceil(frame.length / 16384) + 1,
      `${chunked.chunks.length} chunks`,
    );
    assert.deepEqual(plain(got!), plain(decodeFramePayload(frame.subarray(4))));
  });

  it('alternating large and tiny pieces: at most two pieces per 16 KiB, the large ones not copied', () => {
    const frame = frameWithBody(4_000_000);
    const decoder = new FrameDecoder();
    let got: RemotingCommand | undefined;
    const large = new Set<ArrayBufferLike>();
    let at = 0;
    for (let i = 0; at < frame.length; i++) {
      const n = i % 4 === 0 ? 16 * 1024 : 1; // a large piece, then a run of three tiny ones
      const piece = Buffer.from(frame.subarray(at, Math.min(at + n, frame.length)));
      if (n > 1) large.add(piece.buffer);
      decoder.feed(piece, (c) => void (got = c));
      at += n;
    }
    const chunked = chunkedBodyOf(got!)!;
    assert.ok(chunked.chunks.length <= 2 * Math.ceil(frame.length / 16384) + 2, `${chunked.chunks.length}`);
    const views = chunked.chunks.filter((c) => large.has(c.buffer)).length;
    assert.ok(views >= Math.floor(frame.length / (16 * 1024 + 3)) - 1, `${views} large pieces kept as views`);
    assert.deepEqual(plain(got!), plain(decodeFramePayload(frame.subarray(4))));
  });

  it('decoder state around a chunked frame, and a consumer that stops on it', () => {
    const first = frameWithBody(10);
    const large = frameWithBody(100_000);
    const stream = Buffer.concat([first, large, first]);
    const decoder = new FrameDecoder();
    const got: RemotingCommand[] = [];
    const cut1 = first.length + 50_000;
    decoder.feed(Buffer.from(stream.subarray(0, cut1)), (c) => void got.push(c));
    assert.equal(decoder.framesCompleted, 1);
    assert.ok(decoder.hasPartialFrame);
    assert.equal(decoder.bufferedBytes, cut1 - first.length - 4);
    decoder.feed(Buffer.from(stream.subarray(cut1)), (c) => void got.push(c));
    assert.equal(decoder.framesCompleted, 3);
    assert.equal(decoder.hasPartialFrame, false);
    assert.equal(decoder.bufferedBytes, 0);
    assert.deepEqual(
      got.map(plain),
      [first, large, first].map((f) => plain(decodeFramePayload(f.subarray(4)))),
    );

    const stopping = new FrameDecoder();
    const seen: RemotingCommand[] = [];
    stopping.feed(Buffer.from(large.subarray(0, 70_000)), () => assert.fail('not complete'));
    stopping.feed(Buffer.from(Buffer.concat([large.subarray(70_000), first])), (c) => {
      seen.push(c);
      return false;
    });
    assert.equal(seen.length, 1, 'nothing after the stop');
    assert.ok(stopping.failure);
    assert.throws(() => stopping.feed(first, () => undefined), /already failed/);
  });

  it('the raw-payload API (push) still returns one joined payload', () => {
    const frame = frameWithBody(100_000);
    const decoder = new FrameDecoder();
    assert.deepEqual(decoder.push(frame.subarray(0, 50_000)), []);
    const [payload] = decoder.push(frame.subarray(50_000));
    assert.ok(Buffer.isBuffer(payload));
    assert.ok(payload.equals(frame.subarray(4)));
  });

  it('a header over the limit in a split frame is refused with the request opaque, as whole', () => {
    const big = { k: 'v'.repeat(5000) };
    for (const type of [SerializeType.JSON, SerializeType.ROCKETMQ] as const) {
      const frame = encodeFrame(
        createRequest(310, { extFields: big, body: rng.bytes(80_000), opaque: 77 }),
        type,
      );
      for (const cut of [3, 100, 4000, 60_000]) {
        const decoder = new FrameDecoder(undefined, { maxHeaderLength: 1000 });
        decoder.feed(frame.subarray(0, cut), () => assert.fail('nothing complete yet'));
        assert.throws(
          () => decoder.feed(frame.subarray(cut), () => assert.fail('refused')),
          (err: unknown) => err instanceof HeaderLimitError && err.answerOpaque === 77,
        );
      }
    }
  });
});
