/**
 * A "consumed N" line on stderr while `rmq consume` runs, when stderr is a terminal (never into a
 * pipe or a file) and stdout is not (with both on the terminal, the message lines already show the
 * progress, and a redrawn line would be torn by them), redrawn at most four times a second and erased
 * at the end.
 */
import { isTerminal } from '../io.js';
import type { TextOutput } from '../io.js';

const REDRAW_MS = 250;

export class ConsumeProgress {
  private readonly enabled: boolean;
  private lastDraw = 0;
  private shown = false;

  constructor(
    private readonly stderr: TextOutput,
    stdout: TextOutput,
  ) {
    this.enabled = isTerminal(stderr) && !isTerminal(stdout);
  }

  count(consumed: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    this.shown = true;
    this.stderr.write(`\r\x1b[Kconsumed ${consumed}`);
  }

  finish(): void {
    if (this.shown) this.stderr.write('\r\x1b[K');
    this.shown = false;
  }
}
