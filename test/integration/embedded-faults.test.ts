/**
 * Fault injection in an embedded cluster, seen by a real producer: SYSTEM_BUSY answered by one broker
 * (the producer retries on the other), a chosen response code, latency past the send budget, a dropped
 * connection, refused connections, stalled flushes (FLUSH_DISK_TIMEOUT on a SYNC_FLUSH broker), rules
 * changed at run time and kept across a broker restart. One cluster for the file.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { Producer } from '../../src/client/index.js';
import type { SendMessageContext } from '../../src/client/index.js';
import { MQBrokerError, MQClientError, RemotingError } from '../../src/common/errors.js';
import { ResponseCode } from '../../src/protocol/codes/index.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import { RequestCode } from '../../src/protocol/codes/index.js';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import { RemotingClient } from '../../src/transport/remoting-client.js';
import { createTopic } from './producer-helpers.js';
import { LONG_TIER } from '../helpers/tier.js';

const SENDS = ['SEND_MESSAGE', 'SEND_MESSAGE_V2'];
let cluster: EmbeddedCluster;
let producer: Producer;
const attempts: string[] = [];

before(async () => {
  cluster = await startEmbeddedCluster({
    // broker-b flushes synchronously with a short flush timeout, for the stalled-flush test.
    brokers: [{}, { flushDiskType: 'SYNC_FLUSH', syncFlushTimeoutMillis: 150 }],
    faults: { seed: 1, rules: [{ broker: 0, kind: 'busy', codes: SENDS, count: 1 }] },
  });
  await createTopic(cluster, 'FaultT', 2);
  producer = new Producer({ producerGroup: 'PG_faults', nameServer: cluster.namesrvAddress });
  await producer.start();
  producer.registerSendMessageHook({
    hookName: 'attempts',
    sendMessageBefore: () => undefined,
    sendMessageAfter: (ctx: SendMessageContext) =>
      attempts.push(
        `${ctx.mq.brokerName}:${ctx.exception instanceof MQBrokerError ? ctx.exception.code : ctx.exception ? 'fail' : 'ok'}`,
      ),
  });
});

after(async () => {
  await producer?.shutdown();
  await cluster?.stop();
});

afterEach(() => {
  cluster.broker(0).clear();
  cluster.broker(1).clear();
  attempts.length = 0;
});

/** Sends until one attempt went to broker-a (round robin: the first or the second send). */
async function sendUntilBrokerA(body: string, timeoutMillis?: number): Promise<void> {
  for (let i = 0; i < 4 && !attempts.some((a) => a.startsWith('broker-a')); i++) {
    await producer.send({ topic: 'FaultT', body: `${body} ${i}` }, timeoutMillis);
  }
}

