/**
 * Header tables of the broker -> client admin calls (Java 4.9.8 field order and names), and the
 * client's request handlers reading them as leniently as they did when they read extFields directly
 * (run through the transport's dispatcher, which answers their refusals).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HeaderFieldError } from '../../src/common/errors.js';
import type { Logger } from '../../src/common/logger.js';
import { silentLogger } from '../../src/common/logger.js';
import { clientRequestHandlers } from '../../src/client/client-request-handlers.js';
import { TransactionCheckTargets } from '../../src/client/transaction-check-routing.js';
import { RequestCode, ResponseCode, SerializeType } from '../../src/protocol/codes/index.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../src/protocol/command/remoting-command.js';
import { decodeFrame } from '../../src/protocol/frame/frame-codec.js';
import {
  ConsumeMessageDirectlyResultRequestHeader,
  GetConsumerRunningInfoRequestHeader,
  GetConsumerStatusRequestHeader,
  ResetOffsetRequestHeader,
} from '../../src/protocol/headers/index.js';
import { RequestDispatcher } from '../../src/transport/dispatcher.js';
import { registerHandlerTable } from '../../src/transport/handler-table.js';
import type { RequestContext } from '../../src/transport/types.js';

/** Answers requests the way a client connection does: the client's handler table behind a dispatcher. */
interface RequestAnswerer {
  processRequest(context: RequestContext, request: RemotingCommand): RemotingCommand | undefined;
}

describe('client admin header tables', () => {
  it('GetConsumerRunningInfoRequestHeader: consumerGroup, clientId, jstackEnable', () => {
    const ext = GetConsumerRunningInfoRequestHeader.encode({
      consumerGroup: 'CG',
      clientId: '127.0.0.1@1234',
      jstackEnable: false,
    });
    assert.deepEqual(Object.entries(ext), [
      ['consumerGroup', 'CG'],
      ['clientId', '127.0.0.1@1234'],
      ['jstackEnable', 'false'],
    ]);
    assert.deepEqual(GetConsumerRunningInfoRequestHeader.decode(ext), {
      consumerGroup: 'CG',
      clientId: '127.0.0.1@1234',
      jstackEnable: false,
    });
    // What mqadmin consumerStatus -s sends (Java Boolean.toString, any case read as Java does).
    assert.equal(
      GetConsumerRunningInfoRequestHeader.decode({ consumerGroup: 'g', clientId: 'c', jstackEnable: 'TRUE' })
        .jstackEnable,
      true,
    );
    assert.throws(
      () => GetConsumerRunningInfoRequestHeader.decode({ consumerGroup: 'CG' }),
      (err: unknown) => err instanceof HeaderFieldError && /<clientId>/.test(err.message),
    );
  });

  it('GetConsumerStatusRequestHeader: topic, group, clientAddr (optional)', () => {
    const ext = GetConsumerStatusRequestHeader.encode({ topic: 'T', group: 'G', clientAddr: '10.0.0.1:5' });
    assert.deepEqual(Object.entries(ext), [
      ['topic', 'T'],
      ['group', 'G'],
      ['clientAddr', '10.0.0.1:5'],
    ]);
    assert.deepEqual(GetConsumerStatusRequestHeader.decode(ext), {
      topic: 'T',
      group: 'G',
      clientAddr: '10.0.0.1:5',
    });
    assert.deepEqual(GetConsumerStatusRequestHeader.decode({ topic: 'T', group: 'G' }), {
      topic: 'T',
      group: 'G',
    });
    assert.throws(() => GetConsumerStatusRequestHeader.decode({ topic: 'T' }), HeaderFieldError);
  });

  it('ConsumeMessageDirectlyResultRequestHeader: consumerGroup, clientId, msgId, brokerName', () => {
    const value = {
      consumerGroup: 'CG',
      clientId: 'cid',
      msgId: '0A00000100002A9F0000000000000010',
      brokerName: 'broker-a',
    };
    const ext = ConsumeMessageDirectlyResultRequestHeader.encode(value);
    assert.deepEqual(Object.keys(ext), ['consumerGroup', 'clientId', 'msgId', 'brokerName']);
    assert.equal(ext.msgId, '0A00000100002A9F0000000000000010');
    assert.deepEqual(ConsumeMessageDirectlyResultRequestHeader.decode(ext), value);
    assert.deepEqual(ConsumeMessageDirectlyResultRequestHeader.decode({ consumerGroup: 'CG' }), {
      consumerGroup: 'CG',
    });
    assert.throws(
      () => ConsumeMessageDirectlyResultRequestHeader.decode({ clientId: 'cid' }),
      HeaderFieldError,
    );
  });

  it('ResetOffsetRequestHeader: topic, group, timestamp, isForce (Java field name)', () => {
    const ext = ResetOffsetRequestHeader.encode({
      topic: 'T',
      group: 'G',
      timestamp: 1717000000123,
      isForce: true,
    });
    assert.deepEqual(Object.entries(ext), [
      ['topic', 'T'],
      ['group', 'G'],
      ['timestamp', '1717000000123'],
      ['isForce', 'true'],
    ]);
    assert.deepEqual(ResetOffsetRequestHeader.decode(ext), {
      topic: 'T',
      group: 'G',
      timestamp: 1717000000123,
      isForce: true,
    });
    assert.throws(
      () => ResetOffsetRequestHeader.decode({ topic: 'T', group: 'G', timestamp: '1' }),
      (err: unknown) => err instanceof HeaderFieldError && /<isForce>/.test(err.message),
    );
    assert.throws(
      () => ResetOffsetRequestHeader.decode({ topic: 'T', group: 'G', timestamp: 'now', isForce: 'false' }),
      HeaderFieldError,
    );
  });

  it('ResetOffsetRequestHeader: the 5.x queueId and offset, written only when set', () => {
    // What a 5.x MQClientAPIImpl.invokeBrokerToResetOffset by timestamp sends: queueId -1, offset -1.
    const java5 = { topic: 'T', group: 'G', timestamp: '-1', isForce: 'true', queueId: '-1', offset: '-1' };
    assert.deepEqual(ResetOffsetRequestHeader.decode(java5), {
      topic: 'T',
      group: 'G',
      timestamp: -1,
      isForce: true,
      queueId: -1,
      offset: -1n,
    });
    const ext = ResetOffsetRequestHeader.encode({
      topic: 'T',
      group: 'G',
      timestamp: 0,
      isForce: false,
      queueId: 2,
      offset: 17n,
    });
    assert.equal(ext.queueId, '2');
    assert.equal(ext.offset, '17');
  });

  it('the 5.x inherited fields (bname, lo) are written last and only when set', () => {
    const ext = GetConsumerStatusRequestHeader.encode({ topic: 'T', group: 'G', lo: false, bname: 'b' });
    assert.deepEqual(Object.keys(ext), ['topic', 'group', 'lo', 'bname']);
    const running = GetConsumerRunningInfoRequestHeader.encode({
      consumerGroup: 'g',
      clientId: 'c',
      bname: 'b',
    });
    assert.deepEqual(Object.keys(running), ['consumerGroup', 'clientId', 'bname']);
  });
});

