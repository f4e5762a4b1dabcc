/**
 * The request-reply core without a cluster: runRequest with stand-in send functions (the default
 * queue today; a queue or a selector send plug in the same way), the RequestFutureTable's ends,
 * createReplyMessage, and the client's PUSH_REPLY_MESSAGE_TO_CLIENT handler fed a push as a Java
 * broker builds it.
 */
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { after, describe, it } from 'node:test';
import {
  RequestFutureTable,
  createReplyMessage,
  replyHandlers,
  runRequest,
} from '../../src/client/request-reply/index.js';
import type { RequestHost, SendRequestMessage } from '../../src/client/request-reply/index.js';
import {
  ClientErrorCode,
  HeaderFieldError,
  IllegalStateError,
  MQClientError,
  RequestTimeoutError,
} from '../../src/common/errors.js';
import type { Logger } from '../../src/common/logger.js';
import { RequestCode, ResponseCode } from '../../src/protocol/codes/index.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../src/protocol/command/remoting-command.js';
import { Message, MessageConst } from '../../src/protocol/message/index.js';
import type { MessageExt } from '../../src/protocol/message/index.js';
import type { RemotingChannel, RequestContext } from '../../src/transport/types.js';
import { ClientManager } from '../../src/server/broker/core/client-manager.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function host(table = new RequestFutureTable()): RequestHost & { prepared: string[] } {
  const prepared: string[] = [];
  return {
    requests: table,
    clientId: '10.0.0.1@requester',
    prepared,
    prepare: async (topic) => void prepared.push(topic),
  };
}

function reply(correlationId: string, body = 'pong'): MessageExt {
  return { properties: { CORRELATION_ID: correlationId }, body: Buffer.from(body) } as unknown as MessageExt;
}

describe('runRequest (the core every request form shares)', () => {
  it('sets Java request properties, sends with the time left, resolves with the reply', async () => {
    const h = host();
    const sent: { message: Message; timeout: number }[] = [];
    const send: SendRequestMessage = async (message, timeout) => void sent.push({ message, timeout });
    const message = new Message('Orders', 'ping');
    const pending = runRequest(h, message, 2500, send);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(h.prepared, ['Orders']);
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.message, message);
    assert.ok(sent[0]!.timeout <= 2500 && sent[0]!.timeout >= 2400);
    const id = message.getProperty(MessageConst.PROPERTY_CORRELATION_ID)!;
    assert.match(id, UUID);
    assert.equal(message.getProperty(MessageConst.PROPERTY_MESSAGE_REPLY_TO_CLIENT), '10.0.0.1@requester');
    assert.equal(message.getProperty(MessageConst.PROPERTY_MESSAGE_TTL), '2500');
    assert.equal(h.requests.size, 1);
    assert.equal(h.requests.complete(id, reply(id)), true);
    assert.equal((await pending).body.toString(), 'pong');
    assert.equal(h.requests.size, 0);
    assert.equal(h.requests.complete(id, reply(id)), false, 'a second reply finds nothing');
  });

  it('works with any send: a reply that overtakes the send acknowledgement still wins', async () => {
    const h = host();
    let ack: () => void = () => undefined;
    // e.g. a send to a chosen queue whose broker answer comes late
    const sendToQueue: SendRequestMessage = (message) => {
      const id = message.getProperty(MessageConst.PROPERTY_CORRELATION_ID)!;
      queueMicrotask(() => h.requests.complete(id, reply(id, 'early')));
      return new Promise<void>((resolve) => (ack = resolve));
    };
    const got = await runRequest(h, new Message('T', 'x'), 1000, sendToQueue);
    assert.equal(got.body.toString(), 'early');
    ack();
    assert.equal(h.requests.size, 0);
  });

  it('a failed send: MQClientError "send request message to <T> fail" (Java request), or the raw error', async () => {
    const cause = new Error('broker down');
    const failing: SendRequestMessage = () => Promise.reject(cause);
    const h = host();
    await assert.rejects(runRequest(h, new Message('T', 'x'), 1000, failing), (err: unknown) => {
      assert.ok(err instanceof MQClientError);
      assert.equal(err.message, 'send request message to <T> fail');
      assert.equal(err.cause, cause);
      return true;
    });
    await assert.rejects(
      runRequest(h, new Message('T', 'x'), 1000, failing, { wrapSendError: false }),
      cause,
    );
    assert.equal(h.requests.size, 0);
  });

  it('no reply: RequestTimeoutError 10006 at the deadline; nothing left; a late reply is refused', async () => {
    // The table's timers never keep a process alive (a real request has its connection for that).
    const keepAlive = setInterval(() => undefined, 1000);
    after(() => clearInterval(keepAlive));
    const h = host();
    const message = new Message('T', 'x');
    const begin = Date.now();
    const pending = runRequest(h, message, 60, async () => undefined);
    await assert.rejects(pending, (err: unknown) => {
      assert.ok(err instanceof RequestTimeoutError);
      assert.equal(err.code, ClientErrorCode.REQUEST_TIMEOUT_EXCEPTION);
      assert.equal(err.message, 'send request message to <T> OK, but wait reply message timeout, 60 ms.');
      return true;
    });
    assert.ok(Date.now() - begin >= 55);
    assert.equal(h.requests.size, 0);
    const id = message.getProperty(MessageConst.PROPERTY_CORRELATION_ID)!;
    assert.equal(h.requests.complete(id, reply(id)), false);
    // A send never acknowledged says so.
    await assert.rejects(
      runRequest(h, new Message('T', 'x'), 30, () => new Promise(() => undefined)),
      /not acknowledged/,
    );
    assert.equal(h.requests.size, 0);
  });

  it('close() fails what waits and refuses new requests', async () => {
    const h = host();
    const pending = runRequest(h, new Message('T', 'x'), 10_000, async () => undefined);
    await new Promise((r) => setImmediate(r));
    h.requests.close();
    await assert.rejects(pending, IllegalStateError);
    assert.equal(h.requests.size, 0);
    await assert.rejects(
      runRequest(h, new Message('T', 'x'), 1000, async () => undefined),
      IllegalStateError,
    );
  });
});

