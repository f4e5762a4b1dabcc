import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError, IllegalArgumentError } from '../../src/common/errors.js';
import {
  RecordOffset,
  decodeMessageRecord,
  decodeMessageRecords,
  encodeMessageRecord,
  encodedRecordSize,
  recordFieldOffsets,
  storeTimestampOffset,
  type MessageRecord,
} from '../../src/protocol/message/record.js';
import { MessageMagic, MessageSysFlag } from '../../src/protocol/message/constants.js';
import { encodeOffsetMessageId } from '../../src/protocol/message/message-id.js';
import { messageExtFromRecord } from '../../src/protocol/message/message.js';
import { compressBody } from '../../src/protocol/message/compression.js';

const PROPS =
  'KEYS\u0001KEY1 KEY2\u0002UNIQ_KEY\u00017F00000100002A9F0000000000000001\u0002' +
  'CLUSTER\u0001DefaultCluster\u0002TAGS\u0001TagA';

// [J] 203-byte record from the reference, field by field.
const GOLDEN_HEX = [
  '000000CB',
  'DAA320A7',
  '69C865ED',
  '00000003',
  '00000000',
  '0000000000000007',
  '0000000000000400',
  '00000000',
  '0000018BCFE56800',
  'C0A8000A0000D431',
  '0000018BCFE5687B',
  '0A00000100002A9F',
  '00000000',
  '0000000000000000',
  '0000000E',
  '48656C6C6F20526F636B65744D51',
  '09',
  '546F70696354657374',
  '0059',
  Buffer.from(PROPS).toString('hex').toUpperCase(),
].join('');

const golden: Omit<MessageRecord, 'storeSize' | 'bodyCrc'> = {
  topic: 'TopicTest',
  queueId: 3,
  flag: 0,
  queueOffset: 7n,
  physicalOffset: 1024n,
  sysFlag: 0,
  bornTimestamp: 1700000000000,
  bornHost: { ip: '192.168.0.10', port: 54321 },
  storeTimestamp: 1700000000123,
  storeHost: { ip: '10.0.0.1', port: 10911 },
  reconsumeTimes: 0,
  preparedTransactionOffset: 0n,
  body: Buffer.from('Hello RocketMQ'),
  properties: PROPS,
};

test('encodeMessageRecord produces the [J] 203-byte record', () => {
  const buf = encodeMessageRecord(golden);
  assert.equal(buf.length, 203);
  assert.equal(buf.toString('hex').toUpperCase(), GOLDEN_HEX);
  assert.equal(encodedRecordSize(9, 14, 89, 0), 203);
  assert.equal(91 + 14 + 9 + 89, 203);
});

test('decodeMessageRecord reads the [J] record', () => {
  const r = decodeMessageRecord(Buffer.from(GOLDEN_HEX, 'hex'), 0, { verifyCrc: true });
  assert.deepEqual(r, { ...golden, bodyCrc: 0x69c865ed, storeSize: 203 });
  assert.equal(encodeOffsetMessageId(r.storeHost, r.physicalOffset), '0A00000100002A9F0000000000000400');
  const ext = messageExtFromRecord(r);
  assert.equal(ext.offsetMsgId, '0A00000100002A9F0000000000000400');
  assert.equal(ext.msgId, '7F00000100002A9F0000000000000001');
  assert.equal(ext.commitLogOffset, 1024n);
  assert.equal(ext.tags, 'TagA');
  assert.equal(ext.keys, 'KEY1 KEY2');
  assert.deepEqual(ext.keyList, ['KEY1', 'KEY2']);
  assert.equal(ext.properties.CLUSTER, 'DefaultCluster');
  // Every field of the record, with its value (properties parsed), then what MessageExt adds; toJSON
  // is there but not enumerable.
  const { properties: _raw, ...fields } = r;
  assert.deepEqual(Object.keys(ext), [
    ...Object.keys(r),
    'tags',
    'keys',
    'keyList',
    'msgId',
    'offsetMsgId',
    'commitLogOffset',
  ]);
  for (const [name, value] of Object.entries(fields))
    assert.deepEqual(ext[name as keyof typeof ext], value, name);
  assert.equal(typeof (ext as { toJSON?: unknown }).toJSON, 'function');
  assert.equal(Object.getOwnPropertyDescriptor(ext, 'toJSON')?.enumerable, false);
  assert.equal(messageExtFromRecord(r, { brokerName: 'b' }).brokerName, 'b');
});

