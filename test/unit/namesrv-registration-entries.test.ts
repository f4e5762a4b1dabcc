/**
 * Issue 10 defect 3, name server side: a REGISTER_BROKER whose topic table holds entries the name
 * server cannot route (illegal names, negative or absurd queue counts) registers the broker and its
 * other topics, answers SUCCESS, and logs the skipped entries once per registration; and a topic the
 * route lost comes back with the broker's next registration.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Logger } from '../../src/common/logger.js';
import { silentLogger } from '../../src/common/logger.js';
import { encodeRegisterBrokerBody } from '../../src/protocol/body/register-broker.js';
import { makeTopicConfig } from '../../src/protocol/body/topic-config.js';
import type { TopicConfig } from '../../src/protocol/body/topic-config.js';
import { RequestCode } from '../../src/protocol/codes/request-code.js';
import { ResponseCode } from '../../src/protocol/codes/response-code.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../src/protocol/command/remoting-command.js';
import { RegisterBrokerRequestHeader } from '../../src/protocol/headers/namesrv.js';
import type { NamesrvRuntime } from '../../src/server/namesrv/handler.js';
import { KVConfigStore } from '../../src/server/namesrv/kv-config.js';
import { DEFAULT_LIMITS } from '../../src/server/namesrv/limits.js';
import { namesrvHandlers } from '../../src/server/namesrv/name-server.js';
import { pickupTopicRouteData } from '../../src/server/namesrv/route-queries.js';
import { RouteRegistry } from '../../src/server/namesrv/route-registry.js';
import { dispatchOnce, tableDispatcher } from '../helpers/dispatch.js';

interface Logged {
  level: string;
  obj: unknown;
  msg: string | undefined;
}

function recordingLogger(into: Logged[]): Logger {
  const at =
    (level: string) =>
    (obj: unknown, msg?: string): void => {
      into.push({ level, obj, msg });
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

function runtime(logger: Logger = silentLogger): NamesrvRuntime {
  return {
    registry: new RouteRegistry(),
    kv: new KVConfigStore(undefined, DEFAULT_LIMITS),
    limits: DEFAULT_LIMITS,
    orderMessageEnable: false,
    logger,
    config: { snapshot: () => new Map(), update: () => [] },
  };
}

function registration(topics: TopicConfig[], counter = 1, filterServerList: string[] = []): RemotingCommand {
  const body = encodeRegisterBrokerBody({
    filterServerList,
    topicConfigSerializeWrapper: {
      dataVersion: { timestamp: 1700000000000, counter },
      topicConfigTable: new Map(topics.map((t) => [t.topicName, t])),
    },
  });
  return createRequest(RequestCode.REGISTER_BROKER, {
    extFields: RegisterBrokerRequestHeader.encode({
      brokerName: 'broker-a',
      brokerAddr: '127.0.0.1:10911',
      clusterName: 'DefaultCluster',
      haServerAddr: '127.0.0.1:10912',
      brokerId: 0,
      compressed: false,
      bodyCrc32: 0,
    }),
    body,
  });
}

const queues = (n: number): Partial<TopicConfig> => ({ readQueueNums: n, writeQueueNums: n });

/** The entries a hostile peer or an older broker's topics.json could carry. */
const BAD_ENTRIES: TopicConfig[] = [
  makeTopicConfig('%RETRY%a b', queues(1)),
  makeTopicConfig('a b', queues(4)),
  makeTopicConfig('x\u0000y', queues(4)),
  makeTopicConfig('z'.repeat(10_001), queues(4)),
  makeTopicConfig('', queues(4)),
  makeTopicConfig('NegativeQueues', { readQueueNums: -1, writeQueueNums: 4 }),
  makeTopicConfig('AbsurdQueues', queues(2 ** 31 - 1)),
];

describe('name server: registrations with bad topic entries', () => {
  it('registers the good topics, skips the bad ones and answers SUCCESS', async () => {
    const logged: Logged[] = [];
    const rt = runtime(recordingLogger(logged));
    const good = [makeTopicConfig('GoodTopic', queues(4)), makeTopicConfig('%RETRY%good', queues(1))];
    const r = await dispatchOnce(
      tableDispatcher(namesrvHandlers(rt)),
      registration([good[0]!, ...BAD_ENTRIES, good[1]!]),
    );
    assert.equal(r?.code, ResponseCode.SUCCESS, r?.remark);
    assert.deepEqual([...rt.registry.topicQueueTable.keys()].sort(), ['%RETRY%good', 'GoodTopic']);
    assert.equal(pickupTopicRouteData(rt.registry, 'GoodTopic')?.queueDatas[0]?.writeQueueNums, 4);
    assert.deepEqual([...rt.registry.brokerLiveTable.keys()], ['127.0.0.1:10911']);

    const warnings = logged.filter((l) => l.level === 'warn');
    assert.equal(warnings.length, 1, 'one warning per registration, not one per entry');
    const obj = warnings[0]!.obj as { skipped: number; first: string[] };
    assert.equal(obj.skipped, BAD_ENTRIES.length);
    assert.equal(obj.first.length, 3);
    assert.ok(obj.first.every((line) => line.length <= 200));
  });

  it('a registration of only bad entries still keeps the broker alive and routable by cluster', async () => {
    const rt = runtime();
    const dispatcher = tableDispatcher(namesrvHandlers(rt));
    assert.equal((await dispatchOnce(dispatcher, registration(BAD_ENTRIES)))?.code, ResponseCode.SUCCESS);
    assert.equal(rt.registry.topicQueueTable.size, 0);
    assert.ok(rt.registry.brokerAddrTable.has('broker-a'));
    // The next registration (a new topic) is taken as well: the broker is not stuck.
    const next = registration([...BAD_ENTRIES, makeTopicConfig('NewTopic', queues(8))], 2);
    assert.equal((await dispatchOnce(dispatcher, next))?.code, ResponseCode.SUCCESS);
    assert.ok(pickupTopicRouteData(rt.registry, 'NewTopic'));
  });

  it('skips overlong filter server addresses instead of refusing', async () => {
    const rt = runtime();
    const request = registration([makeTopicConfig('T', queues(1))], 1, ['127.0.0.1:1', 'f'.repeat(600)]);
    const r = await dispatchOnce(tableDispatcher(namesrvHandlers(rt)), request);
    assert.equal(r?.code, ResponseCode.SUCCESS, r?.remark);
    assert.deepEqual(rt.registry.filterServerTable.get('127.0.0.1:10911'), ['127.0.0.1:1']);
  });

  it('restores a topic the route lost at the next registration, data version unchanged (5.x)', async () => {
    const rt = runtime();
    const dispatcher = tableDispatcher(namesrvHandlers(rt));
    const topics = [makeTopicConfig('TBW102', queues(8)), makeTopicConfig('Kept', queues(2))];
    assert.equal((await dispatchOnce(dispatcher, registration(topics)))?.code, ResponseCode.SUCCESS);
    const deleted = await dispatchOnce(
      dispatcher,
      createRequest(RequestCode.DELETE_TOPIC_IN_NAMESRV, { extFields: { topic: 'TBW102' } }),
    );
    assert.equal(deleted?.code, ResponseCode.SUCCESS);
    assert.equal(pickupTopicRouteData(rt.registry, 'TBW102'), undefined);
    // The broker's periodic registration, same data version: TBW102 is routed again.
    assert.equal((await dispatchOnce(dispatcher, registration(topics)))?.code, ResponseCode.SUCCESS);
    assert.equal(pickupTopicRouteData(rt.registry, 'TBW102')?.queueDatas[0]?.writeQueueNums, 8);
  });
});
