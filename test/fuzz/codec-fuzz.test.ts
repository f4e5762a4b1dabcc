/**
 * @own-process (scripts/run-tests.mjs): turns on --expose-gc and bounds the heap growth of the whole process.
 * Fuzzes FrameDecoder.pushCommands (frame splitting + JSON/ROCKETMQ header decoding) with random bytes
 * and mutations of valid frames. Only ProtocolError may escape; memory stays bounded. A second run does
 * the same with large frames split across chunks (decoded without joining: split-frame.ts), whose
 * intact ones must decode to what the whole frame decodes to.
 * Reproduce a run with FUZZ_SEED=<printed seed>; FUZZ_ITERATIONS overrides the input count (30 000 under
 * `npm test`, 120 000 under `npm run test:long`), FUZZ_LARGE_ITERATIONS that of large frames.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import v8 from 'node:v8';
import vm from 'node:vm';
import { ProtocolError } from '../../src/common/errors.js';
import { LanguageCode } from '../../src/protocol/codes/index.js';
import type { LanguageName } from '../../src/protocol/codes/index.js';
import { decodeFramePayload, encodeFrame, FrameDecoder } from '../../src/protocol/frame/index.js';
import { CHUNKED_FRAME_MIN_BYTES } from '../../src/protocol/frame/frame-decoder.js';
import { plain } from '../helpers/commands.js';
import { loadCaptures } from '../helpers/captures.js';
import { Prng, randomString } from '../helpers/prng.js';
import { byTier } from '../helpers/tier.js';

const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : randomInt(0, 2 ** 31);
const ITERATIONS = Number(process.env.FUZZ_ITERATIONS ?? byTier(30_000, 120_000));
const MAX_FRAME = 2048;
const LANGUAGES = Object.keys(LanguageCode) as LanguageName[];
const JSON_TOKENS = [
  '{',
  '}',
  '[',
  ']',
  '"',
  ':',
  ',',
  '\\',
  '\\u',
  'null',
  'true',
  '-',
  '1',
  '9',
  'e9',
  '.',
  ' ',
  'a',
  'é',
  '"code"',
  '"extFields"',
  '"language"',
  '"remark"',
  '"opaque"',
  '"flag"',
  '"version"',
  '"__proto__"',
  '"JAVA"',
  '99999999999',
];

function seedFrames(rng: Prng): Buffer[] {
  const frames = loadCaptures()
    .map((c) => c.bytes)
    .filter((f) => f.length <= MAX_FRAME);
  for (let i = 0; i < 40; i++) {
    const ext: Record<string, string> = {};
    for (let j = rng.int(6); j > 0; j--)
      ext[randomString(rng, rng.range(1, 6))] = randomString(rng, rng.range(1, 12));
    frames.push(
      encodeFrame(
        {
          code: rng.range(-32768, 32767),
          language: rng.pick(LANGUAGES),
          version: rng.range(0, 500),
          opaque: rng.int32(),
          flag: rng.int(4),
          ...(rng.bool() && { remark: randomString(rng, rng.range(1, 20)) }),
          ...(rng.bool(0.8) && { extFields: ext }),
          ...(rng.bool() && { body: rng.bytes(rng.range(1, 40)) }),
        },
        rng.bool() ? 0 : 1,
      ),
    );
  }
  return frames;
}

/** Wraps a header in a frame with consistent lengths, so the header decoders get exercised. */
function frameAround(header: Buffer, type: number, body: Buffer): Buffer {
  const out = Buffer.alloc(8 + header.length + body.length);
  out.writeInt32BE(4 + header.length + body.length, 0);
  out.writeInt32BE(((type & 0xff) << 24) | header.length, 4);
  header.copy(out, 8);
  body.copy(out, 8 + header.length);
  return out;
}

function mutate(rng: Prng, frames: Buffer[]): Buffer {
  const base = Buffer.from(rng.pick(frames));
  switch (rng.int(9)) {
    case 0: // random bytes
      return rng.bytes(rng.range(0, 64));
    case 1: {
      // bit flips
      for (let n = rng.range(1, 4); n > 0; n--) base[rng.int(base.length)]! ^= 1 << rng.int(8);
      return base;
    }
    case 2: // truncation
      return base.subarray(0, rng.int(base.length));
    case 3: {
      // total-length field edit
      base.writeInt32BE(
        rng.pick([
          0,
          3,
          4,
          5,
          -1,
          -2147483648,
          MAX_FRAME,
          MAX_FRAME + 1,
          base.length - 4 + rng.range(-8, 8),
          rng.int32(),
        ]),
        0,
      );
      return base;
    }
    case 4: {
      // header-length / serialize-type edit
      if (base.length >= 8) base.writeUInt32BE(((rng.int(4) << 24) | rng.int(base.length + 8)) >>> 0, 4);
      return base;
    }
    case 5: {
      // splice two frames at random points
      const other = rng.pick(frames);
      return Buffer.concat([
        base.subarray(0, rng.int(base.length + 1)),
        other.subarray(rng.int(other.length + 1)),
      ]);
    }
    case 6: {
      // a binary header's internal lengths edited, outer lengths kept consistent
      if (base.length < 8 || base[4] !== 1) return base;
      const header = Buffer.from(base.subarray(8, 8 + (base.readUInt32BE(4) & 0xffffff)));
      const at = rng.int(Math.max(1, header.length - 3));
      if (header.length >= 4)
        header.writeInt32BE(rng.pick([0, 1, -1, 0x7fffffff, header.length, rng.range(-4, 40)]), at);
      return frameAround(header, 1, Buffer.alloc(0));
    }
    case 7: {
      // structure-aware JSON garbage as a JSON header
      let text = '{';
      for (let n = rng.range(0, 30); n > 0; n--) text += rng.pick(JSON_TOKENS);
      if (rng.bool()) text += '}';
      return frameAround(Buffer.from(text, 'utf8'), 0, rng.bool() ? Buffer.alloc(0) : rng.bytes(4));
    }
    default: {
      // several frames, one of them damaged
      const parts = [rng.pick(frames), base, rng.pick(frames)];
      const damaged = Buffer.concat(parts);
      damaged[rng.int(damaged.length)] = rng.int(256);
      return damaged;
    }
  }
}

