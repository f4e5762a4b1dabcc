import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IllegalArgumentError } from '../../src/common/errors.js';
import { Message, toBuffer } from '../../src/protocol/message/message.js';
import {
  MessageConst,
  MessageMagic,
  MessageSysFlag,
  RESERVED_PROPERTY_NAMES,
  compressionTypeOf,
  getTransactionValue,
  resetTransactionValue,
} from '../../src/protocol/message/constants.js';
import * as api from '../../src/protocol/message/index.js';

test('Message constructor puts WAIT, TAGS and KEYS like Java', () => {
  const m = new Message('TopicTest', 'hello', { tags: 'TagA', keys: ['KEY1', 'KEY2'] });
  assert.deepEqual({ ...m.properties }, { TAGS: 'TagA', KEYS: 'KEY1 KEY2', WAIT: 'true' });
  assert.equal(m.tags, 'TagA');
  assert.equal(m.keys, 'KEY1 KEY2');
  assert.equal(m.waitStoreMsgOK, true);
  assert.equal(m.flag, 0);
  assert.deepEqual(m.bodyBytes(), Buffer.from('hello'));

  const n = new Message({
    topic: 'T',
    body: Buffer.from([1]),
    tags: '',
    keys: [],
    waitStoreMsgOK: false,
    flag: 7,
  });
  assert.deepEqual({ ...n.properties }, { WAIT: 'false' });
  assert.equal(n.waitStoreMsgOK, false);
  assert.equal(n.flag, 7);
  n.putProperty('WAIT', 'TRUE');
  assert.equal(n.waitStoreMsgOK, true);
  n.clearProperty('WAIT');
  assert.equal(n.waitStoreMsgOK, true); // absent means true
  n.putProperty('WAIT', 'yes');
  assert.equal(n.waitStoreMsgOK, false);
  for (const [text, wait] of [
    ['true', true],
    ['false', false],
    ['False', false],
    ['tRuE', true],
    ['', false],
  ] as const) {
    n.putProperty('WAIT', text);
    assert.equal(n.waitStoreMsgOK, wait, text); // Java Boolean.parseBoolean
  }
});

test('typed accessors', () => {
  const m = new Message('T', 'x', { delayTimeLevel: 3 });
  assert.equal(m.delayTimeLevel, 3);
  assert.equal(m.getProperty('DELAY'), '3');
  m.delayTimeSec = 10;
  m.delayTimeMs = 1500;
  m.deliverTimeMs = 1700000000000;
  assert.equal(m.getProperty('TIMER_DELAY_SEC'), '10');
  assert.equal(m.getProperty('TIMER_DELAY_MS'), '1500');
  assert.equal(m.getProperty('TIMER_DELIVER_MS'), '1700000000000');
  m.tags = undefined;
  m.keys = 'single';
  assert.equal(m.tags, undefined);
  assert.equal(m.keys, 'single');
  assert.equal(new Message('T', 'x').delayTimeLevel, 0);
});

test('putUserProperty enforces the reserved names and blank rules', () => {
  const m = new Message('T', 'x', { properties: { a: '1' } });
  m.putUserProperty('color', 'red');
  assert.equal(m.getUserProperty('color'), 'red');
  assert.deepEqual({ ...m.userProperties }, { a: '1', color: 'red' });
  assert.throws(
    () => m.putUserProperty('TAGS', 'x'),
    (e: unknown) => {
      assert.ok(e instanceof IllegalArgumentError);
      assert.ok(e.message.startsWith('The Property<TAGS> is used by system, input another please'));
      return true;
    },
  );
  assert.throws(() => m.putUserProperty('__CRC32#', 'x'), IllegalArgumentError); // 5.x-only reserved
  assert.throws(() => m.putUserProperty('UNIQ_KEY', 'x'), IllegalArgumentError);
  assert.throws(
    () => m.putUserProperty(' ', 'x'),
    /The name or value of property can not be null or blank string!/,
  );
  assert.throws(() => m.putUserProperty('k', '\t'), IllegalArgumentError);
  assert.throws(() => m.putUserProperty('k', 'a\u0002b'), IllegalArgumentError);
  assert.throws(() => new Message('T', 'x', { properties: { KEYS: 'k' } }), IllegalArgumentError);
  // Internal path bypasses the check.
  m.putProperty('UNIQ_KEY', 'ABC');
  assert.equal(m.getProperty('UNIQ_KEY'), 'ABC');
});

