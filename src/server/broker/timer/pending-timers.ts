/**
 * The timer messages waiting for their time: a binary min-heap on (due time, timer offset) driven by
 * one timeout for the earliest entry (no timer per message), plus indexes by timer-queue offset and by
 * delete key (real topic + "+" + UNIQ_KEY, what a recall names). Removal is lazy in the heap: an
 * entry removed by offset or key is skipped when it reaches the top.
 */

export interface PendingTimer {
  /** Offset of the record in rmq_sys_wheel_timer queue 0. */
  readonly offset: number;
  /** TIMER_OUT_MS: the slot it is delivered in. */
  readonly outMs: number;
  readonly key: string;
}

export class PendingTimers {
  private readonly heap: PendingTimer[] = [];
  private readonly byOffset = new Map<number, PendingTimer>();
  private readonly byKey = new Map<string, Set<number>>();

  get size(): number {
    return this.byOffset.size;
  }

  has(offset: number): boolean {
    return this.byOffset.has(offset);
  }

  add(t: PendingTimer): void {
    if (this.byOffset.has(t.offset)) return;
    this.byOffset.set(t.offset, t);
    let set = this.byKey.get(t.key);
    if (!set) this.byKey.set(t.key, (set = new Set()));
    set.add(t.offset);
    this.heap.push(t);
    this.siftUp(this.heap.length - 1);
  }

  remove(offset: number): boolean {
    const t = this.byOffset.get(offset);
    if (!t) return false;
    this.byOffset.delete(offset);
    const set = this.byKey.get(t.key);
    set?.delete(offset);
    if (set?.size === 0) this.byKey.delete(t.key);
    return true;
  }

  /** Removes every pending timer with this delete key; returns their offsets. */
  removeKey(key: string): number[] {
    const offsets = [...(this.byKey.get(key) ?? [])];
    for (const o of offsets) this.remove(o);
    return offsets;
  }

  /** Due time of the earliest pending timer. */
  nextDue(): number | undefined {
    this.dropRemovedTop();
    return this.heap[0]?.outMs;
  }

  /** Takes out up to `max` timers due at `now` (earliest first). */
  popDue(now: number, max: number): PendingTimer[] {
    const out: PendingTimer[] = [];
    while (out.length < max) {
      this.dropRemovedTop();
      const top = this.heap[0];
      if (!top || top.outMs > now) break;
      this.popTop();
      this.remove(top.offset);
      out.push(top);
    }
    return out;
  }

  /** Pending offsets, ascending. */
  sortedOffsets(): number[] {
    return [...this.byOffset.keys()].sort((a, b) => a - b);
  }

  private dropRemovedTop(): void {
    while (
      this.heap.length > 0 &&
      this.byOffset.get((this.heap[0] as PendingTimer).offset) !== this.heap[0]
    ) {
      this.popTop();
    }
  }

  private popTop(): void {
    const last = this.heap.pop() as PendingTimer;
    if (this.heap.length === 0) return;
    this.heap[0] = last;
    this.siftDown(0);
  }

  private less(a: number, b: number): boolean {
    const x = this.heap[a] as PendingTimer;
    const y = this.heap[b] as PendingTimer;
    return x.outMs < y.outMs || (x.outMs === y.outMs && x.offset < y.offset);
  }

  private swap(a: number, b: number): void {
    const t = this.heap[a] as PendingTimer;
    this.heap[a] = this.heap[b] as PendingTimer;
    this.heap[b] = t;
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i: number): void {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.heap.length && this.less(l, m)) m = l;
      if (r < this.heap.length && this.less(r, m)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}
