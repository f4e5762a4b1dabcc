/**
 * The append critical section and the consume-queue dispatch of a put.
 *
 * Reserving log positions, assigning queue offsets and stamping the store time all happen in one
 * synchronous stretch of code: JavaScript runs one task at a time, so this is the store's put lock
 * and queue offsets come out strictly increasing, without gaps, in log order.
 */
import type { AppendPipeline } from './append-pipeline.js';
import type { AppendOutcome, AppendSubmission } from './append-types.js';
import type { CommitLog } from './commit-log.js';
import type { ConsumeQueue } from './consume-queue.js';
import type { DispatchItem } from './dispatch-item.js';
import type { QueueTable } from './queue-table.js';
import type { StagedDispatch } from './staged-dispatch.js';
import type { PreparedRecord } from './record-builder.js';
import { stampRecord } from './record-builder.js';
import type { AppendedRecord, PutMessageStatus, PutResult } from './store-types.js';

/** A record's dispatch item, for records that are not their own (see PreparedRecord.dispatchAs). */
class Dispatched implements DispatchItem {
  readonly size: number;
  readonly tagsCode: bigint;

  constructor(
    readonly phys: number,
    private readonly record: PreparedRecord,
    readonly cq: ConsumeQueue,
    readonly queueOffset: number,
  ) {
    this.size = record.size;
    this.tagsCode = record.tagsCode;
  }

  /** Read from the record when a filter asks: a batch's records build their strings only then. */
  get properties(): string {
    return this.record.properties;
  }
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

/**
 * Appends already validated records as one put and resolves with its outcome. Not an async function:
 * everything up to the submission runs synchronously, and one promise carries the answer (an async
 * frame here kept its ~40 registers alive per put; the broker's single sends allocated ~1.7 KB per
 * message in this function).
 */
export function appendPrepared(
  ctx: PutContext,
  prepared: readonly PreparedRecord[],
  storeTimestamp: number,
  waitFlush: boolean,
  afterDispatch: (items: readonly DispatchItem[], storeTimestamp: number) => void,
): Promise<PutResult> {
  const { commitLog, pipeline, queues } = ctx;
  // Offsets as plain numbers (PutResult.records makes its BigInts only when asked), in arrays of the
  // put's size: grown by push, they allocated several times what they hold.
  const count = prepared.length;
  // (Plain arrays: a typed array is a builtin call and a buffer each, ~1 % of a single send's CPU.)
  const physicalOffsets = new Array<number>(count);
  const queueOffsets = new Array<number>(count);
  const storeSizes = new Array<number>(count);
  const items = new Array<DispatchItem>(count);
  let itemCount = 0;
  let appended = 0;
  const reservedFrom = commitLog.writePos;
  let wroteBytes = 0;
  // Records next to each other both in the log and in memory (those of one batch buffer) are queued
  // as one write: the writer's cost is per buffer (pwritev walks them one by one).
  let run: Buffer | undefined;
  let runAt = 0; // where the run starts in `run`
  let runPos = 0;
  let runBytes = 0;
  // The queue of the previous record: a batch's records all go to one queue.
  let cq: ConsumeQueue | undefined;
  for (const p of prepared) {
    let phys: number;
    const queued = commitLog.pending.length;
    try {
      phys = commitLog.reserve(p.size); // may queue an END-OF-FILE blank first
    } catch (err) {
      // Take back the records of this put reserved so far: a put is all or nothing.
      commitLog.unreserve(reservedFrom);
      for (let i = itemCount - 1; i >= 0; i--) items[i]!.cq.nextQueueOffset--;
      pipeline.counters.appends -= appended;
      return Promise.resolve(refused('CREATE_MAPPED_FILE_FAILED', (err as Error).message));
    }
    let queueOffset = 0;
    if (p.dispatched) {
      const { topic, queueId } = p;
      if (cq === undefined || cq.topic !== topic || cq.queueId !== queueId)
        cq = queues.getOrCreate(topic, queueId);
      queueOffset = cq.nextQueueOffset++;
      items[itemCount++] =
        p.dispatchAs !== undefined
          ? p.dispatchAs(phys, cq, queueOffset)
          : new Dispatched(phys, p, cq, queueOffset);
    }
    stampRecord(p, phys, queueOffset, storeTimestamp);
    const separate = p.body?.bytes;
    if (separate !== undefined) {
      // The record's bytes before its body, the body as the request holds it, the bytes after it.
      if (run !== undefined) commitLog.enqueueAt(queued, runPos, viewOf(run, runAt, runBytes));
      run = undefined;
      const { at: bodyAt, length: bodyLength } = p.body!;
      const recordEnd = p.at + p.size - bodyLength;
      commitLog.enqueue(phys, p.buf.subarray(p.at, p.at + bodyAt));
      // The body as the request holds it: one buffer, or the chunks it arrived in (chunked-body.ts).
      let pos = phys + bodyAt;
      for (const piece of separate) {
        commitLog.enqueue(pos, piece);
        pos += piece.length;
      }
      commitLog.enqueue(phys + bodyAt + bodyLength, p.buf.subarray(p.at + bodyAt, recordEnd));
    } else if (
      p.buf === run &&
      p.at === runAt + runBytes &&
      phys === runPos + runBytes &&
      commitLog.pending.length === queued
    ) {
      runBytes += p.size;
    } else {
      // The run goes before the blank reserve may just have queued (the log order).
      if (run !== undefined) commitLog.enqueueAt(queued, runPos, viewOf(run, runAt, runBytes));
      run = p.buf;
      runAt = p.at;
      runPos = phys;
      runBytes = p.size;
    }
    pipeline.counters.appends++;
    physicalOffsets[appended] = phys;
    queueOffsets[appended] = queueOffset;
    storeSizes[appended] = p.size;
    appended++;
    wroteBytes += p.size;
  }
  if (run !== undefined) commitLog.enqueue(runPos, viewOf(run, runAt, runBytes));
  items.length = itemCount; // transaction PREPARED / ROLLBACK records have no item
  const sub = new PutSubmission(commitLog.writePos, waitFlush, ctx.staged, items, afterDispatch);
  sub.storeTimestamp = storeTimestamp;
  sub.wroteBytes = wroteBytes;
  sub.physicalOffsets = physicalOffsets;
  sub.queueOffsets = queueOffsets;
  sub.storeSizes = storeSizes;
  return new Promise<PutResult>((resolve, reject) => {
    sub.settle = resolve;
    sub.fail = reject;
    pipeline.submit(sub);
  });
}

/**
 * A put handed to the pipeline, and what its answer is made of: one object per put (its callbacks
 * are methods, not closures).
 */
class PutSubmission implements AppendSubmission {
  storeTimestamp = 0;
  wroteBytes = 0;
  physicalOffsets: readonly number[] = NO_OFFSETS;
  queueOffsets: readonly number[] = NO_OFFSETS;
  storeSizes: readonly number[] = NO_OFFSETS;
  /** The put's promise, settled by `resolve`. */
  settle: (result: PutResult) => void = ignore;
  fail: (error: Error) => void = ignore;

