/**
 * KV configuration store: Java's kvConfig.json shape on disk, reload, limits and name checks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KVConfigStore, ORDER_TOPIC_CONFIG } from '../../src/server/namesrv/kv-config.js';
import { NameServerRequestError, checkAddress, checkName } from '../../src/server/namesrv/limits.js';

test('KV store persists in the kvConfig.json shape and reloads it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'namesrv-kv-'));
  try {
    const path = join(dir, 'sub', 'kvConfig.json');
    const kv = new KVConfigStore(path);
    kv.load(); // no file yet: nothing to load, no error
    await kv.put(ORDER_TOPIC_CONFIG, 'TopicTest', 'broker-a:4;broker-b:4');
    await kv.put('NS', 'k', 'v');
    await kv.delete('NS', 'k');
    assert.equal(
      await readFile(path, 'utf8'),
      // namespace order as Java's HashMap iterates them [J]
      '{"configTable":{"ORDER_TOPIC_CONFIG":{"TopicTest":"broker-a:4;broker-b:4"},"NS":{}}}',
    );
    const again = new KVConfigStore(path);
    again.load();
    assert.equal(again.get(ORDER_TOPIC_CONFIG, 'TopicTest'), 'broker-a:4;broker-b:4');
    assert.deepEqual([...again.list('NS')!], []);
    assert.equal(again.list('NONE'), undefined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('KV store limits: namespaces, entries, value length, empty names', () => {
  const kv = new KVConfigStore(undefined, { maxKvNamespaces: 1, maxKvEntries: 2, maxKvValueLength: 5 });
  kv.put('A', '1', 'x');
  assert.throws(() => kv.put('B', '1', 'x'), /too many KV namespaces/);
  kv.put('A', '2', 'x');
  kv.put('A', '2', 'y'); // replacing does not count
  assert.throws(() => kv.put('A', '3', 'x'), /too many KV entries/);
  assert.throws(() => kv.put('A', '1', '123456'), /longer than 5/);
  assert.throws(() => kv.put('', '1', 'x'), NameServerRequestError);
  kv.delete('A', '1');
  kv.put('A', '3', 'x');
  assert.deepEqual([...kv.list('A')!.keys()].sort(), ['2', '3']);
});

test('KV store limits the total length of keys and values, refusing before any change', () => {
  const kv = new KVConfigStore(undefined, { maxKvTotalLength: 20 });
  void kv.put('A', 'k1', '12345678'); // 10
  void kv.put('B', 'k2', '12345678'); // 20
  assert.equal(kv.totalChars, 20);
  assert.throws(() => kv.put('A', 'k3', ''), NameServerRequestError); // 22 > 20
  assert.throws(() => kv.put('C', 'k', 'x'), /exceed 20 characters in total/);
  assert.equal(kv.list('C'), undefined, 'the refused put created no namespace');
  assert.equal(kv.get('A', 'k3'), undefined);
  void kv.put('A', 'k1', '1234'); // replacing frees the old value's length: 16
  assert.equal(kv.totalChars, 16);
  void kv.put('A', 'k3', '1'); // 19
  void kv.delete('B', 'k2');
  assert.equal(kv.totalChars, 9);
  assert.throws(() => kv.put('A', 'k4', 'x'.repeat(10)), NameServerRequestError); // 21
  void kv.put('A', 'k4', 'x'.repeat(9)); // 20
});

test('KV file: one write in flight, later changes batched, no write for a delete of nothing', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'namesrv-kv-'));
  try {
    const path = join(dir, 'kvConfig.json');
    const kv = new KVConfigStore(path);
    const saved: Promise<void>[] = [];
    for (let i = 0; i < 50; i++) saved.push(kv.put('NS', `k${i}`, `v${i}`));
    let settled = 0;
    for (const p of saved) void p.then(() => settled++);
    await Promise.all(saved);
    assert.equal(settled, 50);
    // The first change starts a write; the 49 made while it ran go into one more.
    assert.equal(kv.writes, 2);
    const text = await readFile(path, 'utf8');
    const table = (JSON.parse(text) as { configTable: { NS: Record<string, string> } }).configTable.NS;
    assert.equal(Object.keys(table).length, 50);
    assert.equal(table.k49, 'v49');
    await kv.delete('NS', 'missing');
    await kv.delete('NONE', 'k1');
    assert.equal(kv.writes, 2, 'deleting what is not there writes nothing');
    await kv.delete('NS', 'k1');
    assert.equal(kv.writes, 3);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('KV file text matches the one-shot fastjson form, split over many chunks', async () => {
  const { kvFileChunks } = await import('../../src/server/namesrv/kv-config-file.js');
  const { toFastjsonString } = await import('../../src/protocol/json/fastjson-write.js');
  const snapshot: [string, [string, string][]][] = [
    [
      'A',
      Array.from({ length: 1500 }, (_, i): [string, string] => [`k${i}`, `v"\\${i}\u00e9${'x'.repeat(100)}`]),
    ],
    ['EMPTY', []],
    ['B', [['x', 'y']]],
  ];
  const chunks = [...kvFileChunks(snapshot)];
  assert.ok(chunks.length >= 3, `${chunks.length} chunks`);
  const configTable = new Map(snapshot.map(([ns, e]) => [ns, new Map(e)]));
  assert.equal(chunks.join(''), toFastjsonString({ configTable }, 'plain'));
  assert.equal([...kvFileChunks([])].join(''), '{"configTable":{}}');
});

test('name and address checks', () => {
  for (const ok of ['TopicTest', '%RETRY%group', 'rmq_sys_REVIVE_LOG_DefaultCluster', 'broker-a', 'a.b|c']) {
    checkName('topic', ok);
  }
  for (const bad of ['', 'a b', 'a\nb', 'a:b', 'a;b', 'x'.repeat(256)]) {
    assert.throws(() => checkName('topic', bad), NameServerRequestError, JSON.stringify(bad));
  }
  checkAddress('brokerAddr', '127.0.0.1:10911');
  checkAddress('brokerAddr', '[::1]:10911');
  checkAddress('brokerAddr', 'broker.example.com:10911');
  for (const bad of ['127.0.0.1', '127.0.0.1:99999', 'a b:1', ':1', 'http://x:1']) {
    assert.throws(() => checkAddress('brokerAddr', bad), NameServerRequestError, bad);
  }
});

test('KV file over the limits (Java or an older version wrote it) loads whole; the name server starts', async () => {
  const { NameServer } = await import('../../src/server/namesrv/index.js');
  const dir = await mkdtemp(join(tmpdir(), 'namesrv-kv-'));
  try {
    const path = join(dir, 'kvConfig.json');
    await writeFile(path, '{"configTable":{"A":{"k1":"123456","k2":"v2","k3":"v3"},"B":{}}}');
    const limits = { maxKvNamespaces: 1, maxKvEntries: 2, maxKvValueLength: 5, maxKvTotalLength: 14 };
    const kv = new KVConfigStore(path, limits);
    const over = kv.load();
    assert.equal(over.length, 4, over.join('; '));
    assert.match(over.join('; '), /3 entries \(maxKvEntries 2\)/);
    assert.equal(kv.get('A', 'k1'), '123456');
    assert.deepEqual([...kv.list('B')!], []);
    assert.equal(kv.totalChars, 16);
    // New puts still meet the limits; one that does not grow the table passes.
    assert.throws(() => kv.put('A', 'k4', 'x'), /too many KV entries/);
    assert.throws(() => kv.put('C', 'k', 'x'), /too many KV (entries|namespaces)/);
    assert.throws(() => kv.put('A', 'k2', 'v22'), /in total/);
    await kv.put('A', 'k1', '12345'); // still over 14 in total, but less than before
    assert.equal(kv.totalChars, 15);

    const warnings: unknown[] = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (...args: unknown[]) => warnings.push(args) };
    const server = new NameServer({ port: 0, kvConfigPath: path, limits, logger });
    await server.start();
    try {
      assert.equal(server.kvConfig.get('A', 'k3'), 'v3');
      assert.equal(warnings.length, 1);
    } finally {
      await server.shutdown();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('KV file: two writers of one path never mix their files; a crashed writer’s temp file is removed at load', async () => {
  const { readdir } = await import('node:fs/promises');
  const dir = await mkdtemp(join(tmpdir(), 'namesrv-kv-'));
  try {
    const path = join(dir, 'kvConfig.json');
    const errors: Error[] = [];
    const first = new KVConfigStore(path, {}, (err) => errors.push(err));
    const second = new KVConfigStore(path, {}, (err) => errors.push(err));
    // Tables of different sizes, many chunks each, saved at the same time.
    const saves: Promise<void>[] = [];
    for (let i = 0; i < 40; i++) saves.push(first.put('NS', `a${i}`, 'a'.repeat(60_000)));
    for (let i = 0; i < 25; i++) saves.push(second.put('NS', `b${i}`, 'b'.repeat(50_000)));
    await Promise.all(saves);
    assert.deepEqual(errors, []);
    const loaded = new KVConfigStore(path);
    loaded.load(); // a mixed file would not parse, or would hold entries of both
    const keys = [...loaded.list('NS')!.keys()];
    assert.ok(keys.length === 40 || keys.length === 25, `${keys.length} keys`);
    assert.ok(keys.every((k) => k[0] === keys[0]![0]));

    // A writer that crashed between open and rename (its pid no longer runs) left a temp file.
    const stale = 'kvConfig.json.4194305.7.tmp';
    const live = `kvConfig.json.${process.pid}.999999.tmp`;
    await writeFile(join(dir, stale), '{"configTable":{"NS":');
    await writeFile(join(dir, live), '');
    new KVConfigStore(path).load();
    assert.deepEqual((await readdir(dir)).sort(), ['kvConfig.json', live]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
