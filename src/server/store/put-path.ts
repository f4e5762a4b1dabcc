/**
 * The append critical section and the consume-queue dispatch of a put.
 *
 * Reserving log positions, assigning queue offsets and stamping the store time all happen in one
 * synchronous stretch of code: JavaScript runs one task at a time, so this is the store's put lock
 * and queue offsets come out strictly increasing, without gaps, in log order.
 */
import type { AppendPipeline } from './append-pipeline.js';
import type { AppendOutcome } from './append-types.js';
import type { CommitLog } from './commit-log.js';
import type { ConsumeQueue, CqEntry } from './consume-queue.js';
import type { QueueTable } from './queue-table.js';
import type { StagedDispatch } from './staged-dispatch.js';
import type { PreparedRecord } from './record-builder.js';
import { stampRecord } from './record-builder.js';
import type { AppendedRecord, PutMessageStatus, PutResult } from './store-types.js';

export interface DispatchItem {
  readonly cq: ConsumeQueue;
  readonly entry: CqEntry;
  readonly queueOffset: number;
  /** The message's raw property string, for long polling's filters. */
  readonly properties: string;
}

export interface PutContext {
  commitLog: CommitLog;
  staged: StagedDispatch;
  pipeline: AppendPipeline;
  queues: QueueTable;
}

export function refused(status: PutMessageStatus, reason?: string): PutResult {
  return {
    status,
    physicalOffset: -1n,
    queueOffset: -1n,
    storeSize: 0,
    storeTimestamp: 0,
    wroteBytes: 0,
    records: [],
    ...(reason === undefined ? {} : { reason }),
  };
}

/** Appends already validated records as one put and resolves with its outcome. */
export async function appendPrepared(
  ctx: PutContext,
  prepared: readonly PreparedRecord[],
  storeTimestamp: number,
  waitFlush: boolean,
  afterDispatch: (items: readonly DispatchItem[], storeTimestamp: number) => void,
): Promise<PutResult> {
  const { commitLog, pipeline, queues } = ctx;
  const records: AppendedRecord[] = [];
  const items: DispatchItem[] = [];
  const reservedFrom = commitLog.writePos;
  let wroteBytes = 0;
  for (const p of prepared) {
    let phys: number;
    try {
      phys = commitLog.reserve(p.size);
    } catch (err) {
      // Take back the records of this put reserved so far: a put is all or nothing.
      commitLog.unreserve(reservedFrom);
      for (let i = items.length - 1; i >= 0; i--) items[i]!.cq.nextQueueOffset--;
      pipeline.counters.appends -= records.length;
      return refused('CREATE_MAPPED_FILE_FAILED', (err as Error).message);
    }
    let queueOffset = 0;
    if (p.dispatched) {
      const cq = queues.getOrCreate(p.input.topic, p.input.queueId);
      queueOffset = cq.nextQueueOffset++;
      items.push({
        cq,
        entry: { phys, size: p.size, tagsCode: p.tagsCode },
        queueOffset,
        properties: p.input.properties,
      });
    }
    stampRecord(p, phys, queueOffset, storeTimestamp);
    commitLog.enqueue(phys, p.buf);
    pipeline.counters.appends++;
    records.push({ physicalOffset: BigInt(phys), queueOffset: BigInt(queueOffset), storeSize: p.size });
    wroteBytes += p.size;
  }
  const outcome = await new Promise<AppendOutcome>((resolve) => {
    pipeline.submit({
      end: commitLog.writePos,
      waitFlush,
      onWritten: () => stageEntries(ctx.staged, items),
      onDispatched: () => afterDispatch(items, storeTimestamp),
      resolve,
    });
  });
  if (outcome.status === 'UNKNOWN_ERROR' || outcome.status === 'SERVICE_NOT_AVAILABLE') {
    return refused(outcome.status, outcome.reason);
  }
  return {
    status: outcome.status,
    physicalOffset: records[0]!.physicalOffset,
    queueOffset: records[0]!.queueOffset,
    storeSize: records[0]!.storeSize,
    storeTimestamp,
    wroteBytes,
    records,
  };
}

/**
 * Stages consume-queue entries (written by the pipeline's StagedDispatch commit, together with those of
 * the other puts of the same write), one run of entries of the same queue at a time.
 */
function stageEntries(staged: StagedDispatch, items: readonly DispatchItem[]): void {
  let i = 0;
  while (i < items.length) {
    const cq = items[i]!.cq;
    let j = i;
    while (j < items.length && items[j]!.cq === cq) j++;
    staged.stage(
      cq,
      items[i]!.queueOffset,
      items.slice(i, j).map((x) => x.entry),
    );
    i = j;
  }
}
