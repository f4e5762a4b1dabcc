/**
 * Requests a Java broker sends over a client's own connection (Broker2Client), played by a stand-in
 * broker on loopback against a real PullConsumer: GET_CONSUMER_RUNNING_INFO (admin consumerStatus),
 * GET_CONSUMER_STATUS_FROM_CLIENT, CONSUME_MESSAGE_DIRECTLY, the oneway NOTIFY_CONSUMER_IDS_CHANGED /
 * CHECK_TRANSACTION_STATE / RESET_CONSUMER_CLIENT_OFFSET, and an unknown code. Answers follow the
 * Java ClientRemotingProcessor for a client without push consumers or a transaction listener; the
 * connection stays usable throughout.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MessageQueue } from '../../src/client/index.js';
import { PullConsumer } from '../../src/client/consumer/index.js';
import { encodeTopicRouteData } from '../../src/protocol/body/route.js';
import { RequestCode, ResponseCode } from '../../src/protocol/codes/index.js';
import { createRequest, createResponse, markOneway } from '../../src/protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../src/protocol/command/remoting-command.js';
import { RemotingServer } from '../../src/transport/index.js';
import type { RemotingChannel } from '../../src/transport/index.js';

const TIMEOUT = 3000;

describe('broker -> client requests against a PullConsumer', () => {
  let namesrv: RemotingServer;
  let broker: RemotingServer;
  let consumer: PullConsumer;
  let channel: RemotingChannel | undefined;
  const heartbeats: string[] = [];

  before(async () => {
    broker = new RemotingServer({ host: '127.0.0.1', port: 0 });
    broker.registerProcessor(RequestCode.HEART_BEAT, {
      processRequest: (context, request) => {
        channel = context.channel;
        heartbeats.push(request.body?.toString() ?? '');
        return createResponse(ResponseCode.SUCCESS);
      },
    });
    broker.registerProcessor(RequestCode.UPDATE_CONSUMER_OFFSET, {
      processRequest: () => createResponse(ResponseCode.SUCCESS),
    });
    broker.registerProcessor(RequestCode.UNREGISTER_CLIENT, {
      processRequest: () => createResponse(ResponseCode.SUCCESS),
    });
    await broker.start();
    namesrv = new RemotingServer({ host: '127.0.0.1', port: 0 });
    const route = encodeTopicRouteData(
      {
        queueDatas: [
          { brokerName: 'broker-a', readQueueNums: 2, writeQueueNums: 2, perm: 6, topicSysFlag: 0 },
        ],
        brokerDatas: [
          { cluster: 'DefaultCluster', brokerName: 'broker-a', brokerAddrs: new Map([[0, broker.address]]) },
        ],
        filterServerTable: new Map(),
      },
      { standardJson: true, v5: true },
    );
    namesrv.registerProcessor(RequestCode.GET_ROUTEINFO_BY_TOPIC, {
      processRequest: () => createResponse(ResponseCode.SUCCESS, { body: route }),
    });
    await namesrv.start();
    consumer = new PullConsumer({
      consumerGroup: 'CG',
      nameServer: namesrv.address,
      clientIP: '127.0.0.1',
      registerTopics: ['TopicTest'],
    });
    await consumer.start();
    await consumer.commitOffset(new MessageQueue('TopicTest', 'broker-a', 1), 5n);
  });

  after(async () => {
    await consumer?.shutdown();
    await broker?.shutdown();
    await namesrv?.shutdown();
  });

  const ask = (code: number, extFields: Record<string, string>): Promise<RemotingCommand> => {
    assert.ok(channel, 'the consumer heartbeat reached the broker');
    return channel.invoke(createRequest(code, { extFields }), TIMEOUT);
  };

  it('the heartbeat announced the pull consumer (CONSUME_ACTIVELY, the subscription)', () => {
    const last = JSON.parse(heartbeats.at(-1)!) as { consumerDataSet: Record<string, unknown>[] };
    assert.equal(last.consumerDataSet[0]?.consumeType, 'CONSUME_ACTIVELY');
    assert.equal(last.consumerDataSet[0]?.groupName, 'CG');
  });

  it('GET_CONSUMER_RUNNING_INFO: SUCCESS with ConsumerRunningInfo JSON', async () => {
    const clientId = consumer.clientInstance!.clientId;
    const r = await ask(RequestCode.GET_CONSUMER_RUNNING_INFO, {
      consumerGroup: 'CG',
      clientId,
      jstackEnable: 'false',
    });
    assert.equal(r.code, ResponseCode.SUCCESS);
    const info = JSON.parse(r.body!.toString()) as {
      properties: Record<string, string>;
      subscriptionSet: { topic: string; subString: string; expressionType: string }[];
      mqTable: object;
      statusTable: object;
    };
    assert.deepEqual(Object.keys(info), ['mqTable', 'properties', 'statusTable', 'subscriptionSet']);
    assert.equal(info.properties.PROP_CONSUME_TYPE, 'CONSUME_ACTIVELY');
    assert.equal(info.properties.PROP_CLIENT_VERSION, 'V4_9_8');
    assert.equal(info.properties.PROP_NAMESERVER_ADDR, `${namesrv.address};`);
    assert.match(info.properties.PROP_CONSUMER_START_TIMESTAMP!, /^\d{13}$/);
    assert.equal(info.properties.consumerGroup, 'CG');
    assert.equal(info.properties.instanceName, clientId.split('@')[1]);
    assert.deepEqual(
      info.subscriptionSet.map((s) => [s.topic, s.subString, s.expressionType]),
      [['TopicTest', '*', 'TAG']],
    );
    assert.deepEqual(info.mqTable, {});
  });

  it('GET_CONSUMER_RUNNING_INFO for a group this client does not have: SYSTEM_ERROR with the Java remark', async () => {
    const r = await ask(RequestCode.GET_CONSUMER_RUNNING_INFO, {
      consumerGroup: 'Other',
      jstackEnable: 'false',
    });
    assert.equal(r.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(r.remark, 'The Consumer Group <Other> not exist in this consumer');
  });

  it('GET_CONSUMER_STATUS_FROM_CLIENT: the offsets held, MessageQueue objects as keys (fastjson)', async () => {
    const r = await ask(RequestCode.GET_CONSUMER_STATUS_FROM_CLIENT, { topic: 'TopicTest', group: 'CG' });
    assert.equal(r.code, ResponseCode.SUCCESS);
    assert.equal(
      r.body!.toString(),
      '{"consumerTable":{},"messageQueueTable":{{"brokerName":"broker-a","queueId":1,"topic":"TopicTest"}:5}}',
    );
  });

  it('CONSUME_MESSAGE_DIRECTLY: SYSTEM_ERROR (Java answers so for every non-push consumer)', async () => {
    const r = await ask(RequestCode.CONSUME_MESSAGE_DIRECTLY, {
      consumerGroup: 'CG',
      clientId: 'x',
      msgId: '7F00000100002A9F000000000F1ADBEA',
      brokerName: 'broker-a',
    });
    assert.equal(r.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(r.remark, 'The Consumer Group <CG> not exist in this consumer');
  });

  it('oneway notifications are taken silently; an unknown code is REQUEST_CODE_NOT_SUPPORTED; the client still works', async () => {
    for (const [code, extFields] of [
      [RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, { consumerGroup: 'CG' }],
      [RequestCode.CHECK_TRANSACTION_STATE, { tranStateTableOffset: '1', commitLogOffset: '2', msgId: 'M' }],
      [
        RequestCode.RESET_CONSUMER_CLIENT_OFFSET,
        { topic: 'TopicTest', group: 'CG', timestamp: '0', isForce: 'true' },
      ],
    ] as const) {
      const request = createRequest(code, { extFields });
      markOneway(request);
      await channel!.invokeOneway(request, TIMEOUT);
    }
    const r = await ask(9999, {});
    assert.equal(r.code, ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
    assert.equal(r.remark, ' request type 9999 not supported');
    await consumer.commitOffset(new MessageQueue('TopicTest', 'broker-a', 0), 1n);
    const again = await ask(RequestCode.GET_CONSUMER_RUNNING_INFO, {
      consumerGroup: 'CG',
      jstackEnable: 'false',
    });
    assert.equal(again.code, ResponseCode.SUCCESS);
  });
});