function chunksOf(rng: Prng, input: Buffer): Buffer[] {
  const mode = rng.int(4);
  if (mode === 0 || input.length === 0) return [input];
  const chunks: Buffer[] = [];
  for (let p = 0; p < input.length;) {
    const n = mode === 1 ? 1 : rng.range(1, mode === 2 ? 16 : 512);
    chunks.push(input.subarray(p, p + n));
    p += n;
  }
  return chunks;
}

it(`codec fuzz: ${ITERATIONS} inputs, seed ${SEED} (set FUZZ_SEED to reproduce)`, () => {
  console.log(`codec fuzz seed: ${SEED} (FUZZ_SEED=${SEED} to reproduce)`);
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const rng = new Prng(SEED);
  const frames = seedFrames(rng);
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  let decoder = new FrameDecoder(MAX_FRAME);
  let commands = 0;
  let errors = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    const input = mutate(rng, frames);
    // Mostly a fresh decoder per input; sometimes keep the stream going across inputs.
    if (rng.bool(0.8)) decoder = new FrameDecoder(MAX_FRAME);
    for (const chunk of chunksOf(rng, input)) {
      try {
        commands += decoder.pushCommands(chunk).length;
      } catch (err) {
        if (!(err instanceof ProtocolError)) {
          assert.fail(`input #${i} (seed ${SEED}) threw ${String(err)}: ${input.toString('hex')}`);
        }
        errors++;
        decoder = new FrameDecoder(MAX_FRAME);
        break;
      }
      assert.ok(
        decoder.bufferedBytes <= MAX_FRAME + chunk.length,
        `input #${i} (seed ${SEED}): ${decoder.bufferedBytes} bytes buffered`,
      );
    }
  }
  gc();
  const growth = process.memoryUsage().heapUsed - heapBefore;
  console.log(
    `codec fuzz: ${commands} commands decoded, ${errors} protocol errors, heap growth ${growth} bytes`,
  );
  assert.ok(commands > 1000 && errors > 1000, 'the mutations should produce both valid and invalid frames');
  assert.ok(growth < 16 * 1024 * 1024, `heap grew by ${growth} bytes`);
});

/** Large inputs: 400 under `npm test`, 4000 under `npm run test:long`; FUZZ_LARGE_ITERATIONS overrides. */
const LARGE_ITERATIONS = Number(process.env.FUZZ_LARGE_ITERATIONS ?? byTier(400, 4000));

it(`codec fuzz, large split frames: ${LARGE_ITERATIONS} inputs, seed ${SEED}`, () => {
  const rng = new Prng(SEED ^ 0x5a5a);
  const small = seedFrames(rng).filter((f) => f.length >= 8 && f.readInt32BE(0) === f.length - 4);
  const maxFrame = 256 * 1024;
  let intact = 0;
  let errors = 0;
  for (let i = 0; i < LARGE_ITERATIONS; i++) {
    // A captured or random frame's header with a large body.
    const base = rng.pick(small);
    const headerEnd = 8 + (base.readUInt32BE(4) & 0xffffff);
    const body = rng.bytes(rng.range(CHUNKED_FRAME_MIN_BYTES - 100, 200_000));
    const frame = Buffer.concat([base.subarray(0, headerEnd), body]);
    frame.writeInt32BE(frame.length - 4, 0);
    const damaged = rng.bool(0.6);
    if (damaged) {
      // Header bytes, the length prefix or the header length: the parts the split decoder reads itself.
      for (let n = rng.range(1, 4); n > 0; n--)
        frame[rng.int(Math.min(frame.length, headerEnd + 8))] = rng.int(256);
    }
    const pieces: Buffer[] = [];
    for (let at = 0; at < frame.length;) {
      const n = rng.pick([1, 3, 700, 16 * 1024, 64 * 1024, rng.range(1, 90_000)]);
      pieces.push(frame.subarray(at, at + n));
      at += n;
    }
    const split = decodeChunks(pieces, maxFrame, i);
    // Split or whole, the same commands and the same verdict (a damaged frame may still decode).
    assert.deepEqual(split, decodeChunks([frame], maxFrame, i), `large input #${i} (seed ${SEED})`);
    if (split.failed) errors++;
    if (damaged) continue;
    intact++;
    assert.deepEqual(split.commands, [plain(decodeFramePayload(frame.subarray(4)))], `large input #${i}`);
  }
  assert.ok(intact > 100 && errors > 50, `${intact} intact inputs, ${errors} errors`);
});

/** Feeds `pieces` to a new decoder: the commands it delivers (plain) and whether it failed. */
function decodeChunks(
  pieces: readonly Buffer[],
  maxFrame: number,
  input: number,
): { commands: unknown[]; failed: boolean } {
  const decoder = new FrameDecoder(maxFrame);
  const commands: unknown[] = [];
  for (const piece of pieces) {
    try {
      decoder.feed(piece, (c) => void commands.push(plain(c)));
    } catch (err) {
      if (!(err instanceof ProtocolError))
        assert.fail(`large input #${input} (seed ${SEED}) threw ${String(err)}`);
      return { commands, failed: true };
    }
  }
  return { commands, failed: false };
}
