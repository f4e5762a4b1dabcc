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
import { type EncodePropertiesOptions, encodeProperties } from './properties.js';
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

function bodyBuffer(body: Uint8Array | string): Buffer {
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

/**
 * Encode entries into a batch body. Throws IllegalArgumentError when properties exceed 32767 bytes.
 * Measured first, then written straight into one buffer: no Buffer per property string (an
 * auto-batch of 128 B messages spent more on those small buffers than on the bytes themselves).
 */
export function encodeBatch(
  messages: readonly BatchEntryInput[],
  options: EncodePropertiesOptions = {},
): Buffer {
  const count = messages.length;
  const bodies = new Array<Buffer>(count);
  const propStrings = new Array<string>(count);
  const propLengths = new Array<number>(count);
  let total = 0;
  for (let i = 0; i < count; i++) {
    const m = messages[i] as BatchEntryInput;
    const body = bodyBuffer(m.body);
    const propString =
      typeof m.properties === 'string' ? m.properties : encodeProperties(m.properties, options);
    const propLength = Buffer.byteLength(propString, 'utf8');
    if (propLength > MAX_PROPERTIES_LENGTH) {
      throw new IllegalArgumentError(
        `Properties size of message exceeded, properties size: ${propLength}, maxSize: ${MAX_PROPERTIES_LENGTH} (remove properties)`,
      );
    }
    bodies[i] = body;
    propStrings[i] = propString;
    propLengths[i] = propLength;
    total += ENTRY_OVERHEAD + body.length + propLength;
  }
  const out = Buffer.allocUnsafe(total);
  let off = 0;
  for (let i = 0; i < count; i++) {
    const body = bodies[i] as Buffer;
    const propLength = propLengths[i] as number;
    out.writeInt32BE(ENTRY_OVERHEAD + body.length + propLength, off);
    out.writeInt32BE(0, off + 4); // MAGICCODE, ignored
    out.writeInt32BE(0, off + 8); // BODYCRC, the broker computes it
    out.writeInt32BE(((messages[i] as BatchEntryInput).flag ?? 0) | 0, off + 12);
    out.writeInt32BE(body.length, off + 16);
    out.set(body, off + 20);
    off += 20 + body.length;
    out.writeUInt16BE(propLength, off);
    if (propLength > 0) out.write(propStrings[i] as string, off + 2, propLength, 'utf8');
    off += 2 + propLength;
  }
  return out;
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

/** Decode a batch body. Any length that does not fit throws ProtocolError. Bodies are copies unless shared. */
export function decodeBatch(body: Uint8Array, options: DecodeBatchOptions = {}): BatchEntry[] {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const share = options.shareBodies === true;
  const out: BatchEntry[] = [];
  let off = 0;
  while (off < buf.length) {
    const left = buf.length - off;
    const index = out.length;
    if (left < ENTRY_OVERHEAD)
      malformed(index, off, `${left} bytes left, an entry needs at least ${ENTRY_OVERHEAD}`);
    const size = buf.readInt32BE(off);
    if (size < ENTRY_OVERHEAD || size > left)
      malformed(index, off, `TOTALSIZE ${size} outside ${ENTRY_OVERHEAD}..${left}`);
    const bodyLength = buf.readInt32BE(off + 16);
    if (bodyLength < 0 || bodyLength > size - ENTRY_OVERHEAD)
      malformed(index, off, `body length ${bodyLength} does not fit TOTALSIZE ${size}`);
    const propsAt = off + 20 + bodyLength;
    const propsLength = buf.readUInt16BE(propsAt);
    if (ENTRY_OVERHEAD + bodyLength + propsLength !== size) {
      malformed(index, off, `TOTALSIZE ${size} != 22 + body ${bodyLength} + properties ${propsLength}`);
    }
    const view = buf.subarray(off + 20, propsAt);
    out.push({
      flag: buf.readInt32BE(off + 12),
      body: share ? view : Buffer.from(view),
      properties: propsLength === 0 ? '' : buf.toString('utf8', propsAt + 2, propsAt + 2 + propsLength),
      size,
      offset: off,
    });
    off += size;
  }
  return out;
}
