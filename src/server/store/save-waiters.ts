/**
 * What topics.json still lacks, and who waits for it. Every topic change is recorded with the data
 * version counter it got; a save that wrote counter N clears the changes at or below N and settles
 * the waits at or below N. A failed save settles every wait too (the failure goes to the store's
 * error handler and the next save retries): a wait orders an answer after the write, it must not turn
 * a disk error into a stuck request. The unsaved topics stay recorded until a save succeeds.
 */
export class SaveWaiters {
  private waiting: { counter: number; done: () => void }[] = [];
  /** Topic → counter of its latest change not yet written. */
  private unsaved = new Map<string, number>();

  changed(topic: string, counter: number): void {
    this.unsaved.set(topic, counter);
  }

  /** True while the latest change of `topic` is not in topics.json. */
  pending(topic: string): boolean {
    return this.unsaved.has(topic);
  }

  wait(counter: number): Promise<void> {
    return new Promise((done) => this.waiting.push({ counter, done }));
  }

  /** A save wrote everything up to `counter`. */
  saved(counter: number): void {
    for (const [topic, c] of this.unsaved) if (c <= counter) this.unsaved.delete(topic);
    if (this.waiting.length === 0) return;
    const still: typeof this.waiting = [];
    for (const w of this.waiting) {
      if (w.counter <= counter) w.done();
      else still.push(w);
    }
    this.waiting = still;
  }

  /** A save failed: nobody waits any longer (the changes stay unsaved). */
  releaseAll(): void {
    const all = this.waiting;
    this.waiting = [];
    for (const w of all) w.done();
  }
}
