/**
 * Index backfill: after a restart, indexes the records below where the recovery walk started
 * (recovery.ts walks only the last segments), so that QUERY_MESSAGE finds what a broker that never
 * restarted would find. Java keeps its index in files and loads them at start-up; ours lives in memory.
 *
 * Order. The ring (message-index.ts) keeps the newest maxEntries entries, its chains newest first, and
 * the newer records are in it already. Older entries go in below them (MessageIndex.prependOlder),
 * newest first: segments from where the walk started down to the log's first, and within a segment
 * (a log can only be walked forwards) blocks of records, last block first, each block's entries last
 * to first. The backfill ends when the ring is full (an unrestarted broker would have dropped every
 * older entry), at the log's first segment, or when the store closes. Rebuilding a second ring from
 * the oldest segment on would read the whole log for the few segments that fit.
 *
 * One segment. A walk (log-scan.ts, the reads and checks recovery uses) cuts it into blocks of about
 * BLOCK_ENTRIES index entries and keeps the entries of the last blocks, up to RETAINED_ENTRIES; an
 * earlier block whose entries were let go is walked again once the ring is known to have room for it.
 * Memory: RETAINED_ENTRIES (hash, offset, time) triples plus one position pair per block. Only
 * dispatched records are indexed (recovery's rule); damage is skipped, left for recovery to handle.
 *
 * Concurrency. Every read runs in a slice of ~20 ms inside the store's ReadGate, so retention closes no
 * segment under it, and between slices the backfill holds no token, so neither retention nor close()
 * ever waits for it; every await is such a turn. A segment that retention deleted ends the backfill
 * (everything older went before it). Puts go on meanwhile: their entries go on top, as always.
 * close() stops the backfill and waits for it to leave its turn; a crash abandons it (it touches no
 * file after its next turn).
 *
 * Queries meanwhile find only what is indexed so far: the newest records down to where the backfill
 * has come, as if the log started there.
 */
import type { Logger } from '../../common/logger.js';
import type { CommitLog } from './commit-log.js';
import type { LogItem, ScanLimits } from './log-scan.js';
import { scanLog, ScanReads } from './log-scan.js';
import type { MessageIndex } from './message-index.js';
import { isDispatchedSysFlag } from './queue-table.js';
import type { ReadGate } from './read-gate.js';

/** Index entries per block: a block is prepended in one go (a few milliseconds at most). */
const BLOCK_ENTRIES = 4096;
/** Entries kept from a segment's walk (~1.5 MiB); blocks before them are walked again if needed. */
const RETAINED_ENTRIES = 65_536;
/** Longest stretch of work between two returns to the event loop (as log-scan's walk). */
const SLICE_MILLIS = 20;
/** Numbers per entry in a block: hash, offset, store time. */
const TRIPLE = 3;

export interface IndexBackfillInput {
  commitLog: CommitLog;
  index: MessageIndex;
  gate: ReadGate;
  limits: ScanLimits;
  /** Where the recovery walk started: the records below it are backfilled. */
  end: number;
  logger: Logger;
}

/**
 * How a backfill ended: `complete` (every record down to the log's first offset is indexed), `full`
 * (the index bound was reached), `stopped` (close or crash), `failed` (a read failed; logged).
 */
export type IndexBackfillOutcome = 'complete' | 'full' | 'stopped' | 'failed';

export interface IndexBackfillReport {
  outcome: IndexBackfillOutcome;
  /** Index entries added. */
  entries: number;
  /** The log position from which on every record is indexed (where the backfill came down to). */
  reached: number;
  millis: number;
}

interface Block {
  from: number;
  to: number;
  /** Its entries as triples in log order; undefined once let go (walked again when needed). */
  entries: number[] | undefined;
}

class Stopped extends Error {}

export class IndexBackfill {
  /** Settles when the backfill ended, whichever way (never rejects). */
  readonly done: Promise<IndexBackfillReport>;
  private stopping = false;
  private token: number | undefined;
  private sliceEnd = 0;
  private readonly reads = new ScanReads();
  private entries = 0;
  private reached: number;

  private constructor(private readonly input: IndexBackfillInput) {
    this.reached = input.end;
    this.done = this.run();
  }

  /** Starts the backfill; its first slice runs after the current task (open() is not delayed). */
  static start(input: IndexBackfillInput): IndexBackfill {
    return new IndexBackfill(input);
  }

  /** Ends the backfill at its next turn and waits for it. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.done;
  }

  /** Crash simulation: ends the backfill at its next turn, before it touches any file again. */
  abandon(): void {
    this.stopping = true;
  }