describe('createReplyMessage (Java MessageUtil.createReplyMessage)', () => {
  it('reply topic from CLUSTER, MSG_TYPE=reply, requester properties copied', () => {
    const request = {
      properties: {
        CLUSTER: 'DefaultCluster',
        CORRELATION_ID: 'c-9',
        REPLY_TO_CLIENT: '10.0.0.1@a',
        TTL: '3000',
        UNIQ_KEY: 'not copied',
      },
    };
    const r = createReplyMessage(request, 'answer');
    assert.equal(r.topic, 'DefaultCluster_REPLY_TOPIC');
    assert.equal(r.body, 'answer');
    assert.deepEqual(
      { ...r.properties },
      { WAIT: 'true', MSG_TYPE: 'reply', CORRELATION_ID: 'c-9', REPLY_TO_CLIENT: '10.0.0.1@a', TTL: '3000' },
    );
  });

  it('CREATE_REPLY_MESSAGE_EXCEPTION (10007) without a request or its CLUSTER', () => {
    const is10007 = (err: unknown): boolean => err instanceof MQClientError && err.code === 10007;
    assert.throws(() => createReplyMessage(undefined, 'x'), is10007);
    assert.throws(
      () => createReplyMessage({ properties: { CORRELATION_ID: 'c' } }, 'x'),
      (err: unknown) => {
        assert.ok(is10007(err));
        assert.match((err as Error).message, /property\[CLUSTER\] is null/);
        return true;
      },
    );
  });
});