test('fixed field offsets', () => {
  assert.deepEqual(
    [RecordOffset.QUEUEOFFSET, RecordOffset.PHYSICALOFFSET, RecordOffset.SYSFLAG, RecordOffset.BORNTIMESTAMP],
    [20, 28, 36, 40],
  );
  assert.equal(RecordOffset.BORNHOST, 48);
  assert.equal(storeTimestampOffset(0), 56);
  assert.equal(storeTimestampOffset(MessageSysFlag.BORNHOST_V6), 68);
  assert.deepEqual(recordFieldOffsets(0), {
    storeTimestamp: 56,
    storeHost: 64,
    reconsumeTimes: 72,
    preparedTransactionOffset: 76,
    bodyLength: 84,
  });
  assert.equal(
    recordFieldOffsets(MessageSysFlag.BORNHOST_V6 | MessageSysFlag.STOREHOSTADDRESS_V6).bodyLength,
    108,
  );
  // The golden record's STORETIMESTAMP lives at 56.
  const buf = Buffer.from(GOLDEN_HEX, 'hex');
  assert.equal(buf.readBigInt64BE(storeTimestampOffset(0)), 1700000000123n);
});

test('IPv6 hosts set the sysFlag bits; IPv4-mapped addresses stay IPv4', () => {
  const v6 = encodeMessageRecord({
    ...golden,
    bornHost: { ip: 'fd00::2', port: 1 },
    storeHost: { ip: '::ffff:10.0.0.1', port: 10911 },
  });
  const r = decodeMessageRecord(v6);
  assert.equal(r.sysFlag, MessageSysFlag.BORNHOST_V6);
  assert.deepEqual(r.bornHost, { ip: 'fd00::2', port: 1 });
  assert.deepEqual(r.storeHost, { ip: '10.0.0.1', port: 10911 });
  assert.equal(r.storeSize, 203 + 12);
  assert.equal(v6.subarray(48, 64).toString('hex'), 'fd000000000000000000000000000002');

  const both = encodeMessageRecord({
    ...golden,
    sysFlag: MessageSysFlag.BORNHOST_V6, // wrong bit is corrected from the addresses
    bornHost: { ip: '192.168.0.10', port: 54321 },
    storeHost: { ip: 'FE80:0:0:0:0:0:0:1', port: 10911 },
  });
  const r2 = decodeMessageRecord(both);
  assert.equal(r2.sysFlag, MessageSysFlag.STOREHOSTADDRESS_V6);
  assert.deepEqual(r2.storeHost, { ip: 'fe80::1', port: 10911 });
  assert.equal(
    encodeOffsetMessageId(r2.storeHost, 1n << 40n),
    'FE80000000000000000000000000000100002A9F0000010000000000',
  );
});

test('long topics use the V2 magic with a 2-byte topic length', () => {
  const topic = 'T'.repeat(200);
  const buf = encodeMessageRecord({ ...golden, topic });
  assert.equal(buf.readInt32BE(4), MessageMagic.V2);
  assert.equal(buf.readInt32BE(4) >>> 0, 0xdaa320ab);
  assert.equal(buf.length, encodedRecordSize(200, 14, 89, 0));
  assert.equal(buf.length, 203 - 9 + 200 + 1);
  const r = decodeMessageRecord(buf);
  assert.equal(r.topic, topic);
  assert.equal(r.properties, PROPS);
  // 127 bytes still fits V1.
  assert.equal(encodeMessageRecord({ ...golden, topic: 'T'.repeat(127) }).readInt32BE(4), MessageMagic.V1);
});

