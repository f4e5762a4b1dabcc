import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError } from '../../src/common/errors.js';
import {
  decodeClusterInfo,
  decodeConsumerListBody,
  decodeHeartbeatData,
  decodeKVTable,
  decodeLockBatchRequestBody,
  decodeLockBatchResponseBody,
  decodeTopicList,
  encodeClusterInfo,
  encodeConsumerListBody,
  encodeHeartbeatData,
  encodeKVTable,
  encodeLockBatchRequestBody,
  encodeLockBatchResponseBody,
  encodeTopicList,
} from '../../src/protocol/body/index.js';
import type { ClusterInfo, HeartbeatData } from '../../src/protocol/body/index.js';

// Verified sample, reference §6.7 (always unquoted numeric keys).
const CLUSTER_498 =
  '{"brokerAddrTable":{"broker-a":{"brokerAddrs":{0:"127.0.0.1:10911",1:"127.0.0.1:10921"},"brokerName":"broker-a","cluster":"DefaultCluster"}},"clusterAddrTable":{"DefaultCluster":["broker-a"]}}';

const cluster: ClusterInfo = {
  brokerAddrTable: new Map([
    [
      'broker-a',
      {
        cluster: 'DefaultCluster',
        brokerName: 'broker-a',
        brokerAddrs: new Map([
          [0, '127.0.0.1:10911'],
          [1, '127.0.0.1:10921'],
        ]),
      },
    ],
  ]),
  clusterAddrTable: new Map([['DefaultCluster', ['broker-a']]]),
};

test('cluster info: verified 4.9.8 sample, 5.x field, decode', () => {
  assert.equal(encodeClusterInfo(cluster).toString(), CLUSTER_498);
  assert.equal(
    encodeClusterInfo(cluster, { v5: true }).toString(),
    CLUSTER_498.replace(
      '"cluster":"DefaultCluster"}',
      '"cluster":"DefaultCluster","enableActingMaster":false}',
    ),
  );
  assert.deepEqual(decodeClusterInfo(Buffer.from(CLUSTER_498)), cluster);
  const quoted = CLUSTER_498.replace('{0:', '{"0":').replace(',1:', ',"1":');
  assert.deepEqual(decodeClusterInfo(Buffer.from(quoted)), cluster);
  assert.deepEqual(decodeClusterInfo(Buffer.from('{}')), {
    brokerAddrTable: new Map(),
    clusterAddrTable: new Map(),
  });
  assert.throws(() => decodeClusterInfo(Buffer.from('{"clusterAddrTable":{"c":"b"}}')), ProtocolError);
});

const HB_PRODUCER_498 =
  '{"clientID":"192.168.0.2@12345","consumerDataSet":[],"producerDataSet":[{"groupName":"PG"},{"groupName":"CLIENT_INNER_PRODUCER"}]}';
const HB_PRODUCER_533 =
  '{"clientID":"192.168.0.2@12345","consumerDataSet":[],"heartbeatFingerprint":0,"producerDataSet":[{"groupName":"PG"},{"groupName":"CLIENT_INNER_PRODUCER"}],"withoutSub":false}';
const HB_CONSUMER_498 =
  '{"clientID":"192.168.0.2@12345","consumerDataSet":[{"consumeFromWhere":"CONSUME_FROM_LAST_OFFSET","consumeType":"CONSUME_PASSIVELY","groupName":"CG","messageModel":"CLUSTERING","subscriptionDataSet":[{"classFilterMode":false,"codeSet":[],"expressionType":"TAG","subString":"*","subVersion":1700000000000,"tagsSet":[],"topic":"TopicTest"}],"unitMode":false}],"producerDataSet":[]}';

const hbProducer: HeartbeatData = {
  clientID: '192.168.0.2@12345',
  producerDataSet: [{ groupName: 'PG' }, { groupName: 'CLIENT_INNER_PRODUCER' }],
  consumerDataSet: [],
};
const hbConsumer: HeartbeatData = {
  clientID: '192.168.0.2@12345',
  producerDataSet: [],
  consumerDataSet: [
    {
      groupName: 'CG',
      consumeType: 'CONSUME_PASSIVELY',
      messageModel: 'CLUSTERING',
      consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
      subscriptionDataSet: [
        {
          topic: 'TopicTest',
          subString: '*',
          tagsSet: [],
          codeSet: [],
          subVersion: 1700000000000,
          expressionType: 'TAG',
          classFilterMode: false,
        },
      ],
      unitMode: false,
    },
  ],
};

