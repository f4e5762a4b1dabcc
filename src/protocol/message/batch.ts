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

/**
 * Encode entries into a batch body. Throws IllegalArgumentError when properties exceed 32767 bytes.
 * Each property string becomes its own small Buffer first: measured against measuring it and writing
 * it straight into the body, that is twice as fast for the concatenated strings encodeProperties makes.
 */
export function encodeBatch(
  messages: readonly BatchEntryInput[],
  options: EncodePropertiesOptions = {},
): Buffer {
  const parts: { flag: number; body: Buffer; props: Buffer }[] = [];
  let total = 0;
  for (const m of messages) {
    const body =
      typeof m.body === 'string'
        ? Buffer.from(m.body, 'utf8')
        : Buffer.isBuffer(m.body)
          ? m.body
          : Buffer.from(m.body.buffer, m.body.byteOffset, m.body.byteLength);
    const propString =
      typeof m.properties === 'string' ? m.properties : encodeProperties(m.properties, options);
    const props = Buffer.from(propString, 'utf8');
    if (props.length > MAX_PROPERTIES_LENGTH) {
      throw new IllegalArgumentError(
        `Properties size of message exceeded, properties size: ${props.length}, maxSize: ${MAX_PROPERTIES_LENGTH} (remove properties)`,
      );
    }
    parts.push({ flag: m.flag ?? 0, body, props });
    total += ENTRY_OVERHEAD + body.length + props.length;
  }
  const out = Buffer.alloc(total);
  let off = 0;
  for (const { flag, body, props } of parts) {
    out.writeInt32BE(ENTRY_OVERHEAD + body.length + props.length, off);
    // MAGICCODE and BODYCRC stay 0.
    out.writeInt32BE(flag | 0, off + 12);
    out.writeInt32BE(body.length, off + 16);
    body.copy(out, off + 20);
    off += 20 + body.length;
    out.writeUInt16BE(props.length, off);
    props.copy(out, off + 2);
    off += 2 + props.length;
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
