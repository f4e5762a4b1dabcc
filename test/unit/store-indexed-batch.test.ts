/**
 * The broker's batch path (store/indexed-batch.ts: records written straight from the request's batch
 * body) against prepareRecord of each message's batchInput, and batchInput against what the broker
 * stored before (decodeBatch, then the batch's properties after one separator): same bytes, tags
 * codes, property strings and refusals; and a store fed through putBatch writes the same files,
 * answers and arrivals as one fed the same messages through putMessages.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { decodeBatch, indexBatch } from '../../src/protocol/message/batch.js';
import { MessageSysFlag } from '../../src/protocol/message/constants.js';
import type { IndexedBatchPut, PutResult } from '../../src/server/store/index.js';
import { batchInput, prepareIndexedBatch } from '../../src/server/store/indexed-batch.js';
import { RecordBufferPool } from '../../src/server/store/record-buffers.js';
import { prepareRecord } from '../../src/server/store/record-builder.js';
import type { PreparedRecord } from '../../src/server/store/record-builder.js';
import { expectedRefusal, rawBatchBody } from '../helpers/batch-bodies.js';
import { hashTree, openStore, withTempDir } from '../helpers/store-fixtures.js';

const limits = { maxMessageSize: 4096, maxRecordInSegment: 1 << 20 };

function rng(seed: number): (n: number) => number {
  let x = seed | 1;
  return (n) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
}

const OWN_PROPERTIES = [
  '',
  'UNIQ_KEY\u0001AC1100010000\u0002WAIT\u0001true\u0002',
  'UNIQ_KEY\u0001AC1100010001',
  'TAGS\u0001red\u0002KEYS\u0001k1',
  'KEYS\u0001xTAGSy\u0002', // TAGS inside a value: tags code 0
  'KEYS\u0001ключ\u0002',
  'a\u0001b\u0002__CRC32#\u00010000000042\u0002',
  'TAGS\u0001值',
  '\u0002\u0002x\u0001\u0002',
  'KEYS\u0001a  b a\u0002UNIQ_KEY\u0001b', // a key twice, the UNIQ_KEY among the KEYS
  'XKEYS\u0001notkey\u0002UNIQ_KEY\u0001\u0002KEYS\u0001 c ', // not KEYS, an empty UNIQ_KEY
];
/** Keys the properties above are indexed under (and some they are not). */
const INDEX_KEYS = [
  'AC1100010000',
  'AC1100010001',
  'k1',
  'xTAGSy',
  'ключ',
  'a',
  'b',
  'c',
  's1',
  'k9',
  'U100',
  'U101',
  'SU',
  'e1',
  'U7',
  'notkey',
  '',
];
const SHARED = [
  '',
  'WAIT\u0001true\u0002CLUSTER\u0001DefaultCluster',
  'CLUSTER\u0001c\u0002',
  'CLUSTER\u0001集群',
  'TAGS\u0001shared',
  'CLUSTER\u0001c\u0002KEYS\u0001s1 a', // keys every message of the batch is found by
];

function ownBytes(pick: (n: number) => number): Buffer {
  const roll = pick(14);
  // Not UTF-8 (stored as the broker's string decode makes it): bytes no UTF-8 has, a lead byte
  // without its continuation, a lone continuation byte.
  if (roll === 0) return Buffer.from([0x4b, 0x01, 0xff, 0xfe, 0x02]);
  if (roll === 2) return Buffer.from([0x4c, 0x01, 0xc3, 0x28]);
  if (roll === 3) return Buffer.from([0x4d, 0x01, 0x61, 0x80, 0x02]);
  if (roll === 1) return Buffer.from(`K\u0001${'v'.repeat(32_700 + pick(80))}`); // near the 32767 limit
  return Buffer.from(OWN_PROPERTIES[pick(OWN_PROPERTIES.length)]!, 'utf8');
}

