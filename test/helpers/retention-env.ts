/**
 * A small store for retention tests: 64 KiB segments, 10 consume-queue entries per file, an injected
 * clock (4:30 local time by default) and disk usage (50 %), file ages set with utimes.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { decodeMessageRecord } from '../../src/protocol/message/record.js';
import type { MessageStore, MessageStoreOptions, StoreHooks } from '../../src/server/store/index.js';
import { FaultyFileIO } from './faulty-fs.js';
import { message, openStore, withTempDir } from './store-fixtures.js';

export const SEGMENT = 64 * 1024;
export const HOUR = 3_600_000;
export const at = (hour: number, minute = 30): number => new Date(2030, 0, 10, hour, minute).getTime();

export interface Env {
  dir: string;
  faulty: FaultyFileIO;
  clock: { now: number };
  open(options?: Partial<MessageStoreOptions>, hooks?: StoreHooks): Promise<MessageStore>;
}

export async function withEnv(fn: (env: Env) => Promise<void>): Promise<void> {
  await withTempDir(async (dir) => {
    const faulty = new FaultyFileIO();
    faulty.usage = { total: 100 * 1024 ** 3, free: 50 * 1024 ** 3 }; // 50 %, whatever the real disk
    const clock = { now: at(4) };
    const open = (options: Partial<MessageStoreOptions> = {}, hooks: StoreHooks = {}) =>
      openStore(
        dir,
        {
          commitLogSegmentSize: SEGMENT,
          consumeQueueEntriesPerFile: 10,
          deleteCommitLogFilesInterval: 0,
          deleteConsumeQueueFilesInterval: 0,
          ...options,
        },
        { fileIO: faulty.io, now: () => clock.now, ...hooks },
      );
    await fn({ dir, faulty, clock, open });
  });
}

export async function fill(
  store: MessageStore,
  count: number,
  queueId = 0,
  topic = 'T',
  tag = '',
): Promise<void> {
  for (let i = 0; i < count; i++) {
    const body = Buffer.from(`${topic}-${queueId}-${tag}${i}|`.padEnd(1000, '.'));
    const r = await store.putMessage(message({ topic, queueId, body }));
    assert.equal(r.status, 'PUT_OK');
  }
}

export function segmentFiles(dir: string): string[] {
  return fs.readdirSync(path.join(dir, 'commitlog')).sort();
}
export function queueFiles(dir: string, topic: string, queueId: number): string[] {
  const d = path.join(dir, 'consumequeue', topic, String(queueId));
  return fs.existsSync(d) ? fs.readdirSync(d).sort() : [];
}
export function ageSegments(env: Env, hoursOld: number[]): void {
  segmentFiles(env.dir).forEach((name, i) => {
    const t = new Date(env.clock.now - (hoursOld[i] ?? 0) * HOUR);
    fs.utimesSync(path.join(env.dir, 'commitlog', name), t, t);
  });
}
export function bodyOf(buf: Buffer): string {
  return decodeMessageRecord(buf, 0).body.toString().split('|')[0]!;
}
/** Every message of a queue from its min offset, by body prefix; the read must end at the queue's end. */
export async function readQueue(store: MessageStore, topic: string, queueId: number): Promise<string[]> {
  const out: string[] = [];
  let offset = store.getMinOffsetInQueue(topic, queueId);
  for (;;) {
    const got = await store.getMessage('g', topic, queueId, offset, 32);
    if (got.status !== 'FOUND') {
      assert.equal(got.status, 'OFFSET_OVERFLOW_ONE', `read ended at ${offset} with ${got.status}`);
      return out;
    }
    out.push(...got.messages.map(bodyOf));
    offset = got.nextBeginOffset;
  }
}
