/**
 * In-memory message index for QUERY_MESSAGE (Java IndexService / IndexFile, without the files).
 *
 * What is indexed (Java IndexService.buildIndex): every dispatched record (normal and committed
 * transaction records; PREPARED and ROLLBACK records have no consume-queue entry and are not
 * indexed) under `topic#UNIQ_KEY` and `topic#k` for every non-empty k of KEYS split by ' '.
 *
 * Layout: like an index file, a table of chain heads by key hash and a log of entries, but the log is
 * a ring of typed arrays, so an entry costs no object and nothing is allocated per message:
 *
 *   heads[hash & mask]  seq + 1 of the newest entry whose hash falls in that bucket (0: none);
 *                       a power of two >= maxEntries / 16 buckets
 *   entry seq, at ring position seq % length, 4 float64 side by side (one cache line per 2 entries):
 *     hash   int32 FNV-1a of "topic#key" (UTF-16 code units)
 *     phys   commit-log offset of the record
 *     time   its store timestamp
 *     prev   seq + 1 of the previous entry of the same bucket (0: none)
 *
 * Bound: at most `maxEntries` entries (one per key of a record); the oldest is overwritten first.
 * An overwritten entry needs no unlinking: seqs only grow, so a chain ends at the first seq below
 * the oldest one kept. The ring is allocated in fixed chunks of 2^16 entries as it fills (~33 bytes
 * per entry with the bucket table at the bound), never copied: growing one array by doubling while
 * the broker took messages cost a visible share of its CPU (copies, and the full GCs that large
 * allocations bring), and allocating the whole bound at once cost 10-20 ms per store opened. Only
 * hashes are kept, as in Java: a lookup yields candidates whose
 * record the caller reads and checks (Java leaves hash collisions for the client to drop).
 *
 * Older records (prependOlder): after a restart the recovery walk indexes only the last segments;
 * the backfill (index-backfill.ts) then hands the older records in, newest first, while new records
 * keep coming in at the other end. Each older entry takes the seq just below the oldest kept one
 * (seqs start at maxEntries, so there is room for a whole ring below) and becomes the last link of
 * its bucket's chain: tails[bucket] (seq + 1 of the chain's oldest entry, kept up to date by add()
 * until endOlder()) names the entry to link it from; 2 bytes per entry at the bound, dropped once
 * the backfill ends. The result is the ring an unrestarted broker would hold: the same entries in
 * the same seq order, chains newest first. Older entries are taken only while the ring is not full:
 * a ring that never filled since clear() never overwrote an entry, so every tail is still kept.
 */
import { IllegalArgumentError } from '../../common/errors.js';
import {
  indexKeyHash,
  keyHashesOfAscii,
  keyHashesOfString,
  MAX_KEYS_PER_RECORD,
  topicPrefixHash,
} from './index-keys.js';

export { indexKeyHash, MAX_KEYS_PER_RECORD } from './index-keys.js';

/** Largest bound: bucket numbers stay within int32 masks. */
export const MAX_INDEX_ENTRIES = 2 ** 28;
const ENTRY_FIELDS = 4;
/**
 * Entries per bucket at the bound (chains of ~16 at most on average): every key indexed reads and
 * writes one random head, and a smaller table keeps those in fewer cache lines and pages (512 KiB at
 * the default bound, against 2 MiB with 4 per bucket: 20 % less time per record indexed, measured
 * with 1M entries). A lookup walks a longer chain, but lookups are rare and a walk yields its turns.
 */
const ENTRIES_PER_BUCKET = 16;
/** Entries a walk visits between two turns it gives back to its caller (INDEX_WALK_TURN). */
const WALK_SLICE = 16_384;
/** What `candidates` yields after every WALK_SLICE entries visited: a point to let others run. */
export const INDEX_WALK_TURN = -1;
/** Ring chunk size: 2^16 entries (2 MiB). */
const CHUNK_BITS = 16;
const CHUNK_ENTRIES = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_ENTRIES - 1;

