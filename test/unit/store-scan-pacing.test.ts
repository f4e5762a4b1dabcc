/**
 * The commit-log walk (log-scan.ts) returns to the event loop while it searches a long damaged
 * stretch for the next valid record, not only between records: a damaged range may run to the end of
 * a 1 GiB segment, and the index backfill walks an open store. A segment taken out of the log during
 * one of those turns (retention) is not read again.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { CommitLog } from '../../src/server/store/commit-log.js';
import { nodeFileIO } from '../../src/server/store/file-io.js';
import { scanLog, ScanReads } from '../../src/server/store/log-scan.js';
import type { LogItem } from '../../src/server/store/log-scan.js';
import { message, openLogForScan, openStore, withTempDir } from '../helpers/store-fixtures.js';

const SEGMENT = 4 * 1024 * 1024;
const DAMAGE_FROM = 100 * 1024;
const DAMAGE_TO = 3400 * 1024; // over three of the search's 1 MiB reads

/** A log of ~4.5 MB of records (two 4 MiB segments), with [DAMAGE_FROM, DAMAGE_TO) of the first overwritten. */
async function damagedLog(dir: string): Promise<void> {
  const store = await openStore(dir, { commitLogSegmentSize: SEGMENT });
  const batch = Array.from({ length: 100 }, () => message({ body: Buffer.alloc(1000, 0x61) }));
  for (let i = 0; i < 40; i++) assert.equal((await store.putMessages(batch)).status, 'PUT_OK');
  await store.close();
  const fd = fs.openSync(path.join(dir, 'commitlog', '0'.repeat(20)), 'r+');
  fs.writeSync(fd, Buffer.alloc(DAMAGE_TO - DAMAGE_FROM, 0x5a), 0, DAMAGE_TO - DAMAGE_FROM, DAMAGE_FROM);
  fs.closeSync(fd);
}

/** Walks the log with a clock that jumps a second at every look (each look is a turn). */
async function walk(
  dir: string,
  onTurn: (log: CommitLog, inSearch: boolean) => void,
): Promise<{ items: LogItem[]; damage: [number, number][]; turnsInSearch: number }> {
  const { log, limits } = openLogForScan(dir, SEGMENT);
  const clock = performance.now.bind(performance);
  let skew = 0;
  performance.now = () => clock() + (skew += 1000);
  const items: LogItem[] = [];
  const damage: [number, number][] = [];
  let turnsInSearch = 0;
  try {
    await scanLog(
      log,
      0,
      limits,
      { onItem: (item) => items.push(item), onDamage: (r) => damage.push([r.from, r.to]) },
      new ScanReads(),
      {
        turn: () => {
          // The last record walked is the one before the damaged stretch: the search is under way.
          const end = items.length === 0 ? 0 : items.at(-1)!.pos + items.at(-1)!.size;
          const inSearch = end <= DAMAGE_FROM && DAMAGE_FROM - end < 2000;
          if (inSearch) turnsInSearch++;
          onTurn(log, inSearch);
          return Promise.resolve();
        },
      },
    );
  } finally {
    performance.now = clock;
    log.closeFiles();
  }
  return { items, damage, turnsInSearch };
}

test('the search for the record after a long damaged stretch gives the event loop turns', async () => {
  await withTempDir(async (dir) => {
    await damagedLog(dir);
    const { items, damage, turnsInSearch } = await walk(dir, () => undefined);
    assert.ok(
      turnsInSearch >= 3,
      `${turnsInSearch} turns between the last record before and the first after`,
    );
    assert.equal(damage.length, 1);
    const [from, to] = damage[0]!;
    assert.ok(from < DAMAGE_FROM + 2000 && from >= DAMAGE_FROM - 2000, `damage from ${from}`);
    assert.ok(to >= DAMAGE_TO && to < DAMAGE_TO + 2000, `damage to ${to}`);
    assert.ok(
      items.some((item) => item.pos === to),
      `the walk goes on at the next record, ${to}`,
    );
    assert.ok(items.length > 900, `${items.length} items (the records before and after the damage)`);
  });
});

test('a segment taken out of the log during a turn of the search is not read again', async () => {
  await withTempDir(async (dir) => {
    await damagedLog(dir);
    let detached = false;
    const { items, damage } = await walk(dir, (log, inSearch) => {
      if (!detached && inSearch) {
        detached = true;
        nodeFileIO.closeSync(log.detachFirst()!.fd); // as retention does
      }
    });
    assert.ok(detached, 'a turn came inside the search');
    assert.deepEqual(damage, [], 'nothing found after the segment left');
    assert.ok(items.every((item) => item.pos < DAMAGE_FROM));
  });
});
