/**
 * The servers under fuzz (default tier): a seeded ServerFuzzer drives a running name server and broker
 * with valid, mutated and interleaved frames; after each round an honest producer and consumer must
 * still create a topic, get it routed, send, and read back every acknowledged message. Any exception
 * escaping a server fails the file. `npm run fuzz:servers -- --frames 1000000` runs the long version.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startEmbeddedCluster } from '../../src/index.js';
import type { EmbeddedCluster } from '../../src/index.js';
import { HonestClient, ServerFuzzer } from '../helpers/server-fuzz.js';
import { byTier } from '../helpers/tier.js';

const ROUNDS = Number(process.env.RMQ_SERVER_FUZZ_ROUNDS ?? byTier(4, 12));
const FRAMES_PER_ROUND = Number(process.env.RMQ_SERVER_FUZZ_FRAMES ?? byTier(1500, 5000));
const SEED = Number(process.env.RMQ_SERVER_FUZZ_SEED ?? 20261202);

describe('servers under fuzz', () => {
  let cluster: EmbeddedCluster;
  let honest: HonestClient;
  before(async () => {
    cluster = await startEmbeddedCluster({
      brokers: [{ registerIntervalMillis: 1000, enablePropertyFilter: true }],
    });
    honest = new HonestClient(cluster.namesrvAddress, 5000);
    await honest.start();
  });
  after(async () => {
    await honest.stop();
    await cluster.stop();
  });

  it(`${ROUNDS} rounds of ${FRAMES_PER_ROUND} hostile frames leave both servers serving an honest client`, async () => {
    const fuzzer = new ServerFuzzer(SEED, {
      broker: cluster.brokers[0]!.address,
      namesrv: cluster.namesrvAddress,
    });
    const baseline = await honest.check();
    assert.deepEqual(baseline.problems, [], 'the honest client works before any fuzzing');
    for (let round = 1; round <= ROUNDS; round++) {
      const stats = await fuzzer.round(FRAMES_PER_ROUND);
      assert.ok(stats.frames >= FRAMES_PER_ROUND);
      const report = await honest.check();
      assert.deepEqual(report.problems, [], `round ${round} (seed ${SEED}) broke the honest client`);
      assert.ok(cluster.brokers[0]!.isRunning && report.sent > 0);
    }
  });
});
