/**
 * Observability against one embedded cluster plus a "black hole" broker that accepts requests and
 * never answers (so a call is caught waiting) and a routed broker that refuses connections:
 *
 * - AbortSignal on every send form, request-reply and pull: the abort settles the call at once with
 *   AbortError (ClientErrorCode.ABORTED), the transport's response table and the reply table are
 *   empty afterwards, and an aborted signal rejects before any request;
 * - the instrumentation events of the producer, the pull consumer and the client instance;
 * - the OpenTelemetry integration (rocketmq-ts/otel) with the SDK's in-memory exporters: a trace
 *   from the producer's send span to the consumer's spans, and the send metrics.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { instanceCore } from '../../src/client/client-instance.js';
import type { ClientInstance } from '../../src/client/client-instance.js';
import { PullConsumer } from '../../src/client/consumer/pull/pull-consumer.js';
import { MessageQueue } from '../../src/client/message-queue.js';
import { Producer, producerStats } from '../../src/client/producer/producer.js';
import type { SendCallback } from '../../src/client/producer/producer.js';
import { AbortError } from '../../src/common/abort-error.js';
import { BatchSendError } from '../../src/client/producer/ordered/queue-errors.js';
import type { MQClientError } from '../../src/common/errors.js';
import {
  ClientErrorCode,
  IllegalArgumentError,
  RemotingConnectError,
  RocketMQError,
} from '../../src/common/errors.js';
import fs from 'node:fs';
import path from 'node:path';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { RequestCode } from '../../src/protocol/codes/index.js';
import { Message } from '../../src/protocol/message/index.js';
import { ClientEvents } from '../../src/client/events/event-types.js';
import type { RequestTimeoutEvent, RouteChangeEvent } from '../../src/client/events/event-types.js';
import { ProducerEvents } from '../../src/client/producer/producer-events.js';
import type {
  BrokerIsolatedEvent,
  InFlightEvent,
  SendFailureEvent,
  SendRetryEvent,
  SendSuccessEvent,
} from '../../src/client/producer/producer-events.js';
import { PullConsumerEvents } from '../../src/client/consumer/pull/pull-consumer-events.js';
import type { PullEvent, PullFailureEvent } from '../../src/client/consumer/pull/pull-consumer-events.js';
import { instrumentProducer, instrumentPullConsumer, traceProcessing } from '../../src/otel/index.js';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { RemotingClient } from '../../src/transport/remoting-client.js';
import type { RPCHook } from '../../src/transport/types.js';
import { createTopic, routeBrokers, startBlackHoleBroker, waitFor } from './producer-helpers.js';

const HOLE = 'AbortHole';
const REAL = 'AbortReal';
const MIXED = 'EventsMixed';
/** Client API timeout: the black hole never answers heartbeats or UNREGISTER_CLIENT either. */
const FAST = 300;

