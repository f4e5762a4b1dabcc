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
import { SerializeType } from '../../src/protocol/codes/misc.js';

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
