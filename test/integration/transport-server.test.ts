/**
 * RemotingServer dispatch rules over real sockets: the error answers (exact remarks and header bytes),
 * oneway requests never answered, response serialize types, server -> client requests on the same
 * connection, channel events, idle connections, graceful shutdown.
 */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RemotingConnectError } from '../../src/common/errors.js';
import { SerializeType } from '../../src/protocol/codes/misc.js';
import { RequestCode } from '../../src/protocol/codes/request-code.js';
import { ResponseCode } from '../../src/protocol/codes/response-code.js';
import { createRequest, createResponse, markOneway } from '../../src/protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../src/protocol/command/remoting-command.js';
import { encodeFrame } from '../../src/protocol/frame/index.js';
import { RemotingClient, RemotingServer } from '../../src/transport/index.js';
import type { RemotingChannel } from '../../src/transport/index.js';
import { deferred, ECHO, RawPeer, startEchoServer } from './transport-helpers.js';
import { waitFor } from '../helpers/wait.js';

const REJECT = 110;
const GATED = 111;
const THROWS = 112;
const REJECTS_ASYNC = 113;
const UNKNOWN = 777;
const BUSY_REJECT = '[REJECTREQUEST]system busy, start flow control for a while';
const BUSY_OVERLOAD = '[OVERLOAD]system busy, start flow control for a while';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(): Promise<{
  server: RemotingServer;
  client: RemotingClient;
  addr: string;
  gate: () => void;
}> {
  const server = await startEchoServer();
  let open = deferred();
  server.registerProcessor(REJECT, { rejectRequest: () => true, processRequest: () => createResponse(0) });
  server.registerProcessor(
    GATED,
    {
      processRequest: async () => (
        await open.promise,
        createResponse(ResponseCode.SUCCESS, { remark: 'gated' })
      ),
    },
    { maxConcurrency: 1 },
  );
  server.registerProcessor(THROWS, {
    processRequest: () => {
      throw new TypeError('bad thing');
    },
  });
  server.registerProcessor(REJECTS_ASYNC, {
    processRequest: () => Promise.reject(new RangeError('async bad')),
  });
  const client = new RemotingClient();
  cleanups.push(async () => {
    open.resolve();
    await client.shutdown();
    await server.shutdown({ graceMillis: 200 });
  });
  return {
    server,
    client,
    addr: `127.0.0.1:${server.port}`,
    gate: () => {
      open.resolve();
      open = deferred();
    },
  };
}

function request(code: number, opaque: number, oneway = false): Buffer {
  const command = createRequest(code, { opaque });
  if (oneway) markOneway(command);
  return encodeFrame(command, SerializeType.JSON);
}

