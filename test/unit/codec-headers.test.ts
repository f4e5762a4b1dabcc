import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HeaderFieldError } from '../../src/common/errors.js';
import { decodeFrame, encodeFrame } from '../../src/protocol/frame/index.js';
import * as headers from '../../src/protocol/headers/index.js';
import {
  CreateTopicRequestHeader,
  GetRouteInfoRequestHeader,
  PullMessageRequestHeader,
  PullMessageResponseHeader,
  QueryMessageRequestHeader,
  RegisterBrokerRequestHeader,
  SendMessageRequestHeader,
  SendMessageResponseHeader,
} from '../../src/protocol/headers/index.js';
import type { HeaderCodec, HeaderValue, FieldTable } from '../../src/protocol/headers/index.js';
import { loadCaptures } from '../helpers/captures.js';

const captures = loadCaptures();
const sendCaptures = captures.filter((c) => c.name.includes('SEND_MESSAGE_V2'));

describe('SendMessageRequestHeader (V2 letters) against the SEND_MESSAGE_V2 capture', () => {
  it('has the captures', () => assert.equal(sendCaptures.length, 4));

  for (const capture of sendCaptures.filter((c) => c.kind === 'REQUEST')) {
    it(`decodes and re-encodes ${capture.name}`, () => {
      const command = decodeFrame(capture.bytes);
      const ext = command.extFields!;
      assert.deepEqual(Object.keys(ext), ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'm']);
      const value = SendMessageRequestHeader.decode(ext, { v2: true });
      const binary = capture.serializeType === 1;
      assert.deepEqual(value, {
        producerGroup: 'oracle_capture_pg',
        topic: 'TopicTest',
        defaultTopic: 'TBW102',
        defaultTopicQueueNums: 4,
        queueId: 0,
        sysFlag: 0,
        bornTimestamp: binary ? 1795270636520 : 1795270636516,
        flag: 0,
        properties: binary
          ? 'UNIQ_KEY\u0001AC11000100000000000001A1FE77F3E8\u0002WAIT\u0001true\u0002TAGS\u0001TagCap\u0002KEYS\u0001capture-1\u0002'
          : 'UNIQ_KEY\u0001AC11000100000000000001A1FE77F3E4\u0002WAIT\u0001true\u0002TAGS\u0001TagCap\u0002KEYS\u0001capture-0\u0002',
        reconsumeTimes: 0,
        unitMode: false,
        batch: false,
      });
      const reencoded = SendMessageRequestHeader.encode(value, { v2: true });
      assert.deepEqual(Object.entries(reencoded), Object.entries(ext));
      // The whole frame comes back byte for byte from the re-encoded header.
      assert.deepEqual(encodeFrame({ ...command, extFields: reencoded }), capture.bytes);
      // V1 names carry the same values.
      const v1 = SendMessageRequestHeader.encode(value);
      assert.equal(v1.producerGroup, 'oracle_capture_pg');
      assert.equal(v1.bornTimestamp, ext.g);
      assert.deepEqual(SendMessageRequestHeader.decode(v1), value);
    });
  }

  for (const capture of sendCaptures.filter((c) => c.kind === 'RESPONSE')) {
    it(`decodes and re-encodes ${capture.name}`, () => {
      const command = decodeFrame(capture.bytes);
      const ext = command.extFields!;
      const value = SendMessageResponseHeader.decode(ext);
      const binary = capture.serializeType === 1;
      assert.deepEqual(value, {
        msgId: binary ? '7F00000100002A9F000000000F1ADBEA' : '7F00000100002A9F000000000F1ADB08',
        queueId: 0,
        queueOffset: binary ? 60n : 59n,
        traceOn: 'true',
        msgRegion: 'DefaultRegion',
      });
      const reencoded = SendMessageResponseHeader.encode(value);
      if (binary) {
        // Java's FastCodes order: msgId, queueId, queueOffset, then TRACE_ON, MSG_REGION.
        assert.deepEqual(Object.entries(reencoded), Object.entries(ext));
        assert.deepEqual(encodeFrame({ ...command, extFields: reencoded }), capture.bytes);
      } else {
        // JSON responses come from a Java HashMap: same entries, another order.
        assert.deepEqual(Object.fromEntries(Object.entries(reencoded)), { ...ext });
      }
    });
  }

  it('writes bname as n in V2 and as bname in V1, maxReconsumeTimes as l', () => {
    const value: SendMessageRequestHeader = {
      producerGroup: 'g',
      topic: 't',
      defaultTopic: 'TBW102',
      defaultTopicQueueNums: 4,
      queueId: -1,
      sysFlag: 0,
      bornTimestamp: 1,
      flag: 0,
      maxReconsumeTimes: 16,
      bname: 'broker-a',
    };
    assert.deepEqual(SendMessageRequestHeader.encode(value, { v2: true }), {
      a: 'g',
      b: 't',
      c: 'TBW102',
      d: '4',
      e: '-1',
      f: '0',
      g: '1',
      h: '0',
      l: '16',
      n: 'broker-a',
    });
    assert.equal(SendMessageRequestHeader.encode(value).bname, 'broker-a');
  });

  it('reports a missing required V2 field by its Java name', () => {
    assert.throws(
      () => SendMessageRequestHeader.decode({ a: 'g' }, { v2: true }),
      (err: unknown) => err instanceof HeaderFieldError && /<topic>/.test(err.message),
    );
  });
});

