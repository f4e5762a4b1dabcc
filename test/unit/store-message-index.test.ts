/**
 * The in-memory message index (QUERY_MESSAGE): which keys a record is found by, time and offset
 * bounds, newest-first lookups, growth of its arrays, and the bound that drops the oldest entries.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeProperties } from '../../src/protocol/message/properties.js';
import {
  INDEX_WALK_TURN,
  MAX_KEYS_PER_RECORD,
  indexKeyHash,
  MessageIndex,
} from '../../src/server/store/message-index.js';

const ALL = [0, Number.MAX_SAFE_INTEGER] as const;
const props = (p: Record<string, string>): string => encodeProperties(p);

function find(index: MessageIndex, topic: string, key: string, max = 100): number[] {
  return index.lookup(topic, key, ALL[0], ALL[1], 0, max);
}

describe('MessageIndex', () => {
  it('indexes UNIQ_KEY and every KEYS entry split by spaces, under the record topic', () => {
    const index = new MessageIndex(100);
    index.addRecord('T', props({ KEYS: 'a b  c', UNIQ_KEY: 'U1', TAGS: 'x' }), 100, 1000);
    // KEYS as the first entry, UNIQ_KEY last, with the trailing separator encodeProperties writes.
    index.addRecord('T', `KEYS\u0001b\u0002UNIQ_KEY\u0001U2\u0002`, 200, 1001);
    index.addRecord('T', `UNIQ_KEY\u0001U3`, 300, 1002);
    assert.deepEqual(find(index, 'T', 'a'), [100]);
    assert.deepEqual(find(index, 'T', 'b'), [200, 100]);
    assert.deepEqual(find(index, 'T', 'c'), [100]);
    assert.deepEqual(find(index, 'T', 'U1'), [100]);
    assert.deepEqual(find(index, 'T', 'U2'), [200]);
    assert.deepEqual(find(index, 'T', 'U3'), [300]);
    assert.deepEqual(find(index, 'T', ''), []);
    assert.deepEqual(find(index, 'T', 'x'), [], 'TAGS are not keys');
    assert.deepEqual(find(index, 'Other', 'a'), []);
    // A property whose name ends in KEYS is not KEYS.
    index.addRecord('T', props({ MYKEYS: 'z' }), 400, 1003);
    assert.deepEqual(find(index, 'T', 'z'), []);
    assert.equal(index.lastPhysicalOffset, 400);
    assert.equal(index.lastTimestamp, 1003);
  });

  it('filters by store time and by the smallest offset still in the log; stops at max', () => {
    const index = new MessageIndex(100);
    for (let i = 0; i < 10; i++) index.addRecord('T', props({ KEYS: 'k' }), i * 100, 1000 + i);
    assert.deepEqual(index.lookup('T', 'k', 1003, 1005, 0, 100), [500, 400, 300]);
    assert.deepEqual(index.lookup('T', 'k', 0, 2000, 700, 100), [900, 800, 700]);
    assert.deepEqual(index.lookup('T', 'k', 0, 2000, 0, 2), [900, 800]);
  });

  it('a key repeated in one record is one entry; at most MAX_KEYS_PER_RECORD keys of a record', () => {
    const index = new MessageIndex(1000);
    index.addRecord('T', props({ KEYS: 'k' }), 100, 1000);
    index.addRecord('T', props({ KEYS: 'k k k', UNIQ_KEY: 'k' }), 200, 1001);
    assert.equal(index.size, 2);
    assert.deepEqual(index.lookup('T', 'k', 0, 2000, 0, 2), [200, 100], 'maxNum counts records');
    const many = Array.from({ length: 200 }, (_, i) => `m${i}`).join(' ');
    index.addRecord('T', props({ KEYS: many }), 300, 1002);
    assert.equal(index.size, 2 + MAX_KEYS_PER_RECORD);
    assert.deepEqual(find(index, 'T', `m${MAX_KEYS_PER_RECORD - 1}`), [300]);
    assert.deepEqual(find(index, 'T', `m${MAX_KEYS_PER_RECORD}`), []);
  });

  it('a long walk gives turns back to its caller, and ends below the smallest offset kept', () => {
    const index = new MessageIndex(100_000);
    for (let i = 0; i < 40_000; i++) index.addRecord('T', props({ KEYS: 'busy' }), i, 1000 + i);
    // A range that ends before all but the oldest entries: the whole chain to walk, skipping.
    const walked = [...index.candidates('T', 'busy', 0, 1005, 0)];
    const turns = walked.filter((x) => x === INDEX_WALK_TURN).length;
    assert.ok(turns >= 2, `${turns} turns`);
    assert.deepEqual(
      walked.filter((x) => x !== INDEX_WALK_TURN),
      [5, 4, 3, 2, 1, 0],
    );
    // Offsets only go down along a chain: the walk stops at the first one below minPhys.
    const recent = [...index.candidates('T', 'busy', 0, 2e9, 39_990)];
    assert.deepEqual(
      recent,
      Array.from({ length: 10 }, (_, i) => 39_999 - i),
    );
  });

  it('a bound over one chunk of the ring: wraps around its chunks and keeps the newest entries', () => {
    const index = new MessageIndex(70_000); // a chunk of 65,536 entries and one of 4,464
    for (let i = 0; i < 150_000; i++) index.addRecord('T', props({ KEYS: `k${i % 1000}` }), i, i);
    assert.equal(index.size, 70_000);
    const k7 = index.lookup('T', 'k7', 0, 1e9, 0, 1e9);
    assert.equal(k7.length, 70);
    assert.deepEqual(k7.slice(0, 2), [149_007, 148_007]);
    assert.equal(k7.at(-1), 80_007);
  });

  it('drops the oldest entries at the bound', () => {
    const index = new MessageIndex(10_000);
    for (let i = 0; i < 9000; i++) index.addRecord('T', props({ KEYS: `k${i} all` }), i, i);
    assert.equal(index.size, 10_000);
    // 18,000 entries for a bound of 10,000: the first 4,000 records are gone (2 entries each).
    assert.deepEqual(find(index, 'T', 'k3999'), []);
    assert.deepEqual(find(index, 'T', 'k4000'), [4000]);
    assert.deepEqual(find(index, 'T', 'k8999'), [8999]);
    const all = index.lookup('T', 'all', 0, 1e9, 0, 1e9);
    assert.equal(all.length, 5000);
    assert.equal(all[0], 8999);
    assert.equal(all.at(-1), 4000);
  });

  it('clear() forgets every entry', () => {
    const index = new MessageIndex(10);
    index.addRecord('T', props({ KEYS: 'k' }), 1, 1);
    index.clear();
    assert.deepEqual(find(index, 'T', 'k'), []);
    index.addRecord('T', props({ KEYS: 'k' }), 2, 2);
    assert.deepEqual(find(index, 'T', 'k'), [2]);
  });

  describe('older records put below the newer ones (prependOlder, the backfill after a restart)', () => {
    /** Record i: a unique key, one of 7 shared keys, sometimes a repeat, sometimes none at all. */
    const record = (i: number): string =>
      i % 11 === 0
        ? ''
        : props({ UNIQ_KEY: `u${i}`, KEYS: `s${i % 7} k${i}${i % 5 === 0 ? ` s${i % 7}` : ''}` });
    const KEYS = [...Array.from({ length: 7 }, (_, i) => `s${i}`), 'k1', 'k12', 'k299', 'u3', 'u298'];

    /** What a broker that never restarted holds: records [0, n) added in order. */
    function unrestarted(bound: number, n: number): MessageIndex {
      const index = new MessageIndex(bound);
      for (let i = 0; i < n; i++) index.addRecord('T', record(i), i * 10, 1000 + i);
      return index;
    }

    /**
     * Records [walked, n) added (recovery's walk, then `later` puts interleaved with the backfill),
     * records [0, walked) prepended newest first, one record between two puts.
     */
    function restarted(bound: number, walked: number, n: number): MessageIndex {
      const index = new MessageIndex(bound);
      let next = walked;
      const firstPut = n - Math.floor((n - walked) / 2);
      for (; next < firstPut; next++) index.addRecord('T', record(next), next * 10, 1000 + next);
      for (let i = walked - 1; i >= 0; i--) {
        const entries: number[] = [];
        index.olderRecordEntries('T', record(i), i * 10, 1000 + i, entries);
        for (let at = entries.length - 3; at >= 0; at -= 3) {
          index.prependOlder(entries[at]!, entries[at + 1]!, entries[at + 2]!);
        }
        if (next < n) index.addRecord('T', record(next), next * 10, 1000 + next++);
      }
      for (; next < n; next++) index.addRecord('T', record(next), next * 10, 1000 + next);
      return index;
    }

    function assertSameAnswers(actual: MessageIndex, expected: MessageIndex): void {
      assert.equal(actual.size, expected.size);
      for (const key of KEYS) {
        for (const [begin, end] of [ALL, [1050, 1200], [1000, 1010]] as const) {
          for (const max of [1, 3, 1000]) {
            assert.deepEqual(
              actual.lookup('T', key, begin, end, 0, max),
              expected.lookup('T', key, begin, end, 0, max),
              `${key} [${begin}, ${end}] max ${max}`,
            );
          }
        }
      }
    }

    it('the same entries and answers as without a restart, puts going on meanwhile', () => {
      for (const walked of [0, 1, 150, 300])
        assertSameAnswers(restarted(10_000, walked, 300), unrestarted(10_000, 300));
      // Four buckets for 16 entries: chains of many keys each, older entries linked below them.
      assertSameAnswers(restarted(16, 295, 300), unrestarted(16, 300));
    });

    it('a bound below the entries: the newest kept, the older refused, as without a restart', () => {
      for (const bound of [50, 500, 700]) {
        for (const walked of [30, 150, 299]) {
          assertSameAnswers(restarted(bound, walked, 300), unrestarted(bound, 300));
        }
      }
      const full = unrestarted(50, 300);
      assert.equal(full.room, 0);
      assert.equal(full.prependOlder(indexKeyHash('T', 'x'), 0, 0), false);
    });

    it('takes nothing once endOlder() was called; newer records still go on top', () => {
      const index = new MessageIndex(100);
      index.addRecord('T', props({ KEYS: 'k' }), 20, 2);
      index.endOlder();
      assert.equal(index.prependOlder(indexKeyHash('T', 'k'), 10, 1), false);
      index.addRecord('T', props({ KEYS: 'k' }), 30, 3);
      assert.deepEqual(find(index, 'T', 'k'), [30, 20]);
      assert.equal(index.room, 98);
    });

    it('older entries into an empty index, and after clear()', () => {
      const index = new MessageIndex(100);
      const older = (phys: number): void => {
        const entries: number[] = [];
        index.olderRecordEntries('T', props({ KEYS: 'k' }), phys, phys, entries);
        assert.equal(index.prependOlder(entries[0]!, entries[1]!, entries[2]!), true);
      };
      older(10);
      older(5);
      assert.deepEqual(find(index, 'T', 'k'), [10, 5]);
      assert.equal(index.lastPhysicalOffset, 0, 'older records are not the last indexed');
      index.clear();
      index.addRecord('T', props({ KEYS: 'k' }), 30, 30);
      older(20);
      assert.deepEqual(find(index, 'T', 'k'), [30, 20]);
    });
  });

  it('hashes the joined "topic#key" (so the store checks the records it finds); refuses a bound of 0', () => {
    assert.notEqual(indexKeyHash('T', 'a'), indexKeyHash('T', 'b'));
    assert.equal(indexKeyHash('T', 'a#b'), indexKeyHash('T#a', 'b'), 'hash of the joined "topic#key"');
    assert.throws(() => new MessageIndex(0), /maxEntries/);
  });
});
