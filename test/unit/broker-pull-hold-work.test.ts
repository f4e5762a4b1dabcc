/**
 * Work done by long polling per arrived message (red-team finding: 100,000 pulls held with a tag no
 * message carries, then a batch of 1,000 messages, froze the event loop for 48 s — every message
 * tested every held pull). The filters here count their own calls, so these tests measure the work
 * of any implementation: an arrival must only touch the pulls it can wake, SQL92 tests are capped per
 * turn, and re-runs come in slices per turn. Wake-ups must still never be lost.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import {
  HeldQueue,
  MAX_PENDING_ARRIVALS,
  MAX_SELECTORS_PER_QUEUE,
} from '../../src/server/broker/pull/held-queue.js';
import {
  MAX_RERUNS_PER_TURN,
  MAX_SELECTOR_TESTS_PER_TURN,
  PullHoldService,
} from '../../src/server/broker/pull/pull-hold-service.js';
import type { HeldPull } from '../../src/server/broker/pull/pull-hold-service.js';
import { buildTagFilter } from '../../src/server/broker/pull/pull-requests.js';
import type { TagFilter } from '../../src/server/broker/pull/pull-requests.js';
import { compileSql92 } from '../../src/protocol/filter/index.js';
import type { Sql92Selector } from '../../src/protocol/filter/index.js';
import { javaStringHash } from '../../src/protocol/java/string-hash.js';
import { silentLogger } from '../../src/common/logger.js';
import { arrival, heldPull } from '../helpers/held-pulls.js';

/** Counts filter work: tag look-ups (`has`) and SQL92 evaluations (`matches`). */
const work = { tagTests: 0, selectorTests: 0 };

class CountingSet extends Set<number> {
  override has(value: number): boolean {
    work.tagTests++;
    return super.has(value);
  }
}

function countingTagFilter(subString: string): TagFilter {
  return { codes: new CountingSet(buildTagFilter(subString).codes) };
}

function countingSelector(sql: string): Sql92Selector {
  const inner = compileSql92(sql);
  return {
    ...inner,
    matches: (properties) => {
      work.selectorTests++;
      return inner.matches(properties);
    },
  };
}

let opaque = 1;
const held = (over: Partial<HeldPull>): HeldPull => heldPull(opaque++, over);

function service(): { hold: PullHoldService; reruns: number[] } {
  const reruns: number[] = [];
  const hold = new PullHoldService(async (_ch, req) => {
    reruns.push(req.opaque);
    return undefined;
  }, silentLogger);
  return { hold, reruns };
}

/** Runs turns until nothing waits to be re-run (bounded); returns the re-runs of each turn. */
async function drain(reruns: number[]): Promise<number[]> {
  const perTurn: number[] = [];
  for (let i = 0; i < 1_000 && (perTurn.length === 0 || perTurn.at(-1)! > 0); i++) {
    const before = reruns.length;
    await nextTurn();
    perTurn.push(reruns.length - before);
  }
  return perTurn;
}

const PULLS = 2_000;
const MESSAGES = 200;

test('the attack, small: messages with another tag touch none of the held pulls', async () => {
  const { hold, reruns } = service();
  work.tagTests = 0;
  for (let i = 0; i < PULLS; i++) hold.suspend(held({ filter: countingTagFilter('nomatch') }));
  for (let i = 0; i < MESSAGES; i++) hold.onMessageArrived('T', 0, BigInt(i), arrival({ TAGS: 'other' }));
  await drain(reruns);
  // Walking every held pull per message was PULLS × MESSAGES = 400,000 tag tests.
  assert.equal(work.tagTests, 0, 'no held pull was tested');
  assert.equal(reruns.length, 0);
  assert.equal(hold.size, PULLS, 'all still held');
  // A message with their tag wakes them all, re-run in slices of MAX_RERUNS_PER_TURN per turn.
  hold.onMessageArrived('T', 0, BigInt(MESSAGES), arrival({ TAGS: 'nomatch' }));
  const perTurn = await drain(reruns);
  assert.equal(reruns.length, PULLS, 'every one answered');
  assert.ok(Math.max(...perTurn) <= MAX_RERUNS_PER_TURN, `re-runs per turn: ${perTurn.join(',')}`);
  assert.equal(hold.size, 0);
  assert.equal(hold.stats.reruns, PULLS);
  hold.stop();
});

