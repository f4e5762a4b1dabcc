/**
 * Transport defects found in review, each pinned by a test: shutdown during a connect attempt,
 * processors handing back odd results, error answers too big to encode, oneway opaques, connect retry.
 */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { IllegalStateError, RemotingConnectError } from '../../src/common/errors.js';
import { ResponseCode } from '../../src/protocol/codes/response-code.js';
import { createRequest, createResponse } from '../../src/protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../src/protocol/command/remoting-command.js';
import { encodeFrame } from '../../src/protocol/frame/index.js';
import { RemotingClient, RemotingServer } from '../../src/transport/index.js';
import { closedPort, deferred, ECHO, rawServer, startEchoServer } from './transport-helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serverAndClient(): Promise<{ server: RemotingServer; client: RemotingClient; addr: string }> {
  const server = await startEchoServer();
  const client = new RemotingClient();
  cleanups.push(async () => {
    await client.shutdown();
    await server.shutdown({ graceMillis: 100 });
  });
  return { server, client, addr: `127.0.0.1:${server.port}` };
}

describe('client shutdown during a connect attempt', () => {
  it(
    'aborts the attempt at once: waiters get IllegalStateError, the socket is destroyed',
    { timeout: 20_000 },
    async () => {
      // A socket that never connects (a black-holed SYN); the connect timeout is far beyond the test's.
      const sockets: net.Socket[] = [];
      const client = new RemotingClient({
        connectTimeoutMillis: 600_000,
        socketFactory: () => {
          const socket = new net.Socket();
          sockets.push(socket);
          return socket;
        },
      });
      const sync = client
        .invokeSync('10.255.255.1:9876', createRequest(ECHO), 600_000)
        .catch((e: unknown) => e);
      const async = client
        .invokeAsync('10.255.255.1:9876', createRequest(ECHO), 600_000)
        .catch((e: unknown) => e);
      const oneway = client
        .invokeOneway('10.255.255.1:9876', createRequest(ECHO), 600_000)
        .catch((e: unknown) => e);
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(sockets.length, 1);
      await client.shutdown();
      for (const outcome of await Promise.all([sync, async, oneway])) {
        assert.ok(outcome instanceof IllegalStateError, String(outcome));
      }
      assert.equal(sockets[0]!.destroyed, true);
    },
  );
});

describe('connect failure', () => {
  it('rejects every waiter of the shared attempt; the next call makes a new attempt', async () => {
    const port = await closedPort();
    let attempts = 0;
    const client = new RemotingClient({
      socketFactory: (host, p) => {
        attempts++;
        return net.connect({ host, port: p });
      },
    });
    cleanups.push(() => client.shutdown());
    const addr = `127.0.0.1:${port}`;
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () =>
        client.invokeSync(addr, createRequest(ECHO), 3000).catch((e: unknown) => e),
      ),
    );
    for (const outcome of outcomes) assert.ok(outcome instanceof RemotingConnectError, String(outcome));
    assert.equal(attempts, 1);
    await assert.rejects(client.invokeAsync(addr, createRequest(ECHO), 3000), RemotingConnectError);
    assert.equal(attempts, 2);
  });
});