test('random round trips, concatenated like a pull body', () => {
  let seed = 99;
  const rnd = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    return seed % n;
  };
  const records: Omit<MessageRecord, 'storeSize' | 'bodyCrc'>[] = [];
  for (let i = 0; i < 60; i++) {
    const body = Buffer.alloc(rnd(300));
    for (let j = 0; j < body.length; j++) body[j] = rnd(256);
    records.push({
      topic: 'topic-' + 'x'.repeat(rnd(140)),
      queueId: rnd(16),
      flag: rnd(1 << 30) - (1 << 29),
      queueOffset: BigInt(rnd(1 << 30)) * 1000n,
      physicalOffset: BigInt(rnd(1 << 30)) << 10n,
      sysFlag: rnd(2) * MessageSysFlag.TRANSACTION_PREPARED_TYPE,
      bornTimestamp: 1700000000000 + rnd(1 << 30),
      bornHost: rnd(2)
        ? { ip: `10.1.${rnd(256)}.${rnd(256)}`, port: rnd(65536) }
        : { ip: '2001:db8::' + (rnd(999) + 1), port: 7 },
      storeTimestamp: 1700000000000 + rnd(1 << 30),
      storeHost: rnd(2) ? { ip: '127.0.0.1', port: 10911 } : { ip: '::1', port: 10911 },
      reconsumeTimes: rnd(17),
      preparedTransactionOffset: BigInt(rnd(1000)),
      body,
      properties: rnd(2) ? '' : `UNIQ_KEY\u0001${rnd(1e9)}\u0002中文\u0001é\u0002`,
    });
  }
  const encoded = records.map((r) => encodeMessageRecord(r));
  const all = Buffer.concat(encoded);
  const decoded = decodeMessageRecords(all, { verifyCrc: true });
  assert.equal(decoded.length, records.length);
  decoded.forEach((d, i) => {
    const { storeSize, bodyCrc, ...rest } = d;
    assert.equal(storeSize, encoded[i]!.length);
    assert.equal(bodyCrc, encoded[i]!.readInt32BE(8));
    assert.deepEqual(rest, { ...records[i], sysFlag: d.sysFlag });
    assert.equal(encodeMessageRecord(d).equals(encoded[i]!), true);
  });
});

test('malformed records throw ProtocolError; the records loop stops there', () => {
  const good = Buffer.from(GOLDEN_HEX, 'hex');
  const bad = (b: Buffer): void => assert.throws(() => decodeMessageRecord(b), ProtocolError);
  bad(good.subarray(0, 7));
  bad(good.subarray(0, 202)); // TOTALSIZE larger than the buffer
  const magic = Buffer.from(good);
  magic.writeInt32BE(0x12345678, 4);
  bad(magic);
  const blank = Buffer.alloc(16);
  blank.writeInt32BE(16, 0);
  blank.writeInt32BE(MessageMagic.BLANK, 4);
  bad(blank);
  const bodyLen = Buffer.from(good);
  bodyLen.writeInt32BE(1000, 84);
  bad(bodyLen);
  const negBody = Buffer.from(good);
  negBody.writeInt32BE(-5, 84);
  bad(negBody);
  const propsLen = Buffer.from(good);
  propsLen.writeUInt16BE(88, 112); // one short of TOTALSIZE
  bad(propsLen);
  const tiny = Buffer.from(good);
  tiny.writeInt32BE(20, 0);
  bad(tiny);
  const crc = Buffer.from(good);
  crc.writeInt32BE(1, 8);
  assert.doesNotThrow(() => decodeMessageRecord(crc));
  assert.throws(() => decodeMessageRecord(crc, 0, { verifyCrc: true }), ProtocolError);

  const stream = Buffer.concat([good, good, magic, good]);
  assert.equal(decodeMessageRecords(stream).length, 2);
  assert.equal(decodeMessageRecords(Buffer.concat([good, good.subarray(0, 100)])).length, 1);
  assert.equal(decodeMessageRecords(Buffer.alloc(0)).length, 0);
  // Decoding at an offset.
  assert.equal(decodeMessageRecord(Buffer.concat([Buffer.alloc(5), good]), 5).topic, 'TopicTest');
  // Every truncation fails cleanly.
  for (let n = 0; n < good.length; n++) bad(good.subarray(0, n));
});

