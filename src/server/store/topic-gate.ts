/**
 * Serializes topic deletions against puts for the same topic. While a deletion of topic T runs, puts
 * for T wait (they have not reserved anything yet) and then go to the new incarnation of T; puts
 * already reserved before the deletion are dispatched into the old queues before those are closed.
 * Without it, a put could take a queue that the deletion closes and removes under it.
 */
export class TopicGate {
  private readonly deletions = new Map<string, Promise<void>>();

  /** A promise to await when a deletion of one of `topics` is running; undefined otherwise. */
  whenOpen(topics: string | readonly string[]): Promise<void> | undefined {
    if (this.deletions.size === 0) return undefined;
    if (typeof topics === 'string') return this.deletions.get(topics);
    for (const t of topics) {
      const running = this.deletions.get(t);
      if (running !== undefined) return running;
    }
    return undefined;
  }

  /** Runs `task` while puts for `topic` wait; deletions of one topic run one after another. */
  exclusive(topic: string, task: () => Promise<void>): Promise<void> {
    const previous = this.deletions.get(topic) ?? Promise.resolve();
    const run: Promise<void> = previous.then(task).finally(() => {
      if (this.deletions.get(topic) === settled) this.deletions.delete(topic);
    });
    // Waiters must not see the task's failure; the caller does.
    const settled = run.catch(() => undefined);
    this.deletions.set(topic, settled);
    return run;
  }
}
