/**
 * Differential fuzz of the JSON header decoders: every header the byte-level fast path accepts must
 * decode to exactly what the general decoder (JSON.parse + lenient conversion) produces. Inputs are
 * headers as Java and we write them, reordered, re-spelled (escapes, number forms, whitespace) and
 * mutated at the byte level (including invalid UTF-8 and bytes after the header).
 * Reproduce a run with FUZZ_SEED=<printed seed>; FUZZ_ITERATIONS overrides the input count (15 000 under
 * `npm test`, 60 000 under `npm run test:long`).
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { LanguageCode } from '../../src/protocol/codes/index.js';
import { decodeJsonHeaderFast } from '../../src/protocol/command/json-header-fast.js';
import { decodeJsonHeaderGeneral, jsonHeaderText } from '../../src/protocol/command/json-header.js';
import { encodeJsonFrameFast } from '../../src/protocol/command/json-header-write.js';
import { javaWellFormed } from '../../src/protocol/java/utf8.js';
import type { RemotingCommand } from '../../src/protocol/command/remoting-command.js';
import { Prng, randomString } from '../helpers/prng.js';
import { byTier } from '../helpers/tier.js';

const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : randomInt(0, 2 ** 31);
const ITERATIONS = Number(process.env.FUZZ_ITERATIONS ?? byTier(15_000, 60_000));
const LANGUAGES = [...Object.keys(LanguageCode), 'KOTLIN', ''];
const INTS = ['0', '-0', '1', '-1', '2147483647', '-2147483648', '4294967295', '4294967296', '-2147483649'];

/** A JSON string literal in one of several legal spellings of the same value. */
function spell(rng: Prng, value: string): string {
  switch (rng.int(3)) {
    case 0:
      return JSON.stringify(value);
    case 1: // every non-ASCII or special character as \uXXXX
      return `"${[...value]
        .map((ch) =>
          [...ch]
            .map((u) => {
              const c = u.charCodeAt(0);
              return c < 0x20 || c > 0x7e || u === '"' || u === '\\' || rng.bool(0.2)
                ? `\\u${c
                    .toString(16)
                    .padStart(4, rng.bool() ? '0' : '0')
                    .toUpperCase()}`
                : u;
            })
            .join(''),
        )
        .join('')}"`;
    default: // short escapes where legal, raw otherwise (including raw DEL and U+2028)
      return JSON.stringify(value).replace(/\//g, () => (rng.bool() ? '\\/' : '/'));
  }
}

function spellInt(rng: Prng, value: number): string {
  const r = rng.int(12);
  if (r === 0) return rng.pick(INTS);
  if (r === 1) return `"${value}"`;
  if (r === 2) return `${value}.0`;
  if (r === 3) return `0${Math.abs(value)}`;
  if (r === 4) return `${value}e0`;
  return String(value);
}

function randomCommand(rng: Prng): RemotingCommand {
  const ext: Record<string, string> = {};
  // One-letter keys (a..z, the send headers' form, which the fast path stores by name) in any order.
  const key = (): string =>
    rng.bool(0.4) ? String.fromCharCode(0x61 + rng.int(26)) : randomString(rng, rng.range(0, 6));
  for (let n = rng.int(6); n > 0; n--) ext[key()] = randomString(rng, rng.range(0, 10));
  return {
    code: rng.bool(0.2) ? rng.int32() : rng.range(-1, 400),
    language: rng.pick(Object.keys(LanguageCode)) as RemotingCommand['language'],
    version: rng.range(0, 500),
    opaque: rng.int32(),
    flag: rng.int(4),
    ...(rng.bool() && { remark: randomString(rng, rng.range(0, 16)) }),
    ...(rng.bool(0.8) && { extFields: ext }),
  };
}

/** A header re-spelled: random key order, duplicates, extra/odd values, optional whitespace. */
function respelled(rng: Prng, c: RemotingCommand): string {
  const ws = (): string => (rng.bool(0.1) ? rng.pick([' ', '\n', '\t', '\r']) : '');
  const parts: string[] = [];
  parts.push(`"code":${spellInt(rng, c.code)}`);
  parts.push(`"flag":${spellInt(rng, c.flag)}`);
  parts.push(`"opaque":${spellInt(rng, c.opaque)}`);
  parts.push(`"version":${spellInt(rng, c.version)}`);
  if (rng.bool(0.9)) {
    const r = rng.int(10);
    parts.push(
      `"language":${r === 0 ? String(rng.int(16)) : r === 1 ? 'null' : spell(rng, rng.bool(0.8) ? (c.language ?? 'JAVA') : rng.pick(LANGUAGES))}`,
    );
  }
  if (c.remark !== undefined) parts.push(`"remark":${rng.bool(0.05) ? 'null' : spell(rng, c.remark)}`);
  if (rng.bool(0.7))
    parts.push(`"serializeTypeCurrentRPC":${spell(rng, rng.pick(['JSON', 'ROCKETMQ', 'é\n']))}`);
  if (c.extFields !== undefined) {
    if (rng.bool(0.05)) parts.push('"extFields":null');
    else {
      const entries = Object.entries(c.extFields).map(([k, v]) => {
        const r = rng.int(20);
        const value = r === 0 ? 'null' : r === 1 ? String(rng.int32()) : r === 2 ? 'true' : spell(rng, v);
        return `${ws()}${spell(rng, k)}${ws()}:${ws()}${value}`;
      });
      if (entries.length > 0 && rng.bool(0.1)) entries.push(entries[0]!);
      parts.push(`"extFields":{${entries.join(',')}}`);
    }
  }
  if (rng.bool(0.05)) parts.push(`"unknown":${spell(rng, 'x')}`);
  if (rng.bool(0.05)) parts.push(rng.pick(parts));
  for (let i = parts.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [parts[i], parts[j]] = [parts[j]!, parts[i]!];
  }
  return `${ws()}{${parts.map((p) => ws() + p + ws()).join(',')}}${ws()}`;
}

function mutateBytes(rng: Prng, bytes: Buffer): Buffer {
  const out = Buffer.from(bytes);
  for (let n = rng.range(1, 3); n > 0 && out.length > 0; n--) {
    const at = rng.int(out.length);
    out[at] = rng.pick([
      0x22,
      0x5c,
      0x2c,
      0x3a,
      0x7b,
      0x7d,
      0x30,
      0x2d,
      0x80,
      0xc3,
      0xe4,
      0xff,
      0x0a,
      rng.int(256),
    ]);
  }
  return out;
}

function generalOrError(bytes: Buffer): RemotingCommand | Error {
  try {
    return decodeJsonHeaderGeneral(bytes);
  } catch (error) {
    return error as Error;
  }
}

it(`JSON header fast path agrees with JSON.parse: ${ITERATIONS} inputs, seed ${SEED}`, () => {
  console.log(`json-header-diff seed: ${SEED} (FUZZ_SEED=${SEED} to reproduce)`);
  const rng = new Prng(SEED);
  let fastHits = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    const command = randomCommand(rng);
    const kind = rng.int(4);
    let header: Buffer =
      kind === 0
        ? Buffer.from(jsonHeaderText(command), 'utf8')
        : Buffer.from(respelled(rng, command), 'utf8');
    if (kind === 3) header = mutateBytes(rng, header);
    // The fast path reads from a frame: the header is followed by body bytes it must not look at.
    const trailing = rng.bool(0.5)
      ? rng.pick([Buffer.from('}'), Buffer.from(',"a":1}'), rng.bytes(4)])
      : Buffer.alloc(0);
    const lead = rng.bool(0.3) ? rng.bytes(rng.range(1, 3)) : Buffer.alloc(0);
    const frame = Buffer.concat([lead, header, trailing]);
    const fast = decodeJsonHeaderFast(frame, lead.length, lead.length + header.length);
    if (fast === undefined) continue;
    fastHits++;
    const general = generalOrError(header);
    const what = `input #${i} (seed ${SEED}): ${JSON.stringify(header.toString('latin1'))} hex ${header.toString('hex')}`;
    assert.deepStrictEqual(fast, general, what);
    // deepStrictEqual ignores key order; a re-encoded header must keep the order the fields came in.
    if (!(general instanceof Error) && general.extFields !== undefined)
      assert.deepEqual(Object.keys(fast.extFields!), Object.keys(general.extFields), what);
  }
  // The generator must exercise the fast path, not only the fallback.
  assert.ok(fastHits > ITERATIONS / 10, `fast path taken only ${fastHits} times`);
});

