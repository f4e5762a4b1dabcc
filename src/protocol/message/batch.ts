/**
 * Batch message body (Java MessageDecoder.encodeMessages / decodeMessage): entries concatenated, no
 * count prefix. The inner topic is not encoded (the batch request carries it).
 *
 * off    size  field
 *   0    4     TOTALSIZE = 20 + n + 2 + m
 *   4    4     MAGICCODE (0, ignored)
 *   8    4     BODYCRC (0, the broker computes it)
 *  12    4     FLAG
 *  16    4     BODY length n
 *  20    n     BODY (never compressed)
 *  20+n  2     PROPERTIES length m (<= 32767)
 *  22+n  m     PROPERTIES (§1.4 string, UTF-8)
 */
import { IllegalArgumentError, ProtocolError } from '../../common/errors.js';
import { putInt16BE, putInt32BE } from '../java/big-endian.js';
import type { EncodePropertiesOptions } from './properties.js';
import { MAX_PROPERTIES_LENGTH } from './record.js';

export interface BatchEntryInput {
  flag?: number;
  body: Uint8Array | string;
  /** A property map, or an already encoded property string. */
  properties: Readonly<Record<string, string>> | string;
}

export interface BatchEntry {
  flag: number;
  body: Buffer;
  /** Raw property string as sent. */
  properties: string;
  /** The entry's TOTALSIZE. */
  size: number;
  /** Offset of the entry inside the batch body. */
  offset: number;
}

const ENTRY_OVERHEAD = 22;
/**
 * Batches whose worst-case size is up to this are encoded in one buffer kept for the next batch (fresh
 * memory costs a page fault per 4 KiB touched: growing a buffer per batch made encoding 5x slower).
 */
const SCRATCH_LIMIT = 1 << 20;
let scratch: Buffer = Buffer.allocUnsafe(64 * 1024);

/**
 * Encode entries into a batch body. Throws IllegalArgumentError when properties exceed 32767 bytes.
 * Names and values are written straight into the body (no property string or Buffer per entry: an
 * auto-batching producer encodes every message this way), into a buffer sized for the worst case
 * (3 UTF-8 bytes per UTF-16 unit), then copied out at the exact size.
 */
export function encodeBatch(
  messages: readonly BatchEntryInput[],
  options: EncodePropertiesOptions = {},
): Buffer {
  const trailing = options.trailingSeparator !== false;
  const bodies = messages.map((m) => toBytes(m.body));
  let worst = 0;
  for (let i = 0; i < messages.length; i++) {
    worst +=
      ENTRY_OVERHEAD +
      (bodies[i] as Buffer).length +
      worstPropertyBytes((messages[i] as BatchEntryInput).properties);
  }
  if (worst > scratch.length && worst <= SCRATCH_LIMIT) scratch = Buffer.allocUnsafe(worst);
  const out = worst <= SCRATCH_LIMIT ? scratch : Buffer.allocUnsafe(worst);
  let off = 0;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i] as BatchEntryInput;
    const body = bodies[i] as Buffer;
    const start = off;
    // Plain byte stores: Buffer's checked int writers cost more than the rest of a small entry.
    putInt32BE(out, off + 4, 0); // MAGICCODE
    putInt32BE(out, off + 8, 0); // BODYCRC: the broker computes it
    putInt32BE(out, off + 12, (m.flag ?? 0) | 0);
    putInt32BE(out, off + 16, body.length);
    out.set(body, off + 20); // a builtin copy: Buffer.copy's native call costs more for small bodies
    off += ENTRY_OVERHEAD + body.length;
    const propsStart = off;
    off = writeProperties(out, off, m.properties, trailing);
    const propsLength = off - propsStart;
    if (propsLength > MAX_PROPERTIES_LENGTH) {
      throw new IllegalArgumentError(
        `Properties size of message exceeded, properties size: ${propsLength}, maxSize: ${MAX_PROPERTIES_LENGTH} (remove properties)`,
      );
    }
    putInt16BE(out, propsStart - 2, propsLength);
    putInt32BE(out, start, off - start);
  }
  const exact = Buffer.allocUnsafe(off);
  out.copy(exact, 0, 0, off);
  return exact;
}

/**
 * Writes `text` as UTF-8 at `off`; returns the bytes written. ASCII (names, ids, most values) is
 * stored char by char: cheaper than a native utf8Write call for the short strings of properties.
 */
function putText(out: Buffer, off: number, text: string): number {
  const n = text.length;
  if (n > 64) return out.write(text, off, 'utf8');
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) return i + out.write(text.slice(i), off + i, 'utf8');
    out[off + i] = c;
  }
  return n;
}

