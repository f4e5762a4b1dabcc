/**
 * Fast path of the JSON header encoder: writes a whole frame (length prefix, header in Java's order,
 * body) straight as bytes, with no header string and a single allocation. Two passes: the first
 * sizes the header (strings that are printable ASCII with nothing to escape are sized by their
 * length, other ASCII strings by their escapes; the others are quoted with fastjsonString once and
 * kept for the second pass), the second writes it. Produces exactly the bytes of the general path (jsonHeaderText + Java UTF-8); returns
 * undefined, so that the caller takes that path, when the command carries `headerKeyOrder`, a number
 * field that is not an int32, or an unknown language.
 */
import { LanguageCode } from '../codes/language-code.js';
import { MAX_HEADER_LENGTH } from '../codes/misc.js';
import { fastjsonString } from '../json/fastjson-write.js';
import { javaWellFormed } from '../java/utf8.js';
import type { RemotingCommand } from './remoting-command.js';

const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'latin1'));
const CODE = bytes('{"code":');
const EXT = bytes(',"extFields":');
const FLAG = bytes(',"flag":');
const OPAQUE = bytes(',"opaque":');
const REMARK = bytes(',"remark":');
const TAIL = bytes(',"serializeTypeCurrentRPC":"JSON","version":');
const MIN_INT = bytes('-2147483648');
/** `,"language":"NAME","opaque":` per language (one copy instead of three). */
const LANGUAGE_OPAQUE = new Map<unknown, Uint8Array>(
  Object.keys(LanguageCode).map((name) => [
    name,
    bytes(`,"language":${fastjsonString(name, 'plain')},"opaque":`),
  ]),
);

/** In `quoted`: an ASCII string with characters to escape, written escaped by putEscapedAscii. */
const ESCAPED_ASCII = 1;

/**
 * Per string of the header, in writing order: its quoted UTF-16 form, undefined when plain, or
 * ESCAPED_ASCII. Reused from call to call (`quotedCount` entries are valid) so that the usual header
 * (message properties are ASCII with U+0001 and U+0002 separators) allocates nothing here.
 */
const quoted: (string | undefined | typeof ESCAPED_ASCII)[] = [];
let quotedCount = 0;
let nextQuoted = 0;

function isInt32(value: number): boolean {
  return (value | 0) === value;
}

/** Digits (and sign) of an int32. */
function intLength(value: number): number {
  if (value < 0) return 1 + intLength(-value);
  if (value < 100) return value < 10 ? 1 : 2;
  if (value < 10000) return value < 1000 ? 3 : 4;
  if (value < 1000000) return value < 100000 ? 5 : 6;
  if (value < 100000000) return value < 10000000 ? 7 : 8;
  return value < 1000000000 ? 9 : 10;
}

/** Printable ASCII without `"` or `\` (one compiled scan: long values, such as a batch's msgId). */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** Printable ASCII without `"` or `\`: written as is between quotes. */
function isPlain(value: string): boolean {
  // The regular expression scans ~3x as fast as this loop, which wins on short strings (the call).
  if (value.length > 64) return PLAIN.test(value);
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return false;
  }
  return true;
}

/** Bytes of the quoted string (quotes included); remembers the quoted form for the writing pass. */
function stringLength(value: string): number {
  if (isPlain(value)) {
    quoted[quotedCount++] = undefined;
    return value.length + 2;
  }
  const escaped = escapedAsciiLength(value);
  if (escaped >= 0) {
    quoted[quotedCount++] = ESCAPED_ASCII;
    return escaped;
  }
  const text = javaWellFormed(fastjsonString(value, 'plain'));
  quoted[quotedCount++] = text;
  return Buffer.byteLength(text, 'utf8');
}

/**
 * Bytes of an ASCII string escaped as fastjson writes it in plain mode (quotes included): `"` and `\`
 * and \b \t \n \f \r in short form, other controls and DEL as \u00XX. -1 when not ASCII.
 */
function escapedAsciiLength(value: string): number {
  let length = 2;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0x80) return -1;
    length += ASCII_ESCAPE_LENGTH[c]!;
  }
  return length;
}

/** Escaped bytes per ASCII character. */
const ASCII_ESCAPE_LENGTH = Uint8Array.from({ length: 0x80 }, (_, c) =>
  c === 0x22 || c === 0x5c || (c >= 8 && c <= 13 && c !== 11) ? 2 : c < 0x20 || c === 0x7f ? 6 : 1,
);
const SHORT_ESCAPE: Record<number, number> = {
  8: 0x62,
  9: 0x74,
  10: 0x6e,
  12: 0x66,
  13: 0x72,
  0x22: 0x22,
  0x5c: 0x5c,
};
const HEX_DIGITS = Buffer.from('0123456789ABCDEF', 'latin1');