describe('error answers', () => {
  it('rejectRequest() -> SYSTEM_BUSY [REJECTREQUEST]', async () => {
    const { client, addr } = await setup();
    const response = await client.invokeSync(addr, createRequest(REJECT), 3000);
    assert.equal(response.code, ResponseCode.SYSTEM_BUSY);
    assert.equal(response.remark, BUSY_REJECT);
  });

  it('more than maxConcurrency at once -> SYSTEM_BUSY [OVERLOAD]; the first still completes', async () => {
    const { server, client, addr, gate } = await setup();
    await client.invokeSync(addr, createRequest(ECHO), 3000); // connected: requests leave in call order
    const first = client.invokeAsync(addr, createRequest(GATED), 5000);
    const second = await client.invokeSync(addr, createRequest(GATED), 5000);
    assert.equal(second.code, ResponseCode.SYSTEM_BUSY);
    assert.equal(second.remark, BUSY_OVERLOAD);
    gate();
    assert.equal((await first).remark, 'gated');
    // Capacity is back once the first finished.
    const third = client.invokeAsync(addr, createRequest(GATED), 5000);
    while (server.runningRequests === 0) await new Promise((resolve) => setImmediate(resolve));
    gate();
    assert.equal((await third).code, ResponseCode.SUCCESS);
  });

  it('unknown code -> REQUEST_CODE_NOT_SUPPORTED " request type <code> not supported"', async () => {
    const { client, addr } = await setup();
    const response = await client.invokeSync(addr, createRequest(UNKNOWN), 3000);
    assert.equal(response.code, ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
    assert.equal(response.remark, ' request type 777 not supported');
  });

  it('a throwing or rejecting processor -> SYSTEM_ERROR "<Name>: <message>", connection kept', async () => {
    const { server, client, addr } = await setup();
    const thrown = await client.invokeSync(addr, createRequest(THROWS), 3000);
    assert.equal(thrown.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(thrown.remark, 'TypeError: bad thing');
    const rejected = await client.invokeSync(addr, createRequest(REJECTS_ASYNC), 3000);
    assert.equal(rejected.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(rejected.remark, 'RangeError: async bad');
    const channel = server.channels()[0]!;
    assert.equal((await client.invokeSync(addr, createRequest(ECHO), 3000)).code, ResponseCode.SUCCESS);
    assert.equal(server.channels().length, 1);
    assert.equal(server.channels()[0], channel);
  });

  it('the default processor takes unregistered codes', async () => {
    const { server, client, addr } = await setup();
    server.registerDefaultProcessor({
      processRequest: (_c, r) => createResponse(0, { remark: `default ${r.code}` }),
    });
    assert.equal((await client.invokeSync(addr, createRequest(UNKNOWN), 3000)).remark, 'default 777');
  });

  it('wire bytes: error answers carry the opaque, the response flag, and JSON in the server form', async () => {
    const { server } = await setup();
    const peer = await RawPeer.connect(server.port);
    cleanups.push(() => peer.destroy());
    // The request in ROCKETMQ binary form; the error answer still comes back as JSON (server default).
    peer.write(encodeFrame(createRequest(UNKNOWN, { opaque: 12345 }), SerializeType.ROCKETMQ));
    await peer.waitFor(1);
    const header =
      '{"code":3,"flag":1,"language":"JAVA","opaque":12345,"remark":" request type 777 not supported",' +
      '"serializeTypeCurrentRPC":"JSON","version":409}';
    const expected = Buffer.alloc(8 + header.length);
    expected.writeInt32BE(4 + header.length, 0);
    expected.writeInt32BE(header.length, 4);
    expected.write(header, 8, 'latin1');
    assert.deepEqual(encodeFrame(peer.received[0]!), expected); // decoded frame re-encodes to the same bytes
    assert.equal(peer.received[0]!.serializeType, SerializeType.JSON);
    // A normal answer to a ROCKETMQ request is ROCKETMQ.
    peer.write(encodeFrame(createRequest(ECHO, { opaque: 7 }), SerializeType.ROCKETMQ));
    await peer.waitFor(2);
    assert.equal(peer.received[1]!.serializeType, SerializeType.ROCKETMQ);
    assert.equal(peer.received[1]!.opaque, 7);
    assert.equal(peer.received[1]!.flag, 1);
  });

  it('oneway requests are never answered: normal, unknown code, rejected, throwing, overloaded', async () => {
    const { server, gate } = await setup();
    const peer = await RawPeer.connect(server.port);
    cleanups.push(() => peer.destroy());
    peer.write(
      Buffer.concat([
        request(ECHO, 1, true),
        request(UNKNOWN, 2, true),
        request(REJECT, 3, true),
        request(THROWS, 4, true),
        request(GATED, 5, false), // takes the only GATED slot
        request(GATED, 6, true), // overloaded, oneway: silent
        request(ECHO, 7, false),
      ]),
    );
    await peer.waitFor(1);
    assert.deepEqual(
      peer.received.map((c) => c.opaque),
      [7],
    );
    gate();
    await peer.waitFor(2);
    assert.deepEqual(
      peer.received.map((c) => [c.opaque, c.remark]),
      [
        [7, undefined],
        [5, 'gated'],
      ],
    );
  });
});

describe('server -> client requests, events, lifecycle', () => {
  it('a processor calls back into the client over the same connection', async () => {
    const server = new RemotingServer({ host: '127.0.0.1' });
    server.registerProcessor(ECHO, {
      processRequest: async (context, incoming) => {
        const check = createRequest(RequestCode.CHECK_TRANSACTION_STATE, { extFields: { msgId: 'm1' } });
        const answer = await context.channel.invoke(check, 3000);
        await context.channel.invokeOneway(
          createRequest(RequestCode.CHECK_TRANSACTION_STATE, { remark: 'oneway' }),
          3000,
        );
        return createResponse(0, { body: Buffer.concat([incoming.body!, Buffer.from('+'), answer.body!]) });
      },
    });
    await server.start();
    const client = new RemotingClient();
    cleanups.push(async () => {
      await client.shutdown();
      await server.shutdown();
    });
    const checks: RemotingCommand[] = [];
    client.registerProcessor(RequestCode.CHECK_TRANSACTION_STATE, {
      processRequest: (context, check) => {
        checks.push(check);
        assert.match(context.channel.remoteAddress, /^127\.0\.0\.1:\d+$/);
        return createResponse(0, { body: Buffer.from(`state-of-${check.extFields?.msgId}`) });
      },
    });
    const response = await client.invokeSync(
      `127.0.0.1:${server.port}`,
      createRequest(ECHO, { body: Buffer.from('q') }),
      3000,
    );
    assert.equal(response.body?.toString(), 'q+state-of-m1');
    assert.equal(checks.length, 2);
    assert.equal(checks[1]!.flag, 2);
    // And straight from the server's channel list.
    const direct = await server
      .channels()[0]!
      .invoke(createRequest(RequestCode.CHECK_TRANSACTION_STATE, { extFields: { msgId: 'm2' } }), 3000);
    assert.equal(direct.body?.toString(), 'state-of-m2');
  });

  it("a server's RPC hooks check what it receives, not its own requests to its clients", async () => {
    // An access-control hook refuses every unsigned request: a broker's reply pushes and transaction
    // checks (unsigned, as Java's) must still reach the client.
    const server = new RemotingServer({ host: '127.0.0.1' });
    const checked: number[] = [];
    server.registerRPCHook({
      beforeRequest: (_addr, request) => {
        checked.push(request.code);
        if (request.extFields?.signed !== 'yes') throw new Error('unsigned');
      },
    });
    server.registerProcessor(ECHO, {
      processRequest: async (context) => {
        const answer = await context.channel.invoke(
          createRequest(RequestCode.PUSH_REPLY_MESSAGE_TO_CLIENT),
          3000,
        );
        await context.channel.invokeOneway(createRequest(RequestCode.CHECK_TRANSACTION_STATE), 3000);
        return createResponse(0, { body: answer.body! });
      },
    });
    await server.start();
    const client = new RemotingClient();
    cleanups.push(async () => {
      await client.shutdown();
      await server.shutdown();
    });
    const pushed: number[] = [];
    for (const code of [RequestCode.PUSH_REPLY_MESSAGE_TO_CLIENT, RequestCode.CHECK_TRANSACTION_STATE]) {
      client.registerProcessor(code, {
        processRequest: () => (pushed.push(code), createResponse(0, { body: Buffer.from('got it') })),
      });
    }
    const addr = `127.0.0.1:${server.port}`;
    const response = await client.invokeSync(
      addr,
      createRequest(ECHO, { extFields: { signed: 'yes' } }),
      3000,
    );
    assert.equal(response.body?.toString(), 'got it');
    await waitFor('both requests at the client', () => (pushed.length === 2 ? true : undefined));
    assert.deepEqual(pushed, [RequestCode.PUSH_REPLY_MESSAGE_TO_CLIENT, RequestCode.CHECK_TRANSACTION_STATE]);
    assert.deepEqual(checked, [ECHO], 'the hook saw the request received, and only it');
    const unsigned = await client.invokeSync(addr, createRequest(ECHO), 3000);
    assert.equal(unsigned.code, ResponseCode.SYSTEM_ERROR, 'and still refuses what it receives');
  });

  it('emits connect and close events; the client side learns of the close', async () => {
    const server = await startEchoServer();
    const events: string[] = [];
    const closed = deferred<RemotingChannel>();
    server.addChannelEventListener({
      onChannelConnect: (c) => events.push(`connect ${c.remoteAddress}`),
      onChannelClose: (c) => {
        events.push(`close ${c.remoteAddress}`);
        closed.resolve(c);
      },
    });
    const client = new RemotingClient();
    const clientClosed = deferred();
    client.addChannelEventListener({ onChannelClose: () => clientClosed.resolve() });
    cleanups.push(async () => {
      await client.shutdown();
      await server.shutdown();
    });
    const addr = `127.0.0.1:${server.port}`;
    await client.invokeSync(addr, createRequest(ECHO), 3000);
    const channel = server.channels()[0]!;
    assert.match(channel.remoteAddress, /^127\.0\.0\.1:\d+$/);
    assert.equal(channel.localAddress, addr);
    client.closeChannel(addr);
    assert.equal(await closed.promise, channel);
    await clientClosed.promise;
    assert.deepEqual(events, [`connect ${channel.remoteAddress}`, `close ${channel.remoteAddress}`]);
    assert.equal(channel.closed, true);
    assert.equal(server.channels().length, 0);
  });

  it('closes idle connections (server side and client side)', async () => {
    const server = await startEchoServer({ channelMaxIdleMillis: 150, scanIntervalMillis: 25 });
    const idle = deferred<RemotingChannel>();
    server.addChannelEventListener({ onChannelIdle: (c) => idle.resolve(c) });
    const client = new RemotingClient();
    const clientClosed = deferred();
    client.addChannelEventListener({ onChannelClose: () => clientClosed.resolve() });
    const idleClient = new RemotingClient({ channelMaxIdleMillis: 150, scanIntervalMillis: 25 });
    const idleClientEvent = deferred();
    idleClient.addChannelEventListener({ onChannelIdle: () => idleClientEvent.resolve() });
    cleanups.push(async () => {
      await client.shutdown();
      await idleClient.shutdown();
      await server.shutdown();
    });
    const addr = `127.0.0.1:${server.port}`;
    await client.invokeSync(addr, createRequest(ECHO), 3000);
    await idle.promise;
    await clientClosed.promise;
    const noIdleServer = await startEchoServer({ channelMaxIdleMillis: 0 });
    cleanups.push(() => noIdleServer.shutdown());
    await idleClient.invokeSync(`127.0.0.1:${noIdleServer.port}`, createRequest(ECHO), 3000);
    await idleClientEvent.promise;
    assert.equal(idleClient.inFlightCount, 0);
  });

  it('graceful shutdown finishes running requests, then refuses connections', async () => {
    const { server, client, addr, gate } = await setup();
    const running = client.invokeAsync(addr, createRequest(GATED), 10_000);
    while (server.runningRequests === 0) await new Promise((resolve) => setImmediate(resolve));
    const stopped = server.shutdown({ graceMillis: 10_000 });
    gate();
    assert.equal((await running).remark, 'gated');
    await stopped;
    assert.equal(server.channels().length, 0);
    const other = new RemotingClient({ connectTimeoutMillis: 1000 });
    cleanups.push(() => other.shutdown());
    await assert.rejects(other.invokeSync(addr, createRequest(ECHO), 2000), RemotingConnectError);
  });
});
