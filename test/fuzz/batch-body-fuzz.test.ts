/**
 * Hostile SEND_BATCH_MESSAGE bodies through the broker's batch path: indexBatch either indexes a body
 * or throws ProtocolError (nothing else), and every indexed body is prepared by prepareIndexedBatch
 * exactly as prepareRecord prepares each message's batchInput (same bytes, tags codes, strings, or
 * the same first refusal). Bodies are well formed, broken (a flipped byte, a rewritten length, cut
 * short) or random, with properties that are not UTF-8, carry old checksum entries or TAGS, or sit
 * at the 32767-byte limit.
 */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { it } from 'node:test';
import { ProtocolError } from '../../src/common/errors.js';
import { indexBatch } from '../../src/protocol/message/batch.js';
import type { IndexedBatchPut } from '../../src/server/store/index.js';
import { batchInput, prepareIndexedBatch } from '../../src/server/store/indexed-batch.js';
import { prepareRecord } from '../../src/server/store/record-builder.js';
import type { PreparedRecord } from '../../src/server/store/record-builder.js';
import { expectedRefusal, rawBatchEntry } from '../helpers/batch-bodies.js';
import { Prng } from '../helpers/prng.js';
import { byTier } from '../helpers/tier.js';

const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : randomInt(0, 2 ** 31);
const ITERATIONS = Number(process.env.FUZZ_ITERATIONS ?? byTier(3_000, 30_000));
const limits = { maxMessageSize: 2048, maxRecordInSegment: 1 << 20 };
const NAMES = ['TAGS', 'KEYS', 'UNIQ_KEY', 'WAIT', '__CRC32#', 'T', 'x'];
const VALUES = ['red', 'é', '值', '', 'TAGS', '0000000001', '\u0001', 'a\u0002b'];

function properties(rng: Prng): Buffer {
  switch (rng.int(8)) {
    case 0:
      return Buffer.from([0x4b, 0x01, 0xc3, 0x28, 0xff, 0x80, 0x02]);
    case 1:
      return Buffer.from(`K\u0001${'v'.repeat(rng.range(32_690, 32_767))}`);
    case 2:
      return rng.bytes(rng.range(0, 40));
    default: {
      const pairs: string[] = [];
      for (let i = rng.int(5); i > 0; i--) pairs.push(`${rng.pick(NAMES)}\u0001${rng.pick(VALUES)}`);
      return Buffer.from(pairs.join('\u0002') + (rng.bool(0.5) ? '\u0002' : ''));
    }
  }
}

function batchBody(rng: Prng): Buffer {
  if (rng.int(10) === 0) return rng.bytes(rng.range(0, 200));
  const entries: Buffer[] = [];
  for (let i = rng.range(1, 8); i > 0; i--) {
    const props = properties(rng);
    const body = rng.bytes(rng.int(6) === 0 ? rng.range(2000, 2100) : rng.range(0, 300));
    entries.push(
      rawBatchEntry({ flag: rng.pick([0, 1, -1, 0x7fffffff, -0x80000000]), body, properties: props }),
    );
  }
  const out = Buffer.concat(entries);
  switch (rng.int(6)) {
    case 0: {
      const at = rng.range(0, out.length - 1);
      out[at] = out[at]! ^ (1 << rng.int(8));
      return out;
    }
    case 1:
      out.writeInt32BE(rng.pick([0, 21, 22, out.length + 1, -1, 0x7fffffff]), 0);
      return out;
    case 2:
      return out.subarray(0, rng.range(0, out.length - 1));
    default:
      return out;
  }
}

it(`hostile batch bodies: indexed or refused with ProtocolError, prepared as message by message (seed ${SEED})`, () => {
  const rng = new Prng(SEED);
  let indexed = 0;
  let stored = 0;
  for (let n = 0; n < ITERATIONS; n++) {
    const body = batchBody(rng);
    let messages;
    try {
      messages = indexBatch(body);
    } catch (err) {
      assert.ok(err instanceof ProtocolError, `seed ${SEED} input ${n}: ${String(err)}`);
      continue;
    }
    indexed++;
    if (messages.count === 0) continue;
    const put: IndexedBatchPut = {
      topic: 'FuzzTopic',
      queueId: 1,
      sysFlag: 0,
      bornTimestamp: 1_764_000_000_000,
      bornHost: { ip: '10.1.2.3', port: 4 },
      storeHost: { ip: '127.0.0.1', port: 10911 },
      reconsumeTimes: 0,
      waitStoreMsgOK: true,
      messages,
      sharedProperties: rng.pick(['', 'WAIT\u0001true\u0002CLUSTER\u0001c', 'TAGS\u0001s\u0002', 'é\u0001ü']),
    };
    const got = prepareIndexedBatch(put, limits);
    const alone = Array.from({ length: messages.count }, (_, i) => prepareRecord(batchInput(put, i), limits));
    const refusal = expectedRefusal(alone, limits.maxMessageSize);
    if (refusal !== undefined) {
      assert.deepEqual(got, refusal, `seed ${SEED} input ${n}: the first refusal`);
      continue;
    }
    assert.ok(Array.isArray(got));
    stored++;
    got.forEach((rec, i) => {
      const ref = alone[i] as PreparedRecord;
      assert.ok(
        rec.buf.subarray(rec.at, rec.at + rec.size).equals(ref.buf),
        `seed ${SEED} input ${n} record ${i}`,
      );
      assert.equal(rec.tagsCode, ref.tagsCode);
      assert.equal(rec.properties, ref.properties);
    });
  }
  assert.ok(indexed > ITERATIONS / 3 && stored > ITERATIONS / 20, `${indexed} indexed, ${stored} stored`);
});