export class MessageIndex {
  private readonly length: number;
  /**
   * The ring in chunks of CHUNK_ENTRIES, each allocated when first written: a store opened and closed
   * many times (a test, a restart) or holding few messages never pays for the whole bound (zeroing
   * 34 MB took 10-20 ms per open). Entry at ring position i: chunk i >>> CHUNK_BITS, at 4 * (i & CHUNK_MASK):
   * hash, phys, time, prev.
   */
  private readonly chunks: (Float64Array | undefined)[];
  private heads: Float64Array | undefined;
  /** seq + 1 of the oldest entry of each bucket's chain, allocated with heads while older entries may come. */
  private tails: Float64Array | undefined;
  /** False once endOlder() was called: prependOlder takes nothing more and tails are dropped. */
  private takesOlder = true;
  private readonly mask: number;
  /**
   * Seq of the next entry; entries [oldest, next) are kept. Seqs start at `length`, not 0: the older
   * entries prependOlder puts below the first one need seqs >= 0 (next - length at least).
   */
  private next: number;
  private oldest: number;
  /** Ring position of the next entry (next % length, kept without a division). */
  private cursor = 0;
  /** Hashes of the keys of the record being indexed, in the order they are indexed. */
  private readonly keyHashes = new Int32Array(1 + MAX_KEYS_PER_RECORD);
  /** Store time and offset of the last indexed record (Java indexLastUpdateTimestamp / Phyoffset). */
  lastTimestamp = 0;
  lastPhysicalOffset = 0;
  /** The topic of the last record indexed and its hash prefix (records of one queue come in runs). */
  private topic = '';
  private topicHash = topicPrefixHash('');

