import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { decodeMessageRecord } from '../../src/protocol/message/record.js';
import { message, openStore, withTempDir } from '../helpers/store-fixtures.js';

const SEG = 64 * 1024;

test('segment roll: END-OF-FILE blank fills the old file, record starts the next one', async () => {
  await withTempDir(async (dir) => {
    const store = await openStore(dir, { commitLogSegmentSize: SEG });
    const body = Buffer.alloc(1000, 7);
    const results = [];
    for (let i = 0; i < 70; i++) results.push(await store.putMessage(message({ body })));
    const size = results[0]!.storeSize;
    const perFile = Math.floor((SEG - 8) / size); // a record needs size + 8 bytes left
    assert.ok(results.every((r) => r.status === 'PUT_OK'));
    assert.equal(results[perFile - 1]!.physicalOffset, BigInt((perFile - 1) * size));
    assert.equal(results[perFile]!.physicalOffset, BigInt(SEG), 'first record of the second file');
    assert.equal(results[perFile]!.queueOffset, BigInt(perFile));

    const files = fs.readdirSync(path.join(dir, 'commitlog')).sort();
    assert.deepEqual(files, ['00000000000000000000', '00000000000000065536']);
    for (const f of files) assert.equal(fs.statSync(path.join(dir, 'commitlog', f)).size, SEG);

    const first = fs.readFileSync(path.join(dir, 'commitlog', files[0]!));
    const blankAt = perFile * size;
    assert.equal(first.readInt32BE(blankAt), SEG - blankAt, 'blank size = rest of the file');
    assert.equal(first.readUInt32BE(blankAt + 4), 0xcbd43194);
    assert.ok(first.subarray(blankAt + 8).every((b) => b === 0));
    await store.close();

    // Pull across the boundary and reopen across it.
    const again = await openStore(dir, { commitLogSegmentSize: SEG });
    const got = await again.getMessage('g', 'TopicTest', 0, BigInt(perFile - 2), 4);
    assert.equal(got.status, 'FOUND');
    assert.deepEqual(
      got.messages.map((m) => decodeMessageRecord(m).physicalOffset),
      [BigInt((perFile - 2) * size), BigInt((perFile - 1) * size), BigInt(SEG), BigInt(SEG + size)],
    );
    assert.equal(again.getMaxOffsetInQueue('TopicTest', 0), 70n);
    assert.equal(await again.lookMessageByOffset(BigInt(blankAt)), undefined, 'a blank is not a message');
    const next = await again.putMessage(message({ body }));
    assert.equal(next.queueOffset, 70n);
    assert.equal(next.physicalOffset, BigInt(SEG + (70 - perFile) * size));
    await again.close();
  });
});

test('consume queue files: 20-byte entries, rolled every consumeQueueEntriesPerFile', async () => {
  await withTempDir(async (dir) => {
    const store = await openStore(dir, { consumeQueueEntriesPerFile: 10 });
    const put = [];
    for (let i = 0; i < 25; i++) put.push(await store.putMessage(message({ queueId: 2, tags: 'TagA' })));
    await store.close();
    const qdir = path.join(dir, 'consumequeue', 'TopicTest', '2');
    assert.deepEqual(fs.readdirSync(qdir).sort(), [
      '00000000000000000000',
      '00000000000000000200',
      '00000000000000000400',
    ]);
    const second = fs.readFileSync(path.join(qdir, '00000000000000000200'));
    assert.equal(second.length, 200);
    // Entry 13 = index 3 of the second file.
    assert.equal(second.readBigInt64BE(60), put[13]!.physicalOffset);
    assert.equal(second.readInt32BE(68), put[13]!.storeSize);
    assert.equal(second.readBigInt64BE(72), 2598919n, 'tags code of TagA');
    const third = fs.readFileSync(path.join(qdir, '00000000000000000400'));
    assert.ok(third.subarray(100).every((b) => b === 0));
  });
});

test('checkpoint file: Java layout in the first 24 bytes, 4096 bytes long', async () => {
  await withTempDir(async (dir) => {
    const store = await openStore(dir, {}, { now: () => 1700000000999 });
    await store.putMessage(message());
    await store.close();
    const cp = fs.readFileSync(path.join(dir, 'checkpoint'));
    assert.equal(cp.length, 4096);
    assert.equal(cp.readBigInt64BE(0), 1700000000999n);
    assert.equal(cp.readBigInt64BE(8), 1700000000999n);
  });
});
