/**
 * JSON string literals read straight from UTF-8 bytes, for the JSON header fast path: escapes decoded
 * as JSON.parse does, raw bytes decoded as UTF-8 (invalid sequences become U+FFFD, like
 * Buffer#toString), pure-ASCII runs decoded as latin1 (cheaper, same result).
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * `end`: the index just after the closing quote of the string readJsonString last returned (so that
 * the hot path returns no pair). A property of a constant object, not an exported `let`: an importer
 * reads an exported binding through its cell, a few loads more per string on the header hot path.
 */
export const jsonString = { end: 0 };

const HEX_VALUE = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUE[0x30 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX_VALUE[0x41 + i] = 10 + i;
  HEX_VALUE[0x61 + i] = 10 + i;
}

/** The character a JSON escape `\x` (x = byte) stands for, except \u; undefined when invalid. */
const SIMPLE_ESCAPES: (string | undefined)[] = [];
SIMPLE_ESCAPES[0x22] = '"';
SIMPLE_ESCAPES[0x5c] = '\\';
SIMPLE_ESCAPES[0x2f] = '/';
SIMPLE_ESCAPES[0x62] = '\b';
SIMPLE_ESCAPES[0x66] = '\f';
SIMPLE_ESCAPES[0x6e] = '\n';
SIMPLE_ESCAPES[0x72] = '\r';
SIMPLE_ESCAPES[0x74] = '\t';

function slice(buf: Buffer, start: number, end: number, ascii: boolean): string {
  return buf.toString(ascii ? 'latin1' : 'utf8', start, end);
}

/**
 * Short ASCII strings recently read, by a hash of their bytes. A header repeats most of its short
 * strings in every frame (field names, topic, group, flags, small numbers), and making a string from
 * bytes is a call into C++ plus an allocation: comparing a dozen bytes with the string already made
 * costs a fraction of that (on a send header, ~26 strings per frame). Direct-mapped and overwritten on
 * a miss: bounded memory, and no input can make a lookup cost more than one comparison.
 */
const INTERN_MAX_LENGTH = 24;
const INTERN_SLOTS = 4096;
const interned: string[] = new Array<string>(INTERN_SLOTS).fill('');

/** The string of the ASCII bytes buf[start, end), whose hash (see readJsonString) is `h`. */
function internedAscii(buf: Buffer, start: number, end: number, h: number): string {
  const length = end - start;
  h = (h + Math.imul(length, 0x9e3779b1)) | 0;
  const slot = (h ^ (h >>> 12)) & (INTERN_SLOTS - 1);
  const known = interned[slot]!;
  if (known.length === length) {
    let i = 0;
    while (i < length && known.charCodeAt(i) === buf[start + i]) i++;
    if (i === length) return known;
  }
  const made = buf.toString('latin1', start, end);
  interned[slot] = made;
  return made;
}

/**
 * The string of the bytes buf[start, end) when they are all ASCII (the short ones from the cache of
 * short strings), else undefined: for decoders of raw, unescaped text (the ROCKETMQ header form).
 */
export function asciiString(buf: Buffer, start: number, end: number): string | undefined {
  let h = 0;
  for (let p = start; p < end; p++) {
    const b = buf[p]!;
    if (b >= 0x80) return undefined;
    h = (Math.imul(h, 31) + b) | 0;
  }
  const length = end - start;
  if (length === 0) return '';
  return length <= INTERN_MAX_LENGTH ? internedAscii(buf, start, end, h) : buf.toString('latin1', start, end);
}

/** The code unit of the `\uXXXX` escape at `p` (its four digits are in the buffer); negative when a digit is bad. */
function unicodeEscape(buf: Buffer, p: number): number {
  // A bad digit is -1: it makes the whole value negative.
  return (
    (HEX_VALUE[buf[p + 2]!]! << 12) |
    (HEX_VALUE[buf[p + 3]!]! << 8) |
    (HEX_VALUE[buf[p + 4]!]! << 4) |
    HEX_VALUE[buf[p + 5]!]!
  );
}

/** Where readEscapedAscii decodes to; strings longer than it take the general path. */
const ESCAPED = Buffer.allocUnsafeSlow(4096);
/** readEscapedAscii: the string is not valid JSON. */
const INVALID = -1;
/** readEscapedAscii: the string holds non-ASCII text (raw or escaped), or does not fit ESCAPED. */
const NOT_ASCII = -2;

