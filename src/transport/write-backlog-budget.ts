/**
 * Server side, all connections' write backlogs (answers queued for peers that do not read them fast
 * enough) share one budget: while the total is over it, a connection whose own backlog is large
 * (LARGE_BACKLOG_SHARE of the per-connection limit) stops reading until that backlog halves, so many
 * peers that do not read cannot each pin the per-connection limit. Each FrameWriter counts its own
 * backlog in the budget and applies the rule (frame-writer.ts).
 */

/**
 * Over the server's write budget, connections whose backlog is at least this share of the
 * per-connection limit stop reading (256 KiB of 4 MiB): the largest backlogs, found without sorting.
 * A peer that reads its answers keeps its backlog far below it and is not held.
 */
export const LARGE_BACKLOG_SHARE = 1 / 16;

/** Bytes waiting to be written over all of a server's connections (each writer counts its own). */
export class WriteBacklogBudget {
  usedBytes = 0;
  constructor(readonly limitBytes: number) {}
}
