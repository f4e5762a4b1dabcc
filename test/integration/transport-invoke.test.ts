/**
 * RemotingClient against RemotingServer over 127.0.0.1: the three invocation modes, timeouts, a server
 * dropping the connection mid-request, 10 000 concurrent async requests on one connection, connect
 * failures, single-flight connect, IPv6 addresses, hooks.
 */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  RemotingConnectError,
  RemotingSendRequestError,
  RemotingTimeoutError,
  RemotingTooMuchRequestError,
} from '../../src/common/errors.js';
import { SerializeType } from '../../src/protocol/codes/misc.js';
import { ResponseCode } from '../../src/protocol/codes/response-code.js';
import { createRequest, createResponse, isOneway } from '../../src/protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../src/protocol/command/remoting-command.js';
import { RemotingClient, RemotingServer } from '../../src/transport/index.js';
import type { RemotingChannel } from '../../src/transport/index.js';
import { closedPort, deferred, ECHO, startEchoServer } from './transport-helpers.js';

const HANG = 101;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(
  clientOptions: ConstructorParameters<typeof RemotingClient>[0] = {},
): Promise<{ server: RemotingServer; client: RemotingClient; addr: string; hung: RemotingChannel[] }> {
  const server = await startEchoServer();
  const hung: RemotingChannel[] = [];
  const release = deferred<undefined>();
  server.registerProcessor(HANG, {
    processRequest: (context) => {
      hung.push(context.channel);
      return release.promise;
    },
  });
  const client = new RemotingClient(clientOptions);
  cleanups.push(async () => {
    release.resolve(undefined);
    await client.shutdown();
    await server.shutdown({ graceMillis: 100 });
  });
  return { server, client, addr: `127.0.0.1:${server.port}`, hung };
}

function echoRequest(text: string): RemotingCommand {
  return createRequest(ECHO, { body: Buffer.from(text), extFields: { k: 'v' } });
}

