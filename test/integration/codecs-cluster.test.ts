/**
 * Compressed bodies through our broker: a producer of each compressType, the stored sysFlag bits, the
 * pull consumer reading them back; bodies compressed by Java's codecs stored as a Java producer sends
 * them (raw SEND_MESSAGE_V2 with sysFlag 0x101 / 0x201 / 0x301); a consumer without a ZSTD decoder
 * failing with a typed error and committing nothing; `rmq send --compress`.
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Producer } from '../../src/client/producer/producer.js';
import { MessageQueue } from '../../src/client/message-queue.js';
import { PullConsumer, pollMessages } from '../../src/client/consumer/index.js';
import { CompressionCodecUnavailableError } from '../../src/common/codec-errors.js';
import { compressedSysFlag, overrideCodecEnvironment } from '../../src/protocol/message/codecs.js';
import type { CompressionType } from '../../src/protocol/message/constants.js';
import { RemotingClient } from '../../src/transport/index.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import { RequestCode } from '../../src/protocol/codes/request-code.js';
import { ConsumerSendMsgBackRequestHeader } from '../../src/protocol/headers/client.js';
import { messageExtFromRecord } from '../../src/protocol/message/message.js';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import { pull, records, send } from '../helpers/broker-client.js';
import { rmq } from '../helpers/cli.js';
import { createTopic } from './consumer-helpers.js';

const TYPES: CompressionType[] = ['ZLIB', 'LZ4', 'ZSTD'];
const fixture = (name: string): Buffer =>
  readFileSync(new URL(`../fixtures/codecs/${name}`, import.meta.url));

describe('compressed bodies through the embedded broker', () => {
  let cluster: EmbeddedCluster;
  let raw: RemotingClient;
  let consumer: PullConsumer;
  let broker: string;

  before(async () => {
    cluster = await startEmbeddedCluster({ brokers: 1 });
    broker = cluster.brokers[0]!.address;
    for (const type of TYPES) await createTopic(cluster, `Codec${type}`, 1);
    await createTopic(cluster, 'CodecJava', 1);
    await createTopic(cluster, 'CodecCli', 1);
    raw = new RemotingClient();
    consumer = new PullConsumer({ nameServer: cluster.namesrvAddress, consumerGroup: 'codec_cg' });
    await consumer.start();
  });

  after(async () => {
    overrideCodecEnvironment(undefined);
    await consumer?.shutdown();
    await raw?.shutdown();
    await cluster?.stop();
  });

  afterEach(() => overrideCodecEnvironment(undefined));

  const queue = (topic: string): MessageQueue => new MessageQueue(topic, 'broker-a', 0);
  const storedSysFlags = async (topic: string): Promise<number[]> =>
    records(await pull(raw, broker, { topic, offset: 0n, maxMsgNums: 32 })).map((r) => r.sysFlag);

  for (const type of TYPES) {
    it(`${type}: producer compressType -> stored type bits -> pull consumer reads the bodies`, async () => {
      const topic = `Codec${type}`;
      const producer = new Producer({
        nameServer: cluster.namesrvAddress,
        producerGroup: `codec_pg_${type}`,
        compressType: type.toLowerCase() as Lowercase<CompressionType>,
      });
      await producer.start();
      const big = fixture('text-8k.raw');
      try {
        await producer.send({ topic, body: big });
        await producer.send({ topic, body: 'small stays plain' });
      } finally {
        await producer.shutdown();
      }
      assert.deepEqual(await storedSysFlags(topic), [compressedSysFlag(type), 0]);
      const result = await consumer.pull(queue(topic), '*', 0n, 32);
      assert.deepEqual(
        result.msgFoundList.map((m) => m.body),
        [big, Buffer.from('small stays plain')],
      );
      assert.equal(result.msgFoundList[0]?.sysFlag, compressedSysFlag(type) & ~1);
    });
  }

  it("bodies compressed by Java's codecs, sent as a Java producer sends them, read back", async () => {
    for (const type of TYPES) {
      const ext = { ZLIB: 'zlib', LZ4: 'lz4', ZSTD: 'zstd' }[type];
      const response = await send(raw, broker, {
        topic: 'CodecJava',
        body: fixture(`mixed-100k.${ext}`),
        sysFlag: compressedSysFlag(type),
        properties: { WAIT: 'true', codec: type },
      });
      assert.equal(response.code, 0);
    }
    const result = await consumer.pull(queue('CodecJava'), '*', 0n, 32);
    assert.deepEqual(
      result.msgFoundList.map((m) => [m.properties.codec, m.body.equals(fixture('mixed-100k.raw'))]),
      TYPES.map((t) => [t, true]),
    );
  });

  it('a message the broker puts again (send-back to the DLQ) keeps its body and compression type bits', async () => {
    const [lz4] = (await consumer.pull(queue('CodecJava'), '*', 0n, 32)).msgFoundList.filter(
      (m) => m.properties.codec === 'LZ4',
    );
    assert.ok(lz4);
    const header = ConsumerSendMsgBackRequestHeader.encode({
      offset: lz4.commitLogOffset,
      group: 'codec_cg',
      delayLevel: -1,
      originTopic: 'CodecJava',
      originMsgId: lz4.msgId,
      maxReconsumeTimes: 16,
    });
    const back = await raw.invokeSync(
      broker,
      createRequest(RequestCode.CONSUMER_SEND_MSG_BACK, { extFields: header }),
      5000,
    );
    assert.equal(back.code, 0, back.remark);
    const [dlq] = records(await pull(raw, broker, { topic: '%DLQ%codec_cg', offset: 0n }));
    assert.ok(dlq);
    assert.equal(dlq.sysFlag & 0x701, compressedSysFlag('LZ4'));
    assert.deepEqual(messageExtFromRecord(dlq).body, fixture('mixed-100k.raw'));
  });

  it('without a ZSTD decoder the pull fails with the missing package named and nothing is committed', async () => {
    overrideCodecEnvironment({ nativeZstd: undefined, load: () => undefined });
    const mq = queue('CodecZSTD');
    const offsetBefore = await consumer.fetchConsumeOffset(mq);
    assert.ok(offsetBefore <= 0n);
    await assert.rejects(
      consumer.pull(mq, '*', 0n, 32),
      (e: unknown) =>
        e instanceof CompressionCodecUnavailableError &&
        e.packageName === 'fzstd' &&
        e.location?.topic === 'CodecZSTD' &&
        e.location.queueOffset === 0n,
    );
    await assert.rejects(async () => {
      for await (const m of pollMessages(consumer, 'CodecZSTD', { from: 'beginning', commit: true })) {
        assert.fail(`nothing may be handed back, got ${m.msgId}`);
      }
    }, CompressionCodecUnavailableError);
    assert.equal(await consumer.fetchConsumeOffset(mq), offsetBefore);
  });

  it('rmq send --compress forces the codec whatever the size; a bad name is one usage line, exit 2', async () => {
    for (const codec of ['lz4', 'zstd', 'zlib']) {
      const out = await rmq([
        'send',
        '--namesrv',
        cluster.namesrvAddress,
        '--topic',
        'CodecCli',
        '--body',
        'hi',
        '--compress',
        codec,
      ]);
      assert.equal(out.code, 0, out.stderr);
    }
    assert.deepEqual(await storedSysFlags('CodecCli'), [0x101, 0x201, 0x301]);
    const got = await consumer.pull(queue('CodecCli'), '*', 0n, 32);
    assert.deepEqual(
      got.msgFoundList.map((m) => m.body.toString()),
      ['hi', 'hi', 'hi'],
    );
    const bad = await rmq([
      'send',
      '--namesrv',
      cluster.namesrvAddress,
      '--topic',
      'CodecCli',
      '--body',
      'x',
      '--compress',
      'gzip',
    ]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--compress must be zlib, lz4 or zstd, got "gzip"/);
  });
});