function toBytes(body: Uint8Array | string): Buffer {
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

/** At most the UTF-8 bytes of the property string (separators included). */
function worstPropertyBytes(properties: Readonly<Record<string, string>> | string): number {
  if (typeof properties === 'string') return 3 * properties.length;
  let units = 0;
  for (const name in properties) {
    if (!Object.hasOwn(properties, name)) continue;
    const value = properties[name] as unknown;
    if (value !== null && value !== undefined) units += name.length + String(value).length + 2;
  }
  return 3 * units;
}

/** Writes the property string (encodeProperties' form) at `off`; returns the offset after it. */
function writeProperties(
  out: Buffer,
  off: number,
  properties: Readonly<Record<string, string>> | string,
  trailing: boolean,
): number {
  if (typeof properties === 'string') return off + out.write(properties, off, 'utf8');
  const start = off;
  for (const name in properties) {
    if (!Object.hasOwn(properties, name)) continue; // own keys only, as encodeProperties
    const raw = properties[name] as unknown;
    if (raw === null || raw === undefined) continue;
    const value = String(raw); // an unchecked putProperty may have stored a number
    off += putText(out, off, name);
    out[off++] = 0x01; // NAME_VALUE_SEPARATOR
    off += putText(out, off, value);
    out[off++] = 0x02; // PROPERTY_SEPARATOR
  }
  return !trailing && off > start ? off - 1 : off;
}

export interface DecodeBatchOptions {
  /**
   * Entry bodies are views of `body` instead of copies (default false). For a caller that copies
   * them anyway before `body` may change (the broker encodes them into records at once).
   */
  shareBodies?: boolean;
}

function malformed(index: number, off: number, what: string): never {
  throw new ProtocolError(`malformed batch body: entry ${index} at byte ${off}: ${what}`);
}

/**
 * Where each entry of a batch body lies, checked as decodeBatch checks it, without an object, a view
 * or a string per entry (the broker copies the bytes straight into its records).
 */
export interface BatchIndex {
  readonly body: Buffer;
  readonly count: number;
  /**
   * BATCH_FIELDS ints per entry i, from i * BATCH_FIELDS: the entry's offset in `body`, its FLAG, its
   * body length and its properties length (the body starts at offset + 20, the properties 2 bytes
   * after the body ends).
   */
  readonly fields: Int32Array;
}

export const BATCH_FIELDS = 4;

/** Indexes a batch body. Any length that does not fit throws ProtocolError. */
export function indexBatch(body: Uint8Array): BatchIndex {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  let fields = new Int32Array(64 * BATCH_FIELDS);
  let count = 0;
  let off = 0;
  while (off < buf.length) {
    const left = buf.length - off;
    if (left < ENTRY_OVERHEAD)
      malformed(count, off, `${left} bytes left, an entry needs at least ${ENTRY_OVERHEAD}`);
    const size = buf.readInt32BE(off);
    if (size < ENTRY_OVERHEAD || size > left)
      malformed(count, off, `TOTALSIZE ${size} outside ${ENTRY_OVERHEAD}..${left}`);
    const bodyLength = buf.readInt32BE(off + 16);
    if (bodyLength < 0 || bodyLength > size - ENTRY_OVERHEAD)
      malformed(count, off, `body length ${bodyLength} does not fit TOTALSIZE ${size}`);
    const propsLength = buf.readUInt16BE(off + 20 + bodyLength);
    if (ENTRY_OVERHEAD + bodyLength + propsLength !== size) {
      malformed(count, off, `TOTALSIZE ${size} != 22 + body ${bodyLength} + properties ${propsLength}`);
    }
    if ((count + 1) * BATCH_FIELDS > fields.length) {
      const grown = new Int32Array(fields.length * 2);
      grown.set(fields);
      fields = grown;
    }
    const f = count * BATCH_FIELDS;
    fields[f] = off;
    fields[f + 1] = buf.readInt32BE(off + 12);
    fields[f + 2] = bodyLength;
    fields[f + 3] = propsLength;
    count++;
    off += size;
  }
  return { body: buf, count, fields };
}

/** Decode a batch body. Any length that does not fit throws ProtocolError. Bodies are copies unless shared. */
export function decodeBatch(body: Uint8Array, options: DecodeBatchOptions = {}): BatchEntry[] {
  const { body: buf, count, fields } = indexBatch(body);
  const share = options.shareBodies === true;
  const out: BatchEntry[] = [];
  for (let i = 0; i < count; i++) {
    const f = i * BATCH_FIELDS;
    const [off, flag, bodyLength, propsLength] = [fields[f]!, fields[f + 1]!, fields[f + 2]!, fields[f + 3]!];
    const propsAt = off + 20 + bodyLength;
    const view = buf.subarray(off + 20, propsAt);
    out.push({
      flag,
      body: share ? view : Buffer.from(view),
      properties: propsLength === 0 ? '' : buf.toString('utf8', propsAt + 2, propsAt + 2 + propsLength),
      size: ENTRY_OVERHEAD + bodyLength + propsLength,
      offset: off,
    });
  }
  return out;
}