it('one-letter keys: near misses of `"x":` take the general path or decode as it does', () => {
  const ext = [
    '{"a":"1","b":"2"}',
    '{xa":"1"}',
    '{"a":"1",xb":"2"}',
    '{"a"x"1"}',
    '{"a":x1"}',
    '{"a":"1","a":"2"}',
    '{"b":"1","a":"2"}',
    '{"A":"1","z":"2","{":"3","`":"4"}',
    '{"a":"1\\u0001x","n":""}',
    '{"a":1}',
    '{"a" :"1"}',
  ];
  for (const fields of ext) {
    const header = Buffer.from(`{"code":310,"extFields":${fields},"flag":0}`, 'latin1');
    const fast = decodeJsonHeaderFast(header, 0, header.length);
    if (fast === undefined) continue;
    const general = generalOrError(header);
    assert.deepStrictEqual(fast, general, fields);
    assert.ok(!(general instanceof Error), fields);
    assert.deepEqual(Object.keys(fast.extFields!), Object.keys(general.extFields!), fields);
  }
});

/** The frame the general encoder path builds: jsonHeaderText, Java's UTF-8, then the body. */
function generalFrame(command: RemotingCommand): Buffer {
  const header = Buffer.from(javaWellFormed(jsonHeaderText(command)), 'utf8');
  const body = command.body ?? Buffer.alloc(0);
  const prefix = Buffer.alloc(8);
  prefix.writeInt32BE(4 + header.length + body.length, 0);
  prefix.writeInt32BE(header.length, 4);
  return Buffer.concat([prefix, header, body]);
}