describe('embedded cluster faults', () => {
  it('SYSTEM_BUSY from one broker: the producer retries on the other (rule from the options, count 1)', async () => {
    const busy = cluster.broker(0).active[0];
    assert.equal(busy?.rule.kind, 'busy');
    await sendUntilBrokerA('busy');
    assert.ok(attempts.includes(`broker-a:${ResponseCode.SYSTEM_BUSY}`), attempts.join(' '));
    assert.equal(attempts.at(-1), 'broker-b:ok');
    assert.equal(busy?.hits, 1);
    assert.equal(busy?.active, false, 'spent after count');
    assert.deepEqual(cluster.broker(0).active, []);
  });

  it('a chosen response code, non-retriable: the send fails with it; clear() restores the broker', async () => {
    for (const i of [0, 1])
      cluster.broker(i).inject({ kind: 'respond', code: 'MESSAGE_ILLEGAL', remark: 'nope' });
    const err = await producer.send({ topic: 'FaultT', body: 'x' }).catch((e: unknown) => e);
    assert.ok(err instanceof MQBrokerError, String(err));
    assert.equal(err.code, ResponseCode.MESSAGE_ILLEGAL);
    assert.equal(err.remark, 'nope');
    cluster.broker(0).clear();
    cluster.broker(1).clear();
    assert.equal((await producer.send({ topic: 'FaultT', body: 'y' })).sendStatus, 'SEND_OK');
  });

  it('latency beyond the budget times the send out; a topic filter leaves other topics alone', async () => {
    for (const i of [0, 1]) cluster.broker(i).inject({ kind: 'latency', millis: 400, topics: ['FaultT'] });
    const err = await producer.send({ topic: 'FaultT', body: 'slow' }, 150).catch((e: unknown) => e);
    // As Java's sendDefaultImpl: RemotingTooMuchRequestError when the budget is spent before a retry,
    // or, when the first attempt's timeout fires with a millisecond of the budget left, retries that
    // each fail at once ("sendKernelImpl call timeout") and the "Send [3] times" error around the last.
    const timedOut = err instanceof MQClientError ? err.cause : err;
    assert.ok(timedOut instanceof RemotingError, String(err));
    assert.match(String(timedOut), /timeout/i);
    await createTopic(cluster, 'FaultOther', 1);
    assert.equal((await producer.send({ topic: 'FaultOther', body: 'fast' }, 2000)).sendStatus, 'SEND_OK');
  });

  it('a dropped connection: the attempt fails and the retry lands on the other broker', async () => {
    const drop = cluster.broker(0).inject({ kind: 'drop', codes: SENDS, count: 1 });
    await sendUntilBrokerA('drop');
    assert.ok(attempts.includes('broker-a:fail'), attempts.join(' '));
    assert.equal(attempts.at(-1), 'broker-b:ok');
    assert.equal(drop.hits, 1);
  });

  it('refused connections: new connections are closed until the count is spent', async () => {
    const refuse = cluster.broker(0).inject({ kind: 'refuseConnections', count: 2 });
    const address = cluster.brokers[0]?.address ?? '';
    const client = new RemotingClient({ connectTimeoutMillis: 1000 });
    try {
      const ask = () =>
        client.invokeSync(address, createRequest(RequestCode.GET_BROKER_RUNTIME_INFO), 1000).then(
          (r) => r.code,
          (e: unknown) => (e instanceof RemotingError ? 'refused' : e),
        );
      assert.equal(await ask(), 'refused');
      assert.equal(await ask(), 'refused');
      assert.equal(await ask(), ResponseCode.SUCCESS);
      assert.equal(refuse.hits, 2);
    } finally {
      await client.shutdown();
    }
  });

  // A broker restart costs about a second: the long tier checks that rules stay with their slot.
  it('rules stay with the broker slot across a restart', { skip: !LONG_TIER }, async () => {
    const busy = cluster.broker(0).inject({ kind: 'busy', codes: ['GET_BROKER_RUNTIME_INFO'] });
    await cluster.stopBroker(0);
    const broker = await cluster.startBroker(0);
    const client = new RemotingClient();
    try {
      const r = await client.invokeSync(
        broker.address,
        createRequest(RequestCode.GET_BROKER_RUNTIME_INFO),
        1000,
      );
      assert.equal(r.code, ResponseCode.SYSTEM_BUSY);
      assert.equal(busy.hits, 1);
    } finally {
      await client.shutdown();
    }
  });

  it('stalled flushes: a SYNC_FLUSH broker answers FLUSH_DISK_TIMEOUT until the stall is removed', async () => {
    const stall = cluster.broker(1).inject({ kind: 'stallFlush' });
    const queue = (await producer.fetchPublishMessageQueues('FaultT')).find(
      (q) => q.brokerName === 'broker-b',
    );
    assert.ok(queue);
    const stalled = await producer.sendToQueue({ topic: 'FaultT', body: 'stalled' }, queue);
    assert.equal(stalled.sendStatus, 'FLUSH_DISK_TIMEOUT');
    assert.ok(stall.hits >= 1);
    stall.remove();
    assert.equal(
      (await producer.sendToQueue({ topic: 'FaultT', body: 'flushed' }, queue)).sendStatus,
      'SEND_OK',
    );
  });

  it('refuses a bad rule whole, naming what to change', () => {
    assert.throws(() => cluster.broker(0).inject({ kind: 'latency' }), /needs millis/);
    assert.throws(() => cluster.broker(0).inject({ kind: 'busy', fraction: 2 }), /fraction must be/);
    assert.throws(
      () => cluster.broker(0).inject({ kind: 'busy', codes: ['NOPE'] }),
      /unknown request code "NOPE"/,
    );
    assert.throws(
      () => cluster.broker(0).inject({ kind: 'stallFlush', codes: [10] }),
      /does not select requests/,
    );
    assert.throws(() => cluster.broker(5), /no broker #5/);
    assert.deepEqual(cluster.broker(0).active, []);
  });
});
