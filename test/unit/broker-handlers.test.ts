/**
 * The broker's one handler table: every request code a broker serves appears exactly once, each part
 * contributes its own codes, unknown codes get the dispatcher's remark, and refusals thrown by the
 * handlers are answered with their code and remark (send refusals with MSG_REGION / TRACE_ON too).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../src/common/logger.js';
import { RequestCode } from '../../src/protocol/codes/request-code.js';
import { ResponseCode } from '../../src/protocol/codes/response-code.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import { ConsumerSendMsgBackRequestHeader } from '../../src/protocol/headers/client.js';
import { PullMessageRequestHeader } from '../../src/protocol/headers/pull.js';
import { SendMessageRequestHeader } from '../../src/protocol/headers/send.js';
import { brokerHandlers, registerBrokerHandlers } from '../../src/server/broker/broker-handlers.js';
import type { BrokerServices } from '../../src/server/broker/broker-handlers.js';
import { resolveBrokerOptions } from '../../src/server/broker/core/broker-config.js';
import type { BrokerContext } from '../../src/server/broker/core/broker-context.js';
import { SubscriptionGroupManager } from '../../src/server/broker/core/groups.js';
import { rerunHeldPull } from '../../src/server/broker/pull/pull-requests.js';
import { notSupportedRemark } from '../../src/transport/dispatcher.js';
import type { ProcessorOptions, RemotingChannel } from '../../src/transport/types.js';
import { dispatchOnce, tableDispatcher } from '../helpers/dispatch.js';

/** Every code a broker serves (Java BrokerController.registerProcessor subset). */
const BROKER_CODES = [
  RequestCode.SEND_MESSAGE,
  RequestCode.SEND_MESSAGE_V2,
  RequestCode.SEND_BATCH_MESSAGE,
  RequestCode.CONSUMER_SEND_MSG_BACK,
  RequestCode.SEND_REPLY_MESSAGE,
  RequestCode.SEND_REPLY_MESSAGE_V2,
  RequestCode.PULL_MESSAGE,
  RequestCode.LITE_PULL_MESSAGE,
  RequestCode.HEART_BEAT,
  RequestCode.UNREGISTER_CLIENT,
  RequestCode.CHECK_CLIENT_CONFIG,
  RequestCode.GET_CONSUMER_LIST_BY_GROUP,
  RequestCode.QUERY_CONSUMER_OFFSET,
  RequestCode.UPDATE_CONSUMER_OFFSET,
  RequestCode.LOCK_BATCH_MQ,
  RequestCode.UNLOCK_BATCH_MQ,
  RequestCode.UPDATE_AND_CREATE_TOPIC,
  RequestCode.DELETE_TOPIC_IN_BROKER,
  RequestCode.GET_ALL_TOPIC_CONFIG,
  RequestCode.GET_MAX_OFFSET,
  RequestCode.GET_MIN_OFFSET,
  RequestCode.SEARCH_OFFSET_BY_TIMESTAMP,
  RequestCode.GET_EARLIEST_MSG_STORETIME,
  RequestCode.VIEW_MESSAGE_BY_ID,
  RequestCode.QUERY_MESSAGE,
  RequestCode.GET_TOPIC_STATS_INFO,
  RequestCode.GET_CONSUME_STATS,
  RequestCode.GET_CONSUMER_CONNECTION_LIST,
  RequestCode.GET_PRODUCER_CONNECTION_LIST,
  RequestCode.QUERY_TOPIC_CONSUME_BY_WHO,
  RequestCode.GET_BROKER_CONFIG,
  RequestCode.GET_CONSUMER_RUNNING_INFO,
  RequestCode.CONSUME_MESSAGE_DIRECTLY,
  RequestCode.GET_BROKER_RUNTIME_INFO,
  RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP,
  RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG,
  RequestCode.DELETE_SUBSCRIPTIONGROUP,
  RequestCode.CLONE_GROUP_OFFSET,
  RequestCode.GET_TOPIC_CONFIG,
  RequestCode.INVOKE_BROKER_TO_RESET_OFFSET,
  RequestCode.END_TRANSACTION,
  RequestCode.RECALL_MESSAGE,
];

/** Only what building the tables and the refusals below touch; anything else would throw. */
function fakeContext(): BrokerContext {
  return {
    options: resolveBrokerOptions({}),
    logger: silentLogger,
    groups: new SubscriptionGroupManager(false),
    storeHost: () => ({ ip: '127.0.0.1', port: 10911 }),
  } as unknown as BrokerContext;
}

