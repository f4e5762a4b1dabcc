/**
 * Random round trips (seeded) in both header forms, and the streaming decoder fed every frame whole,
 * byte by byte, split at every boundary, and coalesced.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LanguageCode } from '../../src/protocol/codes/index.js';
import type { LanguageName } from '../../src/protocol/codes/index.js';
import type { RemotingCommand } from '../../src/protocol/command/index.js';
import { decodeFrame, encodeFrame, FrameDecoder } from '../../src/protocol/frame/index.js';
import { loadCaptures } from '../helpers/captures.js';
import { plain } from '../helpers/commands.js';
import { Prng, randomString } from '../helpers/prng.js';

const SEED = Number(process.env.CODEC_SEED ?? 20261121);
const LANGUAGES = Object.keys(LanguageCode) as LanguageName[];

/** A random command; binary-form commands avoid what that form cannot carry (empty strings, big codes). */
function randomCommand(rng: Prng, binary: boolean): RemotingCommand {
  const minLen = binary ? 1 : 0;
  const command: RemotingCommand = {
    code: binary ? rng.range(-32768, 32767) : rng.int32(),
    language: rng.pick(LANGUAGES),
    version: binary ? rng.range(-32768, 32767) : rng.int32(),
    opaque: rng.int32(),
    flag: rng.pick([0, 1, 2, 3, rng.int32()]),
  };
  if (rng.bool()) command.remark = randomString(rng, rng.range(minLen, 40));
  if (rng.bool(0.8)) {
    const ext: Record<string, string> = {};
    const n = rng.range(binary ? 1 : 0, 8);
    for (let i = 0; i < n; i++)
      ext[randomString(rng, rng.range(1, 12))] = randomString(rng, rng.range(minLen, 30));
    command.extFields = ext;
  }
  if (rng.bool()) command.body = rng.bytes(rng.range(1, 64));
  return command;
}

describe(`random round trips (seed ${SEED}, env CODEC_SEED)`, () => {
  for (const [form, type] of [
    ['JSON', 0],
    ['ROCKETMQ', 1],
  ] as const) {
    it(`${form}: 2000 commands decode to themselves and re-encode identically`, () => {
      const rng = new Prng(SEED + type);
      for (let i = 0; i < 2000; i++) {
        const command = randomCommand(rng, type === 1);
        const frame = encodeFrame(command, type);
        const decoded = decodeFrame(frame);
        assert.deepEqual(plain(decoded), plain(command), `command #${i}`);
        assert.deepEqual(encodeFrame(decoded), frame, `re-encoding #${i}`);
      }
    });
  }
});

describe('streaming decoder', () => {
  const rng = new Prng(SEED + 7);
  const frames: Buffer[] = [
    ...loadCaptures().map((c) => c.bytes),
    ...Array.from({ length: 6 }, (_, i) => encodeFrame(randomCommand(rng, i % 2 === 1), i % 2 === 0 ? 0 : 1)),
  ];
  const stream = Buffer.concat(frames);
  const expected = frames.map((f) => plain(decodeFrame(f)));

  const feed = (chunks: Buffer[]): Record<string, unknown>[] => {
    const decoder = new FrameDecoder(64 * 1024);
    const out: Record<string, unknown>[] = [];
    for (const chunk of chunks) {
      for (const command of decoder.pushCommands(chunk)) out.push(plain(command));
      assert.ok(decoder.bufferedBytes <= decoder.maxFrameLength + chunk.length);
    }
    assert.equal(decoder.bufferedBytes, 0);
    return out;
  };

  it('every frame fed whole', () => {
    for (let i = 0; i < frames.length; i++) assert.deepEqual(feed([frames[i]!]), [expected[i]]);
  });

  it('every frame fed byte by byte', () => {
    for (let i = 0; i < frames.length; i++) {
      const bytes = frames[i]!;
      assert.deepEqual(feed(Array.from({ length: bytes.length }, (_, j) => bytes.subarray(j, j + 1))), [
        expected[i],
      ]);
    }
  });

  it('the whole stream split in two at every boundary', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      assert.deepEqual(feed([stream.subarray(0, cut), stream.subarray(cut)]), expected, `cut at ${cut}`);
    }
  });

  it('the whole stream coalesced in one chunk, and in random chunk sizes', () => {
    assert.deepEqual(feed([stream]), expected);
    for (let round = 0; round < 50; round++) {
      const chunks: Buffer[] = [];
      for (let p = 0; p < stream.length;) {
        const n = rng.range(1, 300);
        chunks.push(stream.subarray(p, p + n));
        p += n;
      }
      assert.deepEqual(feed(chunks), expected);
    }
  });

  it('empty chunks are harmless and push returns raw payloads', () => {
    const decoder = new FrameDecoder();
    assert.deepEqual(decoder.push(Buffer.alloc(0)), []);
    const payloads = decoder.push(Buffer.concat([frames[0]!, frames[1]!.subarray(0, 3)]));
    assert.deepEqual(payloads, [frames[0]!.subarray(4)]);
    assert.equal(decoder.bufferedBytes, 3);
  });
});
