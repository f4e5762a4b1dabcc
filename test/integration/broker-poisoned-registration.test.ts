/**
 * Issue 10 defect 3 end to end, with a name server and a broker: (1) the reported sequence, a
 * CONSUMER_SEND_MSG_BACK with group `a b` and then a new topic that must still be routed; (2) a broker
 * restarting on a topics.json poisoned by an older version registers its good topics, serves none of
 * the bad ones, says so once, and drops them from the file at the next save.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../src/common/logger.js';
import { Producer, PullConsumer, SendStatus, startEmbeddedCluster } from '../../src/index.js';
import type { EmbeddedCluster } from '../../src/index.js';
import { RequestCode } from '../../src/protocol/codes/request-code.js';
import { ResponseCode } from '../../src/protocol/codes/response-code.js';
import { ConsumerSendMsgBackRequestHeader } from '../../src/protocol/headers/client.js';
import { newClient, request } from '../helpers/broker-client.js';

const POISON: Record<string, Record<string, unknown>> = {
  '%RETRY%a b': { readQueueNums: 1, writeQueueNums: 1 },
  '%DLQ%a b': { readQueueNums: 1, writeQueueNums: 1 },
  'a/b': { readQueueNums: 4, writeQueueNums: 4 },
  'x\u0000y': { readQueueNums: 4, writeQueueNums: 4 },
  ['z'.repeat(10_001)]: { readQueueNums: 4, writeQueueNums: 4 },
  NegativeQueues: { readQueueNums: -1, writeQueueNums: 4 },
};

function warnings(into: string[]): Logger {
  const noop = (): void => undefined;
  return {
    debug: noop,
    info: noop,
    error: noop,
    warn: (_obj: unknown, msg?: string) => into.push(msg ?? ''),
  };
}

describe('poisoned registration (issue 10 defect 3)', () => {
  let cluster: EmbeddedCluster;
  let producer: Producer;
  let consumer: PullConsumer;
  const warned: string[] = [];

  /** Polls the name server (through the consumer) until `topic` has queues, for up to 5 s. */
  async function routed(topic: string): Promise<boolean> {
    for (const deadline = Date.now() + 5000; Date.now() < deadline;) {
      const queues = await consumer.fetchMessageQueues(topic).catch(() => []);
      if (queues.length > 0) return true;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return false;
  }

  async function sendTo(topic: string): Promise<void> {
    const result = await producer.send({ topic, body: `to ${topic}` });
    assert.equal(result.sendStatus, SendStatus.SEND_OK);
  }

  before(async () => {
    cluster = await startEmbeddedCluster({
      brokers: [{ registerIntervalMillis: 500 }],
      logger: warnings(warned),
    });
    producer = new Producer({ producerGroup: 'PoisonProducer', nameServer: cluster.namesrvAddress });
    await producer.start();
    consumer = new PullConsumer({ consumerGroup: 'PoisonConsumer', nameServer: cluster.namesrvAddress });
    await consumer.start();
  });
  after(async () => {
    await producer.shutdown();
    await consumer.shutdown();
    await cluster.stop();
  });

  it('a send-back with group `a b` is refused and a new topic is still routed', async () => {
    await sendTo('BeforeSendBack');
    const client = newClient();
    try {
      const r = await request(
        client,
        cluster.brokers[0]!.address,
        RequestCode.CONSUMER_SEND_MSG_BACK,
        ConsumerSendMsgBackRequestHeader.encode({ offset: 0n, group: 'a b', delayLevel: 0 }),
      );
      assert.equal(r.code, ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST, r.remark);
    } finally {
      await client.shutdown();
    }
    const topics = [...cluster.brokers[0]!.topics.table.keys()];
    assert.ok(!topics.some((t) => t.includes('a b')), topics.join(', '));
    await sendTo('AfterSendBack');
    assert.ok(await routed('AfterSendBack'), 'the topic created after the send-back is routed');
  });

  it('a broker restarting on a poisoned topics.json registers its good topics', async () => {
    await sendTo('GoodOld');
    await cluster.stopBroker(0);
    const file = path.join(cluster.storePaths[0]!, 'config', 'topics.json');
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as { topicConfigTable: Record<string, unknown> };
    for (const [name, numbers] of Object.entries(POISON)) {
      saved.topicConfigTable[name] = { topicName: name, perm: 6, topicFilterType: 'SINGLE_TAG', ...numbers };
    }
    fs.writeFileSync(file, JSON.stringify(saved));
    warned.length = 0;

    const broker = await cluster.startBroker(0);
    assert.ok(await routed('GoodOld'), 'a topic saved before the restart is routed again');
    for (const name of Object.keys(POISON)) assert.equal(broker.topics.select(name), undefined);
    assert.equal(warned.filter((w) => w.startsWith('topics.json holds topics')).length, 1);
    const routes = [...cluster.namesrv.routeInfo.topicQueueTable.keys()];
    assert.ok(
      routes.every((t) => !(t in POISON)),
      routes.join(', '),
    );

    await sendTo('AfterRestart');
    assert.ok(await routed('AfterRestart'));
    await cluster.stopBroker(0);
    const rewritten = JSON.parse(fs.readFileSync(file, 'utf8')) as {
      topicConfigTable: Record<string, unknown>;
    };
    assert.deepEqual(
      Object.keys(rewritten.topicConfigTable).filter((t) => t in POISON),
      [],
      'the next save drops them',
    );
    assert.ok('GoodOld' in rewritten.topicConfigTable && 'AfterRestart' in rewritten.topicConfigTable);
    await cluster.startBroker(0);
  });
});