describe('processors handing back odd results', () => {
  const cases: [string, () => unknown][] = [
    ['a frozen response', () => Object.freeze(createResponse(ResponseCode.SUCCESS))],
    ['a frozen response, async', async () => Object.freeze(createResponse(ResponseCode.SUCCESS))],
    ['a string', () => 'not a command'],
    [
      'a thenable whose then throws',
      () => ({
        then: () => {
          throw new Error('then broke');
        },
      }),
    ],
    [
      'a thenable calling back twice',
      () => ({
        then: (ok: (v: unknown) => void, fail: (e: unknown) => void) => {
          ok(createResponse(ResponseCode.SUCCESS, { remark: 'first' }));
          fail(new Error('second'));
        },
      }),
    ],
  ];
  for (const [name, result] of cases) {
    it(`${name}: answered, the server keeps running, nothing leaks`, async () => {
      const { server, client, addr } = await serverAndClient();
      server.registerProcessor(7, { processRequest: () => result() as RemotingCommand });
      const response = await client.invokeSync(addr, createRequest(7), 3000);
      if (name === 'a thenable calling back twice') {
        assert.deepEqual([response.code, response.remark], [ResponseCode.SUCCESS, 'first']);
      } else {
        assert.equal(response.code, ResponseCode.SYSTEM_ERROR, response.remark);
        assert.match(response.remark ?? '', /Error: /);
      }
      // The connection is kept and the processor's running count came back to 0.
      const echo = await client.invokeSync(addr, createRequest(ECHO, { body: Buffer.from('ok') }), 3000);
      assert.equal(echo.body?.toString(), 'ok');
      assert.equal(server.runningRequests, 0);
    });
  }

  it('an error whose message is too long for a header is answered with the remark cut', async () => {
    const { server, client, addr } = await serverAndClient();
    const huge = 'x'.repeat(17 * 1024 * 1024);
    server.registerProcessor(7, {
      processRequest: () => {
        throw new Error(huge);
      },
    });
    const response = await client.invokeSync(addr, createRequest(7), 10_000);
    assert.equal(response.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(response.remark, `Error: ${'x'.repeat(4096 - 7)}...`);
    assert.equal(server.channels().length, 1);
  });
});

describe('oneway requests', () => {
  it('carry their own opaque, never one a waiting request holds', async () => {
    const received: RemotingCommand[] = [];
    const got = deferred();
    const { FrameDecoder, decodeFramePayload } = await import('../../src/protocol/frame/index.js');
    const raw = await rawServer((socket) => {
      const decoder = new FrameDecoder();
      socket.on('data', (chunk: Buffer) => {
        for (const payload of decoder.push(chunk)) {
          const command = decodeFramePayload(payload);
          received.push(command);
          // A misbehaving peer answers the oneways (with their opaque) and never the request.
          if (command.flag === 2)
            socket.write(encodeFrame(createResponse(0, { opaque: command.opaque, remark: 'oneway answer' })));
          if (received.length === 3) got.resolve();
        }
      });
    });
    const client = new RemotingClient();
    cleanups.push(async () => {
      await client.shutdown();
      await raw.close();
    });
    const addr = `127.0.0.1:${raw.port}`;
    const pending = client.invokeSync(addr, createRequest(ECHO), 400).catch((e: unknown) => e);
    await client.invokeOneway(addr, createRequest(ECHO), 1000);
    await client.invokeOneway(addr, createRequest(ECHO), 1000);
    await got.promise;
    const opaques = received.map((c) => c.opaque);
    assert.equal(new Set(opaques).size, 3, `opaques ${opaques.join(',')}`);
    // The request was not completed by an answer meant for a oneway.
    const outcome = await pending;
    assert.ok(
      outcome instanceof Error,
      `completed by ${JSON.stringify((outcome as RemotingCommand).remark)}`,
    );
  });
});

describe('a peer that stopped reading', () => {
  it('the client does not keep the frames of requests that already failed', async () => {
    const raw = await rawServer((socket) => socket.pause());
    const client = new RemotingClient({ closeSocketIfTimeout: false });
    cleanups.push(async () => {
      await client.shutdown();
      await raw.close();
    });
    const addr = `127.0.0.1:${raw.port}`;
    const body = Buffer.alloc(1024 * 1024, 7);
    let failed = 0;
    for (let i = 0; i < 40; i++) {
      await client.invokeSync(addr, createRequest(ECHO, { body }), 30).catch(() => failed++);
    }
    assert.equal(failed, 40);
    const connection = (
      client as unknown as { connections: Map<string, { writeBacklogBytes: number }> }
    ).connections.get(addr)!;
    // 40 MiB were sent; what is still queued belongs to requests nobody waits for.
    assert.ok(connection.writeBacklogBytes < 4 * body.length, `backlog ${connection.writeBacklogBytes}`);
  });
});

describe('server shutdown while start() is still binding', () => {
  it('leaves nothing listening', async () => {
    const server = new RemotingServer({ host: '127.0.0.1', port: 0 });
    const started = server.start();
    await server.shutdown({ graceMillis: 0 });
    const { port } = await started;
    const refused = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(false);
      });
      socket.on('error', () => resolve(true));
    });
    if (!refused) await server.shutdown();
    assert.equal(refused, true, 'the server still accepts connections after shutdown()');
  });
});
