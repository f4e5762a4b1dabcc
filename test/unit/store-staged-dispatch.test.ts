/**
 * Issue 16: the consume-queue entries of all puts completed by one commit-log write are appended
 * together, one append per queue, before any of those puts is answered; when that append fails, the
 * puts before the failing one are still answered and kept, as when each put wrote its own entries.
 * The entries reach the files later, one write per queue (pending-entries.ts).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessageRecord } from '../../src/protocol/message/record.js';
import type { MessageStore } from '../../src/server/store/index.js';
import { ConsumeQueue } from '../../src/server/store/consume-queue.js';
import type { CqEntry } from '../../src/server/store/consume-queue.js';
import { StagedDispatch } from '../../src/server/store/staged-dispatch.js';
import { FaultyFileIO } from '../helpers/faulty-fs.js';
import { message, openStore, withTempDir } from '../helpers/store-fixtures.js';

async function bodies(store: MessageStore, topic: string, queueId = 0): Promise<string[]> {
  const got = await store.getMessage('g', topic, queueId, 0n, 1000);
  return got.messages.map((m) => decodeMessageRecord(m, 0, { verifyCrc: true }).body.toString());
}

const put = (store: MessageStore, topic: string, body: string, queueId = 0) =>
  store.putMessage(message({ topic, queueId, body: Buffer.from(body) }));

/** Holds the commit-log writes while `held` is set, so the puts made meanwhile share the next one. */
function writeGate(): { hold(): void; release(): void; beforeWrite: () => Promise<void> } {
  let gate: Promise<void> | undefined;
  let open: (() => void) | undefined;
  return {
    hold() {
      gate = new Promise((resolve) => (open = resolve));
    },
    release() {
      gate = undefined;
      open?.();
    },
    beforeWrite: () => gate ?? Promise.resolve(),
  };
}

test('puts completed by one write: entries as put one by one, written per queue at the checkpoint', async () => {
  await withTempDir(async (dir) => {
    const faulty = new FaultyFileIO();
    const gate = writeGate();
    // No timer checkpoint during the test: it would write the pending entries early.
    const options = { flushIntervalConsumeQueue: 3_600_000 };
    const store = await openStore(dir, options, { fileIO: faulty.io, beforeWrite: gate.beforeWrite });
    for (const q of [0, 1]) assert.equal((await put(store, 'A', `first${q}`, q)).status, 'PUT_OK');
    // Appends per queue: the staging groups the puts of one log write.
    const appends: number[] = [];
    const append = ConsumeQueue.prototype.append;
    ConsumeQueue.prototype.append = function (this: ConsumeQueue, entries: readonly CqEntry[]) {
      appends.push(entries.length);
      append.call(this, entries);
    };
    after(() => (ConsumeQueue.prototype.append = append));
    let cqWrites = 0;
    faulty.fail('writeSync', 'EIO', (args, paths) => {
      if (paths.get(args[0] as number)?.includes('/consumequeue/')) cqWrites++;
      return false;
    });
    gate.hold();
    const held = put(store, 'A', 'held', 0); // its write waits at the gate; the next puts queue up
    // The writer starts at the end of the turn that submitted: let it take the held put alone.
    await new Promise((resolve) => setImmediate(resolve));
    const shared = [1, 2, 3, 4, 5, 6].map((i) => put(store, 'A', `m${i}`, i % 2));
    gate.release();
    for (const r of [await held, ...(await Promise.all(shared))]) assert.equal(r.status, 'PUT_OK');
    assert.equal(cqWrites, 0, 'answered with their entries in memory');
    ConsumeQueue.prototype.append = append;
    assert.deepEqual(appends, [1, 3, 3], 'the held put alone, then one append per queue for the six');
    assert.deepEqual(await bodies(store, 'A', 0), ['first0', 'held', 'm2', 'm4', 'm6']);
    assert.deepEqual(await bodies(store, 'A', 1), ['first1', 'm1', 'm3', 'm5']);
    await store.flush();
    assert.equal(cqWrites, 2, 'the checkpoint writes each queue’s entries in one write');
    await store.close();
    const again = await openStore(dir);
    assert.deepEqual(await bodies(again, 'A', 1), ['first1', 'm1', 'm3', 'm5']);
    await again.close();
  });
});

test('a failed dispatch inside a shared write: puts before it answered and kept, it and later ones refused', async () => {
  await withTempDir(async (dir) => {
    const faulty = new FaultyFileIO();
    const gate = writeGate();
    const store = await openStore(dir, {}, { fileIO: faulty.io, beforeWrite: gate.beforeWrite });
    assert.equal((await put(store, 'A', 'a0')).status, 'PUT_OK');
    gate.hold();
    const held = put(store, 'A', 'held');
    // Creating B's first consume-queue file fails once; a1 and a2 share B's write, a3 comes after.
    faulty.fail('openSync', 'EEXIST', (args) => String(args[0]).includes('/consumequeue/B/'), 1);
    const [a1, a2, b0, a3] = [
      put(store, 'A', 'a1'),
      put(store, 'A', 'a2'),
      put(store, 'B', 'b0'),
      put(store, 'A', 'a3'),
    ];
    gate.release();
    assert.equal((await held).status, 'PUT_OK');
    assert.equal((await a1).status, 'PUT_OK');
    assert.equal((await a2).status, 'PUT_OK');
    assert.match((await b0).reason ?? '', /EEXIST/);
    assert.notEqual((await a3).status, 'PUT_OK');
    assert.equal((await put(store, 'B', 'b1')).status, 'PUT_OK');
    assert.deepEqual(await bodies(store, 'A'), ['a0', 'held', 'a1', 'a2']);
    assert.deepEqual(await bodies(store, 'B'), ['b1']);
    await store.close();
    const again = await openStore(dir);
    assert.deepEqual(await bodies(again, 'A'), ['a0', 'held', 'a1', 'a2']);
    assert.deepEqual(await bodies(again, 'B'), ['b1']);
    await again.close();
  });
});

test("staging keeps each put's entries as given: a queue's list is the first put's array until a second put adds to it", () => {
  const written: CqEntry[][] = [];
  const fake = { topic: 'T', queueId: 0, maxOffset: 0, append: (_: readonly CqEntry[]): void => undefined };
  fake.append = (entries) => {
    written.push([...entries]);
    fake.maxOffset += entries.length;
  };
  const cq = fake as unknown as ConsumeQueue;
  const entry = (phys: number): CqEntry => ({ phys, size: 10, tagsCode: 0n });
  const first = [entry(0), entry(10)];
  const second = [entry(20)];
  const third = [entry(30), entry(40)];
  const staged = new StagedDispatch();
  staged.stage(cq, 0, first);
  staged.commit();
  assert.deepEqual(written, [first], 'a lone put is written as it is');
  staged.stage(
    cq,
    2,
    first.map((e) => entry(e.phys + 100)),
  );
  const kept = staged.endOf(cq);
  assert.equal(kept, 4);
  staged.abort();
  written.length = 0;
  staged.stage(cq, 2, first);
  staged.stage(cq, 4, second);
  staged.stage(cq, 5, third);
  assert.equal(staged.endOf(cq), 7);
  staged.commit();
  assert.deepEqual(written, [[...first, ...second, ...third]]);
  // The puts' own arrays (their arrival items afterwards) were not touched.
  assert.deepEqual(
    first.map((e) => e.phys),
    [0, 10],
  );
  assert.deepEqual(
    second.map((e) => e.phys),
    [20],
  );
  assert.equal(third.length, 2);
});
