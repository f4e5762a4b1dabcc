/**
 * The consume queue with pending entries (pending-entries.ts) against a model (an array of entries):
 * random appends (some spanning files, some larger than the buffer), pending writes, truncations,
 * rewrites, reads of random ranges, and reopenings (after a write of everything, or after dropping
 * what was pending, as a crash does). After every step the queue reads back exactly the model.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ConsumeQueue, CQ_ENTRY_SIZE, decodeEntry } from '../../src/server/store/consume-queue.js';
import type { CqEntry } from '../../src/server/store/consume-queue.js';
import { PENDING_CAPACITY_BYTES } from '../../src/server/store/pending-entries.js';
import { nodeFileIO } from '../../src/server/store/file-io.js';
import { Prng } from '../helpers/prng.js';
import { withTempDir } from '../helpers/store-fixtures.js';

const PER_FILE = 300;
const PER_BUFFER = PENDING_CAPACITY_BYTES / CQ_ENTRY_SIZE;

function open(dir: string): ConsumeQueue {
  const cq = new ConsumeQueue(nodeFileIO, path.join(dir, 'cq'), 'T', 0, PER_FILE);
  cq.load();
  return cq;
}

async function check(cq: ConsumeQueue, model: CqEntry[], rnd: Prng, step: string): Promise<void> {
  assert.equal(cq.maxOffset, model.length, `${step}: maxOffset`);
  const last = model.at(-1);
  assert.equal(cq.maxPhysicEnd, last === undefined ? 0 : last.phys + last.size, `${step}: maxPhysicEnd`);
  if (model.length === 0) return;
  for (let k = 0; k < 3; k++) {
    const from = rnd.int(model.length);
    const buf = await cq.readEntries(from, 1 + rnd.int(PER_FILE));
    assert.ok(buf !== undefined, `${step}: entries at ${from}`);
    for (let at = 0; at < buf.length; at += CQ_ENTRY_SIZE) {
      assert.deepEqual(
        decodeEntry(buf, at),
        model[from + at / CQ_ENTRY_SIZE],
        `${step}: entry ${from + at / 20}`,
      );
    }
    const one = rnd.int(model.length);
    assert.deepEqual(cq.entryAtSync(one), model[one], `${step}: entryAtSync ${one}`);
  }
  // Every entry in order, as recovery reads them (from entryAtSync's read-ahead block, which every
  // write must drop: a stale block reads old entries).
  for (let o = cq.minOffset; o < model.length; o++) {
    assert.deepEqual(cq.entryAtSync(o, true), model[o], `${step}: entryAtSync ${o} in order`);
  }
}

test('random appends, writes, truncations, rewrites, reads and reopenings match a model', async () => {
  for (const seed of [1, 2, 3]) {
    await withTempDir(async (dir) => {
      const rnd = new Prng(seed);
      let cq = open(dir);
      let model: CqEntry[] = [];
      /** Entries known to be in the files (written, not dropped since): what a crash keeps. */
      let durable = 0;
      let phys = 0;
      const entry = (): CqEntry => {
        const size = 50 + rnd.int(200);
        const e = { phys, size, tagsCode: rnd.int(3) === 0 ? 0n : BigInt(rnd.int(1 << 30) - (1 << 29)) };
        phys += size;
        return e;
      };
      for (let step = 0; step < 400; step++) {
        const op = rnd.int(100);
        let what: string;
        if (op < 55) {
          const n = rnd.int(10) === 0 ? PER_BUFFER + rnd.int(50) : 1 + rnd.int(40);
          const added = Array.from({ length: n }, entry);
          cq.append(added);
          model.push(...added);
          what = `append ${n}`;
        } else if (op < 65) {
          cq.writePending();
          durable = model.length;
          what = 'writePending';
        } else if (op < 75 && model.length > 0) {
          const to = model.length - rnd.int(Math.min(model.length, 60)) - 1;
          cq.truncateTo(to);
          model = model.slice(0, to);
          durable = Math.min(durable, to);
          phys = model.length === 0 ? 0 : model.at(-1)!.phys + model.at(-1)!.size;
          what = `truncateTo ${to}`;
        } else if (op < 82 && model.length > 0) {
          const at = rnd.int(model.length);
          const hole = { phys: model[at]!.phys, size: 8, tagsCode: 0n };
          cq.rewriteEntrySync(at, hole);
          model[at] = hole;
          what = `rewrite ${at}`;
        } else if (op < 91) {
          cq.writePending();
          cq.close();
          cq = open(dir);
          durable = model.length;
          what = 'reopen after a write';
        } else {
          // A crash: what was pending is gone, the files keep what was written.
          cq.close();
          cq = open(dir);
          model = model.slice(0, Math.max(durable, cq.maxOffset));
          // Entries written by a full buffer or a file change are in the files too.
          assert.equal(cq.maxOffset, model.length, `seed ${seed} step ${step}: crash kept what was written`);
          phys = model.length === 0 ? 0 : model.at(-1)!.phys + model.at(-1)!.size;
          what = 'crash';
        }
        await check(cq, model, rnd, `seed ${seed} step ${step} (${what})`);
      }
      cq.close();
    });
  }
});
