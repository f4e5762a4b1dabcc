/**
 * What makes the package pleasant to adopt, checked without a server: unknown option keys refused with
 * the nearest valid name, every result and error serialisable with JSON.stringify (bigints as strings,
 * bodies as text or base64), and the README's table of client error codes in step with the code.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  ClientErrorCode,
  IllegalArgumentError,
  IllegalStateError,
  MQBrokerError,
  ProtocolError,
  RemotingSendRequestError,
  RemotingTooMuchRequestError,
  RocketMQError,
} from '../../src/common/errors.js';
import { CodecErrorCode } from '../../src/common/codec-errors.js';
import { editDistance, nearestKey, rejectUnknownOptions } from '../../src/common/option-keys.js';
import { jsonBody } from '../../src/common/json-form.js';
import { Producer } from '../../src/client/producer/producer.js';
import { TransactionProducer } from '../../src/client/producer/transaction/transaction-producer.js';
import { PullConsumer } from '../../src/client/consumer/pull/pull-consumer.js';
import { PullResult } from '../../src/client/consumer/shared/pull-result.js';
import { SendResult, SendStatus } from '../../src/client/producer/send-result.js';
import { MessageQueue } from '../../src/client/message-queue.js';
import { AclClientRPCHook } from '../../src/client/acl-rpc-hook.js';
import { resolveBrokerOptions } from '../../src/server/broker/core/broker-config.js';
import { NameServer } from '../../src/server/namesrv/name-server.js';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import { resolveServerTls } from '../../src/transport/tls/server-tls.js';
import { resolveClientTls } from '../../src/transport/tls/client-tls.js';
import { Message, messageExtFromRecord } from '../../src/protocol/message/message.js';
import { encodeMessageRecord, decodeMessageRecord } from '../../src/protocol/message/record.js';

function unknownOption(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof IllegalArgumentError, String(err));
    assert.equal(err.code, ClientErrorCode.UNKNOWN_OPTION);
    assert.match(err.message, pattern);
    return true;
  });
}

describe('unknown options', () => {
  it('edit distance and the nearest key', () => {
    assert.equal(editDistance('sendTimeout', 'sendMsgTimeout'), 3);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(nearestKey('sendTimeout', ['sendMsgTimeout', 'maxMessageSize']), 'sendMsgTimeout');
    assert.equal(nearestKey('NAMESERVER', ['nameServer', 'namespace']), 'nameServer');
    assert.equal(nearestKey('zzzzzzzz', ['nameServer', 'namespace']), undefined);
  });

  it('every options resolver refuses a typo, naming the nearest option', () => {
    const producerGroup = 'g';
    unknownOption(
      () => new Producer({ producerGroup, sendTimeout: 5 } as never),
      /^unknown option sendTimeout; did you mean sendMsgTimeout\? \(producer options\)$/,
    );
    unknownOption(
      () => new Producer({ producerGroup, nameserver: 'x:1' } as never),
      /did you mean nameServer\?/,
    );
    const transactionListener = {
      executeLocalTransaction: () => 'COMMIT_MESSAGE',
      checkLocalTransaction: () => 'COMMIT_MESSAGE',
    };
    unknownOption(
      () => new TransactionProducer({ producerGroup, transactionListener, checkTimeoutMilis: 5 } as never),
      /unknown option checkTimeoutMilis; did you mean checkTimeoutMillis\?/,
    );
    // A plain producer does not take the transaction options.
    unknownOption(
      () => new Producer({ producerGroup, transactionListener } as never),
      /unknown option transactionListener/,
    );
    unknownOption(
      () => new PullConsumer({ consumerGroup: 'c', consumeFromWhere2: 'x' } as never),
      /did you mean consumeFromWhere\? \(pull consumer options\)/,
    );
    unknownOption(
      () => new Producer({ producerGroup, tls: { servrname: 'x' } } as never),
      /unknown setting "servrname"; did you mean servername\?/,
    );
    unknownOption(
      () => new AclClientRPCHook({ accessKey: 'a', secretKey: 'b', secretkey: 'c' } as never),
      /unknown option secretkey; did you mean secretKey\?/,
    );
    unknownOption(
      () => resolveBrokerOptions({ brokerNmae: 'b' } as never),
      /did you mean brokerName\? \(broker options\)/,
    );
    unknownOption(() => new NameServer({ prot: 0 } as never), /did you mean port\? \(name server options\)/);
    unknownOption(
      () => resolveServerTls({ mdoe: 'permissive' } as never),
      /unknown setting "mdoe"; did you mean mode\?/,
    );
    unknownOption(
      () => resolveClientTls({ bogus: 1 } as never),
      /unknown setting "bogus" \(valid option tls: ca, caPath/,
    );
    unknownOption(
      () => new Producer({ producerGroup, nameServerDiscovery: { urll: 'http://x' } } as never),
      /did you mean url\? \(option nameServerDiscovery\)/,
    );
  });

  it('the embedded cluster refuses a typo before starting anything', async () => {
    await assert.rejects(
      startEmbeddedCluster({ broker: 2 } as never),
      /unknown option broker; did you mean brokers\?/,
    );
  });

  it('valid options and subclasses pass; a non-object is left to the resolver', () => {
    assert.doesNotThrow(
      () => new Producer({ producerGroup: 'g', sendMsgTimeout: 100, nameServer: '127.0.0.1:1' }),
    );
    assert.doesNotThrow(() => rejectUnknownOptions(undefined, {}, 'x'));
  });
});

describe('JSON form', () => {
  const mq = new MessageQueue('T', 'broker-a', 1);

  it('send results: bigints as decimal strings, queues as fields', () => {
    const result = new SendResult({
      sendStatus: SendStatus.SEND_OK,
      msgId: 'M',
      offsetMsgId: 'O',
      messageQueue: mq,
      queueOffset: 2n ** 63n - 1n,
    });
    const json = JSON.parse(JSON.stringify(result)) as Record<string, unknown>;
    assert.equal(json.queueOffset, '9223372036854775807');
    assert.deepEqual(json.messageQueue, { topic: 'T', brokerName: 'broker-a', queueId: 1 });
    assert.equal(json.sendStatus, 'SEND_OK');
  });

  it('bodies: text when valid UTF-8, else base64, with the encoding named', () => {
    assert.deepEqual(jsonBody(Buffer.from('héllo')), { body: 'héllo', bodyEncoding: 'utf8' });
    assert.deepEqual(jsonBody(Buffer.from([0xff, 0x00, 0x80])), { body: '/wCA', bodyEncoding: 'base64' });
    const json = JSON.parse(JSON.stringify(new Message('T', Buffer.from([0xc3]), { tags: 'a' }))) as Record<
      string,
      unknown
    >;
    assert.deepEqual(json, {
      topic: 'T',
      flag: 0,
      body: 'ww==',
      bodyEncoding: 'base64',
      properties: { TAGS: 'a', WAIT: 'true' },
    });
  });

  it('pulled messages and pull results', () => {
    const record = decodeMessageRecord(
      encodeMessageRecord({
        topic: 'T',
        queueId: 1,
        flag: 0,
        queueOffset: 5n,
        physicalOffset: 2n ** 40n,
        sysFlag: 0,
        bornTimestamp: 1,
        bornHost: { ip: '127.0.0.1', port: 1 },
        storeTimestamp: 2,
        storeHost: { ip: '127.0.0.1', port: 2 },
        reconsumeTimes: 0,
        preparedTransactionOffset: 0n,
        body: Buffer.from('{"id":1}'),
        properties: '',
      } as never),
    );
    const message = messageExtFromRecord(record);
    const pulled = new PullResult('FOUND', 6n, 0n, 6n, [message]);
    const json = JSON.parse(JSON.stringify(pulled)) as {
      nextBeginOffset: string;
      msgFoundList: Record<string, unknown>[];
    };
    assert.equal(json.nextBeginOffset, '6');
    const m = json.msgFoundList[0]!;
    assert.equal(m.body, '{"id":1}');
    assert.equal(m.bodyEncoding, 'utf8');
    assert.equal(m.queueOffset, '5');
    assert.equal(m.commitLogOffset, String(2n ** 40n));
    assert.equal(Buffer.from(m.body as string, m.bodyEncoding as BufferEncoding).toString(), '{"id":1}');
    assert.ok(!Object.keys(message).includes('toJSON'), 'toJSON is not an enumerable field');
  });

  it('errors: name, code, message, own fields, cause; never throws', () => {
    const cause = new RemotingSendRequestError('127.0.0.1:1', { reason: 'closed' });
    const error = new MQBrokerError(17, 'no topic', '127.0.0.1:2', { cause });
    const json = JSON.parse(JSON.stringify(error)) as Record<string, unknown>;
    assert.equal(json.name, 'MQBrokerError');
    assert.equal(json.code, 17);
    assert.equal(json.remark, 'no topic');
    assert.equal((json.cause as Record<string, unknown>).code, ClientErrorCode.SEND_REQUEST_FAILED);
    const odd = new IllegalStateError('x', { cause: { offset: 1n, self: undefined as unknown } });
    (odd.cause as { self: unknown }).self = odd.cause;
    assert.deepEqual(JSON.parse(JSON.stringify(odd)).cause, { offset: '1', self: '[Circular]' });
  });
});

describe('error codes', () => {
  it('each error class without a given code has its own', () => {
    assert.equal(new IllegalArgumentError('x').code, ClientErrorCode.ILLEGAL_ARGUMENT);
    assert.equal(new IllegalStateError('x').code, ClientErrorCode.ILLEGAL_STATE);
    assert.equal(new ProtocolError('x').code, ClientErrorCode.PROTOCOL_ERROR);
    assert.equal(new RemotingTooMuchRequestError('x').code, ClientErrorCode.CALL_TIMEOUT);
    assert.ok(new RocketMQError('x', { code: 1 }) instanceof Error);
  });

  it('codes are unique, and the README table lists exactly them', () => {
    const codes = { ...ClientErrorCode, ...CodecErrorCode } as Record<string, number>;
    assert.equal(new Set(Object.values(codes)).size, Object.keys(codes).length, 'no code used twice');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.split('### Client error codes')[1]?.split('\n#')[0] ?? '';
    const rows = [...section.matchAll(/^\| (\d+) +\| `(\w+)` +\|/gm)].map((m) => [m[2]!, Number(m[1])]);
    assert.deepEqual(Object.fromEntries(rows), codes);
  });
});
