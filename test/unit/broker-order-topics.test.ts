/**
 * Ordered topics on the broker: the name server's ORDER_TOPIC_CONFIG, sent back with each
 * registration, marks the broker's topics ordered (Java updateOrderTopicConfig); a body that cannot be
 * read is logged, never fatal.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Logger } from '../../src/common/logger.js';
import { makeTopicConfig } from '../../src/protocol/body/topic-config.js';
import { RequestCode } from '../../src/protocol/codes/request-code.js';
import { ResponseCode } from '../../src/protocol/codes/response-code.js';
import { createResponse } from '../../src/protocol/command/remoting-command.js';
import { BrokerRegistrar } from '../../src/server/broker/core/registration.js';
import { TopicConfigManager } from '../../src/server/broker/core/topic-config-manager.js';
import type { TopicChange } from '../../src/server/broker/core/topic-config-manager.js';
import { handlerTable, registerHandlerTable } from '../../src/transport/handler-table.js';
import { RemotingClient } from '../../src/transport/remoting-client.js';
import { RemotingServer } from '../../src/transport/remoting-server.js';

function manager(persisted: TopicChange[], changed: string[]): TopicConfigManager {
  const m = new TopicConfigManager({
    brokerName: 'broker-a',
    clusterName: 'DefaultCluster',
    autoCreateTopicEnable: true,
    defaultTopicQueueNums: 4,
    clusterTopicEnable: true,
    brokerTopicEnable: true,
    persist: (change) => persisted.push(change),
    onChanged: (c) => changed.push(c?.topicName ?? ''),
  });
  m.update(makeTopicConfig('T1', { readQueueNums: 4, writeQueueNums: 4 }));
  m.update(makeTopicConfig('T2', { readQueueNums: 2, writeQueueNums: 2, order: true }));
  persisted.length = 0;
  changed.length = 0;
  return m;
}

describe('TopicConfigManager.markOrderTopics', () => {
  it('orders the known topics that are not yet, saves each, bumps the version, never un-orders', () => {
    const persisted: TopicChange[] = [];
    const changed: string[] = [];
    const m = manager(persisted, changed);
    const version = m.dataVersion.counter;
    assert.deepEqual(m.markOrderTopics(['T1', 'T2', 'Unknown']), ['T1']);
    assert.equal(m.isOrderTopic('T1'), true);
    assert.equal(m.isOrderTopic('Unknown'), false);
    assert.equal(m.select('T1')?.readQueueNums, 4);
    assert.deepEqual(persisted, [{ put: m.select('T1') }]);
    assert.equal(m.dataVersion.counter, version + 1);
    assert.deepEqual(changed, [], 'no re-registration: the next one carries the flag');
    assert.deepEqual(m.markOrderTopics(['T1']), []);
    assert.equal(m.isOrderTopic('T2'), true);
  });
});

describe('BrokerRegistrar applies the order config of the registration answer', () => {
  let server: RemotingServer;
  let client: RemotingClient;
  let body: Buffer | undefined;
  const warnings: string[] = [];
  const logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (_o: unknown, msg: string) => warnings.push(msg),
    error: () => undefined,
    trace: () => undefined,
    fatal: () => undefined,
    child: () => logger,
  } as unknown as Logger;

  before(async () => {
    server = new RemotingServer({ host: '127.0.0.1', port: 0 });
    registerHandlerTable(
      server,
      handlerTable([
        [
          RequestCode.REGISTER_BROKER,
          () => createResponse(ResponseCode.SUCCESS, { extFields: {}, ...(body && { body }) }),
        ],
      ]),
    );
    await server.start();
    client = new RemotingClient();
  });
  after(async () => {
    await client.shutdown();
    await server.shutdown({ graceMillis: 100 });
  });

  function registrar(topics: TopicConfigManager): BrokerRegistrar {
    const identity = {
      brokerName: 'broker-a',
      clusterName: 'DefaultCluster',
      brokerId: 0,
      brokerAddr: '127.0.0.1:10911',
      haServerAddr: '127.0.0.1:10912',
      brokerPermission: 6,
    };
    return new BrokerRegistrar(client, [server.address], () => identity, topics, 3000, logger);
  }

  it('a KVTable answer orders its topics; unreadable bodies are logged and ignored', async () => {
    const m = manager([], []);
    body = Buffer.from('{"table":{"T1":"broker-a:4;broker-b:4","Other":"broker-b:8"}}');
    assert.deepEqual(await registrar(m).registerAll(), [{ namesrv: server.address, ok: true }]);
    assert.equal(m.isOrderTopic('T1'), true);
    for (const garbage of ['{{{', '{"table":[1,2]}', '\u0000\u00ff']) {
      body = Buffer.from(garbage, 'latin1');
      warnings.length = 0;
      const outcome = await registrar(m).registerAll();
      assert.equal(outcome[0]?.ok, true, garbage);
      assert.deepEqual(warnings, ['unreadable order topic config'], garbage);
    }
  });
});