  constructor(readonly maxEntries: number) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1 || maxEntries > MAX_INDEX_ENTRIES) {
      throw new IllegalArgumentError(`maxEntries must be a whole number from 1 to 2^28, got ${maxEntries}`);
    }
    this.length = maxEntries;
    this.next = this.oldest = maxEntries;
    this.chunks = new Array<Float64Array | undefined>(Math.ceil(maxEntries / CHUNK_ENTRIES));
    this.mask = bucketsFor(Math.ceil(this.length / ENTRIES_PER_BUCKET)) - 1;
  }

  /** The chunk holding ring position `pos` (written already: every kept seq was). */
  private chunkOf(pos: number): Float64Array {
    return this.chunks[pos >>> CHUNK_BITS]!;
  }

  /** Entries kept. */
  get size(): number {
    return this.next - this.oldest;
  }

  /** Forgets everything (recovery starting its walk again). */
  clear(): void {
    this.heads?.fill(0);
    this.tails?.fill(0);
    this.oldest = this.next;
    this.lastTimestamp = 0;
    this.lastPhysicalOffset = 0;
  }

  /** Indexes a record by its UNIQ_KEY and each of its KEYS, read from its raw property string. */
  addRecord(topic: string, props: string, phys: number, storeTimestamp: number): void {
    this.addKeys(keyHashesOfString(this.prefixOf(topic), props, this.keyHashes), phys, storeTimestamp);
  }

  /**
   * addRecord for a record whose property bytes, b[from, to), are plain ASCII: read in place, the
   * same entries as for their string. `uniqAt` / `keysAt`: where the caller saw those values start
   * (keyHashesOfAscii), SEARCH_KEY when it did not look.
   */
  addRecordAscii(
    topic: string,
    b: Uint8Array,
    from: number,
    to: number,
    uniqAt: number,
    keysAt: number,
    phys: number,
    storeTimestamp: number,
  ): void {
    const n = keyHashesOfAscii(this.prefixOf(topic), b, from, to, this.keyHashes, uniqAt, keysAt);
    this.addKeys(n, phys, storeTimestamp);
  }

  private addKeys(n: number, phys: number, storeTimestamp: number): void {
    this.lastTimestamp = storeTimestamp;
    this.lastPhysicalOffset = phys;
    const hashes = this.keyHashes;
    for (let i = 0; i < n; i++) this.add(hashes[i]!, phys, storeTimestamp);
  }

  /** topicPrefixHash(topic), remembered for the last topic (records of one queue come in runs). */
  private prefixOf(topic: string): number {
    if (topic !== this.topic) {
      this.topic = topic;
      this.topicHash = topicPrefixHash(topic);
    }
    return this.topicHash;
  }

  /**
   * Appends to `out` the entries addRecord would make for a record, as (hash, phys, time) triples in
   * the order it would make them, for prependOlder. Changes nothing.
   */
  olderRecordEntries(
    topic: string,
    props: string,
    phys: number,
    storeTimestamp: number,
    out: number[],
  ): void {
    const n = keyHashesOfString(this.prefixOf(topic), props, this.keyHashes);
    const hashes = this.keyHashes;
    for (let i = 0; i < n; i++) out.push(hashes[i]!, phys, storeTimestamp);
  }

  /**
   * Puts an entry below every entry kept, as if it had been added before them: call it with a
   * record's olderRecordEntries triples last to first, records newest first. False (and nothing
   * changed) once the ring is full, where an unrestarted broker would have dropped it too, or after
   * endOlder().
   */
  prependOlder(hash: number, phys: number, time: number): boolean {
    if (!this.takesOlder || this.next - this.oldest >= this.length) return false;
    const heads = this.heads ?? this.allocateHeads();
    const tails = this.tails!;
    const bucket = hash & this.mask;
    const seq = this.oldest - 1; // >= next - length >= 0: its slot is free
    const pos = seq % this.length;
    const e = this.chunkFor(pos);
    const at = (pos & CHUNK_MASK) * ENTRY_FIELDS;
    e[at] = hash;
    e[at + 1] = phys;
    e[at + 2] = time;
    e[at + 3] = 0;
    if (heads[bucket]! > this.oldest) {
      // The chain's oldest entry now leads on to this one.
      const tailPos = (tails[bucket]! - 1) % this.length;
      this.chunkOf(tailPos)[(tailPos & CHUNK_MASK) * ENTRY_FIELDS + 3] = seq + 1;
    } else {
      heads[bucket] = seq + 1;
    }
    tails[bucket] = seq + 1;
    this.oldest = seq;
    return true;
  }

  /** No older entry comes any more (the backfill ended): prependOlder refuses, the tails are dropped. */
  endOlder(): void {
    this.takesOlder = false;
    this.tails = undefined;
  }

  /** Entries the ring still has room for before it drops any (what older records may fill). */
  get room(): number {
    return this.length - (this.next - this.oldest);
  }

  /**
   * Up to `max` offsets of records indexed under "topic#key" with a store time in [begin, end] and an
   * offset >= minPhys, newest first. Hash matches: the caller checks the records. The walk is
   * synchronous: along one bucket's chain, back to the first entry stored before `begin`.
   */
  lookup(topic: string, key: string, begin: number, end: number, minPhys: number, max: number): number[] {
    const found: number[] = [];
    for (const p of this.candidates(topic, key, begin, end, minPhys)) {
      if (p === INDEX_WALK_TURN) continue;
      found.push(p);
      if (found.length >= max) break;
    }
    return found;
  }

  /**
   * The offsets `lookup` finds, newest first, one by one, each once, with INDEX_WALK_TURN after every
   * WALK_SLICE entries visited: a chain may hold a million entries of a busy bucket, too many to walk
   * in one go (~25 ms), so an async caller lets others run there. Entries overwritten while the walk
   * waits end it (seqs only grow).
   */
  *candidates(topic: string, key: string, begin: number, end: number, minPhys: number): Generator<number> {
    if (this.heads === undefined) return;
    const hash = indexKeyHash(topic, key);
    let visited = 0;
    let last = -1;
    for (let s = this.heads[hash & this.mask]!; s > this.oldest;) {
      if (++visited % WALK_SLICE === 0) {
        yield INDEX_WALK_TURN;
        if (s <= this.oldest) return;
      }
      const pos = (s - 1) % this.length;
      const e = this.chunkOf(pos);
      const at = (pos & CHUNK_MASK) * ENTRY_FIELDS;
      const p = e[at + 1]!;
      const t = e[at + 2]!;
      // Older entries are older still (Java IndexFile.selectPhyOffset stops here too), and lower in
      // the log: below minPhys (deleted segments) nothing further can be read either.
      if (t < begin || p < minPhys) return;
      if (e[at] === hash && t <= end && p !== last) {
        last = p;
        yield p;
      }
      s = e[at + 3]!;
    }
  }

  private allocateHeads(): Float64Array {
    if (this.takesOlder) this.tails = new Float64Array(this.mask + 1);
    return (this.heads = new Float64Array(this.mask + 1));
  }

  /** The chunk holding ring position `pos`, allocated when first written. */
  private chunkFor(pos: number): Float64Array {
    const k = pos >>> CHUNK_BITS;
    return (this.chunks[k] ??= new Float64Array(
      Math.min(CHUNK_ENTRIES, this.length - k * CHUNK_ENTRIES) * ENTRY_FIELDS,
    ));
  }

  private add(hash: number, phys: number, time: number): void {
    const bucket = hash & this.mask;
    const heads = this.heads ?? this.allocateHeads();
    // A key repeated in one record was dropped when its keys were read (index-keys.ts): checking the
    // bucket's newest entry here read a random place of the ring, a cache miss per key indexed.
    const head = heads[bucket]!;
    if (this.next - this.oldest === this.length) this.oldest++; // its slot is overwritten below
    const seq = this.next++;
    const pos = this.cursor;
    if (++this.cursor === this.length) this.cursor = 0;
    const e = this.chunkFor(pos);
    const at = (pos & CHUNK_MASK) * ENTRY_FIELDS;
    e[at] = hash;
    e[at + 1] = phys;
    e[at + 2] = time;
    e[at + 3] = head;
    heads[bucket] = seq + 1;
    // The first entry of an empty chain is its oldest (a full ring takes no older entries: no matter).
    const tails = this.tails;
    if (tails !== undefined && head <= this.oldest) tails[bucket] = seq + 1;
  }
}

/** A power of two at or above `length`. */
function bucketsFor(length: number): number {
  let n = 1;
  while (n < length) n *= 2;
  return n;
}
