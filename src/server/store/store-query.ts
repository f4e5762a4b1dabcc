/**
 * QUERY_MESSAGE's read (Java DefaultMessageStore.queryMessage over IndexService.queryOffset): the
 * newest `maxNum` records indexed under "topic#key" whose store time lies in [begin, end], oldest
 * first, at most MAX_ANSWER_BYTES of them. The index yields hash matches, newest first; each record is
 * read (one pread of its head, one of the record, awaited one after the other) and kept only when its
 * topic and its UNIQ_KEY or one of its KEYS are the ones asked for, so a hash collision never takes a
 * real match's place (Java counts collisions and leaves them to the client). Records below the log's
 * first offset (deleted segments) are never read.
 */
import { KEY_SEPARATOR, MessageConst } from '../../protocol/message/constants.js';
import { propertyValue } from '../../protocol/message/properties.js';
import { readRecordFields } from '../../protocol/message/record.js';
import type { CommitLog } from './commit-log.js';
import type { MessageIndex } from './message-index.js';
import { INDEX_WALK_TURN } from './message-index.js';
import { lookMessageByOffset } from './store-reads.js';

export interface QueryMessageResult {
  /** The records found, each whole, in log order. */
  readonly records: Buffer[];
  /** Store time of the last record indexed (Java indexLastUpdateTimestamp); 0 when none was found. */
  readonly indexLastUpdateTimestamp: number;
  /** Offset of the last record indexed (Java indexLastUpdatePhyoffset); 0 when none was found. */
  readonly indexLastUpdatePhyoffset: number;
}

export const NOTHING_FOUND: QueryMessageResult = {
  records: [],
  indexLastUpdateTimestamp: 0,
  indexLastUpdatePhyoffset: 0,
};

export interface QueryInput {
  readonly topic: string;
  readonly key: string;
  readonly maxNum: number;
  readonly begin: number;
  readonly end: number;
}

export async function queryMessage(
  log: CommitLog,
  index: MessageIndex,
  q: QueryInput,
  maxMessageSize: number,
): Promise<QueryMessageResult> {
  if (q.maxNum <= 0) return NOTHING_FOUND;
  // Read before the reads below: what the answer says the index held when it was asked.
  const indexLastUpdateTimestamp = index.lastTimestamp;
  const indexLastUpdatePhyoffset = index.lastPhysicalOffset;
  // Newest first, each record once; only records that hold the key count towards maxNum (a hash
  // collision must not take a real match's place), and the reads are bounded for such a flood.
  const found: { phys: number; record: Buffer }[] = [];
  const seen = new Set<number>();
  let reads = 0;
  let bytes = 0;
  const maxReads = q.maxNum * 4 + 64;
  for (const phys of index.candidates(q.topic, q.key, q.begin, q.end, log.minOffset)) {
    if (phys === INDEX_WALK_TURN) {
      await new Promise<void>((resolve) => setImmediate(resolve)); // a long chain: let others run
      continue;
    }
    if (seen.has(phys) || phys < log.minOffset) continue; // (deleted while the reads went on)
    seen.add(phys);
    if (++reads > maxReads) break;
    const record = await lookMessageByOffset(log, phys, maxMessageSize);
    if (record === undefined || !holdsKey(record, q.topic, q.key)) continue;
    found.push({ phys, record });
    bytes += record.length;
    // The answer is one frame: past MAX_ANSWER_BYTES the older matches are left out.
    if (found.length >= q.maxNum || bytes >= MAX_ANSWER_BYTES) break;
  }
  if (found.length === 0) return NOTHING_FOUND;
  found.sort((a, b) => a.phys - b.phys);
  return { records: found.map((f) => f.record), indexLastUpdateTimestamp, indexLastUpdatePhyoffset };
}

/** Body bytes of one answer at most (a frame may not pass 16 MiB; 64 records of 4 MiB would). */
export const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

/** Whether the record is in `topic` and has `key` as its UNIQ_KEY or among its KEYS. */
function holdsKey(record: Buffer, topic: string, key: string): boolean {
  let f;
  try {
    f = readRecordFields(record, 0);
  } catch {
    return false;
  }
  if (f.topic !== topic) return false;
  if (propertyValue(f.properties, MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX) === key) return true;
  const keys = propertyValue(f.properties, MessageConst.PROPERTY_KEYS);
  return keys !== undefined && keys.split(KEY_SEPARATOR).includes(key);
}
