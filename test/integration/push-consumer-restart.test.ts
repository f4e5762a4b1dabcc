/**
 * @long-tier-only (scripts/run-tests.mjs skips this file in the default tier)
 * A broker stopped and restarted (same store, same port) while a push consumer group drains a topic
 * spread over two brokers: every message is consumed (at least once), the pulls of the restarted
 * broker back off and resume, and no message is lost. Long tier only (each round restarts a broker).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Producer } from '../../src/client/producer/producer.js';
import { PushConsumer } from '../../src/client/consumer/index.js';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import { byTier } from '../helpers/tier.js';
import { createTopic, waitFor } from './consumer-helpers.js';

const ROUNDS = byTier(0, 3);

describe('PushConsumer across a broker restart', () => {
  it('consumes every message while a broker stops and comes back', { skip: ROUNDS === 0 }, async () => {
    const cluster = await startEmbeddedCluster({ brokers: 2 });
    const producer = new Producer({ nameServer: cluster.namesrvAddress, producerGroup: 'push_restart_pg' });
    const seen = new Map<string, number>();
    const consumers = [1, 2].map(
      (i) =>
        new PushConsumer({
          nameServer: cluster.namesrvAddress,
          consumerGroup: 'push_restart_cg',
          instanceName: `restart-${i}`,
          consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
          rebalanceInterval: 500,
          persistConsumerOffsetInterval: 200,
          pollNameServerInterval: 300,
          pullTimeDelayMillsWhenException: 200,
          handler: (m) => void seen.set(m.msgId, (seen.get(m.msgId) ?? 0) + 1),
        }),
    );
    try {
      await createTopic(cluster, 'PushRestart', 4);
      await producer.start();
      for (const c of consumers) {
        await c.subscribe('PushRestart');
        await c.start();
      }
      const ids: string[] = [];
      // The producer learns of the stopped broker from failures: retry a refused send a few times.
      const sendOne = async (body: string): Promise<void> => {
        for (let attempt = 0; ; attempt++) {
          try {
            ids.push((await producer.send({ topic: 'PushRestart', body: Buffer.from(body) })).msgId);
            return;
          } catch (err) {
            if (attempt >= 20) throw err;
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      };
      for (let round = 0; round < ROUNDS; round++) {
        for (let i = 0; i < 50; i++) await sendOne(`r${round}-${i}`);
        await cluster.stopBroker(round % 2);
        // Sends go to the other broker meanwhile.
        for (let i = 0; i < 20; i++) await sendOne(`d${round}-${i}`);
        await cluster.startBroker(round % 2);
        await waitFor('all consumed', () => (ids.every((id) => seen.has(id)) ? true : undefined), 60_000);
      }
      assert.equal(new Set(ids).size, ids.length);
    } finally {
      await Promise.all(consumers.map((c) => c.shutdown()));
      await producer.shutdown();
      await cluster.stop();
    }
  });
});