  constructor(
    readonly end: number,
    readonly waitFlush: boolean,
    private readonly staged: StagedDispatch,
    private readonly items: readonly DispatchItem[],
    private readonly afterDispatch: (items: readonly DispatchItem[], storeTimestamp: number) => void,
  ) {}

  onWritten(): void {
    stageEntries(this.staged, this.items);
  }

  onDispatched(): void {
    this.afterDispatch(this.items, this.storeTimestamp);
  }

  // Called by the pipeline as it settles its waiters: whatever goes wrong here is this put's
  // failure, not the pipeline's.
  resolve(outcome: AppendOutcome): void {
    try {
      this.settle(
        outcome.status === 'UNKNOWN_ERROR' || outcome.status === 'SERVICE_NOT_AVAILABLE'
          ? refused(outcome.status, outcome.reason)
          : new StoredPut(
              outcome.status,
              this.storeTimestamp,
              this.wroteBytes,
              this.physicalOffsets,
              this.queueOffsets,
              this.storeSizes,
            ),
      );
    } catch (error) {
      this.fail(error as Error);
    }
  }
}

const NO_OFFSETS: readonly number[] = [];
function ignore(): void {}

/** `bytes` bytes of `buf` from `at` (buf itself when that is all of it). */
function viewOf(buf: Buffer, at: number, bytes: number): Buffer {
  return at === 0 && bytes === buf.length ? buf : buf.subarray(at, at + bytes);
}

/**
 * A stored put's answer. `records` (an object and two BigInts per record) is built on first read
 * from the offsets kept as numbers, and so are the first record's BigInt offsets: the broker's answer
 * reads the numbers. A class with the getters on its prototype: an object literal with a getter per
 * put made V8 promote and mark-compact far more often (measured: 15 full GCs instead of 2 for the
 * same puts).
 */
class StoredPut implements PutResult {
  readonly storeSize: number;
  #records: AppendedRecord[] | undefined;

  constructor(
    readonly status: PutMessageStatus,
    readonly storeTimestamp: number,
    readonly wroteBytes: number,
    readonly physicalOffsets: readonly number[],
    readonly queueOffsets: readonly number[],
    private readonly storeSizes: readonly number[],
  ) {
    this.storeSize = storeSizes[0]!;
  }

  get physicalOffset(): bigint {
    return BigInt(this.physicalOffsets[0]!);
  }

  get queueOffset(): bigint {
    return BigInt(this.queueOffsets[0]!);
  }

  get records(): AppendedRecord[] {
    this.#records ??= this.physicalOffsets.map((phys, i) => ({
      physicalOffset: BigInt(phys),
      queueOffset: BigInt(this.queueOffsets[i]!),
      storeSize: this.storeSizes[i]!,
    }));
    return this.#records;
  }
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
    // The usual put (every record in one queue) stages its items as they are.
    staged.stage(cq, items[i]!.queueOffset, i === 0 && j === items.length ? items : items.slice(i, j));
    i = j;
  }
}
