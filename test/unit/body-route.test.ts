import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError } from '../../src/common/errors.js';
import { decodeTopicRouteData, encodeTopicRouteData } from '../../src/protocol/body/route.js';
import type { TopicRouteData } from '../../src/protocol/body/route.js';
import { javaHashMapKeyOrder } from '../../src/protocol/java/hash-map.js';
import { javaStringHash } from '../../src/protocol/java/string-hash.js';

// Bodies captured from Apache RocketMQ 4.9.8 (test/../shared/reference/captures/route-TopicTest.txt).
const CAPTURED_STANDARD_HEX =
  '7b2262726f6b65724461746173223a5b7b2262726f6b65724164647273223a7b2230223a223132372e302e302e313a3130393131227d2c2262726f6b65724e616d65223a2262726f6b65722d61222c22636c7573746572223a2244656661756c74436c7573746572227d5d2c2266696c7465725365727665725461626c65223a7b7d2c2271756575654461746173223a5b7b2262726f6b65724e616d65223a2262726f6b65722d61222c227065726d223a362c227265616451756575654e756d73223a342c22746f706963537973466c6167223a302c22777269746551756575654e756d73223a347d5d7d';
const CAPTURED_PLAIN_HEX =
  '7b2262726f6b65724461746173223a5b7b2262726f6b65724164647273223a7b303a223132372e302e302e313a3130393131227d2c2262726f6b65724e616d65223a2262726f6b65722d61222c22636c7573746572223a2244656661756c74436c7573746572227d5d2c2266696c7465725365727665725461626c65223a7b7d2c2271756575654461746173223a5b7b2262726f6b65724e616d65223a2262726f6b65722d61222c227065726d223a362c227265616451756575654e756d73223a342c22746f706963537973466c6167223a302c22777269746551756575654e756d73223a347d5d7d';

const singleBroker: TopicRouteData = {
  queueDatas: [{ brokerName: 'broker-a', readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 }],
  brokerDatas: [
    { cluster: 'DefaultCluster', brokerName: 'broker-a', brokerAddrs: new Map([[0, '127.0.0.1:10911']]) },
  ],
  filterServerTable: new Map(),
};

const masterSlave: TopicRouteData = {
  ...singleBroker,
  brokerDatas: [
    {
      cluster: 'DefaultCluster',
      brokerName: 'broker-a',
      brokerAddrs: new Map([
        [1, '127.0.0.1:10921'],
        [0, '127.0.0.1:10911'],
      ]),
    },
  ],
};

// Verified samples, reference §6.2.
const MS_STANDARD =
  '{"brokerDatas":[{"brokerAddrs":{"0":"127.0.0.1:10911","1":"127.0.0.1:10921"},"brokerName":"broker-a","cluster":"DefaultCluster"}],"filterServerTable":{},"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}';
const MS_PLAIN =
  '{"brokerDatas":[{"brokerAddrs":{0:"127.0.0.1:10911",1:"127.0.0.1:10921"},"brokerName":"broker-a","cluster":"DefaultCluster"}],"filterServerTable":{},"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}';
const MS_V5 =
  '{"brokerDatas":[{"brokerAddrs":{"0":"127.0.0.1:10911","1":"127.0.0.1:10921"},"brokerName":"broker-a","cluster":"DefaultCluster","enableActingMaster":false}],"filterServerTable":{},"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}';

test('route: captured 4.9.8 bodies, byte for byte', () => {
  assert.equal(
    encodeTopicRouteData(singleBroker, { standardJson: true }).toString('hex'),
    CAPTURED_STANDARD_HEX,
  );
  assert.equal(
    encodeTopicRouteData(singleBroker, { standardJson: false }).toString('hex'),
    CAPTURED_PLAIN_HEX,
  );
});

test('route: verified master+slave samples (4.9.8 both forms, 5.3.3)', () => {
  assert.equal(encodeTopicRouteData(masterSlave, { standardJson: true }).toString(), MS_STANDARD);
  assert.equal(encodeTopicRouteData(masterSlave, { standardJson: false }).toString(), MS_PLAIN);
  assert.equal(encodeTopicRouteData(masterSlave, { standardJson: true, v5: true }).toString(), MS_V5);
});

test('route: numeric broker ids sorted numerically (2 before 10)', () => {
  const r: TopicRouteData = {
    ...singleBroker,
    brokerDatas: [
      {
        cluster: 'c',
        brokerName: 'b',
        brokerAddrs: new Map([
          [10, 'x:10'],
          [2, 'x:2'],
          [0, 'x:0'],
        ]),
      },
    ],
  };
  const s = encodeTopicRouteData(r, { standardJson: true }).toString();
  assert.ok(s.includes('{"0":"x:0","2":"x:2","10":"x:10"}'), s);
  const p = encodeTopicRouteData(r, { standardJson: false }).toString();
  assert.ok(p.includes('{0:"x:0",2:"x:2",10:"x:10"}'), p);
});