function randomPut(seed: number, count: number, shared: string): IndexedBatchPut {
  const pick = rng(seed);
  const entries = Array.from({ length: count }, () => ({
    flag: pick(5) - 2,
    body: Buffer.alloc(pick(9) === 0 ? 300 + pick(500) : pick(200), 0x30 + pick(40)),
    properties: ownBytes(pick),
  }));
  return {
    topic: 'IndexedTopic',
    queueId: 2,
    sysFlag: pick(2) === 0 ? 0 : MessageSysFlag.MULTI_TAGS,
    bornTimestamp: 1_764_000_000_123,
    bornHost: pick(4) === 0 ? { ip: '::1', port: 7 } : { ip: '10.0.0.7', port: 51000 },
    storeHost: { ip: '127.0.0.1', port: 10911 },
    reconsumeTimes: 0,
    waitStoreMsgOK: true,
    messages: indexBatch(rawBatchBody(entries)),
    sharedProperties: shared,
  };
}

test('batchInput is what the broker stored before: decodeBatch, then the batch properties after one separator', () => {
  for (let seed = 1; seed <= 40; seed++) {
    for (const shared of SHARED) {
      const put = randomPut(seed, 6, shared);
      decodeBatch(put.messages.body).forEach((e, i) => {
        let properties = e.properties;
        if (properties.length > 0 && shared.length > 0 && !properties.endsWith('\u0002'))
          properties += '\u0002';
        properties += shared;
        const input = batchInput(put, i);
        assert.equal(input.properties, properties);
        assert.ok(Buffer.isBuffer(input.body) && input.body.equals(e.body));
        assert.equal(input.flag, e.flag);
      });
    }
  }
});

test('every record is byte for byte what prepareRecord encodes of its batchInput; refusals are the same', () => {
  let refusals = 0;
  let records = 0;
  for (let seed = 1; seed <= 150; seed++) {
    for (const shared of [...SHARED, 'x\u0001y\u0002__CRC32#\u00010000000001']) {
      const put = randomPut(seed * 7 + shared.length, 1 + (seed % 9), shared);
      const got = prepareIndexedBatch(put, limits);
      const alone = Array.from({ length: put.messages.count }, (_, i) =>
        prepareRecord(batchInput(put, i), limits),
      );
      const firstRefusal = expectedRefusal(alone, limits.maxMessageSize);
      if (firstRefusal !== undefined) {
        refusals++;
        assert.deepEqual(got, firstRefusal, `seed ${seed}: the first refusal`);
        continue;
      }
      assert.ok(Array.isArray(got), `seed ${seed}: prepared`);
      got.forEach((rec, i) => {
        const ref = alone[i] as PreparedRecord;
        records++;
        assert.ok(
          rec.buf.subarray(rec.at, rec.at + rec.size).equals(ref.buf),
          `seed ${seed} record ${i} bytes`,
        );
        assert.equal(rec.size, ref.size);
        assert.equal(rec.tagsCode, ref.tagsCode, `seed ${seed} record ${i} tags code`);
        assert.equal(rec.dispatched, ref.dispatched);
        assert.equal(rec.storeTimestampAt, ref.storeTimestampAt);
        assert.equal(rec.topic, ref.topic);
        assert.equal(rec.queueId, ref.queueId);
        assert.equal(rec.properties, ref.properties);
      });
    }
  }
  assert.ok(refusals > 10 && records > 1000, `${refusals} refusals, ${records} records compared`);
});

