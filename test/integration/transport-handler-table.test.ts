/**
 * The one request-handler style: tables merged in one place, a duplicate code refused at wiring time,
 * and a handler's RequestRefusedError answered with its own code and remark (sync throw and rejection),
 * while any other error stays SYSTEM_ERROR and the connection keeps serving.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RequestRefusedError } from '../../src/common/errors.js';
import { ResponseCode } from '../../src/protocol/codes/response-code.js';
import { createRequest, createResponse } from '../../src/protocol/command/remoting-command.js';
import {
  handlerTable,
  mergeHandlerTables,
  registerHandlerTable,
  RemotingClient,
  RemotingServer,
} from '../../src/transport/index.js';

const OK = 700;
const REFUSE_SYNC = 701;
const REFUSE_ASYNC = 702;
const BROKEN = 703;

describe('handler tables and refusals', () => {
  let server: RemotingServer;
  let client: RemotingClient;
  let addr: string;
  before(async () => {
    server = new RemotingServer({ host: '127.0.0.1', port: 0 });
    const good = handlerTable([
      [OK, (request) => createResponse(ResponseCode.SUCCESS, { body: request.body })],
    ]);
    const refusing = handlerTable([
      [
        REFUSE_SYNC,
        () => {
          throw new RequestRefusedError(ResponseCode.TOPIC_NOT_EXIST, 'topic[x] not exist');
        },
      ],
      [
        REFUSE_ASYNC,
        async () => {
          throw new RequestRefusedError(ResponseCode.NO_PERMISSION, 'the broker does not allow it');
        },
      ],
      [
        BROKEN,
        () => {
          throw new TypeError('boom');
        },
      ],
    ]);
    registerHandlerTable(server, mergeHandlerTables(good, refusing));
    await server.start();
    client = new RemotingClient();
    addr = `127.0.0.1:${server.port}`;
  });
  after(async () => {
    await client.shutdown();
    await server.shutdown({ graceMillis: 100 });
  });

  it('merging two tables that both handle a code throws', () => {
    const a = handlerTable([[OK, () => undefined]]);
    assert.throws(() => mergeHandlerTables(a, a), /request code 700 has two handlers/);
    assert.throws(
      () =>
        handlerTable([
          [1, () => undefined],
          [1, () => undefined],
        ]),
      /two handlers/,
    );
  });

  it('answers a refusal with its code and remark, and other errors with SYSTEM_ERROR', async () => {
    const sync = await client.invokeSync(addr, createRequest(REFUSE_SYNC), 2000);
    assert.equal(sync.code, ResponseCode.TOPIC_NOT_EXIST);
    assert.equal(sync.remark, 'topic[x] not exist');
    const rejected = await client.invokeSync(addr, createRequest(REFUSE_ASYNC), 2000);
    assert.equal(rejected.code, ResponseCode.NO_PERMISSION);
    assert.equal(rejected.remark, 'the broker does not allow it');
    const broken = await client.invokeSync(addr, createRequest(BROKEN), 2000);
    assert.equal(broken.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(broken.remark, 'TypeError: boom');
    const ok = await client.invokeSync(addr, createRequest(OK, { body: Buffer.from('still serving') }), 2000);
    assert.equal(ok.code, ResponseCode.SUCCESS);
    assert.equal(ok.body?.toString(), 'still serving');
  });
});

describe('refusal serialize type', () => {
  it('a refusal is encoded in the request header form, as any handler answer', async () => {
    const { SerializeType } = await import('../../src/protocol/codes/misc.js');
    const server = new RemotingServer({ host: '127.0.0.1', port: 0 });
    registerHandlerTable(
      server,
      handlerTable([
        [
          REFUSE_SYNC,
          () => {
            throw new RequestRefusedError(ResponseCode.TOPIC_NOT_EXIST, 'no such topic');
          },
        ],
      ]),
    );
    await server.start();
    const client = new RemotingClient({ serializeType: SerializeType.ROCKETMQ });
    try {
      const answer = await client.invokeSync(`127.0.0.1:${server.port}`, createRequest(REFUSE_SYNC), 2000);
      assert.equal(answer.code, ResponseCode.TOPIC_NOT_EXIST);
      assert.equal(answer.remark, 'no such topic');
      assert.equal(answer.serializeType, SerializeType.ROCKETMQ);
    } finally {
      await client.shutdown();
      await server.shutdown({ graceMillis: 100 });
    }
  });
});
