/**
 * Server side, the bodies of requests being processed: decoded, handed to a processor that answers
 * later (a send waiting for the commit log), not yet answered. Nothing else bounds them: a peer that
 * pipelines large sends faster than the store writes them made a broker's memory grow by ~90 MB/s
 * (500 sends of 4 MiB in flight on one connection), and many peers could each do so. Two bounds, both
 * by pausing reads (TCP then slows the peer down; nothing is refused):
 *
 * - per connection: over `perConnectionBytes` the connection stops reading until its own bytes in
 *   progress halve;
 * - per server: a connection that takes request bytes while all connections' total is over
 *   `limitBytes` stops reading, and waits in line. Each time bytes come back with the total under the
 *   limit, the connection first in line reads again (one per answer, so that the many waiting cannot
 *   all take another request at once); when nothing is left in progress, all of them do. Connections
 *   that take no bytes (consumers pulling, admin requests) are never held by it.
 *
 * Pausing reads also holds the answers a peer sends us on that connection, so a processor whose answer
 * waits for such an answer (the broker pushing a reply to its requester) is not counted
 * (RequestProcessor.waitsForPeers); every counted request is answered whatever the peers do (a send
 * needs only the store), so a hold always ends.
 *
 * The dispatcher counts each such request whose processor answers asynchronously (dispatcher.ts): its
 * body length when processing starts, the same amount back when the processor settles, even after
 * the connection closed (the processor still holds the body until then).
 */
import { ReadHold } from './read-gate.js';
import type { ReadGate } from './read-gate.js';

/** Request body bytes in progress over all of a server's connections. */
export class RequestBytesBudget {
  usedBytes = 0;
  /** Connections holding their reads for the total, first in line first (insertion order). */
  private readonly waiting = new Set<RequestBytesTracker>();

  constructor(
    /** Total over all connections (0 = no server-wide limit). */
    readonly limitBytes: number,
    /** One connection's limit (0 = none). */
    readonly perConnectionBytes: number,
  ) {}

  /** True while the total is over the server's limit. */
  get over(): boolean {
    return this.limitBytes > 0 && this.usedBytes > this.limitBytes;
  }

  /** Connections waiting in line (diagnostics, tests). */
  get waitingCount(): number {
    return this.waiting.size;
  }

  wait(tracker: RequestBytesTracker): void {
    this.waiting.add(tracker);
  }

  forget(tracker: RequestBytesTracker): void {
    this.waiting.delete(tracker);
  }

  /** After bytes came back: under the limit, the first in line reads again (all, once none are left). */
  released(): void {
    if (this.waiting.size === 0 || this.over) return;
    if (this.usedBytes > 0) {
      const first = this.waiting.values().next().value!;
      this.waiting.delete(first);
      first.resume();
      return;
    }
    const all = [...this.waiting];
    this.waiting.clear();
    for (const tracker of all) tracker.resume();
  }
}

/** One connection's request bytes in progress, counted in its server's budget. */
export class RequestBytesTracker {
  /** This connection's bytes in progress. */
  bytes = 0;
  private closed = false;

  constructor(
    private readonly budget: RequestBytesBudget,
    private readonly gate: ReadGate,
  ) {}

  /** A request with `n` body bytes went to a processor that answers later. */
  take(n: number): void {
    this.bytes += n;
    const budget = this.budget;
    budget.usedBytes += n;
    if (this.closed) return;
    const perConnection = budget.perConnectionBytes;
    if (perConnection > 0 && this.bytes > perConnection) this.gate.hold(ReadHold.requestBytes);
    if (budget.over && !this.gate.isHeld(ReadHold.serverRequestBytes)) {
      this.gate.hold(ReadHold.serverRequestBytes);
      budget.wait(this);
    }
  }

  /** That request was answered (or failed): its `n` bytes come back. */
  give(n: number): void {
    this.bytes -= n;
    const budget = this.budget;
    budget.usedBytes -= n;
    if (!this.closed && this.bytes <= budget.perConnectionBytes / 2) this.gate.release(ReadHold.requestBytes);
    budget.released();
  }

  /** Called by the budget when this connection's turn in line came. */
  resume(): void {
    this.gate.release(ReadHold.serverRequestBytes);
  }

  /**
   * The connection closed: it leaves the line. Its bytes stay counted until their requests settle:
   * their processors still hold the bodies.
   */
  release(): void {
    if (this.closed) return;
    this.closed = true;
    this.budget.forget(this);
  }
}
