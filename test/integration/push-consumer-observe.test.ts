/**
 * @own-process (scripts/run-tests.mjs): installs OpenTelemetry's process-wide context manager.
 * The push consumer's cross-cutting features on one embedded cluster: message trace (SubBefore /
 * SubAfter records on RMQ_SYS_TRACE_TOPIC, Java's format), instrumentation events and OpenTelemetry
 * process spans continuing the producer's trace.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Producer } from '../../src/client/producer/producer.js';
import { ConsumeResult, PullConsumer, PushConsumer } from '../../src/client/consumer/index.js';
import type { ConsumedMessage, PushConsumerOptions } from '../../src/client/consumer/index.js';
import { decodeTraceData } from '../../src/protocol/body/trace-data.js';
import type { TraceContext } from '../../src/protocol/body/trace-data.js';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import { createTopic, waitFor } from './consumer-helpers.js';
import { AsyncLocalStorage } from 'node:async_hooks';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import type { Context, ContextManager } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { instrumentProducer, instrumentPushConsumer } from '../../src/otel/index.js';
import { silentLogger } from '../../src/common/logger.js';
import { MessageQueue } from '../../src/client/message-queue.js';
import { MQBrokerError } from '../../src/common/errors.js';
import {
  PushConsumerEvents,
  emitPullFailure,
  newPushConsumerEventHub,
  queuesBeforeRebalance,
} from '../../src/client/consumer/push/push-consumer-events.js';
import type {
  ConsumeEvent,
  ConsumeFailureEvent,
  PushPullFailureEvent,
  RebalanceEvent,
} from '../../src/client/consumer/push/push-consumer-events.js';

/** What @opentelemetry/context-async-hooks does (not a dependency here): the active context per async flow. */
class AsyncContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.storage.run(ctx, () => fn.call(thisArg, ...args));
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.storage.disable();
    return this;
  }
}

