/**
 * Java collection iteration orders, for reproducing the exact byte order of bodies that Java builds
 * from a HashMap / HashSet (route brokerDatas and queueDatas, cluster info tables, topic lists).
 */
import { javaStringHash } from '../message/java-hash.js';

/** Table size a default `new HashMap<>()` reaches after `count` insertions (load factor 0.75). */
export function javaHashMapCapacity(count: number): number {
  let cap = 16;
  while (count > cap * 0.75) cap *= 2;
  return cap;
}

/**
 * Iteration order of a Java `HashMap<String, ?>` / `HashSet<String>` holding `keys` (given in
 * insertion order): by bucket `(h ^ (h >>> 16)) & (capacity - 1)`, ties in insertion order (resizes
 * keep that relative order). Not modelled: treeified buckets (8+ keys colliding in one bucket of a
 * table of 64+), which only adversarial key sets produce.
 */
export function javaHashMapKeyOrder(
  keys: readonly string[],
  capacity = javaHashMapCapacity(keys.length),
): string[] {
  const mask = capacity - 1;
  const indexed = keys.map((k, i) => {
    const h = javaStringHash(k);
    return { k, i, bucket: (h ^ (h >>> 16)) & mask };
  });
  indexed.sort((a, b) => a.bucket - b.bucket || a.i - b.i);
  return indexed.map((e) => e.k);
}
