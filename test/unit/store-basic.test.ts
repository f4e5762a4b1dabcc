import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { decodeMessageRecord } from '../../src/protocol/message/record.js';
import { MessageSysFlag } from '../../src/protocol/message/constants.js';
import {
  CHECKSUM_TRAILER_LENGTH,
  checkRecordChecksum,
  withoutChecksumProperty,
} from '../../src/server/store/record-checksum.js';
import type { MessageStore } from '../../src/server/store/index.js';
import { message, openStore, propsString, withTempDir } from '../helpers/store-fixtures.js';

test('put then read back: stamped offsets, identical bytes via pull and view', async () => {
  await withTempDir(async (dir) => {
    const store = await openStore(dir, {}, { now: () => 1700000000123 });
    const props = propsString({ TAGS: 'TagA', KEYS: 'KEY1 KEY2' });
    const r1 = await store.putMessage(
      message({ body: Buffer.from('Hello RocketMQ'), properties: props, queueId: 3 }),
    );
    assert.equal(r1.status, 'PUT_OK');
    assert.equal(r1.physicalOffset, 0n);
    assert.equal(r1.queueOffset, 0n);
    assert.equal(r1.storeTimestamp, 1700000000123);
    // The store appends its 20-byte checksum entry (Java 5.x __CRC32# format) to the properties.
    assert.equal(r1.storeSize, 91 + 14 + 9 + Buffer.byteLength(props) + CHECKSUM_TRAILER_LENGTH);
    assert.equal(r1.wroteBytes, r1.storeSize);
    const r2 = await store.putMessage(message({ body: Buffer.from('second'), queueId: 3 }));
    assert.equal(r2.physicalOffset, BigInt(r1.storeSize));
    assert.equal(r2.queueOffset, 1n);

    const viewed = await store.lookMessageByOffset(r1.physicalOffset);
    assert.ok(viewed);
    const rec = decodeMessageRecord(viewed, 0, { verifyCrc: true });
    assert.equal(rec.topic, 'TopicTest');
    assert.equal(rec.queueId, 3);
    assert.equal(rec.queueOffset, 0n);
    assert.equal(rec.physicalOffset, 0n);
    assert.equal(rec.storeTimestamp, 1700000000123);
    assert.equal(rec.body.toString(), 'Hello RocketMQ');
    assert.equal(withoutChecksumProperty(rec.properties), props);
    assert.equal(checkRecordChecksum(viewed, 0, viewed.length), 'ok');
    assert.deepEqual(rec.storeHost, { ip: '10.0.0.1', port: 10911 });

    const got = await store.getMessage('g', 'TopicTest', 3, 0n, 32);
    assert.equal(got.status, 'FOUND');
    assert.equal(got.messages.length, 2);
    assert.deepEqual(got.messages[0], viewed);
    assert.equal(got.nextBeginOffset, 2n);
    assert.equal(got.maxOffset, 2n);
    assert.equal(got.minOffset, 0n);
    assert.deepEqual(got.queueOffsets, [0n, 1n]);
    assert.equal(decodeMessageRecord(got.messages[1]!).body.toString(), 'second');
    assert.equal(store.counters.appends, 2);
    await store.close();

    // Reopen: same content, appends continue at the next offsets.
    const again = await openStore(dir);
    assert.equal(again.lastRecovery?.cleanShutdown, true);
    assert.equal(again.getMaxOffsetInQueue('TopicTest', 3), 2n);
    assert.deepEqual(await again.lookMessageByOffset(0n), viewed);
    const r3 = await again.putMessage(message({ queueId: 3 }));
    assert.equal(r3.queueOffset, 2n);
    assert.equal(r3.physicalOffset, BigInt(r1.storeSize + r2.storeSize));
    await again.close();
  });
});

test('batch: consecutive queue offsets, one result listing every record', async () => {
  await withTempDir(async (dir) => {
    const store = await openStore(dir);
    await store.putMessage(message({ queueId: 1 }));
    const batch = [0, 1, 2, 3].map((i) => message({ queueId: 1, body: Buffer.from(`b${i}`) }));
    const r = await store.putMessages(batch);
    assert.equal(r.status, 'PUT_OK');
    assert.deepEqual(
      r.records.map((x) => x.queueOffset),
      [1n, 2n, 3n, 4n],
    );
    assert.equal(r.queueOffset, 1n);
    assert.equal(
      r.wroteBytes,
      r.records.reduce((n, x) => n + x.storeSize, 0),
    );
    for (let i = 1; i < r.records.length; i++) {
      assert.equal(
        r.records[i]!.physicalOffset,
        r.records[i - 1]!.physicalOffset + BigInt(r.records[i - 1]!.storeSize),
      );
    }
    const got = await store.getMessage('g', 'TopicTest', 1, 1n, 32);
    assert.deepEqual(
      got.messages.map((m) => decodeMessageRecord(m).body.toString()),
      ['b0', 'b1', 'b2', 'b3'],
    );
    await store.close();
  });
});

