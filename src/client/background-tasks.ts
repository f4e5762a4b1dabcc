/**
 * Periodic background work of a client instance. Each task runs first after `initialDelay`, then
 * `period` ms after the previous run finished (runs never overlap). Timers are unref'd so they never
 * keep the process alive, failures are logged and never escape as unhandled rejections, and stop()
 * clears everything.
 */
import type { Logger } from '../common/logger.js';

export class BackgroundTasks {
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly logger: Logger) {}

  every(name: string, initialDelay: number, period: number, task: () => Promise<void> | void): void {
    const schedule = (delay: number): void => {
      if (this.stopped) return;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (this.stopped) return;
        let result: Promise<void> | void;
        try {
          result = task();
        } catch (err) {
          this.logger.warn({ task: name, err: String(err) }, 'background task failed');
          schedule(period);
          return;
        }
        Promise.resolve(result)
          .catch((err: unknown) =>
            this.logger.warn({ task: name, err: String(err) }, 'background task failed'),
          )
          .finally(() => schedule(period));
      }, delay);
      timer.unref();
      this.timers.add(timer);
    };
    schedule(initialDelay);
  }

  /** Runs `task` once after `delay` (unless stopped first); failures are logged. */
  once(name: string, delay: number, task: () => Promise<void> | void): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.stopped) return;
      Promise.resolve()
        .then(task)
        .catch((err: unknown) =>
          this.logger.warn({ task: name, err: String(err) }, 'background task failed'),
        );
    }, delay);
    timer.unref();
    this.timers.add(timer);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
