/**
 * Writer of the ROCKETMQ (binary) header form (layout: binary-header.ts): a whole frame, or the header
 * alone, written straight as bytes.
 *
 * Two passes over the header's strings: the first turns every value into a string (its `toString` may
 * run user code, so it runs before anything is written) and sizes it, the second writes. An ASCII
 * string (nearly every header string) is sized by its length and copied character by character; any
 * other is encoded once, as Java does (lone surrogates as `?`), in the first pass. A frame with a
 * small body is written into a shared slab and handed out as a slice of it, as the JSON writer does.
 * (Encoding every key and value into a Buffer of its own, then the header, then the frame, made the
 * binary form ~1.5x the CPU of JSON per message on both sides of a single send.)
 */
import { ProtocolError } from '../../common/errors.js';
import { LanguageCode } from '../codes/language-code.js';
import { MAX_HEADER_LENGTH } from '../codes/misc.js';
import { javaUtf8 } from '../java/utf8.js';
import { frameSlab } from './frame-slab.js';
import type { RemotingCommand } from './remoting-command.js';

/** code, language, version, opaque, flag, remark length, ext-fields length. */
const FIXED_PART = 21;
/** Frames up to this size (header and body) are slices of the shared slab. */
const SLAB_FRAME_MAX = 8 * 1024;
/** Longer ASCII strings are copied by Buffer#write (one call) rather than character by character. */
const CHAR_LOOP_MAX = 48;
const NOT_ASCII = /[\u0080-\uffff]/;

/** A string to write: itself when ASCII (one byte per character), else its Java UTF-8 bytes. */
type Part = string | Buffer;

/**
 * The header's strings in write order: remark (or undefined), then key, value, key, value... Reused
 * by every header; a header whose value `toString` writes another header meanwhile gets its own
 * array (see `sizing`).
 */
const SHARED_PARTS: unknown[] = [];
let sizing = false;

function isAscii(value: string): boolean {
  const n = value.length;
  if (n > CHAR_LOOP_MAX) return !NOT_ASCII.test(value);
  for (let i = 0; i < n; i++) if (value.charCodeAt(i) >= 0x80) return false;
  return true;
}

function partOf(value: string): Part {
  return isAscii(value) ? value : javaUtf8(value);
}

function put(out: Buffer, at: number, part: Part): number {
  if (typeof part !== 'string') return at + part.copy(out, at);
  const n = part.length;
  if (n > CHAR_LOOP_MAX) return at + out.write(part, at, 'latin1');
  for (let i = 0; i < n; i++) out[at + i] = part.charCodeAt(i);
  return at + n;
}

function putInt16(out: Buffer, at: number, value: number): number {
  out[at] = value >>> 8;
  out[at + 1] = value;
  return at + 2;
}

function putInt32(out: Buffer, at: number, value: number): number {
  out[at] = value >>> 24;
  out[at + 1] = value >>> 16;
  out[at + 2] = value >>> 8;
  out[at + 3] = value;
  return at + 4;
}

/** The fixed fields of the header being written (read once from the command). */
interface Header {
  code: number;
  language: number;
  version: number;
  opaque: number;
  flag: number;
  parts: (Part | undefined)[];
  /** Entries in `parts` after the remark: 2 per ext field. */
  partCount: number;
  length: number;
  /** Read with the rest (a getter of `body` could otherwise encode a frame into `parts` meanwhile). */
  body: Buffer | undefined;
}

/**
 * Reads and sizes the header of `command` into `parts`. Skips what Java cannot send: an empty remark,
 * ext fields with an empty key or an undefined, null or empty value.
 */
