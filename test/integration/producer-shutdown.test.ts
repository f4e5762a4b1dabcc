/**
 * Producer shutdown drains (issue 10, defect 5): in-flight sends settle with their real outcome and
 * the broker holds exactly what was acknowledged; sends after shutdown() began are refused; at the
 * drain deadline, a send written to a broker that never answers is "outcome unknown" and one that
 * never left is "not sent", and shutdown() returns by the deadline.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, it } from 'node:test';
import { ClientInstance, Producer, resolveClientConfig, SendResult } from '../../src/client/index.js';
import type { ProducerOptions, SendMessageContext } from '../../src/client/index.js';
import { PullConsumer } from '../../src/client/consumer/index.js';
import {
  MessageNotSentError,
  ProducerShutdownError,
  SendOutcomeUnknownError,
} from '../../src/client/producer/shutdown-errors.js';
import { IllegalStateError } from '../../src/common/errors.js';
import { RemotingClient } from '../../src/transport/remoting-client.js';
import type { SocketFactory } from '../../src/transport/remoting-client.js';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import { createTopic, routeBrokers, startBlackHoleBroker, waitFor } from './producer-helpers.js';

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

async function cluster1(topic: string): Promise<EmbeddedCluster> {
  // Generous fsync budget: on a loaded machine a 5 s FLUSH_DISK_TIMEOUT is a legitimate answer, but
  // the drain is under test here, not the disk.
  const c = await startEmbeddedCluster({
    brokers: [{ syncFlushTimeoutMillis: 60_000 }],
    flushDiskType: 'SYNC_FLUSH',
  });
  cleanups.push(() => c.stop());
  await createTopic(c, topic, 4);
  return c;
}

async function started(options: ProducerOptions): Promise<Producer> {
  const p = new Producer(options);
  await p.start();
  cleanups.push(() => p.shutdown());
  return p;
}

/** Message ids (UNIQ_KEY) of everything stored in the topic, read back with a pull consumer. */
async function storedIds(c: EmbeddedCluster, topic: string): Promise<string[]> {
  const consumer = new PullConsumer({ consumerGroup: 'CG_drain_check', nameServer: c.namesrvAddress });
  await consumer.start();
  try {
    const all = await consumer.pollAll(topic);
    return all.map((m) => m.msgId);
  } finally {
    await consumer.shutdown();
  }
}

