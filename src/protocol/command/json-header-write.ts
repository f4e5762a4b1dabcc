/**
 * Fast path of the JSON header encoder: writes a whole frame (length prefix, header in Java's order,
 * body) straight as bytes, with no header string. One pass writes the header, escaping as it goes
 * (printable ASCII as is, other ASCII escaped as fastjson does, a string with non-ASCII characters
 * quoted with fastjsonString): for a frame with a small body, straight into a shared slab the frame
 * is then a slice of; otherwise (or when the slab has too little room left) into a reused scratch
 * buffer, copied into a frame allocated at its size. (Two passes, sizing then writing, scanned every
 * string twice: the header encode was ~18 % of a producer's CPU per single send.) Produces exactly the
 * bytes of the general path (jsonHeaderText + Java UTF-8); returns undefined, so that the caller takes
 * that path, when the command carries `headerKeyOrder`, a number field that is not an int32, an
 * unknown language, or a header too long for the scratch buffer.
 */
import { LanguageCode } from '../codes/language-code.js';
import { fastjsonString } from '../json/fastjson-write.js';
import { javaWellFormed } from '../java/utf8.js';
import { frameSlab } from './frame-slab.js';
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

function extValue(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : String(value);
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

/**
 * Where a header is written before its frame is allocated, when it is not written into the slab (see
 * writeFrame). A string is written only when even its longest form fits below `limit` (6 bytes per
 * character); the 256-byte margin above it holds the fixed parts that follow.
 */
const SCRATCH = Buffer.allocUnsafeSlow(64 * 1024);
const SCRATCH_LIMIT = SCRATCH.length - 256;
/** Where the header being written must end (with its fixed parts' margin): see writeFrame. */
let limit = SCRATCH_LIMIT;
/** What a string write returns when the string does not fit (the caller takes the general path). */
const NO_ROOM = -1;

/** Writes `value` quoted and escaped as fastjson's plain mode does; NO_ROOM if it may not fit. */
function putString(out: Buffer, at: number, value: string): number {
  const n = value.length;
  // Long values (a batch's msgId list) are checked by one compiled scan, then copied by the runtime.
  if (n > 64 && PLAIN.test(value)) {
    if (at + n + 2 > limit) return NO_ROOM;
    out[at] = 0x22;
    at += 1 + out.write(value, at + 1, 'latin1');
    out[at] = 0x22;
    return at + 1;
  }
  if (at + 6 * n + 2 > limit) return NO_ROOM;
  const start = at;
  out[at++] = 0x22;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0x80) return putQuotedUnicode(out, start, value);
    const size = ASCII_ESCAPE_LENGTH[c];
    if (size === 1) {
      out[at++] = c;
    } else if (size === 2) {
      out[at++] = 0x5c;
      out[at++] = SHORT_ESCAPE[c]!;
    } else {
      out[at++] = 0x5c;
      out[at++] = 0x75; // u
      out[at++] = 0x30;
      out[at++] = 0x30;
      out[at++] = HEX_DIGITS[c >>> 4]!;
      out[at++] = HEX_DIGITS[c & 15]!;
    }
  }
  out[at] = 0x22;
  return at + 1;
}

/**
 * A string with non-ASCII characters, quoted by fastjsonString, as Java's UTF-8. It fits where
 * putString checked 6 bytes per character: no character takes more (an escape 6, a BMP character 3,
 * a surrogate pair 4 for two, a lone surrogate 1 as Java's '?').
 */
function putQuotedUnicode(out: Buffer, at: number, value: string): number {
  return at + out.write(javaWellFormed(fastjsonString(value, 'plain')), at, 'utf8');
}

/**
 * `"key":` of recent ext-field keys, as written. Headers repeat the same few keys frame after frame:
 * copying a key's bytes costs a fraction of escaping it character by character. Bounded: cleared
 * when full.
 */
const KEY_BYTES = new Map<string, Uint8Array>();
const KEY_BYTES_MAX = 1024;
const KEY_CACHE_MAX_LENGTH = 64;

/** Writes `"key":`; NO_ROOM if it may not fit. */
function putKey(out: Buffer, at: number, key: string): number {
  const bytes = KEY_BYTES.get(key);
  if (bytes === undefined) {
    const end = putString(out, at, key);
    if (end === NO_ROOM) return NO_ROOM;
    out[end] = 0x3a;
    if (key.length <= KEY_CACHE_MAX_LENGTH) {
      if (KEY_BYTES.size >= KEY_BYTES_MAX) KEY_BYTES.clear();
      // A copy: Buffer#slice would be a view of the scratch buffer.
      KEY_BYTES.set(key, Uint8Array.prototype.slice.call(out, at, end + 1));
    }
    return end + 1;
  }
  if (at + bytes.length > limit) return NO_ROOM;
  for (let i = 0; i < bytes.length; i++) out[at + i] = bytes[i]!;
  return at + bytes.length;
}

