/**
 * Power loss at random points (test/helpers/power-loss-fs.ts). One seeded workload runs once on the
 * simulated file system; every crash point is rebuilt from its operation log, "rebooted" (unsynced
 * data dropped, or in `tear` mode a random prefix of it kept with the last write torn), recovered
 * and checked:
 * - SYNC_FLUSH: every acknowledged message survives, at its offsets, byte for byte;
 * - ASYNC_FLUSH: every message acknowledged before a completed flush survives;
 * - both, without tearing: what survives is exactly the log up to the recovered end (the loss is an
 *   unsynced tail), and no damage is reported but a torn tail;
 * - always: every served record is intact and is the message put there, each queue serves its
 *   offsets in order (holes only where tearing lost a record), and the store takes writes again.
 * Some crash points crash a second time during the recovery. `npm run test:long` (RMQ_TEST_TIER=long) tries many more.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessageRecord } from '../../src/protocol/message/record.js';
import { MessageStore } from '../../src/server/store/index.js';
import type { FlushDiskType, PutMessageInput, PutResult } from '../../src/server/store/index.js';
import { checkRecordChecksum } from '../../src/server/store/record-checksum.js';
import { PowerLossFS } from '../helpers/power-loss-fs.js';
import { Prng } from '../helpers/prng.js';
import { byTier } from '../helpers/tier.js';
import { message, propsString } from '../helpers/store-fixtures.js';

/** Shifts every seed (RMQ_TEST_SEED=n) to explore other workloads and crash points. */
const SEED_BASE = Number(process.env.RMQ_TEST_SEED ?? 0);
const WORKLOADS = byTier(2, 12);
const CRASH_POINTS = byTier(14, 150);
const ROOT = '/sim/store';
const TOPICS = ['T0', 'T1', 'T2'];

const storeOptions = (flushDiskType: FlushDiskType) => ({
  storePathRootDir: ROOT,
  flushDiskType,
  commitLogSegmentSize: 8 * 1024,
  consumeQueueEntriesPerFile: 16,
  flushIntervalCommitLog: 3_600_000,
  flushIntervalConsumeQueue: 3_600_000,
  syncFlushTimeout: 3_600_000,
  maxMessageSize: 2048,
  maxWriteBatchBytes: 3000,
});

interface Put {
  input: PutMessageInput;
  status?: PutResult['status'];
  /** Log position of the record (known once answered). */
  phys?: number;
  /** fs.ops.length when the put was answered PUT_OK: acknowledged before a crash after that many ops. */
  ackOp?: number;
}

interface Flush {
  /** fs.ops.length when flush() was called: puts acknowledged by then are covered by it. */
  callOp: number;
  /** fs.ops.length when it resolved. */
  doneOp: number;
}

interface Run {
  ops: PowerLossFS['ops'];
  puts: Put[];
  flushes: Flush[];
}

/** Runs a seeded workload on a fresh simulated disk: concurrent puts and batches, flushes, close. */
async function runWorkload(seed: number, flushDiskType: FlushDiskType): Promise<Run> {
  const rng = new Prng(seed);
  const fs = new PowerLossFS();
  const store = new MessageStore(storeOptions(flushDiskType), { fileIO: fs.io });
  await store.open();
  const puts: Put[] = [];
  const flushes: Flush[] = [];
  let inFlight: Promise<unknown>[] = [];
  const track = (batch: PutMessageInput[]): void => {
    const entries: Put[] = batch.map((input) => ({ input }));
    puts.push(...entries);
    const done = (batch.length === 1 ? store.putMessage(batch[0]!) : store.putMessages(batch)).then((r) => {
      entries.forEach((e, i) => {
        e.status = r.status;
        e.phys = Number(r.records[i]?.physicalOffset ?? -1);
        if (r.status === 'PUT_OK') e.ackOp = fs.ops.length;
      });
    });
    inFlight.push(done);
  };
  for (let step = 0, steps = rng.range(25, 45); step < steps; step++) {
    const action = rng.int(10);
    if (action < 7) {
      for (let n = rng.range(1, 5); n > 0; n--) {
        const topic = rng.pick(TOPICS);
        const queueId = rng.int(3);
        const count = rng.bool(0.2) ? rng.range(2, 4) : 1;
        track(
          Array.from({ length: count }, () => {
            const i = puts.length;
            const body = Buffer.from(`m${seed}-${i}-${'x'.repeat(rng.range(0, 700))}`);
            return message({
              topic,
              queueId,
              body,
              properties: propsString({ KEYS: `k${i}`, TAGS: `t${i % 3}` }),
            });
          }),
        );
      }
    } else if (action < 8) {
      const callOp = fs.ops.length;
      await store.flush();
      flushes.push({ callOp, doneOp: fs.ops.length });
    } else {
      await Promise.all(inFlight);
      inFlight = [];
    }
  }
  await Promise.all(inFlight);
  await store.close();
  for (const p of puts) assert.equal(p.status, 'PUT_OK', 'no failure without a crash');
  return { ops: fs.ops, puts, flushes };
}

interface Served {
  phys: number;
  queueOffset: bigint;
  body: string;
}