describe('other headers', () => {
  it('GetRouteInfoRequestHeader matches the route capture extFields', () => {
    const request = captures.find((c) => c.name.startsWith('route-TopicTest.txt') && c.kind === 'REQUEST')!;
    const ext = decodeFrame(request.bytes).extFields!;
    assert.deepEqual(GetRouteInfoRequestHeader.decode(ext), { topic: 'TopicTest' });
    assert.deepEqual(GetRouteInfoRequestHeader.encode({ topic: 'TopicTest' }), { topic: 'TopicTest' });
  });

  it('PullMessageRequestHeader writes the FastCodes order with longs as decimal', () => {
    const ext = PullMessageRequestHeader.encode({
      consumerGroup: 'cg',
      topic: 't',
      queueId: 3,
      queueOffset: 9223372036854775807n,
      maxMsgNums: 32,
      sysFlag: 2,
      commitOffset: 0n,
      suspendTimeoutMillis: 15000,
      subscription: '*',
      subVersion: 0,
      expressionType: 'TAG',
      bname: 'broker-a',
    });
    assert.deepEqual(Object.entries(ext), [
      ['consumerGroup', 'cg'],
      ['topic', 't'],
      ['queueId', '3'],
      ['queueOffset', '9223372036854775807'],
      ['maxMsgNums', '32'],
      ['sysFlag', '2'],
      ['commitOffset', '0'],
      ['suspendTimeoutMillis', '15000'],
      ['subscription', '*'],
      ['subVersion', '0'],
      ['expressionType', 'TAG'],
      ['bname', 'broker-a'],
    ]);
    assert.equal(PullMessageRequestHeader.decode(ext).queueOffset, 9223372036854775807n);
  });

  it('PullMessageResponseHeader decodes negative and huge longs', () => {
    const value = PullMessageResponseHeader.decode({
      suggestWhichBrokerId: '0',
      nextBeginOffset: '-1',
      minOffset: '0',
      maxOffset: '9007199254740993',
    });
    assert.deepEqual(value, {
      suggestWhichBrokerId: 0,
      nextBeginOffset: -1n,
      minOffset: 0n,
      maxOffset: 9007199254740993n,
    });
  });

  it('RegisterBrokerRequestHeader keeps the __ZONE_NAME extField and booleans', () => {
    const ext = RegisterBrokerRequestHeader.encode({
      brokerName: 'broker-a',
      brokerAddr: '127.0.0.1:10911',
      clusterName: 'DefaultCluster',
      haServerAddr: '127.0.0.1:10912',
      brokerId: 0,
      compressed: false,
      bodyCrc32: 12345,
      zoneName: 'z1',
    });
    assert.deepEqual(ext, {
      brokerName: 'broker-a',
      brokerAddr: '127.0.0.1:10911',
      clusterName: 'DefaultCluster',
      haServerAddr: '127.0.0.1:10912',
      brokerId: '0',
      compressed: 'false',
      bodyCrc32: '12345',
      __ZONE_NAME: 'z1',
    });
    assert.equal(RegisterBrokerRequestHeader.decode({ ...ext, compressed: 'TRUE' }).compressed, true);
  });

  it('QueryMessageRequestHeader carries Long.MAX_VALUE and _UNIQUE_KEY_QUERY', () => {
    const ext = QueryMessageRequestHeader.encode({
      topic: 't',
      key: 'k',
      maxNum: 32,
      beginTimestamp: 0n,
      endTimestamp: (1n << 63n) - 1n,
      uniqueKeyQuery: true,
    });
    assert.equal(ext.endTimestamp, '9223372036854775807');
    assert.equal(ext._UNIQUE_KEY_QUERY, 'true');
  });

  it('CreateTopicRequestHeader requires order', () => {
    const base = {
      topic: 't',
      defaultTopic: 'TBW102',
      readQueueNums: '8',
      writeQueueNums: '8',
      perm: '6',
      topicFilterType: 'SINGLE_TAG',
    };
    assert.throws(() => CreateTopicRequestHeader.decode(base), HeaderFieldError);
    assert.equal(CreateTopicRequestHeader.decode({ ...base, order: 'false' }).order, false);
  });

  it('rejects bad numbers with HeaderFieldError', () => {
    assert.throws(() => GetRouteInfoRequestHeader.decode({}), HeaderFieldError);
    assert.throws(
      () =>
        PullMessageResponseHeader.decode({
          suggestWhichBrokerId: 'x',
          nextBeginOffset: '0',
          minOffset: '0',
          maxOffset: '0',
        }),
      HeaderFieldError,
    );
    assert.throws(
      () =>
        PullMessageResponseHeader.decode({
          suggestWhichBrokerId: '0',
          nextBeginOffset: '9223372036854775808',
          minOffset: '0',
          maxOffset: '0',
        }),
      HeaderFieldError,
    );
  });

  // Every declared header: random values in, the same values out, with and without V2 names.
  const codecs = (Object.values(headers) as unknown[]).filter(
    (v): v is HeaderCodec<FieldTable> =>
      typeof v === 'object' && v !== null && 'fields' in v && 'encode' in v && 'decode' in v,
  );
  it('declares the expected headers', () => assert.equal(codecs.length, 60)); // + CLONE_GROUP_OFFSET, GET_TOPIC_CONFIG
  for (const codec of codecs) {
    it(`${codec.name} round-trips every field`, () => {
      const value: Record<string, unknown> = {};
      let i = 1;
      for (const [prop, spec] of Object.entries(codec.fields)) {
        i++;
        value[prop] =
          spec.type === 'string'
            ? `v${i}é`
            : spec.type === 'boolean'
              ? i % 2 === 0
              : spec.type === 'long'
                ? BigInt(i) * 1000000000007n
                : i * 1000;
      }
      for (const v2 of [false, true]) {
        const ext = codec.encode(value as HeaderValue<FieldTable>, { v2 });
        assert.equal(Object.keys(ext).length, Object.keys(codec.fields).length);
        assert.deepEqual(codec.decode(ext, { v2 }), value);
        assert.deepEqual(codec.decodeLenient(ext, { v2 }), value);
      }
    });
  }
});

