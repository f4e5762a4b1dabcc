/**
 * AbortSignal on every send form, request-reply, pull and poll, against one embedded cluster plus a
 * "black hole" broker that accepts requests and never answers (so a call is caught waiting): the
 * abort settles the call at once with AbortError (ClientErrorCode.ABORTED), the transport's response
 * table and the reply table are empty afterwards, and an aborted signal rejects before any request.
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
import { ClientErrorCode, IllegalArgumentError } from '../../src/common/errors.js';
import { RequestCode } from '../../src/protocol/codes/index.js';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { RemotingClient } from '../../src/transport/remoting-client.js';
import type { RPCHook } from '../../src/transport/types.js';
import { createTopic, routeBrokers, startBlackHoleBroker, waitFor } from './producer-helpers.js';

const HOLE = 'AbortHole';
const REAL = 'AbortReal';

describe('AbortSignal on sends, requests and pulls', () => {
  let cluster: EmbeddedCluster;
  let hole: { address: string; close(): Promise<void> };
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
    producer = new Producer({
      producerGroup: 'PG_abort',
      nameServer: cluster.namesrvAddress,
      sendMsgTimeout: 20_000,
      retryTimesWhenSendFailed: 0,
      rpcHooks: [counting],
    });
    await producer.start();
    consumer = new PullConsumer({ consumerGroup: 'CG_abort', nameServer: cluster.namesrvAddress });
    await consumer.start();
  });

  after(async () => {
    await producer?.shutdown({ timeoutMillis: 200 });
    await consumer?.shutdown();
    await hole?.close();
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
    await waitFor(`${what} waiting`, () => (waiting() ? true : undefined));
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
});