test('encode refuses properties over 32767 bytes', () => {
  assert.throws(
    () => encodeMessageRecord({ ...golden, properties: 'A\u0001' + 'x'.repeat(32766) }),
    IllegalArgumentError,
  );
});

test('messageExtFromRecord inflates zlib bodies and clears COMPRESSED', () => {
  const raw = Buffer.from('x'.repeat(5000));
  const rec = decodeMessageRecord(
    encodeMessageRecord({
      ...golden,
      sysFlag: MessageSysFlag.COMPRESSED | MessageSysFlag.COMPRESSION_ZLIB_TYPE,
      body: compressBody(raw),
    }),
  );
  const ext = messageExtFromRecord(rec);
  assert.deepEqual(ext.body, raw);
  assert.equal(ext.sysFlag, MessageSysFlag.COMPRESSION_ZLIB_TYPE);
  assert.equal(ext.bodyCrc, rec.bodyCrc); // CRC of the stored (compressed) bytes, as in Java
  // Legacy producers set only bit 0.
  const legacy = messageExtFromRecord({ ...rec, sysFlag: MessageSysFlag.COMPRESSED });
  assert.deepEqual(legacy.body, raw);
  assert.equal(legacy.sysFlag, 0);
  // Without decompression the body stays as stored.
  assert.deepEqual(messageExtFromRecord(rec, { decompress: false }).body, rec.body);
  // LZ4 is not supported; garbage zlib is a ProtocolError; the size cap applies.
  assert.throws(
    () =>
      messageExtFromRecord({
        ...rec,
        sysFlag: MessageSysFlag.COMPRESSED | MessageSysFlag.COMPRESSION_LZ4_TYPE,
      }),
    ProtocolError,
  );
  assert.throws(() => messageExtFromRecord({ ...rec, body: Buffer.from('garbage!') }), ProtocolError);
  assert.throws(() => messageExtFromRecord(rec, { maxDecompressedSize: 100 }), ProtocolError);
  // No UNIQ_KEY: msgId falls back to the offset id.
  const noUniq = messageExtFromRecord({ ...rec, properties: 'TAGS\u0001a' });
  assert.equal(noUniq.msgId, noUniq.offsetMsgId);
  assert.deepEqual(noUniq.keyList, []);
});

test('fuzz: random mutations only ever give a record or a ProtocolError', () => {
  const good = Buffer.from(GOLDEN_HEX, 'hex');
  let seed = 4242;
  const rnd = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let i = 0; i < 3000; i++) {
    const b = Buffer.from(good);
    const flips = 1 + rnd(4);
    for (let j = 0; j < flips; j++) b[rnd(b.length)] = rnd(256);
    if (rnd(4) === 0)
      b.writeInt32BE(rnd(2) ? MessageSysFlag.BORNHOST_V6 : MessageSysFlag.STOREHOSTADDRESS_V6, 36);
    try {
      decodeMessageRecord(b, 0, { verifyCrc: rnd(2) === 0 });
    } catch (err) {
      assert.ok(err instanceof ProtocolError, String(err));
    }
    assert.ok(decodeMessageRecords(Buffer.concat([good, b])).length >= 1);
  }
});

