/**
 * The pulls held on one queue (topic, queueId), indexed so that an arriving message only touches the
 * pulls that can match it (Java PullRequestHoldService.notifyMessageArriving walks every pull held on
 * the queue for every message; 100,000 pulls held with a tag nothing carries and a batch of 1,000
 * messages froze our event loop for 48 s):
 *
 *   unfiltered   pulls without a filter (`*`): any message at or past their offset wakes them
 *   byTagsCode   tags code -> pulls subscribed to that tag: a message touches only its code's pulls
 *   noTags       a tag filter with no tag (`||`): no message matches it (Java's empty code set), so
 *                only an arrival without details or the hold time wakes them
 *   bySelector   SQL92 pulls by selector (the broker's compile cache gives one object per
 *                expression, so the consumers of one subscription share it): their filter needs the
 *                message's properties, so arrivals are kept (at most MAX_PENDING_ARRIVALS) and each
 *                selector is tested once per arrival, from the next event-loop turn on, as many per
 *                turn as the service's budget allows (`flush`); the rest wait for later turns
 *
 * Every pull touched by an arrival is woken (and leaves the index), except one whose offset is past
 * the message: a pull is held only when it read up to the queue's end, so later messages are at or
 * past its offset and such a pull is rare (a queue emptied and refilled). The cost of an arrival is
 * therefore O(1) plus O(1) per pull it wakes; a SQL92 selector costs at most one test per kept
 * arrival, and the service caps those tests per turn (`budget`).
 *
 * "Anything may match": past MAX_PENDING_ARRIVALS waiting, the SQL92 pulls at or below the newest arrival are woken
 * without a test. Their re-run reads the store with their filter and answers what it finds; Java does
 * the same every 5 s (checkHoldRequest notifies without tags code or properties, which matches all).
 */
import { decodeProperties } from '../../../protocol/message/properties.js';
import type { Sql92Selector } from '../../../protocol/filter/index.js';
import type { HeldPull } from './held-pull.js';

/** SQL92 arrivals kept per queue per turn; past it, the queue's SQL92 pulls are woken untested. */
export const MAX_PENDING_ARRIVALS = 1_024;
/**
 * Distinct SQL92 expressions held on one queue: each arrival is tested once per expression, so this
 * bounds the tests per message. Not in Java; a real queue has one expression per consumer group that
 * subscribes to its topic with SQL92, far fewer. A pull past it is answered at once (PULL_NOT_FOUND).
 */
export const MAX_SELECTORS_PER_QUEUE = 256;

interface PendingArrival {
  offset: bigint;
  properties: string;
}

/** Counts the filter work, for the service's stats (and tests that bound it). */
export interface FilterBudget {
  /** SQL92 tests still allowed in this turn. */
  left: number;
  /** SQL92 tests run, since start. */
  selectorTests: number;
}

export class HeldQueue<P extends HeldPull> {
  private readonly unfiltered = new Set<P>();
  private readonly byTagsCode = new Map<number, Set<P>>();
  private readonly noTags = new Set<P>();
  private readonly bySelector = new Map<Sql92Selector, Set<P>>();
  private pending: PendingArrival[] = [];
  /** More SQL92 arrivals came in this turn than are kept. */
  private overflow = false;
  /** Newest arrival since the last flush (-1: none). */
  private newest = -1n;
  private count = 0;

  constructor(readonly key: string) {}

  get size(): number {
    return this.count;
  }

  /** True when SQL92 arrivals wait for `flush`. */
  get dirty(): boolean {
    return this.newest >= 0n;
  }

  add(p: P): void {
    if (p.selector) addTo(this.bySelector, p.selector, p);
    else if (!p.filter.codes) this.unfiltered.add(p);
    else if (p.filter.codes.size === 0) this.noTags.add(p);
    else for (const code of p.filter.codes) addTo(this.byTagsCode, code, p);
    this.count++;
  }

