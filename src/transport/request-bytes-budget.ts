/**
 * Server side, the bodies of requests being processed: decoded, handed to a processor that answers
 * later (a send waiting for the commit log, a reply waiting for its requester), not yet answered.
 * Nothing else bounds them: a peer that pipelines large sends faster than the store writes them made
 * a broker's memory grow by ~90 MB/s (500 sends of 4 MiB in flight on one connection), and many peers
 * could each do so. Two bounds, both by pausing reads (TCP then slows the peer down; nothing is
 * refused):
 *
 * - per connection: over `perConnectionBytes` the connection stops reading until its own bytes in
 *   progress halve;
 * - per server: a connection that takes request bytes while all connections' total is over
 *   `limitBytes` stops reading until the total fits again. Connections that send no bodies (consumers
 *   waiting for messages, requesters waiting for replies) are never held by it, so the answers a held
 *   request may wait for (a reply pushed to its requester) keep flowing.
 *
 * The dispatcher counts each request whose processor answers asynchronously (dispatcher.ts): its body
 * length when processing starts, the same amount back when the processor settles.
 */
import { ReadHold } from './read-gate.js';
import type { ReadGate } from './read-gate.js';

/** Request body bytes in progress over all of a server's connections. */
export class RequestBytesBudget {
  usedBytes = 0;
  /** Connections holding their reads until the total fits. */
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

  wait(tracker: RequestBytesTracker): void {
    this.waiting.add(tracker);
  }

  forget(tracker: RequestBytesTracker): void {
    this.waiting.delete(tracker);
  }

  /** After bytes came back: once the total fits, every connection held for it reads again. */
  released(): void {
    if (this.waiting.size === 0 || this.over) return;
    const held = [...this.waiting];
    this.waiting.clear();
    for (const tracker of held) tracker.resume();
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
    if (this.closed) return;
    this.bytes += n;
    const budget = this.budget;
    budget.usedBytes += n;
    const perConnection = budget.perConnectionBytes;
    if (perConnection > 0 && this.bytes > perConnection) this.gate.hold(ReadHold.requestBytes);
    if (budget.over && !this.gate.isHeld(ReadHold.serverRequestBytes)) {
      this.gate.hold(ReadHold.serverRequestBytes);
      budget.wait(this);
    }
  }

  /** That request was answered (or failed): its `n` bytes come back. */
  give(n: number): void {
    if (this.closed) return;
    this.bytes -= n;
    const budget = this.budget;
    budget.usedBytes -= n;
    if (this.bytes <= budget.perConnectionBytes / 2) this.gate.release(ReadHold.requestBytes);
    budget.released();
  }

  /** Called by the budget once its total fits. */
  resume(): void {
    this.gate.release(ReadHold.serverRequestBytes);
  }

  /** The connection closed: its bytes leave the budget now (answers still pending are not counted back). */
  release(): void {
    if (this.closed) return;
    this.closed = true;
    const budget = this.budget;
    budget.usedBytes -= this.bytes;
    this.bytes = 0;
    budget.forget(this);
    budget.released();
  }
}
