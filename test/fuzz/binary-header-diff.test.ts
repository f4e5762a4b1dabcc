/**
 * Differential fuzz of the ROCKETMQ (binary) header codec against a plain reference
 * (test/helpers/binary-header-reference.ts): random commands encode to the same bytes, as a header and
 * as a frame (small frames are slices of a shared slab, large ones buffers of their own); encoded and
 * byte-mutated headers decode to the same command or fail with the same error. Also: frames written
 * while another frame is being written (a value's toString that encodes a frame) come out whole.
 * Reproduce a run with FUZZ_SEED=<printed seed>; FUZZ_ITERATIONS overrides the input count (10 000 under
 * `npm test`, 40 000 under `npm run test:long`).
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { LanguageCode, SerializeType } from '../../src/protocol/codes/index.js';
import { decodeBinaryHeader, encodeBinaryHeader } from '../../src/protocol/command/binary-header.js';
import type { RemotingCommand } from '../../src/protocol/command/remoting-command.js';
import { decodeFrame, encodeFrame } from '../../src/protocol/frame/frame-codec.js';
import { referenceDecode, referenceEncode } from '../helpers/binary-header-reference.js';
import { Prng, randomString } from '../helpers/prng.js';
import { byTier } from '../helpers/tier.js';

const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : randomInt(0, 2 ** 31);
const ITERATIONS = Number(process.env.FUZZ_ITERATIONS ?? byTier(10_000, 40_000));
const LANGUAGES = [...Object.keys(LanguageCode), null] as RemotingCommand['language'][];

/** Strings around the writer's cases: ASCII or not, short or past its character loop, lone surrogates. */
function text(rng: Prng): string {
  switch (rng.int(6)) {
    case 0:
      return '';
    case 1:
      return 'x'.repeat(rng.range(40, 80)) + randomString(rng, rng.int(3));
    case 2:
      return randomString(rng, rng.range(40, 120));
    case 3: // a lone surrogate somewhere
      return `${randomString(rng, rng.int(4))}${rng.bool() ? '\ud800' : '\udfff'}${randomString(rng, rng.int(4))}`;
    default:
      return randomString(rng, rng.range(0, 12));
  }
}

function value(rng: Prng): unknown {
  switch (rng.int(10)) {
    case 0:
      return undefined;
    case 1:
      return null;
    case 2:
      return rng.int32();
    case 3:
      return rng.bool();
    default:
      return text(rng);
  }
}

function randomCommand(rng: Prng): RemotingCommand {
  // Sometimes with an inherited enumerable name, which is not a field.
  const ext: Record<string, unknown> = rng.bool(0.1) ? Object.create({ inherited: 'no' }) : {};
  for (let n = rng.int(8); n > 0; n--) {
    const key = rng.bool(0.3) ? String.fromCharCode(0x61 + rng.int(14)) : text(rng);
    ext[key] = value(rng);
  }
  const bodyLength = rng.pick([0, 0, 1, 128, 4000, 8100, 9000]);
  return {
    code: rng.bool(0.1) ? rng.int32() : rng.range(-5, 400),
    language: rng.pick(LANGUAGES),
    version: rng.bool(0.1) ? rng.int32() : rng.range(0, 500),
    opaque: rng.int32(),
    flag: rng.int(4),
    ...(rng.bool() && { remark: text(rng) }),
    ...(rng.bool(0.85) && { extFields: ext as Record<string, string> }),
    ...(bodyLength > 0 && { body: Buffer.alloc(bodyLength, rng.int(256)) }),
  };
}

/** What `f` returns, or the class and message of what it throws. */
function outcome<T>(f: () => T): { value: T } | { error: string } {
  try {
    return { value: f() };
  } catch (error) {
    return { error: `${(error as Error).constructor.name}: ${(error as Error).message}` };
  }
}

function mutate(rng: Prng, header: Buffer): Buffer {
  const out = Buffer.from(header);
  switch (rng.int(4)) {
    case 0:
      return out.subarray(0, rng.int(out.length + 1));
    case 1:
      return Buffer.concat([out, Buffer.from([rng.int(256)])]);
    default:
      for (let n = rng.range(1, 3); n > 0; n--)
        out[rng.int(out.length)] = rng.pick([0, 0x7f, 0x80, 0xff, rng.int(256)]);
      return out;
  }
}

