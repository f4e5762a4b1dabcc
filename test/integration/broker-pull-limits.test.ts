/**
 * Long-polling caps at a running broker (issue 10, defect 6), with small caps: a client-chosen hold of
 * 2^31-1 ms ends at maxPullHoldMillis, and a pull beyond maxHeldPullsPerConnection is answered at once
 * PULL_NOT_FOUND (what Java answers a pull it does not suspend) while another connection still parks.
 * And a batch wakes only the held pull its tags match (the index of held pulls by tags code).
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { RemotingClient } from '../../src/transport/index.js';
import { ResponseCode } from '../../src/protocol/codes/response-code.js';
import { createTopic, newClient, pull, sendBatch } from '../helpers/broker-client.js';

let cluster: EmbeddedCluster;
let client: RemotingClient;
let other: RemotingClient;
let addr: string;

before(async () => {
  cluster = await startEmbeddedCluster({
    brokers: [{ maxPullHoldMillis: 1_500, maxHeldPullsPerConnection: 2 }],
  });
  client = newClient();
  other = newClient();
  addr = cluster.brokers[0]!.address;
});

after(async () => {
  await client.shutdown();
  await other.shutdown();
  await cluster.stop();
});

/** A long-polling pull (SUSPEND | SUBSCRIPTION) on an empty queue of TBW102; resolves with code and ms. */
async function longPoll(c: RemotingClient, queueId: number): Promise<{ code: number; millis: number }> {
  const begin = performance.now();
  const r = await pull(
    c,
    addr,
    { topic: 'TBW102', queueId, offset: 0n, sysFlag: 0x4 | 0x2, suspendTimeoutMillis: 2 ** 31 - 1 },
    20_000,
  );
  return { code: r.code, millis: performance.now() - begin };
}

it('a hold of 2^31-1 ms ends at the cap; the third parked pull of one connection is answered at once', async () => {
  const first = longPoll(client, 0);
  const second = longPoll(client, 1);
  await new Promise((r) => setTimeout(r, 300));
  const third = await longPoll(client, 2);
  assert.equal(third.code, ResponseCode.PULL_NOT_FOUND);
  assert.ok(third.millis < 1_000, `answered at once (${third.millis.toFixed(0)} ms)`);
  const elsewhere = longPoll(other, 3);
  for (const held of await Promise.all([first, second, elsewhere])) {
    assert.equal(held.code, ResponseCode.PULL_NOT_FOUND);
    assert.ok(held.millis >= 1_000 && held.millis < 10_000, `held ${held.millis.toFixed(0)} ms`);
  }
});

it('a batch wakes the held pull its tag matches; one whose tag it lacks stays held to its hold time', async () => {
  assert.equal((await createTopic(client, addr, 'HoldTags', 1)).code, ResponseCode.SUCCESS);
  const hold = (c: RemotingClient, subscription: string): Promise<number> =>
    pull(
      c,
      addr,
      { topic: 'HoldTags', offset: 0n, sysFlag: 0x4 | 0x2, subscription, suspendTimeoutMillis: 60_000 },
      20_000,
    ).then((r) => r.code);
  const wanted = hold(client, 'A');
  let unwantedAnswered = false;
  const unwanted = hold(other, 'nomatch').finally(() => (unwantedAnswered = true));
  await new Promise((r) => setTimeout(r, 200));
  const entries = Array.from({ length: 50 }, (_, i) => ({
    body: `m${i}`,
    properties: { TAGS: i === 49 ? 'A' : 'B' },
  }));
  assert.equal((await sendBatch(client, addr, 'HoldTags', entries)).code, ResponseCode.SUCCESS);
  assert.equal(await wanted, ResponseCode.SUCCESS, 'woken by the batch');
  assert.equal(unwantedAnswered, false, 'still held when the matching pull was answered');
  assert.notEqual(await unwanted, ResponseCode.SUCCESS, 'answered at its hold time, with nothing');
});
