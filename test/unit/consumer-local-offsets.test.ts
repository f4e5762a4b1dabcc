/**
 * LocalFileOffsetStore (broadcasting offsets): Java's offsets.json shape (fastjson PrettyFormat with
 * MessageQueue objects as map keys), Java's merge / .bak / read semantics, refusal of damaged files
 * (every truncation of a valid file is refused as a whole), and crash safety on a simulated disk that
 * loses power after any operation of a run of persists.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { IllegalArgumentError, ProtocolError } from '../../src/common/errors.js';
import {
  LocalFileOffsetStore,
  LocalOffsetFileError,
} from '../../src/client/consumer/offsets/local-file-offset-store.js';
import { MessageQueue } from '../../src/client/message-queue.js';
import {
  decodeOffsetSerializeWrapper,
  encodeOffsetSerializeWrapper,
} from '../../src/protocol/body/offset-serialize-wrapper.js';
import { PowerLossFS } from '../helpers/power-loss-fs.js';
import { Prng } from '../helpers/prng.js';

const root = mkdtempSync(path.join(tmpdir(), 'rmq-local-offsets-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => path.join(root, `d${dirs++}`);

const mqA0 = new MessageQueue('TopicTest', 'broker-a', 0);
const mqA1 = new MessageQueue('TopicTest', 'broker-a', 1);
const mqB0 = new MessageQueue('TopicTest', 'broker-b', 0);

const JAVA_SHAPED =
  '{\n\t"offsetTable":{{\n\t\t\t"brokerName":"broker-a",\n\t\t\t"queueId":1,\n\t\t\t"topic":"TopicTest"\n\t\t}:17,' +
  '{\n\t\t\t"brokerName":"broker-b",\n\t\t\t"queueId":0,\n\t\t\t"topic":"TopicTest"\n\t\t}:9223372036854775807\n\t}\n}';

test('offsets.json: fastjson PrettyFormat with queue objects as keys, read back whatever the spacing', () => {
  const entries = [
    { topic: 'TopicTest', brokerName: 'broker-b', queueId: 0, offset: 2n ** 63n - 1n },
    { topic: 'TopicTest', brokerName: 'broker-a', queueId: 1, offset: 17n },
  ];
  assert.equal(encodeOffsetSerializeWrapper(entries), JAVA_SHAPED);
  assert.equal(encodeOffsetSerializeWrapper([]), '{\n\t"offsetTable":{}\n}');
  const sorted = [entries[1], entries[0]];
  assert.deepEqual(decodeOffsetSerializeWrapper(JAVA_SHAPED), sorted);
  const compact =
    '{"offsetTable":{{"brokerName":"broker-a","queueId":1,"topic":"TopicTest"}:17,' +
    '{"topic":"TopicTest","queueId":0,"brokerName":"broker-b"} : 9223372036854775807}}';
  assert.deepEqual(decodeOffsetSerializeWrapper(compact), sorted);
  assert.deepEqual(decodeOffsetSerializeWrapper('{}'), []);
  assert.deepEqual(decodeOffsetSerializeWrapper('{"offsetTable":{}}'), []);
  const odd = [{ topic: 'T', brokerName: 'b}{"\\x', queueId: 3, offset: -1n }];
  assert.deepEqual(decodeOffsetSerializeWrapper(encodeOffsetSerializeWrapper(odd)), odd);
});

test('offsets.json: every truncation and typical damage is refused as a whole', () => {
  const full = JAVA_SHAPED.trimEnd();
  for (let n = 0; n < full.length; n++) {
    assert.throws(
      () => decodeOffsetSerializeWrapper(full.slice(0, n)),
      ProtocolError,
      `prefix of ${n} chars`,
    );
  }
  for (const bad of [
    full + 'x',
    full.replace(':17', ':17.5'),
    full.replace(':17', ':'),
    full.replace('9223372036854775807', '9223372036854775808'),
    '{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:1},"other":2}',
    '{"offsetTable":{{"brokerName":"b","queueId":{"x":1},"topic":"T"}:1}}',
    '\0\0\0\0',
  ]) {
    assert.throws(() => decodeOffsetSerializeWrapper(bad), ProtocolError, JSON.stringify(bad));
  }
});

test('store: Java path and semantics (merge on persist, remove keeps the file entry, read from store)', async () => {
  const dir = freshDir();
  const store = new LocalFileOffsetStore({ dir, clientId: '10.0.0.1@app', group: 'GID_b' });
  assert.equal(store.storePath, path.join(dir, '10.0.0.1@app', 'GID_b', 'offsets.json'));
  await store.load(); // nothing yet
  assert.equal(await store.readOffset(mqA0, 'MEMORY_FIRST_THEN_STORE'), -1n);
  store.updateOffset(mqA0, 5n, false);
  store.updateOffset(mqA0, 3n, true);
  store.updateOffset(mqA1, 8n, false);
  assert.equal(await store.readOffset(mqA0, 'READ_FROM_MEMORY'), 5n);
  await store.persistAll([mqA0]);
  assert.deepEqual(
    decodeOffsetSerializeWrapper(readFileSync(store.storePath, 'utf8')).map((e) => e.offset),
    [5n],
  );
  store.removeOffset(mqA0);
  assert.equal(await store.readOffset(mqA0, 'READ_FROM_MEMORY'), -1n);
  await store.persistAll([mqA1]);
  const written = decodeOffsetSerializeWrapper(readFileSync(store.storePath, 'utf8'));
  assert.deepEqual(
    written.map((e) => [e.queueId, e.offset]),
    [
      [0, 5n],
      [1, 8n],
    ],
    'the removed queue keeps its last offset in the file',
  );
  assert.ok(
    readFileSync(`${store.storePath}.bak`, 'utf8').includes('"queueId":0'),
    'previous content kept as .bak',
  );
  assert.equal(await store.readOffset(mqA0, 'MEMORY_FIRST_THEN_STORE'), 5n, 'read from the file');
  assert.equal(await store.readOffset(mqA0, 'READ_FROM_MEMORY'), 5n, 'and held in memory since');
  assert.deepEqual(store.offsetsOf('TopicTest').length, 2);
  assert.deepEqual(store.offsetsOf('Other'), []);

  const reopened = new LocalFileOffsetStore({ dir, clientId: '10.0.0.1@app', group: 'GID_b' });
  await reopened.load();
  assert.equal(await reopened.readOffset(mqA1, 'READ_FROM_MEMORY'), 8n);
});

test('store: namespaced topics are written with their namespace and read back without it', async () => {
  const dir = freshDir();
  const options = {
    dir,
    clientId: 'c',
    group: 'ns%G',
    toWireTopic: (t: string) => `ns%${t}`,
    fromWireTopic: (t: string) => t.replace(/^ns%/, ''),
  };
  const store = new LocalFileOffsetStore(options);
  store.updateOffset(mqB0, 4n, false);
  await store.persist(mqB0);
  assert.match(readFileSync(store.storePath, 'utf8'), /"topic":"ns%TopicTest"/);
  assert.deepEqual(
    store.offsetsOf('ns%TopicTest').map((o) => o.offset),
    [4n],
  );
  const again = new LocalFileOffsetStore(options);
  await again.load();
  assert.equal(await again.readOffset(mqB0, 'READ_FROM_MEMORY'), 4n);
});

test('store: a damaged offsets.json falls back to the .bak; both damaged is a clear error', async () => {
  const dir = freshDir();
  const store = new LocalFileOffsetStore({ dir, clientId: 'c', group: 'G' });
  store.updateOffset(mqA0, 1n, false);
  await store.persistAll([mqA0]);
  store.updateOffset(mqA0, 2n, false);
  await store.persistAll([mqA0]);
  const file = store.storePath;
  writeFileSync(file, readFileSync(file, 'utf8').slice(0, 30)); // torn by someone else
  const fromBak = new LocalFileOffsetStore({ dir, clientId: 'c', group: 'G' });
  await fromBak.load();
  assert.equal(await fromBak.readOffset(mqA0, 'READ_FROM_MEMORY'), 1n, 'the previous offsets, from the .bak');
  writeFileSync(file, '');
  const emptyMain = new LocalFileOffsetStore({ dir, clientId: 'c', group: 'G' });
  await emptyMain.load();
  assert.equal(
    await emptyMain.readOffset(mqA0, 'READ_FROM_MEMORY'),
    1n,
    'an empty file reads the .bak (Java)',
  );

  writeFileSync(file, '{"offsetTable":{');
  writeFileSync(`${file}.bak`, 'garbage');
  const broken = new LocalFileOffsetStore({ dir, clientId: 'c', group: 'G' });
  await assert.rejects(
    async () => broken.load(),
    (e: unknown) =>
      e instanceof LocalOffsetFileError && e.message.includes(file) && /remove both/.test(e.message),
  );
  assert.equal(
    await broken.readOffset(mqA0, 'READ_FROM_STORE'),
    -1n,
    'Java: -1 when the file cannot be read',
  );
  rmSync(`${file}.bak`);
  await assert.rejects(
    async () => broken.load(),
    LocalOffsetFileError,
    'damaged without a .bak: no silent restart',
  );
});

test('store: options refused with a clear message; no default directory', () => {
  assert.throws(
    () => new LocalFileOffsetStore({ dir: '', clientId: 'c', group: 'G' }),
    (e: unknown) => e instanceof IllegalArgumentError && /set offsetStoreDir/.test(e.message),
  );
  assert.throws(
    () => new LocalFileOffsetStore({ dir: root, clientId: '../x', group: 'G' }),
    /clientId must be/,
  );
  assert.throws(() => new LocalFileOffsetStore({ dir: root, clientId: 'c', group: '..' }), /group must be/);
});

test('store: power loss after any operation leaves a readable file with a persisted offset', async () => {
  const base = new PowerLossFS(['/sim']);
  const options = { dir: '/sim/offsets', clientId: 'c', group: 'G', io: base.io };
  const store = new LocalFileOffsetStore(options);
  const persistedAt: { ops: number; offset: bigint }[] = [];
  for (let i = 1n; i <= 6n; i++) {
    store.updateOffset(mqA0, i * 10n, false);
    store.updateOffset(mqB0, i, false);
    await store.persistAll([mqA0, mqB0]);
    persistedAt.push({ ops: base.ops.length, offset: i * 10n });
  }
  await store.persistAll([mqA0, mqB0]); // unchanged: nothing written
  assert.equal(base.ops.length, persistedAt.at(-1)?.ops, 'an unchanged table is not rewritten');
  const rng = new Prng(7);
  let checked = 0;
  for (let k = 0; k <= base.ops.length; k++) {
    for (const tear of [false, true]) {
      const crashed = PowerLossFS.replay(base.ops, k, ['/sim']).crash(rng, tear);
      const reopened = new LocalFileOffsetStore({ ...options, io: crashed.io });
      await reopened.load();
      const got = await reopened.readOffset(mqA0, 'READ_FROM_MEMORY');
      const completed = persistedAt.filter((p) => p.ops <= k).at(-1)?.offset ?? -1n;
      // A completed persist is never lost; at most the one in progress may also have landed.
      assert.ok(got === completed || got === completed + 10n, `crash after op ${k} (tear ${tear}): ${got}`);
      checked++;
    }
  }
  assert.ok(checked > 80, `${checked} crash points`);
});
