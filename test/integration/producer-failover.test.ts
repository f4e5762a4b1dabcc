/**
 * Producer failover against real embedded brokers: a stopped broker (sync and async retries), latency
 * fault tolerance with a fake clock, a broker that never answers (time budget), a broker back on a
 * new port. Each test builds its own cluster.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { performance } from 'node:perf_hooks';
import { Producer } from '../../src/client/index.js';
import { producerCore } from '../../src/client/producer/producer.js';
import type { ProducerOptions, SendMessageContext } from '../../src/client/index.js';
import {
  ClientErrorCode,
  MQClientError,
  RemotingError,
  RemotingTimeoutError,
  RemotingTooMuchRequestError,
} from '../../src/common/errors.js';
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

/**
 * broker-a serving `topic` (2 queues) and broker-dead, routed with 2 queues of it but refusing
 * connections: every attempt on it fails, deterministically (stopping a real broker would race the
 * route refresh its closed connection triggers).
 */
async function clusterWithDeadBroker(topic: string): Promise<EmbeddedCluster> {
  const c = await startEmbeddedCluster({ brokers: 1 });
  cleanups.push(() => c.stop());
  await createTopic(c, topic, 2);
  const dead = await startBlackHoleBroker(c.namesrvAddress, 'broker-dead', [[topic, 2]], { refuse: true });
  cleanups.push(() => dead.close());
  await waitFor('dead broker routed', async () =>
    (await routeBrokers(c.namesrvAddress, topic))?.length === 2 ? true : undefined,
  );
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
  it('one of two brokers stopped: sync sends succeed on the other', async () => {
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
    // Whether a send still tried broker-a depends on a race: its closed connection makes the producer
    // refresh the route, which may drop broker-a first. The retry itself is the next test's.
    assert.ok(
      attempts.every((a) => a === 'broker-a:fail' || a === 'broker-b:ok'),
      attempts.join(' '),
    );
    assert.equal(attempts.filter((a) => a === 'broker-b:ok').length, 4);
  });

  it('sync sends retry on the other broker when the chosen one refuses connections', async () => {
    const c = await clusterWithDeadBroker('FT1R');
    const p = await producerFor(c);
    const { attempts } = attemptRecorder(p);
    // Round robin over the four queues [a0, a1, dead0, dead1]: two of four sends start on broker-dead.
    for (let i = 0; i < 4; i++) {
      const r = await p.send({ topic: 'FT1R', body: `sync ${i}` });
      assert.equal(r.messageQueue.brokerName, 'broker-a');
    }
    assert.ok(attempts.includes('broker-dead:fail'), attempts.join(' '));
    assert.equal(attempts.filter((a) => a === 'broker-a:ok').length, 4);
  });

  it('async retries land on the other broker', async () => {
    const c = await clusterWithDeadBroker('FT2');
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
    const item = producerCore(p)
      .faultStrategy.latencyFaultTolerance.faultItems()
      .find((i) => i.name === 'broker-a');
    assert.equal(item?.startTimestamp, clock.t + 5000);
    await dead.close();
    await c.startBroker(0);
    // The periodic refresh brings broker-a back into the publish info...
    await waitFor('broker-a routed again', () =>
      producerCore(p)
        .publishInfos.get('FT3')
        ?.messageQueueList.some((q) => q.brokerName === 'broker-a')
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
    const hole = await startBlackHoleBroker(c.namesrvAddress, 'broker-hole', [['BH', 2]]);
    cleanups.push(() => hole.close());
    await waitFor('hole routed', async () =>
      (await routeBrokers(c.namesrvAddress, 'BH'))?.length === 2 ? true : undefined,
    );
    // The cap (not the 5 s budget) ends an attempt on the hole; the retry on broker-a, capped as well,
    // has a whole second to be answered even on a loaded machine.
    const p = await producerFor(c, { sendMsgTimeout: 5000, sendMsgMaxTimeoutPerRequest: 1000 });
    const { attempts } = attemptRecorder(p);
    // Four sends select four consecutive queues of [a0, a1, hole0, hole1]: at least one is on the hole.
    for (let i = 0; i < 4; i++) {
      const r = await p.send({ topic: 'BH', body: `m${i}` });
      assert.equal(r.messageQueue.brokerName, 'broker-a');
    }
    assert.ok(attempts.includes('broker-hole:fail'), attempts.join(' '));
    assert.ok(!attempts.includes('broker-a:fail'), attempts.join(' '));
    // Closed before the producer shuts down, so its UNREGISTER_CLIENT fails fast instead of timing out.
    await hole.close();
  });

  it('a broker that never answers: the send fails when the one budget is used up', async () => {
    const c = await startEmbeddedCluster({ brokers: 1 });
    cleanups.push(() => c.stop());
    const hole = await startBlackHoleBroker(c.namesrvAddress, 'broker-hole', [['BH_ONLY', 2]]);
    cleanups.push(() => hole.close());
    const budget = 1500;
    const timed = async (p: Producer): Promise<{ err: unknown; elapsed: number }> => {
      const t0 = performance.now();
      const err = await p.send({ topic: 'BH_ONLY', body: 'x' }).then(
        (r) => assert.fail(`unexpected ${r.toString()}`),
        (e: unknown) => e,
      );
      return { err, elapsed: performance.now() - t0 };
    };

    // Uncapped: the first attempt is given the whole budget and waits it out. Where its timeout lands
    // relative to the deadline decides the rest, exactly as in Java (pinned with a fake clock in
    // test/unit/client-producer.test.ts): past it, "sendDefaultImpl call timeout"; at it, the remaining
    // attempts get 0 ms and fail at once ("Send [3] times"). Either way no attempt gets fresh time.
    const p = await producerFor(c, { sendMsgTimeout: budget });
    const { attempts } = attemptRecorder(p);
    const one = await timed(p);
    assert.ok(attempts.length >= 1 && attempts.every((a) => a === 'broker-hole:fail'), attempts.join(' '));
    if (one.err instanceof RemotingTooMuchRequestError) {
      assert.match(one.err.message, /^sendDefaultImpl call timeout: /);
      assert.ok(attempts.length <= 2, attempts.join(' '));
    } else {
      assert.ok(one.err instanceof MQClientError, String(one.err));
      assert.match(one.err.message, /^Send \[3\] times, still failed, cost \[\d+\]ms, Topic: BH_ONLY/);
      assert.ok(one.err.cause instanceof RemotingError, String(one.err.cause));
      assert.equal(attempts.length, 3);
    }
    // Lower bound: the budget was used up (minus the transport's 1 ms timer slack). Upper bound, with
    // wide margin: well below the 2 x budget a second full-length attempt would take.
    assert.ok(one.elapsed >= budget - 5, `${one.elapsed} ms`);
    assert.ok(one.elapsed < budget + 1400, `${one.elapsed} ms`);

    // Capped at 200 ms per attempt: attempts 1 and 2 end at the cap, the last gets the rest.
    const p2 = await producerFor(c, {
      producerGroup: 'PG_capped',
      sendMsgTimeout: budget,
      sendMsgMaxTimeoutPerRequest: 200,
    });
    const capped = attemptRecorder(p2);
    const two = await timed(p2);
    assert.ok(two.err instanceof MQClientError, String(two.err));
    assert.match(two.err.message, /^Send \[3\] times, still failed, cost \[\d+\]ms, Topic: BH_ONLY/);
    assert.equal(two.err.code, ClientErrorCode.ACCESS_BROKER_TIMEOUT);
    assert.ok(two.err.cause instanceof RemotingTimeoutError, String(two.err.cause));
    assert.deepEqual(capped.attempts, ['broker-hole:fail', 'broker-hole:fail', 'broker-hole:fail']);
    assert.ok(two.elapsed >= budget - 5, `${two.elapsed} ms`);
    assert.ok(two.elapsed < budget + 1400, `${two.elapsed} ms`);
    await hole.close();
  });

  it('the route is refreshed after a broker comes back on a new port', async () => {
    const c = await startEmbeddedCluster({ brokers: 1 });
    cleanups.push(() => c.stop());
    await createTopic(c, 'MOVE', 2);
    const logger = recordingLogger();
    const p = await producerFor(c, { logger });
    const { attempts } = attemptRecorder(p);
    const oldAddr = c.brokers[0]!.address;
    assert.equal((await p.send({ topic: 'MOVE', body: 'before' })).sendStatus, 'SEND_OK');
    // The client's route refresh runs 10 ms after start, then every 30 s (Java's schedule): let that
    // first run pass before the broker moves, or it may learn the new address before the send does.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await c.stopBroker(0);
    const moved = await c.startBroker(0, { port: 0 });
    assert.notEqual(moved.address, oldAddr);
    await waitFor('new address routed', async () =>
      (await routeBrokers(c.namesrvAddress, 'MOVE'))?.[0] === `broker-a@${moved.address}` ? true : undefined,
    );
    // Nothing refreshes the producer's route on its own within the test (the periodic refresh runs
    // every 30 s): it still knows the old address, where nothing listens any more.
    assert.equal(p.instance.findBrokerAddressInPublish('broker-a'), oldAddr);
    attempts.length = 0;
    logger.warnings.length = 0;
    const r = await p.send({ topic: 'MOVE', body: 'after' });
    assert.equal(r.sendStatus, 'SEND_OK');
    assert.equal(p.instance.findBrokerAddressInPublish('broker-a'), moved.address);
    // The connect failure on the old address refreshed the route; the retry used the new one.
    assert.deepEqual(attempts, ['broker-a:fail', 'broker-a:ok'], logger.warnings.join('\n'));
  });
});
