/**
 * The half-message protocol's records (server/broker/transaction/half-messages.ts): op bodies as 4.9.8
 * writes them ("12") and as 5.x batches them ("12,13,"), the half input a send becomes, the commit
 * input (Java endMessageTransaction) and the transaction key shared by every copy of a half.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MessageSysFlag } from '../../src/protocol/message/constants.js';
import { decodeProperties, encodeProperties } from '../../src/protocol/message/properties.js';
import type { MessageRecord } from '../../src/protocol/message/record.js';
import {
  HALF_ORIGIN,
  commitInput,
  opInput,
  parseOpRecord,
  realTarget,
  renewedHalfInput,
  toHalfInput,
  transactionKey,
} from '../../src/server/broker/transaction/half-messages.js';
import type { PutMessageInput } from '../../src/server/store/index.js';

const host = { ip: '127.0.0.1', port: 10911 };

function record(over: Partial<MessageRecord>): MessageRecord {
  return {
    topic: 'RMQ_SYS_TRANS_OP_HALF_TOPIC',
    queueId: 0,
    flag: 0,
    queueOffset: 0n,
    physicalOffset: 0n,
    sysFlag: 0,
    bornTimestamp: 1,
    bornHost: host,
    storeTimestamp: 2,
    storeHost: host,
    reconsumeTimes: 0,
    preparedTransactionOffset: 0n,
    body: Buffer.alloc(0),
    properties: '',
    bodyCrc: 0,
    storeSize: 0,
    ...over,
  };
}

describe('op records', () => {
  it('reads 4.9.8 single offsets, 5.x batches, and nothing from a record without tag d', () => {
    const d = encodeProperties({ TAGS: 'd' });
    assert.deepEqual(parseOpRecord(record({ body: Buffer.from('12'), properties: d }), 0n).halfOffsets, [
      12n,
    ]);
    assert.deepEqual(parseOpRecord(record({ body: Buffer.from('12,13,'), properties: d }), 0n).halfOffsets, [
      12n,
      13n,
    ]);
    assert.deepEqual(
      parseOpRecord(record({ body: Buffer.from('12'), properties: encodeProperties({ TAGS: 'x' }) }), 0n)
        .halfOffsets,
      [],
    );
    assert.deepEqual(
      parseOpRecord(record({ body: Buffer.from('-1,zz'), properties: d }), 0n).halfOffsets,
      [],
    );
  });

  it('writes tag d, the half queue offset as the body, and our end state', () => {
    const op = opInput(
      { queueId: 0, queueOffset: 42n },
      { state: 'COMMIT', txKey: 'k', uniqKey: 'U' },
      host,
      5,
    );
    assert.equal(op.topic, 'RMQ_SYS_TRANS_OP_HALF_TOPIC');
    assert.equal(op.body.toString(), '42');
    assert.ok(Buffer.isBuffer(op.body));
    const back = parseOpRecord(record({ body: op.body, properties: op.properties }), 7n);
    assert.deepEqual(back, { opOffset: 7n, halfOffsets: [42n], state: 'COMMIT', txKey: 'k' });
  });
});

describe('half and commit records', () => {
  it('a send becomes a half: half topic queue 0, REAL_TOPIC / REAL_QID, transaction bits NOT_TYPE', () => {
    const props: Record<string, string> = { TRAN_MSG: 'true', PGROUP: 'G', UNIQ_KEY: 'U', WAIT: 'true' };
    const input = {
      topic: 'T',
      queueId: 3,
      sysFlag: MessageSysFlag.TRANSACTION_PREPARED_TYPE | MessageSysFlag.MULTI_TAGS,
      properties: '',
    } as PutMessageInput;
    toHalfInput(input, props);
    assert.equal(input.topic, 'RMQ_SYS_TRANS_HALF_TOPIC');
    assert.equal(input.queueId, 0);
    assert.equal(input.sysFlag, MessageSysFlag.MULTI_TAGS);
    const stored = decodeProperties(input.properties);
    assert.equal(stored.REAL_TOPIC, 'T');
    assert.equal(stored.REAL_QID, '3');
    assert.equal(stored.WAIT, 'true', '4.9.8 rebuilds the half string from the whole map');
    assert.deepEqual(realTarget(stored), { topic: 'T', queueId: 3 });
    assert.equal(realTarget({ REAL_TOPIC: 'T', REAL_QID: 'x' }), undefined);
  });

  it('commit: real topic and queue, COMMIT bits, the half offset as prepared offset, same string', () => {
    const properties = encodeProperties({ TRAN_MSG: 'true', REAL_TOPIC: 'T', REAL_QID: '1', TAGS: 'a' });
    const half = record({
      topic: 'RMQ_SYS_TRANS_HALF_TOPIC',
      physicalOffset: 900n,
      flag: 7,
      sysFlag: MessageSysFlag.MULTI_TAGS,
      body: Buffer.from('b'),
      properties,
    });
    const c = commitInput(half, { topic: 'T', queueId: 1 });
    assert.equal(c.topic, 'T');
    assert.equal(c.queueId, 1);
    assert.equal(c.flag, 7);
    assert.equal(c.sysFlag, MessageSysFlag.MULTI_TAGS | MessageSysFlag.TRANSACTION_COMMIT_TYPE);
    assert.equal(c.preparedTransactionOffset, 900n);
    assert.deepEqual(decodeProperties(c.properties), decodeProperties(properties));
  });

  it('every copy of a half shares its key (group + first half offset), a second half with the same UNIQ_KEY does not', () => {
    const first = record({
      topic: 'RMQ_SYS_TRANS_HALF_TOPIC',
      physicalOffset: 500n,
      properties: encodeProperties({ PGROUP: 'G', UNIQ_KEY: 'U' }),
    });
    const copy = renewedHalfInput(first, {
      ...decodeProperties(first.properties),
      TRANSACTION_CHECK_TIMES: '1',
    });
    const copyProps = decodeProperties(copy.properties);
    assert.equal(copyProps[HALF_ORIGIN], '500');
    assert.equal(transactionKey(copyProps, 900n), transactionKey({ PGROUP: 'G', UNIQ_KEY: 'U' }, 500n));
    // A copy of the copy keeps the first half's offset.
    const again = renewedHalfInput(
      record({ ...first, physicalOffset: 900n, properties: copy.properties }),
      copyProps,
    );
    assert.equal(decodeProperties(again.properties)[HALF_ORIGIN], '500');
    // The same Message sent in a second transaction keeps its UNIQ_KEY: another transaction.
    assert.notEqual(
      transactionKey({ PGROUP: 'G', UNIQ_KEY: 'U' }, 500n),
      transactionKey({ PGROUP: 'G', UNIQ_KEY: 'U' }, 700n),
    );
    assert.notEqual(transactionKey({ PGROUP: 'G' }, 1n), transactionKey({ PGROUP: 'G' }, 2n));
    assert.notEqual(transactionKey({ PGROUP: 'G' }, 1n), transactionKey({ PGROUP: 'H' }, 1n));
  });
});