test('reserved set: 4.9 names, 5.x names, and non-reserved ones', () => {
  for (const n of [
    'KEYS',
    'TAGS',
    'WAIT',
    'DELAY',
    'UNIQ_KEY',
    'CLUSTER',
    'INNER_MULTI_QUEUE_OFFSET',
    'TIMER_DELAY_SEC',
    'POP_CK',
    'DUP_INFO',
    '__BORNHOST',
  ]) {
    assert.ok(RESERVED_PROPERTY_NAMES.has(n), n);
  }
  for (const n of [
    'INNER_NUM',
    '__transactionId__',
    'CHECK_IMMUNITY_TIME_IN_SECONDS',
    '__SHARDINGKEY',
    'INNER_MULTI_DISPATCH',
    'TRACE_CONTEXT',
  ]) {
    assert.ok(!RESERVED_PROPERTY_NAMES.has(n), n);
  }
  assert.equal(RESERVED_PROPERTY_NAMES.size, 51);
  assert.equal(MessageConst.PROPERTY_FIRST_POP_TIME, '1ST_POP_TIME');
  assert.equal(MessageConst.PROPERTY_CRC32, '__CRC32#');
});

test('sysFlag helpers and magic codes', () => {
  assert.equal(getTransactionValue(0x301 | MessageSysFlag.TRANSACTION_PREPARED_TYPE), 4);
  assert.equal(resetTransactionValue(0x30d, MessageSysFlag.TRANSACTION_COMMIT_TYPE), 0x309);
  assert.equal(resetTransactionValue(0x4, MessageSysFlag.TRANSACTION_NOT_TYPE), 0);
  assert.equal(compressionTypeOf(0x301), 'ZLIB');
  assert.equal(compressionTypeOf(0x1), 'ZLIB');
  assert.equal(compressionTypeOf(0x101), 'LZ4');
  assert.equal(compressionTypeOf(0x201), 'ZSTD');
  assert.equal(compressionTypeOf(0x401), undefined);
  assert.equal(MessageMagic.V1, -626843481);
  assert.equal(MessageMagic.V2, -626843477);
  assert.equal(MessageMagic.BLANK, -875286124);
});

test('toBuffer and the index re-exports', () => {
  const u = new Uint8Array([9, 8, 7, 6]).subarray(1, 3);
  assert.deepEqual(toBuffer(u), Buffer.from([8, 7]));
  for (const name of [
    'javaStringHash',
    'tagsCode',
    'MessageConst',
    'RESERVED_PROPERTY_NAMES',
    'KEY_SEPARATOR',
    'MessageSysFlag',
    'getTransactionValue',
    'resetTransactionValue',
    'MessageMagic',
    'encodeProperties',
    'decodeProperties',
    'javaHashMapOrder',
    'crc32',
    'storedBodyCrc',
    'UniqueIdGenerator',
    'decodeUniqueId',
    'encodeOffsetMessageId',
    'decodeOffsetMessageId',
    'compressBody',
    'decompressBody',
    'shouldCompress',
    'encodedRecordSize',
    'encodeMessageRecord',
    'decodeMessageRecord',
    'decodeMessageRecords',
    'RecordOffset',
    'Message',
    'messageExtFromRecord',
    'checkTopic',
    'checkGroup',
    'checkMessage',
    'wrapNamespace',
    'withoutNamespace',
    'encodeBatch',
    'decodeBatch',
  ]) {
    assert.ok(name in api, name);
  }
});

test('String(message) reads like Java Message.toString, with the body length instead of its bytes', () => {
  const m = new Message('T', 'héllo', { tags: 'a', transactionId: 'tx1' });
  assert.equal(
    String(m),
    "Message{topic='T', flag=0, properties={TAGS=a, WAIT=true}, body=[6 bytes], transactionId='tx1'}",
  );
  assert.match(String(new Message('T', Buffer.alloc(3))), /body=\[3 bytes\], transactionId='null'\}$/);
});