describe('observability: AbortSignal, instrumentation events, OpenTelemetry', () => {
  let cluster: EmbeddedCluster;
  let hole: { address: string; close(): Promise<void> };
  let refusing: { address: string; close(): Promise<void> };
  let producer: Producer;
  let consumer: PullConsumer;
  const sent: string[] = [];
  const counting: RPCHook = {
    beforeRequest: (_addr, request) => {
      if (request.code === RequestCode.SEND_MESSAGE_V2 || request.code === RequestCode.SEND_MESSAGE)
        sent.push(_addr);
    },
  };

  before(async () => {
    cluster = await startEmbeddedCluster();
    await createTopic(cluster, REAL, 2);
    hole = await startBlackHoleBroker(cluster.namesrvAddress, 'broker-hole', [[HOLE, 2]]);
    await waitFor('hole routed', async () => (await routeBrokers(cluster.namesrvAddress, HOLE)) ?? undefined);
    // MIXED: on broker-a and on a routed broker whose port refuses connections.
    await createTopic(cluster, MIXED, 1);
    refusing = await startBlackHoleBroker(cluster.namesrvAddress, 'broker-refuse', [[MIXED, 1]], {
      refuse: true,
    });
    await waitFor('mixed routed', async () => {
      const brokers = await routeBrokers(cluster.namesrvAddress, MIXED);
      return brokers !== undefined && brokers.length === 2 ? brokers : undefined;
    });
    producer = new Producer({
      producerGroup: 'PG_abort',
      nameServer: cluster.namesrvAddress,
      sendMsgTimeout: 20_000,
      retryTimesWhenSendFailed: 0,
      rpcHooks: [counting],
      mqClientApiTimeout: FAST,
    });
    await producer.start();
    consumer = new PullConsumer({
      consumerGroup: 'CG_abort',
      nameServer: cluster.namesrvAddress,
      mqClientApiTimeout: FAST,
    });
    await consumer.start();
  });

  after(async () => {
    await producer?.shutdown({ timeoutMillis: 200 });
    await consumer?.shutdown();
    await hole?.close();
    await refusing?.close();
    await cluster?.stop();
  });

  /** Sends and pulls of `instance` waiting for an answer (heartbeats and route fetches aside). */
  const CALLS: readonly number[] = [
    RequestCode.SEND_MESSAGE,
    RequestCode.SEND_MESSAGE_V2,
    RequestCode.SEND_BATCH_MESSAGE,
    RequestCode.PULL_MESSAGE,
  ];
  const waitingOf = (instance: ClientInstance): number =>
    (instanceCore(instance).remoting as RemotingClient)
      .waitingRequestCodes()
      .filter((code) => CALLS.includes(code)).length;
  const tableSize = (): number => waitingOf(producer.instance);

  /** Starts `call` with a fresh signal, waits until `waiting` holds, aborts, and checks the outcome. */
  async function abortWhileWaiting(
    what: string,
    call: (signal: AbortSignal) => Promise<unknown>,
    waiting: () => boolean = () => tableSize() > 0,
  ): Promise<void> {
    const controller = new AbortController();
    const settled = call(controller.signal).then(
      () => assert.fail(`${what} resolved`),
      (e: unknown) => e,
    );
    await waitFor(`${what} waiting`, () => (waiting() ? true : undefined), 30_000);
    const begin = performance.now();
    controller.abort();
    const error = await settled;
    assert.ok(error instanceof AbortError, `${what}: ${String(error)}`);
    assert.equal(error.code, ClientErrorCode.ABORTED);
    assert.equal(error.name, 'AbortError');
    assert.ok(performance.now() - begin < 1000, `${what} settled at the abort`);
    assert.equal(tableSize(), 0, `${what}: nothing left in the response table`);
    assert.equal(producerStats(producer).sendsInFlight, 0, `${what}: no send in flight`);
  }

  it('sync, async (promise and callback), batch, queue, selector and orderly sends settle at the abort', async () => {
    const q = new MessageQueue(HOLE, 'broker-hole', 1);
    const msg = (body: string) => ({ topic: HOLE, body });
    await abortWhileWaiting('send', (signal) => producer.send(msg('a'), { signal }));
    await abortWhileWaiting('sendAsync', (signal) => producer.sendAsync(msg('b'), { signal }));
    await abortWhileWaiting(
      'sendAsync with a callback',
      (signal) =>
        new Promise((resolve, reject) => {
          const callback: SendCallback = { onSuccess: resolve, onException: reject };
          producer.sendAsync(msg('c'), callback, { signal, timeoutMillis: 20_000 });
        }),
    );
    await abortWhileWaiting('sendBatch', (signal) => producer.sendBatch([msg('d1'), msg('d2')], { signal }));
    await abortWhileWaiting('sendBatchAsync', (signal) => producer.sendBatchAsync([msg('e')], { signal }));
    await abortWhileWaiting('sendToQueue', (signal) => producer.sendToQueue(msg('f'), q, { signal }));
    await abortWhileWaiting('sendToQueueAsync', (signal) =>
      producer.sendToQueueAsync(msg('g'), q, { signal }),
    );
    await abortWhileWaiting('sendWithSelector', (signal) =>
      producer.sendWithSelector(msg('h'), (qs) => qs[0]!, null, { signal }),
    );
    await abortWhileWaiting('sendOrderlyAsync', (signal) =>
      producer.sendOrderlyAsync(msg('i'), 'key-1', { signal }),
    );
    // sendBatches reports which sub-batch failed (BatchSendError); its cause is the abort.
    await abortWhileWaiting('sendBatches', (signal) =>
      producer.sendBatches([msg('j')], { signal }).catch((e: unknown) => {
        assert.ok(e instanceof BatchSendError);
        throw e.cause;
      }),
    );
  });

  it('an aborted signal rejects before any request, for every form', async () => {
    const signal = AbortSignal.abort(new Error('user gave up'));
    const before = sent.length;
    const q = new MessageQueue(REAL, 'broker-a', 0);
    const calls: [string, () => Promise<unknown>][] = [
      ['send', () => producer.send({ topic: REAL, body: 'x' }, { signal })],
      ['sendOneway', () => producer.sendOneway({ topic: REAL, body: 'x' }, { signal })],
      ['sendToQueueOneway', () => producer.sendToQueueOneway({ topic: REAL, body: 'x' }, q, { signal })],
      ['sendOrderlyOneway', () => producer.sendOrderlyOneway({ topic: REAL, body: 'x' }, 'k', { signal })],
      ['sendBatch', () => producer.sendBatch([{ topic: REAL, body: 'x' }], { signal })],
      ['request', () => producer.request({ topic: REAL, body: 'x' }, { signal })],
      ['pull', () => consumer.pull(q, '*', 0, 1, { signal })],
    ];
    for (const [what, call] of calls) {
      const error = await call().then(
        () => assert.fail(`${what} resolved`),
        (e: unknown) => e,
      );
      assert.ok(error instanceof AbortError, `${what}: ${String(error)}`);
      assert.match(error.message, /aborted: user gave up/);
    }
    assert.equal(sent.length, before, 'no send request left');
    // A signal option that is not an AbortSignal is refused with a clear message.
    await assert.rejects(
      producer.send({ topic: REAL, body: 'x' }, { signal: 'soon' as unknown as AbortSignal }),
      (e: unknown) => e instanceof IllegalArgumentError && /signal must be an AbortSignal/.test(e.message),
    );
  });

  it('a oneway send and sends that are not aborted work as before', async () => {
    const controller = new AbortController();
    const result = await producer.send({ topic: REAL, body: 'kept' }, { signal: controller.signal });
    assert.equal(result.sendStatus, 'SEND_OK');
    await producer.sendOneway({ topic: REAL, body: 'one' }, { signal: controller.signal });
    controller.abort(); // after the fact: changes nothing
    assert.equal(producerStats(producer).sendsInFlight, 0);
  });

  it('request-reply: the abort removes the reply-table entry and the send', async () => {
    const requests = instanceCore(producer.instance).requestFutures;
    await abortWhileWaiting(
      'request',
      (signal) => producer.request({ topic: HOLE, body: 'question' }, { signal, timeoutMillis: 20_000 }),
      () => requests.size > 0 && tableSize() > 0,
    );
    assert.equal(requests.size, 0, 'no reply waited for');
  });

  it('pull: the pull under way leaves the response table at the abort', async () => {
    const consumerTable = (): number => waitingOf(consumer.clientInstance!);
    const q = new MessageQueue(HOLE, 'broker-hole', 0);
    const controller = new AbortController();
    const pulled = consumer.pull(q, '*', 0, 1, { signal: controller.signal, timeoutMillis: 20_000 });
    const error = pulled.then(
      () => assert.fail('pull resolved'),
      (e: unknown) => e,
    );
    await waitFor('pull waiting', () => (consumerTable() > 0 ? true : undefined));
    controller.abort();
    assert.ok((await error) instanceof AbortError);
    assert.equal(consumerTable(), 0);
  });

  it('producer, pull consumer and client instance events', async () => {
    const events = new Producer({
      producerGroup: 'PG_events',
      nameServer: cluster.namesrvAddress,
      sendLatencyFaultEnable: true,
      retryTimesWhenSendFailed: 2,
      mqClientApiTimeout: FAST,
    });
    const seen: string[] = [];
    const record =
      (name: string) =>
      (payload: object): void => {
        seen.push(name);
        log.push([name, payload]);
      };
    const log: [string, object][] = [];
    for (const name of Object.values(ProducerEvents)) events.on(name, record(name));
    assert.throws(() => events.on('send.sucess' as never, () => undefined), /unknown event "send.sucess"/);
    await events.start();
    try {
      const instance = events.instance;
      for (const name of Object.values(ClientEvents)) instance.on(name, record(name));
      // Round robin over two brokers: within a few sends one goes to the refusing broker first.
      for (let i = 0; i < 4 && !seen.includes(ProducerEvents.SEND_RETRY); i++) {
        const result = await events.send({ topic: MIXED, body: `m${i}` });
        assert.equal(result.sendStatus, 'SEND_OK');
      }
      const retry = log.find(([n]) => n === ProducerEvents.SEND_RETRY)?.[1] as SendRetryEvent;
      assert.equal(retry.brokerName, 'broker-refuse');
      assert.equal(retry.attempt, 1);
      assert.ok(retry.error instanceof RemotingConnectError);
      const isolated = log.find(([n]) => n === ProducerEvents.BROKER_ISOLATED)?.[1] as BrokerIsolatedEvent;
      assert.deepEqual(
        { brokerName: isolated.brokerName, failed: isolated.failed },
        { brokerName: 'broker-refuse', failed: true },
      );
      assert.ok(isolated.isolatedForMillis > 0);
      const success = [...log]
        .reverse()
        .find(([n]) => n === ProducerEvents.SEND_SUCCESS)?.[1] as SendSuccessEvent;
      assert.equal(success.attempts, 2);
      assert.equal(success.queue?.brokerName, 'broker-a');
      assert.equal(success.result?.sendStatus, 'SEND_OK');
      assert.ok(success.durationMillis >= 0);
      const attempts = log.filter(([n]) => n === ProducerEvents.SEND_ATTEMPT).length;
      assert.equal(attempts, seen.filter((n) => n === ProducerEvents.SEND_START).length + 1);
      const counts = log
        .filter(([n]) => n === ProducerEvents.IN_FLIGHT)
        .map(([, p]) => (p as InFlightEvent).inFlight);
      assert.equal(counts.at(-1), 0);
      const route = log.find(
        ([n, p]) => n === ClientEvents.ROUTE_CHANGE && (p as RouteChangeEvent).topic === MIXED,
      )?.[1] as RouteChangeEvent;
      assert.ok(route !== undefined && route.topic === MIXED);
      assert.deepEqual([...route.brokerNames].sort(), ['broker-a', 'broker-refuse']);
      assert.ok(seen.includes(ClientEvents.CONNECT));

      // A sync send that times out: send.failure with its code, request.timeout, then disconnect
      // (closeSocketIfTimeout).
      const error = await events.send({ topic: HOLE, body: 'late' }, 200).catch((e: unknown) => e);
      assert.ok(error instanceof RocketMQError, String(error));
      const failure = [...log]
        .reverse()
        .find(([n]) => n === ProducerEvents.SEND_FAILURE)?.[1] as SendFailureEvent;
      assert.equal(failure.topic, HOLE);
      assert.equal(failure.code, (error as MQClientError).code);
      await waitFor('request.timeout and disconnect', () =>
        seen.includes(ClientEvents.REQUEST_TIMEOUT) && seen.includes(ClientEvents.DISCONNECT)
          ? true
          : undefined,
      );
      const timeout = log.find(([n]) => n === ClientEvents.REQUEST_TIMEOUT)?.[1] as RequestTimeoutEvent;
      assert.deepEqual(timeout, {
        address: hole.address,
        requestCode: RequestCode.SEND_MESSAGE_V2,
        timeoutMillis: timeout.timeoutMillis,
      });
    } finally {
      await events.shutdown({ timeoutMillis: 200 });
    }

    // Pull consumer: pull / pull.failure.
    const pulls: PullEvent[] = [];
    const off = consumer.on(PullConsumerEvents.PULL, (e) => pulls.push(e));
    await producer.send({ topic: REAL, body: 'to pull' });
    const q = new MessageQueue(REAL, 'broker-a', 0);
    const q1 = new MessageQueue(REAL, 'broker-a', 1);
    await consumer.pull(q, '*', 0, 8);
    await consumer.pull(q1, '*', 0, 8);
    off();
    assert.equal(pulls.length, 2);
    assert.equal(pulls[0]?.brokerAddr, cluster.brokers[0]?.address);
    const failures: PullFailureEvent[] = [];
    consumer.once(PullConsumerEvents.PULL_FAILURE, (e) => failures.push(e));
    await assert.rejects(
      consumer.pull(new MessageQueue(HOLE, 'broker-hole', 0), '*', 0, 1, { timeoutMillis: 100 }),
    );
    assert.equal(failures.length, 1);
    assert.equal(consumer.listenerCount(), 0, 'once removed itself');
  });

  it('OpenTelemetry: a trace from the send span to the receive and process spans; send metrics', async () => {
    const exporter = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const reader = new TestMetricReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    const options = { tracerProvider, meterProvider };
    const stopProducer = instrumentProducer(producer, options);
    const stopConsumer = instrumentPullConsumer(consumer, options);
    try {
      const message = new Message(REAL, 'traced', { tags: 'TagA', keys: ['k1', 'k2'] });
      const result = await producer.send(message);
      const send = exporter.getFinishedSpans().find((s) => s.name === `send ${REAL}`);
      assert.ok(send !== undefined);
      assert.equal(send.kind, SpanKind.PRODUCER);
      assert.equal(send.attributes['messaging.system'], 'rocketmq');
      assert.equal(send.attributes['messaging.destination.name'], REAL);
      assert.equal(send.attributes['messaging.operation.type'], 'send');
      assert.equal(send.attributes['messaging.rocketmq.message.tag'], 'TagA');
      assert.deepEqual(send.attributes['messaging.rocketmq.message.keys'], ['k1', 'k2']);
      assert.equal(send.attributes['messaging.rocketmq.message.type'], 'normal');
      assert.equal(send.attributes['messaging.message.id'], result.msgId);
      assert.equal(send.attributes['server.address'], '127.0.0.1');
      const traceId = send.spanContext().traceId;
      assert.equal(message.getProperty('traceparent'), `00-${traceId}-${send.spanContext().spanId}-01`);

      const queue = result.messageQueue;
      const pulled = await consumer.pull(
        new MessageQueue(REAL, queue.brokerName, queue.queueId),
        '*',
        result.queueOffset,
        1,
      );
      const got = pulled.msgFoundList[0]!;
      assert.equal(got.msgId, result.msgId);
      const receive = exporter.getFinishedSpans().find((s) => s.name === `receive ${REAL}`);
      assert.ok(receive !== undefined);
      assert.equal(receive.kind, SpanKind.CONSUMER);
      assert.equal(receive.spanContext().traceId, traceId, 'the trace crosses from producer to consumer');
      assert.equal(receive.parentSpanContext?.spanId, send.spanContext().spanId);
      assert.equal(receive.attributes['messaging.consumer.group.name'], 'CG_abort');
      await assert.rejects(
        traceProcessing(got, 'CG_abort', () => Promise.reject(new Error('handler failed')), options),
        /handler failed/,
      );
      const processed = exporter.getFinishedSpans().find((s) => s.name === `process ${REAL}`);
      assert.equal(processed?.spanContext().traceId, traceId);
      assert.equal(processed?.status.code, SpanStatusCode.ERROR);

      // A failed send: an ERROR span, the failure counted by code.
      const error = (await producer
        .send({ topic: HOLE, body: 'late' }, 150)
        .catch((e: unknown) => e)) as MQClientError;
      const failed = exporter.getFinishedSpans().find((s) => s.name === `send ${HOLE}`);
      assert.equal(failed?.status.code, SpanStatusCode.ERROR);
      assert.equal(failed?.attributes['messaging.rocketmq.error.code'], error.code);
      const { resourceMetrics } = await reader.collect();
      const all = resourceMetrics.scopeMetrics.flatMap((m) => m.metrics);
      const byName = (name: string) => all.find((m) => m.descriptor.name === name);
      const durations = byName('messaging.client.operation.duration');
      assert.ok(durations !== undefined && durations.dataPoints.length >= 2, 'success and failure series');
      const failures = byName('messaging.rocketmq.client.send.failures');
      assert.deepEqual(
        failures?.dataPoints.map((p) => [p.attributes['messaging.rocketmq.error.code'], p.value]),
        [[error.code, 1]],
      );
      assert.deepEqual(
        byName('messaging.rocketmq.client.send.in_flight')?.dataPoints.map((p) => p.value),
        [0],
      );
    } finally {
      stopProducer();
      stopConsumer();
      await meterProvider.shutdown();
    }
    assert.equal(producer.listenerCount(), 0, 'uninstrumented');
  });

  it('the main entry never loads @opentelemetry/api (only src/otel imports it)', () => {
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) {
          if (file !== path.join('src', 'otel')) walk(file);
        } else if (fs.readFileSync(file, 'utf8').includes('@opentelemetry/')) offenders.push(file);
      }
    };
    walk('src');
    assert.deepEqual(offenders, []);
  });
});

/** Collects on demand (the SDK's abstract reader, with nothing to flush). */
class TestMetricReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }

  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}