test('the attack with SQL92 pulls of distinct expressions: expressions per queue and tests per turn are capped', async () => {
  const { hold, reruns } = service();
  work.selectorTests = 0;
  for (let i = 0; i < PULLS; i++) hold.suspend(held({ selector: countingSelector(`region = 'n${i}'`) }));
  assert.equal(hold.size, MAX_SELECTORS_PER_QUEUE, 'the others were answered at once');
  assert.equal(hold.refusedCount, PULLS - MAX_SELECTORS_PER_QUEUE);
  for (let i = 0; i < MESSAGES; i++) hold.onMessageArrived('T', 0, BigInt(i), arrival({ region: 'eu' }));
  // Testing every pair was 400,000 evaluations in one go; now at most the budget per turn, in order.
  const perTurn: number[] = [];
  for (let i = 0; i < 1_000 && work.selectorTests < MAX_SELECTORS_PER_QUEUE * MESSAGES; i++) {
    const before = work.selectorTests;
    await nextTurn();
    perTurn.push(work.selectorTests - before);
  }
  assert.equal(
    work.selectorTests,
    MAX_SELECTORS_PER_QUEUE * MESSAGES,
    'each expression against each message',
  );
  assert.ok(Math.max(...perTurn) <= MAX_SELECTOR_TESTS_PER_TURN, perTurn.join(','));
  assert.equal(reruns.length, 0, 'none matched: all still held');
  // A match among arrivals still waiting for their test is found in a later turn.
  hold.onMessageArrived('T', 0, BigInt(MESSAGES), arrival({ region: 'eu' }));
  hold.onMessageArrived('T', 0, BigInt(MESSAGES + 1), arrival({ region: 'n7' }));
  for (let i = 0; i < 100 && reruns.length === 0; i++) await nextTurn();
  assert.equal(reruns.length, 1);
  hold.stop();
});

test('past MAX_PENDING_ARRIVALS untested arrivals, SQL92 pulls wake untested (their re-run filters)', async () => {
  const { hold, reruns } = service();
  work.selectorTests = 0;
  for (let i = 0; i < 3; i++) hold.suspend(held({ selector: countingSelector(`region = 'n${i}'`) }));
  for (let i = 0; i <= MAX_PENDING_ARRIVALS; i++)
    hold.onMessageArrived('T', 0, BigInt(i), arrival({ region: 'eu' }));
  await drain(reruns);
  // As Java's periodic check, which wakes held pulls without a filter; the re-run reads the store.
  assert.equal(work.selectorTests, 0);
  assert.equal(reruns.length, 3);
  hold.stop();
});

test('SQL92 pulls of one expression share its selector: one test per arrival, not per pull', async () => {
  const { hold, reruns } = service();
  work.selectorTests = 0;
  const shared = countingSelector("region = 'nowhere'"); // the broker's compile cache shares it too
  for (let i = 0; i < PULLS; i++) hold.suspend(held({ selector: shared }));
  for (let i = 0; i < MESSAGES; i++) hold.onMessageArrived('T', 0, BigInt(i), arrival({ region: 'eu' }));
  await drain(reruns);
  assert.equal(work.selectorTests, MESSAGES);
  assert.equal(hold.stats.selectorTests, MESSAGES);
  assert.equal(reruns.length, 0, 'none matched: all still held');
  assert.equal(hold.size, PULLS);
  hold.onMessageArrived('T', 0, BigInt(MESSAGES), arrival({ region: 'nowhere' }));
  await drain(reruns);
  assert.equal(reruns.length, PULLS, 'one matching message wakes them all');
  hold.stop();
});

test('few SQL92 pulls are tested per arrival; those that do not match stay held', async () => {
  const { hold, reruns } = service();
  work.selectorTests = 0;
  for (let i = 0; i < 3; i++) hold.suspend(held({ selector: countingSelector('a > 3') }));
  hold.onMessageArrived('T', 0, 0n, arrival({ a: '1' }));
  hold.onMessageArrived('T', 0, 1n, arrival({ a: '2' }));
  await drain(reruns);
  assert.equal(work.selectorTests, 6, 'each pull against each arrival, once');
  assert.equal(hold.size, 3);
  assert.equal(reruns.length, 0);
  hold.stop();
});

