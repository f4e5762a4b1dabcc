/**
 * Producer failover against real embedded brokers: a stopped broker (sync and async retries), latency
 * fault tolerance with a fake clock, a broker that never answers (time budget), a broker back on a
 * new port. Each test builds its own cluster.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { Producer } from '../../src/client/index.js';
import type { ProducerOptions, SendMessageContext } from '../../src/client/index.js';
import { MQClientError, RemotingTooMuchRequestError } from '../../src/common/errors.js';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import {
  createTopic,
  recordingLogger,
  routeBrokers,
  startBlackHoleBroker,
  waitFor,
} from './producer-helpers.js';

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

async function cluster2(topic: string, queues = 2): Promise<EmbeddedCluster> {
  const c = await startEmbeddedCluster({ brokers: 2 });
  cleanups.push(() => c.stop());
  await createTopic(c, topic, queues);
  return c;
}

async function producerFor(
  c: EmbeddedCluster | string,
  options: Partial<ProducerOptions> = {},
): Promise<Producer> {
  const p = new Producer({
    producerGroup: 'PG_failover',
    nameServer: typeof c === 'string' ? c : c.namesrvAddress,
    ...options,
  });
  await p.start();
  cleanups.push(() => p.shutdown());
  return p;
}

function attemptRecorder(p: Producer): { attempts: string[] } {
  const attempts: string[] = [];
  p.registerSendMessageHook({
    hookName: 'attempts',
    sendMessageBefore: () => undefined,
    sendMessageAfter: (ctx: SendMessageContext) =>
      attempts.push(`${ctx.mq.brokerName}:${ctx.exception ? 'fail' : 'ok'}`),
  });
  return { attempts };
}

class FakeClock {
  t = 1_000_000;
  now(): number {
    return this.t;
  }
}

describe('producer failover (embedded cluster)', () => {
  it('one of two brokers stopped: sync sends succeed through a retry on the other', async () => {
    const c = await cluster2('FT1');
    const p = await producerFor(c);
    const { attempts } = attemptRecorder(p);
    const warm = new Set<string>();
    for (let i = 0; i < 4; i++)
      warm.add((await p.send({ topic: 'FT1', body: `warm ${i}` })).messageQueue.brokerName);
    assert.deepEqual([...warm].sort(), ['broker-a', 'broker-b']);
    await c.stopBroker(0);
    attempts.length = 0;
    for (let i = 0; i < 4; i++) {
      const r = await p.send({ topic: 'FT1', body: `after stop ${i}` });
      assert.equal(r.messageQueue.brokerName, 'broker-b');
    }
    assert.ok(attempts.includes('broker-a:fail'), attempts.join(' '));
    assert.equal(attempts.filter((a) => a === 'broker-b:ok').length, 4);
  });

  it('async retries land on the other broker', async () => {
    // A broker that stays routed but refuses connections, so every attempt on it fails (stopping a real
    // broker would race the route refresh its closed connection triggers).
    const c = await startEmbeddedCluster({ brokers: 1 });
    cleanups.push(() => c.stop());
    await createTopic(c, 'FT2', 2);
    const dead = await startBlackHoleBroker(c.namesrvAddress, 'broker-dead', [['FT2', 2]], { refuse: true });
    cleanups.push(() => dead.close());
    await waitFor('dead broker routed', async () =>
      (await routeBrokers(c.namesrvAddress, 'FT2'))?.length === 2 ? true : undefined,
    );
    const logger = recordingLogger();
    const p = await producerFor(c, { logger });
    // Four concurrent sends over the four queues [a0, a1, dead0, dead1]: round robin puts two on broker-dead.
    const results = await Promise.all(
      [0, 1, 2, 3].map((i) => p.sendAsync({ topic: 'FT2', body: `async ${i}` })),
    );
    for (const r of results) assert.equal(r.messageQueue.brokerName, 'broker-a');
    assert.ok(
      logger.warnings.some(
        (w) =>
          w.includes('async send failed, retrying') && w.includes('"from":"broker-dead","to":"broker-a"'),
      ),
      logger.warnings.join('\n'),
    );
  });

  it('latency fault tolerance avoids the stopped broker until its isolation ends, then uses it again', async () => {
    const c = await cluster2('FT3');
    const clock = new FakeClock();
    const p = await producerFor(c, {
      sendLatencyFaultEnable: true,
      // Only failures (isolation latency 30000 ms) isolate, for 5000 ms of the fake clock.
      notAvailableDuration: [0, 0, 0, 0, 0, 0, 5000],
      clock,
      pollNameServerInterval: 100,
    });
    const { attempts } = attemptRecorder(p);
    const used = async (n: number): Promise<string[]> => {
      const out: string[] = [];
      for (let i = 0; i < n; i++)
        out.push((await p.send({ topic: 'FT3', body: `m${i}` })).messageQueue.brokerName);
      return out;
    };
    assert.deepEqual([...new Set(await used(6))].sort(), ['broker-a', 'broker-b']);
    // Stop broker-a and keep it routed at its old address (nothing listens there): otherwise the route
    // refresh its closed connection triggers could drop it before any attempt fails on it.
    const oldPort = c.brokers[0]!.port;
    await c.stopBroker(0);
    const dead = await startBlackHoleBroker(c.namesrvAddress, 'broker-a', [['FT3', 2]], {
      refuse: true,
      port: oldPort,
    });
    cleanups.push(() => dead.close());
    attempts.length = 0;
    await waitFor('a failed attempt on broker-a', async () => {
      await used(1);
      return attempts.includes('broker-a:fail') ? true : undefined;
    });
    const item = p.faultStrategy.latencyFaultTolerance.faultItems().find((i) => i.name === 'broker-a');
    assert.equal(item?.startTimestamp, clock.t + 5000);
    await dead.close();
    await c.startBroker(0);
    // The periodic refresh brings broker-a back into the publish info...
    await waitFor('broker-a routed again', () =>
      p.topicPublishInfoTable.get('FT3')?.messageQueueList.some((q) => q.brokerName === 'broker-a')
        ? true
        : undefined,
    );
    // ...but it stays isolated until the fake clock passes its start timestamp.
    assert.deepEqual([...new Set(await used(8))], ['broker-b']);
    clock.t += 5000;
    assert.ok((await used(8)).includes('broker-a'));
  });

  it('a broker that never answers: retry on the other broker within the budget', async () => {
    const c = await startEmbeddedCluster({ brokers: 1 });
    cleanups.push(() => c.stop());
    await createTopic(c, 'BH', 2);
    const hole = await startBlackHoleBroker(c.namesrvAddress, 'broker-hole', [
      ['BH', 2],
      ['BH_ONLY', 2],
    ]);
    cleanups.push(() => hole.close());
    await waitFor('hole routed', async () =>
      (await routeBrokers(c.namesrvAddress, 'BH'))?.length === 2 ? true : undefined,
    );
    const p = await producerFor(c, { sendMsgTimeout: 3000, sendMsgMaxTimeoutPerRequest: 400 });
    const { attempts } = attemptRecorder(p);
    for (let i = 0; i < 4; i++) {
      const r = await p.send({ topic: 'BH', body: `m${i}` });
      assert.equal(r.messageQueue.brokerName, 'broker-a');
    }
    assert.ok(attempts.includes('broker-hole:fail'), attempts.join(' '));
  });

  it('a broker that never answers: the send fails when the one budget is used up', async () => {
    const c = await startEmbeddedCluster({ brokers: 1 });
    cleanups.push(() => c.stop());
    const hole = await startBlackHoleBroker(c.namesrvAddress, 'broker-hole', [['BH_ONLY', 2]]);
    cleanups.push(() => hole.close());
    const p = await producerFor(c, { sendMsgTimeout: 600 });
    const { attempts } = attemptRecorder(p);
    const t0 = Date.now();
    await assert.rejects(p.send({ topic: 'BH_ONLY', body: 'x' }), RemotingTooMuchRequestError);
    // One attempt used the whole budget; no second attempt was started (bound is generous on purpose).
    assert.deepEqual(attempts, ['broker-hole:fail']);
    assert.ok(Date.now() - t0 < 600 + 2000);
    const p2 = await producerFor(c, {
      producerGroup: 'PG_capped',
      sendMsgTimeout: 900,
      sendMsgMaxTimeoutPerRequest: 250,
    });
    await assert.rejects(p2.send({ topic: 'BH_ONLY', body: 'x' }), (e: unknown) => {
      assert.ok(e instanceof MQClientError || e instanceof RemotingTooMuchRequestError, String(e));
      return true;
    });
  });

  it('the route is refreshed after a broker comes back on a new port', async () => {
    const c = await startEmbeddedCluster({ brokers: 1 });
    cleanups.push(() => c.stop());
    await createTopic(c, 'MOVE', 2);
    const p = await producerFor(c);
    const { attempts } = attemptRecorder(p);
    const oldAddr = c.brokers[0]!.address;
    assert.equal((await p.send({ topic: 'MOVE', body: 'before' })).sendStatus, 'SEND_OK');
    await c.stopBroker(0);
    const moved = await c.startBroker(0, { port: 0 });
    assert.notEqual(moved.address, oldAddr);
    await waitFor('new address routed', async () =>
      (await routeBrokers(c.namesrvAddress, 'MOVE'))?.[0] === `broker-a@${moved.address}` ? true : undefined,
    );
    attempts.length = 0;
    const r = await p.send({ topic: 'MOVE', body: 'after' });
    assert.equal(r.sendStatus, 'SEND_OK');
    assert.equal(p.instance.findBrokerAddressInPublish('broker-a'), moved.address);
    assert.deepEqual(attempts, ['broker-a:fail', 'broker-a:ok']);
  });
});