it(`ROCKETMQ header codec matches the reference (seed ${SEED}, ${ITERATIONS} inputs)`, () => {
  const rng = new Prng(SEED);
  const kept: [Buffer, Buffer][] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const command = randomCommand(rng);
    const expected = outcome(() => referenceEncode(command));
    assert.deepEqual(
      outcome(() => encodeBinaryHeader(command)),
      expected,
      `header of input ${i}`,
    );
    const frame = outcome(() => encodeFrame(command, SerializeType.ROCKETMQ));
    if ('error' in expected) {
      assert.deepEqual(frame, expected, `frame of input ${i}`);
      continue;
    }
    const header = expected.value;
    assert.ok('value' in frame, `frame of input ${i}`);
    const bodyLength = command.body?.length ?? 0;
    const prefix = Buffer.alloc(8);
    prefix.writeInt32BE(4 + header.length + bodyLength, 0);
    prefix.writeInt32BE((SerializeType.ROCKETMQ << 24) | header.length, 4);
    const whole = Buffer.concat([prefix, header, command.body ?? Buffer.alloc(0)]);
    assert.deepEqual(frame.value, whole, `frame of input ${i}`);
    // Later frames must not write over this one (small frames share a slab).
    if (rng.bool(0.05)) kept.push([frame.value, whole]);
    const maxFields = rng.bool(0.1) ? rng.int(4) : 64;
    const input = rng.bool(0.6) ? mutate(rng, header) : header;
    assert.deepEqual(
      outcome(() => decodeBinaryHeader(input, maxFields)),
      outcome(() => referenceDecode(input, maxFields)),
      `decode of input ${i}: ${input.toString('hex')}`,
    );
  }
  for (const [frame, whole] of kept) assert.deepEqual(frame, whole);
});

it('a frame encoded by a header value while a frame is being written comes out whole, and so does that one', () => {
  const inner: RemotingCommand = {
    code: 11,
    language: 'JAVA',
    version: 1,
    opaque: 9,
    flag: 0,
    extFields: { k: 'v' },
  };
  for (const outerType of [SerializeType.JSON, SerializeType.ROCKETMQ]) {
    for (const innerType of [SerializeType.JSON, SerializeType.ROCKETMQ]) {
      const innerFrames: Buffer[] = [];
      const sneaky = {
        toString(): string {
          innerFrames.push(encodeFrame(inner, innerType));
          return 'outer-value';
        },
      };
      const outer: RemotingCommand = {
        code: 10,
        language: 'JAVA',
        version: 1,
        opaque: 7,
        flag: 0,
        extFields: { a: 'first', b: sneaky as unknown as string, c: 'last' },
        body: Buffer.from('outer body'),
      };
      const frame = encodeFrame(outer, outerType);
      const after = encodeFrame(inner, innerType); // the next frame must not land on either
      assert.equal(innerFrames.length, 1);
      const decoded = decodeFrame(frame);
      assert.deepEqual({ ...decoded.extFields }, { a: 'first', b: 'outer-value', c: 'last' });
      assert.deepEqual(decoded.body, Buffer.from('outer body'));
      for (const f of [innerFrames[0]!, after]) {
        const d = decodeFrame(f);
        assert.equal(d.opaque, 9);
        assert.deepEqual({ ...d.extFields }, { k: 'v' });
      }
    }
  }
});

it('what user code run while a ROCKETMQ frame is sized cannot change or break it', () => {
  // A body getter that encodes another frame.
  const other: RemotingCommand = {
    code: 12,
    language: 'JAVA',
    version: 1,
    opaque: 3,
    flag: 0,
    extFields: { x: 'y' },
  };
  let inner: Buffer | undefined;
  const withGetter = {
    code: 10,
    language: 'JAVA',
    version: 1,
    opaque: 5,
    flag: 0,
    extFields: { a: 'one', b: 'two' },
    get body(): Buffer {
      inner = encodeFrame(other, SerializeType.ROCKETMQ);
      return Buffer.from('the body');
    },
  } as RemotingCommand;
  const frame = encodeFrame(withGetter, SerializeType.ROCKETMQ);
  assert.deepEqual({ ...decodeFrame(frame).extFields }, { a: 'one', b: 'two' });
  assert.deepEqual(decodeFrame(frame).body, Buffer.from('the body'));
  assert.deepEqual({ ...decodeFrame(inner!).extFields }, { x: 'y' });

  // A value whose toString changes the fields: written as they were when the header was read (as
  // the reference's Object.entries snapshot).
  const mutating = (): RemotingCommand => {
    const fields: Record<string, unknown> = { a: 'first' };
    fields.b = {
      toString(): string {
        delete fields.c;
        fields.d = 'added';
        fields.a = 'changed';
        return 'b-value';
      },
    };
    fields.c = 'third';
    return {
      code: 10,
      language: 'JAVA',
      version: 1,
      opaque: 5,
      flag: 0,
      extFields: fields as Record<string, string>,
    };
  };
  const copy = mutating();
  const expected = referenceEncode(mutating());
  assert.equal(decodeBinaryHeader(expected, 64).extFields?.c, 'third', 'the reference wrote the snapshot');
  assert.deepEqual(encodeBinaryHeader(copy), expected);
});