function putEscapedAscii(frame: Buffer, at: number, value: string): number {
  frame[at++] = 0x22;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    const size = ASCII_ESCAPE_LENGTH[c];
    if (size === 1) {
      frame[at++] = c;
    } else if (size === 2) {
      frame[at++] = 0x5c;
      frame[at++] = SHORT_ESCAPE[c]!;
    } else {
      frame[at++] = 0x5c;
      frame[at++] = 0x75; // u
      frame[at++] = 0x30;
      frame[at++] = 0x30;
      frame[at++] = HEX_DIGITS[c >>> 4]!;
      frame[at++] = HEX_DIGITS[c & 15]!;
    }
  }
  frame[at] = 0x22;
  return at + 1;
}

function extValue(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : String(value);
}

// Own keys by for...in and Object.hasOwn, in Object.keys order: no key array per header.
function extFieldsLength(extFields: Record<string, string>): number {
  let length = 2; // {}
  let count = 0;
  for (const key in extFields) {
    if (!Object.hasOwn(extFields, key)) continue;
    const value = extValue(extFields[key]);
    if (value === undefined) continue;
    length += stringLength(key) + 1 + stringLength(value);
    count++;
  }
  return count > 0 ? length + count - 1 : length;
}

function putBytes(frame: Buffer, at: number, source: Uint8Array): number {
  frame.set(source, at);
  return at + source.length;
}

function putInt(frame: Buffer, at: number, value: number): number {
  const end = at + intLength(value);
  if (value < 0) {
    if (value === -0x80000000) return putBytes(frame, at, MIN_INT);
    frame[at] = 0x2d;
    value = -value;
  }
  // value is now a non-negative int32: integer division stays in int32 arithmetic.
  let p = end;
  do {
    const next = (value / 10) | 0;
    frame[--p] = 0x30 + value - next * 10;
    value = next;
  } while (value > 0);
  return end;
}

function putString(frame: Buffer, at: number, value: string): number {
  const text = quoted[nextQuoted++];
  if (text === ESCAPED_ASCII) return putEscapedAscii(frame, at, value);
  if (text !== undefined) return at + frame.write(text, at, 'utf8');
  frame[at++] = 0x22;
  if (value.length > 32) {
    at += frame.write(value, at, 'latin1');
  } else {
    for (let i = 0; i < value.length; i++) frame[at++] = value.charCodeAt(i);
  }
  frame[at] = 0x22;
  return at + 1;
}

function putExtFields(frame: Buffer, at: number, extFields: Record<string, string>): number {
  frame[at++] = 0x7b;
  let first = true;
  for (const key in extFields) {
    if (!Object.hasOwn(extFields, key)) continue;
    const value = extValue(extFields[key]);
    if (value === undefined) continue;
    if (!first) frame[at++] = 0x2c;
    first = false;
    at = putString(frame, at, key);
    frame[at++] = 0x3a;
    at = putString(frame, at, value);
  }
  frame[at] = 0x7d;
  return at + 1;
}

/** The whole frame of `command` with a JSON header in Java's order, or undefined (see above). */
export function encodeJsonFrameFast(command: RemotingCommand, type: number): Buffer | undefined {
  const { code, flag, opaque, version, language, remark, extFields, body } = command;
  if (command.headerKeyOrder || !isInt32(code) || !isInt32(flag) || !isInt32(opaque) || !isInt32(version))
    return undefined;
  const languageOpaque = language === null ? OPAQUE : LANGUAGE_OPAQUE.get(language);
  if (languageOpaque === undefined) return undefined;
  if (remark !== undefined && typeof remark !== 'string') return undefined;
  quotedCount = 0;
  nextQuoted = 0;
  let headerLength =
    CODE.length + intLength(code) + FLAG.length + intLength(flag) + languageOpaque.length + intLength(opaque);
  headerLength += TAIL.length + intLength(version) + 1;
  if (extFields !== undefined) headerLength += EXT.length + extFieldsLength(extFields);
  if (remark !== undefined) headerLength += REMARK.length + stringLength(remark);
  if (headerLength > MAX_HEADER_LENGTH) return undefined; // the general path reports it
  const bodyLength = body?.length ?? 0;
  const frame = Buffer.allocUnsafe(8 + headerLength + bodyLength);
  frame.writeInt32BE(4 + headerLength + bodyLength, 0);
  frame.writeInt32BE((type << 24) | headerLength, 4);
  let at = putInt(frame, putBytes(frame, 8, CODE), code);
  if (extFields !== undefined) at = putExtFields(frame, putBytes(frame, at, EXT), extFields);
  at = putInt(frame, putBytes(frame, at, FLAG), flag);
  at = putInt(frame, putBytes(frame, at, languageOpaque), opaque);
  if (remark !== undefined) at = putString(frame, putBytes(frame, at, REMARK), remark);
  at = putInt(frame, putBytes(frame, at, TAIL), version);
  frame[at] = 0x7d;
  if (body) frame.set(body, at + 1);
  for (let i = 0; i < quotedCount; i++) quoted[i] = undefined; // keep no caller strings alive
  return frame;
}
