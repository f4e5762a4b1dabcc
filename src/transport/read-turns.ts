/**
 * Fair reading on a server: one connection pipelining requests must not hold the event loop.
 *
 * Node hands a socket up to 32 reads of 64 KiB per event-loop turn, and a 64 KiB read can hold
 * thousands of small requests; dispatching them all at once froze the loop for seconds (250
 * connections each pipelining cheap admin requests: 9 s without a timer or another socket served).
 *
 * - Per connection: once it has spent `shareMillis` dispatching in a turn (the clock is read every
 *   REQUESTS_PER_CLOCK_READ requests, so at least that many go per turn), the connection stops
 *   reading (its socket paused, the rest of its input kept undecoded in its frame decoder) and waits
 *   in this queue for a later turn. A share of time, not of requests: 16 admin requests of ~150 us
 *   cost as much as 1,600 echoes, and a client keeping many cheap requests in flight is not cut into
 *   many small pauses.
 * - Per server: once `sliceMillis` have been spent dispatching in a turn, connections with new input
 *   queue it instead of dispatching (the clock is read once per socket read, not per request).
 * - The queue is served from a setImmediate (after the turn's socket reads, before the next turn's
 *   timers and reads), oldest first, one share per connection, until the slice is spent; those not
 *   served keep their place. Connections that waited before dispatching anything (the slice was
 *   spent) go first, those that used their share after: a quiet connection waits about one slice, not
 *   a round of every pipelining one (150 of them: 0.6-1.2 s with one queue). A pipelining connection
 *   ends its turn in the second queue, so the first cannot hold it back for long. A timer waits at
 *   most about one slice plus one share.
 *
 * Cost on the hot path: a counter per request, a clock read per REQUESTS_PER_CLOCK_READ requests and
 * per socket read, and one setImmediate per turn in which anything was dispatched. Java needs none of this (Netty decodes on I/O threads
 * and runs processors on executors); it is our own addition for a single-threaded server.
 */

/** Requests a connection dispatches between two looks at the clock (its share of the turn). */
export const REQUESTS_PER_CLOCK_READ = 16;

/** What the queue needs of a connection. */
export interface TurnTaker {
  /** Continues where it stopped; may wait again (`wait`). */
  continueReading(now: number): void;
}

export class ReadTurns {
  /** Advanced at the end of every turn in which something was dispatched (per-connection counts reset). */
  turn = 0;
  private turnOpen = false;
  private sliceStart = 0;
  /** Waited before dispatching anything this turn (served first). */
  private readonly fresh = new TakerQueue();
  /** Used their share of the turn. */
  private readonly spent = new TakerQueue();

  constructor(
    /** Time one connection may spend dispatching per turn (Infinity: no limit). */
    readonly shareMillis: number,
    /** Time the server may spend dispatching per turn before new input waits (Infinity: no limit). */
    readonly sliceMillis: number,
  ) {}

  /** Connections waiting for a turn. */
  get waiting(): number {
    return this.fresh.length + this.spent.length;
  }

  /**
   * A connection is about to dispatch at `now`: opens the turn if needed. False when the turn's slice
   * is spent (the connection must `wait`).
   */
  enter(now: number): boolean {
    if (!this.turnOpen) {
      this.turnOpen = true;
      this.sliceStart = now;
      setImmediate(this.endTurn);
      return true;
    }
    return now - this.sliceStart < this.sliceMillis;
  }

  /** Queues a connection for a later turn (it has paused its reading); `usedShare`: it had its share. */
  wait(taker: TurnTaker, usedShare: boolean): void {
    (usedShare ? this.spent : this.fresh).push(taker);
  }

  private readonly endTurn = (): void => {
    this.turnOpen = false;
    this.turn++;
    if (this.waiting === 0) return;
    // Only those queued before this pass: one share each per pass.
    const fresh = this.fresh.length;
    const spent = this.spent.length;
    this.enter(performance.now());
    if (this.serve(this.fresh, fresh)) this.serve(this.spent, spent);
  };

  /** Serves up to `count` of `queue` while the slice lasts; false once it is spent. */
  private serve(queue: TakerQueue, count: number): boolean {
    let now = performance.now();
    for (; count > 0; count--) {
      if (now - this.sliceStart >= this.sliceMillis) return false;
      queue.shift().continueReading(now);
      now = performance.now();
    }
    return true;
  }
}

/** A FIFO of connections; shift is O(1) amortized. */
class TakerQueue {
  private items: (TurnTaker | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(taker: TurnTaker): void {
    this.items.push(taker);
  }

  /** The oldest; only called while length > 0. */
  shift(): TurnTaker {
    const taker = this.items[this.head]!;
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return taker;
  }
}
