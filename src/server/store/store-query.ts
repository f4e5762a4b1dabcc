/**
 * QUERY_MESSAGE's read (Java DefaultMessageStore.queryMessage over IndexService.queryOffset): the
 * newest `maxNum` records indexed under "topic#key" whose store time lies in [begin, end], oldest
 * first. The index yields hash matches; each record is read (one pread of its head, one of the
 * record, awaited one after the other: at most maxMsgsNumBatch records) and kept only when its topic
 * and its UNIQ_KEY or one of its KEYS are the ones asked for (Java leaves hash collisions to the
 * client). Records below the log's first offset (deleted segments) are never read.
 */
import { KEY_SEPARATOR, MessageConst } from '../../protocol/message/constants.js';
import { propertyValue } from '../../protocol/message/properties.js';
import { readRecordFields } from '../../protocol/message/record.js';
import type { CommitLog } from './commit-log.js';
import type { MessageIndex } from './message-index.js';
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
  const offsets = index.lookup(q.topic, q.key, q.begin, q.end, log.minOffset, q.maxNum);
  if (offsets.length === 0) return NOTHING_FOUND;
  // Read before the reads below: what the answer says the index held when it was asked.
  const indexLastUpdateTimestamp = index.lastTimestamp;
  const indexLastUpdatePhyoffset = index.lastPhysicalOffset;
  offsets.sort((a, b) => a - b);
  const records: Buffer[] = [];
  for (const phys of offsets) {
    if (phys < log.minOffset) continue; // deleted while the reads went on
    const record = await lookMessageByOffset(log, phys, maxMessageSize);
    if (record !== undefined && holdsKey(record, q.topic, q.key)) records.push(record);
  }
  if (records.length === 0) return NOTHING_FOUND;
  return { records, indexLastUpdateTimestamp, indexLastUpdatePhyoffset };
}

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
