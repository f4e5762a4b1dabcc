/** Small pieces of the timer service: a serial re-runnable task and offset-range arithmetic. */

/**
 * Runs `fn` one at a time. A kick while it runs asks for one more run after it; every kick resolves
 * when a run that started after the kick has finished.
 */
export class SerialTask {
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly fn: () => Promise<void>,
    private readonly onError: (err: unknown) => void,
  ) {}

  kick(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.fn();
        } catch (err) {
          this.onError(err);
        }
      } while (this.again);
    })().finally(() => (this.running = undefined));
    return this.running;
  }

  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }
}

/** Sorted, merged copy of [from, to) ranges. */
export function mergeRanges(ranges: readonly [number, number][]): [number, number][] {
  const sorted = ranges.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/** The [from, to) ranges of [floor, end) not holding any of the sorted `offsets`. */
export function rangesOutside(offsets: readonly number[], floor: number, end: number): [number, number][] {
  const out: [number, number][] = [];
  let at = floor;
  for (const o of offsets) {
    if (o >= end) break;
    if (o > at) out.push([at, o]);
    at = Math.max(at, o + 1);
  }
  if (end > at) out.push([at, end]);
  return out;
}