describe('decodeLenient', () => {
  it('keeps the well-formed fields, leaves missing required and bad ones undefined', () => {
    const ext = { topic: 'T', queueId: 'x', queueOffset: '12', maxMsgNums: '99999999999' };
    assert.throws(() => PullMessageRequestHeader.decode(ext), HeaderFieldError);
    assert.deepEqual(PullMessageRequestHeader.decodeLenient(ext), { topic: 'T', queueOffset: 12n });
    assert.deepEqual(PullMessageRequestHeader.decodeLenient(undefined), {});
  });

  it('reads the V2 names when asked', () => {
    // V2 letters a..h: producerGroup, topic, defaultTopic, defaultTopicQueueNums, queueId, sysFlag,
    // bornTimestamp, flag; a bad queueId and no flag make the strict decode throw.
    const ext = { a: 'g', b: 't', c: 'TBW102', d: '4', e: '-x', f: '0', g: '1' };
    assert.throws(() => SendMessageRequestHeader.decode(ext, { v2: true }), HeaderFieldError);
    assert.deepEqual(SendMessageRequestHeader.decodeLenient(ext, { v2: true }), {
      producerGroup: 'g',
      topic: 't',
      defaultTopic: 'TBW102',
      defaultTopicQueueNums: 4,
      sysFlag: 0,
      bornTimestamp: 1,
    });
    assert.deepEqual(SendMessageRequestHeader.decodeLenient(ext), {});
  });
});