describe('invocation modes', () => {
  it('invokeSync returns the matching response', async () => {
    const { client, addr } = await setup();
    const request = echoRequest('hello');
    const response = await client.invokeSync(addr, request, 3000);
    assert.equal(response.code, ResponseCode.SUCCESS);
    assert.equal(response.flag, 1);
    assert.equal(response.opaque, request.opaque);
    assert.equal(response.extFields?.echoOpaque, String(request.opaque));
    assert.equal(response.body?.toString(), 'hello');
    assert.equal(client.inFlightCount, 0);
  });

  it('invokeAsync works as a promise and with a callback', async () => {
    const { client, addr } = await setup();
    const viaPromise = await client.invokeAsync(addr, echoRequest('p'), 3000);
    assert.equal(viaPromise.body?.toString(), 'p');
    const viaCallback = await new Promise<RemotingCommand>((resolve, reject) =>
      client.invokeAsync(addr, echoRequest('c'), 3000, (err, response) =>
        err ? reject(err) : resolve(response!),
      ),
    );
    assert.equal(viaCallback.body?.toString(), 'c');
    assert.equal(viaCallback.extFields?.echoFlag, '0');
  });

  it('invokeOneway sets the flag, resolves once written and gets no answer', async () => {
    const { server, client, addr } = await setup();
    const seen = deferred<RemotingCommand>();
    server.registerProcessor(200, {
      processRequest: (_context, request) => {
        seen.resolve(request);
        return createResponse(ResponseCode.SUCCESS); // must not be sent: oneway
      },
    });
    const request = createRequest(200, { body: Buffer.from('fire') });
    await client.invokeOneway(addr, request, 3000);
    assert.equal(request.flag, 2);
    const received = await seen.promise;
    assert.ok(isOneway(received));
    assert.equal(received.body?.toString(), 'fire');
    // A later request on the same connection gets its own answer, nothing else arrived meanwhile.
    const after = await client.invokeSync(addr, echoRequest('after'), 3000);
    assert.equal(after.body?.toString(), 'after');
    assert.equal(client.inFlightCount, 0);
  });

  it('invokeOneway to a peer that stops reading fails at its timeout; a frame still queued is dropped', async () => {
    // A peer that accepts and never reads: the socket buffers fill, later frames wait in our queue.
    const sockets: net.Socket[] = [];
    let received = 0;
    const peer = net.createServer((socket) => {
      sockets.push(socket);
      socket.pause();
      socket.on('data', (chunk: Buffer) => (received += chunk.length));
    });
    await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', resolve));
    const addr = `127.0.0.1:${(peer.address() as net.AddressInfo).port}`;
    const client = new RemotingClient({ scanIntervalMillis: 100 });
    cleanups.push(async () => {
      await client.shutdown();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => peer.close(() => resolve()));
    });
    const body = Buffer.alloc(4 * 1024 * 1024, 1);
    const began = performance.now();
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, () =>
        client.invokeOneway(addr, createRequest(200, { body }), 300).then(
          () => 'written',
          (error: unknown) => error,
        ),
      ),
    );
    const elapsed = performance.now() - began;
    const timedOut = outcomes.filter((o) => o instanceof RemotingTimeoutError);
    assert.ok(timedOut.length >= 1, `outcomes: ${outcomes.map(String).join(' | ')}`);
    assert.match(String(timedOut[0]), /oneway request not written/);
    // At the 300 ms budget (checked by the periodic scan, here every 100 ms), not at an idle close.
    assert.ok(elapsed < 2000, `settled after ${elapsed.toFixed(0)} ms`);
    // What timed out while queued was dropped: once the peer reads everything, it gets the frames
    // that were written and none of the dropped ones.
    for (const socket of sockets) socket.resume();
    const written = outcomes.filter((o) => o === 'written').length;
    const deadline = performance.now() + 5000;
    while (received < written * body.length && performance.now() < deadline) await sleep(20);
    await sleep(100);
    assert.ok(received < 6 * body.length, `the peer got ${received} bytes: nothing was dropped`);
  });

  it('10 000 concurrent async requests on one connection are all answered and matched', async () => {
    const { server, client, addr } = await setup();
    const requests = Array.from({ length: 10_000 }, (_, i) => echoRequest(`req-${i}`));
    const responses = await Promise.all(requests.map((request) => client.invokeAsync(addr, request, 30_000)));
    const opaques = new Set<number>();
    responses.forEach((response, i) => {
      assert.equal(response.body?.toString(), `req-${i}`);
      assert.equal(response.opaque, requests[i]!.opaque);
      assert.equal(response.extFields?.echoOpaque, String(requests[i]!.opaque));
      opaques.add(response.opaque);
    });
    assert.equal(opaques.size, 10_000);
    assert.equal(client.inFlightCount, 0);
    assert.equal(server.channels().length, 1);
  });

  it('sends ROCKETMQ binary headers when configured', async () => {
    const { client, addr } = await setup({ serializeType: SerializeType.ROCKETMQ });
    const response = await client.invokeSync(addr, echoRequest('bin'), 3000);
    assert.equal(response.serializeType, SerializeType.ROCKETMQ); // normal answers use the request's form
    assert.equal(response.body?.toString(), 'bin');
  });
});

