/**
 * Transactions across broker crashes. A child-process broker is SIGKILLed (rounds: byTier) with
 *  - a half message sent and never ended: after the restart the check reaches the producer group and
 *    its commit answer delivers the message once;
 *  - a commit acknowledged before the kill: after the restart it is never checked, a repeated END
 *    is answered SUCCESS, and the message is delivered exactly once.
 * And, in process: a commit whose message was written but whose op record was not (the crash window
 * between the two writes) is found at the next start instead of being checked and written twice.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Broker } from '../../src/server/broker/index.js';
import { ResponseCode } from '../../src/protocol/codes/response-code.js';
import { decodeProperties } from '../../src/protocol/message/properties.js';
import { commitInput, realTarget } from '../../src/server/broker/transaction/half-messages.js';
import { newClient, pullAll } from '../helpers/broker-client.js';
import { startBrokerProcess } from '../helpers/broker-process.js';
import type { BrokerProcess } from '../helpers/broker-process.js';
import { byTier } from '../helpers/tier.js';
import { CheckCatcher, TX, endHalf, sendHalf } from '../helpers/transaction-client.js';
import { waitFor } from '../helpers/wait.js';

const TX_OPTIONS = {
  transactionCheckIntervalMillis: 50,
  transactionTimeoutMillis: 200,
  transactionCheckMax: 1000,
};
const dirs: string[] = [];
const children: BrokerProcess[] = [];

after(() => {
  for (const c of children) c.child.kill('SIGKILL');
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function tempStore(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rmq-tx-kill-'));
  dirs.push(dir);
  return dir;
}

function countKey(records: { properties: string }[], uniqKey: string): number {
  return records.filter((r) => decodeProperties(r.properties).UNIQ_KEY === uniqKey).length;
}

describe('transactions and SIGKILL', () => {
  it('checks a half sent before the kill and never re-delivers a commit acknowledged before it', async () => {
    const store = tempStore();
    const client = newClient();
    try {
      // Each round: a child-process broker is SIGKILLed, the same store is reopened in process.
      for (let round = 0; round < byTier(1, 5); round++) {
        const child = await startBrokerProcess(store, 'ASYNC_FLUSH', 30_000, TX_OPTIONS);
        children.push(child);
        const topic = `TX_KILL_${round}`;
        const group = `PG_KILL_${round}`;
        const committed = await sendHalf(client, child.address, { topic, group, body: 'committed' });
        const end = await endHalf(client, child.address, committed, TX.COMMIT);
        assert.equal(end.code, ResponseCode.SUCCESS);
        const open = await sendHalf(client, child.address, { topic, group, body: 'open' });
        assert.equal(open.response.code, ResponseCode.SUCCESS);
        // The broker saves topics.json in the background: a topic created just before a SIGKILL
        // would be lost with it (not what this test is about), so wait for the save.
        await waitFor('the topic saved', () =>
          fs.readFileSync(path.join(store, 'config', 'topics.json'), 'utf8').includes(`"${topic}"`)
            ? true
            : undefined,
        );
        child.child.kill('SIGKILL');
        await child.exited;

        const broker = new Broker({ storePath: store, port: 0, namesrvAddrs: [], ...TX_OPTIONS });
        await broker.start();
        const producer = new CheckCatcher(`10.0.1.${round}@kill`);
        try {
          await producer.heartbeat(broker.address, group);
          const check = await waitFor('the check of the open half', () =>
            producer.checks.find((c) => c.header.msgId === open.uniqKey),
          );
          // The open half comes after the committed one in the half queue: that one was passed over.
          assert.equal(producer.checks.filter((c) => c.header.msgId === committed.uniqKey).length, 0);
          const answer = await producer.answer(broker.address, check, group, TX.COMMIT);
          assert.equal(answer.code, ResponseCode.SUCCESS);
          const again = await endHalf(client, broker.address, committed, TX.COMMIT);
          assert.equal(
            again.code,
            ResponseCode.SUCCESS,
            'a repeated END after the restart is answered as done',
          );
          const got = await pullAll(client, broker.address, topic, 0);
          assert.equal(countKey(got, committed.uniqKey), 1, 'the acknowledged commit is delivered once');
          assert.equal(countKey(got, open.uniqKey), 1, 'the checked commit is delivered once');
        } finally {
          await producer.client.shutdown();
          await broker.shutdown();
        }
      }
    } finally {
      await client.shutdown();
    }
  });

  it('finds at start a commit written just before a crash without its op record', async () => {
    const storePath = tempStore();
    const client = newClient();
    const options = { storePath, port: 0, namesrvAddrs: [], ...TX_OPTIONS };
    // The first run must not check (and put back) the half itself: its commit is written below
    // behind the service's back, which a real commit never is.
    let broker = new Broker({ ...options, transactionTimeoutMillis: 600_000 });
    await broker.start();
    try {
      const half = await sendHalf(client, broker.address, { topic: 'TX_WINDOW', group: 'PG_WINDOW' });
      const sentinel = await sendHalf(client, broker.address, { topic: 'TX_WINDOW', group: 'PG_WINDOW' });
      // The first of the commit's two writes, as a crash between them leaves it.
      const record = await broker.transactions.store.lookHalf(half.commitLogOffset);
      assert.ok(record);
      const target = realTarget(decodeProperties(record.properties));
      assert.ok(target);
      assert.equal((await broker.store.putMessage(commitInput(record, target))).status, 'PUT_OK');
      await broker.shutdown();

      broker = new Broker(options);
      await broker.start();
      const producer = new CheckCatcher('10.0.2.1@window');
      try {
        await producer.heartbeat(broker.address, 'PG_WINDOW');
        const check = await waitFor('the sentinel check', () =>
          producer.checks.find((c) => c.header.msgId === sentinel.uniqKey),
        );
        assert.equal(producer.checks.filter((c) => c.header.msgId === half.uniqKey).length, 0);
        await producer.answer(broker.address, check, 'PG_WINDOW', TX.ROLLBACK);
      } finally {
        await producer.client.shutdown();
      }
      const late = await endHalf(client, broker.address, half, TX.COMMIT);
      assert.equal(late.code, ResponseCode.SUCCESS);
      const got = await pullAll(client, broker.address, 'TX_WINDOW', target.queueId);
      assert.equal(countKey(got, half.uniqKey), 1);
      assert.equal(countKey(got, sentinel.uniqKey), 0);
    } finally {
      await client.shutdown();
      await broker.shutdown();
    }
  });
});
