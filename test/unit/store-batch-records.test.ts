/**
 * prepareBatchRecords (store/batch-records.ts) against prepareRecord: the same bytes and fields for
 * every record of a batch, and the same refusal as the first record prepareRecord refuses.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MessageSysFlag } from '../../src/protocol/message/constants.js';
import { prepareBatchRecords } from '../../src/server/store/batch-records.js';
import { prepareRecord } from '../../src/server/store/record-builder.js';
import type { PreparedRecord, Refusal } from '../../src/server/store/record-builder.js';
import type { PutMessageInput } from '../../src/server/store/store-types.js';

const limits = { maxMessageSize: 4096, maxRecordInSegment: 1 << 20 };
const bornHost = { ip: '10.0.0.7', port: 51000 };
const storeHost = { ip: '127.0.0.1', port: 10911 };

function batchOf(
  entries: { body: Buffer; properties: string; flag?: number; tagsCode?: bigint }[],
): PutMessageInput[] {
  return entries.map((e) => ({
    topic: 'BatchTopic',
    queueId: 3,
    flag: e.flag ?? 0,
    body: e.body,
    properties: e.properties,
    sysFlag: MessageSysFlag.MULTI_TAGS,
    bornTimestamp: 1_764_000_000_123,
    bornHost,
    storeHost,
    reconsumeTimes: 0,
    preparedTransactionOffset: 0n,
    ...(e.tagsCode !== undefined && { tagsCode: e.tagsCode }),
  }));
}

function assertSameAsAlone(batch: PutMessageInput[]): void {
  const prepared = prepareBatchRecords(batch, limits);
  if (!Array.isArray(prepared)) assert.fail(`refused: ${prepared.status} ${prepared.reason}`);
  assert.equal(prepared.length, batch.length);
  batch.forEach((input, i) => {
    const alone = prepareRecord(input, limits) as PreparedRecord;
    const got = prepared[i]!;
    const bytes = got.buf.subarray(got.at, got.at + got.size);
    assert.ok(bytes.equals(alone.buf), `record ${i} bytes differ`);
    assert.equal(alone.at, 0);
    assert.equal(got.size, alone.size);
    assert.equal(got.size, alone.buf.length);
    assert.ok(got.at >= 0 && got.at + got.size <= got.buf.length);
    assert.equal(got.tagsCode, alone.tagsCode);
    assert.equal(got.dispatched, alone.dispatched);
    assert.equal(got.storeTimestampAt, alone.storeTimestampAt);
    assert.equal(got.topic, input.topic);
    assert.equal(got.queueId, input.queueId);
    assert.equal(got.properties, input.properties);
  });
}

test('batch records are byte for byte what prepareRecord encodes, whatever each property string holds', () => {
  assertSameAsAlone(
    batchOf([
      { body: Buffer.from('first'), properties: 'UNIQ_KEY\u0001A1\u0002WAIT\u0001true\u0002' },
      {
        body: Buffer.alloc(128, 0x61),
        properties: 'UNIQ_KEY\u0001A2\u0002TAGS\u0001red\u0002CLUSTER\u0001c',
      },
      { body: Buffer.alloc(0), properties: '', flag: 7 },
      { body: Buffer.from('é'), properties: 'KEYS\u0001ключ\u0002' },
      { body: Buffer.from('x'), properties: 'a\u0001b\u0002__CRC32#\u00010000000001\u0002' },
      { body: Buffer.from('y'), properties: 'TAGS\u0001blue', tagsCode: 99n },
    ]),
  );
});

test('a batch whose inputs do not share the batch fields is prepared record by record', () => {
  const batch = batchOf([
    { body: Buffer.from('a'), properties: 'k\u0001v' },
    { body: Buffer.from('b'), properties: 'k\u0001w' },
  ]);
  batch[1] = { ...batch[1]!, queueId: 4, bornHost: { ip: '::1', port: 1 } };
  assertSameAsAlone(batch);
});

test('the first record prepareRecord refuses refuses the batch, with its status and reason', () => {
  const cases: [string, Partial<PutMessageInput>][] = [
    ['body over maxMessageSize', { body: Buffer.alloc(limits.maxMessageSize + 1) }],
    ['property string too long', { properties: `k\u0001${'v'.repeat(32_800)}` }],
    ['properties too long once the checksum slot is added', { properties: `k\u0001${'v'.repeat(32_760)}` }],
    ['multi-byte properties over the limit in bytes', { properties: `k\u0001${'é'.repeat(16_390)}` }],
  ];
  for (const [what, change] of cases) {
    const batch = batchOf([
      { body: Buffer.from('ok'), properties: 'k\u0001v' },
      { body: Buffer.from('ok'), properties: 'k\u0001v' },
      { body: Buffer.from('ok'), properties: 'k\u0001v' },
    ]);
    batch[1] = { ...batch[1]!, ...change };
    batch[2] = { ...batch[2]!, body: Buffer.alloc(limits.maxMessageSize + 5) };
    const expected = prepareRecord(batch[1], limits) as Refusal;
    assert.ok(!('buf' in expected), `${what}: prepareRecord takes it`);
    assert.deepEqual(prepareBatchRecords(batch, limits), expected, what);
  }
});

test('a refused first record refuses the batch before anything is encoded', () => {
  const batch = batchOf([
    { body: Buffer.from('a'), properties: '' },
    { body: Buffer.from('b'), properties: '' },
  ]).map((input) => ({ ...input, topic: 'bad topic' }));
  assert.deepEqual(prepareBatchRecords(batch, limits), prepareRecord(batch[0]!, limits));
});
