/** PullHoldService filters (Java notifyMessageArriving): tag codes and SQL92 selectors decide who wakes. */
import { test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import assert from 'node:assert/strict';
import { PullHoldService } from '../../src/server/broker/pull/pull-hold-service.js';
import type { HeldPull } from '../../src/server/broker/pull/pull-hold-service.js';
import { buildTagFilter } from '../../src/server/broker/pull/pull-requests.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import { compileSql92 } from '../../src/protocol/filter/index.js';
import { encodeProperties } from '../../src/protocol/message/properties.js';
import { javaStringHash } from '../../src/protocol/java/string-hash.js';
import { silentLogger } from '../../src/common/logger.js';
import type { RemotingChannel } from '../../src/transport/types.js';

let ids = 1;
const channel = (): RemotingChannel =>
  ({
    id: ids++,
    closed: false,
    remoteAddress: '127.0.0.1:1',
    send: () => Promise.resolve(),
  }) as unknown as RemotingChannel;

function held(opaque: number, over: Partial<HeldPull>): HeldPull {
  return {
    channel: channel(),
    request: createRequest(11, { opaque }),
    topic: 'T',
    queueId: 0,
    offset: 0n,
    filter: { codes: undefined },
    holdMillis: 60_000,
    ...over,
  };
}

const arrival = (props: Record<string, string>): { tagsCode: bigint; properties: string } => ({
  tagsCode: BigInt(props.TAGS === undefined ? 0 : javaStringHash(props.TAGS)),
  properties: encodeProperties(props),
});

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
