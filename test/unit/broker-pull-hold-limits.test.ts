/**
 * Caps of the long-polling hold (issue 10, defect 6): 2,000 pulls parked with a client-chosen hold of
 * 2^31-1 ms took a broker to 1 GB. The hold time is capped, and so are the pulls parked per connection,
 * in all, and the header bytes they keep; a pull beyond a cap is not parked (the caller answers it at
 * once, as Java does for a pull it does not suspend).
 */
import { test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import assert from 'node:assert/strict';
import { PullHoldService } from '../../src/server/broker/pull/pull-hold-service.js';
import type { HeldPull, PullHoldLimits } from '../../src/server/broker/pull/pull-hold-service.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import { silentLogger } from '../../src/common/logger.js';
import type { RemotingChannel } from '../../src/transport/types.js';

let ids = 1;
function channel(): RemotingChannel {
  return {
    id: ids++,
    closed: false,
    remoteAddress: '127.0.0.1:1',
    send: () => Promise.resolve(),
  } as unknown as RemotingChannel;
}

function held(over: Partial<HeldPull> = {}): HeldPull {
  return {
    channel: channel(),
    request: createRequest(11, { extFields: { topic: 'T' } }),
    topic: 'T',
    queueId: 0,
    offset: 5n,
    filter: { codes: undefined },
    holdMillis: 60_000,
    ...over,
  };
}

function service(limits: Partial<PullHoldLimits>, reruns: number[] = []): PullHoldService {
  return new PullHoldService(
    async (_ch, req) => {
      reruns.push(req.opaque);
      return undefined;
    },
    silentLogger,
    limits,
  );
}

test('the client-chosen hold time is capped', async () => {
  const reruns: number[] = [];
  const hold = service({ maxPullHoldMillis: 40 }, reruns);
  assert.equal(
    hold.suspend(held({ request: createRequest(11, { opaque: 1 }), holdMillis: 2 ** 31 - 1 })),
    true,
  );
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(reruns, [1], 're-run (answered PULL_NOT_FOUND) at the cap, not after 24 days');
  assert.equal(hold.size, 0);
  hold.stop();
});

test('at most maxHeldPullsPerConnection per connection; a re-run or dropped pull frees its place', async () => {
  const hold = service({ maxHeldPullsPerConnection: 2 });
  const mine = channel();
  const other = channel();
  assert.equal(hold.suspend(held({ channel: mine })), true);
  assert.equal(hold.suspend(held({ channel: mine, queueId: 1 })), true);
  assert.equal(hold.suspend(held({ channel: mine, queueId: 2 })), false, 'third of one connection');
  assert.equal(hold.suspend(held({ channel: other })), true, 'another connection still parks');
  assert.equal(hold.size, 3);
  hold.onMessageArrived('T', 1, 5n); // wakes mine's queue-1 pull
  assert.equal(hold.suspend(held({ channel: mine, queueId: 2 })), false, 'woken, not yet re-run');
  await nextTurn();
  assert.equal(hold.suspend(held({ channel: mine, queueId: 2 })), true);
  hold.onChannelClosed(mine);
  assert.equal(hold.size, 1);
  assert.equal(hold.suspend(held({ channel: mine })), true);
  assert.equal(hold.refusedCount, 2);
  hold.stop();
});

test('at most maxHeldPulls in all', () => {
  const hold = service({ maxHeldPulls: 3 });
  for (let i = 0; i < 3; i++) assert.equal(hold.suspend(held()), true);
  assert.equal(hold.suspend(held()), false);
  assert.equal(hold.size, 3);
  hold.stop();
  assert.equal(hold.suspend(held()), false, 'stopped');
});

test('the header bytes kept by parked pulls are capped; the request body is not kept', async () => {
  const hold = service({ maxHeldPullBytes: 10_000 });
  const big = (): HeldPull =>
    held({ request: createRequest(11, { extFields: { subscription: 'x'.repeat(4000) } }) });
  assert.equal(hold.suspend(big()), true);
  assert.equal(hold.suspend(big()), true);
  assert.equal(hold.suspend(big()), false, 'a third 4 kB header would pass 10 kB');
  assert.equal(hold.suspend(held()), true, 'a small one still fits');
  hold.stop();
  assert.equal(hold.heldBytes, 0);

  let rerunBody: Buffer | undefined = Buffer.alloc(1);
  const keeps = new PullHoldService(async (_ch, req) => {
    rerunBody = req.body;
    return undefined;
  }, silentLogger);
  const request = createRequest(11, { extFields: { topic: 'T' }, body: Buffer.alloc(1 << 20) });
  assert.equal(keeps.suspend(held({ request })), true);
  keeps.onMessageArrived('T', 0, 5n);
  await nextTurn();
  assert.equal(rerunBody, undefined, 'a pull has no body; a hostile one is not kept while parked');
  keeps.stop();
});

test('limits are validated', () => {
  assert.throws(() => service({ maxPullHoldMillis: -1 }), RangeError);
  assert.throws(() => service({ maxHeldPulls: 1.5 }), RangeError);
});
