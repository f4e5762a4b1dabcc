/** ConsumerFilterTable (Java ConsumerFilterManager): versions, recompiles, removal, pruning, the parse cache. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConsumerFilterTable } from '../../src/server/broker/core/consumer-filters.js';
import type { SubscriptionData } from '../../src/protocol/body/heartbeat.js';
import { Sql92SyntaxError } from '../../src/protocol/filter/index.js';

const sub = (
  topic: string,
  subString: string,
  subVersion: number,
  expressionType = 'SQL92',
): SubscriptionData => ({
  topic,
  subString,
  subVersion,
  expressionType,
  tagsSet: [],
  codeSet: [],
  classFilterMode: false,
});

test('registered per topic and group, replaced only by a newer version, removed when it stops compiling', () => {
  const t = new ConsumerFilterTable();
  t.register('G', [sub('T', 'a > 1', 10), sub('U', 'TagA', 10, 'TAG')]);
  assert.equal(t.size, 1, 'tag subscriptions have no entry');
  assert.equal(t.get('T', 'G')?.selector.matches({ a: '2' }), true);
  t.register('G', [sub('T', 'a > 5', 9)]);
  assert.equal(t.get('T', 'G')?.expression, 'a > 1', 'an older version is ignored');
  t.register('G', [sub('T', 'a > 1', 12)]);
  assert.equal(t.get('T', 'G')?.clientVersion, 12, 'same expression: the version moves on');
  t.register('G', [sub('T', 'a > 5', 13)]);
  assert.equal(t.get('T', 'G')?.selector.matches({ a: '2' }), false);
  t.register('G', [sub('T', 'a >', 14)]);
  assert.equal(
    t.get('T', 'G'),
    undefined,
    "a newer expression that does not compile: Java's FILTER_DATA_NOT_EXIST",
  );
  t.register('G', [sub('T', 'a = 1 trailing', 15)]);
  assert.ok(t.get('T', 'G'), 'the broker ignores what follows a complete expression, as Java');
  t.register('G', [sub('V', 'b IS NULL', 1)]);
  assert.equal(t.get('T', 'G'), undefined, 'a topic the group no longer subscribes is dropped');
  t.register('H', [sub('V', 'b IS NULL', 1)]);
  t.retainGroups((g) => g === 'H');
  assert.deepEqual([t.get('V', 'G'), t.get('V', 'H')?.group], [undefined, 'H']);
  t.unregisterGroup('H');
  assert.equal(t.size, 0);
});

test('pulls with their own expression compile through a cache that remembers failures too', () => {
  const t = new ConsumerFilterTable();
  const a = t.compileCached('a = 1', 'SQL92');
  assert.equal(t.compileCached('a = 1', 'SQL92'), a);
  assert.throws(() => t.compileCached('a = ', 'SQL92'), Sql92SyntaxError);
  assert.throws(() => t.compileCached('a = ', 'SQL92'), Sql92SyntaxError);
  assert.throws(() => t.compileCached('a = 1', 'CLASS'), /no filter of expression type CLASS/);
  for (let i = 0; i < 150; i++) t.compileCached(`a = ${i}`, 'SQL92');
  assert.notEqual(t.compileCached('a = 1', 'SQL92'), a, 'evicted after 100 newer entries');
});
