/**
 * Keeps the consume queues in step with the recovery walk (recovery.ts, log-scan.ts).
 *
 * Records met by the walk are re-dispatched when their queue lacks them. A message lost to damage
 * keeps its queue offset as a HOLE: an entry (phys = start of the void or blank that replaced the
 * damage, size = 8, tags code 0). Readers skip entries smaller than a record, so the messages after
 * a lost one keep the queue offsets stamped in their bytes, and an offset once handed out is never
 * handed out again (a consumer that committed past it would otherwise skip the new message).
 *
 * Holes come from three places:
 * - entries already pointing into a damaged range are rewritten as holes;
 * - the damaged record's own header, when still plausible (a known queue whose next offset is the
 *   one in the header), gives its queue a hole right away;
 * - a later record of a queue with a gap since its last entry, when damage lies in between
 *   (a queue's first record in a full rebuild of a log that no longer starts at 0 is no gap: the
 *   records before it were deleted by retention, and the queue starts at its offset)
 *   (otherwise the gap means lost consume-queue entries: QueueGapError, a full rebuild; in a full
 *   rebuild it means records missing from the log: holes all the same, logged as an error).
 */
import type { Logger } from '../../common/logger.js';
import { RecordOffset, recordFieldOffsets } from '../../protocol/message/record.js';
import { MessageMagic } from '../../protocol/message/constants.js';
import type { CommitLog } from './commit-log.js';
import type { CqEntry } from './consume-queue.js';
import { preadSync } from './file-io.js';
import type { ScannedRecord } from './log-scan.js';
import { VOID_HEADER_LENGTH } from './log-scan.js';
import type { QueueTable } from './queue-table.js';
import { isDispatchedSysFlag, tagsCodeOfProperties, TOPIC_PATTERN } from './queue-table.js';

export class QueueGapError extends Error {}

export interface DamagedHeader {
  topic: string;
  queueId: number;
  queueOffset: number;
}

export class QueueRepair {
  /** Consume-queue entries written for records. */
  redispatched = 0;
  /** Entries written or rewritten as holes. */
  holes = 0;
  /** Start positions of voids and voided damage met so far, ascending. */
  private readonly voids: number[] = [];

  constructor(
    private readonly queues: QueueTable,
    private readonly log: CommitLog,
    private readonly fullRebuild: boolean,
    private readonly logger: Logger,
  ) {}

  /** A void of an earlier recovery: it may explain queue gaps after it. */
  onVoid(pos: number): void {
    this.voids.push(pos);
  }

  /** Damage [from, to), now replaced by a void or blank at `from`. */
  onDamage(from: number, to: number, header: DamagedHeader | undefined): void {
    this.voids.push(from);
    const hole: CqEntry = { phys: from, size: VOID_HEADER_LENGTH, tagsCode: 0n };
    for (const cq of this.queues.all()) {
      if (cq.maxPhysicEnd <= from) continue;
      for (let o = cq.firstOffsetAtOrAfter(from); o < cq.maxOffset; o++) {
        const e = cq.entryAtSync(o);
        if (e === undefined || e.phys >= to) break;
        cq.rewriteEntrySync(o, hole);
        this.holes++;
      }
    }
    if (header === undefined || this.queues.isDeleted(header.topic, from)) return;
    const cq = this.queues.get(header.topic, header.queueId);
    if (cq !== undefined && cq.maxOffset === header.queueOffset && cq.maxPhysicEnd <= from) {
      cq.append([hole]);
      this.holes++;
    }
  }

