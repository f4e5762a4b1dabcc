/**
 * The published package, as a user sees it: imports go through package.json `exports` to the built
 * `dist/` (self-reference by name), and the flows shown in the README run against an embedded cluster.
 * Needs `npm run build` first (`npm test` does it).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import * as rocketmq from 'rocketmq-ts';
import {
  MQClientError,
  Producer,
  PullConsumer,
  RocketMQError,
  SendStatus,
  pollMessages,
  startEmbeddedCluster,
} from 'rocketmq-ts';
import type { EmbeddedCluster, SendResult } from 'rocketmq-ts';

/** Every name `rocketmq-ts` exports; a change here is a change of the public API. */
const PUBLIC_NAMES = [
  'decodeTraceData',
  'encodeTraceContext',
  'formatMessageTrace',
  'readMessageTrace',
  'parseFaultSpec',
  'AbortError',
  'ClientEvents',
  'ProducerEvents',
  'PullConsumerEvents',
  'PushConsumerEvents',
  'AclClientRPCHook',
  'BatchRuleError',
  'BatchSendError',
  'BodyDecompressError',
  'AclConfigError',
  'Broker',
  'CLIENT_DEFAULTS',
  'ClientErrorCode',
  'ClientInstance',
  'CodecErrorCode',
  'CompressionCodecUnavailableError',
  'DefaultMQProducer',
  'FrameTooLargeError',
  'HeaderFieldError',
  'IllegalArgumentError',
  'IllegalStateError',
  'LocalTransactionState',
  'InvalidRecallHandleError',
  'InvalidTimerMessageError',
  'MQBrokerError',
  'MQClientError',
  'Message',
  'MessageConst',
  'MessageNotSentError',
  'MessageQueue',
  'MessageSelector',
  'NAME_SERVER_DISCOVERY_DEFAULTS',
  'NameServer',
  'PRODUCER_DEFAULTS',
  'PULL_CONSUMER_DEFAULTS',
  'PUSH_CONSUMER_DEFAULTS',
  'PushConsumer',
  'ConsumeResult',
  'AllocateMessageQueueAveragely',
  'AllocateMachineRoomNearby',
  'AllocateMessageQueueAveragelyByCircle',
  'AllocateMessageQueueByConfig',
  'AllocateMessageQueueByMachineRoom',
  'AllocateMessageQueueConsistentHash',
  'LocalOffsetFileError',
  'Producer',
  'ProducerShutdownError',
  'ProtocolError',
  'PullConsumer',
  'PullResult',
  'PullStatus',
  'QueueSelectionError',
  'QueueTargetError',
  'RemotingConnectError',
  'RemotingError',
  'RemotingSendRequestError',
  'RemotingTimeoutError',
  'RemotingTooMuchRequestError',
  'TlsHandshakeError',
  'createDevelopmentCertificates',
  'RequestCode',
  'RequestTimeoutError',
  'ResponseCode',
  'RocketMQError',
  'Sql92SyntaxError',
  'SendOutcomeUnknownError',
  'SendResult',
  'SendStatus',
  'TRANSACTION_PRODUCER_DEFAULTS',
  'TransactionMQProducer',
  'TransactionProducer',
  'TransactionSendResult',
  'compileSql92',
  'consoleLogger',
  'createReplyMessage',
  'getReplyToClient',
  'hashQueueIndex',
  'defaultNameServerDiscoveryUrl',
  'decodeRecallHandle',
  'encodeRecallHandle',
  'pollMessages',
  'requestCodeName',
  'responseCodeName',
  'selectMessageQueueByHash',
  'selectMessageQueueByMachineRoom',
  'selectMessageQueueByRandom',
  'silentLogger',
  'splitIntoBatches',
  'startEmbeddedCluster',
];

