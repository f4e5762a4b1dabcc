/**
 * Retention racing the rest of the broker (found by a cold review of the retention code): a topic
 * deleted and created again while retention waits between queues (its new files have the old names),
 * a failed unlink of one queue's files (the next queues' files are already out of their tables), and
 * the delay-level service reading a queue while a round takes its log away.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../src/common/logger.js';
import { decodeProperties } from '../../src/protocol/message/properties.js';
import { ScheduleService } from '../../src/server/broker/schedule/schedule-service.js';
import type { BrokerContext } from '../../src/server/broker/core/broker-context.js';
import { ageSegments, fill, queueFiles, readQueue, withEnv } from '../helpers/retention-env.js';
import { message, propsString } from '../helpers/store-fixtures.js';
import { waitFor } from '../helpers/wait.js';

test('a topic deleted and created again while retention waits between queues keeps its new files', async () => {
  await withEnv(async (env) => {
    const store = await env.open({ deleteConsumeQueueFilesInterval: 300 });
    await fill(store, 30, 0, 'A'); // A first in the table: its files go without a wait
    await fill(store, 30, 0, 'X'); // X/0: files 0, 10, 20
    await fill(store, 200, 0, 'T');
    await store.flush();
    ageSegments(env, [80, 80, 10, 10, 10, 10, 10]);
    const round = store.runRetention();
    await new Promise((r) => setTimeout(r, 50)); // A's files gone; X's taken out, 300 ms to wait
    await store.deleteTopic('X');
    await fill(store, 25, 0, 'X', 'new'); // the same file names again
    await round;
    assert.equal((await readQueue(store, 'X', 0)).length, 25);
    await store.close();
    const again = await env.open();
    const r = await readQueue(again, 'X', 0);
    assert.equal(r.length, 25, 'every message of the topic created again, after a restart');
    assert.equal(r[0], 'X-0-new0');
    await again.close();
  });
});

test("one queue's files failing to unlink does not strand the next queues' files", async () => {
  await withEnv(async (env) => {
    const store = await env.open();
    await fill(store, 30, 0, 'A');
    await fill(store, 30, 0, 'B');
    await fill(store, 200, 0, 'T');
    await store.flush();
    ageSegments(env, [80, 80, 10, 10, 10, 10, 10]);
    env.faulty.fail('unlink', 'EIO', (a) => String(a[0]).includes('/A/'), 1);
    await store.runRetention();
    // B's files all pointed into the deleted segments: only its last file stays (never deleted).
    assert.deepEqual(queueFiles(env.dir, 'B', 0), ['00000000000000000400']);
    await store.close();
  });
});

test('the delay levels deliver what survives a retention round that took part of their queue', async () => {
  await withEnv(async (env) => {
    env.faulty.usage = { total: 100, free: 13 }; // 87 % used: young segments go too
    const store = await env.open(
      { deleteCommitLogFilesInterval: 600, diskSpaceWarningLevelRatio: 95 },
      { now: Date.now },
    );
    const ctx = { store, delayLevels: [300], logger: silentLogger } as unknown as BrokerContext;
    const schedule = new ScheduleService(ctx, undefined);
    const putDelayed = async (i: number): Promise<void> => {
      const input = message({
        topic: 'R',
        body: Buffer.from(`d${i}|`.padEnd(1000, '.')),
        properties: propsString({ DELAY: '1' }),
      });
      schedule.rewriteIfDelayed(input, decodeProperties(input.properties) as Record<string, string>);
      assert.equal((await store.putMessage(input)).status, 'PUT_OK');
    };
    for (let i = 0; i < 10; i++) await putDelayed(i); // in the first segment, which goes
    await fill(store, 125);
    for (let i = 10; i < 15; i++) await putDelayed(i); // in a segment that stays
    await fill(store, 5);
    await store.flush();
    schedule.start(); // the head falls due in 300 ms, in the middle of the round
    try {
      await store.runRetention();
      // No further delayed message arrives to wake the level: it must carry on by itself.
      await waitFor(
        'the 5 surviving delayed messages',
        () => (store.getMaxOffsetInQueue('R', 0) === 5n ? true : undefined),
        5000,
      );
    } finally {
      await schedule.stop();
      await store.close();
    }
  });
});
