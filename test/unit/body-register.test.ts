import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync, inflateSync } from 'node:zlib';
import { ProtocolError } from '../../src/common/errors.js';
import {
  bodyCrc32,
  compareDataVersion,
  dataVersionEquals,
  decodeRegisterBrokerBody,
  decodeRegisterBrokerBodyCompressed,
  decodeTopicConfigSerializeWrapper,
  encodeRegisterBrokerBody,
  encodeRegisterBrokerBodyCompressed,
  encodeTopicConfigSerializeWrapper,
  makeTopicConfig,
  nextDataVersion,
  topicConfigFromText,
  topicConfigToText,
} from '../../src/protocol/body/index.js';
import type { RegisterBrokerBody } from '../../src/protocol/body/index.js';
import {
  DECODE_STEP_ENTRIES,
  decodeRegisterBrokerBodyInflated,
  registerBodyDecodeSteps,
} from '../../src/protocol/body/register-broker-compressed.js';
import { RegisterBodyEncoder } from '../../src/protocol/body/register-body-cache.js';

// Verified samples, reference §6.3.
const REG_498 =
  '{"filterServerList":[],"topicConfigSerializeWrapper":{"dataVersion":{"counter":3,"timestamp":1700000000000},"topicConfigTable":{"TopicTest":{"order":false,"perm":6,"readQueueNums":4,"topicFilterType":"SINGLE_TAG","topicName":"TopicTest","topicSysFlag":0,"writeQueueNums":4}}}}';
const REG_533 =
  '{"filterServerList":[],"topicConfigSerializeWrapper":{"dataVersion":{"counter":3,"stateVersion":0,"timestamp":1700000000000},"mappingDataVersion":{"counter":0,"stateVersion":0,"timestamp":1700000000123},"topicConfigTable":{"TopicTest":{"attributes":{},"order":false,"perm":6,"readQueueNums":4,"topicFilterType":"SINGLE_TAG","topicName":"TopicTest","topicSysFlag":0,"writeQueueNums":4}},"topicQueueMappingDetailMap":{},"topicQueueMappingInfoMap":{}}}';

const body498: RegisterBrokerBody = {
  filterServerList: [],
  topicConfigSerializeWrapper: {
    dataVersion: { timestamp: 1700000000000, counter: 3 },
    topicConfigTable: new Map([
      ['TopicTest', makeTopicConfig('TopicTest', { readQueueNums: 4, writeQueueNums: 4 })],
    ]),
  },
};

const body533: RegisterBrokerBody = {
  filterServerList: [],
  topicConfigSerializeWrapper: {
    dataVersion: { timestamp: 1700000000000, counter: 3, stateVersion: 0 },
    mappingDataVersion: { timestamp: 1700000000123, counter: 0, stateVersion: 0 },
    topicConfigTable: new Map([
      [
        'TopicTest',
        { ...makeTopicConfig('TopicTest', { readQueueNums: 4, writeQueueNums: 4 }), attributes: new Map() },
      ],
    ]),
    topicQueueMappingDetailMap: new Map(),
    topicQueueMappingInfoMap: new Map(),
  },
};

test('register body: 4.9.8 and 5.3.3 JSON byte for byte', () => {
  assert.equal(encodeRegisterBrokerBody(body498).toString(), REG_498);
  assert.equal(encodeRegisterBrokerBody(body533, { v5: true }).toString(), REG_533);
});

test('register body: JSON decode (both versions) and round trips', () => {
  assert.deepEqual(decodeRegisterBrokerBody(Buffer.from(REG_498)), body498);
  assert.deepEqual(decodeRegisterBrokerBody(Buffer.from(REG_533)), body533);
  const rich: RegisterBrokerBody = {
    filterServerList: ['10.0.0.1:30000'],
    topicConfigSerializeWrapper: {
      dataVersion: { timestamp: 1, counter: 99 },
      topicConfigTable: new Map([
        ['B', makeTopicConfig('B', { perm: 4, order: true, topicSysFlag: 3, topicFilterType: 'MULTI_TAG' })],
        ['A', makeTopicConfig('A')],
      ]),
    },
  };
  assert.deepEqual(decodeRegisterBrokerBody(encodeRegisterBrokerBody(rich)), rich);
  // bare wrapper from brokers older than V3_0_11
  const bare = decodeRegisterBrokerBody(
    Buffer.from('{"dataVersion":{"counter":1,"timestamp":2},"topicConfigTable":{"X":{}}}'),
  );
  assert.deepEqual(bare.topicConfigSerializeWrapper.topicConfigTable.get('X'), makeTopicConfig('X'));
});

