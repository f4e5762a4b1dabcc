/**
 * Producer against a real embedded name server and broker over loopback: each send mode, TBW102
 * auto-creation, compression round trip, hooks, batches, state and validation errors.
 */
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { Producer, SendResult } from '../../src/client/index.js';
import type { ProducerOptions, SendMessageContext } from '../../src/client/index.js';
import { IllegalStateError, MQClientError } from '../../src/common/errors.js';
import { Message, MessageSysFlag } from '../../src/protocol/message/index.js';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import { createTopic, readStored, routeBrokers, waitFor } from './producer-helpers.js';

let cluster: EmbeddedCluster;
const producers: Producer[] = [];

async function started(options: Partial<ProducerOptions> = {}): Promise<Producer> {
  const p = new Producer({
    producerGroup: `PG_${producers.length}`,
    nameServer: cluster.namesrvAddress,
    ...options,
  });
  producers.push(p);
  await p.start();
  return p;
}

before(async () => {
  cluster = await startEmbeddedCluster({ brokers: 1 });
  await createTopic(cluster, 'T1', 4);
});

after(async () => {
  for (const p of producers) await p.shutdown().catch(() => undefined);
  await cluster.stop();
});

describe('producer send modes (embedded cluster)', () => {
  it('sync: SEND_OK and the stored message matches', async () => {
    const p = await started();
    const msg = new Message('T1', 'hello sync', {
      tags: 'TagA',
      keys: ['k1', 'k2'],
      properties: { color: 'red' },
    });
    const r = await p.send(msg);
    assert.ok(r instanceof SendResult);
    assert.equal(r.sendStatus, 'SEND_OK');
    assert.equal(r.messageQueue.topic, 'T1');
    assert.equal(r.messageQueue.brokerName, 'broker-a');
    assert.equal(r.msgId, msg.getProperty('UNIQ_KEY'));
    assert.match(r.offsetMsgId, /^[0-9A-F]{32}$/);
    assert.match(
      r.toString(),
      /^SendResult \[sendStatus=SEND_OK, msgId=[0-9A-F]{32}, offsetMsgId=[0-9A-F]{32}, messageQueue=MessageQueue \[topic=T1, brokerName=broker-a, queueId=\d\], queueOffset=\d+, regionId=DefaultRegion, traceOn=true\]$/,
    );
    const stored = await readStored(cluster.brokers[0]!, 'T1', r.messageQueue.queueId, r.queueOffset);
    assert.equal(stored.body.toString(), 'hello sync');
    assert.equal(stored.tags, 'TagA');
    assert.deepEqual(stored.keyList, ['k1', 'k2']);
    assert.equal(stored.properties.color, 'red');
    assert.equal(stored.msgId, r.msgId);
    assert.equal(stored.offsetMsgId, r.offsetMsgId);
  });

  it('sync with V1 headers and the ROCKETMQ header serialization', async () => {
    const p = await started({ sendSmartMsg: false, serializeType: 'ROCKETMQ' });
    const r = await p.send({ topic: 'T1', body: 'v1' });
    assert.equal(r.sendStatus, 'SEND_OK');
    const stored = await readStored(cluster.brokers[0]!, 'T1', r.messageQueue.queueId, r.queueOffset);
    assert.equal(stored.body.toString(), 'v1');
  });

  it('async: Promise form and callback form', async () => {
    const p = await started();
    const r1 = await p.sendAsync({ topic: 'T1', body: 'async promise' });
    assert.equal(r1.sendStatus, 'SEND_OK');
    const r2 = await new Promise<SendResult>((resolve, reject) =>
      p.sendAsync({ topic: 'T1', body: 'async callback' }, { onSuccess: resolve, onException: reject }),
    );
    const stored = await readStored(cluster.brokers[0]!, 'T1', r2.messageQueue.queueId, r2.queueOffset);
    assert.equal(stored.body.toString(), 'async callback');
  });

  it('oneway: no result, the message is stored', async () => {
    const p = await started();
    const msg = new Message('T1', 'oneway body');
    assert.equal(await p.sendOneway(msg), undefined);
    const key = msg.getProperty('UNIQ_KEY');
    const broker = cluster.brokers[0]!;
    await waitFor('oneway message', async () => {
      for (const q of [0, 1, 2, 3]) {
        const max = broker.store.getMaxOffsetInQueue('T1', q);
        for (let o = 0n; o < max; o++) {
          const m = await readStored(broker, 'T1', q, o);
          if (m.msgId === key) return m;
        }
      }
      return undefined;
    });
  });

  it('TBW102: the first send to an unknown topic auto-creates it with defaultTopicQueueNums queues', async () => {
    const p = await started({ defaultTopicQueueNums: 3 });
    assert.equal(await routeBrokers(cluster.namesrvAddress, 'AutoT'), undefined);
    const r = await p.send({ topic: 'AutoT', body: 'first' });
    assert.equal(r.sendStatus, 'SEND_OK');
    assert.ok(r.messageQueue.queueId < 3);
    assert.equal(cluster.brokers[0]!.topics.select('AutoT')?.writeQueueNums, 3);
    await waitFor('AutoT route', () => routeBrokers(cluster.namesrvAddress, 'AutoT'));
  });

  it('compression: the stored body is zlib with the COMPRESSED flag and inflates to the original', async () => {
    const p = await started();
    const body = Buffer.from('RocketMQ compression round trip. '.repeat(400));
    const msg = new Message('T1', body);
    const r = await p.send(msg);
    assert.equal(msg.body, body);
    const stored = await readStored(cluster.brokers[0]!, 'T1', r.messageQueue.queueId, r.queueOffset);
    assert.equal(stored.sysFlag & MessageSysFlag.COMPRESSED, MessageSysFlag.COMPRESSED);
    assert.equal(stored.sysFlag & MessageSysFlag.COMPRESSION_TYPE_MASK, MessageSysFlag.COMPRESSION_ZLIB_TYPE);
    assert.ok(stored.body.length < body.length);
    assert.deepEqual(inflateSync(stored.body), body);
    const small = await p.send(new Message('T1', 'tiny'));
    const s2 = await readStored(cluster.brokers[0]!, 'T1', small.messageQueue.queueId, small.queueOffset);
    assert.equal(s2.sysFlag & MessageSysFlag.COMPRESSED, 0);
  });

  it('hooks get the right context', async () => {
    const p = await started();
    const before: SendMessageContext[] = [];
    const afterCtx: SendMessageContext[] = [];
    p.registerSendMessageHook({
      hookName: 'rec',
      sendMessageBefore: (c) => before.push(c),
      sendMessageAfter: (c) => afterCtx.push(c),
    });
    const forbidden: string[] = [];
    p.registerCheckForbiddenHook({
      hookName: 'chk',
      checkForbidden: (c) => void forbidden.push(`${c.group}/${c.mq.topic}/${c.brokerAddr}`),
    });
    const r = await p.send({ topic: 'T1', body: 'hooked' });
    await p.sendAsync({ topic: 'T1', body: 'hooked async' });
    assert.equal(before.length, 2);
    assert.equal(afterCtx.length, 2);
    const c = afterCtx[0]!;
    assert.equal(c.brokerAddr, cluster.brokers[0]!.address);
    assert.equal(c.producerGroup, p.producerGroup);
    assert.equal(c.communicationMode, 'SYNC');
    assert.equal(c.sendResult, r);
    assert.equal(c.exception, undefined);
    assert.equal(afterCtx[1]!.communicationMode, 'ASYNC');
    assert.equal(afterCtx[1]!.sendResult?.sendStatus, 'SEND_OK');
    assert.deepEqual(forbidden, [
      `${p.producerGroup}/T1/${cluster.brokers[0]!.address}`,
      `${p.producerGroup}/T1/${cluster.brokers[0]!.address}`,
    ]);
  });

  it('batch: one request, every message stored with its own UNIQ_KEY', async () => {
    const p = await started();
    const msgs = [1, 2, 3].map((i) => new Message('T1', `batch-${i}`, { tags: `t${i}` }));
    const r = await p.sendBatch(msgs);
    const ids = r.msgId.split(',');
    assert.deepEqual(
      ids,
      msgs.map((m) => m.getProperty('UNIQ_KEY')),
    );
    assert.equal(r.offsetMsgId.split(',').length, 3);
    for (let i = 0; i < 3; i++) {
      const m = await readStored(
        cluster.brokers[0]!,
        'T1',
        r.messageQueue.queueId,
        r.queueOffset + BigInt(i),
      );
      assert.equal(m.body.toString(), `batch-${i + 1}`);
      assert.equal(m.msgId, ids[i]);
    }
  });

  it('state errors: before start, start twice, after shutdown', async () => {
    const p = new Producer({ producerGroup: 'PG_state', nameServer: cluster.namesrvAddress });
    await assert.rejects(
      p.send({ topic: 'T1', body: 'x' }),
      (e: unknown) => e instanceof IllegalStateError && /CREATE_JUST/.test(e.message),
    );
    await p.start();
    await assert.rejects(p.start(), IllegalStateError);
    assert.equal((await p.send({ topic: 'T1', body: 'x' })).sendStatus, 'SEND_OK');
    await p.shutdown();
    await assert.rejects(
      p.send({ topic: 'T1', body: 'x' }),
      (e: unknown) => e instanceof IllegalStateError && /SHUTDOWN_ALREADY/.test(e.message),
    );
    const asyncErr = await new Promise<unknown>((resolve) =>
      p.sendAsync({ topic: 'T1', body: 'x' }, { onSuccess: () => resolve(undefined), onException: resolve }),
    );
    assert.ok(asyncErr instanceof IllegalStateError);
  });

  it('validation errors are typed and name the fix', async () => {
    const p = await started({ maxMessageSize: 16 });
    await assert.rejects(
      p.send({ topic: 'bad topic', body: 'x' }),
      (e: unknown) => e instanceof MQClientError && /illegal characters/.test(e.message),
    );
    await assert.rejects(
      p.send({ topic: 'T1', body: 'x'.repeat(17) }),
      (e: unknown) => e instanceof MQClientError && e.code === 13,
    );
    await assert.rejects(p.send({ topic: 'OFFSET_MOVED_EVENT', body: 'x' }), /is forbidden/);
  });

  it('an unreachable name server gives one clear error', async () => {
    const p = new Producer({ producerGroup: 'PG_nons', nameServer: '127.0.0.1:1', mqClientApiTimeout: 500 });
    producers.push(p);
    await p.start();
    await assert.rejects(p.send({ topic: 'T1', body: 'x' }), (e: unknown) => {
      assert.ok(e instanceof MQClientError);
      assert.match(e.message, /^Failed to get the route of topic T1 from the name server \[127\.0\.0\.1:1\]/);
      return true;
    });
  });
});