/**
 * Decodes the string starting at `start` (after its opening quote) into ESCAPED when all it holds is
 * ASCII: returns the byte count and sets jsonString.end, or INVALID / NOT_ASCII.
 */
function readEscapedAscii(buf: Buffer, start: number, end: number): number {
  const out = ESCAPED;
  let n = 0;
  for (let p = start; p < end;) {
    const b = buf[p]!;
    if (n >= out.length || b >= 0x80) return NOT_ASCII;
    if (b === QUOTE) {
      jsonString.end = p + 1;
      return n;
    }
    if (b < 0x20) return INVALID;
    if (b !== BACKSLASH) {
      out[n++] = b;
      p++;
      continue;
    }
    if (p + 1 >= end) return INVALID;
    const e = buf[p + 1]!;
    if (e === 0x75) {
      if (p + 6 > end) return INVALID;
      const code = unicodeEscape(buf, p);
      if (code < 0) return INVALID;
      if (code >= 0x80) return NOT_ASCII;
      out[n++] = code;
      p += 6;
    } else {
      const char = SIMPLE_ESCAPES[e];
      if (char === undefined) return INVALID;
      out[n++] = char.charCodeAt(0);
      p += 2;
    }
  }
  return INVALID; // not closed before `end`
}

/**
 * The JSON string whose opening quote is at `quoteAt` (undefined when there is none, it is not closed
 * before `end`, or it holds a raw control character or a bad escape); `jsonString.end` is then the
 * index after its closing quote. Plain ASCII (no escape: nearly every header value) is read in one
 * pass that also hashes the bytes for the cache of short strings; anything else takes readSpecial.
 */
export function readJsonString(buf: Buffer, quoteAt: number, end: number): string | undefined {
  if (buf[quoteAt] !== QUOTE) return undefined;
  const start = quoteAt + 1;
  let h = 0;
  for (let p = start; p < end; p++) {
    const b = buf[p]!;
    if (b === QUOTE) {
      jsonString.end = p + 1;
      const length = p - start;
      if (length === 0) return '';
      return length <= INTERN_MAX_LENGTH ? internedAscii(buf, start, p, h) : buf.toString('latin1', start, p);
    }
    if (b < 0x20 || b === BACKSLASH || b >= 0x80) return readSpecial(buf, quoteAt, end);
    h = (Math.imul(h, 31) + b) | 0;
  }
  return undefined; // not closed before `end`
}

/** readJsonString of a string holding escapes, non-ASCII bytes or a raw control character. */
function readSpecial(buf: Buffer, quoteAt: number, end: number): string | undefined {
  if (buf[quoteAt] !== QUOTE) return undefined;
  let p = quoteAt + 1;
  let start = p;
  let ascii = true;
  let decoded: string | undefined;
  for (;;) {
    if (p >= end) return undefined;
    const b = buf[p]!;
    if (b === QUOTE) break;
    if (b < 0x20) return undefined; // JSON forbids raw control characters
    if (b === BACKSLASH) {
      if (decoded === undefined && ascii) {
        // ASCII with escapes (a message's property string: two control-character escapes per
        // property): decoded into bytes and read out once, not one slice and concatenation per escape.
        const bytes = readEscapedAscii(buf, quoteAt + 1, end);
        if (bytes >= 0) return ESCAPED.toString('latin1', 0, bytes);
        if (bytes === INVALID) return undefined;
      }
      if (p + 1 >= end) return undefined;
      const e = buf[p + 1]!;
      let char: string | undefined;
      let length = 2;
      if (e === 0x75) {
        if (p + 6 > end) return undefined;
        const code = unicodeEscape(buf, p);
        if (code < 0) return undefined;
        char = String.fromCharCode(code);
        length = 6;
      } else {
        char = SIMPLE_ESCAPES[e];
        if (char === undefined) return undefined;
      }
      decoded = (decoded ?? '') + slice(buf, start, p, ascii) + char;
      p += length;
      start = p;
      ascii = true;
      continue;
    }
    if (b >= 0x80) ascii = false;
    p++;
  }
  jsonString.end = p + 1;
  const tail = p === start ? '' : slice(buf, start, p, ascii);
  return decoded === undefined ? tail : decoded + tail;
}
