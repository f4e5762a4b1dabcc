/**
 * Retention (retention.ts, retention-policy.ts): old commit-log segments are deleted at the deleteWhen
 * hours or when the disk fills, then the consume-queue files below the log; queue min offsets follow,
 * and the store recovers from any point of it. The clock and the disk usage are injected; file ages
 * are set with utimes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { IllegalArgumentError } from '../../src/common/errors.js';
import { decodeMessageRecord } from '../../src/protocol/message/record.js';
import { isTimeToDelete, parseDeleteWhen } from '../../src/server/store/retention-policy.js';
import {
  SEGMENT,
  ageSegments,
  at,
  fill,
  queueFiles,
  readQueue,
  segmentFiles,
  withEnv,
} from '../helpers/retention-env.js';
import type { Env } from '../helpers/retention-env.js';
import { message } from '../helpers/store-fixtures.js';

function usedPercent(env: Env, percent: number): void {
  const total = 100 * 1024 ** 3;
  env.faulty.usage = { total, free: (total * (100 - percent)) / 100 };
}

test('segments older than fileReservedTime are deleted at a deleteWhen hour only, oldest first, never the last', async () => {
  await withEnv(async (env) => {
    const store = await env.open({ deleteWhen: '04;16', deleteFileBatchMax: 2 });
    await fill(store, 300);
    await store.flush();
    const before = segmentFiles(env.dir);
    assert.ok(before.length >= 5, `${before.length} segments`);

    ageSegments(env, [100, 100, 100, 100, 100, 100, 100, 100]);
    env.clock.now = at(3);
    ageSegments(env, [100, 100, 100, 100, 100, 100, 100, 100]);
    let round = await store.runRetention();
    assert.equal(round?.reason, undefined, 'not a deleteWhen hour');
    assert.deepEqual(segmentFiles(env.dir), before);

    env.clock.now = at(4);
    ageSegments(env, [71, 71, 71, 71, 71, 71, 71, 71]);
    round = await store.runRetention();
    assert.equal(round?.reason?.timeUp, true);
    assert.equal(round?.commitLogFilesDeleted, 0, 'younger than 72 hours');
    assert.deepEqual(segmentFiles(env.dir), before);

    // An expired segment after a young one stays: nothing is deleted in the middle.
    ageSegments(env, [73, 50, 73, 73, 73, 73, 73, 73]);
    round = await store.runRetention();
    assert.equal(round?.commitLogFilesDeleted, 1);
    assert.deepEqual(segmentFiles(env.dir), before.slice(1));
    assert.equal(store.getCommitLogMinOffset(), BigInt(SEGMENT));

    env.clock.now = at(16);
    ageSegments(env, [73, 73, 73, 73, 73, 73, 73, 73]);
    round = await store.runRetention();
    assert.equal(round?.commitLogFilesDeleted, 2, 'deleteFileBatchMax per round');
    while ((await store.runRetention())!.commitLogFilesDeleted > 0);
    assert.deepEqual(segmentFiles(env.dir), before.slice(-1), 'all but the current segment');
    assert.equal(store.getCommitLogMinOffset(), BigInt(Number(before.at(-1))));
    assert.equal((await store.putMessage(message({ topic: 'T' }))).status, 'PUT_OK');
    await store.close();
  });
});

test('disk usage above diskMaxUsedSpaceRatio deletes expired segments at any hour; above the clean-forcibly ratio young ones too', async () => {
  await withEnv(async (env) => {
    env.clock.now = at(10);
    const store = await env.open();
    await fill(store, 300);
    await store.flush();
    const before = segmentFiles(env.dir);
    ageSegments(env, [80, 10, 10, 10, 10, 10, 10]);

    usedPercent(env, 70);
    assert.equal((await store.runRetention())?.reason, undefined);
    assert.deepEqual(segmentFiles(env.dir), before);

    usedPercent(env, 80); // above diskMaxUsedSpaceRatio 75: expired ones only
    let round = await store.runRetention();
    assert.deepEqual(round?.reason, { timeUp: false, spaceFull: true, cleanAtOnce: false });
    assert.equal(round?.commitLogFilesDeleted, 1);
    assert.deepEqual(segmentFiles(env.dir), before.slice(1));

    usedPercent(env, 87); // above diskSpaceCleanForciblyRatio 85: whatever their age
    round = await store.runRetention();
    assert.equal(round?.reason?.cleanAtOnce, true);
    assert.equal(round?.commitLogFilesDeleted, before.length - 2);
    assert.deepEqual(segmentFiles(env.dir), before.slice(-1));
    await store.close();
  });
});

test('cleanFileForciblyEnable off keeps young segments on a nearly full disk; cleanFileEnable off keeps everything', async () => {
  await withEnv(async (env) => {
    env.clock.now = at(10);
    usedPercent(env, 87);
    const store = await env.open({ cleanFileForciblyEnable: false });
    await fill(store, 200);
    await store.flush();
    const before = segmentFiles(env.dir);
    ageSegments(env, [80, 10, 10, 10, 10]);
    assert.equal((await store.runRetention())?.commitLogFilesDeleted, 1);
    assert.deepEqual(segmentFiles(env.dir), before.slice(1));
    await store.close();

    const off = await env.open({ cleanFileEnable: false });
    ageSegments(env, [80, 80, 80, 80, 80]);
    assert.equal(await off.runRetention(), undefined);
    assert.deepEqual(segmentFiles(env.dir), before.slice(1));
    await off.close();
  });
});

test('only segments wholly below the last checkpoint are deleted', async () => {
  await withEnv(async (env) => {
    usedPercent(env, 87);
    // No periodic checkpoint: the one written at open (position 0) is the last.
    const store = await env.open({ flushIntervalConsumeQueue: 3_600_000 });
    await fill(store, 200);
    const before = segmentFiles(env.dir);
    ageSegments(env, [80, 80, 80, 80, 80]);
    assert.equal((await store.runRetention())?.commitLogFilesDeleted, 0);
    assert.deepEqual(segmentFiles(env.dir), before);
    await store.flush();
    assert.equal((await store.runRetention())?.commitLogFilesDeleted, before.length - 1);
    await store.close();
  });
});

test('consume queues: files below the log deleted, min offsets corrected, reads of deleted ranges answer as Java', async () => {
  await withEnv(async (env) => {
    const store = await env.open();
    await fill(store, 30, 1); // queue 1: written early only
    await fill(store, 300, 0);
    await store.flush();
    const q0Before = queueFiles(env.dir, 'T', 0);
    const q1Before = queueFiles(env.dir, 'T', 1);
    ageSegments(env, [80, 80, 80, 10, 10, 10, 10]);
    const round = await store.runRetention();
    assert.equal(round?.commitLogFilesDeleted, 3);
    const logMin = store.getCommitLogMinOffset();
    assert.equal(logMin, BigInt(3 * SEGMENT));
    assert.ok(round!.consumeQueueFilesDeleted > 0);

    // Queue 0: min = first entry at or above the log's start; everything before is gone.
    const min0 = store.getMinOffsetInQueue('T', 0);
    assert.ok(min0 > 0n);
    const first = await store.getMessage('g', 'T', 0, min0, 1);
    assert.equal(first.status, 'FOUND');
    assert.equal(first.minOffset, min0);
    const phys = decodeMessageRecord(first.messages[0]!, 0).physicalOffset;
    assert.ok(BigInt(phys) >= logMin);
    const before = await store.getMessage('g', 'T', 0, min0 - 1n, 1);
    assert.deepEqual([before.status, before.nextBeginOffset], ['OFFSET_TOO_SMALL', min0]);
    assert.equal(await store.lookMessageByOffset(0n), undefined);
    const kept = await readQueue(store, 'T', 0);
    assert.equal(kept.length, 300 - Number(min0));
    assert.equal(kept[0], `T-0-${min0}`);
    assert.equal(store.getMaxOffsetInQueue('T', 0), 300n);
    // Files wholly below the log went (10 entries each), the one holding min0 stayed.
    const firstFile = Math.floor(Number(min0) / 10) * 10 * 20;
    assert.deepEqual(
      queueFiles(env.dir, 'T', 0),
      q0Before.filter((f) => Number(f) >= firstFile),
    );

    // Queue 1: every entry below the log: empty at its max (5.x), its last file kept.
    assert.equal(store.getMinOffsetInQueue('T', 1), 30n);
    assert.equal(store.getMaxOffsetInQueue('T', 1), 30n);
    assert.deepEqual(queueFiles(env.dir, 'T', 1), q1Before.slice(-1));
    const q1 = await store.getMessage('g', 'T', 1, 0n, 1);
    assert.deepEqual([q1.status, q1.nextBeginOffset], ['OFFSET_TOO_SMALL', 30n]);
    assert.equal((await store.getMessage('g', 'T', 1, 30n, 1)).status, 'OFFSET_OVERFLOW_ONE');
    assert.equal((await store.putMessage(message({ topic: 'T', queueId: 1 }))).queueOffset, 30n);
    assert.equal((await store.getMessage('g', 'T', 1, 30n, 1)).status, 'FOUND');
    await store.close();

    // A clean reopen: the same offsets, nothing reported as damage, no rebuild.
    const again = await env.open();
    const r = again.lastRecovery!;
    assert.deepEqual([r.fullRebuild, r.skipped.length, r.holes], [false, 0, 0]);
    assert.equal(again.getMinOffsetInQueue('T', 0), min0);
    assert.equal(again.getMinOffsetInQueue('T', 1), 30n);
    assert.deepEqual(await readQueue(again, 'T', 0), kept);
    await again.close();
  });
});

test('a crash right after deleting, and a full consume-queue rebuild of a log that starts above 0, recover without holes', async () => {
  await withEnv(async (env) => {
    const store = await env.open();
    await fill(store, 40, 1);
    await fill(store, 300, 0);
    await store.flush();
    ageSegments(env, [80, 80, 80, 10, 10, 10, 10]);
    assert.equal((await store.runRetention())?.commitLogFilesDeleted, 3);
    const min0 = store.getMinOffsetInQueue('T', 0);
    const kept = await readQueue(store, 'T', 0);
    await fill(store, 5, 1);
    store.crashForTesting();

    let again = await env.open();
    let r = again.lastRecovery!;
    assert.deepEqual([r.cleanShutdown, r.fullRebuild, r.skipped.length, r.holes], [false, false, 0, 0]);
    assert.equal(again.getMinOffsetInQueue('T', 0), min0);
    assert.deepEqual(await readQueue(again, 'T', 0), kept);
    assert.deepEqual(await readQueue(again, 'T', 1), ['T-1-0', 'T-1-1', 'T-1-2', 'T-1-3', 'T-1-4']);
    assert.equal(again.getMinOffsetInQueue('T', 1), 40n);
    await again.close();

    // No checkpoint: every consume queue is rebuilt from the first (surviving) segment.
    fs.rmSync(path.join(env.dir, 'checkpoint'));
    again = await env.open();
    r = again.lastRecovery!;
    assert.deepEqual([r.fullRebuild, r.skipped.length, r.holes], [true, 0, 0]);
    assert.equal(again.getMinOffsetInQueue('T', 0), min0);
    assert.equal(again.getMaxOffsetInQueue('T', 0), 300n);
    assert.deepEqual(await readQueue(again, 'T', 0), kept);
    assert.equal(again.getMinOffsetInQueue('T', 1), 40n);
    assert.equal(again.getMaxOffsetInQueue('T', 1), 45n);
    await again.close();

    // The rebuilt queues load as they are (pre-blank entries before the first record).
    again = await env.open();
    r = again.lastRecovery!;
    assert.deepEqual([r.fullRebuild, r.skipped.length, r.holes], [false, 0, 0]);
    assert.equal(again.getMinOffsetInQueue('T', 0), min0);
    assert.deepEqual(await readQueue(again, 'T', 0), kept);
    assert.equal((await again.putMessage(message({ topic: 'T', queueId: 0 }))).queueOffset, 300n);
    await again.close();
  });
});

test('a crash between the commit-log and the consume-queue deletions recovers; the next round deletes the queue files', async () => {
  await withEnv(async (env) => {
    const store = await env.open();
    await fill(store, 300, 0);
    await store.flush();
    const q0Before = queueFiles(env.dir, 'T', 0);
    ageSegments(env, [80, 80, 10, 10, 10, 10]);
    env.faulty.fail('unlink', 'EIO', (args) => String(args[0]).includes('consumequeue'));
    await store.runRetention(); // the queue files' unlinks fail (logged); the segments are gone
    store.crashForTesting();
    env.faulty.heal();
    assert.equal(segmentFiles(env.dir)[0], String(2 * SEGMENT).padStart(20, '0'));
    assert.deepEqual(queueFiles(env.dir, 'T', 0), q0Before, 'queue files still all there');

    env.clock.now = at(10); // not a deleteWhen hour: only the queue clean-up runs
    const again = await env.open();
    const r = again.lastRecovery!;
    assert.deepEqual([r.fullRebuild, r.skipped.length, r.holes], [false, 0, 0]);
    const min0 = again.getMinOffsetInQueue('T', 0);
    assert.ok(min0 > 0n);
    const below = await again.getMessage('g', 'T', 0, 0n, 1);
    assert.deepEqual([below.status, below.nextBeginOffset], ['OFFSET_TOO_SMALL', min0]);
    const kept = await readQueue(again, 'T', 0);
    assert.equal(kept[0], `T-0-${min0}`);
    const round = await again.runRetention();
    assert.deepEqual([round?.commitLogFilesDeleted, round!.consumeQueueFilesDeleted > 0], [0, true]);
    assert.ok(queueFiles(env.dir, 'T', 0).length < q0Before.length);
    assert.deepEqual(await readQueue(again, 'T', 0), kept);
    await again.close();
  });
});

test('a segment is closed and unlinked only after the reads that started before have finished', async () => {
  await withEnv(async (env) => {
    let hold: Promise<void> | undefined;
    let held: (() => void) | undefined;
    let release: () => void = () => undefined;
    const base = env.faulty.io;
    const io = {
      ...base,
      read: async (fd: number, buf: Buffer, offset: number, length: number, position: number) => {
        if (hold !== undefined && env.faulty.pathOf(fd)?.includes('consumequeue')) {
          held?.();
          await hold;
        }
        return base.read(fd, buf, offset, length, position);
      },
    };
    const store = await env.open({}, { fileIO: io });
    await fill(store, 200, 0);
    await store.flush();
    ageSegments(env, [80, 10, 10, 10]);
    const first = path.join(env.dir, 'commitlog', segmentFiles(env.dir)[0]!);

    hold = new Promise((resolve) => (release = resolve));
    const reached = new Promise<void>((resolve) => (held = resolve));
    const pull = store.getMessage('g', 'T', 0, 0n, 1); // reads queue entries 0..9: all in segment 0
    await reached;
    let settled = false;
    const round = store.runRetention().finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(settled, false, 'the round waits for the pull');
    assert.ok(fs.existsSync(first), 'the segment is still there');
    assert.equal(store.getCommitLogMinOffset(), BigInt(SEGMENT), 'but no new read finds it');

    hold = undefined;
    release();
    const got = await pull;
    assert.deepEqual([got.status, got.nextBeginOffset], ['MESSAGE_WAS_REMOVING', 10n]);
    assert.equal((await round)?.commitLogFilesDeleted, 1);
    assert.ok(!fs.existsSync(first));
    await store.close();
  });
});

test('deleteWhen: ";"-separated local hours; anything else refused when the store is built', async () => {
  assert.equal(isTimeToDelete('04;16', at(16)), true);
  assert.equal(isTimeToDelete('04;16', at(15)), false);
  assert.equal(isTimeToDelete('0', at(0, 5)), true);
  for (const bad of ['', '4am', '24', '04;', '-1']) {
    assert.throws(() => parseDeleteWhen(bad), IllegalArgumentError, bad);
  }
  await withEnv(async (env) => {
    await assert.rejects(env.open({ deleteWhen: '4am' }), /deleteWhen "4am"/);
  });
});
