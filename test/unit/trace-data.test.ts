/**
 * Message trace records against Java: the vectors below were printed by Java's TraceDataEncoder
 * (client/trace of rocketmq-all-4.9.8 and of 5.3.3 give the same strings) for the contexts built in
 * `contexts`; keys are the encoder's transKey set, sorted. Our encoder must write the same strings and
 * our decoder must read them back.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeTraceData, emptyTraceBean, encodeTraceContext } from '../../src/protocol/body/trace-data.js';
import type { TraceContext } from '../../src/protocol/body/trace-data.js';

const JAVA = {
  pub: {
    data: 'Pub\u00011700000000123\u0001DefaultRegion\u0001PG_trace\u0001TopicA\u00017F00000100002A9F0000000000000001\u0001TagA\u0001k1 k2\u0001127.0.0.1:10911\u000111\u00015\u00010\u00017F00000100002A9F0000000000000AB0\u0001true\u0002',
    keys: ['7F00000100002A9F0000000000000001', 'k1', 'k2'],
  },
  pubNulls: {
    data: 'Pub\u00011700000000456\u0001DefaultRegion\u0001PG_tx\u0001TopicB\u0001ID2\u0001null\u0001null\u000110.0.0.2:10911\u00010\u00010\u00011\u0001OFF2\u0001false\u0002',
    keys: ['ID2'],
  },
  subBefore: {
    data: 'SubBefore\u00011700000001000\u0001DefaultRegion\u0001CG_trace\u0001REQ1\u0001ID1\u00010\u0001k1\u0002SubBefore\u00011700000001000\u0001DefaultRegion\u0001CG_trace\u0001REQ1\u0001ID2\u00012\u0001null\u0002',
    keys: ['ID1', 'ID2', 'k1'],
  },
  subAfter: {
    data: 'SubAfter\u0001REQ1\u0001ID1\u00013\u0001false\u0001k1\u00014\u00011700000001000\u0001CG_trace\u0002SubAfter\u0001REQ1\u0001ID2\u00013\u0001false\u0001null\u00014\u00011700000001000\u0001CG_trace\u0002',
    keys: ['ID1', 'ID2', 'k1'],
  },
  endTransaction: {
    data: 'EndTransaction\u00011700000002000\u0001DefaultRegion\u0001PG_tx\u0001TopicB\u0001ID2\u0001null\u0001order-1\u000110.0.0.2:10911\u00012\u0001TX2\u0001COMMIT_MESSAGE\u0001true\u0002',
    keys: ['ID2', 'order-1'],
  },
};

function ctx(init: Partial<TraceContext> & Pick<TraceContext, 'traceType'>): TraceContext {
  return {
    timeStamp: 0,
    regionId: 'DefaultRegion',
    groupName: '',
    costTime: 0,
    success: true,
    requestId: '',
    contextCode: 0,
    traceBeans: [],
    ...init,
  };
}

const s1 = emptyTraceBean({ topic: 'TopicA', msgId: 'ID1', tags: 'TagA', keys: 'k1', retryTimes: 0 });
const s2 = emptyTraceBean({ topic: 'TopicA', msgId: 'ID2', tags: undefined, keys: undefined, retryTimes: 2 });
const contexts: Record<keyof typeof JAVA, TraceContext> = {
  pub: ctx({
    traceType: 'Pub',
    timeStamp: 1700000000123,
    groupName: 'PG_trace',
    costTime: 5,
    traceBeans: [
      emptyTraceBean({
        topic: 'TopicA',
        msgId: '7F00000100002A9F0000000000000001',
        tags: 'TagA',
        keys: 'k1 k2',
        storeHost: '127.0.0.1:10911',
        bodyLength: 11,
        msgType: 'Normal_Msg',
        offsetMsgId: '7F00000100002A9F0000000000000AB0',
      }),
    ],
  }),
  pubNulls: ctx({
    traceType: 'Pub',
    timeStamp: 1700000000456,
    groupName: 'PG_tx',
    success: false,
    traceBeans: [
      emptyTraceBean({
        topic: 'TopicB',
        msgId: 'ID2',
        tags: undefined,
        keys: undefined,
        storeHost: '10.0.0.2:10911',
        msgType: 'Trans_Msg_Half',
        offsetMsgId: 'OFF2',
      }),
    ],
  }),
  subBefore: ctx({
    traceType: 'SubBefore',
    timeStamp: 1700000001000,
    groupName: 'CG_trace',
    requestId: 'REQ1',
    traceBeans: [s1, s2],
  }),
  subAfter: ctx({
    traceType: 'SubAfter',
    timeStamp: 1700000001000,
    groupName: 'CG_trace',
    requestId: 'REQ1',
    costTime: 3,
    success: false,
    contextCode: 4,
    traceBeans: [s1, s2],
  }),
  endTransaction: ctx({
    traceType: 'EndTransaction',
    timeStamp: 1700000002000,
    groupName: 'PG_tx',
    traceBeans: [
      emptyTraceBean({
        topic: 'TopicB',
        msgId: 'ID2',
        tags: undefined,
        keys: 'order-1',
        storeHost: '10.0.0.2:10911',
        msgType: 'Trans_msg_Commit',
        transactionId: 'TX2',
        transactionState: 'COMMIT_MESSAGE',
        fromTransactionCheck: true,
      }),
    ],
  }),
};

describe('message trace records (Java TraceDataEncoder vectors)', () => {
  for (const [name, expected] of Object.entries(JAVA)) {
    it(`${name}: encodes as Java does, keys included`, () => {
      const got = encodeTraceContext(contexts[name as keyof typeof JAVA]);
      assert.equal(got.data, expected.data);
      assert.deepEqual([...new Set(got.keys)].sort(), expected.keys);
    });
  }

  it('decodes the Java strings back (Java reads "null" tags as the string "null")', () => {
    const [pub] = decodeTraceData(JAVA.pub.data);
    assert.equal(pub?.traceType, 'Pub');
    assert.equal(pub?.timeStamp, 1700000000123);
    assert.equal(pub?.costTime, 5);
    assert.deepEqual(pub?.traceBeans[0], { ...contexts.pub.traceBeans[0] });
    const [nulls] = decodeTraceData(JAVA.pubNulls.data);
    assert.equal(nulls?.success, false);
    assert.equal(nulls?.traceBeans[0]?.tags, 'null');
    assert.equal(nulls?.traceBeans[0]?.msgType, 'Trans_Msg_Half');
    const before = decodeTraceData(JAVA.subBefore.data);
    assert.deepEqual(
      before.map((c) => [c.requestId, c.groupName, c.traceBeans[0]?.msgId, c.traceBeans[0]?.retryTimes]),
      [
        ['REQ1', 'CG_trace', 'ID1', 0],
        ['REQ1', 'CG_trace', 'ID2', 2],
      ],
    );
    const afterCtx = decodeTraceData(JAVA.subAfter.data);
    assert.deepEqual(
      afterCtx.map((c) => [c.requestId, c.costTime, c.success, c.contextCode, c.timeStamp, c.groupName]),
      [
        ['REQ1', 3, false, 4, 1700000001000, 'CG_trace'],
        ['REQ1', 3, false, 4, 1700000001000, 'CG_trace'],
      ],
    );
    const [end] = decodeTraceData(JAVA.endTransaction.data);
    assert.equal(end?.traceBeans[0]?.transactionState, 'COMMIT_MESSAGE');
    assert.equal(end?.traceBeans[0]?.fromTransactionCheck, true);
    assert.equal(end?.traceBeans[0]?.msgType, 'Trans_msg_Commit');
  });

  it('decodes several records in one body, old short forms, and skips unknown or short records', () => {
    const body = JAVA.pub.data + 'Bogus\u0001x\u0002' + JAVA.endTransaction.data + 'Pub\u00011\u0002';
    assert.deepEqual(
      decodeTraceData(body).map((c) => c.traceType),
      ['Pub', 'EndTransaction'],
    );
    // 4.x before offsetMsgId: 13 fields, success last; SubAfter without timestamp and group.
    const old =
      'Pub\u00011\u0001R\u0001G\u0001T\u0001M\u0001t\u0001k\u0001h\u00012\u00013\u00010\u0001false\u0002';
    assert.equal(decodeTraceData(old)[0]?.success, false);
    const shortAfter = decodeTraceData('SubAfter\u0001R\u0001M\u00017\u0001true\u0001k\u0002')[0];
    assert.deepEqual([shortAfter?.costTime, shortAfter?.contextCode, shortAfter?.groupName], [7, 0, '']);
    assert.deepEqual(decodeTraceData(''), []);
  });
});
