/** Small seeded PRNG (xorshift32 with a splitmix-style seed scramble) for reproducible random tests. */
export class Prng {
  private state: number;

  constructor(readonly seed: number) {
    let s = (seed ^ 0x9e3779b9) >>> 0;
    s = Math.imul(s ^ (s >>> 16), 0x85ebca6b) >>> 0;
    s = Math.imul(s ^ (s >>> 13), 0xc2b2ae35) >>> 0;
    this.state = (s ^ (s >>> 16)) >>> 0 || 0x6d2b79f5;
  }

  /** Uniform uint32. */
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return n <= 1 ? 0 : Math.floor((this.next() / 0x100000000) * n);
  }

  /** Integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  bool(pTrue = 0.5): boolean {
    return this.next() / 0x100000000 < pTrue;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** Signed int32. */
  int32(): number {
    return this.next() | 0;
  }

  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = this.next() & 0xff;
    return out;
  }
}

const SAMPLE_CHARS = [
  'a',
  'Z',
  '0',
  ' ',
  '"',
  '\\',
  '/',
  ':',
  ',',
  '{',
  '}',
  '\u0000',
  '\u0001',
  '\u0002',
  '\b',
  '\t',
  '\n',
  '\u000b',
  '\f',
  '\r',
  '\u001f',
  '\u007f',
  '\u0080',
  '\u009f',
  '\u00a0',
  'é',
  '中',
  '\u2028',
  '\u2029',
  '\ud83d\ude00',
  '\ufeff',
  '\uffff',
];

/** A well-formed random string of `length` code points, biased towards characters that need care. */
export function randomString(rng: Prng, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) {
    s += rng.bool(0.6) ? rng.pick(SAMPLE_CHARS) : String.fromCodePoint(rng.range(0x20, 0x7e));
  }
  return s;
}
