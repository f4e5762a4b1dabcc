/**
 * The timer service's durable parts without a broker: the journal (which batch is in doubt after a
 * crash, a torn tail cut off, compaction), the pending heap and the range helpers.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { PendingTimers } from '../../src/server/broker/timer/pending-timers.js';
import { TimerJournal } from '../../src/server/broker/timer/timer-journal.js';
import { mergeRanges, rangesOutside } from '../../src/server/broker/timer/timer-support.js';

const tempDirs: string[] = [];
after(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

function tempJournal(): TimerJournal {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rmq-timer-journal-'));
  tempDirs.push(dir);
  return TimerJournal.at(dir);
}

describe('timer journal', () => {
  it('only the last DELIVERING batch without BATCH_OK is in doubt', () => {
    const j = tempJournal();
    assert.deepEqual(j.open(), { floor: 0, done: [], uncertain: [] });
    j.delivering([{ timerOffset: 1, realQueueOffset: 10 }]);
    j.batchOk();
    j.delivering([{ timerOffset: 2, realQueueOffset: 11 }]);
    j.done([[5, 7]]); // a recall in between
    j.delivering([
      { timerOffset: 3, realQueueOffset: 12 },
      { timerOffset: 4, realQueueOffset: 12 },
    ]);
    j.close();
    const state = new TimerJournal(j.file).open();
    assert.deepEqual(mergeRanges(state.done), [
      [1, 3],
      [5, 7],
    ]);
    assert.deepEqual(state.uncertain, [
      { timerOffset: 3, realQueueOffset: 12 },
      { timerOffset: 4, realQueueOffset: 12 },
    ]);
  });

  it('cuts a torn or corrupt tail and keeps appending after the last good record', () => {
    const j = tempJournal();
    j.open();
    j.done([[0, 1]]);
    j.delivering([{ timerOffset: 1, realQueueOffset: 0 }]);
    j.close();
    const good = fs.statSync(j.file).size;
    fs.appendFileSync(j.file, Buffer.from([0, 0, 0, 40, 1, 2, 3])); // a header promising more than there is
    const torn = new TimerJournal(j.file);
    const state = torn.open();
    assert.deepEqual(state.uncertain, [{ timerOffset: 1, realQueueOffset: 0 }]);
    assert.equal(fs.statSync(j.file).size, good);
    torn.batchOk();
    torn.close();
    const bytes = fs.readFileSync(j.file);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff; // corrupt the BATCH_OK payload: its CRC fails
    fs.writeFileSync(j.file, bytes);
    assert.deepEqual(new TimerJournal(j.file).open().uncertain, [{ timerOffset: 1, realQueueOffset: 0 }]);
  });

  it('compaction keeps the floor and the finished ranges only', () => {
    const j = tempJournal();
    j.open();
    for (let i = 0; i < 100; i++) j.done([[i, i + 1]]);
    j.compact(40, rangesOutside([45, 50], 40, 100));
    j.done([[100, 101]]);
    j.close();
    const state = new TimerJournal(j.file).open();
    assert.equal(state.floor, 40);
    assert.deepEqual(mergeRanges(state.done), [
      [40, 45],
      [46, 50],
      [51, 101],
    ]);
  });
});

describe('pending timers', () => {
  it('pops due timers in time order, skips removed ones, removes by delete key', () => {
    const p = new PendingTimers();
    const times = [500, 100, 300, 100, 900, 200];
    times.forEach((outMs, offset) => p.add({ offset, outMs, key: `T+${offset % 2 ? 'odd' : offset}` }));
    assert.deepEqual(p.removeKey('T+odd').sort(), [1, 3, 5]);
    assert.equal(p.nextDue(), 300);
    assert.deepEqual(
      p.popDue(500, 10).map((t) => t.offset),
      [2, 0],
    );
    assert.equal(p.size, 1);
    assert.deepEqual(p.sortedOffsets(), [4]);
    assert.equal(p.nextDue(), 900);
  });
});