describe('published package API (README flows)', () => {
  let cluster: EmbeddedCluster;
  before(async () => {
    cluster = await startEmbeddedCluster({ brokers: 2 });
  });
  after(async () => {
    await cluster.stop();
  });

  it('exports the documented names from the built entry point', () => {
    for (const name of [
      'Producer',
      'DefaultMQProducer',
      'PullConsumer',
      'Message',
      'SendResult',
      'SendStatus',
      'startEmbeddedCluster',
      'NameServer',
      'Broker',
      'RocketMQError',
      'MQClientError',
      'MQBrokerError',
      'RemotingTimeoutError',
      'ResponseCode',
      'RequestCode',
    ]) {
      assert.ok(name in rocketmq, `missing export ${name}`);
    }
  });

  it('exports exactly the public list: no internal names at the top level', () => {
    assert.deepEqual(Object.keys(rocketmq).sort(), [...PUBLIC_NAMES].sort());
    for (const internal of [
      'MQClientAPI',
      'sendRequestCode',
      'ClientRemotingProcessor',
      'clientRequestHandlers',
      'clampDefaultRoute',
      'QueueIndex',
      'TopicPublishInfo',
      'RETRY_RESPONSE_CODES',
      'processPullResponse',
      'ConsumerAPI',
      'crc32Portable',
      'protocol',
      'RemotingClient',
      'RemotingServer',
    ]) {
      assert.ok(!(internal in rocketmq), `${internal} must not be exported from rocketmq-ts`);
    }
  });

  it('exposes the remoting layer and codecs under rocketmq-ts/protocol', async () => {
    const protocol = await import('rocketmq-ts/protocol');
    for (const name of [
      'RemotingClient',
      'RemotingServer',
      'encodeFrame',
      'decodeFrame',
      'FrameDecoder',
      'createRequest',
      'createResponse',
      'RequestCode',
      'ResponseCode',
      'SendMessageRequestHeader',
      'defineHeader',
      'decodeTopicRouteData',
      'encodeMessageRecord',
      'handlerTable',
      'RequestRefusedError',
    ]) {
      assert.ok(name in protocol, `rocketmq-ts/protocol is missing ${name}`);
    }
    assert.ok(!('crc32Portable' in protocol) && !('JavaHashMap' in protocol), 'internals stay internal');
    const frame = protocol.encodeFrame(protocol.createRequest(protocol.RequestCode.HEART_BEAT));
    assert.equal(protocol.decodeFrame(frame).code, protocol.RequestCode.HEART_BEAT);
  });

  it('runs the README producer and consumer examples', async () => {
    const producer = new Producer({ producerGroup: 'order-service', nameServer: cluster.namesrvAddress });
    await producer.start();
    const sent: SendResult[] = [];
    sent.push(
      await producer.send({
        topic: 'Orders',
        body: JSON.stringify({ id: 1 }),
        tags: 'created',
        keys: ['order-1', 'customer-7'],
        properties: { region: 'eu' },
      }),
    );
    assert.equal(sent[0]!.sendStatus, SendStatus.SEND_OK);
    sent.push(await producer.sendAsync({ topic: 'Orders', body: 'second', tags: 'created' }));
    sent.push(
      await new Promise<SendResult>((resolve, reject) =>
        producer.sendAsync(
          { topic: 'Orders', body: 'third', tags: 'shipped' },
          { onSuccess: resolve, onException: reject },
        ),
      ),
    );
    await producer.sendOneway({ topic: 'Orders', body: 'fire and forget', tags: 'other' });
    const batch = await producer.sendBatch([
      { topic: 'Orders', body: 'a', tags: 'created' },
      { topic: 'Orders', body: 'b', tags: 'created' },
    ]);
    assert.equal(batch.sendStatus, SendStatus.SEND_OK);
    await producer.shutdown();

    const consumer = new PullConsumer({ consumerGroup: 'order-audit', nameServer: cluster.namesrvAddress });
    await consumer.start();
    const bodies: string[] = [];
    for (let round = 0; round < 50 && bodies.length < 5; round++) {
      for (const mq of await consumer.fetchMessageQueues('Orders')) {
        const offset = await consumer.fetchConsumeOffset(mq);
        const result = await consumer.pull(mq, 'created || shipped', offset < 0n ? 0n : offset, 32);
        for (const msg of result.msgFoundList) bodies.push(msg.body.toString());
        await consumer.commitOffset(mq, result.nextBeginOffset);
      }
      if (bodies.length < 5) await new Promise((r) => setTimeout(r, 50));
    }
    // The tag expression leaves out the 'other' message.
    assert.deepEqual(bodies.sort(), ['a', 'b', 'second', 'third', JSON.stringify({ id: 1 })].sort());

    const all: string[] = [];
    for await (const msg of pollMessages(consumer, 'Orders', { from: 'beginning', idleTimeoutMillis: 500 })) {
      all.push(msg.body.toString());
    }
    assert.equal(all.length, 6);
    assert.ok(all.includes('fire and forget'));
    await consumer.shutdown();
  });

  it('fails with typed errors that carry codes', async () => {
    const producer = new Producer({ producerGroup: 'typed-errors', nameServer: cluster.namesrvAddress });
    await producer.start();
    try {
      await assert.rejects(producer.send({ topic: 'bad topic!', body: 'x' }), (err: unknown) => {
        assert.ok(err instanceof MQClientError && err instanceof RocketMQError);
        assert.equal(typeof err.code, 'number');
        return true;
      });
    } finally {
      await producer.shutdown();
    }
  });

  it('installs the rmq bin from dist', () => {
    const out = execFileSync(process.execPath, ['dist/cli/main.js', '--help'], { encoding: 'utf8' });
    assert.match(out, /Usage: rmq <command>/);
    for (const command of [
      'demo',
      'dev',
      'namesrv',
      'broker',
      'send',
      'consume',
      'route',
      'topic',
      'cluster',
    ]) {
      assert.match(out, new RegExp(`^  ${command} `, 'm'));
    }
  });
});
