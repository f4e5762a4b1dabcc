/**
 * Timer-message pieces without a broker: the recall handle against vectors built from Java's format
 * (RecallMessageHandle.HandleV1: "v1 topic brokerName timestamp messageId", Base64.getUrlEncoder(),
 * padded; expected strings computed outside this code base), the RECALL_MESSAGE header, the client
 * checks, Java's TIMER_OUT_MS floor and the broker's send-path rewrite with its refusals.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RequestRefusedError } from '../../src/common/errors.js';
import { RequestCode } from '../../src/protocol/codes/request-code.js';
import { RecallMessageRequestHeader } from '../../src/protocol/headers/index.js';
import {
  InvalidRecallHandleError,
  InvalidTimerMessageError,
  Message,
  checkTimerMessage,
  decodeRecallHandle,
  encodeRecallHandle,
} from '../../src/protocol/message/index.js';
import type { PutMessageInput } from '../../src/server/store/index.js';
import { DEFAULT_TIMER_OPTIONS } from '../../src/server/broker/timer/timer-config.js';
import {
  TIMER_TOPIC,
  recallHandleFor,
  timerOutMs,
  transformTimerMessage,
} from '../../src/server/broker/timer/timer-transform.js';
import { decodeProperties } from '../../src/protocol/message/properties.js';

const VECTORS: [string, string, string, string, string][] = [
  [
    'TopicTest',
    'broker-a',
    '1733140800001',
    '7F00000100002A9F0000000000000000',
    'djEgVG9waWNUZXN0IGJyb2tlci1hIDE3MzMxNDA4MDAwMDEgN0YwMDAwMDEwMDAwMkE5RjAwMDAwMDAwMDAwMDAwMDA=',
  ],
  ['%RETRY%x', 'b', '1', 'id', 'djEgJVJFVFJZJXggYiAxIGlk'],
  [
    'Tést',
    'broker-b',
    '9999999999999',
    'AC110002?>',
    'djEgVMOpc3QgYnJva2VyLWIgOTk5OTk5OTk5OTk5OSBBQzExMDAwMj8-',
  ],
];

describe('recall handle (Java HandleV1)', () => {
  it('encodes and decodes the Java vectors', () => {
    for (const [topic, brokerName, timestamp, messageId, handle] of VECTORS) {
      assert.equal(encodeRecallHandle({ topic, brokerName, timestamp, messageId }), handle);
      assert.deepEqual(decodeRecallHandle(handle), {
        version: 'v1',
        topic,
        brokerName,
        timestamp,
        messageId,
      });
    }
  });

  it('decodes as Java: padding optional, extra items ignored, trailing spaces dropped', () => {
    const [, , , , padded] = VECTORS[0]!;
    assert.equal(decodeRecallHandle(padded.replace(/=+$/, '')).topic, 'TopicTest');
    assert.equal(decodeRecallHandle('djEgYSBiIGMgZCBl').messageId, 'd'); // "v1 a b c d e"
    const bad = [
      '',
      'not base64!',
      'djEgYSBiIGM=', // "v1 a b c": 4 items
      Buffer.from('v2 a b c d').toString('base64url'),
      Buffer.from('v1 a b c ').toString('base64url'), // trailing empty item dropped: 4 items
      'djEgJVJFVFJZJXggYiAxIGlk=', // wrong padding
      'dj+gYSBiIGMgZCBl', // '+' is not in the URL alphabet
    ];
    for (const h of bad) assert.throws(() => decodeRecallHandle(h), InvalidRecallHandleError, h);
  });

  it('RECALL_MESSAGE header: own fields first, then the TopicRequestHeader ones', () => {
    const ext = RecallMessageRequestHeader.encode({
      producerGroup: 'PG',
      topic: 'T',
      recallHandle: 'H',
      bname: 'b',
    });
    assert.deepEqual(Object.keys(ext), ['producerGroup', 'topic', 'recallHandle', 'bname']);
    assert.equal(RequestCode.RECALL_MESSAGE, 370);
  });
});

describe('client checks of timer messages', () => {
  const now = 1_000_000;
  const check = (props: Record<string, string>, max?: number): void => checkTimerMessage(props, now, max);
  it('accepts one future time within the max', () => {
    check({ TIMER_DELAY_MS: '1' });
    check({ TIMER_DELAY_SEC: '259200' });
    check({ TIMER_DELIVER_MS: String(now + 1) });
    check({ TIMER_DELAY_MS: '500', DELAY: '0' });
    check({});
  });
  it('refuses past, zero, negative, non-numeric, combined, over the max', () => {
    const bad: Record<string, string>[] = [
      { TIMER_DELIVER_MS: String(now) },
      { TIMER_DELAY_MS: '0' },
      { TIMER_DELAY_SEC: '-1' },
      { TIMER_DELAY_MS: '1.5' },
      { TIMER_DELAY_MS: 'NaN' },
      { TIMER_DELAY_MS: '5', TIMER_DELAY_SEC: '5' },
      { TIMER_DELAY_MS: '5', DELAY: '3' },
      { TIMER_DELAY_SEC: '259201' },
    ];
    for (const p of bad) assert.throws(() => check(p), InvalidTimerMessageError, JSON.stringify(p));
    assert.throws(() => check({ TIMER_DELAY_SEC: '11' }, 10), /over the max delay of 10000 ms/);
  });
  it('Message setters: whole numbers only, each its own property (as Java), two refused at send', () => {
    const m = new Message('T', 'b');
    m.delayTimeSec = 5;
    m.deliverTimeMs = 123;
    assert.deepEqual([m.delayTimeSec, m.deliverTimeMs], [5, 123]);
    assert.throws(() => checkTimerMessage(m.properties, 0), /one delivery time/);
    for (const v of [Number.NaN, Infinity, 1.5])
      assert.throws(() => (m.delayTimeMs = v), InvalidTimerMessageError);
  });
});

function input(topic: string): PutMessageInput {
  return {
    topic,
    queueId: 3,
    flag: 0,
    body: Buffer.from('x'),
    properties: '',
    sysFlag: 0,
    bornTimestamp: 0,
    bornHost: { ip: '127.0.0.1', port: 1 },
    storeHost: { ip: '127.0.0.1', port: 2 },
    reconsumeTimes: 0,
    preparedTransactionOffset: 0n,
    waitStoreMsgOK: true,
  };
}

describe('broker send-path rewrite (HookUtils.transformTimerMessage)', () => {
  const o = { ...DEFAULT_TIMER_OPTIONS };
  it('floors to the precision as Java (a multiple goes one slot earlier)', () => {
    assert.equal(timerOutMs(10_500, 1000), 10_000);
    assert.equal(timerOutMs(11_000, 1000), 10_000);
    assert.equal(timerOutMs(11_001, 100), 11_000);
  });
  it('moves a future timer message to rmq_sys_wheel_timer queue 0 and answers a recall handle', () => {
    const props = { TIMER_DELAY_SEC: '10', UNIQ_KEY: 'U1' };
    const i = input('RealT');
    transformTimerMessage(o, i, props, 1_000_500);
    assert.equal(i.topic, TIMER_TOPIC);
    assert.equal(i.queueId, 0);
    const stored = decodeProperties(i.properties);
    assert.deepEqual(
      { out: stored.TIMER_OUT_MS, topic: stored.REAL_TOPIC, qid: stored.REAL_QID },
      { out: '1010000', topic: 'RealT', qid: '3' },
    );
    const handle = recallHandleFor(RequestCode.SEND_MESSAGE_V2, stored, 'broker-a') as string;
    assert.deepEqual(decodeRecallHandle(handle), {
      version: 'v1',
      topic: 'RealT',
      brokerName: 'broker-a',
      timestamp: '1010001',
      messageId: 'U1',
    });
    assert.equal(recallHandleFor(RequestCode.SEND_BATCH_MESSAGE, stored, 'broker-a'), undefined);
  });
  it('past time: an ordinary message; delay level wins and drops the timer properties', () => {
    const past = { TIMER_DELIVER_MS: '5' };
    const i = input('RealT');
    transformTimerMessage(o, i, past, 1000);
    assert.equal(i.topic, 'RealT');
    const leveled = { TIMER_DELAY_MS: '5000', DELAY: '2' };
    const j = input('RealT');
    transformTimerMessage(o, j, leveled, 1000);
    assert.equal(j.topic, 'RealT');
    assert.deepEqual({ ...decodeProperties(j.properties) }, { DELAY: '2' });
  });
  it("refuses with Java's codes and remarks", () => {
    const refused = (opts: typeof o, props: Record<string, string>, code: number, remark: RegExp): void =>
      assert.throws(
        () => transformTimerMessage(opts, input('T'), props, 1000),
        (e: unknown) => e instanceof RequestRefusedError && e.code === code && remark.test(e.message),
      );
    refused(
      o,
      { TIMER_DELAY_SEC: '259201' },
      13,
      /^timer message illegal, the delay time should not be bigger than the max delay 259200000ms; or if set del msg/,
    );
    refused(o, { TIMER_DELAY_MS: 'x' }, 13, /^timer message illegal/);
    refused(o, { TIMER_DELIVER_MS: '10', TIMER_DEL_UNIQKEY: 'T+U' }, 13, /^timer message illegal/);
    refused(
      { ...o, timerWheelEnable: false },
      { TIMER_DELAY_MS: '10' },
      1,
      /^accurate timer message is not enabled, timerWheelEnable is false$/,
    );
  });
});