  private async run(): Promise<IndexBackfillReport> {
    const started = performance.now();
    const { index, logger } = this.input;
    let outcome: IndexBackfillOutcome;
    try {
      await this.turn();
      outcome = await this.segments();
    } catch (err) {
      if (err instanceof Stopped) {
        outcome = 'stopped';
      } else {
        outcome = 'failed';
        logger.warn({ error: (err as Error).message }, 'message index: backfill of older records failed');
      }
    } finally {
      this.leave();
      index.endOlder();
    }
    const report = {
      outcome,
      entries: this.entries,
      reached: this.reached,
      millis: Math.round(performance.now() - started),
    };
    logger.info({ ...report, indexed: index.size }, 'message index: backfill of older records ended');
    return report;
  }

  /** Segments from the one holding end - 1 down to the log's first, as long as the ring has room. */
  private async segments(): Promise<IndexBackfillOutcome> {
    const { commitLog: log, end } = this.input;
    const size = log.segmentSize;
    for (let start = Math.floor((end - 1) / size) * size; ; start -= size) {
      // Below the first segment: it was the last one, or retention deleted the rest.
      if (start < log.minOffset) return 'complete';
      if (this.input.index.room === 0) return 'full';
      if (!(await this.segment(start, Math.min(start + size, end)))) return 'full';
      if (start < log.minOffset) return 'complete'; // deleted while it was walked: its entries are useless
      this.reached = start;
    }
  }

  /** Indexes the records of [from, to) (one segment) below those indexed; false once the ring is full. */
  private async segment(from: number, to: number): Promise<boolean> {
    const blocks: Block[] = [];
    let block: Block = { from, to: from, entries: [] };
    let retained = 0;
    let firstRetained = 0;
    await this.walk(from, to, (item) => {
      this.collect(item, block.entries!);
      block.to = item.pos + item.size;
      if (block.entries!.length < BLOCK_ENTRIES * TRIPLE) return;
      blocks.push(block);
      retained += block.entries!.length;
      for (; retained > RETAINED_ENTRIES * TRIPLE; firstRetained++) {
        retained -= blocks[firstRetained]!.entries!.length;
        blocks[firstRetained]!.entries = undefined;
      }
      block = { from: block.to, to: block.to, entries: [] };
    });
    if (block.entries!.length > 0) blocks.push(block);
    for (let i = blocks.length - 1; i >= 0; i--) {
      if (from < this.input.commitLog.minOffset) return true; // deleted meanwhile
      const b = blocks[i]!;
      let entries = b.entries;
      if (entries === undefined) {
        const again: number[] = [];
        await this.walk(b.from, b.to, (item) => this.collect(item, again));
        if (from < this.input.commitLog.minOffset) return true;
        entries = again;
      }
      if (!this.prepend(entries)) return false;
      b.entries = undefined;
      this.reached = b.from;
      if (performance.now() >= this.sliceEnd) await this.turn();
    }
    return true;
  }

  /** Walks [from, to) in slices of the store's ReadGate; stops where the log's segments end. */
  private async walk(from: number, to: number, onItem: (item: LogItem) => void): Promise<void> {
    await this.turn(); // the walk's slices are timed from its start: it starts with one of its own
    await scanLog(
      this.input.commitLog,
      from,
      this.input.limits,
      { onItem, onDamage: () => undefined },
      this.reads,
      { to, turn: () => this.turn() },
    );
  }

  private collect(item: LogItem, out: number[]): void {
    if (item.kind !== 'record' || !isDispatchedSysFlag(item.rec.sysFlag)) return;
    const rec = item.rec;
    this.input.index.olderRecordEntries(rec.topic, rec.properties, item.pos, rec.storeTimestamp, out);
  }

  /** Puts a block's entries below those indexed, last to first; false once the ring is full. */
  private prepend(entries: readonly number[]): boolean {
    const index = this.input.index;
    for (let at = entries.length - TRIPLE; at >= 0; at -= TRIPLE) {
      if (!index.prependOlder(entries[at]!, entries[at + 1]!, entries[at + 2]!)) return false;
      this.entries++;
    }
    return true;
  }

  /** Leaves the gate, lets others run, ends the backfill if asked to, enters the gate again. */
  private async turn(): Promise<void> {
    this.leave();
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.stopping) throw new Stopped();
    this.token = this.input.gate.enter();
    this.sliceEnd = performance.now() + SLICE_MILLIS;
  }

  private leave(): void {
    if (this.token !== undefined) this.input.gate.leave(this.token);
    this.token = undefined;
  }
}
