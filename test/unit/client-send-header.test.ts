import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeSendHeader } from '../../src/client/producer/producer-api.js';
import { HeaderFieldError } from '../../src/common/errors.js';
import { SendMessageRequestHeader } from '../../src/protocol/headers/index.js';

const base: SendMessageRequestHeader = {
  producerGroup: 'PG',
  topic: 'T',
  defaultTopic: 'TBW102',
  defaultTopicQueueNums: 4,
  queueId: 3,
  sysFlag: 0,
  bornTimestamp: 1_764_700_000_123,
  flag: 0,
  properties: 'UNIQ_KEY\u0001ABC\u0002WAIT\u0001true\u0002',
  reconsumeTimes: 0,
  unitMode: false,
  batch: false,
  bname: 'broker-a',
};

/** Same keys, same order, same text as the generic encoder. */
function assertSameAsGeneric(header: SendMessageRequestHeader, v2: boolean): void {
  const fast = encodeSendHeader(header, v2);
  const generic = SendMessageRequestHeader.encode(header, { v2 });
  assert.deepEqual(Object.entries(fast), Object.entries(generic));
}

describe('encodeSendHeader (the send path header encoder)', () => {
  it('writes the V2 header exactly as the generic encoder does', () => {
    assertSameAsGeneric(base, true);
    assertSameAsGeneric({ ...base, queueId: -1, sysFlag: 4, flag: -7, unitMode: true, batch: true }, true);
    assertSameAsGeneric({ ...base, properties: '', reconsumeTimes: 16, bname: '' }, true);
    assertSameAsGeneric({ ...base, bornTimestamp: 0, defaultTopicQueueNums: 2_147_483_647 }, true);
  });

  it('takes the generic way for V1 keys, maxReconsumeTimes and missing optional fields', () => {
    assertSameAsGeneric(base, false);
    assertSameAsGeneric({ ...base, maxReconsumeTimes: 16 }, true);
    assert.deepEqual(
      Object.keys(encodeSendHeader({ ...base, maxReconsumeTimes: 16 }, true)).join(''),
      'abcdefghijklmn',
    );
    const { bname: _b, properties: _p, ...withoutOptional } = base;
    assertSameAsGeneric(withoutOptional, true);
  });

  it('reports a value that is not of its type as the generic encoder does', () => {
    assert.throws(() => encodeSendHeader({ ...base, flag: 1.5 }, true), HeaderFieldError);
    assert.throws(() => encodeSendHeader({ ...base, queueId: Number.NaN }, true), HeaderFieldError);
  });
});
