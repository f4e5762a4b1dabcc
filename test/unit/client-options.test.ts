import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ClientInstance,
  CLIENT_DEFAULTS,
  PRODUCER_DEFAULTS,
  Producer,
  brokerVIPChannel,
  buildClientId,
  parseNameServerList,
  resolveClientConfig,
  resolveProducerConfig,
} from '../../src/client/index.js';
import type { ProducerOptions } from '../../src/client/index.js';
import { ClientErrorCode, IllegalArgumentError, MQClientError } from '../../src/common/errors.js';
import { Message } from '../../src/protocol/message/index.js';
import { FakeRemoting, makeRoute, routeResponse, sendOk } from './client-fake-remoting.js';

describe('producer options', () => {
  it('Java defaults', () => {
    const c = resolveProducerConfig({ producerGroup: 'PG', nameServer: '127.0.0.1:9876' });
    assert.equal(c.sendMsgTimeout, 3000);
    assert.equal(c.retryTimesWhenSendFailed, 2);
    assert.equal(c.retryTimesWhenSendAsyncFailed, 2);
    assert.equal(c.retryAnotherBrokerWhenNotStoreOK, false);
    assert.equal(c.compressMsgBodyOverHowmuch, 4096);
    assert.equal(c.compressLevel, 5);
    assert.equal(c.maxMessageSize, 4 * 1024 * 1024);
    assert.equal(c.createTopicKey, 'TBW102');
    assert.equal(c.defaultTopicQueueNums, 4);
    assert.equal(c.sendLatencyFaultEnable, false);
    assert.equal(c.sendSmartMsg, true);
    assert.equal(c.sendMsgMaxTimeoutPerRequest, -1);
    assert.equal(c.client.pollNameServerInterval, 30000);
    assert.equal(c.client.heartbeatBrokerInterval, 30000);
    assert.equal(c.client.mqClientApiTimeout, 3000);
    assert.equal(c.client.vipChannelEnabled, false);
    assert.equal(c.client.unitMode, false);
    assert.equal(c.client.instanceName, 'DEFAULT');
    assert.equal(c.client.serializeType, 0);
    assert.deepEqual(c.client.nameServerAddresses, ['127.0.0.1:9876']);
    assert.equal(PRODUCER_DEFAULTS.sendMsgTimeout, 3000);
    assert.equal(CLIENT_DEFAULTS.connectTimeoutMillis, 3000);
  });

  it('shutdownTimeoutMillis: sendMsgTimeout + 2 s unless given; 0 allowed; shutdown() validates its own', async () => {
    assert.equal(resolveProducerConfig({ producerGroup: 'PG' }).shutdownTimeoutMillis, 5000);
    assert.equal(
      resolveProducerConfig({ producerGroup: 'PG', sendMsgTimeout: 10_000 }).shutdownTimeoutMillis,
      12_000,
    );
    assert.equal(
      resolveProducerConfig({ producerGroup: 'PG', shutdownTimeoutMillis: 0 }).shutdownTimeoutMillis,
      0,
    );
    const fake = new FakeRemoting();
    const instance = new ClientInstance(resolveClientConfig({ nameServer: '127.0.0.1:9876' }), {
      remoting: fake.asInstanceRemoting(),
    });
    const p = new Producer({ producerGroup: 'PG', clientInstance: instance });
    await p.start();
    await assert.rejects(
      p.shutdown({ timeoutMillis: -5 }),
      (e: unknown) => e instanceof IllegalArgumentError && /timeoutMillis of shutdown\(\)/.test(e.message),
    );
    assert.equal(p.state, 'RUNNING');
    await p.shutdown({ timeoutMillis: 0 });
    assert.equal(p.state, 'SHUTDOWN_ALREADY');
  });

  const bad: [string, Partial<ProducerOptions>, RegExp][] = [
    ['blank group', { producerGroup: ' ' }, /the specified group is blank/],
    ['DEFAULT_PRODUCER', { producerGroup: 'DEFAULT_PRODUCER' }, /can not equal DEFAULT_PRODUCER/],
    ['illegal group chars', { producerGroup: 'a b' }, /contains illegal characters/],
    ['group too long', { producerGroup: 'g'.repeat(256) }, /longer than group max length 255/],
    ['sendMsgTimeout 0', { sendMsgTimeout: 0 }, /sendMsgTimeout must be a positive integer/],
    ['retries negative', { retryTimesWhenSendFailed: -1 }, /retryTimesWhenSendFailed must be a non-negative/],
    ['async retries float', { retryTimesWhenSendAsyncFailed: 1.5 }, /retryTimesWhenSendAsyncFailed/],
    ['compressLevel 10', { compressLevel: 10 }, /compressLevel must be an integer 0..9/],
    ['maxMessageSize 0', { maxMessageSize: 0 }, /maxMessageSize must be a positive/],
    ['defaultTopicQueueNums 0', { defaultTopicQueueNums: 0 }, /defaultTopicQueueNums/],
    ['createTopicKey illegal', { createTopicKey: 'a/b' }, /illegal characters/],
    ['latency tables differ', { latencyMax: [1, 2], notAvailableDuration: [1] }, /same number of entries/],
    ['latency table negative', { latencyMax: [-1], notAvailableDuration: [1] }, /non-negative integers/],
    ['bad name server', { nameServer: 'localhost' }, /is not host:port/],
    ['bad serializeType', { serializeType: 'XML' as 'JSON' }, /serializeType must be/],
    ['bad poll interval', { pollNameServerInterval: -5 }, /pollNameServerInterval/],
    ['bad per-request cap', { sendMsgMaxTimeoutPerRequest: 0 }, /sendMsgMaxTimeoutPerRequest/],
    [
      'shutdown timeout negative',
      { shutdownTimeoutMillis: -1 },
      /shutdownTimeoutMillis must be a non-negative/,
    ],
    ['shutdown timeout NaN', { shutdownTimeoutMillis: NaN }, /shutdownTimeoutMillis/],
  ];
  for (const [name, opts, re] of bad) {
    it(`rejects ${name}`, () => {
      assert.throws(
        () => new Producer({ producerGroup: 'PG', ...opts } as ProducerOptions),
        (e: unknown) =>
          (e instanceof IllegalArgumentError || e instanceof MQClientError) && re.test((e as Error).message),
      );
    });
  }

  it('name server lists, client id and the VIP port', () => {
    assert.deepEqual(parseNameServerList(' a:1 ; b:2;'), ['a:1', 'b:2']);
    assert.deepEqual(parseNameServerList(['a:1;b:2', 'c:3']), ['a:1', 'b:2', 'c:3']);
    assert.equal(
      buildClientId({ clientIP: '10.0.0.5', instanceName: 'X', unitName: undefined }),
      '10.0.0.5@X',
    );
    assert.equal(buildClientId({ clientIP: '10.0.0.5', instanceName: 'X', unitName: 'u' }), '10.0.0.5@X@u');
    assert.equal(brokerVIPChannel(true, '10.0.0.1:10911'), '10.0.0.1:10909');
    assert.equal(brokerVIPChannel(false, '10.0.0.1:10911'), '10.0.0.1:10911');
    const c = resolveClientConfig({ nameServer: 'http://MQ_INST_1_abc.host:80', clientIP: '1.2.3.4' });
    assert.equal(c.namespace, 'MQ_INST_1_abc');
    assert.equal(resolveClientConfig({ nameServer: 'a:1', namespace: 'n' }).namespace, 'n');
  });
});