test('coalesced arrivals wake every matching pull in the next turn and no other', async () => {
  const { hold, reruns } = service();
  const a = held({ filter: buildTagFilter('A || Z') });
  const b = held({ filter: buildTagFilter('B') });
  const all = held({});
  const sql = held({ selector: compileSql92('a > 3') });
  const later = held({ filter: buildTagFilter('A'), offset: 10n });
  for (const p of [a, b, all, sql, later]) hold.suspend(p);
  hold.onMessageArrived('T', 0, 0n, arrival({ TAGS: 'C', a: '1' }));
  hold.onMessageArrived('T', 0, 1n, arrival({ TAGS: 'A', a: '2' }));
  hold.onMessageArrived('T', 0, 2n, arrival({ TAGS: 'C', a: '5' }));
  assert.deepEqual(reruns, [], 're-run from the next turn on');
  await nextTurn();
  const order = [all, a, sql].map((p) => p.request.opaque);
  assert.deepEqual(reruns, order, 'all three in one turn');
  assert.equal(hold.size, 2, 'B and the pull waiting for offset 10 stay held');
  hold.onMessageArrived('T', 0, 10n, arrival({ TAGS: 'A' }));
  await nextTurn();
  assert.deepEqual(reruns, [...order, later.request.opaque]);
  hold.stop();
});

test('a woken pull whose connection closes before its turn is dropped; stop drops the rest', async () => {
  const { hold, reruns } = service();
  const gone = held({});
  const stays = held({});
  hold.suspend(gone);
  hold.suspend(stays);
  hold.onMessageArrived('T', 0, 0n, arrival({}));
  assert.equal(hold.size, 2, 'woken pulls keep their place until re-run');
  (gone.channel as { closed: boolean }).closed = true;
  hold.onChannelClosed(gone.channel);
  assert.equal(hold.size, 1);
  await nextTurn();
  assert.deepEqual(reruns, [stays.request.opaque]);
  hold.suspend(held({}));
  hold.onMessageArrived('T', 0, 1n, arrival({}));
  hold.stop();
  await nextTurn();
  assert.deepEqual(reruns, [stays.request.opaque], 'nothing re-run after stop');
  assert.equal(hold.size, 0);
});

test('pulls whose hold time ends together are re-run in slices too', async () => {
  const { hold, reruns } = service();
  const n = MAX_RERUNS_PER_TURN * 2 + 1;
  for (let i = 0; i < n; i++) hold.suspend(held({ holdMillis: 1 }));
  // Turn by turn from before the timers fire (each gap between two of ours holds one of the service's).
  const perTurn: number[] = [];
  for (let i = 0; i < 100_000 && reruns.length < n; i++) {
    const before = reruns.length;
    await nextTurn();
    if (reruns.length > before) perTurn.push(reruns.length - before);
  }
  assert.ok(perTurn.length >= 3 && Math.max(...perTurn) <= MAX_RERUNS_PER_TURN, perTurn.join(','));
  assert.equal(reruns.length, n);
  hold.stop();
});

test('the tags codes of a held pull are counted in its bytes (the index entries they cost)', () => {
  const { hold } = service();
  hold.suspend(held({ filter: buildTagFilter('A') }));
  const one = hold.heldBytes;
  hold.stop();
  const { hold: other } = service();
  other.suspend(held({ filter: buildTagFilter('A || B || C || D || E') }));
  assert.ok(other.heldBytes > one, `${other.heldBytes} > ${one}`);
  other.stop();
});

test('a tag filter with no tag ("||") is held apart: woken by no message, counted and removed exactly', () => {
  const queue = new HeldQueue<HeldPull>('T@0');
  const none = held({ filter: buildTagFilter('||') });
  assert.equal(none.filter.codes?.size, 0);
  queue.add(none);
  assert.equal(queue.size, 1);
  const woken: HeldPull[] = [];
  queue.arrived(5n, javaStringHash('A'), undefined, (p) => woken.push(p));
  assert.equal(woken.length, 0, 'no tags code matches an empty tag set (Java)');
  assert.equal(queue.delete(none), true);
  assert.equal(queue.size, 0, 'its queue empties, so the service drops the queue entry');
  queue.add(none);
  queue.arrived(5n, undefined, undefined, (p) => {
    woken.push(p);
    queue.delete(p);
  });
  assert.deepEqual(woken, [none], 'an arrival without details wakes every pull');
  assert.equal(queue.size, 0);
});

test('a pull parked after a message was stored during its read is woken alone', async () => {
  const { hold, reruns } = service();
  const other = held({ filter: buildTagFilter('B') });
  hold.suspend(other);
  const raced = held({ filter: buildTagFilter('A') });
  assert.equal(
    hold.suspend(raced, () => true),
    true,
  );
  const calm = held({ filter: buildTagFilter('A') });
  hold.suspend(calm, () => false);
  await drain(reruns);
  assert.deepEqual(reruns, [raced.request.opaque], 'the other pulls of the queue stay held');
  assert.equal(hold.size, 2);
  hold.stop();
});