test('store checks (reference 12.3)', async () => {
  await withTempDir(async (dir) => {
    const store = await openStore(dir, { maxMessageSize: 1024 });
    const status = async (m: Parameters<MessageStore['putMessage']>[0]) => (await store.putMessage(m)).status;
    assert.equal(await status(message({ topic: 'T'.repeat(128) })), 'MESSAGE_ILLEGAL');
    assert.equal(await status(message({ topic: 'T'.repeat(127) })), 'PUT_OK');
    assert.equal(await status(message({ topic: '../etc' })), 'MESSAGE_ILLEGAL');
    assert.equal(await status(message({ topic: '' })), 'MESSAGE_ILLEGAL');
    assert.equal(await status(message({ queueId: -1 })), 'MESSAGE_ILLEGAL');
    assert.equal(await status(message({ body: Buffer.alloc(1025) })), 'MESSAGE_ILLEGAL');
    assert.equal(await status(message({ body: Buffer.alloc(1024) })), 'PUT_OK');
    assert.equal(await status(message({ properties: 'a\u0001' + 'x'.repeat(32766) })), 'MESSAGE_ILLEGAL');
    // 16384 chars but 32768 UTF-8 bytes: the encoder limit.
    assert.equal(
      await status(message({ properties: 'a\u0001' + 'é'.repeat(16383) })),
      'PROPERTIES_SIZE_EXCEEDED',
    );
    // The stored properties end with the 20-byte checksum slot (after a U+0002 the caller's lack): at
    // most 32767 bytes in all.
    for (const end of ['', '\u0002']) {
      const fits = 'a\u0001' + 'x'.repeat(32744 - end.length) + end;
      assert.equal(await status(message({ properties: fits })), 'PUT_OK');
      assert.equal(await status(message({ properties: fits + 'x' })), 'PROPERTIES_SIZE_EXCEEDED');
    }
    // The name check after a topic that passed (the last legal name is not checked again).
    for (const topic of ['T1', '../etc', '../etc', 'T1', 'T 1', 'T 1']) {
      assert.equal(await status(message({ topic })), topic === 'T1' ? 'PUT_OK' : 'MESSAGE_ILLEGAL', topic);
    }
    assert.equal(await status(message({ bornHost: { ip: 'not-an-ip', port: 1 } })), 'MESSAGE_ILLEGAL');
    const refused = await store.putMessage(message({ body: Buffer.alloc(2000) }));
    assert.equal(refused.physicalOffset, -1n);
    assert.match(refused.reason ?? '', /maxMessageSize/);
    // A refused batch appends nothing.
    const before = store.getCommitLogMaxOffset();
    assert.equal((await store.putMessages([message(), message({ topic: '' })])).status, 'MESSAGE_ILLEGAL');
    assert.equal(store.getCommitLogMaxOffset(), before);
    await store.close();
  });
});

test('a record larger than a segment is refused instead of rolling forever', async () => {
  await withTempDir(async (dir) => {
    const store = await openStore(dir, { commitLogSegmentSize: 4096 });
    assert.equal((await store.putMessage(message({ body: Buffer.alloc(4000) }))).status, 'MESSAGE_ILLEGAL');
    assert.equal((await store.putMessage(message({ body: Buffer.alloc(3900) }))).status, 'PUT_OK');
    await store.close();
  });
});

test('PREPARED / ROLLBACK transaction records: queue offset 0, not in the consume queue', async () => {
  await withTempDir(async (dir) => {
    const store = await openStore(dir);
    const half = await store.putMessage(message({ sysFlag: MessageSysFlag.TRANSACTION_PREPARED_TYPE }));
    assert.equal(half.status, 'PUT_OK');
    assert.equal(half.queueOffset, 0n);
    assert.equal(store.getMaxOffsetInQueue('TopicTest', 0), 0n);
    const normal = await store.putMessage(message());
    assert.equal(normal.queueOffset, 0n);
    const commit = await store.putMessage(
      message({
        sysFlag: MessageSysFlag.TRANSACTION_COMMIT_TYPE,
        preparedTransactionOffset: half.physicalOffset,
      }),
    );
    assert.equal(commit.queueOffset, 1n);
    assert.equal(store.getMaxOffsetInQueue('TopicTest', 0), 2n);
    await store.close();
    const again = await openStore(dir);
    assert.equal(again.getMaxOffsetInQueue('TopicTest', 0), 2n);
    await again.close();
  });
});

test('lifecycle: closed store refuses puts, directory lock, abort marker', async () => {
  await withTempDir(async (dir) => {
    const store = await openStore(dir);
    assert.ok(fs.existsSync(path.join(dir, 'abort')));
    assert.equal(fs.readFileSync(path.join(dir, 'lock'), 'utf8'), String(process.pid));
    await assert.rejects(openStore(dir), /locked by process/);
    await store.close();
    assert.ok(!fs.existsSync(path.join(dir, 'abort')));
    assert.ok(!fs.existsSync(path.join(dir, 'lock')));
    assert.equal((await store.putMessage(message())).status, 'SERVICE_NOT_AVAILABLE');
    // A stale lock of a dead process is taken over.
    fs.writeFileSync(path.join(dir, 'lock'), '2147483646');
    const again = await openStore(dir);
    await again.close();
  });
});

test('a put that throws while preparing comes back as a rejected promise, and the store goes on', async () => {
  await withTempDir(async (dir) => {
    const store = await openStore(dir);
    // Properties that are not a string fail inside the record builder (a caller's bug, not a refusal).
    const bad = message({ properties: 42 as unknown as string });
    let put: Promise<unknown> | undefined;
    assert.doesNotThrow(() => {
      put = store.putMessage(bad);
    });
    await assert.rejects(put!);
    const r = await store.putMessage(message({ body: Buffer.from('after') }));
    assert.equal(r.status, 'PUT_OK');
    assert.equal(r.queueOffset, 0n, 'the failed put took no queue offset');
    await store.close();
  });
});