describe('message validation on send', () => {
  async function started(): Promise<{ producer: Producer; fake: FakeRemoting }> {
    const fake = new FakeRemoting();
    fake.handler = (c) =>
      c.request.code === 105 ? routeResponse(makeRoute([['b', '1.1.1.1:1', 1]])) : sendOk(0);
    const instance = new ClientInstance(
      resolveClientConfig({ nameServer: 'n:1', clientIP: '1.1.1.2', instanceName: 'v' }),
      {
        remoting: fake.asInstanceRemoting(),
      },
    );
    const producer = new Producer({ producerGroup: 'PG', clientInstance: instance, maxMessageSize: 10 });
    await producer.start();
    return { producer, fake };
  }

  const cases: [string, () => Message, RegExp, number][] = [
    ['null message', () => null as unknown as Message, /the message is null/, 13],
    [
      'blank topic',
      () => new Message(' ', 'x'),
      /The specified topic is blank/,
      ClientErrorCode.INVALID_TOPIC,
    ],
    [
      'long topic',
      () => new Message('t'.repeat(128), 'x'),
      /longer than topic max length 127/,
      ClientErrorCode.INVALID_TOPIC,
    ],
    [
      'illegal topic',
      () => new Message('a.b', 'x'),
      /contains illegal characters/,
      ClientErrorCode.INVALID_TOPIC,
    ],
    [
      'forbidden topic',
      () => new Message('SCHEDULE_TOPIC_XXXX', 'x'),
      /is forbidden/,
      ClientErrorCode.INVALID_TOPIC,
    ],
    [
      'null body',
      () => new Message({ topic: 'T', body: null as unknown as string }),
      /the message body is null/,
      13,
    ],
    ['empty body', () => new Message('T', ''), /the message body length is zero/, 13],
    ['body too large', () => new Message('T', 'x'.repeat(11)), /body size over max value, MAX: 10/, 13],
  ];
  for (const [name, make, re, code] of cases) {
    it(`${name} -> MQClientError code ${code}`, async () => {
      const { producer, fake } = await started();
      try {
        await assert.rejects(producer.send(make()), (e: unknown) => {
          assert.ok(e instanceof MQClientError, String(e));
          assert.match(e.message, re);
          assert.equal(e.code, code);
          return true;
        });
        assert.equal(fake.calls.filter((c) => c.request.code === 310).length, 0);
      } finally {
        await producer.shutdown();
      }
    });
  }

  it('user properties: reserved names and blank values are refused', () => {
    assert.throws(() => new Message('T', 'x', { properties: { TAGS: 'a' } }), /used by system/);
    assert.throws(() => new Message('T', 'x', { properties: { a: ' ' } }), /can not be null or blank/);
  });
});