describe('push consumer: message trace, events, OpenTelemetry', () => {
  let cluster: EmbeddedCluster;
  let producer: Producer;
  let seq = 0;

  const newConsumer = (group: string, extra: Partial<PushConsumerOptions> = {}): PushConsumer =>
    new PushConsumer({
      nameServer: cluster.namesrvAddress,
      consumerGroup: group,
      instanceName: `observe-${++seq}`,
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      pollNameServerInterval: 200,
      awaitTerminationMillisWhenShutdown: 2000,
      ...extra,
    });

  before(async () => {
    cluster = await startEmbeddedCluster();
    await Promise.all([
      createTopic(cluster, 'ObsTrace', 1),
      createTopic(cluster, 'ObsEvents', 2),
      createTopic(cluster, 'ObsOtel', 1),
    ]);
    producer = new Producer({ nameServer: cluster.namesrvAddress, producerGroup: 'obs_pg' });
    await producer.start();
  });

  after(async () => {
    await producer?.shutdown();
    await cluster?.stop();
  });

  it('enableMsgTrace: a SubBefore and a SubAfter per delivery, tied by requestId, drained on shutdown', async () => {
    const ok = await producer.send({ topic: 'ObsTrace', body: 'ok', tags: 'TagA', keys: ['k-ok'] });
    const bad = await producer.send({ topic: 'ObsTrace', body: 'boom', tags: 'TagA' });
    const handled = new Set<string>();
    const consumer = newConsumer('CG_obs_trace', {
      enableMsgTrace: true,
      handler: (m: ConsumedMessage) => {
        handled.add(m.msgId);
        if (m.body.toString() === 'boom') throw new Error('boom');
        return ConsumeResult.CONSUME_SUCCESS;
      },
    });
    const thrown: unknown[] = [];
    consumer.on(PushConsumerEvents.CONSUME_FAILURE, (e) => thrown.push(e.error));
    await consumer.subscribe('ObsTrace', '*');
    await consumer.start();
    await waitFor('both delivered', () => (handled.has(ok.msgId) && handled.has(bad.msgId)) || undefined);
    await consumer.shutdown(); // writes the pending trace records before returning
    assert.match(String(thrown[0]), /boom/, 'consume.failure carries what the handler threw');

    const reader = new PullConsumer({ consumerGroup: 'CG_obs_reader', nameServer: cluster.namesrvAddress });
    await reader.start();
    const records: TraceContext[] = (await reader.pollAll('RMQ_SYS_TRACE_TOPIC')).flatMap((m) =>
      decodeTraceData(m.body.toString('utf8')),
    );
    await reader.shutdown();
    const of = (type: string, msgId: string): TraceContext[] =>
      records.filter((r) => r.traceType === type && r.traceBeans.some((b) => b.msgId === msgId));
    for (const [msgId, success, code] of [
      [ok.msgId, true, 0],
      [bad.msgId, false, 2], // Java ConsumeReturnType.EXCEPTION
    ] as const) {
      const [subBefore] = of('SubBefore', msgId);
      assert.ok(subBefore, `SubBefore of ${msgId}`);
      assert.equal(subBefore.groupName, 'CG_obs_trace');
      assert.equal(subBefore.traceBeans[0]?.retryTimes, 0); // Java's SubBefore has no topic nor tags
      const subAfter = of('SubAfter', msgId).find((a) => a.requestId === subBefore.requestId);
      assert.ok(subAfter, `SubAfter of ${msgId}`);
      assert.equal(subAfter.success, success);
      assert.equal(subAfter.contextCode, code);
    }
    assert.equal(of('SubBefore', ok.msgId)[0]?.traceBeans[0]?.keys, 'k-ok');
  });

  it('events: rebalance with the queues added, consume.success / consume.failure per handler call', async () => {
    const rebalances: RebalanceEvent[] = [];
    const successes: ConsumeEvent[] = [];
    const failures: ConsumeFailureEvent[] = [];
    const failed = new Set<string>();
    const consumer = newConsumer('CG_obs_events', {
      handler: (m: ConsumedMessage) => {
        if (m.body.toString() !== 'later' || failed.has(m.msgId)) return ConsumeResult.CONSUME_SUCCESS;
        failed.add(m.msgId);
        return ConsumeResult.RECONSUME_LATER;
      },
    });
    assert.throws(() => consumer.on('rebalanced' as never, () => undefined), /unknown event "rebalanced"/);
    consumer.on(PushConsumerEvents.REBALANCE, (e) => rebalances.push(e));
    consumer.on(PushConsumerEvents.CONSUME_SUCCESS, (e) => successes.push(e));
    consumer.on(PushConsumerEvents.CONSUME_FAILURE, (e) => failures.push(e));
    await consumer.subscribe('ObsEvents', '*');
    await consumer.start();
    try {
      const first = rebalances.find((e) => e.topic === 'ObsEvents');
      assert.ok(first, 'a rebalance event for the topic at start');
      assert.equal(first.queuesBefore, 0);
      assert.equal(first.queuesAfter, 2);
      assert.deepEqual(first.added.map((q) => q.queueId).sort(), [0, 1]);
      assert.equal(first.removed.length, 0);
      await producer.send({ topic: 'ObsEvents', body: 'fine' });
      await producer.send({ topic: 'ObsEvents', body: 'later' });
      await waitFor(
        'a success and a failure',
        () => (successes.length >= 1 && failures.length >= 1) || undefined,
      );
      assert.equal(failures[0]?.returnType, 'FAILED');
      assert.equal(failures[0]?.count, 1);
      assert.equal(failures[0]?.queue.topic, 'ObsEvents');
      assert.ok((successes[0]?.durationMillis ?? -1) >= 0);
      assert.equal(successes[0]?.count, 1);
    } finally {
      await consumer.shutdown();
    }
    assert.equal(consumer.listenerCount(), 3);
  });

  it('events are free when nobody listens; pull.failure carries the queue, offset and code', () => {
    const hub = newPushConsumerEventHub(silentLogger);
    assert.equal(queuesBeforeRebalance(hub, new Map(), 'T'), undefined, 'nothing built unobserved');
    const seen: PushPullFailureEvent[] = [];
    hub.on(PushConsumerEvents.PULL_FAILURE, (e) => seen.push(e));
    const queue = new MessageQueue('T', 'broker-a', 3);
    emitPullFailure(hub, queue, 42n, Date.now(), new MQBrokerError(17, 'topic not exist'));
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.queue, queue);
    assert.equal(seen[0]?.offset, 42n);
    assert.equal(seen[0]?.code, 17);
  });

  it('OpenTelemetry: process spans continue the producer trace; the handler runs inside its span', async () => {
    const exporter = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const options = { tracerProvider };
    assert.ok(context.setGlobalContextManager(new AsyncContextManager()));
    const stopProducer = instrumentProducer(producer, options);
    const handled = new Set<string>();
    const consumer = newConsumer('CG_obs_otel', {
      handler: (m: ConsumedMessage) => {
        handled.add(m.body.toString());
        tracerProvider.getTracer('app').startSpan('app work').end(); // a child of the active span
        return m.body.toString() === 'fail' ? ConsumeResult.RECONSUME_LATER : ConsumeResult.CONSUME_SUCCESS;
      },
    });
    const stopConsumer = instrumentPushConsumer(consumer, options);
    assert.throws(() => consumer.interceptConsume('x' as never), /must be a function/);
    try {
      await consumer.subscribe('ObsOtel', '*');
      await consumer.start();
      const ok = await producer.send({ topic: 'ObsOtel', body: 'traced', tags: 'TagA' });
      await producer.send({ topic: 'ObsOtel', body: 'fail' });
      await waitFor('both handled', () => (handled.has('traced') && handled.has('fail')) || undefined);
      await waitFor(
        'spans ended',
        () =>
          exporter.getFinishedSpans().filter((s) => s.name === 'process ObsOtel').length >= 2 || undefined,
      );
      const spans = exporter.getFinishedSpans();
      const send = spans.find(
        (s) => s.name === 'send ObsOtel' && s.attributes['messaging.message.id'] === ok.msgId,
      );
      assert.ok(send);
      const processed = spans.find(
        (s) => s.name === 'process ObsOtel' && s.attributes['messaging.message.id'] === ok.msgId,
      );
      assert.ok(processed, 'a process span for the message');
      assert.equal(processed.kind, SpanKind.CONSUMER);
      assert.equal(processed.spanContext().traceId, send.spanContext().traceId);
      assert.equal(processed.parentSpanContext?.spanId, send.spanContext().spanId);
      assert.equal(processed.attributes['messaging.operation.type'], 'process');
      assert.equal(processed.attributes['messaging.consumer.group.name'], 'CG_obs_otel');
      assert.equal(processed.attributes['messaging.destination.name'], 'ObsOtel');
      assert.equal(processed.status.code, SpanStatusCode.UNSET);
      const work = spans.find(
        (s) => s.name === 'app work' && s.parentSpanContext?.spanId === processed.spanContext().spanId,
      );
      assert.ok(work, 'the handler ran inside the process span');
      const failed = spans.find(
        (s) => s.name === 'process ObsOtel' && s.status.code === SpanStatusCode.ERROR,
      );
      assert.equal(failed?.attributes['error.type'], 'FAILED');
      assert.equal(trace.getActiveSpan(), undefined);
    } finally {
      stopConsumer();
      stopProducer();
      await consumer.shutdown();
      context.disable();
    }
  });
});
