/**
 * Consume-queue entries of one commit-log write, written together (group commit of the dispatch).
 *
 * The append pipeline writes many puts' records with one pwritev; their consume-queue entries used to
 * be written put by put (one synchronous pwrite each, ~5-7 % of the broker's CPU per message). Now each
 * put stages its entries while the pipeline walks the written puts, then `commit` writes every
 * queue's staged entries with one write per queue (per file), before any of those puts is answered.
 * All or nothing: when a write fails, the entries this commit already wrote are taken back, and the
 * pipeline writes again, put by put, those before the first put of the failing queue (`failedPut`):
 * they are answered as without staging, the failing put and those behind it are refused.
 * The bytes written are exactly those of put-by-put appends (same entries, same positions).
 */
import { IllegalStateError } from '../../common/errors.js';
import { FatalStoreError } from './append-types.js';
import type { ConsumeQueue, CqEntry } from './consume-queue.js';

export class StagedDispatch {
  private readonly staged = new Map<ConsumeQueue, readonly CqEntry[]>();
  /** Queues whose staged list is still the caller's array (copied only when a second put adds to it). */
  private readonly borrowed = new Set<ConsumeQueue>();
  /** Index (in the write) of the first put that staged entries for each queue. */
  private readonly firstPut = new Map<ConsumeQueue, number>();
  private put = 0;
  /** After a failed commit: index of the first put whose entries could not be written. */
  failedPut = 0;

  /** The entries staged next belong to put `index` of the write. */
  beginPut(index: number): void {
    this.put = index;
  }

  /** Logical offset the next entry staged for `cq` takes. */
  endOf(cq: ConsumeQueue): number {
    return cq.maxOffset + (this.staged.get(cq)?.length ?? 0);
  }

  /** Stages entries for consecutive offsets starting at `queueOffset` (checked: no gap, no overlap). */
  stage(cq: ConsumeQueue, queueOffset: number, entries: readonly CqEntry[]): void {
    const end = this.endOf(cq);
    if (end !== queueOffset) {
      // Cannot happen while writes complete in log order; refuse to write a misplaced entry.
      throw new IllegalStateError(
        `consume queue ${cq.topic}/${cq.queueId} is at ${end}, record has offset ${queueOffset}`,
      );
    }
    const list = this.staged.get(cq);
    if (list === undefined) {
      // Most writes stage one put per queue: its entries are kept as they are, not copied.
      this.staged.set(cq, entries);
      this.borrowed.add(cq);
      this.firstPut.set(cq, this.put);
    } else if (this.borrowed.delete(cq)) {
      this.staged.set(cq, list.concat(entries));
    } else {
      const own = list as CqEntry[];
      for (const e of entries) own.push(e);
    }
  }

  /** Writes everything staged, one append per queue; on failure takes back what it wrote. */
  commit(): void {
    if (this.staged.size === 0) return;
    const before = new Map<ConsumeQueue, number>();
    try {
      for (const [cq, entries] of this.staged) {
        before.set(cq, cq.maxOffset);
        this.failedPut = this.firstPut.get(cq) ?? 0;
        cq.append(entries);
      }
    } catch (err) {
      try {
        for (const [cq, offset] of before) cq.truncateTo(offset);
      } catch (undoErr) {
        throw new FatalStoreError(
          `consume-queue dispatch failed (${(err as Error).message}) and could not be undone: ${(undoErr as Error).message}`,
        );
      }
      throw err;
    } finally {
      this.staged.clear();
      this.borrowed.clear();
      this.firstPut.clear();
    }
  }

  /** Forgets everything staged (a put of the write failed before the commit). */
  abort(): void {
    this.staged.clear();
    this.borrowed.clear();
    this.firstPut.clear();
  }
}

/**
 * Runs `onWritten` (staging) of the first `count` puts, then one commit. On failure, the puts before
 * the failing one are staged and committed again one by one. Returns how many puts are dispatched
 * and, when not all, the error that refuses the rest. A FatalStoreError dispatches none.
 */
export function dispatchWritten(
  staged: StagedDispatch,
  puts: readonly { readonly sub: { onWritten(): void } }[],
  count: number,
): { done: number; error: unknown } {
  let failedPut = count;
  try {
    for (let i = 0; i < count; i++) {
      failedPut = i;
      staged.beginPut(i);
      puts[i]!.sub.onWritten();
    }
    failedPut = count;
    staged.commit();
    return { done: count, error: undefined };
  } catch (err) {
    if (failedPut === count) failedPut = staged.failedPut;
    staged.abort();
    if (err instanceof FatalStoreError) return { done: 0, error: err };
    let done = 0;
    try {
      for (; done < failedPut; done++) {
        puts[done]!.sub.onWritten();
        staged.commit();
      }
    } catch (replayErr) {
      staged.abort();
      return { done, error: replayErr };
    }
    return { done, error: err };
  }
}