  /** Brings one record's consume queue up to date. */
  onRecord(rec: ScannedRecord, pos: number, size: number): void {
    if (!isDispatchedSysFlag(rec.sysFlag) || this.queues.isDeleted(rec.topic, pos)) return;
    const cq = this.queues.getOrCreate(rec.topic, rec.queueId);
    const qo = rec.queueOffset;
    if (qo < cq.maxOffset) {
      // Already there? Checked, not assumed: after a power loss an earlier queue file may have lost
      // entries that a later file kept (files reach the disk in any order).
      // A file that is gone (retention, damage) cannot be checked: its entries stay as they are.
      const e = cq.entryAtSync(qo, true); // records come in log order: a queue's offsets increase
      if (e === undefined ? pos < cq.maxPhysicEnd : e.phys === pos && e.size === size) return;
      cq.truncateTo(qo); // the queue holds entries the log does not have at this position
    } else if (qo > cq.maxOffset && this.fullRebuild && cq.maxOffset === 0 && this.log.minOffset > 0) {
      // Rebuilding a log whose first segments retention deleted: the queue's earlier records went
      // with them. Not lost: the queue starts here (as the retention had left it).
      cq.startAt(qo);
    } else if (qo > cq.maxOffset) {
      // From the queue's last entry on; when that entry is a hole, its own void may explain more.
      const gap = `queue ${rec.topic}/${rec.queueId} lacks offsets ${cq.maxOffset}..${qo - 1}`;
      let voidAt = this.voidBetween(cq.maxPhysicEnd - VOID_HEADER_LENGTH, pos);
      if (voidAt === undefined) {
        // Lost consume-queue entries: a full rebuild finds them. In a full rebuild nothing explains
        // the gap but records missing from the log: the store still opens, with holes, and says so.
        if (!this.fullRebuild) throw new QueueGapError(gap);
        this.logger.error({ topic: rec.topic, queueId: rec.queueId, from: cq.maxOffset, to: qo - 1 }, gap);
        voidAt = pos;
      }
      const holes = qo - cq.maxOffset;
      cq.append(
        Array.from({ length: holes }, () => ({ phys: voidAt, size: VOID_HEADER_LENGTH, tagsCode: 0n })),
      );
      this.holes += holes;
    }
    cq.append([{ phys: pos, size, tagsCode: tagsCodeOfProperties(rec.properties) }]);
    this.redispatched++;
  }

  /** The last void in [from, to), if any. */
  private voidBetween(from: number, to: number): number | undefined {
    for (let i = this.voids.length - 1; i >= 0; i--) {
      const v = this.voids[i]!;
      if (v < to) return v >= from ? v : undefined;
    }
    return undefined;
  }

  /**
   * The queue fields of a damaged record, read leniently before it is voided; undefined unless they
   * look like a dispatched record's (magic, legal topic inside the range).
   */
  readDamagedHeader(from: number, to: number): DamagedHeader | undefined {
    const seg = this.log.segmentFor(from);
    if (seg === undefined) return undefined;
    const buf = preadSync(this.log.io, seg.fd, Math.min(to - from, 64 * 1024), from - seg.start);
    if (buf.length < RecordOffset.BORNHOST) return undefined;
    const magic = buf.readInt32BE(RecordOffset.MAGICCODE);
    if (magic !== MessageMagic.V1 && magic !== MessageMagic.V2) return undefined;
    const sysFlag = buf.readInt32BE(RecordOffset.SYSFLAG);
    if (!isDispatchedSysFlag(sysFlag)) return undefined;
    let p = recordFieldOffsets(sysFlag).bodyLength;
    if (p + 4 > buf.length) return undefined;
    p += 4 + buf.readInt32BE(p);
    const v2 = magic === MessageMagic.V2;
    if (p < 0 || p + (v2 ? 2 : 1) > buf.length) return undefined;
    const topicLength = v2 ? buf.readUInt16BE(p) : buf.readUInt8(p);
    p += v2 ? 2 : 1;
    if (p + topicLength > buf.length) return undefined;
    const topic = buf.toString('latin1', p, p + topicLength);
    if (!TOPIC_PATTERN.test(topic)) return undefined;
    const queueOffset = Number(buf.readBigInt64BE(RecordOffset.QUEUEOFFSET));
    return { topic, queueId: buf.readInt32BE(RecordOffset.QUEUEID), queueOffset };
  }
}
