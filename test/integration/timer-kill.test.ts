/**
 * Timer messages across SIGKILL: a broker child process (SYNC_FLUSH, 100 ms timer precision) gets
 * timer messages with delays spread over the next ~1.2 s, some recalled right away, and is killed at a
 * random moment while it delivers them; it is restarted on the same store and the round repeats. At
 * the end every acknowledged, not recalled timer message is in its real queue exactly once, and no
 * recalled one is. Rounds: 2 under `npm test`, 8 under `npm run test:long`.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RequestCode } from '../../src/protocol/codes/request-code.js';
import { RecallMessageRequestHeader } from '../../src/protocol/headers/recall.js';
import { decodeProperties } from '../../src/protocol/message/properties.js';
import type { RemotingClient } from '../../src/transport/index.js';
import { createTopic, newClient, pullAll, request, send } from '../helpers/broker-client.js';
import { startBrokerProcess } from '../helpers/broker-process.js';
import type { BrokerProcess } from '../helpers/broker-process.js';
import { byTier } from '../helpers/tier.js';
import { Prng } from '../helpers/prng.js';

const TOPIC = 'TimerKill';
const QUEUES = 2;
const ROUNDS = byTier(2, 8);
const PER_ROUND = byTier(40, 120);
// Small commit-log segments: a 1 GiB one takes seconds to create on a busy disk.
const OPTIONS = { timerPrecisionMs: 100, recallMessageEnable: true, commitLogSegmentSize: 8 * 1024 * 1024 };

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

async function delivered(client: RemotingClient, addr: string): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  for (let q = 0; q < QUEUES; q++) {
    for (const rec of await pullAll(client, addr, TOPIC, q)) {
      const key = decodeProperties(rec.properties).UNIQ_KEY ?? '';
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
  }
  return seen;
}

describe('timer messages across kill -9', () => {
  it('delivers every acknowledged timer message once and no recalled one', async () => {
    const rng = new Prng(11);
    const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'rmq-timer-kill-'));
    cleanups.push(() => fs.promises.rm(dir, { recursive: true, force: true }));
    const acked = new Set<string>();
    const recalled = new Set<string>();
    let lastDue = 0;
    let seq = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const proc: BrokerProcess = await startBrokerProcess(dir, 'SYNC_FLUSH', 30_000, OPTIONS);
      cleanups.push(async () => void proc.child.kill('SIGKILL'));
      const client = newClient();
      if (round === 0) assert.equal((await createTopic(client, proc.address, TOPIC, QUEUES)).code, 0);
      const sends: Promise<void>[] = [];
      for (let i = 0; i < PER_ROUND; i++) {
        const key = `TK${String(seq++).padStart(6, '0')}`;
        const recall = i % 8 === 0;
        const delay = recall ? 3000 : 50 + rng.int(1200);
        sends.push(
          (async () => {
            const r = await send(client, proc.address, {
              topic: TOPIC,
              queueId: i % QUEUES,
              body: key,
              properties: { UNIQ_KEY: key, TIMER_DELAY_MS: String(delay), WAIT: 'true' },
            });
            assert.equal(r.code, 0, r.remark);
            lastDue = Math.max(lastDue, Date.now() + delay);
            if (!recall) return void acked.add(key);
            const handle = r.extFields?.recallHandle ?? '';
            const ext = RecallMessageRequestHeader.encode({
              producerGroup: 'PG',
              topic: TOPIC,
              recallHandle: handle,
            });
            const answer = await request(client, proc.address, RequestCode.RECALL_MESSAGE, ext);
            assert.equal(answer.code, 0, answer.remark);
            assert.equal(answer.extFields?.msgId, key);
            recalled.add(key);
          })(),
        );
      }
      await Promise.all(sends);
      await new Promise((r) => setTimeout(r, rng.int(900)));
      proc.child.kill('SIGKILL');
      assert.equal(await proc.exited, null, 'died by signal');
      await client.shutdown();
    }
    const proc = await startBrokerProcess(dir, 'SYNC_FLUSH', 30_000, OPTIONS);
    cleanups.push(async () => void proc.child.kill('SIGKILL'));
    const client = newClient();
    cleanups.push(() => client.shutdown());
    const deadline = Date.now() + 20_000;
    let seen = await delivered(client, proc.address);
    while ([...acked].some((k) => !seen.has(k)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      seen = await delivered(client, proc.address);
    }
    // Past the last due time plus a tick: anything recalled or duplicated would be there by now.
    await new Promise((r) => setTimeout(r, Math.max(0, lastDue - 3000 - Date.now()) + 200));
    seen = await delivered(client, proc.address);
    const missing = [...acked].filter((k) => !seen.has(k));
    const twice = [...seen].filter(([, n]) => n > 1).map(([k]) => k);
    const resurrected = [...recalled].filter((k) => seen.has(k));
    assert.deepEqual({ missing, twice, resurrected }, { missing: [], twice: [], resurrected: [] });
    assert.equal(seen.size, acked.size);
    proc.child.kill('SIGTERM');
    assert.equal(await proc.exited, 0, 'graceful stop');
  });
});