  /** False when `p` was not held here. */
  delete(p: P): boolean {
    let found: boolean;
    if (p.selector) found = deleteFrom(this.bySelector, p.selector, p);
    else if (!p.filter.codes) found = this.unfiltered.delete(p);
    else if (p.filter.codes.size === 0) found = this.noTags.delete(p);
    else {
      found = false;
      for (const code of p.filter.codes) found = deleteFrom(this.byTagsCode, code, p) || found;
    }
    if (found) this.count--;
    if (this.count === 0) this.clearPending();
    return found;
  }

  /**
   * A message at `offset` arrived: wakes the unfiltered pulls and those of its tags code now, and
   * keeps its properties for the SQL92 pulls. Without `tagsCode` (no details) every pull may match.
   * `wake` removes the pull from this index.
   */
  arrived(
    offset: bigint,
    tagsCode: number | undefined,
    properties: string | undefined,
    wake: (p: P) => void,
  ): void {
    wakeUpTo(this.unfiltered, offset, wake);
    if (tagsCode === undefined) {
      for (const set of [...this.byTagsCode.values()]) wakeUpTo(set, offset, wake);
      wakeUpTo(this.noTags, offset, wake);
    } else {
      const set = this.byTagsCode.get(tagsCode);
      if (set) wakeUpTo(set, offset, wake);
    }
    if (this.bySelector.size === 0) return;
    if (offset > this.newest) this.newest = offset;
    if (properties === undefined || this.pending.length >= MAX_PENDING_ARRIVALS) {
      this.overflow = true;
      this.pending = [];
    } else if (!this.overflow) this.pending.push({ offset, properties });
  }

  /** False when `p` would bring a selector past MAX_SELECTORS_PER_QUEUE. */
  accepts(p: P): boolean {
    return !p.selector || this.bySelector.has(p.selector) || this.bySelector.size < MAX_SELECTORS_PER_QUEUE;
  }

  /**
   * Tests the SQL92 selectors against the arrivals kept, oldest first, while `budget` allows (called
   * once per turn); the arrivals left wait for the next turn (`dirty` stays true).
   */
  flush(budget: FilterBudget, wake: (p: P) => void): void {
    const { pending, newest } = this;
    if (newest < 0n || this.bySelector.size === 0 || this.overflow) {
      this.clearPending();
      if (newest >= 0n) for (const set of [...this.bySelector.values()]) wakeUpTo(set, newest, wake);
      return;
    }
    let done = 0;
    while (done < pending.length && this.bySelector.size > 0 && budget.left >= this.bySelector.size) {
      const arrival = pending[done++]!;
      const properties = decodeProperties(arrival.properties);
      budget.left -= this.bySelector.size;
      for (const [selector, set] of [...this.bySelector]) {
        budget.selectorTests++;
        if (selector.matches(properties)) wakeUpTo(set, arrival.offset, wake);
      }
    }
    // `wake` may have emptied the queue, which clears what is pending.
    if (this.pending !== pending) return;
    if (done === pending.length || this.bySelector.size === 0) this.clearPending();
    else this.pending = pending.slice(done);
  }

  private clearPending(): void {
    this.pending = [];
    this.overflow = false;
    this.newest = -1n;
  }
}

function addTo<K, P>(map: Map<K, Set<P>>, key: K, p: P): void {
  const set = map.get(key);
  if (set) set.add(p);
  else map.set(key, new Set([p]));
}

/** False when `p` was not in `key`'s set. */
function deleteFrom<K, P>(map: Map<K, Set<P>>, key: K, p: P): boolean {
  const set = map.get(key);
  if (!set?.delete(p)) return false;
  if (set.size === 0) map.delete(key);
  return true;
}

/** Wakes the pulls of `set` at or below `offset` (`wake` deletes them from it; a Set iterates on). */
function wakeUpTo<P extends HeldPull>(set: Set<P>, offset: bigint, wake: (p: P) => void): void {
  for (const p of set) if (offset >= p.offset) wake(p);
}