function size(command: RemotingCommand, parts: unknown[], maxLength: number): Header {
  const { code, language, version, opaque, flag, remark, extFields, body } = command;
  if (code > 32767 || code < -32768) {
    throw new ProtocolError(`code ${code} does not fit the ROCKETMQ header form (int16); use JSON`);
  }
  let length = FIXED_PART;
  const remarkPart = remark ? partOf(remark) : undefined;
  parts[0] = remarkPart;
  if (remarkPart !== undefined) length += remarkPart.length;
  let count = 1;
  if (extFields) {
    // Every field read before any value is turned into a string (as Object.entries would): a value's
    // toString that changes the fields does not change what is written.
    for (const key in extFields) {
      if (key === '' || !Object.hasOwn(extFields, key)) continue;
      const raw: unknown = extFields[key];
      if (raw === undefined || raw === null || raw === '') continue;
      parts[count++] = key;
      parts[count++] = raw;
    }
    for (let i = 1; i < count; i += 2) {
      const key = parts[i] as string;
      const keyPart = partOf(key);
      if (keyPart.length > 32767)
        throw new ProtocolError(`extField key longer than 32767 bytes: ${key.slice(0, 40)}…`);
      const raw = parts[i + 1];
      const valuePart = partOf(typeof raw === 'string' ? raw : String(raw));
      parts[i] = keyPart;
      parts[i + 1] = valuePart;
      length += 6 + keyPart.length + valuePart.length;
    }
  }
  if (length > maxLength) {
    throw new ProtocolError(`header of ${length} bytes exceeds the 24-bit header length field`);
  }
  return {
    code,
    language: language === null ? LanguageCode.OTHER : (LanguageCode[language] ?? 0),
    version,
    opaque,
    flag,
    parts: parts as (Part | undefined)[],
    partCount: count,
    length,
    body,
  };
}

/** Writes the sized header at `at`; returns where it ends. */
function write(out: Buffer, at: number, h: Header): number {
  const parts = h.parts;
  at = putInt16(out, at, h.code);
  out[at++] = h.language;
  at = putInt16(out, at, h.version);
  at = putInt32(out, at, h.opaque);
  at = putInt32(out, at, h.flag);
  const remark = parts[0];
  at = putInt32(out, at, remark?.length ?? 0);
  if (remark !== undefined) at = put(out, at, remark);
  const extStart = at;
  at += 4;
  for (let i = 1; i < h.partCount; i += 2) {
    const key = parts[i]!;
    const value = parts[i + 1]!;
    at = put(out, putInt16(out, at, key.length), key);
    at = put(out, putInt32(out, at, value.length), value);
  }
  putInt32(out, extStart, at - extStart - 4);
  // Drop the strings: the shared array must not keep a header's values alive.
  parts.fill(undefined, 0, h.partCount);
  return at;
}

function sized(command: RemotingCommand, maxLength: number): Header {
  const nested = sizing;
  sizing = true;
  try {
    return size(command, nested ? [] : SHARED_PARTS, maxLength);
  } catch (error) {
    if (!nested) SHARED_PARTS.length = 0;
    throw error;
  } finally {
    sizing = nested;
  }
}

/** The header of `command` in the ROCKETMQ form, as Java's RocketMQSerializable writes it. */
export function encodeBinaryHeader(command: RemotingCommand): Buffer {
  const h = sized(command, Infinity);
  const out = Buffer.allocUnsafe(h.length);
  write(out, 0, h);
  return out;
}

/**
 * The whole frame of `command` (length prefix, type and header length, header, body) in the ROCKETMQ
 * form; a ProtocolError when the header does not fit the frame's 24-bit header length.
 */
export function encodeBinaryFrame(command: RemotingCommand, type: number): Buffer {
  const h = sized(command, MAX_HEADER_LENGTH);
  const body = h.body;
  const bodyLength = body?.length ?? 0;
  const frameLength = 8 + h.length + bodyLength;
  let out: Buffer;
  let start = 0;
  if (frameLength <= SLAB_FRAME_MAX && !frameSlab.writing) {
    const slab = frameSlab;
    slab.ensureRoom(frameLength);
    out = slab.buf;
    start = slab.used;
    slab.used = start + frameLength;
  } else {
    out = Buffer.allocUnsafe(frameLength);
  }
  let at = putInt32(out, start, 4 + h.length + bodyLength);
  at = putInt32(out, at, (type << 24) | h.length);
  at = write(out, at, h);
  if (body) out.set(body, at);
  return out.length === frameLength ? out : out.subarray(start, start + frameLength);
}
