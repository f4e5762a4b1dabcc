import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientErrorCode, MQClientError } from '../../src/common/errors.js';
import {
  checkGroup,
  checkMessage,
  checkNotSystemTopic,
  checkProducerGroup,
  checkTopic,
  isNotAllowedSendTopic,
  isSystemTopic,
  isTopicOrGroupIllegal,
} from '../../src/protocol/message/validators.js';
import {
  getNamespaceFromResource,
  namespaceFromNamesrvAddr,
  withoutNamespace,
  wrapNamespace,
  wrapNamespaceAndRetry,
} from '../../src/protocol/message/namespace.js';
import { Message } from '../../src/protocol/message/message.js';

function throwsClient(fn: () => void, code: number, startsWith: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof MQClientError, String(err));
    assert.equal(err.code, code);
    assert.ok(err.message.startsWith(startsWith), err.message);
    assert.match(err.message, /\(.+\)$/); // a hint is appended
    return true;
  });
}

test('checkTopic', () => {
  checkTopic('TopicTest');
  checkTopic('%RETRY%group|a-b_c');
  checkTopic('T'.repeat(127));
  throwsClient(() => checkTopic(''), ClientErrorCode.INVALID_TOPIC, 'The specified topic is blank');
  throwsClient(() => checkTopic('   '), ClientErrorCode.INVALID_TOPIC, 'The specified topic is blank');
  throwsClient(
    () => checkTopic('T'.repeat(128)),
    ClientErrorCode.INVALID_TOPIC,
    'The specified topic is longer than topic max length 127.',
  );
  throwsClient(
    () => checkTopic('a b'),
    ClientErrorCode.INVALID_TOPIC,
    'The specified topic[a b] contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$',
  );
  throwsClient(() => checkTopic('topic中'), ClientErrorCode.INVALID_TOPIC, 'The specified topic[topic中]');
  assert.equal(isTopicOrGroupIllegal('a.b'), true);
  assert.equal(isTopicOrGroupIllegal('aZ09%|_-'), false);
});

test('checkGroup and checkProducerGroup', () => {
  checkGroup('G'.repeat(255));
  throwsClient(() => checkGroup(''), ClientErrorCode.INVALID_GROUP, 'the specified group is blank');
  throwsClient(
    () => checkGroup('G'.repeat(256)),
    ClientErrorCode.INVALID_GROUP,
    'the specified group is longer than group max length 255.',
  );
  throwsClient(
    () => checkGroup('g/1'),
    ClientErrorCode.INVALID_GROUP,
    'the specified group[g/1] contains illegal characters',
  );
  checkGroup('DEFAULT_PRODUCER');
  throwsClient(
    () => checkProducerGroup('DEFAULT_PRODUCER'),
    ClientErrorCode.INVALID_GROUP,
    'producerGroup can not equal DEFAULT_PRODUCER, please specify another one.',
  );
});

test('checkMessage: order and codes of the Java checks', () => {
  throwsClient(() => checkMessage(null), 13, 'the message is null');
  throwsClient(
    () => checkMessage({ topic: '', body: 'x' }),
    ClientErrorCode.INVALID_TOPIC,
    'The specified topic is blank',
  );
  throwsClient(
    () => checkMessage({ topic: 'SCHEDULE_TOPIC_XXXX', body: 'x' }),
    ClientErrorCode.INVALID_TOPIC,
    'Sending message to topic[SCHEDULE_TOPIC_XXXX] is forbidden.',
  );
  throwsClient(() => checkMessage({ topic: 'T', body: null }), 13, 'the message body is null');
  throwsClient(
    () => checkMessage({ topic: 'T', body: Buffer.alloc(0) }),
    13,
    'the message body length is zero',
  );
  throwsClient(() => checkMessage({ topic: 'T', body: '' }), 13, 'the message body length is zero');
  checkMessage({ topic: 'T', body: Buffer.alloc(4194304) });
  throwsClient(
    () => checkMessage({ topic: 'T', body: Buffer.alloc(4194305) }),
    13,
    'the message body size over max value, MAX: 4194304',
  );
  throwsClient(
    () => checkMessage({ topic: 'T', body: 'é' }, 1),
    13,
    'the message body size over max value, MAX: 1',
  );
  throwsClient(
    () => checkMessage({ topic: 'T', body: 'x', properties: { INNER_MULTI_DISPATCH: 'a/b' } }),
    13,
    'INNER_MULTI_DISPATCH a/b can not contains / character',
  );
  checkMessage(new Message('TopicTest', 'hello'));
  checkMessage({ topic: 'TBW102', body: 'x' }); // system but sendable
});