// Own keys by for...in and Object.hasOwn, in Object.keys order: no key array per header.
function putExtFields(out: Buffer, at: number, extFields: Record<string, string>): number {
  out[at++] = 0x7b;
  let first = true;
  for (const key in extFields) {
    if (!Object.hasOwn(extFields, key)) continue;
    const value = extValue(extFields[key]);
    if (value === undefined) continue;
    if (!first) out[at++] = 0x2c;
    first = false;
    at = putKey(out, at, key);
    if (at === NO_ROOM) return NO_ROOM;
    at = putString(out, at, value);
    if (at === NO_ROOM) return NO_ROOM;
  }
  out[at] = 0x7d;
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
  // A value's toString (or a getter of extFields) may encode another frame while this one is being
  // written: that one takes the general path instead of overwriting the scratch buffer under us.
  if (writing) return undefined;
  writing = true;
  frameSlab.writing = true;
  try {
    // Read once: the values checked above are the ones written (a getter or an ext value's toString
    // could change the command between two reads).
    const f = fields;
    f.code = code;
    f.flag = flag;
    f.opaque = opaque;
    f.version = version;
    f.languageOpaque = languageOpaque;
    f.remark = remark;
    f.extFields = extFields;
    return writeFrame(body, type);
  } finally {
    writing = false;
    frameSlab.writing = false;
  }
}

/** True while a frame is being written into SCRATCH (see encodeJsonFrameFast). */
let writing = false;

/** Bodies up to this size go into the shared slab with their header (frame-slab.ts). */
const SLAB_BODY_MAX = 4 * 1024;
/** Room a header may take in the slab (with its body's bytes on top); a longer one takes SCRATCH. */
const SLAB_MIN_ROOM = 4 * 1024;

/** The header fields of the frame being written (one frame at a time: see `writing`). */
const fields = {
  code: 0,
  flag: 0,
  opaque: 0,
  version: 0,
  languageOpaque: OPAQUE,
  remark: undefined as string | undefined,
  extFields: undefined as Record<string, string> | undefined,
};

function writeFrame(body: Buffer | undefined, type: number): Buffer | undefined {
  const bodyLength = body?.length ?? 0;
  if (bodyLength <= SLAB_BODY_MAX) {
    frameSlab.ensureRoom(SLAB_MIN_ROOM + bodyLength);
    const slab = frameSlab.buf;
    const start = frameSlab.used;
    limit = slab.length - bodyLength - 256;
    const headerEnd = writeHeader(slab, start + 8);
    if (headerEnd !== NO_ROOM) {
      const headerLength = headerEnd - start - 8;
      slab.writeInt32BE(4 + headerLength + bodyLength, start);
      slab.writeInt32BE((type << 24) | headerLength, start + 4);
      if (body) slab.set(body, headerEnd);
      frameSlab.used = headerEnd + bodyLength;
      return slab.subarray(start, frameSlab.used);
    }
  }
  limit = SCRATCH_LIMIT;
  const out = SCRATCH;
  const headerLength = writeHeader(out, 0);
  if (headerLength === NO_ROOM) return undefined;
  // under 64 KiB: within the 24-bit header length
  const frame = Buffer.allocUnsafe(8 + headerLength + bodyLength);
  frame.writeInt32BE(4 + headerLength + bodyLength, 0);
  frame.writeInt32BE((type << 24) | headerLength, 4);
  out.copy(frame, 8, 0, headerLength);
  if (body) frame.set(body, 8 + headerLength);
  return frame;
}

/** Writes the header (`fields`) into `out` from `at`; returns where it ends, or NO_ROOM. */
function writeHeader(out: Buffer, at: number): number {
  const { code, flag, opaque, version, languageOpaque, remark, extFields } = fields;
  at = putInt(out, putBytes(out, at, CODE), code);
  if (extFields !== undefined) {
    at = putExtFields(out, putBytes(out, at, EXT), extFields);
    if (at === NO_ROOM) return NO_ROOM;
  }
  at = putInt(out, putBytes(out, at, FLAG), flag);
  at = putInt(out, putBytes(out, at, languageOpaque), opaque);
  if (remark !== undefined) {
    at = putString(out, putBytes(out, at, REMARK), remark);
    if (at === NO_ROOM) return NO_ROOM;
  }
  at = putInt(out, putBytes(out, at, TAIL), version);
  out[at++] = 0x7d;
  return at;
}