test('heartbeat: verified 4.9.8 / 5.3.3 samples byte for byte', () => {
  assert.equal(encodeHeartbeatData(hbProducer).toString(), HB_PRODUCER_498);
  assert.equal(encodeHeartbeatData(hbProducer, { v5: true }).toString(), HB_PRODUCER_533);
  assert.equal(encodeHeartbeatData(hbConsumer).toString(), HB_CONSUMER_498);
});

test('heartbeat: decode 4.9.8 and 5.x, round trip, tolerant of extra keys', () => {
  assert.deepEqual(decodeHeartbeatData(Buffer.from(HB_PRODUCER_498)), hbProducer);
  assert.deepEqual(decodeHeartbeatData(Buffer.from(HB_PRODUCER_533)), {
    ...hbProducer,
    heartbeatFingerprint: 0,
    withoutSub: false,
  });
  assert.deepEqual(decodeHeartbeatData(Buffer.from(HB_CONSUMER_498)), hbConsumer);
  const tagged: HeartbeatData = structuredClone(hbConsumer);
  tagged.consumerDataSet[0]!.subscriptionDataSet[0] = {
    ...tagged.consumerDataSet[0]!.subscriptionDataSet[0]!,
    subString: 'a || b',
    tagsSet: ['a', 'b'],
    codeSet: [97, 98],
    expressionType: 'TAG',
  };
  assert.deepEqual(decodeHeartbeatData(encodeHeartbeatData(tagged)), tagged);
  const extra =
    '{"clientID":"c","consumerDataSet":[{"groupName":"G","consumeType":"CONSUME_POP","subscriptionDataSet":[{"topic":"T","codeSet":["5"],"newKey":{}}],"unitMode":false,"x":1}],"producerDataSet":[],"future":[1,2]}';
  const d = decodeHeartbeatData(Buffer.from(extra));
  assert.equal(d.consumerDataSet[0]!.consumeType, 'CONSUME_POP');
  assert.deepEqual(d.consumerDataSet[0]!.subscriptionDataSet[0]!.codeSet, [5]);
  assert.equal(d.consumerDataSet[0]!.subscriptionDataSet[0]!.subString, '*');
  for (const bad of [
    '{"producerDataSet":[{}]}',
    '{"producerDataSet":{}}',
    '{"consumerDataSet":[{"groupName":"G","subscriptionDataSet":[{"topic":"T","codeSet":[1.5]}]}]}',
  ]) {
    assert.throws(() => decodeHeartbeatData(Buffer.from(bad)), ProtocolError, bad);
  }
  const many = `{"producerDataSet":[${Array(11).fill('{"groupName":"g"}').join(',')}]}`;
  assert.throws(() => decodeHeartbeatData(Buffer.from(many), { maxItems: 10 }), ProtocolError);
});

