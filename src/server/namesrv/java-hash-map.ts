/**
 * A string-keyed Map that also knows the iteration order a Java `HashMap` / `HashSet` holding the
 * same entries would have. The Java name server serialises its tables straight from HashMaps, so the
 * order of brokerDatas, queueDatas, cluster tables and topic lists on the wire is that order.
 *
 * Java facts modelled: the table is allocated at the requested initial capacity rounded up to a power
 * of two (default 16) and doubles when the size passes 3/4 of it; it never shrinks on removal. A JS
 * Map keeps insertion order, and so does a Java bucket chain (re-putting an existing key keeps its
 * place, remove + put moves it to the end), which is what the ordering helper needs.
 */
import { javaHashMapKeyOrder } from '../../protocol/body/java-order.js';

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

export class JavaHashMap<V> extends Map<string, V> {
  private capacity: number;

  constructor(private readonly initialCapacity = 16) {
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

/**
 * Order of a fresh `new HashSet<>()` filled one by one with `keys` (as `addAll` does): the set grows
 * from 16 as it fills, whatever the source's capacity.
 */
export function freshHashSetOrder(keys: readonly string[]): string[] {
  return javaHashMapKeyOrder(keys, grownCapacity(16, keys.length));
}