test('route: decode both captured forms to the same value', () => {
  for (const hex of [CAPTURED_STANDARD_HEX, CAPTURED_PLAIN_HEX]) {
    assert.deepEqual(decodeTopicRouteData(Buffer.from(hex, 'hex')), singleBroker);
  }
  for (const s of [MS_STANDARD, MS_PLAIN]) {
    const d = decodeTopicRouteData(Buffer.from(s));
    assert.deepEqual(
      [...d.brokerDatas[0]!.brokerAddrs.entries()],
      [
        [0, '127.0.0.1:10911'],
        [1, '127.0.0.1:10921'],
      ],
    );
    assert.equal(d.brokerDatas[0]!.enableActingMaster, undefined);
  }
  const v5 = decodeTopicRouteData(Buffer.from(MS_V5));
  assert.equal(v5.brokerDatas[0]!.enableActingMaster, false);
});

test('route: round trips (orderTopicConf, filter servers, zoneName, escapes)', () => {
  const r: TopicRouteData = {
    orderTopicConf: 'broker-a:4;broker-b:4',
    queueDatas: [
      { brokerName: 'broker-é', readQueueNums: 8, writeQueueNums: 8, perm: 6, topicSysFlag: 1 },
      { brokerName: 'broker-b', readQueueNums: 4, writeQueueNums: 2, perm: 4, topicSysFlag: 0 },
    ],
    brokerDatas: [
      {
        cluster: 'c/1',
        brokerName: 'broker-é',
        brokerAddrs: new Map([[0, '10.0.0.1:10911']]),
        enableActingMaster: true,
        zoneName: 'z1',
      },
    ],
    filterServerTable: new Map([['10.0.0.1:10911', ['10.0.0.1:30000']]]),
  };
  for (const standardJson of [true, false]) {
    const buf = encodeTopicRouteData(r, { standardJson, v5: true });
    assert.deepEqual(decodeTopicRouteData(buf), r);
  }
  const std = encodeTopicRouteData(r, { standardJson: true, v5: true }).toString();
  assert.ok(std.includes('"broker-\\u00E9"') && std.includes('"c\\/1"'), std);
  assert.ok(std.includes('"orderTopicConf":"broker-a:4;broker-b:4","queueDatas"'), std);
  assert.ok(
    std.endsWith(
      '"zoneName":"z1"}],"filterServerTable":{"10.0.0.1:10911":["10.0.0.1:30000"]},"orderTopicConf":"broker-a:4;broker-b:4","queueDatas":[{"brokerName":"broker-\\u00E9","perm":6,"readQueueNums":8,"topicSysFlag":1,"writeQueueNums":8},{"brokerName":"broker-b","perm":4,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":2}]}',
    ),
    std,
  );
  const plain = encodeTopicRouteData(r, { standardJson: false }).toString();
  assert.ok(plain.includes('"broker-é"') && plain.includes('"c/1"') && !plain.includes('zoneName'), plain);
});

test('route: tolerant decode (topicSynFlag, 5.x extras, unknown keys, single quotes)', () => {
  const old =
    "{brokerDatas:[{'brokerAddrs':{0:'h:1'},brokerName:'b',cluster:'c'}],queueDatas:[{brokerName:'b',perm:6,readQueueNums:2,topicSynFlag:3,writeQueueNums:2,}],}";
  const d = decodeTopicRouteData(Buffer.from(old));
  assert.equal(d.queueDatas[0]!.topicSysFlag, 3);
  assert.deepEqual(d.filterServerTable, new Map());
  const v5 =
    '{"brokerDatas":[{"brokerAddrs":{"0":"h:1"},"brokerName":"b","cluster":"c","enableActingMaster":true,"zoneName":"z","futureKey":[1,{"x":null}]}],"filterServerTable":{"h:1":null},"queueDatas":[],"topicQueueMappingByBroker":{"b":{"bname":"b","epoch":1,"scope":"s","topic":"T","totalQueues":4}}}';
  const e = decodeTopicRouteData(Buffer.from(v5));
  assert.equal(e.brokerDatas[0]!.zoneName, 'z');
  assert.equal(e.brokerDatas[0]!.enableActingMaster, true);
  assert.equal(e.filterServerTable.size, 0);
  assert.ok(e.topicQueueMappingByBroker?.get('b') instanceof Map);
});

test('route: malformed input throws ProtocolError', () => {
  const bad = [
    '',
    '{',
    '[]',
    '{"brokerDatas":[{"brokerAddrs":{"x":"h"},"brokerName":"b"}]}',
    '{"brokerDatas":[{"brokerAddrs":{"0":"h"}}]}',
    '{"queueDatas":[{"brokerName":"b","perm":"rw"}]}',
    '{"queueDatas":[{"brokerName":"b","perm":4294967296}]}',
    '{"queueDatas":{}}',
    '{"brokerDatas":[1]}',
  ];
  for (const s of bad) assert.throws(() => decodeTopicRouteData(Buffer.from(s)), ProtocolError, s);
});

test('java-order: String.hashCode and HashMap iteration order', () => {
  assert.equal(
    javaStringHash('broker-a'),
    'broker-a'.split('').reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) | 0, 0),
  );
  assert.equal(javaStringHash('hello'), 99162322);
  // "Aa" and "BB" collide (2112): insertion order decides.
  assert.deepEqual(javaHashMapKeyOrder(['BB', 'Aa']), ['BB', 'Aa']);
  assert.deepEqual(javaHashMapKeyOrder(['Aa', 'BB']), ['Aa', 'BB']);
  // single-char keys land in bucket = char code & 15: 'a'(97)->1, 'b'->2, 'P'(80)->0
  assert.deepEqual(javaHashMapKeyOrder(['b', 'a', 'P']), ['P', 'a', 'b']);
});