test('register body: topic limit and malformed JSON', () => {
  const many = `{"topicConfigSerializeWrapper":{"topicConfigTable":{${Array.from({ length: 5 }, (_, i) => `"T${i}":{}`).join(',')}}}}`;
  assert.equal(
    decodeRegisterBrokerBody(Buffer.from(many), { maxTopics: 5 }).topicConfigSerializeWrapper.topicConfigTable
      .size,
    5,
  );
  assert.throws(() => decodeRegisterBrokerBody(Buffer.from(many), { maxTopics: 4 }), ProtocolError);
  for (const s of [
    '{',
    '{"topicConfigSerializeWrapper":[]}',
    '{"topicConfigSerializeWrapper":{"topicConfigTable":{"T":{"topicFilterType":"X"}}}}',
    '{"topicConfigSerializeWrapper":{"dataVersion":{"counter":"x"}}}',
  ]) {
    assert.throws(() => decodeRegisterBrokerBody(Buffer.from(s)), ProtocolError, s);
  }
});

test('register body: compressed 4.9 layout', () => {
  const z = encodeRegisterBrokerBodyCompressed(body498);
  assert.equal(z.subarray(0, 2).toString('hex'), '78da');
  const raw = inflateSync(z);
  const dv = '{"counter":3,"timestamp":1700000000000}';
  const tc = 'TopicTest 4 4 6 SINGLE_TAG';
  const expected = Buffer.concat([
    Buffer.from([0, 0, 0, dv.length]),
    Buffer.from(dv),
    Buffer.from([0, 0, 0, 1, 0, 0, 0, tc.length]),
    Buffer.from(tc),
    Buffer.from([0, 0, 0, 2]),
    Buffer.from('[]'),
  ]);
  assert.equal(raw.toString('hex'), expected.toString('hex'));
  assert.deepEqual(decodeRegisterBrokerBody(z, { compressed: true }), body498);
});

test('register body: compressed 5.x layout with attributes and mapping section', () => {
  const info = new Map<string, unknown>([
    ['bname', 'broker-a'],
    ['epoch', 1],
    ['scope', '__global__'],
    ['topic', 'Static'],
    ['totalQueues', 4],
  ]);
  const b: RegisterBrokerBody = {
    filterServerList: ['f:1'],
    topicConfigSerializeWrapper: {
      dataVersion: { timestamp: 5, counter: 1, stateVersion: 0 },
      topicConfigTable: new Map([
        [
          'T',
          {
            ...makeTopicConfig('T', { readQueueNums: 8, writeQueueNums: 8 }),
            attributes: new Map([['+message.type', 'FIFO']]),
          },
        ],
      ]),
      topicQueueMappingInfoMap: new Map([['Static', info as never]]),
    },
  };
  const z = encodeRegisterBrokerBodyCompressed(b, { v5: true });
  const raw = inflateSync(z).toString('latin1');
  assert.ok(raw.includes('{"counter":1,"stateVersion":0,"timestamp":5}'));
  assert.ok(raw.includes('T 8 8 6 SINGLE_TAG {"+message.type":"FIFO"}'));
  const infoJson = '{"bname":"broker-a","epoch":1,"scope":"__global__","topic":"Static","totalQueues":4}';
  assert.ok(
    raw.endsWith(
      `\u0000\u0000\u0000\u0001\u0000\u0000\u0000${String.fromCharCode(infoJson.length)}${infoJson}`,
    ),
  );
  const d = decodeRegisterBrokerBodyCompressed(z);
  assert.deepEqual(d.filterServerList, ['f:1']);
  assert.deepEqual(
    d.topicConfigSerializeWrapper.topicConfigTable.get('T'),
    b.topicConfigSerializeWrapper.topicConfigTable.get('T'),
  );
  assert.deepEqual(d.topicConfigSerializeWrapper.topicQueueMappingInfoMap?.get('Static'), info);
  assert.deepEqual(d.topicConfigSerializeWrapper.dataVersion, { timestamp: 5, counter: 1, stateVersion: 0 });
});