/** Files, answers and arrivals of a store fed `puts`, through putBatch or through putMessages. */
async function storeAfter(puts: IndexedBatchPut[], indexed: boolean): Promise<string[]> {
  return withTempDir(async (dir) => {
    let clock = 1_764_000_100_000;
    const store = await openStore(
      dir,
      { commitLogSegmentSize: 16 * 1024, consumeQueueEntriesPerFile: 50 },
      { now: () => clock++ },
    );
    const seen: string[] = [];
    store.onMessageArrived((topic, queueId, offset, arrival) => {
      seen.push(`${topic}/${queueId}@${offset} ${arrival?.tagsCode} ${arrival?.properties}`);
    });
    for (const put of puts) {
      const inputs = Array.from({ length: put.messages.count }, (_, i) => batchInput(put, i));
      const r: PutResult = indexed ? await store.putBatch(put) : await store.putMessages(inputs);
      const { status, physicalOffset, queueOffset, storeSize, storeTimestamp, wroteBytes } = r;
      seen.push(
        JSON.stringify({
          status,
          physicalOffset: `${physicalOffset}`,
          queueOffset: `${queueOffset}`,
          storeSize,
          storeTimestamp,
          wroteBytes,
          records: r.records.length,
        }),
      );
    }
    // What QUERY_MESSAGE finds: batch records are indexed from their property bytes, the others from
    // their property strings.
    for (const key of INDEX_KEYS) {
      const q = { topic: 'IndexedTopic', key, maxNum: 1000, begin: 0, end: Number.MAX_SAFE_INTEGER };
      const found = await store.queryMessage(q);
      seen.push(`${key}: ${found.records.map((r) => r.readBigInt64BE(28)).join(',')}`);
    }
    await store.close();
    return [...seen, hashTree(path.join(dir, 'commitlog')), hashTree(path.join(dir, 'consumequeue'))];
  });
}

test('putBatch stores, indexes, answers and signals what putMessages does with the batchInputs', async () => {
  // Batches past a segment (16 KiB) and a consume-queue file (50 entries), refusals among them.
  const puts = Array.from({ length: 14 }, (_, k) =>
    randomPut(1000 + k, 5 + ((k * 13) % 40), SHARED[k % SHARED.length]!),
  );
  // Batches with nothing to refuse: keys in the messages' own properties or only in the shared ones.
  const own = [
    'UNIQ_KEY\u0001U100',
    'KEYS\u0001k9 k9\u0002UNIQ_KEY\u0001U101',
    'TAGS\u0001t',
    '',
    'KEYS\u0001e1\u0002KEYS\u0001', // a later entry with no value: not in Java's map, e1 stays
    'UNIQ_KEY\u0001U7\u0002UNIQ_KEY\u0001\u0002',
  ];
  for (const shared of ['CLUSTER\u0001c\u0002KEYS\u0001s1 a', '', 'UNIQ_KEY\u0001SU', 'KEYS\u0001']) {
    const entries = own.map((p) => ({ flag: 0, body: Buffer.from('b'), properties: Buffer.from(p) }));
    puts.push({ ...randomPut(7, 1, shared), messages: indexBatch(rawBatchBody(entries)) });
  }
  const viaBatch = await storeAfter(puts, true);
  const viaMessages = await storeAfter(puts, false);
  assert.deepEqual(viaBatch, viaMessages);
  assert.ok(viaBatch.some((line) => line.includes('"status":"PUT_OK"')));
  for (const key of ['AC1100010000', 'k1', 'a', 'b', 'c', 's1', 'U100', 'U101']) {
    assert.match(
      viaBatch.find((l) => l.startsWith(`${key}: `))!,
      /: \d/,
      `${key} finds records`,
    );
  }
  for (const key of ['notkey', '']) assert.ok(viaBatch.includes(`${key}: `), `${key} finds nothing`);
  // A message's own KEYS followed by the batch's: the last KEYS counts (Java's property map), so k9
  // finds that message only in the batches whose shared properties give KEYS no value.
  const offsets = (key: string): number => viaBatch.find((l) => l.startsWith(`${key}: `))!.split(',').length;
  assert.equal(offsets('k9'), 3);
  assert.equal(offsets('e1'), 3);
  assert.equal(offsets('U7'), 3);
  assert.equal(offsets('s1'), own.length);
  // The same for a shared UNIQ_KEY: every message of that batch is found by it, not by its own.
  assert.equal(offsets('SU'), own.length);
  assert.equal(offsets('U100'), 3);
});