/** A TCP server that accepts connections and never answers (a name server or broker that hangs). */
async function silentServer(): Promise<{ address: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function outcomeOf(p: Promise<SendResult>): Promise<SendResult | Error> {
  return p.then(
    (r) => r,
    (e: unknown) => e as Error,
  );
}

describe('producer shutdown drains in-flight sends (embedded cluster)', () => {
  it('2,000 async sends then shutdown(): every send SEND_OK, the broker holds exactly those', async () => {
    const c = await cluster1('DRAIN1');
    // Budgets far above what 2,000 sends take on a loaded machine: the drain is under test, not speed.
    const p = await started({
      producerGroup: 'PG_drain1',
      nameServer: c.namesrvAddress,
      sendMsgTimeout: 30_000,
      // A heartbeat that times out closes the connection (closeSocketIfTimeout, as Java), and the async
      // sends on it are then retried: stored twice, at-least-once as in Java. A loaded machine can take
      // over 3 s to answer a heartbeat behind 2,000 SYNC_FLUSH puts; "exactly those" needs no such drop.
      mqClientApiTimeout: 30_000,
    });
    await p.send({ topic: 'DRAIN1', body: 'warm' }); // route and connection ready: the sends leave at once
    const sends = Array.from({ length: 2000 }, (_, i) =>
      outcomeOf(p.sendAsync({ topic: 'DRAIN1', body: `drain ${i}` })),
    );
    await p.shutdown();
    const outcomes = await Promise.all(sends);
    const failed = outcomes.filter((o) => !(o instanceof SendResult));
    assert.equal(failed.length, 0, `${failed.length} failed, first: ${String(failed[0])}`);
    const acked = outcomes.map((o) => (o as SendResult).msgId);
    for (const o of outcomes) assert.equal((o as SendResult).sendStatus, 'SEND_OK');
    const stored = await storedIds(c, 'DRAIN1');
    // Exactly the acknowledged messages (plus the warm-up one), each once.
    assert.equal(stored.length, 2001);
    assert.equal(new Set(stored).size, 2001);
    const storedSet = new Set(stored);
    for (const id of acked) assert.ok(storedSet.has(id), `acknowledged ${id} not stored`);
  });

  it('sync, batch and oneway sends in flight settle too, their after hooks before shutdown() returns', async () => {
    const c = await cluster1('DRAIN2');
    const p = await started({
      producerGroup: 'PG_drain2',
      nameServer: c.namesrvAddress,
      sendMsgTimeout: 30_000,
      // A heartbeat that times out closes the connection (closeSocketIfTimeout, as Java), and the async
      // sends on it are then retried: stored twice, at-least-once as in Java. A loaded machine can take
      // over 3 s to answer a heartbeat behind 2,000 SYNC_FLUSH puts; "exactly those" needs no such drop.
      mqClientApiTimeout: 30_000,
    });
    const after: string[] = [];
    p.registerSendMessageHook({
      hookName: 'after',
      sendMessageBefore: () => undefined,
      sendMessageAfter: (ctx: SendMessageContext) =>
        after.push(`${ctx.communicationMode}:${ctx.exception === undefined ? 'ok' : 'fail'}`),
    });
    await p.send({ topic: 'DRAIN2', body: 'warm' });
    after.length = 0;
    const syncs = Array.from({ length: 50 }, (_, i) =>
      outcomeOf(p.send({ topic: 'DRAIN2', body: `sync ${i}` })),
    );
    const batches = Array.from({ length: 10 }, (_, i) =>
      outcomeOf(
        p.sendBatch([
          { topic: 'DRAIN2', body: `batch ${i}.0` },
          { topic: 'DRAIN2', body: `batch ${i}.1` },
        ]),
      ),
    );
    const oneways = Array.from({ length: 50 }, (_, i) =>
      p.sendOneway({ topic: 'DRAIN2', body: `oneway ${i}` }).then(
        () => 'written',
        (e: unknown) => e as Error,
      ),
    );
    await p.shutdown();
    assert.equal(after.length, 110, 'every after hook ran before shutdown() returned');
    assert.ok(
      after.every((a) => a.endsWith(':ok')),
      after.join(' '),
    );
    for (const o of [...(await Promise.all(syncs)), ...(await Promise.all(batches))]) {
      assert.ok(o instanceof SendResult, String(o));
      assert.equal(o.sendStatus, 'SEND_OK');
    }
    for (const o of await Promise.all(oneways)) assert.equal(o, 'written');
    const stored = await storedIds(c, 'DRAIN2');
    assert.equal(stored.length, 1 + 50 + 20 + 50);
  });

  it('a send after shutdown() began is refused with ProducerShutdownError; a second shutdown() waits', async () => {
    const c = await cluster1('DRAIN3');
    const p = await started({
      producerGroup: 'PG_drain3',
      nameServer: c.namesrvAddress,
      sendMsgTimeout: 30_000,
    });
    await p.send({ topic: 'DRAIN3', body: 'warm' });
    const inFlight = Array.from({ length: 200 }, (_, i) =>
      outcomeOf(p.sendAsync({ topic: 'DRAIN3', body: `in flight ${i}` })),
    );
    let firstDone = false;
    const first = p.shutdown().then(() => (firstDone = true));
    await assert.rejects(
      p.send({ topic: 'DRAIN3', body: 'late' }),
      (e: unknown) =>
        e instanceof ProducerShutdownError &&
        e instanceof IllegalStateError &&
        /shutting down/.test(e.message),
    );
    const callbackError = await new Promise<unknown>((resolve) =>
      p.sendAsync({ topic: 'DRAIN3', body: 'late' }, { onSuccess: resolve, onException: resolve }),
    );
    assert.ok(callbackError instanceof ProducerShutdownError, String(callbackError));
    await p.shutdown();
    assert.equal(firstDone, true, 'the second shutdown() returned before the first finished');
    await first;
    for (const o of await Promise.all(inFlight)) assert.ok(o instanceof SendResult, String(o));
    await assert.rejects(p.sendOneway({ topic: 'DRAIN3', body: 'after' }), ProducerShutdownError);
  });

  it('a broker that never answers: sends fail "outcome unknown" at the drain deadline, shutdown() returns by it', async () => {
    const c = await startEmbeddedCluster({ brokers: 1 });
    cleanups.push(() => c.stop());
    const hole = await startBlackHoleBroker(c.namesrvAddress, 'broker-hole', [['HOLE', 2]]);
    cleanups.push(() => hole.close());
    await waitFor('hole routed', async () => (await routeBrokers(c.namesrvAddress, 'HOLE')) ?? undefined);
    const p = await started({
      producerGroup: 'PG_drain4',
      nameServer: c.namesrvAddress,
      sendMsgTimeout: 20_000,
      shutdownTimeoutMillis: 400,
    });
    const begin = performance.now();
    const settledAt: number[] = [];
    const track = <T>(promise: Promise<T>): Promise<unknown> =>
      promise.then(
        (r) => r,
        (e: unknown) => {
          settledAt.push(performance.now() - begin);
          return e;
        },
      );
    const sends = [
      ...Array.from({ length: 20 }, (_, i) => track(p.sendAsync({ topic: 'HOLE', body: `a${i}` }))),
      ...Array.from({ length: 5 }, (_, i) => track(p.send({ topic: 'HOLE', body: `s${i}` }))),
    ];
    // Let every request reach the hole's socket before the shutdown starts.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(settledAt.length, 0);
    const shutdownBegin = performance.now();
    await p.shutdown();
    const shutdownTook = performance.now() - shutdownBegin;
    const outcomes = await Promise.all(sends);
    for (const o of outcomes) {
      assert.ok(o instanceof SendOutcomeUnknownError, String(o));
      assert.match(o.message, /outcome unknown/);
    }
    const deadline = shutdownBegin - begin + 400;
    for (const t of settledAt) assert.ok(t >= deadline - 50 && t < deadline + 500, `settled at ${t} ms`);
    assert.ok(shutdownTook < 400 + 1000, `shutdown() took ${shutdownTook} ms`);
  });

  it('a name server that never answers: the sends never left and fail "not sent" at the deadline', async () => {
    const hung = await silentServer();
    cleanups.push(() => hung.close());
    const p = await started({
      producerGroup: 'PG_drain5',
      nameServer: hung.address,
      sendMsgTimeout: 20_000,
      mqClientApiTimeout: 20_000,
    });
    const sends = Array.from({ length: 5 }, (_, i) =>
      outcomeOf(p.sendAsync({ topic: 'NOWHERE', body: `${i}` })),
    );
    const begin = performance.now();
    await p.shutdown({ timeoutMillis: 300 });
    const took = performance.now() - begin;
    for (const o of await Promise.all(sends)) {
      assert.ok(o instanceof MessageNotSentError, String(o));
      assert.match(o.message, /not sent/);
    }
    assert.ok(took >= 250 && took < 300 + 1000, `shutdown() took ${took} ms`);
  });

  it('producers sharing a client instance: it closes when the last one leaves, the other keeps sending', async () => {
    const c = await cluster1('DRAIN6');
    const instance = new ClientInstance(
      resolveClientConfig({ nameServer: c.namesrvAddress, instanceName: 'drain-shared' }),
    );
    const p1 = await started({
      sendMsgTimeout: 30_000,
      producerGroup: 'PG_drain6a',
      nameServer: c.namesrvAddress,
      clientInstance: instance,
    });
    const p2 = await started({
      sendMsgTimeout: 30_000,
      producerGroup: 'PG_drain6b',
      nameServer: c.namesrvAddress,
      clientInstance: instance,
    });
    await p1.send({ topic: 'DRAIN6', body: 'warm' });
    const ofP2 = Array.from({ length: 300 }, (_, i) =>
      outcomeOf(p2.sendAsync({ topic: 'DRAIN6', body: `p2 ${i}` })),
    );
    const ofP1 = Array.from({ length: 300 }, (_, i) =>
      outcomeOf(p1.sendAsync({ topic: 'DRAIN6', body: `p1 ${i}` })),
    );
    await p1.shutdown();
    assert.equal(instance.state, 'RUNNING');
    for (const o of [...(await Promise.all(ofP1)), ...(await Promise.all(ofP2))]) {
      assert.ok(o instanceof SendResult, String(o));
    }
    assert.equal((await p2.send({ topic: 'DRAIN6', body: 'still' })).sendStatus, 'SEND_OK');
    await p2.shutdown();
    assert.equal(instance.state, 'SHUTDOWN_ALREADY');
  });

  it('a send still waiting for its connection at the deadline is withdrawn: never written, even later', async () => {
    const c = await cluster1('DRAIN7');
    const brokerPort = c.brokers[0]!.port;
    // Connections to the broker open 1.5 s late; the name server answers at once.
    const socketFactory: SocketFactory = (host, port) => {
      if (port !== brokerPort) return net.connect({ host, port });
      const socket = new net.Socket();
      setTimeout(() => socket.connect({ host, port }), 1500);
      return socket;
    };
    const instance = new ClientInstance(
      resolveClientConfig({ nameServer: c.namesrvAddress, instanceName: 'drain-slow-connect' }),
      { remoting: new RemotingClient({ socketFactory }) },
    );
    const options = { nameServer: c.namesrvAddress, clientInstance: instance, sendMsgTimeout: 30_000 };
    const p1 = await started({ producerGroup: 'PG_drain7a', ...options });
    const p2 = await started({ producerGroup: 'PG_drain7b', ...options }); // keeps the instance open
    const sends = Array.from({ length: 3 }, (_, i) =>
      outcomeOf(p1.sendAsync({ topic: 'DRAIN7', body: `never ${i}` })),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    await p1.shutdown({ timeoutMillis: 200 });
    for (const o of await Promise.all(sends)) assert.ok(o instanceof MessageNotSentError, String(o));
    // The connection opens now; p2's send goes through it, p1's withdrawn requests do not.
    assert.equal((await p2.send({ topic: 'DRAIN7', body: 'p2' })).sendStatus, 'SEND_OK');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal((await storedIds(c, 'DRAIN7')).length, 1);
  });
});