const services = {} as BrokerServices;

describe('broker handler table', () => {
  it('serves every broker request code exactly once', () => {
    const table = brokerHandlers(fakeContext(), services);
    const sorted = (codes: Iterable<number>): number[] => [...codes].sort((a, b) => a - b);
    assert.equal(new Set(BROKER_CODES).size, BROKER_CODES.length);
    assert.deepEqual(sorted(table.keys()), sorted(BROKER_CODES));
  });

  it('registers each code once, without a concurrency limit of its own', () => {
    const registered: [number, ProcessorOptions | undefined][] = [];
    registerBrokerHandlers(
      { registerProcessor: (code, _processor, options) => registered.push([code, options]) },
      brokerHandlers(fakeContext(), services),
    );
    assert.equal(registered.length, BROKER_CODES.length);
    assert.equal(new Set(registered.map(([code]) => code)).size, BROKER_CODES.length);
    for (const [, options] of registered) assert.deepEqual(options, { maxConcurrency: 65536 });
  });

  it('leaves unknown codes to the dispatcher: " request type N not supported"', async () => {
    const dispatcher = tableDispatcher(brokerHandlers(fakeContext(), services));
    const r = await dispatchOnce(dispatcher, createRequest(9999));
    assert.equal(r?.code, ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
    assert.equal(r?.remark, ' request type 9999 not supported');
    assert.equal(r?.remark, notSupportedRemark(9999));
  });

  it('answers a refused send with its code, its remark and the preSend fields (every send code)', async () => {
    const dispatcher = tableDispatcher(brokerHandlers(fakeContext(), services));
    const sends: [number, boolean][] = [
      [RequestCode.SEND_MESSAGE, false],
      [RequestCode.SEND_MESSAGE_V2, true],
      [RequestCode.SEND_BATCH_MESSAGE, true],
      [RequestCode.SEND_REPLY_MESSAGE, false],
      [RequestCode.SEND_REPLY_MESSAGE_V2, true],
    ];
    for (const [code, v2] of sends) {
      const extFields = SendMessageRequestHeader.encode(
        {
          producerGroup: 'PG',
          topic: 'bad topic',
          defaultTopic: 'TBW102',
          defaultTopicQueueNums: 4,
          queueId: 0,
          sysFlag: 0,
          bornTimestamp: 1,
          flag: 0,
          batch: code === RequestCode.SEND_BATCH_MESSAGE,
        },
        { v2 },
      );
      const r = await dispatchOnce(dispatcher, createRequest(code, { extFields }));
      assert.equal(r?.code, ResponseCode.SYSTEM_ERROR, `code ${code}`);
      assert.equal(
        r?.remark,
        'The specified topic contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$',
      );
      assert.deepEqual(
        { ...r?.extFields },
        { MSG_REGION: 'DefaultRegion', TRACE_ON: 'true' },
        `code ${code}`,
      );
    }
  });

  it('answers other refusals with their code and remark only', async () => {
    const dispatcher = tableDispatcher(brokerHandlers(fakeContext(), services));
    const extFields = ConsumerSendMsgBackRequestHeader.encode({ offset: 0n, group: 'G', delayLevel: 0 });
    const r = await dispatchOnce(
      dispatcher,
      createRequest(RequestCode.CONSUMER_SEND_MSG_BACK, { extFields }),
    );
    assert.equal(r?.code, ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST);
    assert.match(r?.remark ?? '', /^subscription group not exist, G \nSee http/);
    assert.equal(r?.extFields, undefined);
  });

  it('answers the refusal of a re-run held pull itself (the hold service writes it, not the dispatcher)', async () => {
    const extFields = PullMessageRequestHeader.encode({
      consumerGroup: 'GoneGroup',
      topic: 'T',
      queueId: 0,
      queueOffset: 0n,
      maxMsgNums: 32,
      sysFlag: 0,
      commitOffset: 0n,
      suspendTimeoutMillis: 15000,
      subVersion: 0,
    });
    const channel = { remoteAddress: '127.0.0.1:50000', closed: false } as unknown as RemotingChannel;
    const r = await rerunHeldPull(
      fakeContext(),
      channel,
      createRequest(RequestCode.PULL_MESSAGE, { extFields }),
    );
    assert.equal(r?.code, ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST);
    assert.match(r?.remark ?? '', /^subscription group \[GoneGroup\] does not exist, \nSee http/);
  });
});