test('register body: compressed malformed / limits', () => {
  const z = encodeRegisterBrokerBodyCompressed(body498);
  assert.throws(() => decodeRegisterBrokerBodyCompressed(z.subarray(0, z.length - 6)), ProtocolError);
  assert.throws(() => decodeRegisterBrokerBodyCompressed(Buffer.from('not zlib')), ProtocolError);
  assert.throws(() => decodeRegisterBrokerBodyCompressed(z, { maxTopics: 0 }), ProtocolError);
  assert.throws(() => decodeRegisterBrokerBodyCompressed(z, { maxInflatedBytes: 10 }), ProtocolError);
  const lie = deflateSync(Buffer.from([0, 0, 0, 2, 0x7b, 0x7d, 0x7f, 0xff, 0xff, 0xff]));
  assert.throws(() => decodeRegisterBrokerBodyCompressed(lie), ProtocolError);
  const badTopic = deflateSync(
    Buffer.concat([
      Buffer.from([0, 0, 0, 2]),
      Buffer.from('{}'),
      Buffer.from([0, 0, 0, 1, 0, 0, 0, 5]),
      Buffer.from('T 4 4'),
    ]),
  );
  assert.throws(() => decodeRegisterBrokerBodyCompressed(badTopic), ProtocolError);
  // filter server list that does not parse: Java keeps an empty list
  const badList = deflateSync(
    Buffer.concat([
      Buffer.from([0, 0, 0, 2]),
      Buffer.from('{}'),
      Buffer.from([0, 0, 0, 0, 0, 0, 0, 1]),
      Buffer.from('['),
    ]),
  );
  assert.deepEqual(decodeRegisterBrokerBodyCompressed(badList).filterServerList, []);
});

test('topic config text form', () => {
  const t = makeTopicConfig('T', {
    readQueueNums: 2,
    writeQueueNums: 3,
    perm: 7,
    topicFilterType: 'MULTI_TAG',
  });
  assert.equal(topicConfigToText(t, false), 'T 2 3 7 MULTI_TAG');
  assert.equal(topicConfigToText(t, true), 'T 2 3 7 MULTI_TAG {}');
  assert.deepEqual(topicConfigFromText('T 2 3 7 MULTI_TAG'), t);
  assert.deepEqual(topicConfigFromText('T 2 3 7 MULTI_TAG '), t);
  assert.deepEqual(topicConfigFromText('T 2 3 7 MULTI_TAG {"a":"b c"}').attributes, undefined);
  for (const s of ['T 2 3 7', 'T x 3 7 SINGLE_TAG', 'T 2 3 7 OTHER', 'T 99999999999 3 7 SINGLE_TAG']) {
    assert.throws(() => topicConfigFromText(s), ProtocolError, s);
  }
});

test('GET_ALL_TOPIC_CONFIG wrapper, 4.9.8 and 5.x forms', () => {
  const w = body498.topicConfigSerializeWrapper;
  const s = encodeTopicConfigSerializeWrapper(w).toString();
  assert.equal(s, REG_498.slice('{"filterServerList":[],"topicConfigSerializeWrapper":'.length, -1));
  assert.deepEqual(decodeTopicConfigSerializeWrapper(Buffer.from(s)), w);
  const s5 = encodeTopicConfigSerializeWrapper(body533.topicConfigSerializeWrapper, { v5: true }).toString();
  assert.equal(s5, REG_533.slice('{"filterServerList":[],"topicConfigSerializeWrapper":'.length, -1));
});

test('DataVersion equality, compare, nextVersion', () => {
  const a = { timestamp: 10, counter: 1 };
  assert.ok(dataVersionEquals(a, { timestamp: 10, counter: 1, stateVersion: 0 }));
  assert.ok(!dataVersionEquals(a, { timestamp: 11, counter: 1 }));
  assert.ok(!dataVersionEquals(a, { timestamp: 10, counter: 2 }));
  assert.ok(!dataVersionEquals(a, { timestamp: 10, counter: 1, stateVersion: 1 }));
  assert.deepEqual(nextDataVersion(a, 20), { timestamp: 20, counter: 2 });
  assert.deepEqual(nextDataVersion({ ...a, stateVersion: 4 }, 20), {
    timestamp: 20,
    counter: 2,
    stateVersion: 0,
  });
  assert.equal(compareDataVersion(a, { timestamp: 5, counter: 2 }), -1);
  assert.equal(compareDataVersion(a, { timestamp: 5, counter: 1 }), 1);
  assert.equal(compareDataVersion({ ...a, stateVersion: 1 }, { timestamp: 99, counter: 99 }), 1);
  assert.equal(compareDataVersion(a, { ...a }), 0);
});

test('bodyCrc32 = CRC-32 & 0x7FFFFFFF (UtilAll.crc32)', () => {
  assert.equal(bodyCrc32(Buffer.from('123456789')), 0xcbf43926 & 0x7fffffff);
  assert.equal(bodyCrc32(Buffer.alloc(0)), 0);
  assert.equal(bodyCrc32(Buffer.from(REG_498)), bodyCrc32(Buffer.from(REG_498)));
});

