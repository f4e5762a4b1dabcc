/**
 * Batch bodies for the tests of the broker's batch path, written here field by field (not with
 * encodeBatch), properties as raw bytes (they may be anything a peer sends); and the refusal the
 * store owes a batch given what prepareRecord makes of each message alone.
 */
import type { PreparedRecord, Refusal } from '../../src/server/store/record-builder.js';

export interface RawBatchEntry {
  flag: number;
  body: Buffer;
  properties: Buffer;
}

/** One entry: TOTALSIZE, MAGICCODE 0, BODYCRC 0, FLAG, BODY length, BODY, PROPERTIES length, PROPERTIES. */
export function rawBatchEntry({ flag, body, properties }: RawBatchEntry): Buffer {
  const entry = Buffer.alloc(22 + body.length + properties.length);
  entry.writeInt32BE(entry.length, 0);
  entry.writeInt32BE(flag, 12);
  entry.writeInt32BE(body.length, 16);
  body.copy(entry, 20);
  entry.writeUInt16BE(properties.length & 0xffff, 20 + body.length);
  properties.copy(entry, 22 + body.length);
  return entry;
}

export function rawBatchBody(entries: readonly RawBatchEntry[]): Buffer {
  return Buffer.concat(entries.map(rawBatchEntry));
}

/**
 * The refusal a batch of these per-message results gets: the first message refused, in order, or the
 * size guard once the records so far pass 4 x maxMessageSize.
 */
export function expectedRefusal(
  alone: (PreparedRecord | Refusal)[],
  maxMessageSize: number,
): Refusal | undefined {
  let bytes = 0;
  for (const [i, p] of alone.entries()) {
    if (!('buf' in p)) return p;
    bytes += p.size;
    if (i > 0 && bytes > 4 * maxMessageSize) {
      return {
        status: 'MESSAGE_ILLEGAL',
        reason: `message size exceeded: the batch's records pass ${bytes} bytes (at most ${4 * maxMessageSize}, 4 x maxMessageSize)`,
      };
    }
  }
  return undefined;
}
