/**
 * Who is using the store's file descriptors right now: reads (pulls, lookups, searches) and
 * checkpoints (fdatasync of consume-queue files). A descriptor is closed only once nobody can still
 * be using it:
 *
 * - close() waits for every user (`idle`);
 * - retention (retention.ts) first takes a file out of its table, so no user that starts later can
 *   find it, then waits for the users that started before (`drain`), then closes and unlinks it.
 *   Users that start after the drain began are not waited for: a steady stream of pulls cannot hold a
 *   deletion back forever.
 *
 * Users are counted per epoch; `drain` starts a new epoch and waits for the older ones to empty.
 */
export class ReadGate {
  private epoch = 0;
  /** Users per epoch (only epochs with users). */
  private readonly active = new Map<number, number>();
  private waiters: { before: number; resolve: () => void }[] = [];

  /** Users running now. */
  get inFlight(): number {
    let n = 0;
    for (const c of this.active.values()) n += c;
    return n;
  }

  /** Registers a user; pass the returned token to leave(). */
  enter(): number {
    const e = this.epoch;
    this.active.set(e, (this.active.get(e) ?? 0) + 1);
    return e;
  }

  leave(token: number): void {
    const n = (this.active.get(token) ?? 1) - 1;
    if (n === 0) this.active.delete(token);
    else this.active.set(token, n);
    this.waiters = this.waiters.filter((w) => (this.busyBefore(w.before) ? true : (w.resolve(), false)));
  }

  /** Resolves once every user that entered before this call has left. */
  drain(): Promise<void> {
    const before = ++this.epoch;
    if (!this.busyBefore(before)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ before, resolve }));
  }

  /** Resolves once no user is running (users entering meanwhile are waited for too). */
  async idle(): Promise<void> {
    while (this.active.size > 0) await this.drain();
  }

  private busyBefore(epoch: number): boolean {
    for (const e of this.active.keys()) if (e < epoch) return true;
    return false;
  }
}
