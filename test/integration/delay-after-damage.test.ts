/**
 * A delayed message lost to damage must not hold up the ones behind it. Recovery keeps a damaged
 * record's queue offset in the schedule queue as a hole (an entry smaller than a record, which
 * readers skip); the delay level's drain, which reads that queue, must step over it and deliver the
 * rest of the level once they are due.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeMessageRecord, recordFieldOffsets } from '../../src/protocol/message/record.js';
import { SystemTopic } from '../../src/protocol/message/validators.js';
import { Broker } from '../../src/server/broker/index.js';
import { createTopic, newClient, pullAll, send } from '../helpers/broker-client.js';
import { waitFor } from '../helpers/wait.js';

const TOPIC = 'DelayDamage';
const SEGMENT = 1024 * 1024;

const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** Flips one bit of the commit log at `pos`, as a torn or bad sector would. */
function flipByteAt(storePath: string, pos: number): void {
  const start = pos - (pos % SEGMENT);
  const file = path.join(storePath, 'commitlog', String(start).padStart(20, '0'));
  const fd = fs.openSync(file, 'r+');
  const b = Buffer.alloc(1);
  fs.readSync(fd, b, 0, 1, pos - start);
  b[0]! ^= 0x10;
  fs.writeSync(fd, b, 0, 1, pos - start);
  fs.closeSync(fd);
}

describe('delay levels after a damaged record', () => {
  it('deliver the delayed messages behind one lost to damage', async () => {
    const storePath = fs.mkdtempSync(path.join(os.tmpdir(), 'rmq-delay-damage-'));
    dirs.push(storePath);
    const options = { storePath, port: 0, namesrvAddrs: [], commitLogSegmentSize: SEGMENT };
    const client = newClient();
    // First run: one level of an hour, so nothing falls due before the damage.
    let broker = new Broker({ ...options, messageDelayLevel: '1h' });
    await broker.start();
    try {
      assert.equal((await createTopic(client, broker.address, TOPIC, 1)).code, 0);
      for (const body of ['first', 'damaged', 'third', 'fourth']) {
        const r = await send(client, broker.address, {
          topic: TOPIC,
          body,
          properties: { WAIT: 'true', DELAY: '1' },
        });
        assert.equal(r.code, 0, r.remark ?? '');
      }
      const got = await broker.store.getMessage('t', SystemTopic.RMQ_SYS_SCHEDULE_TOPIC, 0, 1n, 1);
      const victim = decodeMessageRecord(got.messages[0]!);
      assert.equal(victim.body.toString(), 'damaged');
      await broker.shutdown();
      const bodyAt = Number(victim.physicalOffset) + recordFieldOffsets(0).bodyLength + 4;
      flipByteAt(storePath, bodyAt + 2);

      // Second run: the level is now a second long, so all four are due at once.
      broker = new Broker({ ...options, messageDelayLevel: '1s' });
      await broker.start();
      const delivered = await waitFor(
        'the delayed messages behind the damaged one',
        async () => {
          const bodies = (await pullAll(client, broker.address, TOPIC, 0)).map((r) => r.body.toString());
          return bodies.length >= 3 ? bodies : undefined;
        },
        10_000,
        50,
      );
      assert.deepEqual(delivered, ['first', 'third', 'fourth']);
    } finally {
      await client.shutdown();
      await broker.shutdown();
    }
  });
});
