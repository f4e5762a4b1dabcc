/** PullHoldService without a network: which held pulls wake, and which are never parked. */
import { test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import assert from 'node:assert/strict';
import { PullHoldService } from '../../src/server/broker/pull/pull-hold-service.js';
import type { HeldPull } from '../../src/server/broker/pull/pull-hold-service.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import { silentLogger } from '../../src/common/logger.js';
import type { RemotingChannel } from '../../src/transport/types.js';

let ids = 1;
function channel(closed = false): RemotingChannel {
  return {
    id: ids++,
    closed,
    remoteAddress: '127.0.0.1:1',
    send: () => Promise.resolve(),
  } as unknown as RemotingChannel;
}

function held(over: Partial<HeldPull>): HeldPull {
  return {
    channel: channel(),
    request: createRequest(11, {}),
    topic: 'T',
    queueId: 0,
    offset: 5n,
    filter: { codes: undefined },
    holdMillis: 60_000,
    ...over,
  };
}

test('a pull whose connection closed while it read the store is not parked', () => {
  const reruns: number[] = [];
  const hold = new PullHoldService(async (ch) => {
    reruns.push(ch.id);
    return undefined;
  }, silentLogger);
  hold.suspend(held({ channel: channel(true) }));
  assert.equal(hold.size, 0);
  hold.stop();
});

test('wakeups go to the pulls of the right queue at or below the new offset; close drops them', async () => {
  const reruns: string[] = [];
  const hold = new PullHoldService(async (_ch, req) => {
    reruns.push(String(req.opaque));
    return undefined;
  }, silentLogger);
  const a = held({ request: createRequest(11, { opaque: 1 }) });
  const b = held({ request: createRequest(11, { opaque: 2 }), queueId: 1 });
  const c = held({ request: createRequest(11, { opaque: 3 }), offset: 9n });
  // A hold time past the 32-bit timer range must not turn into an immediate wakeup.
  const d = held({ request: createRequest(11, { opaque: 4 }), offset: 100n, holdMillis: 2 ** 40 });
  for (const p of [a, b, c, d]) hold.suspend(p);
  assert.equal(hold.size, 4);
  hold.onMessageArrived('T', 0, 5n);
  await nextTurn(); // woken pulls are re-run from the next turn on
  assert.deepEqual(reruns, ['1']);
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(reruns, ['1'], 'd still held');
  hold.onChannelClosed(b.channel);
  assert.equal(hold.size, 2, 'c and d are left');
  hold.stop();
  assert.equal(hold.size, 0);
});
