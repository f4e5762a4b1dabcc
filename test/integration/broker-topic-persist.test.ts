/**
 * Topic creation at a broker with thousands of topics (issue 10, defect 6): every create rewrote and
 * fsynced the whole topics.json on the event loop, 164 ms per create at 7,882 topics, and a flood of
 * creates stalled the broker for seconds (long enough for its route to expire). The event loop must
 * stay responsive during a flood, and every created topic must survive a clean restart.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Broker } from '../../src/server/broker/index.js';
import { RequestCode } from '../../src/protocol/codes/request-code.js';
import { DeleteTopicRequestHeader } from '../../src/protocol/headers/index.js';
import { createTopic, newClient, request, send } from '../helpers/broker-client.js';
import { withTempDir } from '../helpers/store-fixtures.js';

const EXISTING = 8_000;
const FLOOD = 300;

function seedTopics(dir: string): void {
  const table: Record<string, unknown> = {};
  for (let i = 0; i < EXISTING; i++) table[`Existing${i}`] = { topicName: `Existing${i}`, perm: 6 };
  fs.mkdirSync(path.join(dir, 'config'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'config', 'topics.json'),
    JSON.stringify({ topicConfigTable: table, dataVersion: { timestamp: 1, counter: 1 } }),
  );
}

function readTopicsFile(dir: string): Record<string, unknown> {
  const text = fs.readFileSync(path.join(dir, 'config', 'topics.json'), 'utf8');
  return (JSON.parse(text) as { topicConfigTable: Record<string, unknown> }).topicConfigTable;
}

it('a send that auto-creates its topic is answered after topics.json has the topic; so is the burst behind it', async () => {
  await withTempDir(async (dir) => {
    const client = newClient();
    const broker = new Broker({ storePath: dir, port: 0, autoCreateTopicEnable: true });
    try {
      await broker.start();
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          send(client, broker.address, { topic: 'AutoNew', queueId: i % 4 }),
        ),
      );
      assert.deepEqual(new Set(answers.map((a) => a.code)), new Set([0]));
      assert.ok(readTopicsFile(dir)['AutoNew'], 'topics.json has the topic when the sends are answered');
    } finally {
      await client.shutdown();
      await broker.shutdown();
    }
  });
});

it('a topic deletion is answered after topics.json lost the topic (a crash then cannot bring it back)', async () => {
  await withTempDir(async (dir) => {
    const client = newClient();
    const broker = new Broker({ storePath: dir, port: 0 });
    try {
      await broker.start();
      assert.equal((await createTopic(client, broker.address, 'Doomed', 4)).code, 0);
      assert.ok(readTopicsFile(dir)['Doomed']);
      const deleted = await request(
        client,
        broker.address,
        RequestCode.DELETE_TOPIC_IN_BROKER,
        DeleteTopicRequestHeader.encode({ topic: 'Doomed' }),
      );
      assert.equal(deleted.code, 0, deleted.remark ?? '');
      assert.equal(
        readTopicsFile(dir)['Doomed'],
        undefined,
        'topics.json lacks it when the delete is answered',
      );
    } finally {
      await client.shutdown();
      await broker.shutdown();
    }
  });
});

it(`a flood of ${FLOOD} creates at ${EXISTING} topics keeps the event loop responsive; all survive a restart`, async () => {
  await withTempDir(async (dir) => {
    seedTopics(dir);
    const client = newClient();
    let broker = new Broker({ storePath: dir, port: 0 });
    try {
      await broker.start();
      const delay = monitorEventLoopDelay({ resolution: 10 });
      delay.enable();
      const answers = await Promise.all(
        Array.from({ length: FLOOD }, (_, i) => createTopic(client, broker.address, `Flood${i}`, 4)),
      );
      delay.disable();
      assert.deepEqual(new Set(answers.map((a) => a.code)), new Set([0]));
      // Each create was answered once topics.json had it (as Java): a crash right now loses none.
      const onDisk = new Set(Object.keys(readTopicsFile(dir)));
      assert.deepEqual(
        Array.from({ length: FLOOD }, (_, i) => `Flood${i}`).filter((t) => !onDisk.has(t)),
        [],
      );
      const stallMillis = delay.max / 1e6;
      // Before: every create stalled the loop ~25 ms (1k topics) to ~160 ms (8k), the flood ~25 s.
      assert.ok(stallMillis < 1000, `longest event-loop stall ${stallMillis.toFixed(0)} ms`);

      await broker.shutdown();
      broker = new Broker({ storePath: dir, port: 0 });
      await broker.start();
      const lost = Array.from({ length: FLOOD }, (_, i) => `Flood${i}`).filter(
        (topic) => broker.topics.select(topic) === undefined,
      );
      assert.deepEqual(lost, []);
      assert.ok(broker.topics.select(`Existing${EXISTING - 1}`));
    } finally {
      await client.shutdown();
      await broker.shutdown();
    }
  });
});
