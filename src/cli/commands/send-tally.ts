/**
 * What `rmq send` knows about its messages while it runs: how many it started, how many the broker
 * acknowledged, how many failed. A progress line on stderr when stderr is a terminal and stdout is
 * not (results going to a file or a pipe; with both on the terminal the result lines show progress
 * and would tear a redrawn line), and the one-line summary printed when a signal cuts the run short,
 * so that every message's fate is known.
 */
import { isTerminal } from '../io.js';
import type { TextOutput } from '../io.js';

const PROGRESS_EVERY_MS = 250;
/** Shorter runs finish before a progress line would help. */
const PROGRESS_MIN_COUNT = 100;

export class SendTally {
  sent = 0;
  acknowledged = 0;
  failed = 0;
  private timer: NodeJS.Timeout | undefined;
  private shown = false;

  constructor(
    private readonly total: number,
    private readonly stderr: TextOutput,
    stdout: TextOutput,
    readonly ackWord = 'acknowledged',
  ) {
    if (total >= PROGRESS_MIN_COUNT && isTerminal(stderr) && !isTerminal(stdout)) {
      this.timer = setInterval(() => this.progress(), PROGRESS_EVERY_MS);
      this.timer.unref();
    }
  }

  /** "sent N, acknowledged A, failed F" (oneway sends are "written", never acknowledged). */
  summary(): string {
    return `sent ${this.sent}, ${this.ackWord} ${this.acknowledged}, failed ${this.failed}`;
  }

  private progress(): void {
    this.shown = true;
    this.stderr.write(`\r\x1b[K${this.summary()} of ${this.total}`);
  }

  /** Stops the progress line and erases it. */
  finish(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    if (this.shown) this.stderr.write('\r\x1b[K');
    this.shown = false;
  }
}