test('KVTable, TopicList, ConsumerListBody', () => {
  const kv = '{"table":{"TopicTest":"broker-a:4;broker-b:4"}}';
  assert.equal(encodeKVTable({ table: new Map([['TopicTest', 'broker-a:4;broker-b:4']]) }).toString(), kv);
  assert.deepEqual(decodeKVTable(Buffer.from(kv)).table, new Map([['TopicTest', 'broker-a:4;broker-b:4']]));
  assert.equal(
    encodeTopicList({ topicList: ['TopicTest', 'TBW102'] }).toString(),
    '{"topicList":["TopicTest","TBW102"]}',
  );
  assert.equal(
    encodeTopicList({ topicList: ['a'], brokerAddr: '1.2.3.4:10911' }).toString(),
    '{"brokerAddr":"1.2.3.4:10911","topicList":["a"]}',
  );
  assert.deepEqual(decodeTopicList(Buffer.from('{"brokerAddr":"h:1","topicList":["a","b"]}')), {
    brokerAddr: 'h:1',
    topicList: ['a', 'b'],
  });
  assert.deepEqual(decodeTopicList(Buffer.from('{}')), { topicList: [] });
  const cl = '{"consumerIdList":["10.0.0.1@1#2","10.0.0.2@DEFAULT"]}';
  assert.equal(
    encodeConsumerListBody({ consumerIdList: ['10.0.0.1@1#2', '10.0.0.2@DEFAULT'] }).toString(),
    cl,
  );
  assert.deepEqual(decodeConsumerListBody(Buffer.from(cl)).consumerIdList, [
    '10.0.0.1@1#2',
    '10.0.0.2@DEFAULT',
  ]);
  assert.throws(() => decodeConsumerListBody(Buffer.from('{"consumerIdList":[{}]}')), ProtocolError);
  assert.throws(() => decodeKVTable(Buffer.from('{"table":[]}')), ProtocolError);
});

test('LockBatch request / response bodies', () => {
  const req = {
    consumerGroup: 'CG',
    clientId: '10.0.0.1@1',
    mqSet: [
      { topic: 'T', brokerName: 'broker-a', queueId: 0 },
      { topic: 'T', brokerName: 'broker-a', queueId: 3 },
    ],
  };
  const s =
    '{"clientId":"10.0.0.1@1","consumerGroup":"CG","mqSet":[{"brokerName":"broker-a","queueId":0,"topic":"T"},{"brokerName":"broker-a","queueId":3,"topic":"T"}]}';
  assert.equal(encodeLockBatchRequestBody(req).toString(), s);
  assert.equal(
    encodeLockBatchRequestBody(req, { v5: true }).toString(),
    s.slice(0, -1) + ',"onlyThisBroker":false}',
  );
  assert.deepEqual(decodeLockBatchRequestBody(Buffer.from(s)), req);
  assert.deepEqual(
    decodeLockBatchRequestBody(encodeLockBatchRequestBody({ ...req, onlyThisBroker: true }, { v5: true })),
    {
      ...req,
      onlyThisBroker: true,
    },
  );
  const resp = '{"lockOKMQSet":[{"brokerName":"broker-a","queueId":3,"topic":"T"}]}';
  assert.equal(encodeLockBatchResponseBody({ lockOKMQSet: [req.mqSet[1]!] }).toString(), resp);
  assert.deepEqual(decodeLockBatchResponseBody(Buffer.from(resp)), { lockOKMQSet: [req.mqSet[1]] });
  assert.deepEqual(decodeLockBatchResponseBody(Buffer.from('{"lockOKMQSet":[]}')), { lockOKMQSet: [] });
  assert.throws(
    () => decodeLockBatchResponseBody(Buffer.from('{"lockOKMQSet":[{"queueId":1}]}')),
    ProtocolError,
  );
  assert.throws(() => decodeLockBatchRequestBody(Buffer.from(s), { maxQueues: 1 }), ProtocolError);
});

test('LockBatch request body: parsing stops at the first queue beyond the cap', () => {
  const item = '{"brokerName":"b","queueId":1,"topic":"T"}';
  const body = (n: number) =>
    Buffer.from(`{"clientId":"c","consumerGroup":"G","mqSet":[${Array(n).fill(item).join(',')}]}`);
  assert.equal(decodeLockBatchRequestBody(body(10), { maxQueues: 10 }).mqSet.length, 10);
  const big = body(1000);
  let offset = -1;
  assert.throws(
    () => decodeLockBatchRequestBody(big, { maxQueues: 10 }),
    (err: unknown) => {
      assert.ok(err instanceof ProtocolError);
      assert.match(err.message, /array of more than 10 items/);
      offset = Number(/offset (\d+)/.exec(err.message)?.[1]);
      return true;
    },
  );
  // The error is raised at the 11th queue: the rest of the body was never parsed.
  assert.ok(offset > 0 && offset < 12 * (item.length + 1) + 64, `stopped at ${offset} of ${big.length}`);
});