it(`JSON header fast writer agrees with the general encoder: ${ITERATIONS} commands, seed ${SEED}`, () => {
  const rng = new Prng(SEED ^ 0x5bd1e995);
  const odd = ['\ud800', '\udfff', 'a\udc00b', '\ud83d\ude00', '\u2028', '\u007f', '\u0085'];
  // Message properties: ASCII with U+0001 / U+0002 separators, and every other ASCII escape.
  odd.push('WAIT\u0001true\u0002UNIQ_KEY\u0001AB12\u0002', '"\\\b\t\n\u000b\f\r\u001f/\u007f');
  let fastHits = 0;
  const kept: [Buffer, Buffer][] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const command = randomCommand(rng);
    const r = rng.int(10);
    if (r === 0) command.code = rng.pick([-0, 2147483647, -2147483648, 2147483648, 1.5, -1]);
    if (r === 1) command.opaque = rng.pick([-2147483648, 4294967295, -0]);
    if (r === 2) command.remark = rng.pick(odd) + randomString(rng, 3);
    if (r === 3 && command.extFields) command.extFields[rng.pick(odd)] = rng.pick(odd);
    if (r === 4) command.language = null;
    if (r === 5 && command.extFields)
      (command.extFields as Record<string, unknown>).n = rng.pick([1, true, null, undefined]);
    // Bodies around the slab's limit for a body (4 KiB), and headers too long for what a slab has
    // left (they take the scratch buffer).
    if (rng.bool(0.3)) command.body = rng.bytes(rng.bool(0.8) ? rng.range(0, 8) : rng.range(3000, 5200));
    if (rng.bool(0.01)) command.remark = 'r'.repeat(rng.range(2000, 40_000));
    const fast = encodeJsonFrameFast(command, 0);
    if (fast === undefined) continue;
    fastHits++;
    const expected = generalFrame(command);
    assert.deepStrictEqual(fast, expected, `command #${i} (seed ${SEED}): ${JSON.stringify(command)}`);
    if (rng.bool(0.05)) kept.push([fast, expected]);
  }
  assert.ok(fastHits > ITERATIONS / 2, `fast writer taken only ${fastHits} times`);
  // Frames share slabs: none may have been overwritten by the frames written after it.
  for (const [frame, expected] of kept) assert.ok(frame.equals(expected));
});

it('the fast writer writes the fields it checked, even when an ext value changes the command while written', () => {
  // Fill the slab so that the next header does not fit what is left: written a second time, into the
  // scratch buffer, after the value's toString has run once.
  for (let i = 0; i < 70; i++) encodeJsonFrameFast({ ...baseCommand(), remark: 'x'.repeat(1000) }, 0);
  const command: RemotingCommand = { ...baseCommand(), code: 7, remark: 'r' };
  const value = {
    toString(): string {
      command.code = 1.5;
      command.remark = 42 as unknown as string;
      return '"'.repeat(9000);
    },
  };
  command.extFields = { a: value as unknown as string };
  const frame = encodeJsonFrameFast(command, 0);
  assert.ok(frame !== undefined, 'the fast writer took the command');
  const header = frame.subarray(8, 8 + (frame.readInt32BE(4) & 0xffffff)).toString('latin1');
  assert.match(header, /^\{"code":7,/);
  assert.match(header, /"remark":"r"/);
});

function baseCommand(): RemotingCommand {
  return { code: 0, language: 'JAVA', version: 1, opaque: 1, flag: 1 };
}