test('int64 fields: negative, large and unsafe timestamps and offsets give the BigInt encoding', () => {
  const base = decodeMessageRecord(Buffer.from(GOLDEN_HEX, 'hex'));
  for (const [born, store, queueOffset, prepared] of [
    [-1, 0, -1n, 0n],
    [-0x1_0000_0001, 2 ** 53 - 1, 2n ** 63n - 1n, -(2n ** 63n)],
    [2 ** 60, -(2 ** 62), 0x1_0000_0000n, 1n],
    [1_700_000_000_123.9, -0.5, 7n, 0n],
  ] as const) {
    const buf = encodeMessageRecord({
      ...base,
      bornTimestamp: born,
      storeTimestamp: store,
      queueOffset,
      preparedTransactionOffset: prepared,
    });
    const rel = recordFieldOffsets(base.sysFlag);
    const asBig = (n: number): bigint => BigInt.asIntN(64, BigInt(Math.trunc(n)));
    assert.equal(buf.readBigInt64BE(RecordOffset.BORNTIMESTAMP), asBig(born));
    assert.equal(buf.readBigInt64BE(rel.storeTimestamp), asBig(store));
    assert.equal(buf.readBigInt64BE(RecordOffset.QUEUEOFFSET), BigInt.asIntN(64, queueOffset));
    assert.equal(buf.readBigInt64BE(rel.preparedTransactionOffset), prepared);
  }
  // Beyond int64: refused as before (RangeError), nothing written silently wrapped.
  assert.throws(() => encodeMessageRecord({ ...base, bornTimestamp: 1e20 }), RangeError);
});

test('encode options: a given buffer and measured lengths give the same bytes; latin1-range text stays UTF-8', () => {
  const records = [
    golden,
    { ...golden, properties: `${PROPS}\u0002NAME\u0001é ÿ ü` },
    { ...golden, topic: 'Tópico', properties: 'K\u0001中文 and \u{1F600}' },
    { ...golden, properties: 'K\u0001\ud800 lone surrogate' },
  ];
  for (const r of records) {
    const plain = encodeMessageRecord(r);
    const slab = Buffer.alloc(plain.length + 64, 0xee);
    const hinted = encodeMessageRecord(r, {
      allocate: (size) => slab.subarray(32, 32 + size),
      topicBytes: Buffer.byteLength(r.topic),
      propertiesBytes: Buffer.byteLength(r.properties),
    });
    assert.deepEqual(hinted, plain);
    assert.equal(hinted.buffer, slab.buffer, 'written into the given buffer');
    assert.ok(
      slab.subarray(0, 32).every((b) => b === 0xee),
      'nothing written before the slice',
    );
    assert.ok(
      slab.subarray(32 + plain.length).every((b) => b === 0xee),
      'nothing written after it',
    );
    const back = decodeMessageRecord(hinted);
    assert.equal(back.topic, r.topic);
    assert.equal(back.properties, Buffer.from(r.properties, 'utf8').toString('utf8'));
  }
  assert.throws(
    () => encodeMessageRecord(golden, { allocate: (size) => Buffer.alloc(size + 1) }),
    IllegalArgumentError,
  );
});

test('a properties tail is stored as part of the properties (ASCII and UTF-8 properties, every topic form)', () => {
  const tail = '__CRC32#\u00010000000000\u0002';
  for (const properties of [PROPS, '', 'K\u0001caf\u00e9 \u4e2d\u6587\u0002', PROPS + '\u0002']) {
    for (const topic of ['TopicTest', 'T'.repeat(200)]) {
      const record = { ...golden, topic, properties };
      const whole = encodeMessageRecord({ ...record, properties: properties + tail });
      const measured = Buffer.byteLength(properties, 'utf8');
      assert.deepEqual(encodeMessageRecord(record, { propertiesTail: tail }), whole);
      assert.deepEqual(
        encodeMessageRecord(record, { propertiesTail: tail, propertiesBytes: measured }),
        whole,
      );
      assert.equal(decodeMessageRecord(whole).properties, properties + tail);
    }
  }
});