describe('timeouts and failures', () => {
  it('invokeSync times out at its timeout (no scan involved), keeps the caller stack, closes the socket', async () => {
    // The periodic scan is set to an hour: only the prompt deadline can produce this error.
    const { server, client, addr, hung } = await setup({ scanIntervalMillis: 3_600_000 });
    const closed = deferred();
    server.addChannelEventListener({ onChannelClose: () => closed.resolve() });
    async function callerForStackCheck(): Promise<unknown> {
      try {
        await client.invokeSync(addr, createRequest(HANG), 150);
      } catch (error) {
        return error;
      }
      return assert.fail('expected a timeout');
    }
    const error = await callerForStackCheck();
    assert.ok(error instanceof RemotingTimeoutError, String(error));
    assert.equal(error.timeoutMillis, 150);
    assert.match(error.stack ?? '', /callerForStackCheck/);
    assert.equal(hung.length, 1);
    assert.equal(client.inFlightCount, 0);
    await closed.promise; // closeSocketIfTimeout (default true) closed the connection
  });

  it('invokeSync timeout keeps the connection when closeSocketIfTimeout is false', async () => {
    const { server, client, addr } = await setup({
      closeSocketIfTimeout: false,
      scanIntervalMillis: 3_600_000,
    });
    await assert.rejects(client.invokeSync(addr, createRequest(HANG), 100), RemotingTimeoutError);
    const response = await client.invokeSync(addr, echoRequest('still'), 3000);
    assert.equal(response.body?.toString(), 'still');
    assert.equal(server.channels().length, 1);
  });

  it('invokeAsync entries are failed by the periodic scan (timeout + grace)', async () => {
    const { client, addr } = await setup({ scanIntervalMillis: 50 });
    const error = await client.invokeAsync(addr, createRequest(HANG), 100).then(
      () => assert.fail('expected a timeout'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof RemotingTimeoutError);
    assert.equal(client.inFlightCount, 0);
  });

  it('a connection dropped mid-request fails the request at once, not at its timeout', async () => {
    const { client, addr, hung } = await setup({ scanIntervalMillis: 3_600_000 });
    const pending = [
      client.invokeSync(addr, createRequest(HANG), 600_000),
      client.invokeAsync(addr, createRequest(HANG), 600_000),
    ];
    while (hung.length < 2) await new Promise((resolve) => setImmediate(resolve));
    hung[0]!.close('test kills the connection');
    for (const result of await Promise.allSettled(pending)) {
      assert.equal(result.status, 'rejected');
      assert.ok(result.reason instanceof RemotingSendRequestError, String(result.reason));
    }
    assert.equal(client.inFlightCount, 0);
    // The next call opens a new connection.
    assert.equal((await client.invokeSync(addr, echoRequest('again'), 3000)).body?.toString(), 'again');
  });

  it('shutdown fails pending requests', async () => {
    const { client, addr, hung } = await setup();
    const pending = client.invokeAsync(addr, createRequest(HANG), 600_000);
    while (hung.length < 1) await new Promise((resolve) => setImmediate(resolve));
    await client.shutdown();
    await assert.rejects(pending, RemotingSendRequestError);
  });

  it('connecting to a closed port fails with RemotingConnectError', async () => {
    const port = await closedPort();
    const client = new RemotingClient({ connectTimeoutMillis: 3000 });
    cleanups.push(() => client.shutdown());
    const error = await client
      .invokeSync(`127.0.0.1:${port}`, echoRequest('x'), 5000)
      .catch((e: unknown) => e);
    assert.ok(error instanceof RemotingConnectError, String(error));
    assert.equal(error.address, `127.0.0.1:${port}`);
    await assert.rejects(
      client.invokeOneway(`127.0.0.1:${port}`, echoRequest('x'), 5000),
      RemotingConnectError,
    );
  });

  it('a connect that never completes fails at the connect timeout', async () => {
    // The factory hands back a socket that never connects (as a black-holed SYN would).
    const client = new RemotingClient({ connectTimeoutMillis: 100, socketFactory: () => new net.Socket() });
    cleanups.push(() => client.shutdown());
    const error = await client
      .invokeAsync('10.255.255.1:9876', echoRequest('x'), 60_000)
      .catch((e: unknown) => e);
    assert.ok(error instanceof RemotingConnectError, String(error));
    assert.match(error.message, /connect timeout after 100 ms/);
  });

  it('concurrent callers share one connect attempt', async () => {
    const server = await startEchoServer();
    let sockets = 0;
    const client = new RemotingClient({
      socketFactory: (host, port) => {
        sockets++;
        return net.connect({ host, port });
      },
    });
    cleanups.push(async () => {
      await client.shutdown();
      await server.shutdown();
    });
    const addr = `127.0.0.1:${server.port}`;
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => client.invokeSync(addr, echoRequest(`${i}`), 3000)),
    );
    assert.equal(answers.length, 50);
    assert.equal(sockets, 1);
    assert.equal(server.channels().length, 1);
  });

  it('async permits: none free and timeout <= 0 -> RemotingTooMuchRequestError, else RemotingTimeoutError', async () => {
    const { client, addr, hung } = await setup({ asyncPermits: 1 });
    const first = client.invokeAsync(addr, createRequest(HANG), 600_000);
    while (hung.length < 1) await new Promise((resolve) => setImmediate(resolve));
    await assert.rejects(client.invokeAsync(addr, echoRequest('x'), 0), RemotingTooMuchRequestError);
    await assert.rejects(client.invokeAsync(addr, echoRequest('x'), 50), RemotingTimeoutError);
    client.closeChannel(addr);
    await assert.rejects(first, RemotingSendRequestError);
    // The permit came back with the failure.
    assert.equal((await client.invokeAsync(addr, echoRequest('ok'), 3000)).body?.toString(), 'ok');
  });
});

