/**
 * A log-bucketed latency histogram (the HdrHistogram layout, written here): values are whole
 * microseconds; 0..255 are counted exactly, and each power-of-two range above is cut into 128 equal
 * sub-buckets, so a percentile is reported within 1/128 (< 0.8 %) of the true value whatever its
 * magnitude, in constant memory (under 5,000 counters up to hours). Recording is an index
 * computation and an increment: cheap enough for every send of a benchmark.
 *
 *   index(v) = v                                  for v < 256
 *            = 256 + (e - 1) * 128 + (v >> e) - 128   with e = floor(log2 v) - 7, for v >= 256
 */
const SUB_BITS = 7;
const HALF = 1 << SUB_BITS; // 128 sub-buckets per power of two
const LINEAR = HALF * 2; // 0..255 exact

function indexOf(value: number): number {
  if (value < LINEAR) return value;
  const e = 31 - Math.clz32(value) - SUB_BITS; // value < 2^31 µs (35 min) by the caller's clamp
  return LINEAR + (e - 1) * HALF + (value >>> e) - HALF;
}

/** Smallest and largest value counted in bucket `index`. */
function rangeOf(index: number): [number, number] {
  if (index < LINEAR) return [index, index];
  const e = Math.floor((index - LINEAR) / HALF) + 1;
  const sub = ((index - LINEAR) % HALF) + HALF;
  const low = sub * 2 ** e;
  return [low, low + 2 ** e - 1];
}

const MAX_VALUE = 2 ** 31 - 1;

export class LatencyHistogram {
  #counts = new Float64Array(LINEAR + 24 * HALF + HALF);
  #count = 0;
  #sum = 0;
  #min = Infinity;
  #max = 0;

  /** Records one latency in µs (negative counts as 0; beyond ~35 min is clamped). */
  record(micros: number): void {
    const v = Math.min(MAX_VALUE, Math.max(0, Math.round(micros)));
    this.#counts[indexOf(v)] = (this.#counts[indexOf(v)] ?? 0) + 1;
    this.#count++;
    this.#sum += v;
    if (v < this.#min) this.#min = v;
    if (v > this.#max) this.#max = v;
  }

  /** Adds every value of `other`. */
  add(other: LatencyHistogram): void {
    const theirs = other.#counts;
    for (let i = 0; i < theirs.length; i++) {
      const c = theirs[i] as number;
      if (c !== 0) this.#counts[i] = (this.#counts[i] ?? 0) + c;
    }
    this.#count += other.#count;
    this.#sum += other.#sum;
    this.#min = Math.min(this.#min, other.#min);
    this.#max = Math.max(this.#max, other.#max);
  }

  get count(): number {
    return this.#count;
  }

  /** Exact extremes and mean, µs (0 when empty). */
  get max(): number {
    return this.#max;
  }

  get min(): number {
    return this.#count === 0 ? 0 : this.#min;
  }

  get mean(): number {
    return this.#count === 0 ? 0 : this.#sum / this.#count;
  }

  /**
   * The value at percentile `p` (0..100], µs: the top of the bucket holding the value of rank
   * ceil(p/100 * count), never above the exact max (0 when empty).
   */
  percentile(p: number): number {
    if (this.#count === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.#count));
    let seen = 0;
    for (let i = 0; i < this.#counts.length; i++) {
      seen += this.#counts[i] as number;
      if (seen >= rank) return Math.min(rangeOf(i)[1], this.#max);
    }
    return this.#max;
  }
}

/** Latency figures of one histogram, ms. */
export interface LatencyFigures {
  readonly min: number;
  readonly avg: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

/** A histogram's figures in ms, rounded to the µs. */
export function figuresOf(h: LatencyHistogram): LatencyFigures {
  const ms = (us: number): number => Math.round(us) / 1000;
  return {
    min: ms(h.min),
    avg: ms(h.mean),
    p50: ms(h.percentile(50)),
    p90: ms(h.percentile(90)),
    p99: ms(h.percentile(99)),
    p999: ms(h.percentile(99.9)),
    max: ms(h.max),
  };
}