test('system and forbidden topics', () => {
  for (const t of [
    'TBW102',
    'SCHEDULE_TOPIC_XXXX',
    'BenchmarkTest',
    'RMQ_SYS_TRACE_TOPIC',
    'CHECKPOINT_TOPIC',
    'rmq_sys_wheel_timer',
  ]) {
    assert.equal(isSystemTopic(t), true, t);
  }
  assert.equal(isSystemTopic('TopicTest'), false);
  for (const t of [
    'SCHEDULE_TOPIC_XXXX',
    'RMQ_SYS_TRANS_HALF_TOPIC',
    'RMQ_SYS_TRANS_OP_HALF_TOPIC',
    'TRANS_CHECK_MAX_TIME_TOPIC',
    'SELF_TEST_TOPIC',
    'OFFSET_MOVED_EVENT',
  ]) {
    assert.equal(isNotAllowedSendTopic(t), true, t);
  }
  assert.equal(isNotAllowedSendTopic('TBW102'), false);
  assert.equal(isNotAllowedSendTopic('RMQ_SYS_TRACE_TOPIC'), false);
  throwsClient(
    () => checkNotSystemTopic('TBW102'),
    ClientErrorCode.INVALID_TOPIC,
    'The topic[TBW102] is conflict with system topic.',
  );
});

test('namespace wrap / unwrap table from the reference', () => {
  assert.equal(wrapNamespace('ns1', 'TopicA'), 'ns1%TopicA');
  assert.equal(wrapNamespace('ns1', '%RETRY%G1'), '%RETRY%ns1%G1');
  assert.equal(wrapNamespace('ns1', '%DLQ%G1'), '%DLQ%ns1%G1');
  assert.equal(wrapNamespace('ns1', 'ns1%TopicA'), 'ns1%TopicA');
  assert.equal(wrapNamespace('ns1', '%RETRY%ns1%G1'), '%RETRY%ns1%G1');
  assert.equal(wrapNamespace('ns1', 'TBW102'), 'TBW102');
  assert.equal(wrapNamespace('ns1', 'rmq_sys_x'), 'rmq_sys_x');
  assert.equal(wrapNamespace('ns1', 'CID_RMQ_SYS_x'), 'CID_RMQ_SYS_x');
  assert.equal(wrapNamespace('', 'TopicA'), 'TopicA');
  assert.equal(wrapNamespace(undefined, 'TopicA'), 'TopicA');
  assert.equal(wrapNamespace('ns1', ''), '');
  assert.equal(withoutNamespace('%RETRY%ns1%G1', 'ns1'), '%RETRY%G1');
  assert.equal(withoutNamespace('ns2%T', 'ns1'), 'ns2%T');
  assert.equal(withoutNamespace('ns2%T'), 'T');
  assert.equal(withoutNamespace('%DLQ%ns2%G'), '%DLQ%G');
  assert.equal(withoutNamespace('%T'), '%T');
  assert.equal(withoutNamespace('T'), 'T');
  assert.equal(withoutNamespace('ns1%T', ''), 'ns1%T');
  assert.equal(getNamespaceFromResource('%RETRY%ns1%G1'), 'ns1');
  assert.equal(getNamespaceFromResource('TopicA'), '');
  assert.equal(getNamespaceFromResource('TBW102'), '');
  assert.equal(wrapNamespaceAndRetry('ns1', 'G1'), '%RETRY%ns1%G1');
});

test('namespace from an instance endpoint', () => {
  assert.equal(namespaceFromNamesrvAddr('http://MQ_INST_1_abc.host:80'), 'MQ_INST_1_abc');
  assert.equal(namespaceFromNamesrvAddr('MQ_INST_1_abc.host:9876'), 'MQ_INST_1_abc');
  assert.equal(namespaceFromNamesrvAddr('127.0.0.1:9876'), undefined);
  assert.equal(namespaceFromNamesrvAddr(undefined), undefined);
});
