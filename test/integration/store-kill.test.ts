/**
 * Crash test: a child process appends to a SYNC_FLUSH store and prints every acknowledged put; the
 * test SIGKILLs it mid-stream, reopens the store and checks that every acknowledged message is there
 * byte for byte, that queue offsets have no gaps, and that appends continue. Rounds on one dir: one
 * under `npm test`, three under `npm run test:long`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeMessageRecord } from '../../src/protocol/message/record.js';
import { MessageStore } from '../../src/server/store/index.js';
import { checkRecordChecksum, withoutChecksumProperty } from '../../src/server/store/record-checksum.js';
import {
  KILL_TEST_QUEUES,
  KILL_TEST_STORE_OPTIONS,
  killTestMessage,
} from '../helpers/store-kill-fixtures.js';
import { withTempDir } from '../helpers/store-fixtures.js';
import { byTier } from '../helpers/tier.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const writerScript = path.join(repoRoot, 'test', 'helpers', 'store-writer.ts');
const ROUNDS = byTier(1, 3);

interface Ack {
  index: number;
  queueId: number;
  queueOffset: bigint;
  phys: bigint;
}

/** Runs the writer until `killAfter` acks were printed, then SIGKILLs it. */
function runAndKill(dir: string, first: number, killAfter: number): Promise<Ack[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', writerScript, dir, String(first), '100000'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acks: Ack[] = [];
    let buffered = '';
    let stderr = '';
    let killed = false;
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!; // an incomplete last line is not an acknowledgement
      for (const line of lines) {
        const parts = line.split(' ');
        if (parts[0] === 'FAIL') reject(new Error(`writer reported ${line}`));
        if (parts[0] !== 'ACK') continue;
        acks.push({
          index: Number(parts[1]),
          queueId: Number(parts[2]),
          queueOffset: BigInt(parts[3]!), // ACK lines carry all five fields (store-writer.ts)
          phys: BigInt(parts[4]!),
        });
        if (!killed && acks.length >= killAfter) {
          killed = true;
          child.kill('SIGKILL');
        }
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      if (signal !== 'SIGKILL') reject(new Error(`writer exited with ${code}/${signal}: ${stderr}`));
      else resolve(acks);
    });
  });
}

async function verify(store: MessageStore, acks: Ack[]): Promise<number> {
  // Every acknowledged message: same bytes at the acknowledged position and queue offset.
  for (const ack of acks) {
    const expected = killTestMessage(ack.index);
    const got = await store.getMessage('g', 'KillTest', ack.queueId, ack.queueOffset, 1);
    assert.equal(got.status, 'FOUND', `ack ${ack.index} missing`);
    const rec = decodeMessageRecord(got.messages[0]!, 0, { verifyCrc: true });
    assert.equal(rec.physicalOffset, ack.phys);
    assert.equal(rec.queueOffset, ack.queueOffset);
    assert.deepEqual(rec.body, expected.body);
    assert.equal(withoutChecksumProperty(rec.properties), expected.properties);
    assert.equal(checkRecordChecksum(got.messages[0]!, 0, rec.storeSize), 'ok');
    assert.equal(rec.flag, expected.flag);
    assert.equal(rec.bornTimestamp, expected.bornTimestamp);
  }
  // Each queue: offsets 0..max-1 all readable, contiguous, each a valid message of that queue.
  let highest = -1;
  for (let q = 0; q < KILL_TEST_QUEUES; q++) {
    const max = store.getMaxOffsetInQueue('KillTest', q);
    let offset = 0n;
    while (offset < max) {
      const got = await store.getMessage('g', 'KillTest', q, offset, 32);
      assert.equal(got.status, 'FOUND');
      for (const m of got.messages) {
        const rec = decodeMessageRecord(m, 0, { verifyCrc: true });
        assert.equal(rec.queueOffset, offset, `gap in queue ${q}`);
        const index = Number(rec.body.toString().split(':')[0]!.slice('message-'.length));
        assert.equal(index % KILL_TEST_QUEUES, q);
        assert.deepEqual(rec.body, killTestMessage(index).body);
        assert.equal(withoutChecksumProperty(rec.properties), killTestMessage(index).properties);
        assert.equal(checkRecordChecksum(m, 0, rec.storeSize), 'ok');
        highest = Math.max(highest, index);
        offset++;
      }
    }
  }
  return highest;
}

test('SIGKILL during SYNC_FLUSH appends loses no acknowledged message', async () => {
  await withTempDir(async (dir) => {
    let first = 0;
    const allAcks: Ack[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const killAfter = 150 + Math.floor(Math.random() * 250);
      const acks = await runAndKill(dir, first, killAfter);
      assert.ok(acks.length >= killAfter);
      allAcks.push(...acks);

      const store = new MessageStore({ storePathRootDir: dir, ...KILL_TEST_STORE_OPTIONS });
      const report = await store.open();
      assert.equal(report.cleanShutdown, false, 'the killed writer left the abort marker');
      const highest = await verify(store, allAcks);
      // New appends continue right after the recovered end of each queue.
      const probe = killTestMessage(highest + 1);
      const before = store.getMaxOffsetInQueue('KillTest', probe.queueId);
      const put = await store.putMessage(probe);
      assert.equal(put.status, 'PUT_OK');
      assert.equal(put.queueOffset, before);
      allAcks.push({
        index: highest + 1,
        queueId: probe.queueId,
        queueOffset: put.queueOffset,
        phys: put.physicalOffset,
      });
      await store.close();
      first = highest + 2;
    }
  });
});
