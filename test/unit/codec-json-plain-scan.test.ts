/**
 * The JSON frame writer's check for strings written as they are (json-header-write.ts isPlain): long
 * values (over 64 characters, checked by a regular expression) and short ones (a loop) must give the
 * bytes of the general path (jsonHeaderText), whatever character sits wherever in them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createResponse } from '../../src/protocol/command/remoting-command.js';
import { jsonHeaderText } from '../../src/protocol/command/json-header.js';
import { encodeJsonFrameFast } from '../../src/protocol/command/json-header-write.js';
import { javaWellFormed } from '../../src/protocol/java/utf8.js';
import { fastjsonString } from '../../src/protocol/json/fastjson-write.js';
import { SerializeType } from '../../src/protocol/codes/misc.js';
import { encodeFrame } from '../../src/protocol/frame/frame-codec.js';

const SPECIAL = [
  '"',
  '\\',
  '\u0001',
  '\u001f',
  '\u007f',
  'é',
  '\u2028',
  '😀',
  '\ud800',
  '\n',
  ' ',
  '~',
  '!',
  '#',
];

function assertSameAsGeneral(value: string): void {
  const command = createResponse(0);
  if (value.length % 2 === 0) command.remark = value; // the remark goes through the same writer
  command.extFields = { msgId: value, queueId: '1' };
  const fast = encodeJsonFrameFast(command, SerializeType.JSON);
  assert.ok(fast, 'the fast path takes a plain response');
  const header = Buffer.from(javaWellFormed(jsonHeaderText(command)), 'utf8');
  assert.ok(fast.subarray(8).equals(header), `header bytes differ for ${JSON.stringify(value)}`);
}

test('plain and non-plain values of every length around the threshold write the general bytes', () => {
  for (let length = 0; length <= 200; length += length < 80 ? 1 : 17) {
    // Every printable ASCII character, and a single repeated one (a scan that wrongly lets one
    // character through is only caught in a value otherwise plain).
    const mixed = Array.from({ length }, (_, i) => String.fromCharCode(0x21 + ((i * 7) % 94))).join('');
    for (const base of [mixed, 'a'.repeat(length), '0'.repeat(length), 'Z'.repeat(length)]) {
      assertSameAsGeneral(base);
      for (const special of SPECIAL) {
        for (const at of [0, Math.floor(length / 2), length]) {
          assertSameAsGeneral(base.slice(0, at) + special + base.slice(at));
        }
      }
    }
  }
});

test('headers around the fast writer’s 64 KiB scratch: its bytes or none, and the frame is always the general one', () => {
  const general = (command: ReturnType<typeof createResponse>): Buffer => {
    const header = Buffer.from(javaWellFormed(jsonHeaderText(command)), 'utf8');
    const prefix = Buffer.alloc(8);
    prefix.writeInt32BE(4 + header.length, 0);
    prefix.writeInt32BE(header.length, 4);
    return Buffer.concat([prefix, header]);
  };
  const units = ['a', '\u0001', 'é', '€', '😀', 'a\u0002b"'];
  let taken = 0;
  let declined = 0;
  for (const unit of units) {
    for (const chars of [
      10_000, 10_880, 10_900, 10_930, 16_000, 21_700, 21_800, 22_000, 32_000, 65_000, 66_000, 200_000,
    ]) {
      const value = unit.repeat(Math.ceil(chars / unit.length)).slice(0, chars);
      for (const where of ['ext', 'remark', 'both'] as const) {
        const command = createResponse(0);
        if (where !== 'remark') command.extFields = { queueId: '1', msgId: value };
        if (where !== 'ext') command.remark = value;
        const fast = encodeJsonFrameFast(command, SerializeType.JSON);
        const expected = general(command);
        if (fast === undefined) declined++;
        else {
          taken++;
          assert.ok(fast.equals(expected), `${JSON.stringify(unit)} x ${chars} in ${where}`);
        }
        assert.ok(encodeFrame(command, SerializeType.JSON).equals(expected), `frame of ${chars} in ${where}`);
      }
    }
  }
  assert.ok(taken > 0 && declined > 0, `taken ${taken}, declined ${declined}`);
  // A declined header leaves nothing behind: the next one is written whole.
  assertSameAsGeneral('after');
});

test('no UTF-16 unit takes more than 6 bytes once quoted (the bound the fast writer checks strings by)', () => {
  let longest = 0;
  for (let c = 0; c <= 0xffff; c++) {
    const text = javaWellFormed(fastjsonString(String.fromCharCode(c), 'plain'));
    longest = Math.max(longest, Buffer.byteLength(text, 'utf8') - 2);
  }
  assert.equal(longest, 6);
  assert.equal(Buffer.byteLength(javaWellFormed(fastjsonString('😀', 'plain')), 'utf8') - 2, 4);
});

test('a frame encoded while another is being written (a value’s toString) leaves both whole', () => {
  const inner = createResponse(0, { extFields: { msgId: 'z'.repeat(40), queueId: '9' } });
  inner.code = 99;
  let innerFrame: Buffer | undefined;
  const outer = createResponse(0);
  outer.extFields = {
    first: 'aaaa',
    second: {
      toString: () => {
        innerFrame = encodeFrame(inner, SerializeType.JSON);
        return 'v';
      },
    } as unknown as string,
  };
  const frame = encodeFrame(outer, SerializeType.JSON);
  const header = Buffer.from(
    javaWellFormed(jsonHeaderText({ ...outer, extFields: { first: 'aaaa', second: 'v' } })),
  );
  assert.ok(frame.subarray(8).equals(header), frame.subarray(8).toString());
  assert.ok(innerFrame!.subarray(8).equals(Buffer.from(javaWellFormed(jsonHeaderText(inner)))));
  assertSameAsGeneral('after');
});

test('a batch answer’s long msgId list (plain) is still written by the fast writer', () => {
  const ids = Array.from(
    { length: 1500 },
    (_, i) => `7F00000100002A9F${i.toString(16).toUpperCase().padStart(16, '0')}`,
  );
  const command = createResponse(0, { extFields: { msgId: ids.join(','), queueId: '1', queueOffset: '7' } });
  const fast = encodeJsonFrameFast(command, SerializeType.JSON);
  assert.ok(fast, 'taken');
  assert.ok(fast.subarray(8).equals(Buffer.from(javaWellFormed(jsonHeaderText(command)))));
});