describe('addresses and hooks', () => {
  it('accepts [::1]:port', async (t) => {
    const server = new RemotingServer({ host: '::1', port: 0 });
    server.registerProcessor(ECHO, { processRequest: (_c, r) => createResponse(0, { body: r.body }) });
    try {
      await server.start();
    } catch {
      t.skip('no IPv6 loopback here');
      return;
    }
    const client = new RemotingClient();
    cleanups.push(async () => {
      await client.shutdown();
      await server.shutdown();
    });
    assert.equal(server.address, `[::1]:${server.port}`);
    const response = await client.invokeSync(`[::1]:${server.port}`, echoRequest('six'), 3000);
    assert.equal(response.body?.toString(), 'six');
    assert.match(server.channels()[0]!.remoteAddress, /^\[::1\]:\d+$/);
  });

  it('normalizes IPv4-mapped peer addresses on a dual-stack server', async (t) => {
    const server = new RemotingServer({ host: '::', port: 0 });
    try {
      await server.start();
    } catch {
      t.skip('no IPv6 here');
      return;
    }
    const connected = deferred<RemotingChannel>();
    server.addChannelEventListener({ onChannelConnect: (channel) => connected.resolve(channel) });
    const client = new RemotingClient();
    cleanups.push(async () => {
      await client.shutdown();
      await server.shutdown();
    });
    await client.invokeSync(`127.0.0.1:${server.port}`, echoRequest('x'), 3000);
    assert.match((await connected.promise).remoteAddress, /^127\.0\.0\.1:\d+$/);
  });

  it('runs client and server hooks around each request', async () => {
    const { server, client, addr } = await setup();
    const calls: string[] = [];
    client.registerRPCHook({
      beforeRequest: (remote, request) => {
        calls.push(`client-before ${remote} ${request.code}`);
        request.extFields = { ...request.extFields, signed: 'yes' };
      },
      afterResponse: (remote, _request, response) => calls.push(`client-after ${remote} ${response?.code}`),
    });
    server.registerRPCHook({
      beforeRequest: (_remote, request) => calls.push(`server-before ${request.extFields?.signed}`),
      afterResponse: (_remote, _request, response) => calls.push(`server-after ${response?.code}`),
    });
    await client.invokeSync(addr, echoRequest('x'), 3000);
    await client.invokeAsync(addr, echoRequest('y'), 3000);
    assert.deepEqual(calls, [
      `client-before ${addr} ${ECHO}`,
      'server-before yes',
      'server-after 0',
      `client-after ${addr} 0`,
      `client-before ${addr} ${ECHO}`,
      'server-before yes',
      'server-after 0',
      `client-after ${addr} 0`,
    ]);
  });
});
