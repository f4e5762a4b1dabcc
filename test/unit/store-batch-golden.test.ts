/**
 * Golden bytes of batch puts: the commit-log segments, the consume-queue files, every PutResult field
 * and every arrival signal of a fixed sequence of puts are hashed and compared with the hashes the
 * store produced before the batch path was optimised (recorded once, never regenerated to make a
 * change pass). Any field of any record, entry or answer that changes fails this test.
 *
 * The sequence covers what the batch path special-cases: records rolling over to a new segment in
 * the middle of a batch (END-OF-FILE blank), consume-queue files filling up mid batch, multi-byte
 * property strings, empty bodies and properties, an old `__CRC32#` entry, tags (tags codes), caller
 * tags codes, IPv6 hosts, different flags, single puts between batches, and batches whose inputs do
 * not share the batch fields.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { test } from 'node:test';
import { MessageSysFlag } from '../../src/protocol/message/constants.js';
import type { PutMessageInput, PutResult } from '../../src/server/store/index.js';
import { hashTree, openStore, withTempDir } from '../helpers/store-fixtures.js';

const bornHost = { ip: '10.0.0.7', port: 51000 };
const storeHost = { ip: '127.0.0.1', port: 10911 };

/** Deterministic pseudo-random bytes (xorshift32), so the golden hashes never depend on Math.random. */
function bytes(seed: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed | 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function input(i: number, overrides: Partial<PutMessageInput> = {}): PutMessageInput {
  const kinds = [
    `UNIQ_KEY\u0001ID${i}\u0002WAIT\u0001true\u0002CLUSTER\u0001DefaultCluster`,
    `UNIQ_KEY\u0001ID${i}\u0002TAGS\u0001tag${i % 5}\u0002CLUSTER\u0001DefaultCluster\u0002`,
    '',
    `KEYS\u0001ключ-${i}\u0002CLUSTER\u0001c`,
    `a\u0001b\u0002__CRC32#\u0001000000000${i % 10}\u0002CLUSTER\u0001c`,
  ];
  return {
    topic: 'GoldenTopic',
    queueId: 1,
    flag: i % 3,
    body: bytes(i + 1, i % 7 === 0 ? 0 : 100 + ((i * 37) % 300)),
    properties: kinds[i % kinds.length]!,
    sysFlag: 0,
    bornTimestamp: 1_764_000_000_000 + i,
    bornHost,
    storeHost,
    reconsumeTimes: 0,
    preparedTransactionOffset: 0n,
    ...overrides,
  };
}

function batch(from: number, count: number, overrides: Partial<PutMessageInput> = {}): PutMessageInput[] {
  const out: PutMessageInput[] = [];
  for (let i = from; i < from + count; i++)
    out.push(input(i, { bornTimestamp: 1_764_000_000_000, ...overrides }));
  return out;
}

/** Every field of a put's answer, listed (so fields added later for speed stay out of the hash). */
function resultText(r: PutResult): string {
  const { status, physicalOffset, queueOffset, storeSize, storeTimestamp, wroteBytes } = r;
  const records = r.records.map((x) => ({
    physicalOffset: x.physicalOffset,
    queueOffset: x.queueOffset,
    storeSize: x.storeSize,
  }));
  const fields = { status, physicalOffset, queueOffset, storeSize, storeTimestamp, wroteBytes, records };
  return JSON.stringify(fields, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
}

test('batch puts store, index, answer and signal exactly the golden bytes', async () => {
  await withTempDir(async (dir) => {
    let clock = 1_764_000_100_000;
    const store = await openStore(
      dir,
      { commitLogSegmentSize: 16 * 1024, consumeQueueEntriesPerFile: 50 },
      { now: () => clock++ },
    );
    const arrivals: string[] = [];
    store.onMessageArrived((topic, queueId, offset, arrival) => {
      arrivals.push(`${topic}/${queueId}@${offset} ${arrival?.tagsCode} ${arrival?.properties}`);
    });
    const results: string[] = [];
    const put = async (inputs: PutMessageInput[]): Promise<void> => {
      const r = await store.putMessages(inputs);
      assert.equal(r.status, 'PUT_OK');
      results.push(resultText(r));
    };
    await put(batch(0, 40));
    await put([input(100, { queueId: 2 })]);
    await put(batch(40, 120)); // rolls over a segment and two consume-queue files
    await put(batch(200, 3, { flag: 5, sysFlag: MessageSysFlag.MULTI_TAGS }));
    await put(batch(300, 30, { queueId: 2, bornHost: { ip: '::1', port: 7 } }));
    const mixed = batch(400, 6);
    mixed[2] = { ...mixed[2]!, queueId: 3 };
    mixed[4] = { ...mixed[4]!, tagsCode: 4242n };
    await put(mixed);
    await put(batch(500, 1));
    await put(batch(600, 90, { queueId: 0 }));
    await store.close();

    const digest = (text: string): string => createHash('sha256').update(text).digest('hex');
    assert.deepEqual(
      {
        commitLog: hashTree(path.join(dir, 'commitlog')),
        consumeQueues: hashTree(path.join(dir, 'consumequeue')),
        results: digest(results.join('\n')),
        arrivals: digest(arrivals.join('\n')),
        arrivalCount: arrivals.length,
      },
      {
        commitLog: '59fb6f409be4db7d6ac8456492e4661a72b5291950ef08375dc2755190fb5b63',
        consumeQueues: '9ca0c7dca0a63679be4cbf576f2b912df9cfcbba27df6065d1ef3b9fdd670dc1',
        results: 'ef77993fe126edec6df9dd79fe06b14ed738c8a0796e2c67e3cd459d143e357c',
        arrivals: '5ff0feb251a4ac4b524a1ba27e61df1549625cbfd6a43e9bb64249a00522bd1a',
        arrivalCount: 291,
      },
    );
  });
});