test('record buffers: kept ones are reused, given back once, larger requests get their own', () => {
  const pool = new RecordBufferPool(1024, 2);
  const a = pool.take(100);
  assert.equal(a.length, 100);
  pool.give(a);
  pool.give(a); // twice: kept once, or two puts would share one buffer
  assert.equal(pool.kept, 1);
  const b = pool.take(1024);
  assert.equal(b.buffer, a.buffer, 'the kept buffer is reused');
  assert.equal(pool.kept, 0);
  const big = pool.take(2000);
  pool.give(big);
  pool.give(Buffer.alloc(1024).subarray(0, 10)); // not from the pool's size class at offset 0: kept only if whole
  pool.give(Buffer.allocUnsafe(100)); // a pooled 8 KiB slab slice: never kept
  assert.ok(pool.kept <= 2);
  assert.ok(!pool.kept || pool.take(1).buffer !== big.buffer, 'a buffer over the capacity is never kept');
});

test('batches stored through reused record buffers read back intact', async () => {
  await withTempDir(async (dir) => {
    const store = await openStore(
      dir,
      { commitLogSegmentSize: 64 * 1024, consumeQueueEntriesPerFile: 100 },
      { beforeWrite: () => new Promise((resolve) => setTimeout(resolve, 2)) },
    );
    const sent: Buffer[] = [];
    const putOf = (k: number): IndexedBatchPut => {
      const entries = Array.from({ length: 20 }, (_, i) => ({
        flag: 0,
        body: Buffer.from(`batch ${k} message ${i} `.repeat(1 + ((k + i) % 5))),
        properties: Buffer.from(`UNIQ_KEY\u0001K${k}M${i}`),
      }));
      for (const e of entries) sent.push(e.body);
      return {
        ...randomPut(k + 1, 1, 'WAIT\u0001true'),
        queueId: 0,
        messages: indexBatch(rawBatchBody(entries)),
      };
    };
    // Writes wait a little (beforeWrite), and puts keep coming meanwhile: a buffer given back before
    // its put was written would be taken by a later put and overwritten under the waiting write.
    const puts: Promise<PutResult>[] = [];
    for (let k = 0; k < 60; k++) {
      puts.push(store.putBatch(putOf(k)));
      await new Promise((resolve) => setImmediate(resolve));
    }
    for (const r of await Promise.all(puts)) assert.equal(r.status, 'PUT_OK');
    const records: Buffer[] = [];
    while (records.length < sent.length) {
      const read = await store.getMessage('g', 'IndexedTopic', 0, BigInt(records.length), 32);
      assert.ok(read.messages.length > 0, `read from ${records.length}`);
      records.push(...read.messages);
    }
    assert.equal(records.length, sent.length);
    records.forEach((record, i) => {
      assert.ok(record.includes(sent[i]!), `message ${i} body`);
      const key = `UNIQ_KEY\u0001K${Math.floor(i / 20)}M${i % 20}\u0002`;
      assert.ok(record.includes(Buffer.from(key)), `message ${i} properties`);
    });
    await store.close();
  });
});

test('a batch whose records would pass 4 x maxMessageSize (shared properties repeated per message) is refused before any is made', () => {
  const entries = Array.from({ length: 2000 }, () => ({
    flag: 0,
    body: Buffer.alloc(0),
    properties: Buffer.alloc(0),
  }));
  const put: IndexedBatchPut = {
    ...randomPut(3, 1, ''),
    messages: indexBatch(rawBatchBody(entries)),
    sharedProperties: `K\u0001${'v'.repeat(9000)}`,
  };
  const got = prepareIndexedBatch(put, limits); // 2000 x ~9 KB of records > 4 x 4096
  assert.ok(!Array.isArray(got));
  assert.equal(got.status, 'MESSAGE_ILLEGAL');
  assert.match(got.reason, /message size exceeded/);
});