/** An inflated compressed-form body: `topics` topic lines, then the given raw mapping entries. */
function inflatedBody(topics: number, mappings: string[]): Buffer {
  const lp = (s: string): Buffer[] => {
    const len = Buffer.alloc(4);
    len.writeInt32BE(Buffer.byteLength(s));
    return [len, Buffer.from(s)];
  };
  const int32 = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(n);
    return b;
  };
  const parts = [...lp('{"timestamp":1,"counter":1}'), int32(topics)];
  for (let i = 0; i < topics; i++) parts.push(...lp(`T${i} 4 4 6 SINGLE_TAG {}`));
  parts.push(...lp('[]'), int32(mappings.length));
  for (const m of mappings) parts.push(...lp(m));
  return Buffer.concat(parts);
}

test('register body: the step decoder pauses every DECODE_STEP_ENTRIES entries', () => {
  const raw = inflatedBody(2 * DECODE_STEP_ENTRIES + 5, []);
  const steps = registerBodyDecodeSteps(raw);
  let pauses = 0;
  let step = steps.next();
  for (; step.done !== true; step = steps.next()) pauses++;
  assert.equal(pauses, 2);
  assert.equal(step.value.topicConfigSerializeWrapper.topicConfigTable.size, 2 * DECODE_STEP_ENTRIES + 5);
  assert.deepEqual(decodeRegisterBrokerBodyInflated(raw), step.value);
  assert.deepEqual(decodeRegisterBrokerBodyCompressed(deflateSync(raw)), step.value);
});

test('register body: skipMappings checks the framing of mapping entries but never parses them', () => {
  const raw = inflatedBody(2, ['{not json', 'neither', '']);
  assert.throws(() => decodeRegisterBrokerBodyInflated(raw), ProtocolError);
  const body = decodeRegisterBrokerBodyInflated(raw, { skipMappings: true });
  assert.equal(body.topicConfigSerializeWrapper.topicConfigTable.size, 2);
  assert.equal(body.topicConfigSerializeWrapper.topicQueueMappingInfoMap, undefined);
  // The count is still bounded, and a truncated entry still refused.
  assert.throws(
    () => decodeRegisterBrokerBodyInflated(raw, { skipMappings: true, maxTopics: 2 }),
    /3 mappings \(limit 2\)/,
  );
  assert.throws(
    () => decodeRegisterBrokerBodyInflated(raw.subarray(0, raw.length - 5), { skipMappings: true }),
    /bad mapping info length/,
  );
});

test('RegisterBodyEncoder writes the bytes of encodeRegisterBrokerBody, reusing unchanged entries', () => {
  const configs = [
    makeTopicConfig('A', { readQueueNums: 4, writeQueueNums: 4 }),
    makeTopicConfig('%RETRY%G', { readQueueNums: 1, writeQueueNums: 1, perm: 6, order: true }),
    makeTopicConfig('TBW102', { readQueueNums: 8, writeQueueNums: 8, perm: 7 }),
  ];
  const body = () => ({
    filterServerList: [],
    topicConfigSerializeWrapper: {
      dataVersion: { timestamp: 1700000000000, counter: 7 },
      topicConfigTable: new Map(configs.map((c) => [c.topicName, c])),
    },
  });
  const encoder = new RegisterBodyEncoder();
  assert.deepEqual(encoder.encode(body()), encodeRegisterBrokerBody(body()));
  assert.deepEqual(encoder.encode(body()), encodeRegisterBrokerBody(body()), 'from the cache');
  configs[2]!.perm = 6; // changed in place (as TBW102 is when auto-create is off)
  configs.push(makeTopicConfig('B'));
  assert.deepEqual(encoder.encode(body()), encodeRegisterBrokerBody(body()));
  assert.match(encoder.encode(body()).toString(), /"TBW102":\{"order":false,"perm":6,/);
  // The entry's text embeds topicName too: a name changed in place (under the same table key) is
  // written anew.
  const keyed = () => {
    const b = body();
    b.topicConfigSerializeWrapper.topicConfigTable = new Map(configs.map((c, i) => [`K${i}`, c]));
    return b;
  };
  assert.deepEqual(encoder.encode(keyed()), encodeRegisterBrokerBody(keyed()));
  configs[0]!.topicName = 'A2';
  assert.deepEqual(encoder.encode(keyed()), encodeRegisterBrokerBody(keyed()));
  assert.match(encoder.encode(keyed()).toString(), /"K0":\{[^}]*"topicName":"A2"/);
  const empty = {
    ...body(),
    topicConfigSerializeWrapper: { ...body().topicConfigSerializeWrapper, topicConfigTable: new Map() },
  };
  assert.deepEqual(encoder.encode(empty), encodeRegisterBrokerBody(empty));
});