/** Everything the recovered store serves, per queue, checked record by record. */
async function readAll(store: MessageStore): Promise<Map<string, Served[]>> {
  const out = new Map<string, Served[]>();
  for (const topic of TOPICS) {
    for (let q = 0; q < 3; q++) {
      const served: Served[] = [];
      for (let offset = 0n; ;) {
        const got = await store.getMessage('g', topic, q, offset, 32);
        if (got.status !== 'FOUND' && got.status !== 'NO_MATCHED_MESSAGE') break;
        got.messages.forEach((m, i) => {
          const rec = decodeMessageRecord(m, 0, { verifyCrc: true });
          assert.equal(checkRecordChecksum(m, 0, m.length), 'ok');
          assert.equal(rec.queueOffset, got.queueOffsets[i]);
          served.push({
            phys: Number(rec.physicalOffset),
            queueOffset: rec.queueOffset,
            body: rec.body.toString(),
          });
        });
        offset = got.nextBeginOffset;
      }
      assert.equal(BigInt(served.length) <= store.getMaxOffsetInQueue(topic, q), true);
      out.set(`${topic}/${q}`, served);
    }
  }
  return out;
}

async function checkRecovered(
  fs: PowerLossFS,
  run: Run,
  crashAt: number,
  flushDiskType: FlushDiskType,
  tear: boolean,
  what: string,
): Promise<void> {
  fs.forget(`${ROOT}/lock`); // the crashed process is gone
  const store = new MessageStore(storeOptions(flushDiskType), { fileIO: fs.io });
  const report = await store.open();
  const served = await readAll(store);
  const byPhys = new Map(run.puts.map((p) => [p.phys!, p]));
  const seen = new Set<number>();
  for (const [key, list] of served) {
    for (const s of list) {
      const put = byPhys.get(s.phys);
      assert.ok(put, `${what}: served record at ${s.phys} was never put`);
      assert.equal(`${put.input.topic}/${put.input.queueId}`, key, `${what}: record in the wrong queue`);
      assert.equal(s.body, put.input.body.toString(), `${what}: body`);
      assert.ok(!seen.has(s.phys), `${what}: served twice`);
      seen.add(s.phys);
    }
  }
  const flushed = run.flushes.filter((f) => f.doneOp <= crashAt).at(-1);
  const mustSurvive = run.puts.filter((p) =>
    flushDiskType === 'SYNC_FLUSH'
      ? p.ackOp! <= crashAt
      : flushed !== undefined && p.ackOp! <= flushed.callOp,
  );
  for (const p of mustSurvive)
    assert.ok(seen.has(p.phys!), `${what}: acknowledged message at ${p.phys} lost`);
  if (!tear) {
    // The loss is exactly a tail: everything below the recovered end is served, nothing above it.
    for (const p of run.puts) {
      assert.equal(
        seen.has(p.phys!),
        p.phys! < report.logEnd,
        `${what}: record at ${p.phys}, log end ${report.logEnd}`,
      );
    }
    assert.deepEqual(
      report.skipped.filter((s) => s.kind !== 'torn-tail'),
      [],
      `${what}: damage reported`,
    );
    for (const [key, list] of served) {
      const [topic, q] = key.split('/');
      assert.equal(
        store.getMaxOffsetInQueue(topic!, Number(q)),
        BigInt(list.length),
        `${what}: holes in ${key}`,
      );
    }
  }
  const after = await store.putMessage(message({ topic: 'T0', body: Buffer.from('after') }));
  assert.equal(after.status, 'PUT_OK', `${what}: writes after recovery`);
  await store.close();
}

for (const flushDiskType of ['SYNC_FLUSH', 'ASYNC_FLUSH'] as const) {
  for (const tear of [false, true]) {
    test(`power loss, ${flushDiskType}, ${tear ? 'torn writes' : 'unsynced data dropped'}`, async () => {
      let points = 0;
      for (let w = 0; w < WORKLOADS; w++) {
        const seed = SEED_BASE + 1000 * w + (flushDiskType === 'SYNC_FLUSH' ? 1 : 2) + (tear ? 10 : 0);
        const run = await runWorkload(seed, flushDiskType);
        const rng = new Prng(seed * 7 + 3);
        const crashPoints = [
          run.ops.length,
          ...Array.from({ length: CRASH_POINTS }, () => rng.range(1, run.ops.length)),
        ];
        for (const crashAt of crashPoints) {
          const what = `seed ${seed}, crash after op ${crashAt} of ${run.ops.length}`;
          const crashed = PowerLossFS.replay(run.ops, crashAt).crash(rng, tear);
          if (rng.bool(0.25)) {
            // Crash again in the middle of the recovery, then recover for real.
            const base = crashed.clone();
            base.forget(`${ROOT}/lock`);
            const recovering = base.clone();
            const store = new MessageStore(storeOptions(flushDiskType), { fileIO: recovering.io });
            await store.open();
            await store.close();
            const again = rng.range(0, recovering.ops.length);
            const twice = PowerLossFS.replayOn(base, recovering.ops, again).crash(rng, tear);
            await checkRecovered(twice, run, crashAt, flushDiskType, tear, `${what}, again after ${again}`);
          } else {
            await checkRecovered(crashed, run, crashAt, flushDiskType, tear, what);
          }
          points++;
        }
      }
      assert.ok(points >= WORKLOADS * CRASH_POINTS);
    });
  }
}
