/** PullHoldService filters (Java notifyMessageArriving): tag codes and SQL92 selectors decide who wakes. */
import { test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import assert from 'node:assert/strict';
import { PullHoldService } from '../../src/server/broker/pull/pull-hold-service.js';
import { buildTagFilter } from '../../src/server/broker/pull/pull-requests.js';
import { compileSql92 } from '../../src/protocol/filter/index.js';
import { silentLogger } from '../../src/common/logger.js';
import { arrival, heldPull } from '../helpers/held-pulls.js';

const held = heldPull;

test('a held pull wakes only for a message passing its tag or SQL92 filter', async () => {
  const woken: number[] = [];
  const hold = new PullHoldService(async (_ch, req) => {
    woken.push(req.opaque);
    return undefined;
  }, silentLogger);
  hold.suspend(held(1, { filter: buildTagFilter('A || B') }));
  hold.suspend(held(2, { selector: compileSql92("region = 'eu' AND a > 3") }));
  hold.suspend(held(3, {}));
  hold.onMessageArrived('T', 0, 0n, arrival({ TAGS: 'C', region: 'eu', a: '1' }));
  await nextTurn();
  assert.deepEqual(woken, [3]);
  hold.onMessageArrived('T', 0, 1n, arrival({ TAGS: 'B', region: 'us', a: '9' }));
  await nextTurn();
  assert.deepEqual(woken, [3, 1]);
  hold.onMessageArrived('T', 0, 2n, arrival({ region: 'eu', a: 'x' })); // evaluation fails: no match
  await nextTurn();
  assert.equal(hold.size, 1);
  hold.onMessageArrived('T', 0, 3n, arrival({ region: 'eu', a: '4' }));
  await nextTurn();
  assert.deepEqual(woken, [3, 1, 2]);
  assert.equal(hold.size, 0);
  hold.stop();
});

test('without arrival details every waiting pull wakes (as before)', async () => {
  const woken: number[] = [];
  const hold = new PullHoldService(async (_ch, req) => {
    woken.push(req.opaque);
    return undefined;
  }, silentLogger);
  hold.suspend(held(1, { filter: buildTagFilter('A') }));
  hold.suspend(held(2, { selector: compileSql92('a > 3') }));
  hold.onMessageArrived('T', 0, 0n);
  await nextTurn();
  assert.deepEqual(woken, [1, 2]);
  hold.stop();
});
