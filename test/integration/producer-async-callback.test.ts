/**
 * The producer's async sends take the transport's callback form (send-attempt.ts): answers reach the
 * send loop in the turn that read them, transport failures a microtask later. These tests hold what
 * that must not change, over a real RemotingClient and RemotingServer on loopback:
 * - a write that fails is retried on a new connection, never on the one being closed for it;
 * - an abort finishes the send's hooks before the call's send.failure event, as before;
 * - an invoker with only the promise form that rejects without a reason fails the send.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ClientInstance, Producer, resolveClientConfig } from '../../src/client/index.js';
import { RequestCode } from '../../src/protocol/codes/index.js';
import { createResponse } from '../../src/protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../src/protocol/command/remoting-command.js';
import { RemotingClient, RemotingServer } from '../../src/transport/index.js';
import { FakeRemoting, makeRoute, routeResponse, sendOk } from '../unit/client-fake-remoting.js';

/** A socket whose next write fails once `failNextWrite` is set (as an EPIPE would). */
type Writes = {
  _write(chunk: unknown, encoding: unknown, done: (error?: Error) => void): void;
  _writev?(chunks: unknown, done: (error?: Error) => void): void;
};

describe('producer async sends over the callback form', () => {
  let server: RemotingServer;
  let addr = '';
  let sendsReceived = 0;
  let hangSends = false;
  /** Answers of the sends held while `hangSends` (given at the end: the server waits for them). */
  const held: (() => void)[] = [];

  before(async () => {
    server = new RemotingServer({ host: '127.0.0.1', port: 0 });
    await server.start();
    addr = `127.0.0.1:${server.port}`;
    server.registerProcessor(RequestCode.GET_ROUTEINFO_BY_TOPIC, {
      processRequest: () => routeResponse(makeRoute([['broker-a', addr, 4]])),
    });
    server.registerProcessor(RequestCode.SEND_MESSAGE_V2, {
      processRequest: (): RemotingCommand | Promise<RemotingCommand> => {
        sendsReceived++;
        if (!hangSends) return sendOk(0);
        return new Promise<RemotingCommand>((resolve) => held.push(() => resolve(sendOk(0))));
      },
    });
    for (const code of [RequestCode.HEART_BEAT, RequestCode.UNREGISTER_CLIENT]) {
      server.registerProcessor(code, { processRequest: () => createResponse(0) });
    }
  });

  after(async () => {
    await server.shutdown({ graceMillis: 10 });
  });

  function producerOver(client: RemotingClient, name: string, retries = 1): Producer {
    const config = resolveClientConfig({ nameServer: addr, clientIP: '10.0.0.9', instanceName: name });
    const instance = new ClientInstance(config, { remoting: client });
    return new Producer({
      producerGroup: 'PG',
      clientInstance: instance,
      retryTimesWhenSendAsyncFailed: retries,
    });
  }

  it('a failed write is retried on a new connection, not on the one closing for it', async () => {
    let connections = 0;
    let failNextWrite = false;
    const client = new RemotingClient({
      socketFactory: (host: string, port: number) => {
        connections++;
        const socket = net.connect(port, host) as net.Socket & Writes;
        const write = socket._write.bind(socket);
        const writev = socket._writev?.bind(socket);
        const failing = (done: (error?: Error) => void): boolean => {
          if (!failNextWrite) return false;
          failNextWrite = false;
          done(new Error('simulated EPIPE'));
          return true;
        };
        socket._write = (chunk, encoding, done) => failing(done) || write(chunk, encoding, done);
        if (writev) socket._writev = (chunks, done) => failing(done) || writev(chunks, done);
        return socket;
      },
    });
    const producer = producerOver(client, 'write-fail');
    await producer.start();
    try {
      await producer.send({ topic: 'T', body: 'warm' }); // the route and the connection
      const [connectionsBefore, sendsBefore] = [connections, sendsReceived];
      const retries: string[] = [];
      producer.on('send.retry', (e) => retries.push(String((e.error as Error | undefined)?.message)));
      failNextWrite = true;
      const result = await producer.sendAsync({ topic: 'T', body: 'x' });
      assert.equal(result.sendStatus, 'SEND_OK');
      assert.equal(retries.length, 1);
      assert.match(retries[0]!, /simulated EPIPE/);
      assert.equal(connections - connectionsBefore, 1, 'the retry opened a new connection');
      assert.equal(sendsReceived - sendsBefore, 1, 'only the retry reached the broker');
    } finally {
      await producer.shutdown();
    }
  });

  it("an abort finishes the send's hooks before the call's send.failure, then rejects", async () => {
    const producer = producerOver(new RemotingClient({}), 'abort-order');
    await producer.start();
    try {
      await producer.send({ topic: 'T', body: 'warm' });
      const log: string[] = [];
      producer.registerSendMessageHook({
        hookName: 'order',
        sendMessageBefore: () => log.push('hook.before'),
        sendMessageAfter: (c) => log.push(`hook.after:${(c.exception as Error | undefined)?.name}`),
      });
      producer.on('send.failure', (e) => log.push(`send.failure:${(e.error as Error | undefined)?.name}`));
      hangSends = true;
      const received = sendsReceived;
      const controller = new AbortController();
      const sending = producer.sendAsync({ topic: 'T', body: 'x' }, { signal: controller.signal });
      for (let i = 0; i < 200 && sendsReceived === received; i++) await new Promise((r) => setTimeout(r, 5));
      assert.equal(sendsReceived, received + 1, 'the request reached the broker');
      controller.abort();
      await assert.rejects(sending, { name: 'AbortError' });
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(log, ['hook.before', 'hook.after:AbortError', 'send.failure:AbortError']);
    } finally {
      hangSends = false;
      for (const answer of held.splice(0)) answer();
      await producer.shutdown();
    }
  });
});

describe('producer async sends over a promise-only invoker', () => {
  it('a rejection without a reason fails the send (it is no answer)', async () => {
    const fake = new FakeRemoting();
    fake.handler = (call) => {
      if (call.request.code === RequestCode.GET_ROUTEINFO_BY_TOPIC) {
        return routeResponse(makeRoute([['broker-a', 'a:1', 1]]));
      }
      if (call.request.code === RequestCode.SEND_MESSAGE_V2) throw null; // a non-Error rejection on purpose
      return sendOk(0);
    };
    const config = resolveClientConfig({
      nameServer: 'ns:9876',
      clientIP: '10.0.0.9',
      instanceName: 'falsy',
    });
    const instance = new ClientInstance(config, { remoting: fake.asInstanceRemoting() });
    const producer = new Producer({
      producerGroup: 'PG',
      clientInstance: instance,
      clock: fake.clock,
      retryTimesWhenSendAsyncFailed: 0,
    });
    await producer.start();
    try {
      await assert.rejects(producer.sendAsync({ topic: 'T', body: 'x' }), /rejected without a reason/);
    } finally {
      await producer.shutdown();
    }
  });
});
