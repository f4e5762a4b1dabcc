/**
 * Message trace end to end on an embedded cluster: a producer with enableMsgTrace writes Pub records,
 * a transaction producer an EndTransaction record, a pull consumer's poll() SubBefore / SubAfter
 * records; they land on RMQ_SYS_TRACE_TOPIC (auto-created) with the traced msgIds as KEYS, decode as
 * Java's format, and `rmq trace --msg-id` prints them. One cluster for the file.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Producer, TransactionProducer } from '../../src/client/index.js';
import { PullConsumer } from '../../src/client/consumer/index.js';
import { decodeTraceData } from '../../src/protocol/body/trace-data.js';
import type { TraceContext } from '../../src/protocol/body/trace-data.js';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import { rmq } from '../helpers/cli.js';
import { createTopic } from './producer-helpers.js';

let cluster: EmbeddedCluster;
const sent: { msgId: string; offsetMsgId: string }[] = [];
let txMsgId = '';
/** Every trace message on the trace topic: its KEYS and decoded records. */
let traces: { keys: string[]; contexts: TraceContext[] }[] = [];

before(async () => {
  cluster = await startEmbeddedCluster();
  await createTopic(cluster, 'TraceT', 1);
  const nameServer = cluster.namesrvAddress;
  const producer = new Producer({ producerGroup: 'PG_trace', nameServer, enableMsgTrace: true });
  await producer.start();
  for (const [i, keys] of [['order-1'], undefined].entries()) {
    const r = await producer.send({
      topic: 'TraceT',
      body: `hello ${i}`,
      tags: 'TagA',
      ...(keys && { keys }),
    });
    sent.push({ msgId: r.msgId, offsetMsgId: r.offsetMsgId });
  }
  await producer.shutdown(); // flushes the trace records before leaving
  const tx = new TransactionProducer({
    producerGroup: 'PG_trace_tx',
    nameServer,
    enableMsgTrace: true,
    transactionListener: {
      executeLocalTransaction: () => 'COMMIT_MESSAGE',
      checkLocalTransaction: () => 'COMMIT_MESSAGE',
    },
  });
  await tx.start();
  txMsgId = (await tx.sendMessageInTransaction({ topic: 'TraceT', body: 'tx' })).msgId;
  await tx.shutdown();
  const consumer = new PullConsumer({ consumerGroup: 'CG_trace', nameServer, enableMsgTrace: true });
  await consumer.start();
  assert.equal((await consumer.pollAll('TraceT')).length, 3);
  await consumer.shutdown();
  const reader = new PullConsumer({ consumerGroup: 'CG_reader', nameServer });
  await reader.start();
  traces = (await reader.pollAll('RMQ_SYS_TRACE_TOPIC')).map((m) => ({
    keys: m.keyList,
    contexts: decodeTraceData(m.body.toString('utf8')),
  }));
  await reader.shutdown();
});

after(() => cluster?.stop());

function records(type: TraceContext['traceType']): TraceContext[] {
  return traces.flatMap((t) => t.contexts).filter((c) => c.traceType === type);
}

describe('message trace (Java format, embedded cluster)', () => {
  it('a Pub record per send, with region, group, broker, ids, and the msgIds as KEYS', () => {
    const pubs = records('Pub').filter((c) => c.groupName === 'PG_trace');
    assert.equal(pubs.length, 2);
    const broker = cluster.brokers[0]?.address;
    for (const [i, s] of sent.entries()) {
      const pub = pubs.find((p) => p.traceBeans[0]?.msgId === s.msgId);
      assert.ok(pub, `Pub of ${s.msgId}`);
      const bean = pub.traceBeans[0];
      assert.equal(pub.regionId, 'DefaultRegion');
      assert.equal(pub.success, true);
      assert.equal(bean?.topic, 'TraceT');
      assert.equal(bean?.tags, 'TagA');
      assert.equal(bean?.keys, i === 0 ? 'order-1' : 'null', 'Java writes a missing key as "null"');
      assert.equal(bean?.storeHost, broker);
      assert.equal(bean?.offsetMsgId, s.offsetMsgId);
      assert.equal(bean?.bodyLength, `hello ${i}`.length);
      assert.equal(bean?.msgType, 'Normal_Msg');
      assert.ok(
        traces.some((t) => t.keys.includes(s.msgId)),
        'found by key',
      );
    }
    assert.ok(
      traces.some((t) => t.keys.includes('order-1')),
      'message keys are trace keys too',
    );
  });

  it('the transaction: a half-message Pub and an EndTransaction record', () => {
    const half = records('Pub').find((c) => c.traceBeans[0]?.msgId === txMsgId);
    assert.equal(half?.traceBeans[0]?.msgType, 'Trans_Msg_Half');
    const [end] = records('EndTransaction');
    assert.equal(end?.groupName, 'PG_trace_tx');
    assert.equal(end?.traceBeans[0]?.msgId, txMsgId);
    assert.equal(end?.traceBeans[0]?.transactionState, 'COMMIT_MESSAGE');
    assert.equal(end?.traceBeans[0]?.fromTransactionCheck, false);
  });

  it('poll() writes SubBefore and SubAfter per message, tied by requestId', () => {
    const befores = records('SubBefore');
    const afters = records('SubAfter');
    assert.equal(befores.length, 3);
    assert.equal(afters.length, 3);
    for (const b of befores) {
      assert.equal(b.groupName, 'CG_trace');
      const a = afters.find((x) => x.requestId === b.requestId);
      assert.equal(a?.traceBeans[0]?.msgId, b.traceBeans[0]?.msgId);
      assert.equal(a?.success, true);
      assert.equal(a?.contextCode, 0);
      assert.equal(a?.groupName, 'CG_trace');
    }
  });

  it('`rmq trace` (readMessageTrace) shows the trace of one message; unknown ids exit 1', async () => {
    const out = await rmq(['trace', '--namesrv', cluster.namesrvAddress, '--msg-id', sent[0]?.msgId ?? '']);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^#Type +#ProducerGroup +#ClientHost +#SendTime +#CostTimes +#Status$/m);
    assert.match(out.stdout, /^Pub +PG_trace +\S+ +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +\d+ms +success$/m);
    assert.match(out.stdout, /^Sub +CG_trace +\S+ +\S+ \S+ +\d+ms +success$/m);
    const json = await rmq([
      'trace',
      '--namesrv',
      cluster.namesrvAddress,
      '--msg-id',
      sent[0]?.msgId ?? '',
      '--json',
    ]);
    const types = json.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { traceType: string }).traceType);
    assert.deepEqual(types.sort(), ['Pub', 'SubAfter', 'SubBefore']);
    const none = await rmq(['trace', '--namesrv', cluster.namesrvAddress, '--msg-id', 'NOPE']);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no trace of NOPE in RMQ_SYS_TRACE_TOPIC/);
  });
});
