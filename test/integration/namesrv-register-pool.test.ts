/**
 * Compressed REGISTER_BROKER requests arriving together: at most maxConcurrentRegistrations are
 * inflated and decoded at once (each holds its inflated body meanwhile), maxWaitingRegistrations more
 * wait in arrival order, the rest are answered SYSTEM_BUSY; the route table holds exactly the
 * registrations answered SUCCESS.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NameServer } from '../../src/server/namesrv/index.js';
import { RemotingClient } from '../../src/transport/index.js';
import { OVERLOAD_REMARK } from '../../src/transport/dispatcher.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../src/protocol/command/remoting-command.js';
import { RequestCode } from '../../src/protocol/codes/request-code.js';
import { ResponseCode } from '../../src/protocol/codes/response-code.js';
import { RegisterBrokerRequestHeader } from '../../src/protocol/headers/namesrv.js';
import { encodeRegisterBrokerBodyCompressed } from '../../src/protocol/body/register-broker.js';
import { makeTopicConfig } from '../../src/protocol/body/topic-config.js';
import { registerBodyDecodeStats } from '../../src/server/namesrv/register-body.js';

const TIMEOUT = 10_000;
const BROKERS = 10;
/** Three decode steps per body (1000 entries a step), so concurrent decodes would overlap. */
const TOPICS = 2500;

const topicNames = Array.from({ length: TOPICS }, (_, i) => `PoolTopic${i}`);
const compressedBody = encodeRegisterBrokerBodyCompressed({
  filterServerList: [],
  topicConfigSerializeWrapper: {
    dataVersion: { timestamp: 1700000000000, counter: 1 },
    topicConfigTable: new Map(topicNames.map((t) => [t, makeTopicConfig(t)] as const)),
  },
});

function registration(i: number): RemotingCommand {
  return createRequest(RequestCode.REGISTER_BROKER, {
    extFields: RegisterBrokerRequestHeader.encode({
      brokerName: `pool-broker-${i}`,
      brokerAddr: `127.0.0.1:${20000 + i}`,
      clusterName: 'PoolCluster',
      haServerAddr: `127.0.0.1:${21000 + i}`,
      brokerId: 0,
      compressed: true,
      bodyCrc32: 0,
    }),
    body: compressedBody,
  });
}

describe('name server: concurrent compressed registrations', () => {
  let server: NameServer;
  let client: RemotingClient;

  before(async () => {
    server = new NameServer({
      port: 0,
      limits: { maxConcurrentRegistrations: 2, maxWaitingRegistrations: 3 },
    });
    await server.start();
    client = new RemotingClient();
  });

  after(async () => {
    await client.shutdown();
    await server.shutdown();
  });

  it('decodes at most the bound at once, queues a few, refuses the rest SYSTEM_BUSY', async () => {
    registerBodyDecodeStats.peakDecoding = 0;
    const answers = await Promise.all(
      Array.from({ length: BROKERS }, (_, i) => client.invokeSync(server.address, registration(i), TIMEOUT)),
    );
    assert.ok(registerBodyDecodeStats.peakDecoding >= 1);
    assert.ok(
      registerBodyDecodeStats.peakDecoding <= 2,
      `${registerBodyDecodeStats.peakDecoding} bodies decoded at once`,
    );
    assert.equal(registerBodyDecodeStats.decoding, 0);

    const registered: string[] = [];
    const busy: number[] = [];
    answers.forEach((r, i) => {
      if (r.code === ResponseCode.SUCCESS) registered.push(`pool-broker-${i}`);
      else {
        assert.equal(r.code, ResponseCode.SYSTEM_BUSY, r.remark);
        assert.equal(r.remark, OVERLOAD_REMARK);
        busy.push(i);
      }
    });
    // The 2 running and the 3 queued ones are always served.
    assert.ok(registered.length >= 5, `${registered.length} registered`);

    const routes = server.routeInfo;
    assert.deepEqual([...routes.brokerAddrTable.keys()].sort(), [...registered].sort());
    assert.equal(routes.topicQueueTable.size, TOPICS);
    for (const topic of [topicNames[0]!, topicNames[TOPICS - 1]!]) {
      assert.deepEqual([...routes.topicQueueTable.get(topic)!.keys()].sort(), [...registered].sort());
    }

    // A refused broker registers on its next round.
    for (const i of busy) {
      const r = await client.invokeSync(server.address, registration(i), TIMEOUT);
      assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
    }
    assert.equal(routes.brokerAddrTable.size, BROKERS);
    assert.equal(routes.topicQueueTable.get(topicNames[0]!)!.size, BROKERS);
  });
});