describe('the client request handlers read these headers leniently (as before the tables)', () => {
  const setup = (): {
    processor: RequestAnswerer;
    asked: string[];
    logged: unknown[];
    context: RequestContext;
  } => {
    const asked: string[] = [];
    const logged: unknown[] = [];
    const logger: Logger = {
      debug: () => undefined,
      info: (o) => logged.push(o),
      warn: (o) => logged.push(o),
      error: () => undefined,
    };
    const handlers = clientRequestHandlers({
      logger,
      findConsumer: (group) => {
        asked.push(group);
        return undefined;
      },
      nameServerAddressList: () => [],
      namespace: undefined,
      transactionTargets: new TransactionCheckTargets(),
      hasProducer: () => false,
    });
    const dispatcher = new RequestDispatcher([], SerializeType.JSON, silentLogger);
    registerHandlerTable({ registerProcessor: (code, p, o) => dispatcher.register(code, p, o) }, handlers);
    const context = { channel: { remoteAddress: '127.0.0.1:1' } } as unknown as RequestContext;
    const processor: RequestAnswerer = {
      processRequest(ctx, request) {
        const frames: Buffer[] = [];
        const target = {
          remoteAddress: '127.0.0.1:1',
          context: ctx,
          closed: false,
          writeFrame: (f: Buffer) => frames.push(f),
        };
        dispatcher.dispatch(target, request);
        const [frame] = frames;
        return frame === undefined ? undefined : decodeFrame(frame);
      },
    };
    return { processor, asked, logged, context };
  };

  it('GET_CONSUMER_RUNNING_INFO without clientId still looks the group up', () => {
    const { processor, asked, context } = setup();
    const r = processor.processRequest(
      context,
      createRequest(RequestCode.GET_CONSUMER_RUNNING_INFO, { extFields: { consumerGroup: 'CG' } }),
    );
    assert.deepEqual(asked, ['CG']);
    assert.equal(r?.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(r?.remark, 'The Consumer Group <CG> not exist in this consumer');
  });

  it('CONSUME_MESSAGE_DIRECTLY without any field answers with <null>', () => {
    const { processor, context } = setup();
    const r = processor.processRequest(context, createRequest(RequestCode.CONSUME_MESSAGE_DIRECTLY));
    assert.equal(r?.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(r?.remark, 'The Consumer Group <null> not exist in this consumer');
  });

  it('GET_CONSUMER_STATUS_FROM_CLIENT without topic: SUCCESS with an empty table', () => {
    const { processor, asked, context } = setup();
    const r = processor.processRequest(
      context,
      createRequest(RequestCode.GET_CONSUMER_STATUS_FROM_CLIENT, { extFields: { group: 'G' } }),
    );
    assert.deepEqual(asked, ['G']);
    assert.equal(r?.code, ResponseCode.SUCCESS);
    assert.equal(r?.body?.toString('utf8'), '{"consumerTable":{},"messageQueueTable":{}}');
  });

  it('RESET_CONSUMER_CLIENT_OFFSET with a bad timestamp is still logged with group and topic', () => {
    const { processor, logged, context } = setup();
    const r = processor.processRequest(
      context,
      createRequest(RequestCode.RESET_CONSUMER_CLIENT_OFFSET, {
        extFields: { topic: 'T', group: 'G', timestamp: 'soon' },
      }),
    );
    assert.equal(r, undefined);
    assert.deepEqual(logged, [{ from: '127.0.0.1:1', group: 'G', topic: 'T' }]);
  });
});
