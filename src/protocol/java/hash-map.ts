/**
 * Java `HashMap` / `HashSet` iteration order, for reproducing the exact byte order of what Java builds
 * from one: route brokerDatas and queueDatas, cluster tables and topic lists (the name server
 * serialises its tables straight from HashMaps), message properties, send-response extras.
 *
 * Java facts modelled:
 * - the table is allocated at the requested initial capacity rounded up to a power of two (default
 *   16) and doubles while the size exceeds 3/4 of it; it never shrinks on removal;
 * - iteration goes by bucket `(h ^ (h >>> 16)) & (capacity - 1)`, h = String.hashCode, and inside a
 *   bucket in insertion order. A resize keeps that relative order, so only the final capacity
 *   matters. Re-putting an existing key keeps its place; remove + put moves it to the end; a JS Map
 *   keeps insertion order the same way.
 * Not modelled: treeified buckets (8+ keys colliding in one bucket of a table of 64+), which only
 * adversarial key sets produce.
 */
import { javaStringHash } from './string-hash.js';

const DEFAULT_INITIAL_CAPACITY = 16;

/** Java `HashMap.tableSizeFor`: the smallest power of two >= n (at least 1). */
export function tableSizeFor(n: number): number {
  let cap = 1;
  while (cap < n) cap *= 2;
  return cap;
}

/** Capacity a HashMap created with `initialCapacity` has after holding `count` entries at once. */
export function grownCapacity(initialCapacity: number, count: number): number {
  let cap = tableSizeFor(initialCapacity);
  while (count > cap * 0.75) cap *= 2;
  return cap;
}

/**
 * Iteration order of a Java `HashMap<String, ?>` / `HashSet<String>` of table size `capacity` holding
 * `keys` (distinct, in insertion order). The default capacity is that of a `new HashMap<>()` filled
 * with them.
 */
export function javaHashMapKeyOrder(
  keys: readonly string[],
  capacity = grownCapacity(DEFAULT_INITIAL_CAPACITY, keys.length),
): string[] {
  const mask = capacity - 1;
  const indexed = keys.map((k, i) => {
    const h = javaStringHash(k);
    return { k, i, bucket: (h ^ (h >>> 16)) & mask };
  });
  indexed.sort((a, b) => a.bucket - b.bucket || a.i - b.i);
  return indexed.map((e) => e.k);
}

/**
 * Order in which a Java `HashMap` created with `initialCapacity` iterates `keys` put in this order
 * (a repeated key keeps its first position).
 */
export function javaHashMapOrder(
  keys: readonly string[],
  initialCapacity = DEFAULT_INITIAL_CAPACITY,
): string[] {
  // The broker orders the same few key sets (message properties, send-response fields) for every
  // message: recent answers are remembered. The memo key is the keys joined (one native call); an
  // entry also keeps its capacity and keys, compared on a hit, so keys holding the joiner cannot
  // alias another key set.
  const memoKey = keys.length <= 32 ? keys.join('\u0001') : undefined;
  if (memoKey !== undefined) {
    const known = ORDER_MEMO.get(memoKey);
    if (known !== undefined && known.capacity === initialCapacity && sameKeys(known.keys, keys)) {
      return known.order.slice();
    }
  }
  const unique = [...new Set(keys)];
  const order = javaHashMapKeyOrder(unique, grownCapacity(initialCapacity, unique.length));
  if (memoKey !== undefined && memoKey.length <= 2048) {
    if (ORDER_MEMO.size >= ORDER_MEMO_MAX) ORDER_MEMO.clear();
    ORDER_MEMO.set(memoKey, { capacity: initialCapacity, keys: keys.slice(), order: order.slice() });
  }
  return order;
}

interface MemoEntry {
  readonly capacity: number;
  readonly keys: readonly string[];
  readonly order: readonly string[];
}

/** Recent javaHashMapOrder answers by joined keys; bounded, cleared when full. */
const ORDER_MEMO = new Map<string, MemoEntry>();
const ORDER_MEMO_MAX = 512;

/** Whether two key lists hold the same keys in the same order. */
export function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Order of a fresh `new HashSet<>()` filled one by one with `keys` (as `addAll` does): the set grows
 * from 16 as it fills, whatever the source's capacity.
 */
export function freshHashSetOrder(keys: readonly string[]): string[] {
  return javaHashMapKeyOrder(keys, grownCapacity(DEFAULT_INITIAL_CAPACITY, keys.length));
}

/** A string-keyed Map that also knows the iteration order a Java HashMap of the same history has. */
export class JavaHashMap<V> extends Map<string, V> {
  private capacity: number;

  constructor(private readonly initialCapacity = DEFAULT_INITIAL_CAPACITY) {
    super();
    this.capacity = tableSizeFor(initialCapacity);
  }

  override set(key: string, value: V): this {
    super.set(key, value);
    // `capacity` is undefined while the Map constructor runs (it calls set for initial entries).
    if (this.capacity !== undefined) this.capacity = grownCapacity(this.capacity, this.size);
    return this;
  }

  override clear(): void {
    // HashMap.clear keeps the table size.
    super.clear();
  }

  /** Table size Java would have now. */
  get javaCapacity(): number {
    return this.capacity ?? tableSizeFor(this.initialCapacity);
  }

  /** Keys in Java iteration order. */
  javaKeys(): string[] {
    return javaHashMapKeyOrder([...this.keys()], this.javaCapacity);
  }

  /** Values in Java iteration order. */
  javaValues(): V[] {
    return this.javaKeys().map((k) => this.get(k) as V);
  }

  /** Entries in Java iteration order. */
  javaEntries(): [string, V][] {
    return this.javaKeys().map((k) => [k, this.get(k) as V]);
  }
}