describe('PUSH_REPLY_MESSAGE_TO_CLIENT handler (Java receiveReplyMessage)', () => {
  const warnings: string[] = [];
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (_o: unknown, m?: string) => void warnings.push(m ?? ''),
    error: () => undefined,
  };
  const context = { channel: { remoteAddress: '127.0.0.1:10911' } } as unknown as RequestContext;
  /** extFields as a Java 4.9.8 broker writes them (ReplyMessageProcessor.pushReplyMessage). */
  const javaPush = (correlationId: string, extra: Record<string, string> = {}, body = Buffer.from('pong')) =>
    createRequest(RequestCode.PUSH_REPLY_MESSAGE_TO_CLIENT, {
      extFields: {
        queueId: '0',
        flag: '3',
        sysFlag: '0',
        reconsumeTimes: '0',
        storeTimestamp: '1700000000123',
        unitMode: 'false',
        defaultTopic: 'TBW102',
        bornHost: '192.168.0.7:53211',
        defaultTopicQueueNums: '4',
        producerGroup: 'replier',
        topic: 'DefaultCluster_REPLY_TOPIC',
        bornTimestamp: '1700000000100',
        storeHost: '192.168.0.2:10911',
        properties: `PUSH_REPLY_TIME\u00011700000000120\u0002MSG_TYPE\u0001reply\u0002CORRELATION_ID\u0001${correlationId}`,
        ...extra,
      },
      body,
    });

  const run = async (table: RequestFutureTable, request: RemotingCommand) => {
    const handler = replyHandlers(table, logger).get(RequestCode.PUSH_REPLY_MESSAGE_TO_CLIENT)!;
    return (await handler(request, context)) as RemotingCommand;
  };

  it('completes the waiting request with the decoded reply and answers SUCCESS', async () => {
    const table = new RequestFutureTable();
    let got: MessageExt | undefined;
    table.add({
      correlationId: 'c-1',
      topic: 'T',
      timeoutMillis: 5000,
      remainingMillis: 5000,
      onReply: (m) => (got = m),
      onError: assert.fail,
    });
    const before = Date.now();
    const answer = await run(table, javaPush('c-1'));
    assert.equal(answer.code, ResponseCode.SUCCESS);
    assert.equal(answer.remark, undefined);
    assert.ok(got);
    assert.equal(got.body.toString(), 'pong');
    assert.equal(got.topic, 'DefaultCluster_REPLY_TOPIC');
    assert.equal(got.queueId, 0);
    assert.equal(got.flag, 3);
    assert.deepEqual(got.bornHost, { ip: '192.168.0.7', port: 53211 });
    assert.deepEqual(got.storeHost, { ip: '192.168.0.2', port: 10911 });
    assert.equal(got.bornTimestamp, 1700000000100);
    assert.equal(got.storeTimestamp, 1700000000123);
    assert.equal(got.properties.MSG_TYPE, 'reply');
    assert.ok(Number(got.properties.ARRIVE_TIME) >= before);
    assert.equal(table.size, 0);
    table.close();
  });

  it('inflates a compressed reply body (sysFlag COMPRESSED)', async () => {
    const table = new RequestFutureTable();
    let got: MessageExt | undefined;
    table.add({
      correlationId: 'c-2',
      topic: 'T',
      timeoutMillis: 5000,
      remainingMillis: 5000,
      onReply: (m) => (got = m),
      onError: assert.fail,
    });
    const body = 'z'.repeat(5000);
    await run(table, javaPush('c-2', { sysFlag: '1' }, deflateSync(body)));
    assert.equal(got?.body.toString(), body);
    table.close();
  });

  it('a reply nobody waits for: SUCCESS, logged, dropped; unreadable ones: SYSTEM_ERROR; no header: refused', async () => {
    const table = new RequestFutureTable();
    const answer = await run(table, javaPush('unknown'));
    assert.equal(answer.code, ResponseCode.SUCCESS);
    assert.ok(warnings.some((w) => w.includes('matches no waiting request')));
    const bad = await run(table, javaPush('x', { bornHost: 'nonsense' }));
    assert.equal(bad.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(bad.remark, 'process reply message fail');
    const push = javaPush('x');
    delete push.extFields!.storeHost;
    await assert.rejects(run(table, push), HeaderFieldError);
    assert.equal(table.size, 0);
  });
});

describe('broker: the requester connection by client id (Java ProducerManager.findChannel)', () => {
  it('finds an open producer connection of the client, none once it closed or left', () => {
    const clients = new ClientManager({ channelExpiredTimeoutMillis: 120_000 });
    const channel = (id: number, closed = false) => ({ id, closed }) as unknown as RemotingChannel;
    const open = channel(1);
    clients.registerProducer('PG', {
      channel: channel(2, true),
      clientId: 'c@1',
      language: 'JAVA',
      version: 0,
    });
    assert.equal(clients.findProducerChannel('c@1'), undefined, 'a closed connection is no way back');
    clients.registerProducer('PG', { channel: open, clientId: 'c@1', language: 'JAVA', version: 0 });
    assert.equal(clients.findProducerChannel('c@1'), open);
    assert.equal(clients.findProducerChannel('c@2'), undefined);
    clients.unregisterProducer('PG', open);
    assert.equal(clients.findProducerChannel('c@1'), undefined);
  });

  it('the newest registration of a client id wins (Java clientChannelTable.put), the older one is the fallback', () => {
    const clients = new ClientManager({ channelExpiredTimeoutMillis: 120_000 });
    const channel = (id: number) => ({ id, closed: false }) as unknown as RemotingChannel;
    const [a, b] = [channel(1), channel(2)];
    const register = (group: string, ch: RemotingChannel) =>
      clients.registerProducer(group, { channel: ch, clientId: 'x@1', language: 'JAVA', version: 0 });
    register('PG', a);
    register('PG2', b);
    assert.equal(clients.findProducerChannel('x@1'), b);
    register('PG', a); // a heartbeat on A makes it the newest again
    assert.equal(clients.findProducerChannel('x@1'), a);
    clients.onChannelClosed(a);
    assert.equal(clients.findProducerChannel('x@1'), b, 'the newest closed: another live one');
    clients.unregisterProducer('PG2', b);
    assert.equal(clients.findProducerChannel('x@1'), undefined);
  });
});
